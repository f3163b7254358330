"""login: phone and password; failures say nothing about which was wrong; throttled per phone and per address."""

import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, extract_parameters
from redis.asyncio import Redis

from src.jobs.queue import create_queue
from src.models.accounts import RefreshToken, Role, User
from src.services.common.throttle import ADDRESS_FACTOR
from src.settings import Settings
from tests.accounts.documents import LOGIN, ME, counts, login, user_gid
from tests.factories import PASSWORD, make_market, make_user, next_phone
from tests.support.graphql import GraphQLClient

WRONG = "kopi-tubruk-malang-salah"


def wait_minutes(settings: Settings) -> int:
    return math.ceil(settings.login_lockout_seconds / 60)


async def assert_refused(gql: GraphQLClient, phone: str, password: str, code: str, **kwargs: Any) -> dict[str, Any]:
    """Log in expecting one error with this code and no session; returns the error."""
    before = await counts()

    payload = await login(gql, phone, password, **kwargs)

    assert [e["code"] for e in payload["errors"]] == [code], payload["errors"]
    assert payload["user"] is None and payload["accessToken"] is None and payload["refreshToken"] is None
    assert await counts() == before
    return dict(payload["errors"][0])


async def test_a_user_logs_in_and_gets_a_session(gql: GraphQLClient) -> None:
    market = await make_market()
    courier = await make_user(Role.COURIER, market=market, name="Mas Joko")

    payload = await login(gql, courier.phone, PASSWORD)

    assert payload["errors"] == []
    assert payload["user"]["id"] == user_gid(courier)
    assert payload["user"]["role"] == "COURIER"
    assert payload["user"]["name"] == "Mas Joko"
    assert payload["user"]["market"]["name"] == market.name
    me = (await gql(ME, token=payload["accessToken"]))["me"]
    assert me["id"] == user_gid(courier)
    stored = await RefreshToken.get(user_id=courier.id)
    assert stored.client_address == "203.0.113.10"
    assert stored.used_at is None and stored.revoked_at is None
    assert (await User.get(id=courier.id)).last_login_at is not None


async def test_each_login_is_a_session_of_its_own(gql: GraphQLClient) -> None:
    user = await make_user()

    first = await login(gql, user.phone, PASSWORD)
    second = await login(gql, user.phone, PASSWORD)

    assert first["refreshToken"] != second["refreshToken"]
    assert first["accessToken"] != second["accessToken"]
    families = {t.family for t in await RefreshToken.filter(user_id=user.id)}
    assert len(families) == 2


async def test_a_wrong_password_is_refused(gql: GraphQLClient) -> None:
    user = await make_user()

    error = await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")

    assert error == {"field": None, "code": "INVALID_CREDENTIALS", "message": "Nomor HP atau kata sandi salah."}
    assert (await User.get(id=user.id)).last_login_at is None


@pytest.mark.parametrize("language", [None, "en"])
async def test_unknown_phone_wrong_password_and_deactivated_user_look_the_same(
    gql: GraphQLClient, language: str | None
) -> None:
    gql.language = language
    known = await make_user()
    deactivated = await make_user(is_active=False)

    wrong_password = await assert_refused(gql, known.phone, WRONG, "INVALID_CREDENTIALS")
    unknown_phone = await assert_refused(gql, next_phone(), PASSWORD, "INVALID_CREDENTIALS")
    inactive = await assert_refused(gql, deactivated.phone, PASSWORD, "INVALID_CREDENTIALS")

    assert wrong_password == unknown_phone == inactive
    expected = "Wrong phone number or password." if language == "en" else "Nomor HP atau kata sandi salah."
    assert wrong_password["message"] == expected


async def test_an_overlong_password_is_just_wrong(gql: GraphQLClient) -> None:
    user = await make_user()
    await assert_refused(gql, user.phone, PASSWORD + "x" * 200, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("phone", ["0341-551234", "nomor saya", ""])
async def test_a_phone_that_cannot_be_anyones_is_refused_as_such(gql: GraphQLClient, phone: str) -> None:
    error = await assert_refused(gql, phone, PASSWORD, "INVALID_PHONE")
    assert error["field"] == "input.phone"


async def test_an_outdated_hash_is_upgraded_on_login(gql: GraphQLClient) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    user = await make_user(password_hash=weak)

    payload = await login(gql, user.phone, PASSWORD)

    assert payload["errors"] == []
    rehashed = (await User.get(id=user.id)).password_hash
    assert rehashed != weak
    assert PasswordHasher().verify(rehashed, PASSWORD)
    assert not PasswordHasher().check_needs_rehash(rehashed)
    assert extract_parameters(rehashed).memory_cost == PasswordHasher().memory_cost
    # The upgraded hash still lets the user in.
    assert (await login(gql, user.phone, PASSWORD))["errors"] == []


async def test_a_current_hash_is_left_alone(gql: GraphQLClient) -> None:
    user = await make_user()

    assert (await login(gql, user.phone, PASSWORD))["errors"] == []

    assert (await User.get(id=user.id)).password_hash == user.password_hash


async def test_a_wrong_password_does_not_upgrade_an_outdated_hash(gql: GraphQLClient) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    user = await make_user(password_hash=weak)

    await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")

    assert (await User.get(id=user.id)).password_hash == weak


# --- throttling ---------------------------------------------------------------------------------


async def test_too_many_failures_lock_the_phone_even_for_the_right_password(
    gql: GraphQLClient, settings: Settings
) -> None:
    user = await make_user()
    for _ in range(settings.login_max_failures):
        await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")

    error = await assert_refused(gql, user.phone, PASSWORD, "TOO_MANY_ATTEMPTS")

    assert error["field"] is None
    assert error["message"] == f"Terlalu banyak percobaan. Coba lagi dalam {wait_minutes(settings)} menit."
    english = await assert_refused(gql, user.phone, PASSWORD, "TOO_MANY_ATTEMPTS", headers={"Accept-Language": "en"})
    assert english["message"] == f"Too many attempts. Try again in {wait_minutes(settings)} minutes."
    assert (await User.get(id=user.id)).last_login_at is None


async def test_the_last_failure_before_the_limit_still_allows_the_right_password(
    gql: GraphQLClient, settings: Settings
) -> None:
    user = await make_user()
    for _ in range(settings.login_max_failures - 1):
        await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")

    assert (await login(gql, user.phone, PASSWORD))["errors"] == []


async def test_a_successful_login_clears_the_phones_failures(gql: GraphQLClient, settings: Settings) -> None:
    user = await make_user()
    for _ in range(settings.login_max_failures - 1):
        await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")
    assert (await login(gql, user.phone, PASSWORD))["errors"] == []

    for _ in range(settings.login_max_failures - 1):
        await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")

    assert (await login(gql, user.phone, PASSWORD))["errors"] == []


async def test_the_lock_counts_every_way_of_writing_the_phone(gql: GraphQLClient, settings: Settings) -> None:
    user = await make_user(phone="+6281234567890")
    forms = ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "+6281234567890"]
    for attempt in range(settings.login_max_failures):
        await assert_refused(gql, forms[attempt % len(forms)], WRONG, "INVALID_CREDENTIALS")

    await assert_refused(gql, "0812 3456 7890", PASSWORD, "TOO_MANY_ATTEMPTS")
    assert (await User.get(id=user.id)).is_active  # only locked for a while, not deactivated


