"""Sessions: `me` with access tokens, refresh-token rotation and reuse detection, and logout."""

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from src.models.accounts import RefreshToken, Role, User
from src.settings import Settings
from tests.accounts.documents import CREATE_STAFF, LOGOUT, ME, codes, counts, login, refresh, user_gid
from tests.factories import PASSWORD, make_market, make_user, token_for
from tests.support.graphql import GraphQLClient

INVALID_TOKEN_ID = "Sesi tidak valid atau sudah berakhir. Silakan masuk kembali."
INVALID_TOKEN_EN = "The session is invalid or has expired. Please log in again."


def claims_for(user: User, **overrides: Any) -> dict[str, Any]:
    issued = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user.id),
        "role": user.role.value,
        "typ": "access",
        "iat": issued,
        "exp": issued + timedelta(minutes=15),
    }
    claims.update(overrides)
    return claims


def signed(claims: dict[str, Any], settings: Settings) -> str:
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS256")


async def me_error(gql: GraphQLClient, token: str | None, **kwargs: Any) -> dict[str, Any]:
    """`me` refused: its single GraphQL error, with no data."""
    response = await gql.post(ME, token=token, **kwargs)
    body = response.json()
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body
    return dict(body["errors"][0])


async def logout(gql: GraphQLClient, refresh_token: str) -> dict[str, Any]:
    return (await gql(LOGOUT, {"input": {"refreshToken": refresh_token}}))["logout"]


# --- access tokens ------------------------------------------------------------------------------


async def test_me_is_the_user_of_the_token(gql: GraphQLClient, settings: Settings) -> None:
    market = await make_market()
    admin = await make_user(Role.MARKET_ADMIN, market=market, name="Bu Ani", email="ani@pasar.id")

    me = (await gql(ME, token=token_for(admin, settings)))["me"]

    assert me == {
        "id": user_gid(admin),
        "phone": admin.phone,
        "name": "Bu Ani",
        "email": "ani@pasar.id",
        "role": "MARKET_ADMIN",
        "buyerType": None,
        "businessName": None,
        "isActive": True,
        "market": {"id": me["market"]["id"], "name": market.name},
    }
    assert base64.b64decode(me["market"]["id"]).decode() == f"Market:{market.id}"


async def test_a_hand_built_token_with_the_right_key_works(gql: GraphQLClient, settings: Settings) -> None:
    # The control for the refusals below: the claims they start from are accepted when signed properly.
    user = await make_user()
    assert (await gql(ME, token=signed(claims_for(user), settings)))["me"]["id"] == user_gid(user)


async def test_me_without_a_token_asks_to_log_in(gql: GraphQLClient) -> None:
    error = await me_error(gql, None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == "Silakan masuk terlebih dahulu."


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc"], ids=["basic", "empty", "blank", "scheme"]
)
async def test_other_authorization_headers_are_no_login(gql: GraphQLClient, header: str) -> None:
    error = await me_error(gql, None, headers={"Authorization": header})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


def _other_key(user: User, settings: Settings) -> str:
    with warnings.catch_warnings():  # PyJWT rightly warns that "other-key" is short; that is not the point here
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims_for(user), "other-key", algorithm="HS256")


def _alg_none(user: User, settings: Settings) -> str:
    return jwt.encode(claims_for(user), None, algorithm="none")


def _expired(user: User, settings: Settings) -> str:
    past = datetime.now(UTC) - timedelta(hours=1)
    return signed(claims_for(user, iat=past - timedelta(minutes=15), exp=past), settings)


def _tampered(user: User, settings: Settings) -> str:
    # A buyer's genuine token with its payload swapped for a market admin's: the signature no longer matches.
    header, _, signature = token_for(user, settings).split(".")
    payload = json.dumps(claims_for(user, role="MARKET_ADMIN", iat=1_700_000_000, exp=4_000_000_000)).encode()
    return ".".join([header, base64.urlsafe_b64encode(payload).rstrip(b"=").decode(), signature])


def _refresh_typed(user: User, settings: Settings) -> str:
    return signed(claims_for(user, typ="refresh"), settings)


def _without_expiry(user: User, settings: Settings) -> str:
    claims = claims_for(user)
    del claims["exp"]
    return signed(claims, settings)


def _no_subject(user: User, settings: Settings) -> str:
    return signed(claims_for(user, sub="nobody"), settings)


