"""Relay global IDs: decoding what clients send back into database ids."""

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from strawberry import relay

from src.services.common.errors import DomainError, ErrorCode

T = TypeVar("T")

# Primary keys are 32-bit integers: anything outside cannot exist (and must not reach the database).
MAX_DB_ID = 2**31 - 1


def db_id(value: object) -> int:
    """A value usable as a primary key, or 0 (which no row has)."""
    try:
        number = int(str(value))
    except ValueError:
        return 0
    return number if 1 <= number <= MAX_DB_ID else 0


def db_ids(node_ids: Iterable[str]) -> list[int]:
    """Node ids from global IDs as primary keys (0 for an impossible one, which matches nothing)."""
    return [db_id(node_id) for node_id in node_ids]


def decode_id(value: relay.GlobalID | str, type_name: str, *, field: str = "id") -> int:
    """The database id inside a global ID of the given type, or a DomainError naming the field."""
    try:
        gid = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
    except (ValueError, TypeError) as exc:
        raise DomainError(ErrorCode.NOT_FOUND, field=field) from exc
    node_id = db_id(gid.node_id)
    if gid.type_name != type_name or not node_id:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return node_id


async def visible_nodes(
    info: Any,
    node_ids: Iterable[str],
    find: Callable[[Any, int], Awaitable[T | None]],
    build: Callable[[T], Awaitable[Any] | Any],
) -> list[Any]:
    """`resolve_nodes` for types whose service says who may see what: `find(viewer, id)` gives the object
    or None (missing, or not theirs to see), `build` makes the GraphQL object of it."""
    viewer = await info.context.get_user()
    result: list[Any] = []
    for key in db_ids(node_ids):
        found = await find(viewer, key)
        if found is None:
            result.append(None)
            continue
        built = build(found)
        result.append(await built if inspect.isawaitable(built) else built)
    return result
