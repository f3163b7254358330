"""Money: where a market (or a stall) is paid, each order's payment, refunds, and the ledger of what is owed.

Money is whole rupiah. For every order: paid − refunded = owed (`services/payments/invariant`).
"""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.markets import Market, Stall
    from src.models.orders import Order, StallOrder


class Gateway(StrEnum):
    XENDIT = "XENDIT"


class SettingsStatus(StrEnum):
    PENDING = "PENDING"  # a stall's settings, waiting for the market admin
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class PaymentState(StrEnum):
    PENDING = "PENDING"  # waiting for the money (COD: until the door)
    PROOF_RECEIVED = "PROOF_RECEIVED"  # the buyer sent a transfer's proof; the admin confirms
    PAID = "PAID"
    VOID = "VOID"  # cancelled or expired before any money came


class RefundReason(StrEnum):
    ORDER_CANCELLED = "ORDER_CANCELLED"
    PART_REJECTED = "PART_REJECTED"
    ITEM_UNAVAILABLE = "ITEM_UNAVAILABLE"
    WEIGHED_LESS = "WEIGHED_LESS"
    LATE_PAYMENT = "LATE_PAYMENT"  # money that came after the order expired
    COMPLAINT = "COMPLAINT"


class RefundStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"


class RefundMethod(StrEnum):
    MANUAL = "MANUAL"  # the market admin pays it back and records the reference
    GATEWAY = "GATEWAY"  # the payment gateway pays it back


class LedgerKind(StrEnum):
    SALE = "SALE"  # a stall's delivered part: the market owes the trader
    COMMISSION = "COMMISSION"  # the market's share of a sale (negative)
    REFUND = "REFUND"  # money given back that the trader's part bears (negative)
    PAYOUT = "PAYOUT"  # paid to the trader (negative)
    COD_COLLECTED = "COD_COLLECTED"  # cash a courier took at the door: the courier owes the market
    COD_REMITTED = "COD_REMITTED"  # cash a courier handed to the market (negative)


class PaymentSettings(Model):
    """Where money for a market's orders goes: its static QRIS and bank account (a stall may have its own)."""

    id = fields.IntField(primary_key=True)
    # "market:<id>" or "stall:<id>": one row per scope (a unique key that NULLs would not give).
    scope = fields.CharField(max_length=32, unique=True)
    market: fields.ForeignKeyRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="payment_settings", on_delete=fields.CASCADE
    )
    market_id: int
    stall: fields.ForeignKeyNullableRelation["Stall"] = fields.ForeignKeyField(
        "models.Stall", related_name="payment_settings", null=True, on_delete=fields.CASCADE
    )
    stall_id: int | None
    qris_payload = fields.CharField(max_length=512, null=True)
    bank_name = fields.CharField(max_length=80, null=True)
    account_number = fields.CharField(max_length=34, null=True)
    account_name = fields.CharField(max_length=120, null=True)
    # On the market's row: whether its stalls may be paid directly, and its payment gateway if it has one.
    allow_stall_settings = fields.BooleanField(default=False)
    gateway = fields.CharEnumField(Gateway, max_length=10, null=True)
    status = fields.CharEnumField(SettingsStatus, max_length=10, default=SettingsStatus.APPROVED)
    review_reason = fields.CharField(max_length=500, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "payment_settings"


class Payment(Model):
    """An order's payment: what is due and how, and what came in. One per order."""

    id = fields.IntField(primary_key=True)
    order: fields.OneToOneRelation["Order"] = fields.OneToOneField(
        "models.Order", related_name="payment", on_delete=fields.CASCADE
    )
    order_id: int
    market: fields.ForeignKeyRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="payments", on_delete=fields.RESTRICT
    )
    market_id: int
    # The settings it is paid to (the market's or one stall's), copied so later edits don't move old orders.
    settings_scope = fields.CharField(max_length=32, null=True)
    bank_name = fields.CharField(max_length=80, null=True)
    account_number = fields.CharField(max_length=34, null=True)
    account_name = fields.CharField(max_length=120, null=True)
    state = fields.CharEnumField(PaymentState, max_length=16, default=PaymentState.PENDING)
    base_amount = fields.IntField()  # the order's total this due was made for
    unique_code = fields.IntField(default=0)  # transfers: 1..999 rupiah that make the amount unique
    cod_rounding = fields.IntField(default=0)  # COD: to the smallest coin, may be negative
    cod_step = fields.IntField(default=0)  # COD: that coin (COD_ROUNDING when the order was placed)
    amount_due = fields.IntField()
    # While a transfer is open: its amount due, unique within the market (NULL once it closes).
    open_amount = fields.IntField(null=True)
    qris_payload = fields.CharField(max_length=512, null=True)
    qris_image_key = fields.CharField(max_length=255, null=True)
    proof_key = fields.CharField(max_length=255, null=True)
    gateway = fields.CharEnumField(Gateway, max_length=10, null=True)
    gateway_reference = fields.CharField(max_length=100, null=True, unique=True)  # our reference_id there
    gateway_id = fields.CharField(max_length=100, null=True)  # the gateway's id of the payment request
    gateway_payment_id = fields.CharField(max_length=100, null=True, unique=True)  # of the money that came
    paid_amount = fields.IntField(default=0)
    paid_at = fields.DatetimeField(null=True)
    # What the market gave back by resolving a complaint: the buyer no longer owes it (`dues.owed`).
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    refunds: fields.ReverseRelation["Refund"]

    class Meta:
        table = "payment"
        unique_together = (("market", "open_amount"),)


