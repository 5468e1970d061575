"""Pre-notification files: DUIS SR 12.2, DUIS SR 8.2 and CSV, detected by content; hostile XML."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from installer_app.domain.prenotification import SOURCE_CSV, SOURCE_DUIS_8_2, SOURCE_DUIS_12_2
from installer_app.errors import UserError
from installer_app.store.prenotification_files import (
    MAX_CSV_BYTES,
    MAX_INVENTORY_DEVICES,
    MAX_XML_BYTES,
    detect_format,
    parse_prenotification_bytes,
    parse_prenotification_file,
    parse_prenotification_files,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "duis"
NS = "http://www.dccinterface.co.uk/ServiceUserGateway"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --------------------------------------------------------------------------- disk-access spy

_opened: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _opened is None:
        return
    if event in {"open", "os.open"} and args:
        _opened.append(str(args[0]))
    elif event.startswith(("urllib.", "socket.", "http.")):
        _opened.append(f"{event}: {args!r}")


sys.addaudithook(_audit)


@contextmanager
def watch_disk() -> Iterator[list[str]]:
    """Everything opened (files, URLs, sockets) while the block runs."""
    global _opened
    seen: list[str] = []
    _opened = seen
    try:
        yield seen
    finally:
        _opened = None


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CANARY-9F3A", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- message builders


def request_12_2(body: str, *, prefix: str = "sr", service: str = "12.2", head: str = "") -> bytes:
    p = prefix
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{head}'
        f'<{p}:Request xmlns:{p}="{NS}" schemaVersion="5.4"><{p}:Header>'
        f"<{p}:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1</{p}:RequestID>"
        f"<{p}:CommandVariant>8</{p}:CommandVariant>"
        f"<{p}:ServiceReference>{service}</{p}:ServiceReference>"
        f"<{p}:ServiceReferenceVariant>{service}</{p}:ServiceReferenceVariant>"
        f"</{p}:Header><{p}:Body>{body}</{p}:Body></{p}:Request>"
    ).encode()


def prenotification(**fields: str) -> str:
    values = {
        "DeviceID": "00-DB-12-34-56-78-90-A0",
        "DeviceManufacturer": "10E0",
        "DeviceModel": "00090100",
        "DeviceType": "PPMID",
        **fields,
    }
    inner = "".join(f"<sr:{k}>{v}</sr:{k}>" for k, v in values.items() if v is not None)
    return f"<sr:DevicePrenotification>{inner}</sr:DevicePrenotification>"


def device(index: int = 1, **fields: str) -> str:
    values = {
        "DeviceID": f"00-DB-12-34-56-78-90-{index:02X}",
        "DeviceType": "PPMID",
        "DeviceStatus": "Pending",
        "DeviceManufacturer": "10E0",
        "DeviceModel": "00090100",
        **fields,
    }
    inner = "".join(f"<sr:{k}>{v}</sr:{k}>" for k, v in values.items() if v is not None)
    return f"<sr:Device>{inner}</sr:Device>"


def response_8_2(devices: str, *, service: str = "8.2", inventory: bool = True) -> bytes:
    content = f"<sr:DSPInventory>{devices}</sr:DSPInventory>" if inventory else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sr:Response xmlns:sr="{NS}" schemaVersion="5.4">'
        "<sr:Header><sr:ResponseCode>I0</sr:ResponseCode>"
        "<sr:ResponseDateTime>2026-11-20T09:15:02Z</sr:ResponseDateTime></sr:Header>"
        f"<sr:Body><sr:ResponseMessage><sr:ServiceReference>{service}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{service}</sr:ServiceReferenceVariant>{content}"
        "</sr:ResponseMessage></sr:Body></sr:Response>"
    ).encode()


def refused(data: bytes, name: str = "in.xml") -> str:
    with pytest.raises(UserError) as info:
        parse_prenotification_bytes(data, name)
    message = str(info.value)
    assert message.startswith(name), message
    assert "Traceback" not in message
    return message


# --------------------------------------------------------------------------- DUIS 12.2


def test_12_2_request_is_one_pending_record_with_identifiers_normalised() -> None:
    [record] = parse_prenotification_file(FIXTURES / "prenotification_12_2_ppmid_smets1.xml")
    assert record.device_id == "00-DB-12-34-56-78-B0-01"
    assert (record.device_type, record.manufacturer, record.model) == ("PPMID", "10E0", "00090100")
    assert record.firmware_version == "80020002"
    assert record.smets_chts_version == "SMETS1"
    assert record.status == "Pending"
    assert (record.s1sp, record.csp_region, record.cpl_status) == (None, None, None)
    assert record.source == SOURCE_DUIS_12_2
    assert record.source_file == "prenotification_12_2_ppmid_smets1.xml"
    assert record.source_index == 1
    assert record.location == "prenotification_12_2_ppmid_smets1.xml DevicePrenotification"


def test_12_2_with_another_prefix_and_only_mandatory_fields() -> None:
    [record] = parse_prenotification_file(
        FIXTURES / "prenotification_12_2_minimal_other_prefix.xml"
    )
    assert record.device_id == "00-DB-12-34-56-78-B0-02"
    assert record.manufacturer == "1063"  # white space around the value dropped
    assert record.model == "0A110200"  # accepted as sent, upper-cased
    assert record.firmware_version is None and record.smets_chts_version is None


def test_12_2_default_namespace_is_accepted() -> None:
    data = request_12_2(prenotification()).replace(b"sr:", b"").replace(b"xmlns:sr=", b"xmlns=")
    [record] = parse_prenotification_bytes(data, "default-ns.xml")
    assert record.device_id == "00-DB-12-34-56-78-90-A0"


def test_12_2_with_bom_crlf_and_leading_space() -> None:
    data = b"\xef\xbb\xbf" + request_12_2(prenotification()).replace(b"><", b">\r\n<")
    [record] = parse_prenotification_bytes(data, "bom.xml")
    assert record.model == "00090100"
    [record] = parse_prenotification_bytes(b"\n  " + data[3:].split(b"?>", 1)[1], "ws.xml")
    assert record.model == "00090100"


def test_12_2_identifiers_up_to_30_characters_are_accepted_as_sent() -> None:
    long_id = "GEO-TEST-MODEL-" + "X" * 15
    [record] = parse_prenotification_bytes(
        request_12_2(prenotification(DeviceModel=long_id.lower(), FirmwareVersion="geo")), "t.xml"
    )
    assert record.model == long_id
    assert record.firmware_version == "GEO"


# --------------------------------------------------------------------------- DUIS 8.2


def test_8_2_inventory_with_smets1_devices() -> None:
    records = parse_prenotification_file(FIXTURES / "inventory_8_2_smets1.xml")
    assert [r.device_id[-5:] for r in records] == ["C0-01", "C0-02", "C0-03"]
    ppmid, esme, withdrawn = records
    assert ppmid.device_type == "PPMID" and ppmid.status == "Whitelisted"
    assert ppmid.csp_region == "SMETS1" and ppmid.s1sp == "FOC S1SP"
    assert ppmid.firmware_version == "80020002" and ppmid.cpl_status == "Active"
    assert ppmid.source == SOURCE_DUIS_8_2 and ppmid.source_index == 1
    assert ppmid.location == "inventory_8_2_smets1.xml Device 1"
    assert esme.device_type == "ESME" and esme.status == "Commissioned"
    assert withdrawn.status == "Withdrawn" and withdrawn.cpl_status == "Withdrawn"
    assert withdrawn.csp_region is None and withdrawn.s1sp == "MOC S1SP"
    assert withdrawn.source_index == 3


def test_8_2_inventory_with_smets2_devices() -> None:
    chf, ppmid, cad = parse_prenotification_file(FIXTURES / "inventory_8_2_smets2.xml")
    assert chf.csp_region == "4G Central" and chf.smets_chts_version == "CHTS V1.4"
    assert ppmid.csp_region == "Central"  # DUIS spelling restored from "central"
    assert ppmid.s1sp is None
    assert cad.status is None  # an inventory Device may carry no DeviceStatus
    assert cad.manufacturer == "GEO" and cad.model == "9001"  # test-system identifiers
    assert cad.firmware_version is None and cad.csp_region == "Unknown"


def test_8_2_holds_up_to_17_devices() -> None:
    devices = "".join(device(i) for i in range(1, MAX_INVENTORY_DEVICES + 1))
    records = parse_prenotification_bytes(response_8_2(devices), "inv.xml")
    assert len(records) == MAX_INVENTORY_DEVICES
    assert [r.source_index for r in records] == list(range(1, 18))


def test_8_2_with_18_devices_is_refused() -> None:
    devices = "".join(device(i) for i in range(1, MAX_INVENTORY_DEVICES + 2))
    message = refused(response_8_2(devices), "inv.xml")
    assert "18 devices" in message and "at most 17" in message


def test_unknown_elements_are_ignored() -> None:
    data = response_8_2(device(1, HANVariant="Dual Band", Connectivity="Virtual"))
    [record] = parse_prenotification_bytes(data, "inv.xml")
    assert record.device_type == "PPMID"


# --------------------------------------------------------------------------- CSV


def test_csv_with_bom_crlf_quotes_reordered_and_extra_columns() -> None:
    records = parse_prenotification_file(FIXTURES / "prenotifications.csv")
    assert [r.device_id for r in records] == [
        "00-DB-12-34-56-78-A0-01",
        "00-DB-12-34-56-78-A0-02",
        "00-DB-12-34-56-78-A0-03",
    ]
    first, second, third = records
    assert first.job_reference == "JOB-1001" and first.s1sp == "FOC S1SP"
    assert first.csp_region == "SMETS1" and first.firmware_version == "80020002"
    assert first.status == "Pending"  # empty Status -> Pending
    assert second.device_type == "PPMID" and second.manufacturer == "10E0"
    assert second.status == "Pending" and second.csp_region == "Central"
    assert third.status == "Whitelisted" and third.job_reference is None
    assert third.firmware_version is None and third.smets_chts_version is None
    assert [r.source_line for r in records] == [2, 3, 5]  # the blank line 4 is skipped
    assert all(r.source == SOURCE_CSV for r in records)
    assert third.location == "prenotifications.csv line 5"


def test_csv_header_aliases_ignore_case_spaces_and_punctuation() -> None:
    data = (
        b"JOB_REF,device-id,DEVICETYPE,manufacturer id,Model_Identifier,smets chts version,"
        b"cspregion,s1sp,Unrelated Column\n"
        b"J-1,00DB123456789001,PPMID,10e0,00090100,SMETS V5.0,4g south,,x\n"
    )
    [record] = parse_prenotification_bytes(data, "a.csv")
    assert record.device_id == "00-DB-12-34-56-78-90-01"
    assert record.csp_region == "4G South" and record.smets_chts_version == "SMETS V5.0"
    assert record.job_reference == "J-1" and record.manufacturer == "10E0"


def test_csv_header_that_matches_no_alias_is_a_missing_column() -> None:
    data = b"DEVICE;ID,Device Type,Manufacturer Identifier,Model Identifier\nx,PPMID,10E0,01\n"
    message = refused(data, "a.csv")
    assert "Device ID" in message and "DEVICE;ID" in message


def test_csv_bare_manufacturer_and_model_names_are_not_identifiers() -> None:
    data = b"Device ID,Device Type,Manufacturer,Model\n00DB123456789001,PPMID,Acme,P2\n"
    message = refused(data, "a.csv")
    assert "Manufacturer Identifier" in message and "Model Identifier" in message


def test_csv_missing_required_column_names_it() -> None:
    message = refused(
        b"Device ID,Device Type,Model Identifier\n00DB123456789001,PPMID,01\n", "p.csv"
    )
    assert "Manufacturer Identifier" in message and "line 1" in message


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("00-DB-12,PPMID,10E0,00090100,Pending", ["line 3", "Device ID", "'00-DB-12'"]),
        ("00DB123456789001,METER,10E0,00090100,Pending", ["line 3", "Device Type", "'METER'"]),
        ("00DB123456789001,PPMID,10E0,00090100,Installed", ["line 3", "Status", "'Installed'"]),
        ("00DB123456789001,PPMID,,00090100,Pending", ["line 3", "Manufacturer", "missing"]),
        ("00DB123456789001,PPMID,10E0," + "9" * 31 + ",Pending", ["line 3", "Model", "30"]),
        ("00DB123456789001,PPMID,10E0,00090100", ["line 3", "4 fields", "header has 5"]),
    ],
)
def test_csv_bad_values_name_line_column_and_value(row: str, expected: list[str]) -> None:
    data = (
        "Device ID,Device Type,Manufacturer Identifier,Model Identifier,Status\n"
        "00DB123456789000,PPMID,10E0,00090100,Pending\n" + row + "\n"
    ).encode()
    message = refused(data, "p.csv")
    for text in expected:
        assert text in message, (text, message)


def test_csv_reports_every_bad_row_at_once() -> None:
    data = (
        b"Device ID,Device Type,Manufacturer Identifier,Model Identifier\n"
        b"bad-1,PPMID,10E0,00090100\nbad-2,PPMID,10E0,00090100\n"
    )
    message = refused(data, "p.csv")
    assert "line 2" in message and "line 3" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"Device ID,Device Type,Manufacturer Identifier,Model Identifier\r\n", "no records"),
        (b"Device ID,Device Type\n\xff\xfe\xfa,x\n", "not UTF-8"),
        ("Device ID\n".encode("utf-16"), "UTF-16"),
        (b"Device ID,Device Type\n\x00\x01,x\n", "not a CSV text file"),
        (b'Device ID,Device Type\n"00DB123456789001,PPMID\n', "quoting"),
    ],
)
def test_csv_unreadable_files(data: bytes, expected: str) -> None:
    assert expected in refused(data, "p.csv")


# --------------------------------------------------------------------------- detection, files


def test_format_is_detected_from_content_not_the_name(tmp_path: Path) -> None:
    xml_named_csv = tmp_path / "looks-like.csv"
    xml_named_csv.write_bytes(fixture("prenotification_12_2_ppmid_smets1.xml"))
    csv_named_xml = tmp_path / "looks-like.xml"
    csv_named_xml.write_bytes(fixture("prenotifications.csv"))
    assert parse_prenotification_file(xml_named_csv)[0].source == SOURCE_DUIS_12_2
    assert parse_prenotification_file(csv_named_xml)[0].source == SOURCE_CSV
    assert detect_format(b"\xef\xbb\xbf  \r\n<?xml") == "xml"
    assert detect_format(b"Device ID,<x>") == "csv"


def test_several_files_keep_file_order() -> None:
    records = parse_prenotification_files(
        [FIXTURES / "prenotifications.csv", FIXTURES / "inventory_8_2_smets2.xml"]
    )
    assert [r.source for r in records] == [SOURCE_CSV] * 3 + [SOURCE_DUIS_8_2] * 3


def test_one_bad_file_fails_the_whole_set(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(fixture("truncated_12_2.xml"))
    with pytest.raises(UserError, match=r"bad\.xml"):
        parse_prenotification_files([FIXTURES / "prenotifications.csv", bad])


def test_missing_file_and_folder_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        parse_prenotification_file(tmp_path / "nope.xml")
    with pytest.raises(UserError, match="folder"):
        parse_prenotification_file(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes")
def test_pipes_and_devices_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)  # opening it for reading would block: it must never be opened
    with pytest.raises(UserError, match="not a regular file"):
        parse_prenotification_file(fifo)
    with pytest.raises(UserError, match="not a regular file"):
        parse_prenotification_file(os.devnull)


# --------------------------------------------------------------------------- DUIS errors


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"DeviceID": "00-DB-12-34-56-78-90"}, ["DeviceID", "'00-DB-12-34-56-78-90'", "EUI-64"]),
        ({"DeviceType": "Meter"}, ["DeviceType", "'Meter'", "PPMID"]),
        ({"DeviceManufacturer": "M" * 31}, ["DeviceManufacturer", "30 characters"]),
        ({"DeviceModel": None}, ["DeviceModel", "missing"]),
        ({"DeviceModel": ""}, ["DeviceModel", "missing"]),
    ],
)
def test_12_2_bad_fields_name_element_field_and_value(
    fields: dict[str, str], expected: list[str]
) -> None:
    message = refused(request_12_2(prenotification(**fields)), "req.xml")
    assert "DevicePrenotification" in message
    assert "import it again" in message
    for text in expected:
        assert text in message, (text, message)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"DeviceStatus": "Installed"}, ["Device 2", "DeviceStatus", "'Installed'"]),
        ({"CPLStatus": "Gone"}, ["Device 2", "CPLStatus", "'Gone'"]),
        ({"DeviceID": "zz-DB-12-34-56-78-90-A0"}, ["Device 2", "DeviceID"]),
        ({"S1SP": "S" * 101}, ["Device 2", "S1SP", "100 characters"]),
    ],
)
def test_8_2_bad_fields_name_the_device(fields: dict[str, str], expected: list[str]) -> None:
    message = refused(response_8_2(device(1) + device(2, **fields)), "inv.xml")
    for text in expected:
        assert text in message, (text, message)


def test_duplicate_field_is_refused() -> None:
    body = prenotification().replace(
        "<sr:DeviceType>", "<sr:DeviceID>00-DB-12-34-56-78-90-A1</sr:DeviceID><sr:DeviceType>"
    )
    assert "DeviceID appears 2 times" in refused(request_12_2(body))


def test_element_instead_of_a_value_is_refused() -> None:
    body = prenotification(DeviceModel="<sr:X>1</sr:X>")
    assert "DeviceModel holds elements" in refused(request_12_2(body))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (fixture("8_11_request_not_prenotification.xml"), "service reference '8.11'"),
        (request_12_2("", service="12.2"), "no Body/DevicePrenotification"),
        (response_8_2(device(1), service="8.1.1"), "service reference '8.1.1'"),
        (response_8_2("", inventory=False), "no DSPInventory"),
        (response_8_2(""), "lists no Device"),
        (fixture("not_duis.xml"), "not a DUIS message"),
        (fixture("wrong_root_duis_namespace.xml"), "<DevicePrenotification>"),
        (fixture("no_namespace_request.xml"), "<Request> with no namespace"),
        (fixture("truncated_12_2.xml"), "not well-formed XML (line 13"),
        (b"<a><b></a>", "not well-formed"),
        (b"<?xml version='1.0' encoding='no-such-codec'?><a/>", "in.xml"),
        (
            f'<sr:Response xmlns:sr="{NS}"><sr:Body><sr:DCCAlertMessage/></sr:Body>'
            "</sr:Response>".encode(),
            "DCCAlertMessage",
        ),
        (f'<sr:Request xmlns:sr="{NS}"/>'.encode(), "no Header"),
    ],
)
def test_xml_that_is_not_a_usable_duis_message_is_refused(data: bytes, expected: str) -> None:
    assert expected in refused(data)


# --------------------------------------------------------------------------- hostile XML


def test_external_entity_to_a_local_file_is_refused_and_never_read(secret: Path) -> None:
    head = f'<!DOCTYPE sr:Request [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    data = request_12_2(prenotification(DeviceManufacturer="&xxe;"), head=head)
    with watch_disk() as opened:
        message = refused(data)
    assert "DTD or entities" in message and "refused" in message
    assert "TOP-SECRET" not in message
    assert not any(str(secret) in item for item in opened), opened
    assert opened == []


def test_external_dtd_is_refused_and_never_fetched(secret: Path) -> None:
    head = f'<!DOCTYPE sr:Request SYSTEM "{secret.as_uri()}">'
    with watch_disk() as opened:
        refused(request_12_2(prenotification(), head=head))
    assert opened == []


def test_parameter_entity_is_refused_and_never_fetched(secret: Path) -> None:
    head = f'<!DOCTYPE sr:Request [<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;]>'
    with watch_disk() as opened:
        refused(request_12_2(prenotification(), head=head))
    assert opened == []


def test_remote_dtd_is_refused_without_network() -> None:
    head = '<!DOCTYPE sr:Request SYSTEM "http://127.0.0.1:9/evil.dtd">'
    with watch_disk() as opened:
        refused(request_12_2(prenotification(), head=head))
    assert opened == []


def test_billion_laughs_is_refused() -> None:
    data = fixture("billion_laughs.xml")
    with watch_disk() as opened:
        message = refused(data)
    assert "DTD or entities" in message
    assert opened == []


def test_internal_entity_without_expansion_tricks_is_still_refused() -> None:
    head = '<!DOCTYPE sr:Request [<!ENTITY mfr "10E0">]>'
    assert "DTD or entities" in refused(
        request_12_2(prenotification(DeviceManufacturer="&mfr;"), head=head)
    )


def test_dtd_hidden_from_a_byte_scan_is_refused_by_the_parser(secret: Path) -> None:
    # UTF-16 without a BOM: a byte search for "<!DOCTYPE" cannot see it, expat still can.
    head = f'<!DOCTYPE sr:Request [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    text = request_12_2(prenotification(DeviceManufacturer="&xxe;"), head=head).decode()
    data = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
    with watch_disk() as opened:
        message = refused(data)
    assert "DTD or entities" in message
    assert opened == []


def test_xinclude_is_not_processed(secret: Path) -> None:
    body = prenotification(
        DeviceModel=f'00090100<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="{secret.as_uri()}" parse="text"/>'
    )
    with watch_disk() as opened, pytest.raises(UserError) as info:
        parse_prenotification_bytes(request_12_2(body), "in.xml")
    assert "TOP-SECRET" not in str(info.value)
    assert opened == []


def test_huge_xml_is_refused_before_parsing() -> None:
    data = request_12_2(prenotification()) + b" " * (MAX_XML_BYTES + 1)
    assert "larger than" in refused(data)


def test_huge_file_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as handle:
        handle.write(request_12_2(prenotification()))
        handle.truncate(MAX_XML_BYTES + 1)  # sparse: cheap to make, never read whole
    with pytest.raises(UserError, match="larger than"):
        parse_prenotification_file(path)
    csv_path = tmp_path / "huge.csv"
    with csv_path.open("wb") as handle:
        handle.write(b"Device ID\n")
        handle.truncate(MAX_CSV_BYTES + 1)
    with pytest.raises(UserError, match="larger than"):
        parse_prenotification_file(csv_path)


def test_deep_nesting_is_a_user_error_or_parses() -> None:
    deep = b"<a>" * 50_000 + b"</a>" * 50_000
    assert "not a DUIS message" in refused(deep)


# --------------------------------------------------------------------------- never crash

_GOOD_INPUTS = [
    fixture("prenotification_12_2_ppmid_smets1.xml"),
    fixture("inventory_8_2_smets1.xml"),
    fixture("prenotifications.csv"),
]


def _must_only_raise_user_error(call: Callable[[], object]) -> None:
    try:
        call()
    except UserError as exc:
        assert str(exc).strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(data: bytes) -> None:
    _must_only_raise_user_error(lambda: parse_prenotification_bytes(data, "random"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_GOOD_INPUTS),
    st.lists(st.tuples(st.floats(0, 1), st.binary(max_size=8), st.integers(0, 8)), max_size=6),
)
def test_mutated_good_files_never_crash(
    original: bytes, edits: list[tuple[float, bytes, int]]
) -> None:
    data = bytearray(original)
    for where, insert, delete in edits:
        position = int(where * len(data))
        data[position : position + delete] = insert
    _must_only_raise_user_error(lambda: parse_prenotification_bytes(bytes(data), "mutated"))


_CSV_ALPHABET = st.sampled_from(
    [*list('abcDEF0123456789-:," \r\n\t'), "PPMID", "Pending", "\ufeff", "é", "\x00"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CSV_ALPHABET, max_size=200).map("".join))
def test_random_csv_text_never_crashes(body: str) -> None:
    header = "Device ID,Device Type,Manufacturer Identifier,Model Identifier,Status\n"
    data = (header + body).encode("utf-8")
    _must_only_raise_user_error(lambda: parse_prenotification_bytes(data, "random.csv"))
