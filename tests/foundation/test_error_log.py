"""The log keeps ERROR, with its traceback, for the unexpected: expected refusals are one INFO line each."""

import logging

import pytest
import strawberry
from strawberry.relay import to_base64

from src.models.accounts import Role
from src.schema import PasarSchema
from src.settings import Settings
from tests.factories import make_market, make_user, token_for
from tests.support.graphql import GraphQLClient

COURIERS = "query($m: ID!) { couriers(marketId: $m) { available } }"
EXPECTED_FAILURES = [
    ("{ me { id } }", {}, "UNAUTHENTICATED"),
    ("query($first: Int) { markets(first: $first) { edges { cursor } } }", {"first": 1000}, "INVALID_INPUT"),
    ('{ product(id: "") { name } }', {}, "INVALID_INPUT"),
    ("{ markets { edges { nope } } }", {}, "GRAPHQL_VALIDATION"),
    ("{ markets { ", {}, "GRAPHQL_VALIDATION"),
    ("{ " + " ".join(f"a{i}: __typename" for i in range(100)) + " }", {}, "TOO_MANY_ALIASES"),
]


async def test_expected_failures_log_no_error_and_no_traceback(
    gql: GraphQLClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    market = await make_market()
    buyer = token_for(await make_user(Role.BUYER), settings)
    caplog.set_level(logging.INFO)
    for query, variables, _ in EXPECTED_FAILURES:
        await gql.errors(query, variables)
    denied = await gql.errors(COURIERS, {"m": to_base64("Market", market.id)}, token=buyer)
    assert denied[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not [r for r in caplog.records if r.exc_info]
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused ")]
    for *_, code in [*EXPECTED_FAILURES, ("", {}, "PERMISSION_DENIED")]:
        assert any(f"refused {code} " in line for line in refused), (code, refused)


async def test_an_unexpected_error_is_logged_as_error_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self, search: str) -> str:
            raise ZeroDivisionError("a bug")

    result = await PasarSchema(query=Query).execute('{ broken(search: "cabai") }')
    assert result.errors
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert errors[0].exc_info[0] is ZeroDivisionError
