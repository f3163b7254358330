"""Refunds in the schema: a refund as its order's viewers see it, a market's refunds, a manual refund paid."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from src.models.payments import Refund, RefundMethod, RefundReason, RefundStatus
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation, query_errors
from src.schema.ids import decode_id, visible_nodes
from src.schema.orders.types import OrderType
from src.schema.pagination import after_id, id_page, limit_or_error
from src.schema.permissions import current_user
from src.schema.scalars import Money, money
from src.services import orders as orders_service
from src.services import payments

RefundReasonEnum = strawberry.enum(RefundReason, name="RefundReason")
RefundStatusEnum = strawberry.enum(RefundStatus, name="RefundStatus")
RefundMethodEnum = strawberry.enum(
    RefundMethod, name="RefundMethod", description="MANUAL: the market admin pays it back; GATEWAY: the gateway does."
)


@strawberry.type(name="Refund", description="Money given back to the buyer: they paid more than they owe.")
class RefundType(relay.Node):
    id: relay.NodeID[int]
    amount: Money
    reason: RefundReason
    status: RefundStatus
    method: RefundMethod
    reference: str | None = strawberry.field(description="The transfer's reference, once paid back by hand.")
    created_at: datetime
    paid_at: datetime | None
    order_id: strawberry.Private[int]

    @strawberry.field(description="The order it gives money back for, as far as the viewer sees it.")
    async def order(self, info: Info) -> OrderType | None:
        found = await info.context.loaders.order_view_by_id.load(self.order_id)
        return OrderType.from_view(found) if found else None

    @classmethod
    def from_model(cls, refund: Refund) -> "RefundType":
        return cls(
            id=refund.id, amount=money(refund.amount), reason=refund.reason, status=refund.status,
            method=refund.method, reference=refund.reference, created_at=refund.created_at, paid_at=refund.paid_at,
            order_id=refund.order_id,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(info, node_ids, orders_service.visible_refund, cls.from_model)


@strawberry.input
class MarkRefundPaidInput:
    refund_id: relay.GlobalID
    reference: str = strawberry.field(description="The transfer's reference (at most 100 characters).")


@strawberry.type
class MarkRefundPaidPayload:
    refund: RefundType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RefundsQuery:
    @strawberry.field(description="Market admin (their market) and trade office: a market's refunds, newest first.")
    async def refunds(
        self,
        info: Info,
        market_id: relay.GlobalID,
        status: RefundStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[RefundType]:
        limit = limit_or_error(info, first)
        with query_errors(info):
            rows = await payments.market_refunds(
                actor=await info.context.get_user(),
                market_id=decode_id(market_id, "Market", field="marketId"),
                status=status,
                after_id=after_id(info, after, "Refund"),
                limit=limit + 1,
            )
        return id_page(rows, limit, RefundType.from_model, "Refund", had_cursor=bool(after))


@strawberry.type
class RefundsMutation:
    @payload_mutation(description="Market admin: a MANUAL refund sent back to the buyer, with its reference.")
    async def mark_refund_paid(self, info: Info, input: MarkRefundPaidInput) -> MarkRefundPaidPayload:
        refund = await payments.mark_refund_paid(
            actor=await current_user(info),
            refund_id=decode_id(input.refund_id, "Refund", field="refundId"),
            reference=input.reference,
        )
        return MarkRefundPaidPayload(refund=RefundType.from_model(refund))
