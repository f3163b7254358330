"""Documents over the limits and the top-level error codes: each refusal carries `extensions.code` and a
message in the caller's language; query errors name the argument (`first`), not `input.first`."""

from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64

from src.models.accounts import Role
from src.services.common.i18n import translate
from src.settings import Settings
from tests.factories import make_market, make_user, token_for
from tests.support.graphql import GraphQLClient


def _deep(depth: int) -> str:
    inner = "name"
    for _ in range(depth):
        inner = f"stalls {{ edges {{ node {{ market {{ {inner} }} }} }} }}"
    return f'{{ market(id: "{to_base64("Market", 1)}") {{ {inner} }} }}'


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def _tokens(count: int) -> str:
    return "{ " + " ".join("__typename" for _ in range(count)) + " }"


def _unknown_fields(count: int) -> str:
    return "{ " + " ".join(f"nope{i}" for i in range(count)) + " }"


async def _errors(http: httpx.AsyncClient, query: str, language: str | None) -> list[dict[str, Any]]:
    headers = {"Accept-Language": language} if language else {}
    response = await http.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None and body["errors"], body
    return list(body["errors"])


@pytest.mark.parametrize("language", [None, "en", "id"])
async def test_limits_answer_with_a_code_in_the_callers_language(
    http: httpx.AsyncClient, settings: Settings, language: str | None
) -> None:
    lang = language or "id"  # Indonesian unless the client asks for English
    aliases, tokens = settings.graphql_max_aliases, settings.graphql_max_tokens
    for query, code, limit in (
        (_deep(8), "QUERY_TOO_DEEP", settings.graphql_max_depth),
        (_aliases(aliases + 10), "TOO_MANY_ALIASES", aliases),
        (_tokens(tokens + 1000), "QUERY_TOO_LARGE", tokens),
    ):
        errors = await _errors(http, query, language)
        assert [(e["extensions"]["code"], e["message"]) for e in errors] == [(code, translate(code, lang, max=limit))]
        assert str(limit) in errors[0]["message"]


async def test_a_document_with_too_many_errors_ends_with_a_coded_refusal(http: httpx.AsyncClient) -> None:
    errors = await _errors(http, _unknown_fields(150), "en")
    assert errors[-1]["extensions"] == {"code": "QUERY_TOO_LARGE"}
    assert errors[-1]["message"] == translate("TOO_MANY_VALIDATION_ERRORS", "en")
    assert len(errors) <= 101  # graphql-core stops at 100 errors


async def test_a_cached_refusal_is_answered_in_each_callers_language(http: httpx.AsyncClient) -> None:
    """Validation results are cached per document: the coded copy must not leak one caller's language."""
    query = _aliases(100)
    english = await _errors(http, query, "en")
    indonesian = await _errors(http, query, "id")
    english_again = await _errors(http, query, "en")
    assert english[0]["message"] == english_again[0]["message"] != indonesian[0]["message"]
    assert {e["extensions"]["code"] for e in english + indonesian} == {"TOO_MANY_ALIASES"}


PAGE = "query($first: Int, $after: String) { markets(first: $first, after: $after) { edges { cursor } } }"
COURIERS = "query($m: ID!) { couriers(marketId: $m) { available } }"
REPORT = """query($m: ID, $from: Date!, $to: Date!) { marketReport(marketId: $m, from: $from, to: $to) { orders } }"""


async def test_query_errors_name_the_argument_not_input(gql: GraphQLClient, settings: Settings) -> None:
    too_many = await gql.errors(PAGE, {"first": 1000})
    assert too_many[0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}
    wrong_cursor = await gql.errors(PAGE, {"after": to_base64("Product", 1)})
    assert wrong_cursor[0]["extensions"] == {"code": "NOT_FOUND", "field": "after"}
    gql.token = token_for(await make_user(Role.MARKET_ADMIN, market=None), settings)
    backwards = await gql.errors(REPORT, {"m": None, "from": "2026-11-20", "to": "2026-11-10"})
    assert backwards[0]["extensions"] == {"code": "INVALID_INPUT", "field": "to"}


async def test_the_contracts_top_level_codes_appear_where_they_occur(
    http: httpx.AsyncClient, gql: GraphQLClient, settings: Settings
) -> None:
    """API.md, "Additions": top-level errors carry extensions.code. SERVICE_UNAVAILABLE is provoked by a real
    outage in tests/hardening/test_faults.py, INTERNAL_ERROR in test_hostile_requests.py."""
    market = await make_market()
    buyer = token_for(await make_user(Role.BUYER), settings)
    seen = {
        "UNAUTHENTICATED": await gql.errors("{ me { id } }"),
        "PERMISSION_DENIED": await gql.errors(COURIERS, {"m": to_base64("Market", market.id)}, token=buyer),
        "NOT_FOUND": await gql.errors(PAGE, {"after": to_base64("Stall", 1)}),
        "INVALID_INPUT": await gql.errors('{ markets(search: "a\\u0000b") { edges { cursor } } }'),
        "QUERY_TOO_DEEP": await _errors(http, _deep(8), None),
        "TOO_MANY_ALIASES": await _errors(http, _aliases(100), None),
        "QUERY_TOO_LARGE": await _errors(http, _tokens(9000), None),
    }
    for code, errors in seen.items():
        assert errors[0]["extensions"]["code"] == code, (code, errors)
        if code in {"UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND"}:
            assert errors[0]["message"] == translate(code, "id"), errors
