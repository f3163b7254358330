"""Money's types: an order's payment as its buyer and the market's admins see it, and payment settings."""

from datetime import datetime

import strawberry

from src.models.orders import PaymentMethod
from src.models.payments import Gateway, Payment, PaymentSettings, PaymentState, SettingsStatus
from src.schema.context import Info
from src.schema.scalars import Money, money
from src.services import payments

PaymentStateEnum = strawberry.enum(PaymentState, name="PaymentState")
SettingsStatusEnum = strawberry.enum(SettingsStatus, name="PaymentSettingsStatus")
GatewayEnum = strawberry.enum(Gateway, name="PaymentGateway")


@strawberry.type(description="A dynamic QRIS for exactly the amount due: scan it from any bank or e-wallet app.")
class QrisPayment:
    payload: str = strawberry.field(description="The EMVCo/QRIS payload (tag 54: the amount due).")
    model: strawberry.Private[Payment]

    @strawberry.field(description="The QR as a PNG: a signed link, valid for 15 minutes.")
    async def image_url(self, info: Info) -> str | None:
        return await payments.qris_image_url(self.model, info.context.storage)


@strawberry.type(
    description="Where to transfer, and the exact amount: its last digits (the unique code) name the order."
)
class BankTransfer:
    bank_name: str
    account_number: str
    account_name: str
    unique_code: int = strawberry.field(description="Rupiah added to the total so that the amount names the order.")
    amount_due: Money


@strawberry.type(name="Payment", description="How the order is paid: what is due, how to pay it, what came in.")
class PaymentType:
    method: PaymentMethod
    status: PaymentState
    amount_due: Money = strawberry.field(description="What to pay: the total with a transfer's code or cash rounding.")
    expires_at: datetime | None = strawberry.field(description="Unpaid transfer/QRIS orders are cancelled then.")
    cod_rounding: Money = strawberry.field(description="COD: the cash rounded to the smallest coin (may be negative).")
    paid_amount: Money
    paid_at: datetime | None
    qris: QrisPayment | None
    bank_transfer: BankTransfer | None
    model: strawberry.Private[Payment]

    @strawberry.field(description="The buyer's photo of the transfer: a signed link, valid for 15 minutes.")
    def proof_url(self, info: Info) -> str | None:
        key = self.model.proof_key
        return info.context.storage.private_url(key, expires_in=900) if key else None

    @classmethod
    def from_model(cls, payment: Payment, method: PaymentMethod, expires_at: datetime | None) -> "PaymentType":
        transfer = None
        if method == PaymentMethod.BANK_TRANSFER and payment.account_number:
            transfer = BankTransfer(
                bank_name=payment.bank_name or "",
                account_number=payment.account_number,
                account_name=payment.account_name or "",
                unique_code=payment.unique_code,
                amount_due=money(payment.amount_due),
            )
        return cls(
            method=method,
            status=payment.state,
            amount_due=money(payment.amount_due),
            expires_at=expires_at if payment.state == PaymentState.PENDING else None,
            cod_rounding=money(payment.cod_rounding),
            paid_amount=money(payment.paid_amount),
            paid_at=payment.paid_at,
            qris=QrisPayment(payload=payment.qris_payload, model=payment) if payment.qris_payload else None,
            bank_transfer=transfer,
            model=payment,
        )


@strawberry.type(name="PaymentSettings", description="Where a market's (or a stall's) orders are paid.")
class PaymentSettingsType:
    qris_payload: str | None
    merchant_name: str | None = strawberry.field(description="Read off the QRIS (tag 59).")
    bank_name: str | None
    account_number: str | None
    account_name: str | None
    allow_stall_settings: bool
    gateway: Gateway | None
    status: SettingsStatus
    review_reason: str | None

    @classmethod
    def from_model(cls, row: PaymentSettings) -> "PaymentSettingsType":
        name = payments.qris.check(row.qris_payload).merchant_name if row.qris_payload else None
        return cls(
            qris_payload=row.qris_payload,
            merchant_name=name,
            bank_name=row.bank_name,
            account_number=row.account_number,
            account_name=row.account_name,
            allow_stall_settings=row.allow_stall_settings,
            gateway=row.gateway,
            status=row.status,
            review_reason=row.review_reason,
        )
