"""Strawberry permission classes for fields, and the same checks for mutations that answer in payloads."""

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from src.models.accounts import Role, User
from src.schema.context import Info
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.i18n import translate
from src.services.permissions import require_role


def _denied(info: Info, code: ErrorCode) -> GraphQLError:
    return GraphQLError(translate(code.value, info.context.language), extensions={"code": code.value})


class IsAuthenticated(BasePermission):
    """Any logged-in, active user. An expired or tampered token is named INVALID_TOKEN."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if await info.context.get_user() is None:
            raise _denied(info, info.context.auth_error or ErrorCode.UNAUTHENTICATED)
        return True


class HasRole(BasePermission):
    """A logged-in user with one of the given roles."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        user = await info.context.get_user()
        if user is None:
            raise _denied(info, info.context.auth_error or ErrorCode.UNAUTHENTICATED)
        if user.role not in self.roles:
            raise _denied(info, ErrorCode.PERMISSION_DENIED)
        return True


async def current_user(info: Info, *roles: Role) -> User:
    """For mutations: the caller, or a DomainError (turned into a UserError in the payload)."""
    user = await info.context.get_user()
    if user is None:
        raise DomainError(info.context.auth_error or ErrorCode.UNAUTHENTICATED)
    return require_role(user, *roles) if roles else user
