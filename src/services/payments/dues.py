"""What an order's buyer must pay, and how: one Payment per order, opened when the order is placed.

- COD: the total rounded (half up) to the smallest coin in use (`COD_ROUNDING`, Rp 100); the rounding is
  a line of its own.
- Bank transfer: the total plus a unique code of 1–999 rupiah, so that the market's bank statement names
  the order by its amount alone. The amount due is unique among the market's open transfers (a unique key
  on `open_amount`; codes are chosen under the market's row lock, which placement holds).
- QRIS: the market's (or stall's) static QRIS turned into a dynamic one for exactly the total, with the
  order number as its bill number.

What the buyer owes follows the order: `owed` is what they owe now (nothing once cancelled).
"""

import secrets

from src.models.markets import Market
from src.models.orders import Order, OrderStatus, PaymentMethod
from src.models.payments import Payment, PaymentSettings, PaymentState
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.payments import qris
from src.settings import Settings

MAX_UNIQUE_CODE = 999
OPEN_STATES = (PaymentState.PENDING, PaymentState.PROOF_RECEIVED)


def cod_rounding(total: int, step: int) -> int:
    """What rounding `total` half up to a multiple of `step` adds (negative when it rounds down)."""
    return (total + step // 2) // step * step - total


def owed(order: Order, payment: Payment) -> int:
    """What the buyer owes for the order now: its total with the transfer's code or the cash rounding, less
    what a complaint's resolution credited them."""
    if order.status == OrderStatus.CANCELLED:
        return 0
    return order.total + payment.unique_code + payment.cod_rounding - payment.credited


async def _unique_code(market_id: int, total: int, keep: int = 0) -> int:
    """A code that makes total + code unique among the market's open transfers (`keep` if still free)."""
    taken = set(
        await Payment.filter(
            market_id=market_id, open_amount__gt=total, open_amount__lte=total + MAX_UNIQUE_CODE
        ).values_list("open_amount", flat=True)
    )
    free = [code for code in range(1, MAX_UNIQUE_CODE + 1) if total + code not in taken]
    if not free:
        raise DomainError(ErrorCode.INVALID_STATE, field="paymentMethod", message_key="NO_UNIQUE_CODE")
    return keep if keep in free else secrets.choice(free)


def _no_settings() -> DomainError:
    return invalid("paymentMethod", "NO_PAYMENT_SETTINGS")


def check_method(method: PaymentMethod, destination: PaymentSettings | None) -> None:
    """Refuse a method the market (or stall) has no way to take."""
    if method == PaymentMethod.BANK_TRANSFER and (destination is None or destination.account_number is None):
        raise _no_settings()
    if method == PaymentMethod.QRIS and (
        destination is None or (destination.qris_payload is None and destination.gateway is None)
    ):
        raise _no_settings()


async def open_payment(order: Order, destination: PaymentSettings | None, settings: Settings) -> Payment:
    """The order's payment, in the placing transaction (which holds the market's row lock); `destination`
    is `destination_for` the order's stalls, checked with `check_method`."""
    check_method(order.payment_method, destination)
    payment = Payment(
        order_id=order.id,
        market_id=order.market_id,
        base_amount=order.total,
        amount_due=order.total,
        settings_scope=destination.scope if destination else None,
    )
    if destination is not None and order.payment_method == PaymentMethod.BANK_TRANSFER:
        payment.bank_name = destination.bank_name
        payment.account_number = destination.account_number
        payment.account_name = destination.account_name
    if destination is not None and order.payment_method == PaymentMethod.QRIS and destination.gateway is not None:
        payment.gateway = destination.gateway  # the gateway makes the QR, after the commit
    if order.payment_method == PaymentMethod.COD:
        payment.cod_step = settings.cod_rounding
    await _follow(payment, order, destination)
    await payment.save()
    return payment


async def _follow(payment: Payment, order: Order, destination: PaymentSettings | None) -> None:
    """The amount due (and what it is made of) for the order's current total; unsaved."""
    total = order.total
    payment.base_amount = total
    if order.payment_method == PaymentMethod.COD:
        payment.cod_rounding = cod_rounding(total, payment.cod_step or 1)
    elif order.payment_method == PaymentMethod.BANK_TRANSFER:
        payment.unique_code = await _unique_code(order.market_id, total, keep=payment.unique_code)
        payment.open_amount = total + payment.unique_code
    elif order.payment_method == PaymentMethod.QRIS and payment.gateway is None:
        static = destination.qris_payload if destination is not None else None
        if static is not None:
            payment.qris_payload = qris.dynamic(static, amount=total, bill_number=order.number)
            payment.qris_image_key = None  # drawn again for the new amount
    payment.amount_due = total + payment.unique_code + payment.cod_rounding


async def follow_total(order: Order) -> Payment | None:
    """After the order's total changed: an open payment's amount due (and QR) follows it. Call under the
    order's lock; a transfer's new code is chosen under the market's row lock."""
    payment = await Payment.select_for_update().get_or_none(order_id=order.id)
    if payment is None:
        return None
    if payment.state == PaymentState.PENDING and payment.base_amount != order.total:
        destination = None
        if payment.settings_scope is not None:
            destination = await PaymentSettings.get_or_none(scope=payment.settings_scope)
        if order.payment_method == PaymentMethod.BANK_TRANSFER:
            await Market.select_for_update(no_key=True).get(id=order.market_id)
        await _follow(payment, order, destination)
        await payment.save()
    return payment


async def payment_of(order_id: int) -> Payment | None:
    return await Payment.get_or_none(order_id=order_id)


async def payments_of(order_ids: list[int]) -> dict[int, Payment]:
    """The orders' payments by order id, in one query."""
    return {p.order_id: p for p in await Payment.filter(order_id__in=order_ids)}
