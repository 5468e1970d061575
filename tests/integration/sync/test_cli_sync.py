"""The sync and back-office commands, tried as a new user would (CONTRACT.md)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from installer_app import paths
from installer_app.sync import credentials
from tests.conftest import CliResult
from tests.integration.sync.conftest import CPL_V1, queue_records, write
from tests.integration.sync.harness import ProcessServer

Cli = Callable[..., CliResult]
DEMO = paths.resource("demo")
TOKEN = re.compile(r"ia1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}")


@pytest.fixture
def office(tmp_path: Path) -> Iterator[ProcessServer]:
    server = ProcessServer(f"sqlite:///{tmp_path / 'office' / 'backoffice.sqlite'}", tmp_path)
    yield server
    server.stop()


def test_a_new_user_syncs_works_offline_and_syncs_again(
    cli: Cli, office: ProcessServer, data_dir: Path, tmp_path: Path
) -> None:
    db = ["--db", office.db]
    # The administrator starts the back office, loads it and creates a token.
    office.start()
    for kind, name in (("cpl", "cpl.csv"), ("epcl", "epcl.csv"), ("advisories", "advisories.csv")):
        loaded = cli("backoffice", "load", kind, str(DEMO / name), *db)
        assert loaded.code == 0 and "loaded" in loaded.out, loaded.err
    assert (
        cli(
            "backoffice", "load", "jobs", str(DEMO / "jobs.json"), "--installer", "INST-1", *db
        ).code
        == 0
    )
    loaded = cli("backoffice", "load", "prenotifications", str(DEMO / "prenotifications.csv"), *db)
    assert loaded.code == 0 and "sent to 1 installer" in loaded.out
    created = cli("backoffice", "token", "create", "INST-1", *db)
    assert created.code == 0 and TOKEN.fullmatch(created.out.strip()), created.out
    assert created.out.count("\n") == 1
    token = created.out.strip()

    # The installer syncs a fresh desktop data directory.
    first = cli("sync", "--server", office.url, "--token", token)
    assert first.code == 0, first.err
    assert "CPL imported: 320 entries" in first.out and "jobs received: 6" in first.out
    assert "pre-notification records received: 6" in first.out
    assert credentials.stored_token(data_dir) == token

    # On site, with the network gone: check, decide, and a sync that says why it cannot.
    office.stop()
    check = cli(
        "check", "--json", "--device-id", "00-DB-12-34-56-78-B0-01", "--manufacturer", "10F1",
        "--model", "00A20100", "--hardware-version", "0002", "--firmware-version", "01020003",
        "--job", "JOB-1002",
    )  # fmt: skip
    assert check.code == 0, check.err
    check_id = json.loads(check.out)["check_id"]
    assert cli("record-join", "--check-id", check_id).code == 0
    other = cli(
        "check", "--json", "--device-id", "00-DB-12-34-56-78-B0-03", "--manufacturer", "10C3",
        "--model", "0B140004", "--firmware-version", "02000010", "--job", "JOB-1003",
    )  # fmt: skip
    other_id = json.loads(other.out)["check_id"]
    assert cli("record-not-joined", "--check-id", other_id, "--reason", "customer out").code == 0
    offline = cli("sync")
    assert offline.code == 2 and "offline" in offline.err and offline.out == ""

    # Back in signal: everything recorded on site reaches the back office, once.
    office.start()
    second = cli("sync")
    assert second.code == 0, second.err
    assert "records sent: 5 (5 new at the back office" in second.out
    assert "waiting to be sent: 0" in second.out and "HTTP 304" in second.out
    third = cli("sync")
    assert third.code == 0 and "records sent: 0" in third.out
    listed = cli("backoffice", "records", "--json", *db)
    stored = json.loads(listed.out)
    assert sorted(r["kind"] for r in stored) == [
        "check",
        "check",
        "decision",
        "decision",
        "join_request",
    ]
    decisions = {r["check_id"]: r["payload"]["decision"] for r in stored if r["kind"] == "decision"}
    assert decisions == {check_id: "joined", other_id: "not-joined"}
    assert {r["installer_id"] for r in stored} == {"INST-1"}
    status = cli("backoffice", "status", "--json", *db)
    assert json.loads(status.out)["records"] == 5

    # The token appears nowhere it should not.
    everything = [first, offline, second, third, listed, status]
    assert all(token not in r.out + r.err for r in everything)
    logs = [p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*") if p.is_file()]
    assert all(
        token not in text
        for text in [*logs, office.log(), (data_dir / "settings.json").read_text()]
    )


def test_sync_says_what_to_do_when_it_cannot_start(cli: Cli, tmp_path: Path) -> None:
    result = cli("sync")
    assert result.code == 2 and "no back office address" in result.err
    result = cli("sync", "--server", "http://127.0.0.1:9")
    assert result.code == 2 and "no sync token" in result.err
    result = cli("sync", "--server", "http://bo.example.com", "--token", "t" * 20)
    assert result.code == 2 and "https://" in result.err
    result = cli("sync", "--server", "https://user:pw@bo.example.com", "--token", "t" * 20)
    assert result.code == 2 and "pw" not in result.err
    result = cli("sync", "--server", "http://127.0.0.1:9", "--token", "with space")
    assert result.code == 2 and "token does not look right" in result.err
    result = cli("sync", "--server", "http://127.0.0.1:9", "--token", "t" * 20)
    assert result.code == 2 and "offline" in result.err


def test_backoffice_administration_refuses_bad_input(cli: Cli, tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "bo.sqlite")]
    jobs = write(tmp_path / "jobs.json", (DEMO / "jobs.json").read_bytes())
    result = cli("backoffice", "load", "jobs", jobs, *db)
    assert result.code == 2 and "--installer" in result.err
    result = cli("backoffice", "load", "cpl", write(tmp_path / "bad.csv", b"a,b\n1,2\n"), *db)
    assert result.code == 2 and "bad.csv" in result.err
    result = cli(
        "backoffice", "load", "cpl", write(tmp_path / "c.csv", CPL_V1), "--installer", "X", *db
    )
    assert result.code == 2
    result = cli("backoffice", "token", "create", "no spaces please", *db)
    assert result.code == 2 and "installer ID" in result.err
    result = cli("backoffice", "token", "revoke", "nonsense", *db)
    assert result.code == 2
    result = cli("backoffice", "load", "cpl", str(tmp_path / "c.csv"), "--db", "mysql://x/y")
    assert result.code == 2 and "not supported" in result.err
    result = cli("backoffice", "serve", "--port", "0", *db)
    assert result.code == 2

    token = cli("backoffice", "token", "create", "INST-2", *db).out.strip()
    listed = cli("backoffice", "token", "list", "--json", *db)
    [entry] = json.loads(listed.out)
    assert entry["installer_id"] == "INST-2" and entry["revoked_at"] is None
    assert token.split(".")[2] not in listed.out
    revoked = cli("backoffice", "token", "revoke", entry["token_id"], *db)
    assert revoked.code == 0 and "revoked" in revoked.out


def test_the_token_can_come_from_the_environment_and_is_not_written(
    cli: Cli, office: ProcessServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office.start()
    token = cli("backoffice", "token", "create", "INST-E", "--db", office.db).out.strip()
    queue_records(data_dir, 2)
    monkeypatch.setenv("INSTALLER_APP_TOKEN", token)
    result = cli("sync", "--server", office.url)
    assert result.code == 0 and "records sent: 2" in result.out, result.err
    assert credentials.stored_token(data_dir) is None
    connection = sqlite3.connect(data_dir / "installer.sqlite")
    assert connection.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone() == (
        0,
    )
    connection.close()


def test_the_published_openapi_document_is_current() -> None:
    from installer_app.sync.backoffice.app import openapi_document

    published = json.loads(Path("docs/openapi.json").read_text(encoding="utf-8"))
    assert published == json.loads(json.dumps(openapi_document())), (
        "docs/openapi.json is out of date: python -m installer_app.sync.backoffice.app > docs/openapi.json"
    )
