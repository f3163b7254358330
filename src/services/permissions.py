"""The one place that decides whether a user may act on an object; services call `authorize`.

Rules:
- ADMINISTER: a market admin of the object's market, or the city trade office (a market admin
  with no market), who administers every market.
- MANAGE: the object's owner (a trader and their stall, and what belongs to it).
"""

from enum import Enum
from typing import Any

from src.models.accounts import Role, User
from src.models.markets import Market
from src.services.common.errors import DomainError, ErrorCode


class Action(Enum):
    ADMINISTER = "administer"
    MANAGE = "manage"


def is_trade_office(user: User | None) -> bool:
    return user is not None and user.role == Role.MARKET_ADMIN and user.market_id is None


def market_id_of(obj: Any) -> int | None:
    """The market an object belongs to (a Market is its own)."""
    if isinstance(obj, Market):
        return int(obj.id)
    return getattr(obj, "market_id", None)


def owner_id_of(obj: Any) -> int | None:
    """The user who owns an object (a trader's stall, and later its products)."""
    return getattr(obj, "trader_id", None)


def may(user: User | None, action: Action, obj: Any) -> bool:
    if user is None or not user.is_active:
        return False
    if action is Action.ADMINISTER:
        if user.role != Role.MARKET_ADMIN:
            return False
        return user.market_id is None or user.market_id == market_id_of(obj)
    if action is Action.MANAGE:
        owner = owner_id_of(obj)
        return owner is not None and owner == user.id
    return False


def may_review(user: User | None, stall: Any) -> bool:
    """A stall's own trader, and its market's admins, see it (and its products) before it is listed."""
    return may(user, Action.MANAGE, stall) or may(user, Action.ADMINISTER, stall)


def authorize(user: User | None, action: Action, obj: Any) -> None:
    """Raise UNAUTHENTICATED for nobody, PERMISSION_DENIED for the wrong somebody."""
    if user is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if not may(user, action, obj):
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def require_role(user: User | None, *roles: Role) -> User:
    """The user, if they are logged in with one of these roles."""
    if user is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if user.role not in roles:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return user
