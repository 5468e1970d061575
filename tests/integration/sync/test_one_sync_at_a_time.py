"""One sync per data directory: a second one stops before doing anything, and a sync killed
while holding the lock does not block the next."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from installer_app.services.sync import sync_now
from installer_app.sync.client import SyncError
from tests.integration.sync.conftest import (
    FAST,
    local_state,
    new_installer,
    publish_reference,
    queue_records,
)
from tests.integration.sync.harness import ThreadServer

HOLDER = """
import sys, time
from pathlib import Path
from installer_app.store import dir_lock
with dir_lock.exclusive(Path(sys.argv[1]) / "sync.lock"):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_second_sync_is_refused_while_one_runs_and_a_killed_one_frees_the_lock(
    server: ThreadServer, tmp_path: Path
) -> None:
    publish_reference(server.backoffice, tmp_path)
    me = new_installer(server.backoffice, tmp_path, "INST-LOCK", jobs=3)
    queue_records(me.data_dir, 5)
    before = local_state(me.data_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(me.data_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SyncError) as refused:
            sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST)
        assert refused.value.category == "busy"
        assert "another sync" in refused.value.message
        assert local_state(me.data_dir) == before
        assert server.backoffice.records(me.id) == []
    finally:
        holder.send_signal(signal.SIGKILL)  # dies holding the lock: the system releases it
        holder.wait(30)
    report = sync_now(me.data_dir, server=server.url, token=me.token, retry=FAST)
    assert report.ok and report.stored == 5 and report.jobs == 3
