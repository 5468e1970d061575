"""Reader profiles and simulator profiles are data: loaded, merged and validated."""

from __future__ import annotations

import pytest

from installer_app.devices import iec62056 as proto
from installer_app.devices.optical import OpticalReadout, reading_from_readout
from installer_app.devices.profiles import load_profiles, parse_profiles
from installer_app.devices.simulator_profiles import load_simulator_profiles
from installer_app.domain.identifiers import install_code_crc_ok, parse_install_code

DEMO = ["halden-s1", "halden-s2", "brightwater", "pennant", "corvid", "stranger"]


def test_default_profile_is_the_brief_mapping() -> None:
    default = load_profiles().default
    assert dict(default.addresses) == {
        "device_id": "0.0.96.1.0",
        "manufacturer": "0.0.96.1.1",
        "model": "0.0.96.1.2",
        "hardware_version": "0.0.96.1.3",
        "firmware_version": "1.0.0.2.0",
        "device_type": "0.0.96.1.4",
    }


def test_manufacturer_profile_overrides_addresses_by_flag_in_any_case() -> None:
    profiles = load_profiles()
    assert profiles.for_flag("pen").addresses["device_id"] == "0.0.96.50.1"
    assert profiles.for_flag("XYZ") is profiles.default


def test_partial_override_keeps_default_addresses() -> None:
    profiles = parse_profiles(
        {
            "default": {"device_id": "0.0.96.1.0", "model": "0.0.96.1.2"},
            "manufacturers": {"ABC": {"model": "0.0.96.60.2", "switch_baud": False}},
        }
    )
    abc = profiles.for_flag("ABC")
    assert abc.addresses == {"device_id": "0.0.96.1.0", "model": "0.0.96.60.2"}
    assert abc.switch_baud is False and profiles.default.switch_baud is True


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"default": {"model": "1.2.3"}},
        {"default": {"device_id": "1"}, "manufacturers": {"TOOLONG": {}}},
        {"default": {"device_id": "1", "colour": "red"}},
        {"default": {"device_id": ""}},
    ],
)
def test_bad_profile_data_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        parse_profiles(data)


def test_the_mapping_decides_what_is_read() -> None:
    block = proto.DataBlock(
        data_sets=(
            proto.DataSet("0.0.96.50.1", "00DB12345678B004"),
            proto.DataSet("0.0.96.50.2", "1077"),
            proto.DataSet("0.0.96.50.5", "0000.0210"),
        ),
        text="",
    )
    ident = proto.parse_identification(b"/PEN4PNT460\r\n")
    readout = OpticalReadout(identification=ident, block=block, baud=4800)
    reading = reading_from_readout(readout, load_profiles().for_flag("PEN"))
    assert reading.device_id == "00-DB-12-34-56-78-B0-04"
    assert (reading.manufacturer, reading.firmware_version) == ("1077", "00000210")
    assert reading.model is None  # not sent


@pytest.mark.parametrize("name", DEMO)
def test_demo_devices_have_valid_install_codes(name: str) -> None:
    device = load_simulator_profiles()[name]
    assert install_code_crc_ok(parse_install_code(device.install_code))
    assert device.scan_line() == f"Z:{device.device_id.replace('-', '')}$I:{device.install_code}"


def test_bad_install_code_profile_fails_its_crc() -> None:
    device = load_simulator_profiles()["bad-install-code"]
    assert not install_code_crc_ok(parse_install_code(device.install_code))


def test_fault_profiles_inherit_their_base_device() -> None:
    profiles = load_simulator_profiles()
    assert profiles["silent"].fault == "silent"
    assert profiles["silent"].device_id == profiles["halden-s1"].device_id
    assert profiles["escaped-ident"].identification() == b"/HLD5\\2\\@PPMID-HS1\r\n"
    assert profiles["halden-s1"].fault is None
