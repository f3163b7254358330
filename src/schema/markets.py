"""Markets as the API shows them (the catalog issue adds stalls and the markets query)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from src.models.markets import Market
from src.schema.context import Info


@strawberry.type
class Location:
    lat: float
    lng: float


@strawberry.type(name="Market", description="A traditional market (pasar) of Kota Malang.")
class MarketType(relay.Node):
    id: relay.NodeID[int]
    name: str
    address: str
    location: Location
    opening_hours: str
    delivery_radius_km: Decimal

    @classmethod
    def from_model(cls, market: Market) -> "MarketType":
        return cls(
            id=market.id,
            name=market.name,
            address=market.address,
            location=Location(lat=float(market.latitude), lng=float(market.longitude)),
            opening_hours=market.opening_hours,
            delivery_radius_km=market.delivery_radius_km,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = [int(i) for i in node_ids]
        found = {m.id: m for m in await Market.filter(id__in=ids)}
        return [cls.from_model(found[i]) if i in found else None for i in ids]
