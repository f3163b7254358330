"""One missing item, not a rejected part: the trader marks an item unavailable, with or without a substitute.

While their part is ACCEPTED (being prepared, order PROCESSING) the trader of the item's stall may say an
item is missing. Without a substitute the item leaves the order (`remove_item`): its stock comes back, it
is kept as UNAVAILABLE (nothing supplied: fulfilled 0, line Rp 0), the part's and order's totals and an
unpaid order's amount due follow, a paid order gets the difference back (ITEM_UNAVAILABLE refund), and the
buyer is told. The last item of a part leaving is the part rejected (as `reject_stall_order` would: a
PART_REJECTED refund, the order cancelled when no part is left).

With a substitute (a listed product of the same stall, in stock, on its quantity step) the item waits for
the buyer (`substitution`): the substitute's price is fixed when it is offered; on a paid order it may cost
at most what the item's line was paid (`SUBSTITUTE_ABOVE_PAID`), so accepting never leaves the buyer owing
money after paying. Its stock is taken only when the buyer accepts.
"""

from datetime import timedelta
from decimal import Decimal

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.catalog import ProductStatus
from src.models.orders import ItemState, Order, OrderItem, OrderStatus, PaymentStatus, StallOrder, StallOrderStatus
from src.models.payments import RefundReason
from src.models.substitutions import Substitution
from src.services import catalog, payments
from src.services.common import money
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.i18n import plain
from src.services.common.text import clean_text
from src.services.orders.fulfilment import _recompute, _settle, return_stock
from src.services.orders.pricing import check_item_quantity, unit_price
from src.services.orders.refunding import refund_overpaid
from src.services.orders.states import lock_order, move_stall_order, order_state_error, part_state_error
from src.services.orders.timeline import record_event
from src.services.permissions import Action, authorize
from src.settings import Settings

REASON_LENGTH = 500


def item_state_error(item: OrderItem) -> DomainError:
    return DomainError(ErrorCode.INVALID_STATE, field="orderItemId", message_key=f"ITEM_{item.state.value}")


async def _locked_for_change(item: OrderItem) -> tuple[Order, StallOrder, OrderItem]:
    """The order's lock first (as every order change takes it), then its part's and the item's."""
    order = await lock_order(item.stall_order.order_id)
    part = await StallOrder.select_for_update().get(id=item.stall_order_id)
    return order, part, await OrderItem.select_for_update().get(id=item.id)


async def mark_item_unavailable(
    *,
    actor: User | None,
    order_item_id: int,
    reason: str,
    substitute_product_id: int | None = None,
    substitute_quantity: Decimal | None = None,
    settings: Settings,
) -> OrderItem:
    """The trader cannot supply an item of their accepted part: it leaves the order, or a substitute is offered."""
    item = await OrderItem.get_or_none(id=order_item_id).select_related("stall_order__stall")
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderItemId")
    authorize(actor, Action.MANAGE, item.stall_order.stall)
    errors = ErrorCollector()
    cleaned = clean_text(reason, field="reason", max_length=REASON_LENGTH, errors=errors)
    if substitute_product_id is not None and substitute_quantity is None:
        errors.add(invalid("substituteQuantity", "REQUIRED"))
    if substitute_quantity is not None and substitute_product_id is None:
        errors.add(invalid("substituteProductId", "REQUIRED"))
    errors.raise_if_any()
    async with in_transaction():
        order, part, item = await _locked_for_change(item)
        if part.status != StallOrderStatus.ACCEPTED:
            raise part_state_error(part)
        if order.status != OrderStatus.PROCESSING:
            raise order_state_error(order)
        if item.state != ItemState.ACTIVE:
            raise item_state_error(item)
        item.unavailable_reason = cleaned
        if substitute_product_id is None or substitute_quantity is None:
            await remove_item(order, part, item, actor, cleaned)
            return item
        await _offer(order, part, item, actor, substitute_product_id, substitute_quantity, settings)
    return item


