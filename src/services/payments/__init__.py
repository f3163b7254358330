"""Money: where a market is paid, each order's payment (COD rounding, a transfer's unique code, dynamic
QRIS), money received, refunds and the ledger of what the market owes traders and couriers owe it.

Below orders and delivery: they call these functions with their own rows (under the order's lock); this
package reads no table of theirs.

- `qris`: EMVCo/QRIS payloads: checked on save, made dynamic per order.
- `destinations`: payment settings of a market, or of a stall where the market allows it.
- `owing`: what the buyer owes now (`owed`), at the bottom; `dues`: what is due and how, opened at
  placement, following the total.
- `receipts`: money received, a transfer's proof, a payment voided.
- `refunds`: money given back, never more than came in (`refunded`, `refundable`, `create_refund`,
  `still_owed`); `refund_desk`: a market's refunds listed, a manual refund recorded as paid;
  `invariant`: paid − refunded = owed, checked (`money_problems`).
  `credits`: a complaint's refund, credited off what is owed and charged to the part's trader.
- `qr_images`: the dynamic QRIS as a PNG in private storage.
- `gateway`: the payment gateway where a market has one (`PaymentProvider`, Xendit): a QRIS order's QR made
  there, refunds paid back through it.
- `ledger`: what the market owes each trader and each courier owes it (a delivery's lines, a refund a trader
  bears, balances); `payouts`: payouts to traders and couriers' cash handed over; `statements`: a trader's
  statement over a period.
"""

from src.services.payments import gateway, invariant, qris, refunds
from src.services.payments.credits import complaint_refundable, refund_complaint
from src.services.payments.destinations import (
    SettingsChanges,
    destination_for,
    market_scope,
    review_stall_payment_settings,
    set_market_payment_settings,
    set_stall_payment_settings,
    settings_of_market,
    settings_of_stall,
    settings_seen_by,
    stall_scope,
)
from src.services.payments.dues import (
    check_method,
    cod_rounding,
    follow_total,
    open_payment,
    payment_of,
    payments_of,
)
from src.services.payments.ledger import (
    COURIER_KINDS,
    TRADER_KINDS,
    commission,
    courier_balances,
    record_delivery,
    record_refund,
    stall_balance,
    stall_balances,
)
from src.services.payments.owing import owed
from src.services.payments.payouts import (
    record_cod_remittance,
    record_day_remitted,
    record_payout,
    visible_payout,
    visible_remittance,
)
from src.services.payments.qr_images import qris_image_url
from src.services.payments.receipts import gateway_payment_known, locked_payment, record_proof, record_received, void
from src.services.payments.refund_desk import mark_refund_paid, market_refunds, refund_or_none, refunds_of
from src.services.payments.statements import Statement, trader_statement

__all__ = [
    "COURIER_KINDS",
    "TRADER_KINDS",
    "SettingsChanges",
    "Statement",
    "check_method",
    "cod_rounding",
    "commission",
    "complaint_refundable",
    "courier_balances",
    "destination_for",
    "follow_total",
    "gateway",
    "gateway_payment_known",
    "invariant",
    "locked_payment",
    "mark_refund_paid",
    "market_refunds",
    "market_scope",
    "open_payment",
    "owed",
    "payment_of",
    "payments_of",
    "qris",
    "qris_image_url",
    "record_cod_remittance",
    "record_day_remitted",
    "record_delivery",
    "record_payout",
    "record_proof",
    "record_received",
    "record_refund",
    "refund_complaint",
    "refund_or_none",
    "refunds",
    "refunds_of",
    "review_stall_payment_settings",
    "set_market_payment_settings",
    "set_stall_payment_settings",
    "settings_of_market",
    "settings_of_stall",
    "settings_seen_by",
    "stall_balance",
    "stall_balances",
    "stall_scope",
    "trader_statement",
    "visible_payout",
    "visible_remittance",
    "void",
]
