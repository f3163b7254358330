"""Complaints: the buyer's `openComplaint`, the market admin's `resolveComplaint` and `complaints` list; an
order shows its own (`Order.complaints`)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from src.models.accounts import Role
from src.models.complaints import Complaint, ComplaintResolution, ComplaintStatus
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation, query_errors
from src.schema.ids import decode_id, visible_nodes
from src.schema.orders.types import OrderType, StallOrderType
from src.schema.pagination import after_id, id_page, limit_or_error
from src.schema.permissions import current_user
from src.schema.scalars import Money, money
from src.schema.uploads import read_upload
from src.services import complaints as complaints_service

ComplaintStatusEnum = strawberry.enum(ComplaintStatus, name="ComplaintStatus")
ComplaintResolutionEnum = strawberry.enum(ComplaintResolution, name="ComplaintResolution")


@strawberry.type(name="Complaint", description="A buyer's complaint about a delivered order or one stall's part.")
class ComplaintType(relay.Node):
    id: relay.NodeID[int]
    status: ComplaintStatus
    reason: str
    resolution: ComplaintResolution | None
    note: str | None = strawberry.field(description="The market admin's words when resolving it.")
    amount: Money | None = strawberry.field(description="What a REFUND resolution gave back.")
    created_at: datetime
    resolved_at: datetime | None
    model: strawberry.Private[Complaint]

    @strawberry.field(description="The buyer's photo: a signed link, valid for 15 minutes.")
    def photo_url(self, info: Info) -> str | None:
        return complaints_service.photo_url(self.model, info.context.storage)

    @strawberry.field(description="The order, as the viewer may see it.")
    async def order(self, info: Info) -> OrderType | None:
        found = await info.context.loaders.order_view_by_id.load(self.model.order_id)
        return OrderType.from_view(found) if found else None

    @strawberry.field(description="The stall's part it is about (null: the whole order).")
    async def stall_order(self, info: Info) -> StallOrderType | None:
        if self.model.stall_order_id is None:
            return None
        part = await info.context.loaders.part_by_id.load(self.model.stall_order_id)
        return StallOrderType.from_model(part) if part is not None else None

    @classmethod
    def from_model(cls, complaint: Complaint) -> "ComplaintType":
        return cls(
            id=complaint.id,
            status=complaint.status,
            reason=complaint.reason,
            resolution=complaint.resolution,
            note=complaint.note,
            amount=money(complaint.amount) if complaint.amount is not None else None,
            created_at=complaint.created_at,
            resolved_at=complaint.resolved_at,
            model=complaint,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(info, node_ids, complaints_service.visible_complaint, cls.from_model)


@strawberry.input
class OpenComplaintInput:
    order_id: relay.GlobalID
    stall_order_id: relay.GlobalID | None = strawberry.field(default=None, description="One stall's part, or none.")
    reason: str
    photo: Upload | None = strawberry.field(default=None, description="A photo of what went wrong (multipart).")


@strawberry.input
class ResolveComplaintInput:
    complaint_id: relay.GlobalID
    resolution: ComplaintResolution
    amount: int | None = strawberry.field(
        default=None, description="REFUND: rupiah to give back (at most what was paid for it; omitted: all of that)."
    )
    note: str


@strawberry.type
class ComplaintPayload:
    complaint: ComplaintType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ComplaintsMutation:
    @payload_mutation(description="Buyer: complain about a delivered order (or one part), within the window.")
    async def open_complaint(self, info: Info, input: OpenComplaintInput) -> ComplaintPayload:
        actor = await current_user(info, Role.BUYER)
        photo = None if input.photo is None else await read_upload(info, input.photo, user_id=actor.id)
        complaint = await complaints_service.open_complaint(
            actor=actor,
            order_id=decode_id(input.order_id, "Order", field="orderId"),
            stall_order_id=decode_id(input.stall_order_id, "StallOrder", field="stallOrderId")
            if input.stall_order_id is not None
            else None,
            reason=input.reason,
            photo=photo,
            storage=info.context.storage,
            settings=info.context.settings,
        )
        return ComplaintPayload(complaint=ComplaintType.from_model(complaint))

    @payload_mutation(
        description="Market admin: resolve a complaint with a refund (charged to the part's trader) or not."
    )
    async def resolve_complaint(self, info: Info, input: ResolveComplaintInput) -> ComplaintPayload:
        complaint = await complaints_service.resolve_complaint(
            actor=await current_user(info),
            complaint_id=decode_id(input.complaint_id, "Complaint", field="complaintId"),
            resolution=input.resolution,
            amount=input.amount,
            note=input.note,
        )
        return ComplaintPayload(complaint=ComplaintType.from_model(complaint))


@strawberry.type
class ComplaintsQuery:
    @strawberry.field(
        description="Market admin: a market's complaints, newest first (their own market; the trade office any, "
        "or all when `marketId` is omitted)."
    )
    async def complaints(
        self,
        info: Info,
        market_id: relay.GlobalID | None = None,
        status: ComplaintStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[ComplaintType]:
        limit = limit_or_error(info, first)
        with query_errors(info):
            rows = await complaints_service.complaints_for_market(
                actor=await current_user(info),
                market_id=decode_id(market_id, "Market", field="marketId") if market_id is not None else None,
                status=status,
                after_id=after_id(info, after, "Complaint"),
                limit=limit + 1,
            )
        return id_page(rows, limit, ComplaintType.from_model, "Complaint", had_cursor=bool(after))
