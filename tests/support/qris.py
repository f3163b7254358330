"""QRIS payloads for tests, and an EMVCo parser of the tests' own (independent of `src.services.payments.qris`):
TLV by hand, the CRC by the standard library's `binascii.crc_hqx` (CRC-CCITT, here with init 0xFFFF)."""

import binascii


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def crc(text: str) -> str:
    return f"{binascii.crc_hqx(text.encode(), 0xFFFF):04X}"


def with_crc(body: str) -> str:
    """`body` (everything before tag 63) closed with its CRC."""
    return body + "6304" + crc(body + "6304")


def static_qris(name: str = "SAYUR BU SRI", city: str = "MALANG", *, currency: str = "360", country: str = "ID") -> str:
    """A static merchant QRIS shaped like a trader's sticker: an issuer's template (26), the national QRIS
    template (51) with its NMID, grocery MCC, rupiah, Indonesia, name, city, postal code and a terminal label."""
    issuer = (
        tlv("00", "ID.CO.BANKJATIM.WWW") + tlv("01", "936001140000012345") + tlv("02", "000012345") + tlv("03", "UMI")
    )
    national = tlv("00", "ID.CO.QRIS.WWW") + tlv("02", "ID1020012345678") + tlv("03", "UMI")
    body = (
        tlv("00", "01")
        + tlv("01", "11")
        + tlv("26", issuer)
        + tlv("51", national)
        + tlv("52", "5411")
        + tlv("53", currency)
        + tlv("58", country)
        + (tlv("59", name) if name else "")
        + tlv("60", city)
        + tlv("61", "65119")
        + tlv("62", tlv("07", "A01"))
    )
    return with_crc(body)


def parse(payload: str) -> dict[str, str]:
    """Tag → value of a payload's top level, checking the structure and the CRC (AssertionError otherwise)."""
    fields: dict[str, str] = {}
    order: list[str] = []
    i = 0
    while i < len(payload):
        tag, length = payload[i : i + 2], int(payload[i + 2 : i + 4])
        fields[tag] = payload[i + 4 : i + 4 + length]
        assert len(fields[tag]) == length, f"tag {tag} is cut short"
        order.append(tag)
        i += 4 + length
    assert order[-1] == "63", "the CRC is not last"
    assert crc(payload[:-4]) == fields["63"], "wrong CRC"
    fields["_order"] = ",".join(order)
    return fields


def parse_template(value: str) -> dict[str, str]:
    return parse_nested(value)


def parse_nested(value: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    while i < len(value):
        tag, length = value[i : i + 2], int(value[i + 2 : i + 4])
        fields[tag] = value[i + 4 : i + 4 + length]
        i += 4 + length
    return fields
