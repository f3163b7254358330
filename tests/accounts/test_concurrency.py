"""Races a real client produces: a double-tapped sign-up button, two tabs refreshing with one token."""

import asyncio

from src.models.accounts import RefreshToken, User
from tests.accounts.documents import REGISTER, codes, login, refresh
from tests.factories import PASSWORD, make_user
from tests.support.graphql import GraphQLClient


async def test_two_registrations_racing_for_one_phone_make_one_user(gql: GraphQLClient) -> None:
    def signup(name: str, phone: str) -> dict[str, object]:
        return {"input": {"phone": phone, "password": "gado-gado-pedas-manis", "name": name}}

    first, second = await asyncio.gather(
        gql(REGISTER, signup("Pertama", "0812-7777-8888")),
        gql(REGISTER, signup("Kedua", "+62 812 7777 8888")),
    )

    outcomes = sorted([codes(first["register"]), codes(second["register"])])
    assert outcomes == [[], [("input.phone", "PHONE_TAKEN")]]
    assert await User.filter(phone="+6281277778888").count() == 1


async def test_two_refreshes_racing_with_one_token_get_at_most_one_pair(gql: GraphQLClient) -> None:
    user = await make_user()
    token = (await login(gql, user.phone, PASSWORD))["refreshToken"]

    results = await asyncio.gather(refresh(gql, token), refresh(gql, token))

    winners = [r for r in results if not r["errors"]]
    losers = [r for r in results if r["errors"]]
    assert len(winners) == 1
    assert codes(losers[0]) == [("input.refreshToken", "INVALID_TOKEN")]
    # The original token was claimed exactly once: one new token was issued in the family.
    assert await RefreshToken.filter(user_id=user.id).count() == 2
