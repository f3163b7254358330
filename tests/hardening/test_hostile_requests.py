"""Hostile and malformed requests: each refused clearly, none answered with a 500 or a changed database."""

from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64

from src.app import create_app
from src.models.accounts import RefreshToken, Role, User
from src.settings import Settings
from tests.factories import make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient

INJECTIONS = ["Robert'); DROP TABLE user_account;--", "<script>alert('x')</script>", "' OR 1=1 --", "${7*7}{{7*7}}"]


def _deep_query(depth: int) -> str:
    inner = "name"
    for _ in range(depth):
        inner = f"stalls {{ edges {{ node {{ market {{ {inner} }} }} }} }}"
    return f'{{ market(id: "{to_base64("Market", 1)}") {{ {inner} }} }}'


async def _post(http: httpx.AsyncClient, **kwargs: Any) -> httpx.Response:
    return await http.post("/graphql", **kwargs)


async def test_deep_nesting_is_refused(http: httpx.AsyncClient) -> None:
    body = (await _post(http, json={"query": _deep_query(8)})).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_a_thousand_aliases_are_refused(http: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"
    body = (await _post(http, json={"query": query})).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_a_one_megabyte_query_is_refused_before_it_is_read(http: httpx.AsyncClient) -> None:
    query = "{ __typename " + " " * (1024 * 1024) + "}"
    response = await _post(http, json={"query": query})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_many_tokens_are_refused(http: httpx.AsyncClient) -> None:
    query = "{ " + " ".join("__typename" for _ in range(6000)) + " }"
    body = (await _post(http, json={"query": query})).json()
    assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


async def test_batched_operations_are_refused(http: httpx.AsyncClient) -> None:
    response = await _post(http, json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400
    assert "batch" in response.text.lower()


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"query": "{ __typename }"', "application/json"),
        (b"{ __typename }", "text/plain"),
        (b"q=1", "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_bodies_and_wrong_content_types_are_400(
    http: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await _post(http, content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400
    [error] = response.json()["errors"]  # a GraphQL error body, coded and in the caller's language
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["message"].startswith("Permintaan tidak dapat dibaca")
    english = await _post(http, content=content, headers={"Content-Type": content_type, "Accept-Language": "en"})
    assert english.json()["errors"][0]["message"].startswith("The request could not be read")


async def test_a_subscription_over_http_is_refused_with_a_code(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Over HTTP Strawberry ran a subscription as a query: "Cannot return null for non-nullable field",
    # uncoded, logged as an unexpected ERROR. It belongs on the websocket.
    document = {"query": "subscription { deliveryQueueUpdated { id } }"}
    for language, word in (("id", "WebSocket"), ("en", "WebSocket")):
        response = await _post(http, json=document, headers={"Accept-Language": language})
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "INVALID_INPUT"
        assert word in error["message"]
    assert "Langganan" in (await _post(http, json=document)).json()["errors"][0]["message"]
    get = await http.get("/graphql", params={"query": "subscription { deliveryQueueUpdated { id } }"})
    assert get.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    mutation_by_get = await http.get("/graphql", params={"query": "mutation { clearCart { errors { code } } }"})
    assert mutation_by_get.status_code in (400, 405)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_security_headers_on_every_answer(http: httpx.AsyncClient) -> None:
    for response in (await http.get("/healthz"), await _post(http, json={"query": "{ __typename }"})):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_cors_allows_only_the_listed_origins(clean_db: None, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://pasar.example.id"]}), manage_orm=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
            allowed = await http.options("/graphql", headers={"Origin": "https://pasar.example.id", **preflight})
            assert allowed.headers["access-control-allow-origin"] == "https://pasar.example.id"
            other = await http.options("/graphql", headers={"Origin": "https://evil.example", **preflight})
            assert "access-control-allow-origin" not in other.headers


async def test_sql_and_script_fragments_are_kept_as_text(gql: GraphQLClient, settings: Settings) -> None:
    register = """mutation($phone: String!, $name: String!, $email: String) {
      register(input: {phone: $phone, password: "kopi-tubruk-malang", name: $name, email: $email, role: TRADER}) {
        user { name } errors { field code } } }"""
    for index, fragment in enumerate(INJECTIONS):
        payload = await gql(register, {"phone": f"0812-7000-{index:04d}", "name": fragment, "email": fragment})
        assert payload["register"]["errors"] == [{"field": "input.email", "code": "INVALID_INPUT"}]
        fine = await gql(register, {"phone": f"0812-7000-{index:04d}", "name": fragment, "email": None})
        assert fine["register"]["user"]["name"] == " ".join(fragment.split())
    assert await User.filter(role=Role.TRADER).count() == len(INJECTIONS)

    trader = await make_user(Role.TRADER)
    await make_stall(trader=trader)
    gql.token = token_for(trader, settings)
    for fragment in INJECTIONS:
        found = await gql("query($s: String) { products(filter: {search: $s}) { edges { cursor } } }", {"s": fragment})
        assert found["products"]["edges"] == []
        markets = await gql("query($s: String) { markets(search: $s) { edges { cursor } } }", {"s": fragment})
        assert markets["markets"]["edges"] == []


async def test_registrations_from_one_address_are_rate_limited(gql: GraphQLClient, settings: Settings) -> None:
    register = """mutation($phone: String!) { register(input: {phone: $phone, password: "kopi-tubruk-malang",
      name: "Bot"}) { user { id } errors { code message } } }"""
    codes = []
    for index in range(settings.rate_registrations_per_hour + 1):
        payload = (await gql(register, {"phone": f"0813-8000-{index:04d}"}))["register"]
        codes.append(payload["errors"][0]["code"] if payload["errors"] else "OK")
    assert codes[:-1] == ["OK"] * settings.rate_registrations_per_hour
    assert codes[-1] == "TOO_MANY_ATTEMPTS"
    assert await User.all().count() == settings.rate_registrations_per_hour


async def test_logins_from_one_address_are_rate_limited(clean_db: None, settings: Settings) -> None:
    """Per address, right or wrong password alike (the failure throttle of each phone is another guard)."""
    user = await make_user(phone="+6281390000001")
    login = """mutation { login(input: {phone: "0813-9000-0001", password: "kopi-tubruk-malang"}) {
      accessToken errors { code } } }"""
    app = create_app(settings.model_copy(update={"rate_logins_per_minute": 3}), manage_orm=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            answers = [(await http.post("/graphql", json={"query": login})).json()["data"]["login"] for _ in range(4)]
    assert [a["errors"] for a in answers[:3]] == [[], [], []] and all(a["accessToken"] for a in answers[:3])
    assert answers[3] == {"accessToken": None, "errors": [{"code": "TOO_MANY_ATTEMPTS"}]}
    assert await RefreshToken.filter(user_id=user.id).count() == 3  # the refused attempt made no session


async def test_production_hides_field_suggestions(orm: None, settings: Settings) -> None:
    from src.schema import build_schema

    typo = "{ prodcts { edges { cursor } } }"
    dev = await build_schema(settings).execute(typo)
    production = await build_schema(settings.model_copy(update={"environment": "production"})).execute(typo)
    assert dev.errors and "Did you mean" in dev.errors[0].message
    assert production.errors and "Did you mean" not in production.errors[0].message
    assert "prodcts" in production.errors[0].message  # still says what is wrong


async def test_unexpected_errors_are_masked_with_an_id_that_the_log_keeps(caplog: pytest.LogCaptureFixture) -> None:
    import strawberry

    from src.schema import MaskWithErrorId, _should_mask

    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self) -> str:
            raise ValueError("database password is hunter2")

    schema = strawberry.Schema(query=Query, extensions=[lambda: MaskWithErrorId(should_mask_error=_should_mask)])
    result = await schema.execute("{ broken }")
    assert result.errors is not None
    error = result.errors[0]
    assert error.message == "Unexpected error." and "hunter2" not in str(error.extensions)
    assert error.extensions is not None and error.extensions["code"] == "INTERNAL_ERROR"
    assert error.extensions["errorId"] in caplog.text and "hunter2" in caplog.text
