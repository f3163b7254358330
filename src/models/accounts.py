"""People and their sessions: users with one role, and the refresh tokens that keep them logged in."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.markets import Market


class Role(StrEnum):
    BUYER = "BUYER"
    TRADER = "TRADER"
    COURIER = "COURIER"
    MARKET_ADMIN = "MARKET_ADMIN"


class BuyerType(StrEnum):
    HOUSEHOLD = "HOUSEHOLD"
    BUSINESS = "BUSINESS"


class User(Model):
    """Anyone who logs in, identified by an Indonesian mobile number in E.164 form (+62812…).

    A market admin with no market belongs to the city trade office and sees every market.
    Couriers and other market admins belong to exactly one market.
    """

    id = fields.IntField(primary_key=True)
    phone = fields.CharField(max_length=20, unique=True)
    name = fields.CharField(max_length=120)
    email = fields.CharField(max_length=254, null=True)
    role = fields.CharEnumField(Role, max_length=20)
    buyer_type = fields.CharEnumField(BuyerType, max_length=20, null=True)
    business_name = fields.CharField(max_length=160, null=True)
    market: fields.ForeignKeyNullableRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    market_id: int | None
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    last_login_at = fields.DatetimeField(null=True)
    language = fields.CharField(max_length=2, default="id", description="id or en: messages sent to this user")
    # Access tokens issued at or before this moment are refused (set when the account is deactivated).
    sessions_revoked_at = fields.DatetimeField(null=True)

    refresh_tokens: fields.ReverseRelation["RefreshToken"]

    class Meta:
        table = "user_account"

    def __str__(self) -> str:
        return f"{self.name} ({self.role.value})"


class RefreshToken(Model):
    """One refresh token, stored as its SHA-256 hash. The tokens of one login form a family.

    Each use rotates the token (used_at set, a new one issued in the family). Presenting a used
    token again means it leaked, so the whole family is revoked.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    family = fields.UUIDField(db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    client_address = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "refresh_token"
