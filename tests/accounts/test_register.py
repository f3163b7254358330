"""register: buyers and traders sign themselves up and are logged in; every bad input is refused and changes nothing."""

from typing import Any

import pytest
from argon2 import PasswordHasher

from src.models.accounts import BuyerType, RefreshToken, Role, User
from tests.accounts.documents import ME, REGISTER, codes, counts, user_gid
from tests.factories import make_user
from tests.support.graphql import GraphQLClient

GOOD_PASSWORD = "nasi-pecel-enak-sekali"


def signup(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"phone": "0812-3456-7890", "password": GOOD_PASSWORD, "name": "Siti Aminah"}
    fields.update(overrides)
    return {"input": fields}


async def register(gql: GraphQLClient, **overrides: Any) -> dict[str, Any]:
    return (await gql(REGISTER, signup(**overrides)))["register"]


async def assert_refused(gql: GraphQLClient, expected: list[tuple[str | None, str]], **overrides: Any) -> list[Any]:
    """Register with these fields, expect exactly these (field, code) errors, and nothing created."""
    before = await counts()

    payload = await register(gql, **overrides)

    assert codes(payload) == expected
    assert payload["user"] is None and payload["accessToken"] is None and payload["refreshToken"] is None
    assert await counts() == before
    return list(payload["errors"])


async def test_a_household_buyer_signs_up_and_is_logged_in(gql: GraphQLClient) -> None:
    payload = await register(gql, name="  Siti   Aminah ", email=" Siti@Example.COM ")

    assert payload["errors"] == []
    user = payload["user"]
    assert user["phone"] == "+6281234567890"
    assert user["name"] == "Siti Aminah"
    assert user["email"] == "siti@example.com"
    assert user["role"] == "BUYER"
    assert user["buyerType"] == "HOUSEHOLD"
    assert user["businessName"] is None
    assert user["isActive"] is True
    assert user["market"] is None
    stored = await User.get(phone="+6281234567890")
    assert user["id"] == user_gid(stored)
    # The password is stored as an argon2id hash, never as itself.
    assert stored.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(stored.password_hash, GOOD_PASSWORD)
    # The tokens returned are a working session.
    me = (await gql(ME, token=payload["accessToken"]))["me"]
    assert me["id"] == user["id"]
    assert await RefreshToken.filter(user_id=stored.id, revoked_at__isnull=True).count() == 1


async def test_a_trader_signs_up_without_buyer_fields(gql: GraphQLClient) -> None:
    payload = await register(gql, role="TRADER", buyerType="BUSINESS", businessName="Toko Makmur")

    assert payload["errors"] == []
    assert payload["user"]["role"] == "TRADER"
    assert payload["user"]["buyerType"] is None
    assert payload["user"]["businessName"] is None
    stored = await User.get(phone="+6281234567890")
    assert stored.role == Role.TRADER and stored.buyer_type is None


async def test_a_business_buyer_signs_up_with_a_business_name(gql: GraphQLClient) -> None:
    payload = await register(gql, buyerType="BUSINESS", businessName="  Warung   Bu Sri ")

    assert payload["errors"] == []
    assert payload["user"]["buyerType"] == "BUSINESS"
    assert payload["user"]["businessName"] == "Warung Bu Sri"
    stored = await User.get(phone="+6281234567890")
    assert stored.buyer_type == BuyerType.BUSINESS


async def test_a_business_buyer_needs_a_business_name(gql: GraphQLClient) -> None:
    errors = await assert_refused(
        gql, [("input.businessName", "INVALID_INPUT")], buyerType="BUSINESS", businessName="   "
    )
    assert errors[0]["message"] == "Nama usaha wajib diisi untuk pembeli usaha."


@pytest.mark.parametrize("role", ["COURIER", "MARKET_ADMIN"])
async def test_staff_roles_cannot_be_self_registered(gql: GraphQLClient, role: str) -> None:
    errors = await assert_refused(gql, [("input.role", "PERMISSION_DENIED")], role=role)
    assert errors[0]["message"] == "Anda tidak berhak melakukan tindakan ini."


@pytest.mark.parametrize("phone", ["0812-3", "bukan nomor", "+1 202 555 0143", "", "0812" + "1" * 40])
async def test_an_invalid_phone_is_refused(gql: GraphQLClient, phone: str) -> None:
    errors = await assert_refused(gql, [("input.phone", "INVALID_PHONE")], phone=phone)
    assert errors[0]["message"] == ("Nomor HP tidak valid. Gunakan nomor seluler Indonesia, misalnya 0812-3456-7890.")


