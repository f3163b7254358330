"""Live subscriptions: an order as it changes, and a courier's queue, their subscriber checked again on each change."""

from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from typing import NoReturn

import strawberry
from graphql import GraphQLError
from strawberry import relay

from src.models.accounts import User
from src.schema.context import CLOSE_FORBIDDEN, Info, SubscriberRefused
from src.schema.delivery.types import DeliveryAssignmentType
from src.schema.errors import query_errors
from src.schema.ids import decode_id
from src.schema.orders.types import OrderType
from src.services import delivery as delivery_service
from src.services import orders as orders_service
from src.services import tokens
from src.services.common import live
from src.services.common.errors import DomainError, ErrorCode


def _hub(info: Info) -> live.LiveHub:
    if info.context.live is None:
        raise GraphQLError("Live updates are not available here.")
    return info.context.live


async def _close(info: Info, code: int) -> NoReturn:
    """End the subscription's socket with a close code (over HTTP, the stream with an error)."""
    with query_errors(info):
        try:
            await info.context.close_socket(code)
        except SubscriberRefused as exc:
            raise DomainError(exc.code) from exc


async def _checked_updates(info: Info, viewer: User, channel: str) -> AsyncIterator[tuple[User, bool]]:
    """After a subscription's first result: its user, checked again as every HTTP request's is, on each
    change signalled on `channel` or on the user's own channel (True), and, so that a silent socket ends too,
    as the token expires and at least every SUBSCRIPTION_RECHECK_SECONDS (False). A refused user's socket
    is closed (4401, 4403)."""
    context = info.context
    try:
        refused_from = tokens.access_token_refused_from(context.bearer_token() or "", context.settings)
    except DomainError:
        refused_from = datetime.now(UTC)  # expired since it was checked: checked again (and closed) at once
    every = context.settings.subscription_recheck_seconds

    def idle() -> float:
        return max(0.0, min(every, (refused_from - datetime.now(UTC)).total_seconds() + 0.05))

    async for changed in _hub(info).listen(channel, live.user_channel(viewer.id), idle=idle):
        with query_errors(info):
            try:
                viewer = await context.recheck_subscriber()
            except SubscriberRefused as exc:
                raise DomainError(exc.code) from exc
        context.fresh_loaders()
        yield viewer, changed


@strawberry.type
class DeliverySubscription:
    @strawberry.subscription(description="An order each time it changes (first as it is now), for whoever may see it.")
    async def order_updated(self, info: Info, order_id: relay.GlobalID) -> AsyncGenerator[OrderType, None]:
        viewer = await info.context.get_user()
        with query_errors(info):
            if viewer is None:
                raise DomainError(info.context.auth_error or ErrorCode.UNAUTHENTICATED)
            key = decode_id(order_id, "Order", field="orderId")
            found = await orders_service.get_order(actor=viewer, order_id=key, settings=info.context.settings)
            if found is None:
                raise DomainError(ErrorCode.NOT_FOUND)
        yield OrderType.from_model(*found)
        async for checked, changed in _checked_updates(info, viewer, live.order_channel(key)):
            found = await orders_service.get_order(actor=checked, order_id=key, settings=info.context.settings)
            if found is None:  # no longer theirs to see (a courier's offer passed on): nothing more is sent
                await _close(info, CLOSE_FORBIDDEN)
            if changed:
                yield OrderType.from_model(*found)

    @strawberry.subscription(description="Courier: their queue each time it changes (first as it is now).")
    async def delivery_queue_updated(self, info: Info) -> AsyncGenerator[list[DeliveryAssignmentType], None]:
        viewer = await info.context.get_user()
        with query_errors(info):
            entries = await delivery_service.delivery_queue(actor=viewer)
        assert viewer is not None
        yield [DeliveryAssignmentType.from_entry(e, info) for e in entries]
        async for checked, changed in _checked_updates(info, viewer, live.courier_channel(viewer.id)):
            try:
                entries = await delivery_service.delivery_queue(actor=checked)
            except DomainError:
                await _close(info, CLOSE_FORBIDDEN)
            if changed:
                yield [DeliveryAssignmentType.from_entry(e, info) for e in entries]
