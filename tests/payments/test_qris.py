"""QRIS payloads: checked when a market saves one, made dynamic per order, read back with the tests' own parser."""

import pytest

from src.services.common.errors import DomainError, ErrorCode
from src.services.payments import qris
from tests.support.qris import parse, parse_nested, static_qris, tlv, with_crc


def _problem(payload: str) -> str:
    with pytest.raises(DomainError) as caught:
        qris.check(payload)
    assert caught.value.code == ErrorCode.INVALID_QRIS
    assert caught.value.field == "qrisPayload"
    return caught.value.message_key


def test_a_traders_static_sticker_is_accepted_with_what_it_says() -> None:
    checked = qris.check(static_qris("SAYUR BU SRI", "MALANG"))
    assert (checked.merchant_name, checked.merchant_city) == ("SAYUR BU SRI", "MALANG")


def test_a_wrong_crc_is_refused() -> None:
    good = static_qris()
    wrong = good[:-4] + ("0000" if good[-4:] != "0000" else "FFFF")
    assert _problem(wrong) == "QRIS_CRC"
    # One digit changed in the middle (a mistyped NMID) breaks the CRC too.
    at = good.index("ID10200")
    assert _problem(good[:at] + "ID10201" + good[at + 7 :]) == "QRIS_CRC"


def test_a_payload_without_a_merchant_name_is_refused() -> None:
    assert _problem(static_qris(name="")) == "QRIS_MERCHANT_NAME"


def test_a_payload_in_dollars_or_abroad_is_refused() -> None:
    assert _problem(static_qris(currency="840")) == "QRIS_CURRENCY"
    assert _problem(static_qris(country="SG")) == "QRIS_COUNTRY"


def test_broken_structures_are_refused_naming_what_is_wrong() -> None:
    assert _problem("hello") == "QRIS_STRUCTURE"
    assert _problem(static_qris()[:-10]) == "QRIS_STRUCTURE"  # cut short inside a field
    assert _problem(with_crc(tlv("00", "02") + tlv("53", "360"))) == "QRIS_PAYLOAD_FORMAT"
    no_account = tlv("00", "01") + tlv("01", "11") + tlv("52", "5411") + tlv("53", "360") + tlv("58", "ID")
    assert _problem(with_crc(no_account + tlv("59", "TOKO") + tlv("60", "MALANG"))) == "QRIS_MERCHANT_ACCOUNT"
    assert _problem(static_qris().replace("6304", "6305", 1)[:-4]) == "QRIS_STRUCTURE"
    assert _problem(static_qris() + "\x00") == "QRIS_STRUCTURE"


def test_the_dynamic_payload_is_for_exactly_the_amount_with_the_order_number() -> None:
    static = static_qris()
    dynamic = qris.dynamic(static, amount=50_840, bill_number="PSR-20261202-0042")
    fields = parse(dynamic)  # the tests' own parser: structure and CRC
    assert fields["00"] == "01"
    assert fields["01"] == "12"
    assert fields["54"] == "50840"
    assert parse_nested(fields["62"]) == {"01": "PSR-20261202-0042", "07": "A01"}
    # The static payload's tags keep their order; 54 goes between 53 and 58, the CRC stays last.
    assert fields["_order"] == "00,01,26,51,52,53,54,58,59,60,61,62,63"
    assert fields["26"] == parse(static)["26"] and fields["59"] == "SAYUR BU SRI"
    # The dynamic payload is itself a valid QRIS.
    assert qris.check(dynamic).merchant_name == "SAYUR BU SRI"


def test_a_new_amount_replaces_the_old_one() -> None:
    first = qris.dynamic(static_qris(), amount=10_000, bill_number="PSR-1")
    again = qris.dynamic(first, amount=9_500, bill_number="PSR-1")
    assert parse(again)["54"] == "9500"
    assert parse(again)["_order"].count("54") == 1


def test_a_bill_number_that_does_not_fit_is_left_out() -> None:
    crowded = static_qris().replace(tlv("62", tlv("07", "A01")), tlv("62", tlv("07", "A" * 90)))
    dynamic = qris.dynamic(with_crc(crowded[:-8]), amount=1000, bill_number="PSR-20261202-0042")
    assert parse_nested(parse(dynamic)["62"]) == {"07": "A" * 90}


def test_the_crc_is_crc16_ccitt_false() -> None:
    assert qris.crc16("123456789") == "29B1"  # the catalogued check value of CRC-16/CCITT-FALSE
