"""Parse pre-notification files: DUIS SR 12.2 requests, DUIS SR 8.2 responses, CSV.

Pure parsing: bytes in, :class:`PrenotificationRecord` list out, or a :class:`UserError` whose
message names the file, the line or element, the field, the value and what to do. Nothing here
touches the database; the caller stores the records (in file order: a later record for a Device
ID replaces an earlier one as the current record, the earlier one is kept as history).

The format is detected from the content, never from the file name:

* XML whose root is ``Request`` in the DUIS namespace with ServiceReference ``12.2`` and a
  ``DevicePrenotification`` body: one record, status ``Pending``;
* XML whose root is ``Response`` in the DUIS namespace with a ``ResponseMessage`` for
  ServiceReference ``8.2`` holding a ``DSPInventory``: one record per ``Device`` (1 to 17);
* anything else that is not XML: CSV with a header row, columns found through the alias table
  ``resources/aliases/prenotifications.toml``.

XML is hostile until proven otherwise: it is size-capped before parsing (``MAX_XML_BYTES``) and
parsed with defusedxml with DTDs, entity declarations and external references forbidden, so no
entity is expanded and nothing is fetched or read from disk. A document that declares a DTD or
entities is refused (exit 2), as is XML that is not a DUIS 12.2 request or 8.2 response.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml import ElementTree as SafeElementTree

from installer_app.domain.identifiers import normalise_eui64, normalise_text_id
from installer_app.domain.model import CPL_STATUSES, DEVICE_TYPES, INVENTORY_STATUSES
from installer_app.domain.prenotification import (
    SOURCE_CSV,
    SOURCE_DUIS_8_2,
    SOURCE_DUIS_12_2,
    PrenotificationRecord,
)
from installer_app.domain.shown import quoted
from installer_app.errors import UserError
from installer_app.paths import shown_path
from installer_app.store.csv_table import ErrorList, read_csv

DUIS_NAMESPACE = "http://www.dccinterface.co.uk/ServiceUserGateway"
MAX_XML_BYTES = 10 * 1024 * 1024
"""DUIS messages larger than this are refused before parsing (a real 8.2 is a few kB)."""
MAX_CSV_BYTES = 64 * 1024 * 1024
"""CSV files larger than this are refused before parsing."""
MAX_INVENTORY_DEVICES = 17
"""DUIS V5.4 ``DSPInventory`` holds at most 17 ``Device`` elements."""
MAX_IDENTIFIER = 30
MAX_FREE_TEXT = 100

CSP_REGIONS = (
    "North",
    "Central",
    "South",
    "4G North",
    "4G Central",
    "4G South",
    "Unknown",
    "SMETS1",
)
"""DUIS V5.4 CSPRegion values (other values are kept as sent)."""

_FIX_FILE = "Correct the file (or ask the back office for a corrected one) and import it again."
_SNIFF_BYTES = 4096

_NS = "{" + DUIS_NAMESPACE + "}"


# --------------------------------------------------------------------------- reading files


def read_bounded(
    path: str | os.PathLike[str],
    limit: int | Callable[[bytes], int],
    *,
    what: str = "file",
) -> bytes:
    """Read a whole regular file, refusing it (UserError) when larger than ``limit`` bytes.

    ``limit`` may be a function of the first 4 kB (to cap XML and CSV differently). The size is
    checked from the file system before reading and again while reading (a file can grow);
    folders, devices and pipes are refused without being read.
    """
    name = shown_path(path)
    if not name.strip():
        raise UserError(f"no {what} was given. Give the path of a file.")
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise UserError(f"{name}: is a folder, not a file. Give the path of a file.")
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{name}: is not a regular file. Give the path of a saved file.")
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
            cap = limit(head) if callable(limit) else limit
            if info.st_size > cap:
                raise UserError(_too_big(name, info.st_size, cap, what))
            data = head + handle.read(max(0, cap + 1 - len(head)))
    except FileNotFoundError:
        raise UserError(f"{name}: no such file. Check the path and try again.") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a folder, not a file. Give the path of a file.") from None
    except PermissionError:
        raise UserError(
            f"{name}: permission denied. Copy the file somewhere you can read and try again."
        ) from None
    except OSError as exc:
        raise UserError(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    if len(data) > cap:
        raise UserError(_too_big(name, len(data), cap, what))
    return data


def _too_big(name: str, size: int, limit: int, what: str) -> str:
    return (
        f"{name}: the file is {size:,} bytes, larger than the {limit:,} bytes allowed for a "
        f"{what}. Check that this is the right file; a real one is much smaller."
    )


# --------------------------------------------------------------------------- entry points


def parse_prenotification_files(
    paths: Iterable[str | os.PathLike[str]],
) -> list[PrenotificationRecord]:
    """Parse every file in order; all records, in file order. One bad file: UserError, nothing."""
    records: list[PrenotificationRecord] = []
    for path in paths:
        records.extend(parse_prenotification_file(path))
    return records


def parse_prenotification_file(path: str | os.PathLike[str]) -> list[PrenotificationRecord]:
    """Parse one file (DUIS 12.2, DUIS 8.2 or CSV, detected from content)."""
    data = read_bounded(path, _cap_for, what="pre-notification file")
    return parse_prenotification_bytes(data, shown_path(Path(os.fspath(path)).name))


def _cap_for(head: bytes) -> int:
    return MAX_XML_BYTES if detect_format(head) == "xml" else MAX_CSV_BYTES


def detect_format(data: bytes) -> str:
    """``"xml"`` if the content starts with ``<`` (after a BOM and white space), else ``"csv"``."""
    head = data[:_SNIFF_BYTES]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return "xml" if head.lstrip(b" \t\r\n").startswith(b"<") else "csv"


def parse_prenotification_bytes(data: bytes, name: str) -> list[PrenotificationRecord]:
    """Parse the content of one file called ``name`` (used in messages and ``source_file``)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(
            f"{name}: the file is UTF-16 text. Pre-notification files must be UTF-8: save it "
            "again as UTF-8 (or CSV UTF-8) and import it again."
        )
    if detect_format(data) == "xml":
        return _parse_xml(data, name)
    return _parse_csv(data, name)