class Refund(Model):
    """Money paid back to a buyer because they paid more than they owe."""

    id = fields.IntField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="refunds", on_delete=fields.CASCADE
    )
    payment_id: int
    order: fields.ForeignKeyRelation["Order"] = fields.ForeignKeyField(
        "models.Order", related_name="refunds", on_delete=fields.CASCADE
    )
    order_id: int
    market: fields.ForeignKeyRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="refunds", on_delete=fields.RESTRICT
    )
    market_id: int
    # The stall's part it comes from, when one part caused it (rejected, unavailable, weighed less).
    stall_order: fields.ForeignKeyNullableRelation["StallOrder"] = fields.ForeignKeyField(
        "models.StallOrder", related_name="refunds", null=True, on_delete=fields.SET_NULL
    )
    stall_order_id: int | None
    amount = fields.IntField()
    reason = fields.CharEnumField(RefundReason, max_length=20)
    status = fields.CharEnumField(RefundStatus, max_length=8, default=RefundStatus.PENDING)
    method = fields.CharEnumField(RefundMethod, max_length=8, default=RefundMethod.MANUAL)
    reference = fields.CharField(max_length=100, null=True)
    gateway_refund_id = fields.CharField(max_length=100, null=True, unique=True)
    failure = fields.CharField(max_length=200, null=True)
    paid_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="refunds_paid", null=True, on_delete=fields.SET_NULL
    )
    paid_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund"
        indexes = (Index(fields=("market_id", "status", "id")),)


class LedgerEntry(Model):
    """One line of what the market owes a trader, or a courier owes the market, in signed rupiah.

    A unique key per cause (e.g. "sale:<stall order id>") makes each line happen once whatever retries."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    market: fields.ForeignKeyRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="ledger", on_delete=fields.RESTRICT
    )
    market_id: int
    stall: fields.ForeignKeyNullableRelation["Stall"] = fields.ForeignKeyField(
        "models.Stall", related_name="ledger", null=True, on_delete=fields.RESTRICT
    )
    stall_id: int | None
    courier: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="ledger", null=True, on_delete=fields.RESTRICT
    )
    courier_id: int | None
    order_id = fields.IntField(null=True)  # the order it comes from; its number is kept beside it
    order_number = fields.CharField(max_length=24, null=True)
    kind = fields.CharEnumField(LedgerKind, max_length=16)
    amount = fields.IntField()
    reference = fields.CharField(max_length=100, null=True)
    recorded_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_entry"
        indexes = (Index(fields=("stall_id", "created_at")), Index(fields=("courier_id", "created_at")))
