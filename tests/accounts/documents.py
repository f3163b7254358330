"""GraphQL documents and small helpers shared by the accounts tests."""

from typing import Any

from strawberry.relay import to_base64

from src.models.accounts import RefreshToken, User
from src.models.markets import Market
from tests.support.graphql import GraphQLClient

USER_FIELDS = "id phone name email role buyerType businessName isActive market { id name }"
ERROR_FIELDS = "errors { field code message }"

REGISTER = f"""
mutation Register($input: RegisterInput!) {{
  register(input: $input) {{ user {{ {USER_FIELDS} }} accessToken refreshToken {ERROR_FIELDS} }}
}}
"""

LOGIN = f"""
mutation Login($input: LoginInput!) {{
  login(input: $input) {{ user {{ {USER_FIELDS} }} accessToken refreshToken {ERROR_FIELDS} }}
}}
"""

REFRESH = f"""
mutation Refresh($input: RefreshTokenInput!) {{
  refreshToken(input: $input) {{ accessToken refreshToken {ERROR_FIELDS} }}
}}
"""

LOGOUT = f"""
mutation Logout($input: LogoutInput!) {{
  logout(input: $input) {{ ok {ERROR_FIELDS} }}
}}
"""

ME = f"query Me {{ me {{ {USER_FIELDS} }} }}"

CREATE_STAFF = f"""
mutation CreateStaff($input: CreateStaffUserInput!) {{
  createStaffUser(input: $input) {{ user {{ {USER_FIELDS} }} {ERROR_FIELDS} }}
}}
"""

SET_ACTIVE = f"""
mutation SetActive($input: SetUserActiveInput!) {{
  setUserActive(input: $input) {{ user {{ id isActive }} {ERROR_FIELDS} }}
}}
"""


def market_gid(market: Market) -> str:
    return to_base64("Market", market.id)


def user_gid(user: User) -> str:
    return to_base64("User", user.id)


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The (field, code) pairs of a payload's errors."""
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def login(gql: GraphQLClient, phone: str, password: str, **kwargs: Any) -> dict[str, Any]:
    return (await gql(LOGIN, {"input": {"phone": phone, "password": password}}, **kwargs))["login"]


async def refresh(gql: GraphQLClient, refresh_token: str) -> dict[str, Any]:
    return (await gql(REFRESH, {"input": {"refreshToken": refresh_token}}))["refreshToken"]


async def counts() -> tuple[int, int]:
    """How many users and refresh tokens exist: a refused mutation leaves both unchanged."""
    return await User.all().count(), await RefreshToken.all().count()
