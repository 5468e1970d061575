"""Entry point of the frozen app (PyInstaller): the same CLI as ``installer-app``."""

import multiprocessing
import sys

from installer_app.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
