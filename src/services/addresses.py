"""The buyer's address book: up to MAX_ADDRESSES saved addresses, each checked as an order's address is.

`placeOrder` with an `addressId` copies the saved address into the order (src/services/orders/placing.py),
so editing or deleting an entry later leaves placed orders as they were. The module reads no order: orders
ask it for an entry (`saved_address`), never the other way round.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.habits import Address
from src.models.markets import Market
from src.services.common import money
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.phones import normalize_phone
from src.services.common.text import clean_text
from src.services.permissions import require_role

MAX_ADDRESSES = 20


@dataclass(frozen=True)
class AddressFields:
    """What a buyer sends for an entry of their address book."""

    label: str
    line: str
    recipient_name: str
    recipient_phone: str
    lat: float
    lng: float
    area: str = ""


async def my_addresses(*, actor: User | None) -> list[Address]:
    """The buyer's address book, oldest entry first."""
    buyer = require_role(actor, Role.BUYER)
    return await Address.filter(buyer_id=buyer.id).order_by("id")


async def saved_address(*, buyer: User, address_id: int, field: str = "addressId") -> Address:
    """One entry of this buyer's address book, or NOT_FOUND (another buyer's entry is not theirs to use)."""
    address = await Address.get_or_none(id=address_id, buyer_id=buyer.id)
    if address is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return address


async def _served(lat: float, lng: float) -> bool:
    """Whether some active market delivers to this location (the check placing an order makes, for any market)."""
    markets = await Market.filter(is_active=True).values_list("latitude", "longitude", "delivery_radius_km")
    return any(
        money.distance_km(float(m_lat), float(m_lng), lat, lng) <= Decimal(str(radius))
        for m_lat, m_lng, radius in markets
    )


async def _checked(fields: AddressFields) -> dict[str, Any]:
    """The entry's columns, cleaned, or every mistake at once (DomainErrors)."""
    errors = ErrorCollector()
    values: dict[str, Any] = {
        "label": clean_text(fields.label, field="label", max_length=40, errors=errors),
        "line": clean_text(fields.line, field="line", max_length=255, errors=errors),
        "area": clean_text(fields.area, field="area", max_length=120, errors=errors, required=False),
        "recipient_name": clean_text(fields.recipient_name, field="recipientName", max_length=120, errors=errors),
        "recipient_phone": errors.run(lambda: normalize_phone(fields.recipient_phone, field="recipientPhone")),
    }
    lat, lng = fields.lat, fields.lng
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        errors.add(invalid("location"))
    elif not await _served(lat, lng):
        errors.add(DomainError(ErrorCode.OUT_OF_DELIVERY_AREA, field="location", message_key="ADDRESS_NOT_SERVED"))
    else:
        values["latitude"] = Decimal(str(round(lat, 6)))
        values["longitude"] = Decimal(str(round(lng, 6)))
    errors.raise_if_any()
    return values


async def save_address(*, actor: User | None, address_id: int | None, fields: AddressFields) -> Address:
    """Create an entry (at most MAX_ADDRESSES) or change one of the buyer's own; labels are unique per buyer."""
    buyer = require_role(actor, Role.BUYER)
    values = await _checked(fields)
    label_taken = DomainError(ErrorCode.ALREADY_EXISTS, field="label", message_key="ADDRESS_LABEL_TAKEN")
    try:
        async with in_transaction():
            # One change at a time to a buyer's address book (the limit and the labels hold under racing
            # requests): the buyer's row is the lock, as for the cart.
            await User.select_for_update(no_key=True).get(id=buyer.id)
            book = await Address.filter(buyer_id=buyer.id)
            address = next((a for a in book if a.id == address_id), None)
            if address_id is not None and address is None:
                raise DomainError(ErrorCode.NOT_FOUND, field="id")
            if address is None and len(book) >= MAX_ADDRESSES:
                raise DomainError(ErrorCode.INVALID_INPUT, message_key="TOO_MANY_ADDRESSES", max=MAX_ADDRESSES)
            label = str(values["label"]).casefold()
            if any(a.label.casefold() == label and a.id != address_id for a in book):
                raise label_taken
            if address is None:
                return await Address.create(buyer_id=buyer.id, **values)
            address.update_from_dict(values)
            await address.save()
            return address
    except IntegrityError as exc:  # the unique label, should the lock ever be bypassed
        raise label_taken from exc


async def delete_address(*, actor: User | None, address_id: int) -> Address:
    """Remove one of the buyer's own entries (orders placed with it keep their copy); the entry as it was."""
    buyer = require_role(actor, Role.BUYER)
    address = await saved_address(buyer=buyer, address_id=address_id)
    await address.delete()
    return address
