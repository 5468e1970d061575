"""Personal data (addresses from the jobs) and the sync token never reach the log file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from installer_app import paths


def test_a_gui_session_on_demo_data_logs_no_address_and_no_token(tmp_path: Path) -> None:
    token = "ia1.0123456789abcdef.this-secret-must-never-be-logged"
    logs = tmp_path / "logs"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "INSTALLER_APP_QUIT_AFTER_MS": "300",
        "INSTALLER_APP_LOG_DIR": str(logs),
        "INSTALLER_APP_TOKEN": token,
    }
    result = subprocess.run(
        [sys.executable, "-m", "installer_app", "--data-dir", str(tmp_path / "d"), "gui", "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in logs.glob("*.log*"))
    assert "demo data: jobs imported" in text  # the session was logged …
    addresses = [
        line.split('"address": "')[1].split('"')[0]
        for line in paths.resource("demo", "jobs.json").read_text(encoding="utf-8").splitlines()
        if '"address"' in line
    ]
    assert addresses
    for address in addresses:  # … without the customers' addresses
        assert address not in text
        assert address.split(",")[0] not in text
    assert token not in text and "this-secret" not in text


PRIVATE_ADDRESS = "Flat 9, 77 Quiet Close, Sometown SO1 9ZZ"
PRIVATE_MPAN = "1900012345678"
PRIVATE_TOKEN = "ia1.00aa11bb22cc33dd.never-log-this-secret-4455"

FAILURES = f"""
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from installer_app.cli import context
from installer_app.errors import UserError
from installer_app.services import open_database, records
from installer_app.ui import errors

context.setup_logging()  # as the app does when it starts
app = QApplication([])
with open_database(Path(sys.argv[1])) as db:
    try:  # an over-long address: the importer quotes the value it refuses
        records.import_jobs(db, sys.argv[2])
    except UserError as exc:
        errors.present(None, exc)
    else:
        raise SystemExit("the jobs file was accepted")
try:  # a bug whose message carries personal data and the token
    raise KeyError({PRIVATE_ADDRESS!r} + " mpan {PRIVATE_MPAN} Bearer {PRIVATE_TOKEN}")
except KeyError as exc:
    errors.present(None, exc)
print("shown")
"""


def test_errors_shown_in_the_app_reach_the_log_without_address_mpan_or_token(
    tmp_path: Path,
) -> None:
    jobs = tmp_path / "jobs.json"
    jobs.write_text(
        '{"jobs": [{"reference": "JOB-P1", "installation": "SMETS2+", "meter_ids": [], '
        f'"address": "{PRIVATE_ADDRESS}{" and more" * 60}", "mpan": "{PRIVATE_MPAN}"}}]}}',
        encoding="utf-8",
    )
    logs = tmp_path / "logs"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INSTALLER_APP_LOG_DIR": str(logs)}
    result = subprocess.run(
        [sys.executable, "-c", FAILURES, str(tmp_path / "d"), str(jobs)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0 and "shown" in result.stdout, result.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in logs.glob("*.log*"))
    assert "user error shown: " in text and "jobs.json" in text and "address" in text
    assert "KeyError" in text and "Traceback" in text  # support still gets the failure …
    for private in (
        PRIVATE_ADDRESS,
        "77 Quiet Close",
        "SO1 9ZZ",
        PRIVATE_MPAN,
        PRIVATE_TOKEN,
        "never-log-this-secret",
    ):
        assert private not in text, private  # … without the personal data or the secret