def _hs512(user: User, settings: Settings) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims_for(user), settings.secret_key.get_secret_value(), algorithm="HS512")


def _garbage(user: User, settings: Settings) -> str:
    return "not.a.jwt"


BAD_TOKENS = {
    "other-key": _other_key,
    "alg-none": _alg_none,
    "expired": _expired,
    "tampered": _tampered,
    "refresh-typed": _refresh_typed,
    "no-exp": _without_expiry,
    "non-numeric-sub": _no_subject,
    "hs512": _hs512,
    "garbage": _garbage,
}


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_a_bad_access_token_is_refused(gql: GraphQLClient, settings: Settings, make_token: Any) -> None:
    user = await make_user()

    error = await me_error(gql, make_token(user, settings))

    assert error["extensions"]["code"] == "INVALID_TOKEN"
    assert error["message"] == INVALID_TOKEN_ID
    assert error["path"] == ["me"]


async def test_the_invalid_token_message_is_in_english_when_asked(gql: GraphQLClient, settings: Settings) -> None:
    user = await make_user()
    gql.language = "en"

    error = await me_error(gql, _expired(user, settings))

    assert error["extensions"]["code"] == "INVALID_TOKEN"
    assert error["message"] == INVALID_TOKEN_EN


async def test_a_token_of_a_deleted_user_is_refused(gql: GraphQLClient, settings: Settings) -> None:
    user = await make_user()
    token = token_for(user, settings)
    await user.delete()

    assert (await me_error(gql, token))["extensions"]["code"] == "INVALID_TOKEN"


async def test_a_mutation_with_a_bad_token_answers_invalid_token_in_its_payload(
    gql: GraphQLClient, settings: Settings
) -> None:
    admin = await make_user(Role.MARKET_ADMIN)
    before = await counts()
    variables = {"input": {"phone": "0812-2222-3333", "password": PASSWORD, "name": "Kurir", "role": "MARKET_ADMIN"}}

    payload = (await gql(CREATE_STAFF, variables, token=_alg_none(admin, settings)))["createStaffUser"]

    assert codes(payload) == [(None, "INVALID_TOKEN")]
    assert payload["errors"][0]["message"] == INVALID_TOKEN_ID
    assert payload["user"] is None
    assert await counts() == before


# --- refresh tokens ---------------------------------------------------------------------------------


async def test_a_refresh_token_is_traded_for_a_new_pair(gql: GraphQLClient) -> None:
    user = await make_user()
    session = await login(gql, user.phone, PASSWORD)

    pair = await refresh(gql, session["refreshToken"])

    assert pair["errors"] == []
    assert pair["refreshToken"] not in (None, session["refreshToken"])
    assert (await gql(ME, token=pair["accessToken"]))["me"]["id"] == user_gid(user)
    tokens = await RefreshToken.filter(user_id=user.id).order_by("id")
    assert len(tokens) == 2
    assert tokens[0].family == tokens[1].family
    assert tokens[0].used_at is not None and tokens[1].used_at is None
    # Only hashes are stored.
    stored_hashes = {t.token_hash for t in tokens}
    assert session["refreshToken"] not in stored_hashes and pair["refreshToken"] not in stored_hashes


async def test_a_rotated_refresh_token_stops_working_and_its_reuse_ends_the_session(gql: GraphQLClient) -> None:
    user = await make_user()
    first = (await login(gql, user.phone, PASSWORD))["refreshToken"]
    second = (await refresh(gql, first))["refreshToken"]

    reused = await refresh(gql, first)

    assert codes(reused) == [("input.refreshToken", "INVALID_TOKEN")]
    assert reused["accessToken"] is None and reused["refreshToken"] is None
    # The newest token of the family is revoked too: whoever held the stolen one is out, and so is the user.
    newest = await refresh(gql, second)
    assert codes(newest) == [("input.refreshToken", "INVALID_TOKEN")]
    assert await RefreshToken.filter(user_id=user.id, revoked_at__isnull=True).count() == 0


async def test_reuse_ends_only_that_session(gql: GraphQLClient) -> None:
    user = await make_user()
    phone_session = (await login(gql, user.phone, PASSWORD))["refreshToken"]
    laptop_session = (await login(gql, user.phone, PASSWORD))["refreshToken"]
    rotated = (await refresh(gql, phone_session))["refreshToken"]

    assert codes(await refresh(gql, phone_session)) == [("input.refreshToken", "INVALID_TOKEN")]

    assert codes(await refresh(gql, rotated)) == [("input.refreshToken", "INVALID_TOKEN")]
    assert (await refresh(gql, laptop_session))["errors"] == []


