"""The one hand-over after a request: the outbox events it wrote go to arq and the live channels it touched
hear of it, once its work is committed (every service commits before it returns)."""

import logging
from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from src.services import notifications as notifications_service
from src.services.common import outbox

log = logging.getLogger(__name__)


class HandOverWritten(SchemaExtension):
    """After a mutation's execution (queries and subscriptions write nothing). A mutation refused with
    a DomainError has forgotten what it noted (`payload_mutation`), so it hands over nothing."""

    async def on_execute(self) -> AsyncIterator[None]:
        since = outbox.mark()  # what was noted before belongs to someone else (a test's direct call)
        yield
        queue = getattr(self.execution_context.context, "queue", None)
        if queue is None or self.execution_context.operation_type is not OperationType.MUTATION:
            return
        try:
            await notifications_service.hand_over_written(queue, since=since)
        except Exception:  # committed already: the relay's sweep hands the events over instead
            log.exception("hand-over after the request failed; the relay will pick the events up")
