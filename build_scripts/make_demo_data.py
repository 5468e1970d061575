"""Write the synthetic demo data in resources/demo/ (deterministic; run again after edits).

Every manufacturer, model and device here is invented. The files exist so that anyone can try
the product without real DCC data: a CPL of a few hundred entries with bilingual PPMID pairs, a
withdrawn entry, IHDs, comms hubs and meters; an EPCL; an advisory list; pre-notifications and
jobs for the simulated PPMIDs (see resources/demo/README.md).
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo"

CPL_HEADER = [
    "Device Type", "Manufacturer", "Manufacturer Identifier", "Model", "Model Identifier",
    "Hardware Version", "Firmware Version", "SMETS/CHTS Version", "GBCS Version", "Status",
    "CPA Certificate Expiry Date",
]  # fmt: skip

# The PPMIDs the simulator serves, and what the demo story needs of them.
KEY_ENTRIES = [
    # Halden H2: bilingual. SMETS2+ entry with the real firmware, SMETS1 entry with the
    # differentiating firmware, and an older SMETS2+ firmware that was withdrawn.
    ["PPMID", "Halden Meters", "10F1", "Halden Prepay Unit H2", "00A20100", "0002", "01020003", "SMETS V5.1", "4.2", "Active", "2031-06-30"],
    ["PPMID", "Halden Meters", "10F1", "Halden Prepay Unit H2", "00A20100", "0002", "81020003", "SMETS1", "", "Active", "2031-06-30"],
    ["PPMID", "Halden Meters", "10F1", "Halden Prepay Unit H2", "00A20100", "0002", "01020002", "SMETS V5.0", "4.2", "Withdrawn", "2029-01-31"],
    # Corvid CK5: bilingual.
    ["PPMID", "Corvid Systems", "1099", "Corvid Credit Key CK5", "00C50005", "0001", "00050001", "SMETS V5.0", "4.2", "Active", "2030-09-30"],
    ["PPMID", "Corvid Systems", "1099", "Corvid Credit Key CK5", "00C50005", "0001", "F0050001", "SMETS1", "", "Active", "2030-09-30"],
    # Brightwater K4: SMETS2+ only; an older firmware is withdrawn.
    ["PPMID", "Brightwater Instruments", "10C3", "BW Keypad K4", "0B140004", "0003", "02000010", "SMETS V4.2", "4.2", "Active", "2030-03-31"],
    ["PPMID", "Brightwater Instruments", "10C3", "BW Keypad K4", "0B140004", "0003", "02000009", "SMETS V4.2", "4.2", "Withdrawn", "2030-03-31"],
    # Pennant Pebble 4: a legacy SMETS1-only PPMID no longer supported by its maker.
    ["PPMID", "Pennant Electric", "1077", "Pennant Pebble 4", "00460002", "0100", "00000210", "SMETS1", "", "Active", ""],
    # The meters and hubs of the SMETS1 combinations below.
    ["ESME", "Pennant Electric", "1077", "Pennant Credit Meter E1", "00110001", "0001", "01010101", "SMETS1", "", "Active", ""],
    ["CHF", "Pennant Electric", "1077", "Pennant S1 Hub", "00120001", "0001", "02020202", "SMETS1", "", "Active", ""],
    ["IHD", "Halden Meters", "10F1", "Halden Home Display D3", "00A30100", "0001", "00030001", "SMETS V5.1", "4.2", "Active", "2031-06-30"],
]  # fmt: skip

MAKERS = [
    ("Aldermoor Devices", "1063"), ("Brightwater Instruments", "10C3"), ("Corvid Systems", "1099"),
    ("Dunlin Energy", "10A4"), ("Egret Controls", "106C"), ("Fieldfare Metering", "10B7"),
    ("Halden Meters", "10F1"), ("Kittiwake Technology", "1072"), ("Pennant Electric", "1077"),
]  # fmt: skip
TYPES = ["ESME", "GSME", "IHD", "CAD", "HCALCS", "PPMID", "CHF"]
SPEC = {
    "ESME": ["SMETS V4.2", "SMETS V5.0", "SMETS V5.1", "SMETS V1.58", "SMETS1"],
    "GSME": ["SMETS V4.2", "SMETS V5.0", "SMETS1"],
    "IHD": ["SMETS V4.2", "SMETS V5.0", "SMETS1"],
    "CAD": ["SMETS V4.2", "SMETS V5.1"],
    "HCALCS": ["SMETS V4.2"],
    "PPMID": ["SMETS V4.2", "SMETS V5.0"],
    "CHF": ["CHTS V1.4", "CHTS V1.3"],
}


def cpl_rows() -> list[list[str]]:
    rng = random.Random(2026)
    rows = [list(r) for r in KEY_ENTRIES]
    used = {tuple(r[i] for i in (0, 2, 4, 5, 6)) for r in rows}
    while len(rows) < 320:
        kind = rng.choice(TYPES)
        maker, mfr = rng.choice(MAKERS)
        model_id = f"{rng.getrandbits(32):08X}"
        hardware = f"{rng.randint(1, 0x1F):04X}"
        spec = rng.choice(SPEC[kind])
        status = rng.choices(["Active", "Expired", "Withdrawn", "Cancelled"], [20, 2, 1, 1])[0]
        expiry = rng.choice(["2027-12-01", "2029-03-31", "2031-08-30", ""])
        name = f"{maker.split()[0]} {kind} {len(rows)}"
        firmwares = [f"{rng.getrandbits(32):08X}" for _ in range(rng.randint(1, 3))]
        gbcs = "" if spec == "SMETS1" else rng.choice(["3.2", "4.2", "4.3"])
        for firmware in firmwares:
            types = ["CHF", "GPF"] if kind == "CHF" else [kind]  # a hub is a CHF and a GPF
            for t in types:
                key = (t, mfr, model_id, hardware, firmware)
                if key in used:
                    continue
                used.add(key)
                rows.append([t, maker, mfr, name, model_id, hardware, firmware, spec, gbcs,
                             status, expiry])  # fmt: skip
    return rows


EPCL = [
    ["Combination ID", "Cohort", "Device Type", "Manufacturer Identifier", "Model Identifier", "Hardware Version", "Firmware Version", "Date Added"],
    ["DEMO-EPC-0001", "FOC", "PPMID", "10F1", "00A20100", "0002", "81020003", "2022-03-14"],
    ["DEMO-EPC-0001", "FOC", "ESME", "1077", "00110001", "0001", "01010101", "2022-03-14"],
    ["DEMO-EPC-0001", "FOC", "CHF", "1077", "00120001", "0001", "02020202", "2022-03-14"],
    ["DEMO-EPC-0002", "MOC", "PPMID", "1077", "00460002", "0100", "00000210", "2021-07-01"],
    ["DEMO-EPC-0002", "MOC", "ESME", "1077", "00110001", "0001", "01010101", "2021-07-01"],
    ["DEMO-EPC-0003", "IOC", "PPMID", "1099", "00C50005", "0001", "F0050001", "2022-11-02"],
    ["DEMO-EPC-0003", "IOC", "CHF", "1077", "00120001", "0001", "02020202", "2022-11-02"],
]  # fmt: skip

ADVISORIES = [
    ["Code", "Reference", "Device Type", "Manufacturer Identifier", "Model Identifier", "Hardware Version", "Firmware Version", "Cohort", "Note"],
    ["FIRMWARE_UPGRADE_UNLIKELY", "S1SR 18.63(d) 18.65(e)", "PPMID", "10F1", "00A20100", "", "", "FOC", "Comms hub image size and metadata limits: a PPMID firmware upgrade is unlikely to succeed"],
    ["SECURE_THIRD_PARTY_FIRMWARE", "S1SR 18.63(c) 18.64(b)", "PPMID", "10F1", "00A20100", "", "", "MOC", "The Secure S1SP does not upgrade or read third-party PPMID firmware"],
    ["UNSUPPORTED_LEGACY_PPMID", "S1SR 18.63(d) 18.65(e)", "PPMID", "1077", "00460002", "", "", "", "No longer supported by its manufacturer: firmware upgrade outcome uncertain"],
]  # fmt: skip

PRENOTIFICATIONS = [
    ["Device ID", "Device Type", "Manufacturer Identifier", "Model Identifier", "Firmware Version", "SMETS/CHTS Version", "Status", "S1SP", "CSP Region", "Job Reference"],
    # Bilingual Halden pre-notified against its SMETS1 entry: joinable on SMETS1 only.
    ["00-DB-12-34-56-78-B0-01", "PPMID", "10F1", "00A20100", "81020003", "SMETS1", "Pending", "Demo S1SP", "SMETS1", "JOB-1002"],
    # The same model pre-notified against its SMETS2+ entry.
    ["00-DB-12-34-56-78-B0-02", "PPMID", "10F1", "00A20100", "01020003", "SMETS V5.1", "Pending", "", "North", "JOB-1001"],
    ["00-DB-12-34-56-78-B0-03", "PPMID", "10C3", "0B140004", "02000010", "SMETS V4.2", "Pending", "", "Central", "JOB-1003"],
    ["00-DB-12-34-56-78-B0-04", "PPMID", "1077", "00460002", "00000210", "SMETS1", "Whitelisted", "Demo S1SP", "SMETS1", "JOB-1004"],
    # Bilingual Corvid pre-notified with no firmware and no marker: nobody can say which.
    ["00-DB-12-34-56-78-B0-05", "PPMID", "1099", "00C50005", "", "", "Pending", "", "", "JOB-1005"],
    ["00-DB-12-34-56-78-B0-07", "PPMID", "10C3", "0B140004", "02000010", "SMETS V4.2", "Pending", "", "South", "JOB-1006"],
]  # fmt: skip

JOBS = {
    "jobs": [
        {"reference": "JOB-1001", "address": "12 Mill Lane, Anytown AB1 2CD", "installation": "SMETS2+", "cohort": None,
         "comms_hub_id": "00-DB-12-34-56-78-C0-01", "meter_ids": ["00-DB-12-34-56-78-E0-01"],
         "expected_ppmid_id": "00-DB-12-34-56-78-B0-02", "scheduled_for": "2026-11-24"},
        {"reference": "JOB-1002", "address": "3 Orchard Row, Anytown AB1 3EF", "installation": "SMETS1", "cohort": "FOC",
         "comms_hub_id": "00-DB-12-34-56-78-C0-02", "meter_ids": ["00-DB-12-34-56-78-E0-02"],
         "expected_ppmid_id": "00-DB-12-34-56-78-B0-01", "scheduled_for": "2026-11-24"},
        {"reference": "JOB-1003", "address": "Flat 4, 9 Station Road, Anytown AB2 1GH", "installation": "SMETS2+", "cohort": None,
         "comms_hub_id": "00-DB-12-34-56-78-C0-03", "meter_ids": ["00-DB-12-34-56-78-E0-03", "00-DB-12-34-56-78-E0-13"],
         "expected_ppmid_id": "00-DB-12-34-56-78-B0-03", "scheduled_for": "2026-11-24"},
        {"reference": "JOB-1004", "address": "27 Quarry Close, Anytown AB2 4JK", "installation": "SMETS1", "cohort": "MOC",
         "comms_hub_id": "00-DB-12-34-56-78-C0-04", "meter_ids": ["00-DB-12-34-56-78-E0-04"],
         "expected_ppmid_id": "00-DB-12-34-56-78-B0-04", "scheduled_for": "2026-11-24"},
        {"reference": "JOB-1005", "address": "The Old Forge, Anytown AB3 5LM", "installation": "SMETS2+", "cohort": None,
         "comms_hub_id": "00-DB-12-34-56-78-C0-05", "meter_ids": ["00-DB-12-34-56-78-E0-05"],
         "expected_ppmid_id": "00-DB-12-34-56-78-B0-05", "scheduled_for": "2026-11-25"},
        {"reference": "JOB-1006", "address": "8 Ferry Street, Anytown AB3 6NP", "installation": "SMETS2+", "cohort": None,
         "comms_hub_id": "00-DB-12-34-56-78-C0-06", "meter_ids": ["00-DB-12-34-56-78-E0-06"],
         "expected_ppmid_id": "00-DB-12-34-56-78-B0-07", "scheduled_for": "2026-11-25"},
    ]
}  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def main() -> None:
    DEMO.mkdir(parents=True, exist_ok=True)
    write_csv(DEMO / "cpl.csv", [CPL_HEADER, *cpl_rows()])
    write_csv(DEMO / "epcl.csv", EPCL)
    write_csv(DEMO / "advisories.csv", ADVISORIES)
    write_csv(DEMO / "prenotifications.csv", PRENOTIFICATIONS)
    (DEMO / "jobs.json").write_text(json.dumps(JOBS, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