async def test_a_landline_is_refused(gql: GraphQLClient) -> None:
    # 0341 is Malang's area code: a valid number, but orders are confirmed by SMS or WhatsApp.
    await assert_refused(gql, [("input.phone", "INVALID_PHONE")], phone="0341-551234")


async def test_a_short_password_is_refused(gql: GraphQLClient) -> None:
    errors = await assert_refused(gql, [("input.password", "WEAK_PASSWORD")], password="kopi12")
    assert errors[0]["message"] == "Kata sandi minimal 8 karakter."


@pytest.mark.parametrize("password", ["password123", "bismillah", "BISMILLAH", "12345678", "aaaaaaaaaa", "abababab"])
async def test_a_common_or_guessable_password_is_refused(gql: GraphQLClient, password: str) -> None:
    errors = await assert_refused(gql, [("input.password", "WEAK_PASSWORD")], password=password)
    assert errors[0]["message"] == "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain."


@pytest.mark.parametrize("password", ["hp081234567890", "+62 812-3456-7890!"])
async def test_the_phone_number_as_password_is_refused(gql: GraphQLClient, password: str) -> None:
    await assert_refused(gql, [("input.password", "WEAK_PASSWORD")], password=password)


async def test_an_overlong_password_is_refused(gql: GraphQLClient) -> None:
    errors = await assert_refused(gql, [("input.password", "INVALID_INPUT")], password="x1y2" * 33)
    assert errors[0]["message"] == "Maksimal 128 karakter."


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "Wajib diisi."), ("S" * 121, "Maksimal 120 karakter.")], ids=["blank", "too-long"]
)
async def test_a_blank_or_overlong_name_is_refused(gql: GraphQLClient, name: str, message: str) -> None:
    errors = await assert_refused(gql, [("input.name", "INVALID_INPUT")], name=name)
    assert errors[0]["message"] == message


@pytest.mark.parametrize("email", ["siti", "siti@", "siti @example.com", "a@b"])
async def test_an_invalid_email_is_refused(gql: GraphQLClient, email: str) -> None:
    await assert_refused(gql, [("input.email", "INVALID_INPUT")], email=email)


async def test_a_taken_phone_is_refused(gql: GraphQLClient) -> None:
    existing = await make_user(Role.TRADER)

    errors = await assert_refused(gql, [("input.phone", "PHONE_TAKEN")], phone=existing.phone)

    assert errors[0]["message"] == "Nomor HP ini sudah terdaftar."
    assert (await User.get(id=existing.id)).name == existing.name


async def test_every_invalid_field_is_reported_at_once(gql: GraphQLClient) -> None:
    await assert_refused(
        gql,
        [
            ("input.role", "PERMISSION_DENIED"),
            ("input.phone", "INVALID_PHONE"),
            ("input.password", "WEAK_PASSWORD"),
            ("input.name", "INVALID_INPUT"),
            ("input.email", "INVALID_INPUT"),
        ],
        role="COURIER",
        phone="12",
        password="pendek",
        name="",
        email="bukan-email",
    )


async def test_a_business_buyer_with_a_taken_phone_hears_both(gql: GraphQLClient) -> None:
    existing = await make_user()

    await assert_refused(
        gql,
        [("input.businessName", "INVALID_INPUT"), ("input.phone", "PHONE_TAKEN")],
        phone=existing.phone,
        buyerType="BUSINESS",
    )


async def test_messages_are_in_english_when_asked(gql: GraphQLClient) -> None:
    gql.language = "en"

    errors = await assert_refused(
        gql, [("input.phone", "INVALID_PHONE"), ("input.password", "WEAK_PASSWORD")], phone="0341-551234", password="x"
    )

    assert [e["message"] for e in errors] == [
        "Invalid phone number. Use an Indonesian mobile number, e.g. 0812-3456-7890.",
        "The password must be at least 8 characters long.",
    ]


async def test_the_language_header_is_read_by_quality(gql: GraphQLClient) -> None:
    payload = (await gql(REGISTER, signup(password="x"), headers={"Accept-Language": "fr;q=1, en-GB;q=0.8, id;q=0.5"}))[
        "register"
    ]
    assert payload["errors"][0]["message"] == "The password must be at least 8 characters long."

    payload = (await gql(REGISTER, signup(password="x"), headers={"Accept-Language": "de"}))["register"]
    assert payload["errors"][0]["message"] == "Kata sandi minimal 8 karakter."