async def _offer(
    order: Order,
    part: StallOrder,
    item: OrderItem,
    actor: User | None,
    product_id: int,
    quantity: Decimal,
    settings: Settings,
) -> Substitution:
    product = await catalog.product_with_market(product_id)
    if product is None or product.stall_id != part.stall_id:
        raise DomainError(ErrorCode.NOT_FOUND, field="substituteProductId")
    if product.id == item.product_id:
        raise invalid("substituteProductId", "SUBSTITUTE_SAME_PRODUCT")
    if product.status != ProductStatus.ACTIVE:
        raise invalid("substituteProductId", "SUBSTITUTE_NOT_LISTED")
    checked = check_item_quantity(product, quantity, "substituteQuantity")
    if checked > product.stock:
        raise DomainError(ErrorCode.OUT_OF_STOCK, field="substituteQuantity", available=product.stock)
    price = unit_price(product.price, list(product.price_tiers), checked)
    line = money.line_total(checked, price)
    if order.payment_status == PaymentStatus.PAID and line > item.line_total:
        raise invalid("substituteQuantity", "SUBSTITUTE_ABOVE_PAID", paid=money.Rupiah(item.line_total))
    expires_at = now() + timedelta(minutes=settings.substitution_timeout_minutes)
    substitution = await Substitution.create(
        order_item_id=item.id, product_id=product.id, product_name=product.name, unit=product.unit.value,
        unit_price=price, quantity=checked, is_weighed=product.is_weighed, line_total=line, expires_at=expires_at,
        original_product_id=item.product_id, original_name=item.product_name,
        original_quantity=item.fulfilled_quantity if item.fulfilled_quantity is not None else item.quantity,
        original_line_total=item.line_total, offered_by_id=actor.id if actor else None,
    )  # fmt: skip
    item.state = ItemState.SUBSTITUTION_PENDING
    await item.save(update_fields=["state", "unavailable_reason"])
    offered = {"item": item.product_name, "substitute": product.name, "quantity": plain(checked),
               "unit": product.unit.value, "line_total": line}  # fmt: skip
    await record_event(
        order, "SUBSTITUTION_PROPOSED", actor, item.unavailable_reason or "", part=part, params=offered,
        extra={**offered, "substitution_id": substitution.id, "order_item_id": item.id,
               "expires_at": expires_at.isoformat()},
    )  # fmt: skip
    return substitution


async def remove_item(
    order: Order,
    part: StallOrder,
    item: OrderItem,
    actor: User | None,
    reason: str,
    *,
    kind: str = "ITEM_UNAVAILABLE",
) -> None:
    """The item leaves the order (under the order's lock, in the caller's transaction): its stock back, kept
    as UNAVAILABLE with nothing supplied, totals and the amount due recomputed, a paid order's excess given
    back. The part's last item leaving rejects the part. `kind`: the timeline step (the buyer declined a
    substitute, or did not answer)."""
    await return_stock([item])
    item.state = ItemState.UNAVAILABLE
    item.fulfilled_quantity = Decimal(0)
    item.line_total = 0
    await item.save()
    remaining = await OrderItem.filter(stall_order_id=part.id).exclude(state=ItemState.UNAVAILABLE).exists()
    refund_reason = RefundReason.ITEM_UNAVAILABLE
    if remaining:
        await _recompute(order)  # the event tells the new total
        await record_event(order, kind, actor, reason, part=part, params={"item": item.product_name},
                           extra={"item": item.product_name, "order_item_id": item.id})  # fmt: skip
    else:  # nothing left of the part: as if its trader had rejected it
        move_stall_order(part, StallOrderStatus.REJECTED)
        part.reject_reason = reason[:500]
        await part.save()
        await _recompute(order)
        await record_event(order, "STALL_REJECTED", actor, reason, part=part)
        refund_reason = RefundReason.PART_REJECTED
    await _settle(order, actor)
    payment = await payments.locked_payment(order.id)
    await refund_overpaid(order, payment, refund_reason, stall_order_id=part.id)
