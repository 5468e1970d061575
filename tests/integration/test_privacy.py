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