# --------------------------------------------------------------------------- XML


def _parse_xml(data: bytes, name: str) -> list[PrenotificationRecord]:
    if len(data) > MAX_XML_BYTES:
        raise UserError(_too_big(name, len(data), MAX_XML_BYTES, "DUIS message"))
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _dtd_refused(name)
    try:
        root = SafeElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (DTDForbidden, EntitiesForbidden):
        raise _dtd_refused(name) from None
    except DefusedXmlException:
        raise UserError(
            f"{name}: the XML uses a construct refused for safety (external reference). "
            "Import the DUIS message exactly as DCC sent it."
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise UserError(
            f"{name}: not well-formed XML (line {line}, column {column + 1}): "
            f"{_expat_reason(exc)}. The file may be cut short or damaged: {_FIX_FILE}"
        ) from None
    except (ValueError, LookupError, UnicodeError, RecursionError, MemoryError) as exc:
        raise UserError(
            f"{name}: the XML cannot be read ({type(exc).__name__}). Check that this is a DUIS "
            f"message saved as UTF-8. {_FIX_FILE}"
        ) from None
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == _NS + "Request":
        return _parse_12_2(root, name)
    if tag == _NS + "Response":
        return _parse_8_2(root, name)
    raise UserError(
        f"{name}: this XML is not a DUIS message: its root element is {_describe_tag(tag)}. "
        "Import a DUIS SR 12.2 Device Pre-notification request, a DUIS SR 8.2 Read Inventory "
        "response, or a pre-notification CSV."
    )


def _dtd_refused(name: str) -> UserError:
    return UserError(
        f"{name}: the XML declares a DTD or entities, which is refused for safety "
        "(DUIS messages never carry one). Nothing was imported. Import the DUIS message exactly "
        "as DCC sent it, or ask whoever produced this file for a plain one."
    )


def _expat_reason(exc: ParseError) -> str:
    text = str(exc)
    return re.sub(r":\s*line \d+, column \d+$", "", text) or "syntax error"


def _describe_tag(tag: str) -> str:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return f"<{local}> in namespace {quoted(namespace, 80)}"
    return f"<{tag}> with no namespace" if tag else "not an element"


def _children(parent: Element, local: str) -> list[Element]:
    return parent.findall(_NS + local)


def _child(parent: Element, local: str, where: str, name: str) -> Element | None:
    found = _children(parent, local)
    if len(found) > 1:
        raise UserError(
            f"{name}: {where}: {local} appears {len(found)} times; DUIS allows one. {_FIX_FILE}"
        )
    return found[0] if found else None


def _text(parent: Element, local: str, where: str, name: str) -> str | None:
    element = _child(parent, local, where, name)
    if element is None:
        return None
    if len(element):
        raise UserError(f"{name}: {where}: {local} holds elements instead of a value. {_FIX_FILE}")
    text = " ".join((element.text or "").split())
    return text or None


def _required_path(root: Element, path: tuple[str, ...], name: str, kind: str) -> Element:
    node = root
    for index, local in enumerate(path):
        where = "/".join((root_name(root), *path[:index]))
        child = _child(node, local, where, name)
        if child is None:
            raise UserError(
                f"{name}: this {kind} has no {'/'.join(path[: index + 1])} element, so it is "
                f"not a complete DUIS message. {_FIX_FILE}"
            )
        node = child
    return node


def root_name(element: Element) -> str:
    """The local name of an element (namespace dropped)."""
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else "?"


def _parse_12_2(root: Element, name: str) -> list[PrenotificationRecord]:
    header = _required_path(root, ("Header",), name, "DUIS request")
    service = _text(header, "ServiceReference", "Header", name)
    if service != "12.2":
        raise UserError(
            f"{name}: this is a DUIS request for service reference {quoted(service or '(none)')}, "
            "not a 12.2 Device Pre-notification. Import a DUIS SR 12.2 request, a DUIS SR 8.2 "
            "Read Inventory response, or a pre-notification CSV."
        )
    body = _required_path(root, ("Body",), name, "DUIS request")
    prenotification = _child(body, "DevicePrenotification", "Body", name)
    if prenotification is None:
        raise UserError(
            f"{name}: this 12.2 request has no Body/DevicePrenotification element. {_FIX_FILE}"
        )
    where = "DevicePrenotification"
    fields = _XmlFields(prenotification, where, name)
    record = PrenotificationRecord(
        device_id=fields.device_id("DeviceID"),
        device_type=fields.device_type("DeviceType"),
        manufacturer=fields.identifier("DeviceManufacturer"),
        model=fields.identifier("DeviceModel"),
        firmware_version=fields.optional_identifier("FirmwareVersion"),
        smets_chts_version=fields.free_text("SMETSCHTSVersion", MAX_IDENTIFIER),
        status="Pending",
        source=SOURCE_DUIS_12_2,
        source_file=name,
        source_index=1,
    )
    return [record]


def _parse_8_2(root: Element, name: str) -> list[PrenotificationRecord]:
    message = _required_path(root, ("Body",), name, "DUIS response")
    response = _child(message, "ResponseMessage", "Body", name)
    if response is None:
        kinds = sorted({root_name(child) for child in message}) or ["nothing"]
        raise UserError(
            f"{name}: this DUIS response carries {', '.join(kinds)}, not a Read Inventory "
            "(8.2) ResponseMessage. Import a DUIS SR 8.2 Read Inventory response, a DUIS SR 12.2 "
            "request, or a pre-notification CSV."
        )
    service = _text(response, "ServiceReference", "ResponseMessage", name)
    if service != "8.2":
        raise UserError(
            f"{name}: this is a DUIS response for service reference "
            f"{quoted(service or '(none)')}, not 8.2 Read Inventory. Import a DUIS SR 8.2 Read "
            "Inventory response, a DUIS SR 12.2 request, or a pre-notification CSV."
        )
    inventory = _child(response, "DSPInventory", "ResponseMessage", name)
    if inventory is None:
        header = _child(root, "Header", "Response", name)
        code = _text(header, "ResponseCode", "Header", name) if header is not None else None
        raise UserError(
            f"{name}: this 8.2 response has no DSPInventory (ResponseCode "
            f"{quoted(code or '(none)')}), so there is nothing to import. Ask the back office for "
            "a successful Read Inventory response."
        )
    devices = _children(inventory, "Device")
    if not devices:
        raise UserError(f"{name}: the DSPInventory lists no Device. Nothing to import.")
    if len(devices) > MAX_INVENTORY_DEVICES:
        raise UserError(
            f"{name}: the DSPInventory lists {len(devices)} devices; a DUIS Read Inventory "
            f"response holds at most {MAX_INVENTORY_DEVICES}. {_FIX_FILE}"
        )
    records = []
    for index, device in enumerate(devices, 1):
        fields = _XmlFields(device, f"Device {index}", name)
        records.append(
            PrenotificationRecord(
                device_id=fields.device_id("DeviceID"),
                device_type=fields.device_type("DeviceType"),
                manufacturer=fields.identifier("DeviceManufacturer"),
                model=fields.identifier("DeviceModel"),
                firmware_version=fields.optional_identifier("DeviceFirmwareVersion"),
                smets_chts_version=fields.free_text("SMETSCHTSVersion", MAX_IDENTIFIER),
                status=fields.status("DeviceStatus"),
                s1sp=fields.free_text("S1SP", MAX_FREE_TEXT),
                csp_region=fields.csp_region("CSPRegion"),
                cpl_status=fields.cpl_status("CPLStatus"),
                source=SOURCE_DUIS_8_2,
                source_file=name,
                source_index=index,
            )
        )
    return records


# --------------------------------------------------------------------------- field validation


def _bad(name: str, where: str, field: str, value: str, problem: str) -> UserError:
    return UserError(f"{name}: {where}: {field} {quoted(value)} {problem}. {_FIX_FILE}")


def _missing(name: str, where: str, field: str) -> UserError:
    return UserError(f"{name}: {where}: {field} is missing or empty. {_FIX_FILE}")


def _canonical(value: str, allowed: Iterable[str]) -> str | None:
    key = " ".join(value.split()).casefold()
    for candidate in allowed:
        if candidate.casefold() == key:
            return candidate
    return None


def check_device_id(value: str | None, name: str, where: str, field: str) -> str:
    if not value:
        raise _missing(name, where, field)
    try:
        return normalise_eui64(value)
    except ValueError:
        raise _bad(
            name,
            where,
            field,
            value,
            "is not a Device ID: expected an EUI-64 of 16 hex digits such as "
            "00-DB-12-34-56-78-90-A0",
        ) from None


def check_device_type(value: str | None, name: str, where: str, field: str) -> str:
    if not value:
        raise _missing(name, where, field)
    canonical = _canonical(value, DEVICE_TYPES)
    if canonical is None:
        allowed = " ".join(DEVICE_TYPES)
        raise _bad(name, where, field, value, f"is not a DUIS device type ({allowed})")
    return canonical


def check_identifier(
    value: str | None, name: str, where: str, field: str, *, required: bool = True
) -> str | None:
    if not value:
        if required:
            raise _missing(name, where, field)
        return None
    try:
        return normalise_text_id(value, max_length=MAX_IDENTIFIER)
    except ValueError:
        raise _bad(
            name, where, field, value, f"is longer than {MAX_IDENTIFIER} characters"
        ) from None


def check_free_text(value: str | None, name: str, where: str, field: str, limit: int) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    if len(value) > limit:
        raise _bad(name, where, field, value, f"is longer than {limit} characters")
    return value or None


def check_status(
    value: str | None, name: str, where: str, field: str, *, default: str | None
) -> str | None:
    if not value:
        return default
    canonical = _canonical(value, INVENTORY_STATUSES)
    if canonical is None:
        allowed = ", ".join(INVENTORY_STATUSES)
        raise _bad(name, where, field, value, f"is not a DUIS device status ({allowed})")
    return canonical


def check_cpl_status(value: str | None, name: str, where: str, field: str) -> str | None:
    if not value:
        return None
    canonical = _canonical(value, CPL_STATUSES)
    if canonical is None:
        raise _bad(name, where, field, value, f"is not a CPL status ({', '.join(CPL_STATUSES)})")
    return canonical


def check_csp_region(value: str | None, name: str, where: str, field: str) -> str | None:
    if not value:
        return None
    text = check_free_text(value, name, where, field, MAX_IDENTIFIER)
    if text is None:
        return None
    return _canonical(text, CSP_REGIONS) or text


@dataclass(slots=True)
class _XmlFields:
    element: Element
    where: str
    name: str

    def _get(self, local: str) -> str | None:
        return _text(self.element, local, self.where, self.name)

    def device_id(self, local: str) -> str:
        return check_device_id(self._get(local), self.name, self.where, local)

    def device_type(self, local: str) -> str:
        return check_device_type(self._get(local), self.name, self.where, local)

    def identifier(self, local: str) -> str:
        return _required(check_identifier(self._get(local), self.name, self.where, local))

    def optional_identifier(self, local: str) -> str | None:
        return check_identifier(self._get(local), self.name, self.where, local, required=False)

    def free_text(self, local: str, limit: int) -> str | None:
        return check_free_text(self._get(local), self.name, self.where, local, limit)

    def status(self, local: str) -> str | None:
        return check_status(self._get(local), self.name, self.where, local, default=None)

    def cpl_status(self, local: str) -> str | None:
        return check_cpl_status(self._get(local), self.name, self.where, local)

    def csp_region(self, local: str) -> str | None:
        return check_csp_region(self._get(local), self.name, self.where, local)


# --------------------------------------------------------------------------- CSV

CSV_KIND = "prenotifications"
"""The alias table ``resources/aliases/prenotifications.toml`` (read by ``csv_table``)."""


def _parse_csv(data: bytes, name: str) -> list[PrenotificationRecord]:
    if len(data) > MAX_CSV_BYTES:
        raise UserError(_too_big(name, len(data), MAX_CSV_BYTES, "pre-notification CSV"))
    table = read_csv(data, name, CSV_KIND, "pre-notification list")
    labels = {field: table.label(field) for field in table.columns}
    errors = ErrorList(name, "pre-notification list")
    records: list[PrenotificationRecord] = []
    for row, line in zip(table.rows, table.row_lines, strict=True):

        def get(field: str, row: list[str] = row) -> str | None:
            index = table.columns.get(field)
            if index is None:
                return None
            return " ".join(row[index].split()) or None

        where = f"line {line}"
        try:
            records.append(
                PrenotificationRecord(
                    device_id=check_device_id(get("device_id"), name, where, labels["device_id"]),
                    device_type=check_device_type(
                        get("device_type"), name, where, labels["device_type"]
                    ),
                    manufacturer=_required(
                        check_identifier(get("manufacturer"), name, where, labels["manufacturer"])
                    ),
                    model=_required(check_identifier(get("model"), name, where, labels["model"])),
                    firmware_version=check_identifier(
                        get("firmware_version"),
                        name,
                        where,
                        labels.get("firmware_version", "Firmware Version"),
                        required=False,
                    ),
                    smets_chts_version=check_free_text(
                        get("smets_chts_version"),
                        name,
                        where,
                        labels.get("smets_chts_version", "SMETS/CHTS Version"),
                        MAX_IDENTIFIER,
                    ),
                    status=check_status(
                        get("status"),
                        name,
                        where,
                        labels.get("status", "Status"),
                        default="Pending",
                    ),
                    s1sp=check_free_text(
                        get("s1sp"), name, where, labels.get("s1sp", "S1SP"), MAX_FREE_TEXT
                    ),
                    csp_region=check_csp_region(
                        get("csp_region"), name, where, labels.get("csp_region", "CSP Region")
                    ),
                    cpl_status=check_cpl_status(
                        get("cpl_status"), name, where, labels.get("cpl_status", "CPL Status")
                    ),
                    job_reference=check_free_text(
                        get("job_reference"),
                        name,
                        where,
                        labels.get("job_reference", "Job Reference"),
                        MAX_FREE_TEXT,
                    ),
                    source=SOURCE_CSV,
                    source_file=name,
                    source_line=line,
                )
            )
        except UserError as exc:
            # "name: line N: <field> <value> <problem>. <what to do>" -> keep the middle part
            problem = exc.message.removeprefix(f"{name}: {where}: ").removesuffix(f" {_FIX_FILE}")
            errors.add(line, "column " + problem)
    errors.raise_if_any()
    return records


def _required(value: str | None) -> str:
    assert value is not None  # check_identifier(required=True) never returns None
    return value
