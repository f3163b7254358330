"""Money's mutations: payment settings of a market and a stall, a transfer's proof."""

from enum import Enum

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from src.models.accounts import Role
from src.schema.context import Info
from src.schema.errors import payload_mutation
from src.schema.ids import decode_id
from src.schema.markets import MarketPayload, MarketType, StallPayload, StallType
from src.schema.orders.mutations import OrderPayload, order_result
from src.schema.permissions import current_user
from src.schema.uploads import read_upload
from src.services import markets as markets_service
from src.services import orders as orders_service
from src.services import payments as payments_service


@strawberry.enum(name="PaymentGatewayChoice")
class GatewayChoice(Enum):
    NONE = "NONE"
    XENDIT = "XENDIT"


@strawberry.enum(name="PaymentSettingsDecision")
class SettingsDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.input(description="What to change; a field left out stays as it is, an empty text removes it.")
class SetMarketPaymentSettingsInput:
    market_id: relay.GlobalID
    qris_payload: str | None = strawberry.field(default=None, description="The market's static QRIS payload.")
    bank_name: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    allow_stall_settings: bool | None = strawberry.field(
        default=None, description="Whether its stalls may be paid directly (their settings, once approved)."
    )
    gateway: GatewayChoice | None = strawberry.field(default=None, description="A payment gateway, or NONE.")


@strawberry.input
class SetStallPaymentSettingsInput:
    qris_payload: str | None = None
    bank_name: str | None = None
    account_number: str | None = None
    account_name: str | None = None


@strawberry.input
class ReviewStallPaymentSettingsInput:
    stall_id: relay.GlobalID
    decision: SettingsDecision
    reason: str | None = None


@strawberry.input
class SubmitPaymentProofInput:
    order_id: relay.GlobalID
    file: Upload = strawberry.field(description="A photo of the transfer receipt (multipart).")


def _changes(input: SetStallPaymentSettingsInput | SetMarketPaymentSettingsInput) -> payments_service.SettingsChanges:
    market = input if isinstance(input, SetMarketPaymentSettingsInput) else None
    return payments_service.SettingsChanges(
        qris_payload=input.qris_payload,
        bank_name=input.bank_name,
        account_number=input.account_number,
        account_name=input.account_name,
        allow_stall_settings=market.allow_stall_settings if market else None,
        gateway=market.gateway.value if market and market.gateway else None,
    )


@strawberry.type
class PaymentsMutation:
    @payload_mutation(description="Market admin: the market's static QRIS, bank account, stall payments and gateway.")
    async def set_market_payment_settings(self, info: Info, input: SetMarketPaymentSettingsInput) -> MarketPayload:
        market = await payments_service.set_market_payment_settings(
            actor=await current_user(info),
            market_id=decode_id(input.market_id, "Market", field="marketId"),
            changes=_changes(input),
            settings=info.context.settings,
        )
        return MarketPayload(market=MarketType.from_model(market))

    @payload_mutation(description="Trader: the stall's own QRIS or account, for the market's admin to approve.")
    async def set_stall_payment_settings(self, info: Info, input: SetStallPaymentSettingsInput) -> StallPayload:
        row = await payments_service.set_stall_payment_settings(actor=await current_user(info), changes=_changes(input))
        return StallPayload(stall=StallType.from_model(await markets_service.get_stall(row.stall_id or 0)))

    @payload_mutation(description="Market admin: approve a stall's own payment settings, or reject them with a reason.")
    async def review_stall_payment_settings(self, info: Info, input: ReviewStallPaymentSettingsInput) -> StallPayload:
        row = await payments_service.review_stall_payment_settings(
            actor=await current_user(info),
            stall_id=decode_id(input.stall_id, "Stall", field="stallId"),
            approve=input.decision == SettingsDecision.APPROVE,
            reason=input.reason,
        )
        return StallPayload(stall=StallType.from_model(await markets_service.get_stall(row.stall_id or 0)))

    @payload_mutation(description="Buyer: a photo of the bank transfer; the market's admin confirms the payment.")
    async def submit_payment_proof(self, info: Info, input: SubmitPaymentProofInput) -> OrderPayload:
        actor = await current_user(info, Role.BUYER)
        data = await read_upload(info, input.file, user_id=actor.id)
        order = await orders_service.submit_payment_proof(
            actor=actor,
            order_id=decode_id(input.order_id, "Order", field="orderId"),
            data=data,
            storage=info.context.storage,
            settings=info.context.settings,
        )
        return await order_result(info, order)
