"""Reading deliveries: who sees an assignment, its order as they may see it, the proof photo's signed link."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from src.models.accounts import Role, User
from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.services.assignments.states import courier_sees_contact
from src.services.delivery.routes import QueueEntry, entry_for
from src.services.orders.reading import OrderView, Viewpoint
from src.services.permissions import Action, may
from src.settings import Settings
from src.storage import Storage

if TYPE_CHECKING:
    from src.models.orders import Order


async def visible_assignment(actor: User | None, assignment_id: int) -> DeliveryAssignment | None:
    """An assignment for its courier and its market's admins; None for anyone else."""
    assignment = await DeliveryAssignment.get_or_none(id=assignment_id)
    if assignment is None or actor is None:
        return None
    if assignment.courier_id == actor.id or may(actor, Action.ADMINISTER, assignment):
        return assignment
    return None


def order_view(viewer: User | None, entry: QueueEntry, settings: Settings) -> OrderView:
    """An assignment's order as the one reading the assignment sees it (its courier, the market's admins,
    the buyer through their order's delivery): of couriers, only its own sees the buyer's contact, and
    only within the grace period."""
    parts, view = [p.part for p in entry.pickups], Viewpoint
    if viewer is not None and viewer.id == entry.order.buyer_id:
        return OrderView(entry.order, parts, True, view.BUYER, True)
    if viewer is not None and viewer.role == Role.COURIER:
        seen = viewer.id == entry.assignment.courier_id and courier_sees_contact(entry.assignment, settings)
        return OrderView(entry.order, parts, True, view.COURIER, seen)
    if viewer is not None and may(viewer, Action.ADMINISTER, entry.order):
        return OrderView(entry.order, parts, True, view.ADMIN, True)
    return OrderView(entry.order, [], False, view.TRADER, False)  # nobody else gets here


def shows_delivery(viewer: User | None, viewpoint: Viewpoint, assignment: DeliveryAssignment) -> bool:
    """An order's delivery as its viewer sees it: a courier who once had the order sees their own delivery,
    not who carries it now; the others (buyer, admins) see it."""
    return viewpoint != Viewpoint.COURIER or (viewer is not None and assignment.courier_id == viewer.id)


def proof_url_seen(viewer: User | None, entry: QueueEntry, storage: Storage, settings: Settings) -> str | None:
    """The handover photo's signed link, for who sees the buyer's address (its courier, while they may)."""
    return proof_url(entry.assignment, storage) if order_view(viewer, entry, settings).contact else None


def offer_expiry(assignment: DeliveryAssignment) -> datetime | None:
    """When an offer lapses: only while it is an offer."""
    return assignment.expires_at if assignment.status == AssignmentStatus.OFFERED else None


def sees_offers(viewer: User | None, order: Order) -> bool:
    return viewer is not None and may(viewer, Action.ADMINISTER, order)


def proof_url(assignment: DeliveryAssignment, storage: Storage) -> str | None:
    """A signed link valid for 15 minutes (the photo is private): asked again, it is signed again."""
    return storage.private_url(assignment.proof_photo_key, expires_in=900) if assignment.proof_photo_key else None


async def current_entry(*, assignment_id: int) -> QueueEntry:
    """An assignment as it is now (read again after a change), with its order and pickups."""
    return await entry_for(await DeliveryAssignment.get(id=assignment_id))
