"""Jobs JSON (CONTRACT.md "Jobs"): parsing, normalisation and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from installer_app.domain.model import Cohort, Generation
from installer_app.domain.prenotification import Installation
from installer_app.errors import UserError
from installer_app.store.jobs_file import MAX_JOBS_BYTES, parse_jobs_bytes, parse_jobs_file

CONTRACT_EXAMPLE: dict[str, list[dict[str, Any]]] = {
    "jobs": [
        {
            "reference": "JOB-1001",
            "address": "12 Mill Lane, Anytown AB1 2CD",
            "installation": "SMETS1",
            "cohort": "FOC",
            "comms_hub_id": "00-DB-12-34-56-78-00-01",
            "meter_ids": ["00db123456780002", "00:DB:12:34:56:78:00:03"],
            "expected_ppmid_id": "00-db-12-34-56-78-b0-01",
            "scheduled_for": "2026-11-23",
        },
        {
            "reference": "JOB-1002",
            "address": "3 Quay Street",
            "installation": "SMETS2+",
            "cohort": None,
            "comms_hub_id": None,
            "meter_ids": [],
            "expected_ppmid_id": None,
            "scheduled_for": "2026-11-23",
            "engineer_notes": "dog in garden",  # unknown keys are ignored
        },
    ]
}


def encode(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


def one_job(**changes: Any) -> bytes:
    job = dict(CONTRACT_EXAMPLE["jobs"][0])
    for key, value in changes.items():
        if value is ...:
            job.pop(key, None)
        else:
            job[key] = value
    return encode({"jobs": [job]})


def refused(data: bytes) -> str:
    with pytest.raises(UserError) as info:
        parse_jobs_bytes(data, "jobs.json")
    message = str(info.value)
    assert message.startswith("jobs.json")
    return message


def test_contract_example_parses_with_identifiers_normalised() -> None:
    first, second = parse_jobs_bytes(encode(CONTRACT_EXAMPLE), "jobs.json")
    assert first.reference == "JOB-1001"
    assert first.address == "12 Mill Lane, Anytown AB1 2CD"
    assert first.installation == Generation.SMETS1 and first.cohort == Cohort.FOC
    assert first.comms_hub_id == "00-DB-12-34-56-78-00-01"
    assert first.meter_ids == ("00-DB-12-34-56-78-00-02", "00-DB-12-34-56-78-00-03")
    assert first.expected_ppmid_id == "00-DB-12-34-56-78-B0-01"
    assert first.scheduled_for == "2026-11-23"
    assert first.installation_value == Installation(Generation.SMETS1, Cohort.FOC)
    assert (first.source_file, first.source_index) == ("jobs.json", 1)
    assert second.installation == Generation.SMETS2 and second.cohort is None
    assert second.comms_hub_id is None and second.meter_ids == ()
    assert second.expected_ppmid_id is None
    assert str(second.installation_value) == "SMETS2+"
    assert str(first.installation_value) == "SMETS1 (FOC)"


def test_lenient_spellings_bom_and_bare_list() -> None:
    data = b"\xef\xbb\xbf" + encode(
        [{"reference": 1003, "installation": "smets2", "cohort": "moc", "meter_ids": None}]
    )
    [job] = parse_jobs_bytes(data, "jobs.json")
    assert job.reference == "1003"
    assert job.installation == Generation.SMETS2
    assert job.cohort == Cohort.MOC
    assert job.address == "" and job.scheduled_for is None and job.meter_ids == ()


def test_same_reference_twice_is_returned_in_file_order() -> None:
    jobs = parse_jobs_bytes(
        encode({"jobs": [{"reference": "J", "installation": "SMETS1", "address": "old"},
                         {"reference": "J", "installation": "SMETS2+", "address": "new"}]}),
        "jobs.json",
    )  # fmt: skip
    assert [j.address for j in jobs] == ["old", "new"]  # the store lets the later one win


def test_empty_job_list_is_allowed() -> None:
    assert parse_jobs_bytes(b'{"jobs": []}', "jobs.json") == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"jobs": [', ["line 1", "not valid JSON"]),
        (b"\xff\xfe{}", ["not UTF-8"]),
        (b'{"work": []}', ['no "jobs" list', "'work'"]),
        (b'{"jobs": {"reference": "J"}}', ["must be a list"]),
        (b'{"jobs": ["JOB-1"]}', ["job 1", "must be an object"]),
        (b"[" * 100_000 + b"]" * 100_000, ["nesting too deep"]),
        (one_job(reference=...), ["job 1", "reference", "missing"]),
        (one_job(reference=["x"]), ["job 1", "reference", "must be text"]),
        (one_job(installation="SMETS3"), ["job 1 (JOB-1001)", "installation", "'SMETS3'"]),
        (one_job(installation=...), ["JOB-1001", "installation", "missing"]),
        (one_job(installation=2), ["JOB-1001", "installation", "not a number"]),
        (one_job(cohort="XOC"), ["JOB-1001", "cohort", "'XOC'", "IOC, MOC or FOC"]),
        (one_job(cohort=1), ["JOB-1001", "cohort"]),
        (one_job(comms_hub_id="00-DB"), ["JOB-1001", "comms_hub_id", "'00-DB'", "EUI-64"]),
        (
            one_job(meter_ids=["00db123456780002", "nope"]),
            ["JOB-1001", "meter_ids[2]", "'nope'"],
        ),
        (one_job(meter_ids="00db123456780002"), ["JOB-1001", "meter_ids", "must be a list"]),
        (one_job(expected_ppmid_id=12), ["JOB-1001", "expected_ppmid_id", "not a number"]),
        (one_job(scheduled_for="2026-02-30"), ["JOB-1001", "scheduled_for", "'2026-02-30'"]),
        (one_job(scheduled_for="23/11/2026"), ["JOB-1001", "scheduled_for", "YYYY-MM-DD"]),
        (one_job(scheduled_for="20261123"), ["JOB-1001", "scheduled_for"]),
        (one_job(address="x" * 501), ["JOB-1001", "address", "500 characters"]),
    ],
)
def test_bad_jobs_name_the_job_the_field_and_the_value(data: bytes, expected: list[str]) -> None:
    message = refused(data)
    for text in expected:
        assert text in message, (text, message)


def test_nothing_is_returned_when_one_job_is_bad() -> None:
    document = json.loads(json.dumps(CONTRACT_EXAMPLE))
    document["jobs"][1]["installation"] = "gas"
    assert "job 2 (JOB-1002)" in refused(encode(document))


def test_file_entry_point_and_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "today.json"
    path.write_bytes(encode(CONTRACT_EXAMPLE))
    assert [j.reference for j in parse_jobs_file(path)] == ["JOB-1001", "JOB-1002"]
    assert parse_jobs_file(path)[0].source_file == "today.json"
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_JOBS_BYTES + 1)
    with pytest.raises(UserError, match="larger than"):
        parse_jobs_file(big)
    with pytest.raises(UserError, match="no such file"):
        parse_jobs_file(tmp_path / "missing.json")
    assert "larger than" in refused(b" " * (MAX_JOBS_BYTES + 1))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "jobs",
                    "reference",
                    "installation",
                    "cohort",
                    "meter_ids",
                    "comms_hub_id",
                    "expected_ppmid_id",
                    "scheduled_for",
                    "address",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_random_json_never_crashes(document: Any) -> None:
    try:
        parse_jobs_bytes(encode(document), "random.json")
    except UserError as exc:
        assert str(exc).strip()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        parse_jobs_bytes(data, "random.json")
    except UserError as exc:
        assert str(exc).strip()
