"""The shop the notification tests order from: traders and a buyer with e-mail addresses, one trader reading
English."""

import pytest

from src.models.accounts import Role
from src.settings import Settings
from tests.factories import make_user
from tests.support.world import Goods, Shop, make_shop


@pytest.fixture
async def world(clean_db: None, settings: Settings) -> Shop:
    """Pak Slamet's stall selling weighed ikan tongkol, Bu Lilik's (in English) selling beras, and Bu Sri buying."""
    traders = [
        await make_user(Role.TRADER, email="slamet@example.id", name="Pak Slamet"),
        await make_user(Role.TRADER, email="lilik@example.id", name="Bu Lilik", language="en"),
    ]
    return await make_shop(
        settings,
        goods=(
            Goods("Ikan tongkol", 38_000, min_quantity="0.05", quantity_step="0.05", is_weighed=True),
            Goods("Beras", 13_300),
        ),
        traders=traders,
        stall_names=("Ikan Pak Slamet", "Sembako Bu Lilik"),
        buyer_fields={"email": "sri@example.id", "name": "Bu Sri"},
    )
