"""The Sync page's "Sync now" against the real back office on loopback: configured in Settings,
run in the background, the records waiting are sent once, the status bar follows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from installer_app import paths
from installer_app.services import sync as sync_service
from installer_app.ui.main_window import MainWindow
from tests.gui.conftest import WAIT_MS, MakeWindow, Shoot

pytest.importorskip("fastapi")
from tests.integration.sync.harness import ThreadServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThreadServer]:
    running = ThreadServer(f"sqlite:///{tmp_path / 'backoffice.sqlite'}")
    running.backoffice.load_reference("cpl", str(paths.resource("demo", "cpl.csv")))
    yield running
    running.stop()


def _sync(qtbot: QtBot, window: MainWindow) -> bool:
    page = window.sync_page
    with qtbot.waitSignal(page.sync_finished, timeout=WAIT_MS) as finished:
        page.sync_button.click()
    qtbot.waitUntil(lambda: not page.busy(), timeout=WAIT_MS)
    return bool(finished.args[0])


def test_sync_now_sends_the_records_once_and_updates_the_status(
    qtbot: QtBot, make_window: MakeWindow, demo_dir: Path, server: ThreadServer, shoot: Shoot
) -> None:
    token = server.backoffice.create_token("INST-7")
    window = make_window(demo_dir)
    # A check on site leaves a record waiting to be sent.
    with window.state.open_database() as db:
        from installer_app.domain.model import Generation
        from installer_app.domain.prenotification import Installation
        from installer_app.services import checks

        reading = checks.manual_reading("00-DB-12-34-56-78-B0-03")
        checks.check_reading(db, reading, installation=Installation(Generation.SMETS2))
    window.refresh_status()

    window.show_page("sync")
    assert not window.sync_page.sync_button.isEnabled()  # not set up yet

    window.show_page("settings")
    settings_page = window.settings_page
    settings_page.server_edit.setText(server.url)
    settings_page.token_edit.setText(token)
    settings_page.save()
    assert settings_page.message.kind == "success"
    assert sync_service.connection_settings(demo_dir) == (server.url, True)
    assert settings_page.token_edit.text() == ""  # never shown again

    window.show_page("sync")
    assert window.sync_page.sync_button.isEnabled()
    assert _sync(qtbot, window) is True
    text = window.sync_page.message.text.text()
    assert "records sent: 1 (1 new" in text
    shoot(window, "page-sync-done")
    status = window.status_line
    qtbot.waitUntil(lambda: status.pending.text() == "Nothing waiting to sync", timeout=WAIT_MS)
    assert status.last_sync.text().startswith("Last sync: 2")
    assert status.network.text() == "● Online"

    # Again: nothing new to send, nothing doubled at the back office.
    assert _sync(qtbot, window) is True
    assert len(server.backoffice.records(installer_id="INST-7")) == 1


def test_a_refused_token_is_a_plain_message_and_changes_nothing(
    qtbot: QtBot, make_window: MakeWindow, demo_dir: Path, server: ThreadServer
) -> None:
    sync_service.configure(demo_dir, server=server.url, token="ia1.0000000000000000.nope")
    window = make_window(demo_dir)
    window.show_page("sync")
    assert _sync(qtbot, window) is False
    page = window.sync_page
    assert page.message.kind == "error"
    assert "token" in page.message.text.text().lower()
    assert window.status_line.network.text() != "○ Offline"  # reachable; the token was refused
    assert "Traceback" not in page.message.text.text()


def test_the_status_bar_says_online_or_offline_from_the_back_office_host(
    qtbot: QtBot, make_window: MakeWindow, demo_dir: Path
) -> None:
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    window = make_window(demo_dir)
    network = window.status_line.network
    window.probe_back_office()  # no address yet
    qtbot.waitUntil(lambda: network.text() == "Network: unknown", timeout=WAIT_MS)

    sync_service.configure(demo_dir, server=f"http://127.0.0.1:{port}")
    window.probe_back_office()
    qtbot.waitUntil(lambda: network.text() == "● Online", timeout=WAIT_MS)
    listener.close()  # the back office's host stops answering
    window.probe_back_office()
    qtbot.waitUntil(lambda: network.text() == "○ Offline", timeout=WAIT_MS)
