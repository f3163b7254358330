"""Phone numbers: every way of writing one Indonesian mobile number is the same account."""

import pytest

from src.models.accounts import User
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.phones import normalize_phone
from tests.accounts.documents import REGISTER, codes, login
from tests.support.graphql import GraphQLClient

FORMS = ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"]
PASSWORD = "sambal-terasi-pedas"


@pytest.mark.parametrize("form", FORMS)
def test_each_form_normalises_to_e164(form: str) -> None:
    assert normalize_phone(form) == "+6281234567890"


@pytest.mark.parametrize("raw", ["0341-551234", "(0341) 551234", "021-5551234", "+1 202 555 0143", "0812", ""])
def test_landlines_foreign_and_broken_numbers_are_refused(raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        normalize_phone(raw, field="recipientPhone")
    assert refused.value.code is ErrorCode.INVALID_PHONE
    assert refused.value.field == "recipientPhone"


@pytest.mark.parametrize("registered_as", FORMS)
async def test_the_three_forms_are_one_user(gql: GraphQLClient, registered_as: str) -> None:
    given = {"phone": registered_as, "password": PASSWORD, "name": "Pak Budi"}
    created = (await gql(REGISTER, {"input": given}))["register"]
    assert created["errors"] == []
    assert created["user"]["phone"] == "+6281234567890"

    for other in (f for f in FORMS if f != registered_as):
        logged_in = await login(gql, other, PASSWORD)
        assert logged_in["errors"] == [], other
        assert logged_in["user"]["id"] == created["user"]["id"]

        again = (await gql(REGISTER, {"input": {**given, "phone": other, "name": "Orang Lain"}}))["register"]
        assert codes(again) == [("input.phone", "PHONE_TAKEN")]
        assert again["user"] is None

    assert await User.all().count() == 1
    assert (await User.get()).name == "Pak Budi"
