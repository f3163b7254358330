"""Relay connections built from a page of nodes fetched with one extra row (to know if more follow)."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from strawberry import relay

from src.schema.context import Info
from src.schema.errors import query_errors
from src.schema.ids import decode_id
from src.services.catalog_queries import page_size

N = TypeVar("N", bound=relay.Node)


def limit_or_error(info: Info, first: int | None) -> int:
    """The page size: default 20, at most 100; anything else is a GraphQL error naming the limit."""
    with query_errors(info):
        return page_size(first)


def build_connection(
    nodes: Sequence[N], *, has_next_page: bool, cursor: Callable[[N], str], had_cursor: bool
) -> relay.Connection[N]:
    """A connection over one page of nodes, with a cursor per edge."""
    edges = [relay.Edge(cursor=cursor(node), node=node) for node in nodes]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=has_next_page,
            has_previous_page=had_cursor,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def after_id(info: Info, after: str | None, type_name: str) -> int | None:
    """The database id behind an `after` cursor of this type (None without one); a bad cursor is a
    GraphQL error naming `after`."""
    with query_errors(info):
        return decode_id(after, type_name, field="after") if after else None


def id_page(
    rows: Sequence[Any], limit: int, node: Callable[[Any], N], type_name: str, *, had_cursor: bool
) -> relay.Connection[N]:
    """A connection over rows fetched `limit + 1` at a time, each edge's cursor its node's global id."""
    return build_connection(
        [node(row) for row in rows[:limit]],
        has_next_page=len(rows) > limit,
        cursor=lambda n: relay.to_base64(type_name, n.id),  # type: ignore[attr-defined]  # NodeID[int] types
        had_cursor=had_cursor,
    )
