"""The ledger in the schema: a trader's statement, payouts to traders and couriers' cash handed to the market."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from src.models.payments import LedgerEntry, LedgerKind
from src.schema.context import Info
from src.schema.delivery.types import CourierContact
from src.schema.errors import UserError, payload_mutation
from src.schema.ids import decode_id, visible_nodes
from src.schema.markets import StallType
from src.schema.orders.types import OrderType
from src.schema.permissions import current_user
from src.schema.scalars import Money, money
from src.services import payments
from src.services.common import dates

LedgerKindEnum = strawberry.enum(
    LedgerKind,
    name="LedgerKind",
    description="SALE, COMMISSION, REFUND and PAYOUT are a trader's lines; COD_COLLECTED and COD_REMITTED a courier's.",
)


@strawberry.type(description="Who recorded a payout or a remittance.")
class StaffMember:
    name: str


async def _recorder(info: Info, user_id: int | None) -> StaffMember | None:
    user = await info.context.loaders.user_by_id.load(user_id) if user_id is not None else None
    return StaffMember(name=user.name) if user is not None else None


@strawberry.type(name="Payout", description="Money the market paid to a stall's trader.")
class PayoutType(relay.Node):
    id: relay.NodeID[int]
    amount: Money = strawberry.field(description="What was paid (taken off the stall's balance).")
    reference: str
    created_at: datetime
    stall_id: strawberry.Private[int]
    recorded_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def stall(self, info: Info) -> StallType:
        return StallType.from_model(await info.context.loaders.stall_by_id.load(self.stall_id))

    @strawberry.field(description="The market admin who recorded it.")
    async def recorded_by(self, info: Info) -> StaffMember | None:
        return await _recorder(info, self.recorded_by_id)

    @classmethod
    def from_model(cls, entry: LedgerEntry) -> "PayoutType":
        return cls(
            id=entry.id, amount=money(-entry.amount), reference=entry.reference or "", created_at=entry.created_at,
            stall_id=entry.stall_id or 0, recorded_by_id=entry.recorded_by_id,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(info, node_ids, payments.visible_payout, cls.from_model)


@strawberry.type(name="CodRemittance", description="Cash on delivery a courier handed over to the market.")
class CodRemittanceType(relay.Node):
    id: relay.NodeID[int]
    amount: Money = strawberry.field(description="What was handed over (taken off what the courier holds).")
    reference: str = strawberry.field(description="The receipt's number (for a day marked remitted: the day).")
    created_at: datetime
    courier_id: strawberry.Private[int]
    recorded_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def courier(self, info: Info) -> CourierContact:
        user = await info.context.loaders.user_by_id.load(self.courier_id)
        return CourierContact(name=user.name, phone=user.phone)

    @strawberry.field(description="The market admin who received it.")
    async def recorded_by(self, info: Info) -> StaffMember | None:
        return await _recorder(info, self.recorded_by_id)

    @classmethod
    def from_model(cls, entry: LedgerEntry) -> "CodRemittanceType":
        return cls(
            id=entry.id, amount=money(-entry.amount), reference=entry.reference or "", created_at=entry.created_at,
            courier_id=entry.courier_id or 0, recorded_by_id=entry.recorded_by_id,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(info, node_ids, payments.visible_remittance, cls.from_model)


@strawberry.type(description="One line of a trader's statement: a sale, the commission on it, a refund or a payout.")
class StatementLine:
    day: date = strawberry.field(name="date", description="The day it was recorded (WIB).")
    at: datetime
    kind: LedgerKind
    amount: Money = strawberry.field(description="Signed: what it adds to (or takes off) the balance.")
    order_number: str | None = strawberry.field(description="The order it comes from (payouts: none).")
    reference: str | None = strawberry.field(description="A payout's reference, a refund's reason.")
    order_id: strawberry.Private[int | None]

    @strawberry.field(description="The order it comes from, as far as the viewer sees it (a trader: their part).")
    async def order(self, info: Info) -> OrderType | None:
        if self.order_id is None:
            return None
        found = await info.context.loaders.order_view_by_id.load(self.order_id)
        return OrderType.from_view(found) if found else None


@strawberry.type
class StatementTotal:
    kind: LedgerKind
    amount: Money


@strawberry.type(description="What the market owes a stall's trader over a period of WIB days, line by line.")
class TraderStatement:
    stall: StallType
    date_from: date = strawberry.field(name="from")
    date_to: date = strawberry.field(name="to")
    opening: Money = strawberry.field(description="The balance before the period.")
    lines: list[StatementLine]
    totals: list[StatementTotal] = strawberry.field(description="Each kind summed over the period.")
    balance: Money = strawberry.field(description="At the period's end: opening plus the lines.")

    @classmethod
    def from_statement(cls, statement: payments.Statement) -> "TraderStatement":
        lines = [
            StatementLine(
                day=dates.local_day(e.created_at), at=e.created_at, kind=e.kind, amount=money(e.amount),
                order_number=e.order_number, reference=e.reference, order_id=e.order_id,
            )
            for e in statement.lines
        ]  # fmt: skip
        return cls(
            stall=StallType.from_model(statement.stall),
            date_from=statement.date_from,
            date_to=statement.date_to,
            opening=money(statement.opening),
            lines=lines,
            totals=[StatementTotal(kind=k, amount=money(v)) for k, v in statement.totals.items()],
            balance=money(statement.balance),
        )


@strawberry.input
class RecordPayoutInput:
    stall_id: relay.GlobalID
    amount: int = strawberry.field(description="Rupiah paid; at most the stall's balance.")
    reference: str = strawberry.field(description="The transfer's reference: the same one again is the same payout.")


@strawberry.input
class RecordCodRemittanceInput:
    courier_id: relay.GlobalID = strawberry.field(description="The courier's User id.")
    amount: int = strawberry.field(description="Rupiah handed over; at most what the courier holds.")
    reference: str = strawberry.field(description="The receipt's number: the same one again is the same remittance.")


@strawberry.type
class RecordPayoutPayload:
    payout: PayoutType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordCodRemittancePayload:
    remittance: CodRemittanceType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LedgerMutation:
    @payload_mutation(description="Market admin: money paid to a stall's trader (at most what the market owes them).")
    async def record_payout(self, info: Info, input: RecordPayoutInput) -> RecordPayoutPayload:
        entry = await payments.record_payout(
            actor=await current_user(info),
            stall_id=decode_id(input.stall_id, "Stall", field="stallId"),
            amount=input.amount,
            reference=input.reference,
        )
        return RecordPayoutPayload(payout=PayoutType.from_model(entry))

    @payload_mutation(description="Market admin: cash on delivery a courier of the market handed over.")
    async def record_cod_remittance(self, info: Info, input: RecordCodRemittanceInput) -> RecordCodRemittancePayload:
        entry = await payments.record_cod_remittance(
            actor=await current_user(info),
            courier_id=decode_id(input.courier_id, "User", field="courierId"),
            amount=input.amount,
            reference=input.reference,
        )
        return RecordCodRemittancePayload(remittance=CodRemittanceType.from_model(entry))
