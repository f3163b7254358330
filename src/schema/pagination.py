"""Relay connections built from a page of nodes fetched with one extra row (to know if more follow)."""

from collections.abc import Callable, Sequence
from typing import TypeVar

from strawberry import relay

from src.schema.context import Info
from src.schema.errors import graphql_error
from src.services.catalog_queries import page_size
from src.services.errors import DomainError

N = TypeVar("N", bound=relay.Node)


def limit_or_error(info: Info, first: int | None) -> int:
    """The page size: default 20, at most 100; anything else is a GraphQL error naming the limit."""
    try:
        return page_size(first)
    except DomainError as exc:
        raise graphql_error(exc, info.context.language) from exc


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
