"""QRIS payloads (EMVCo merchant-presented mode, as Bank Indonesia's QRIS standard profiles it).

A payload is a string of TLV fields: a two-digit tag, a two-digit length and the value; tags 26–51 and 62
hold nested TLV. A trader's static sticker (point of initiation `11`) becomes a dynamic one for one order:
point of initiation `12`, the amount in tag `54`, the order number as the bill number (tag `62`, sub-tag
`01`) where it fits, and the CRC (tag `63`, CRC-16/CCITT-FALSE over everything before its value)
recomputed. Tags keep the order they came in; a new tag goes where its number puts it.

Hand-written: the format is a few lines of TLV, and the one QRIS library on PyPI (qriskit 0.2.0, 2026-09)
is too young to lean on for money.
"""

from dataclasses import dataclass

from src.services.common.errors import DomainError, ErrorCode

MERCHANT_ACCOUNT_TAGS = range(2, 52)  # 02–25 card schemes, 26–51 templates (QRIS: ID.CO.QRIS.WWW, …)
TEMPLATE_TAGS = set(range(26, 52)) | {62, 64}
MAX_PAYLOAD = 512


@dataclass(frozen=True)
class Field:
    tag: str
    value: str


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def _refused(problem: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_QRIS, field="qrisPayload", message_key=f"QRIS_{problem}")


def parse_tlv(text: str) -> list[Field]:
    """The TLV fields of `text`, in order; INVALID_QRIS when the structure is broken."""
    fields: list[Field] = []
    at = 0
    while at < len(text):
        head = text[at : at + 4]
        if len(head) < 4 or not head.isdigit():
            raise _refused("STRUCTURE")
        length = int(head[2:])
        value = text[at + 4 : at + 4 + length]
        if len(value) != length:
            raise _refused("STRUCTURE")
        fields.append(Field(head[:2], value))
        at += 4 + length
    return fields


def encode(fields: list[Field]) -> str:
    return "".join(f"{f.tag}{len(f.value):02d}{f.value}" for f in fields)


@dataclass(frozen=True)
class Qris:
    """A checked payload: its fields (tag 63 excluded) and what people read off it."""

    fields: tuple[Field, ...]
    merchant_name: str
    merchant_city: str

    def get(self, tag: str) -> str | None:
        return next((f.value for f in self.fields if f.tag == tag), None)


def check(payload: str) -> Qris:
    """A QRIS payload a market or stall may save, or INVALID_QRIS naming what is wrong with it."""
    text = payload.strip()
    if not text or len(text) > MAX_PAYLOAD or not text.isascii() or not text.isprintable():
        raise _refused("STRUCTURE")
    fields = parse_tlv(text)
    if not fields or fields[0].tag != "00" or fields[0].value != "01":
        raise _refused("PAYLOAD_FORMAT")
    if fields[-1].tag != "63" or len(fields[-1].value) != 4:
        raise _refused("CRC_MISSING")
    if crc16(text[:-4]).upper() != fields[-1].value.upper():
        raise _refused("CRC")
    tags = [f.tag for f in fields]
    if len(set(tags)) != len(tags):
        raise _refused("STRUCTURE")
    body = fields[:-1]
    by_tag = {f.tag: f.value for f in body}
    for f in body:  # nested templates must be TLV themselves, each with a globally unique identifier
        if int(f.tag) in TEMPLATE_TAGS:
            inner = parse_tlv(f.value)
            if 26 <= int(f.tag) <= 51 and not any(i.tag == "00" and i.value for i in inner):
                raise _refused("MERCHANT_ACCOUNT")
    if by_tag.get("01") not in (None, "11", "12"):
        raise _refused("POINT_OF_INITIATION")
    if not any(int(t) in MERCHANT_ACCOUNT_TAGS for t in by_tag if t.isdigit()):
        raise _refused("MERCHANT_ACCOUNT")
    if by_tag.get("53") != "360":
        raise _refused("CURRENCY")
    if by_tag.get("58") != "ID":
        raise _refused("COUNTRY")
    name = by_tag.get("59", "").strip()
    if not name:
        raise _refused("MERCHANT_NAME")
    mcc = by_tag.get("52", "")
    if len(mcc) != 4 or not mcc.isdigit():
        raise _refused("CATEGORY")
    return Qris(tuple(body), name, by_tag.get("60", "").strip())


def _put(fields: list[Field], new: Field) -> list[Field]:
    """`fields` with `new` in place of its tag, or inserted where its number puts it."""
    if any(f.tag == new.tag for f in fields):
        return [new if f.tag == new.tag else f for f in fields]
    at = next((i for i, f in enumerate(fields) if f.tag > new.tag), len(fields))
    return [*fields[:at], new, *fields[at:]]


def dynamic(static: str, *, amount: int, bill_number: str | None = None) -> str:
    """The payload for paying exactly `amount` rupiah, with `bill_number` in tag 62 where it fits."""
    qris = check(static)
    fields = list(qris.fields)
    fields = _put(fields, Field("01", "12"))
    fields = _put(fields, Field("54", str(int(amount))))
    # A tip prompt (55–57) would let the payer change the amount: a dynamic QR for an order has none.
    fields = [f for f in fields if f.tag not in ("55", "56", "57")]
    if bill_number:
        extra = next((f.value for f in fields if f.tag == "62"), "")
        inner = _put(parse_tlv(extra), Field("01", bill_number[:25]))
        encoded = encode(inner)
        if len(encoded) <= 99:
            fields = _put(fields, Field("62", encoded))
    text = encode(fields) + "6304"
    return text + crc16(text)
