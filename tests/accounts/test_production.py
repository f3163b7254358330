"""In production, error masking must not hide the codes clients act on."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from src.app import create_app
from src.settings import Settings
from tests.accounts.documents import LOGIN, ME
from tests.factories import make_user, next_phone
from tests.support.graphql import GraphQLClient


@pytest.fixture
async def production(clean_db: None, settings: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(settings.model_copy(update={"environment": "production"}), manage_orm=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)


async def test_me_names_an_expired_token_in_production(production: GraphQLClient, settings: Settings) -> None:
    user = await make_user()
    past = datetime.now(UTC) - timedelta(hours=1)
    claims = {"sub": str(user.id), "typ": "access", "iat": past - timedelta(minutes=15), "exp": past}
    expired = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS256")

    errors = await production.errors(ME, token=expired)
    anonymous = await production.errors(ME)

    assert errors[0]["extensions"]["code"] == "INVALID_TOKEN"
    assert errors[0]["message"] == "Sesi tidak valid atau sudah berakhir. Silakan masuk kembali."
    assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_login_errors_are_payload_errors_in_production(production: GraphQLClient) -> None:
    payload = (await production(LOGIN, {"input": {"phone": next_phone(), "password": "salah-sekali-ini"}}))["login"]
    assert [e["code"] for e in payload["errors"]] == ["INVALID_CREDENTIALS"]