async def test_a_chain_of_rotations_keeps_the_session(gql: GraphQLClient) -> None:
    user = await make_user()
    token = (await login(gql, user.phone, PASSWORD))["refreshToken"]

    for _ in range(3):
        pair = await refresh(gql, token)
        assert pair["errors"] == []
        token = pair["refreshToken"]

    assert await RefreshToken.filter(user_id=user.id, used_at__isnull=True, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("token", ["", "bukan-token", "x" * 500])
async def test_an_unknown_refresh_token_is_refused(gql: GraphQLClient, token: str) -> None:
    user = await make_user()
    await login(gql, user.phone, PASSWORD)
    before = await counts()

    payload = await refresh(gql, token)

    assert codes(payload) == [("input.refreshToken", "INVALID_TOKEN")]
    assert payload["errors"][0]["message"] == INVALID_TOKEN_ID
    assert await counts() == before


async def test_an_access_token_is_not_a_refresh_token(gql: GraphQLClient) -> None:
    user = await make_user()
    session = await login(gql, user.phone, PASSWORD)

    assert codes(await refresh(gql, session["accessToken"])) == [("input.refreshToken", "INVALID_TOKEN")]
    assert (await me_error(gql, session["refreshToken"]))["extensions"]["code"] == "INVALID_TOKEN"


async def test_an_expired_refresh_token_is_refused(gql: GraphQLClient) -> None:
    user = await make_user()
    session = await login(gql, user.phone, PASSWORD)
    await RefreshToken.filter(user_id=user.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    payload = await refresh(gql, session["refreshToken"])

    assert codes(payload) == [("input.refreshToken", "INVALID_TOKEN")]
    assert await RefreshToken.filter(user_id=user.id).count() == 1


async def test_the_refresh_token_lifetime_follows_the_settings(gql: GraphQLClient, settings: Settings) -> None:
    user = await make_user()
    before = datetime.now(UTC)

    await login(gql, user.phone, PASSWORD)

    stored = await RefreshToken.get(user_id=user.id)
    lifetime = stored.expires_at - before
    assert timedelta(days=settings.refresh_token_days) - timedelta(minutes=1) < lifetime
    assert lifetime <= timedelta(days=settings.refresh_token_days, minutes=1)


async def test_the_access_token_lifetime_follows_the_settings(gql: GraphQLClient, settings: Settings) -> None:
    user = await make_user()

    session = await login(gql, user.phone, PASSWORD)

    claims = jwt.decode(session["accessToken"], settings.secret_key.get_secret_value(), algorithms=["HS256"])
    assert claims["sub"] == str(user.id) and claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == settings.access_token_minutes * 60


# --- logout ----------------------------------------------------------------------------------------


async def test_logout_ends_the_session(gql: GraphQLClient) -> None:
    user = await make_user()
    session = await login(gql, user.phone, PASSWORD)
    rotated = (await refresh(gql, session["refreshToken"]))["refreshToken"]

    payload = await logout(gql, rotated)

    assert payload == {"ok": True, "errors": []}
    assert codes(await refresh(gql, rotated)) == [("input.refreshToken", "INVALID_TOKEN")]
    assert await RefreshToken.filter(user_id=user.id, revoked_at__isnull=True).count() == 0


async def test_logout_leaves_other_sessions_alone(gql: GraphQLClient) -> None:
    user = await make_user()
    leaving = (await login(gql, user.phone, PASSWORD))["refreshToken"]
    staying = (await login(gql, user.phone, PASSWORD))["refreshToken"]

    assert (await logout(gql, leaving))["ok"] is True

    assert (await refresh(gql, staying))["errors"] == []


async def test_logout_with_an_unknown_token_is_refused_and_changes_nothing(gql: GraphQLClient) -> None:
    user = await make_user()
    session = await login(gql, user.phone, PASSWORD)

    payload = await logout(gql, "bukan-token-" + session["refreshToken"])

    assert payload["ok"] is False
    assert codes(payload) == [("input.refreshToken", "INVALID_TOKEN")]
    assert await RefreshToken.filter(user_id=user.id, revoked_at__isnull=True).count() == 1
    assert (await refresh(gql, session["refreshToken"]))["errors"] == []
