"""Delivery statuses: the assignment's transition table, which statuses are live or shown, and the contact rule.

Every status change goes through ASSIGNMENT_TRANSITIONS under the order's row lock, and an order has
at most one live assignment (a unique column), so a job that runs twice never assigns twice.
"""

from datetime import timedelta

from tortoise.timezone import now

from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.services.common import live, outbox
from src.services.common.errors import DomainError, ErrorCode
from src.services.notification_texts import StatusName
from src.settings import Settings

A = AssignmentStatus
ASSIGNMENT_TRANSITIONS: set[tuple[AssignmentStatus, AssignmentStatus]] = {
    (A.OFFERED, A.ACCEPTED),
    (A.OFFERED, A.DECLINED),
    (A.OFFERED, A.EXPIRED),
    (A.OFFERED, A.WITHDRAWN),
    (A.ACCEPTED, A.PICKED_UP),
    (A.ACCEPTED, A.DECLINED),  # handed back before pickup: passes on like a declined offer
    (A.ACCEPTED, A.WITHDRAWN),
    (A.PICKED_UP, A.DELIVERED),
    (A.PICKED_UP, A.FAILED),
    (A.PICKED_UP, A.WITHDRAWN),  # the order was cancelled on the way: the goods go back to the market
}
LIVE = {A.OFFERED, A.ACCEPTED, A.PICKED_UP}

# An order's delivery as its viewer sees it: the latest assignment a courier took (its admins also see a
# pending offer).
SHOWN = {A.ACCEPTED, A.PICKED_UP, A.DELIVERED, A.FAILED}
SHOWN_TO_ADMINS = SHOWN | {A.OFFERED}


def assignment_state_error(assignment: DeliveryAssignment) -> DomainError:
    """INVALID_STATE naming the delivery's status as people call it (not its code)."""
    return DomainError(
        ErrorCode.INVALID_STATE, message_key="ASSIGNMENT_STATE", status=StatusName("assignment", assignment.status)
    )


def move(assignment: DeliveryAssignment, target: AssignmentStatus) -> None:
    if (assignment.status, target) not in ASSIGNMENT_TRANSITIONS:
        raise assignment_state_error(assignment)
    assignment.status = target
    if target not in LIVE:
        assignment.live_order_id = None
        assignment.ended_at = now()


def courier_sees_contact(assignment: DeliveryAssignment, settings: Settings) -> bool:
    """Whether the courier of an assignment still sees the buyer's address, name and phone: while the
    delivery is live and for a grace period after it was delivered or failed (questions at the door, a
    second try), as delivery platforms do; never for an offer declined, expired or withdrawn."""
    if assignment.status in LIVE:
        return True
    if assignment.status not in (A.DELIVERED, A.FAILED):
        return False
    ended = assignment.ended_at or assignment.delivered_at
    return ended is not None and now() - ended < timedelta(hours=settings.courier_contact_grace_hours)


def touch(assignment: DeliveryAssignment) -> None:
    """Its courier's queue and its order's subscribers hear of the change after the commit."""
    outbox.touch(live.courier_channel(assignment.courier_id), live.order_channel(assignment.order_id))