async def test_a_locked_phone_does_not_lock_other_users(gql: GraphQLClient, settings: Settings) -> None:
    target, bystander = await make_user(), await make_user()
    for _ in range(settings.login_max_failures):
        await assert_refused(gql, target.phone, WRONG, "INVALID_CREDENTIALS")

    assert (await login(gql, bystander.phone, PASSWORD))["errors"] == []


async def test_unknown_phones_are_locked_like_known_ones(gql: GraphQLClient, settings: Settings) -> None:
    # Otherwise the lock itself would tell which phones are registered.
    known, unknown = await make_user(), next_phone()
    for _ in range(settings.login_max_failures):
        await assert_refused(gql, known.phone, WRONG, "INVALID_CREDENTIALS")
        await assert_refused(gql, unknown, WRONG, "INVALID_CREDENTIALS")

    locked_known = await assert_refused(gql, known.phone, WRONG, "TOO_MANY_ATTEMPTS")
    locked_unknown = await assert_refused(gql, unknown, WRONG, "TOO_MANY_ATTEMPTS")
    assert locked_known == locked_unknown


async def test_the_lock_expires_after_the_window(gql: GraphQLClient, settings: Settings, redis: Redis) -> None:
    user = await make_user()
    for _ in range(settings.login_max_failures):
        await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")
    keys = [k async for k in redis.scan_iter(match="throttle:login:*")]
    assert keys, "the failures are counted in Redis"
    for key in keys:
        assert 0 < await redis.ttl(key) <= settings.login_lockout_seconds

    for key in keys:  # the window passing, without waiting for it
        await redis.delete(key)

    assert (await login(gql, user.phone, PASSWORD))["errors"] == []


@pytest.fixture
async def elsewhere(app: Any) -> AsyncIterator[GraphQLClient]:
    """A client at another address than the default 203.0.113.10."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


async def test_one_address_failing_for_many_phones_is_locked(
    gql: GraphQLClient, settings: Settings, elsewhere: GraphQLClient
) -> None:
    user = await make_user()
    address_limit = settings.login_max_failures * ADDRESS_FACTOR
    assert address_limit == 4 * settings.login_max_failures
    # Every phone stays under its own limit; only the address adds up.
    for _ in range(address_limit - 1):
        await assert_refused(gql, next_phone(), WRONG, "INVALID_CREDENTIALS")
    assert (await login(gql, user.phone, PASSWORD))["errors"] == []  # one short of the limit: still allowed
    await assert_refused(gql, next_phone(), WRONG, "INVALID_CREDENTIALS")

    error = await assert_refused(gql, user.phone, PASSWORD, "TOO_MANY_ATTEMPTS")

    assert error["message"] == f"Terlalu banyak percobaan. Coba lagi dalam {wait_minutes(settings)} menit."
    # The same user from another address is not affected.
    assert (await login(elsewhere, user.phone, PASSWORD))["errors"] == []


async def test_login_input_is_required(gql: GraphQLClient) -> None:
    errors = await gql.errors(LOGIN, {"input": {"phone": "0812-3456-7890"}})
    assert "password" in errors[0]["message"]


async def test_logins_still_work_while_redis_is_down(gql: GraphQLClient, settings: Settings) -> None:
    # No throttle is better than no logins: argon2 keeps guessing slow meanwhile.
    user = await make_user()
    resources = gql.http._transport.app.state.resources  # type: ignore[attr-defined]
    working = resources.queue
    resources.queue = create_queue(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        assert (await login(gql, user.phone, PASSWORD))["errors"] == []
        await assert_refused(gql, user.phone, WRONG, "INVALID_CREDENTIALS")
    finally:
        await resources.queue.aclose()
        resources.queue = working
