import sys

from installer_app.cli.main import main

sys.exit(main())
