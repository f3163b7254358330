"""The buyer's answer to a substitute for a missing item (`unavailable`), and silence taken as no.

Accepted (before `expires_at`): the item's line becomes the substitute's (as offered: name, unit, price,
quantity; a weighed substitute is weighed before its part is ready), the ordered product's stock comes back
and the substitute's is taken, the totals and the buyer's amount due follow, and a paid order gets back what
the substitute costs less (ITEM_UNAVAILABLE refund). Declined, or unanswered when the time runs out (the
deferred job `expire_substitution`, queued by the proposal's outbox event, and a sweep for lost jobs): the
item leaves the order as if it had been marked unavailable. A part cannot be ready while a substitute waits.
"""

from datetime import timedelta

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.catalog import ProductStatus
from src.models.orders import ItemState, Order, OrderItem, StallOrder, StallOrderStatus
from src.models.payments import RefundReason
from src.models.substitutions import Substitution, SubstitutionStatus
from src.services import catalog, payments
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.i18n import plain
from src.services.orders.fulfilment import _recompute, _settle, return_stock
from src.services.orders.refunding import refund_overpaid
from src.services.orders.states import lock_order, part_state_error
from src.services.orders.timeline import record_event
from src.services.orders.unavailable import remove_item


async def respond_to_substitution(*, actor: User | None, order_item_id: int, accept: bool) -> OrderItem:
    """The buyer takes or leaves the substitute offered for an item of their order, before it expires."""
    item = await OrderItem.get_or_none(id=order_item_id).select_related("stall_order__order")
    # Another buyer's item is reported as missing: its existence is none of their business.
    if item is None or actor is None or item.stall_order.order.buyer_id != actor.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderItemId")
    async with in_transaction():
        order = await lock_order(item.stall_order.order_id)
        part = await StallOrder.select_for_update().get(id=item.stall_order_id)
        item = await OrderItem.select_for_update().get(id=item.id)
        offer = await Substitution.select_for_update().get_or_none(order_item_id=item.id)
        if offer is None or offer.status != SubstitutionStatus.PENDING or item.state != ItemState.SUBSTITUTION_PENDING:
            raise DomainError(ErrorCode.INVALID_STATE, field="orderItemId", message_key="NO_SUBSTITUTION")
        if offer.expires_at <= now():
            raise DomainError(ErrorCode.INVALID_STATE, field="orderItemId", message_key="SUBSTITUTION_EXPIRED")
        if part.status != StallOrderStatus.ACCEPTED:
            raise part_state_error(part)
        offer.responded_at = now()
        if accept:
            await _take(order, part, item, offer, actor)
        else:
            offer.status = SubstitutionStatus.DECLINED
            await offer.save()
            await remove_item(order, part, item, actor, item.unavailable_reason or "", kind="SUBSTITUTION_DECLINED")
    return item


async def _take(order: Order, part: StallOrder, item: OrderItem, offer: Substitution, actor: User | None) -> None:
    """The substitute takes the item's line; the stock of both products follows, locked in id order."""
    ids = sorted({i for i in (item.product_id, offer.product_id) if i is not None})
    locked = await catalog.lock_products_with_markets(ids)
    product = locked.get(offer.product_id or 0)
    if product is None or product.status != ProductStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, field="orderItemId", message_key="SUBSTITUTE_GONE")
    if offer.quantity > product.stock:
        raise DomainError(ErrorCode.OUT_OF_STOCK, field="orderItemId", available=product.stock)
    await return_stock([item])
    await product.refresh_from_db(fields=["stock"])  # the ordered product may be this one's row too
    product.stock = product.stock - offer.quantity
    await product.save(update_fields=["stock", "updated_at"])
    item.product_id = product.id
    item.product_name = offer.product_name
    item.unit = offer.unit
    item.unit_price = offer.unit_price
    item.quantity = offer.quantity
    item.fulfilled_quantity = None
    item.is_weighed = offer.is_weighed
    item.line_total = offer.line_total
    item.state = ItemState.SUBSTITUTED
    await item.save()
    offer.status = SubstitutionStatus.ACCEPTED
    await offer.save()
    await _recompute(order)  # the event tells the new total
    taken = {"item": offer.original_name, "substitute": offer.product_name, "quantity": plain(offer.quantity),
             "unit": offer.unit}  # fmt: skip
    await record_event(order, "SUBSTITUTION_ACCEPTED", actor, part=part, params=taken, extra=taken)
    await _settle(order, actor)
    await refund_overpaid(order, await payments.locked_payment(order.id), RefundReason.ITEM_UNAVAILABLE,
                          stall_order_id=part.id)  # fmt: skip


async def expire_substitution(*, substitution_id: int) -> bool:
    """The buyer did not answer in time: the item leaves the order (False when it was answered meanwhile,
    or its time is not up yet). A part that ended meanwhile (rejected, cancelled) keeps its item as it was."""
    offer = await Substitution.get_or_none(id=substitution_id).select_related("order_item__stall_order")
    if offer is None or offer.status != SubstitutionStatus.PENDING:
        return False
    async with in_transaction():
        order = await lock_order(offer.order_item.stall_order.order_id)
        part = await StallOrder.select_for_update().get(id=offer.order_item.stall_order_id)
        item = await OrderItem.select_for_update().get(id=offer.order_item_id)
        offer = await Substitution.select_for_update().get(id=offer.id)
        if offer.status != SubstitutionStatus.PENDING or offer.expires_at > now():
            return False
        offer.status = SubstitutionStatus.EXPIRED
        await offer.save()
        if item.state != ItemState.SUBSTITUTION_PENDING:
            return True
        if part.status != StallOrderStatus.ACCEPTED:
            item.state = ItemState.ACTIVE  # the part is gone with its items: nothing waits any more
            await item.save(update_fields=["state"])
            return True
        await remove_item(order, part, item, None, item.unavailable_reason or "", kind="SUBSTITUTION_EXPIRED")
    return True


async def expired_substitution_ids(*, grace: timedelta) -> list[int]:
    """Substitutes still waiting `grace` after their time ran out (their deferred job was lost)."""
    rows = await Substitution.filter(status=SubstitutionStatus.PENDING, expires_at__lt=now() - grace).values_list(
        "id", flat=True
    )
    return [int(i) for i in rows]  # type: ignore[call-overload]
