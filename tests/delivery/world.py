"""A market with a stall, a buyer, couriers and admins, and orders made ready for pickup through the services."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.catalog import Product
from src.models.markets import Market, Stall
from src.models.orders import Order, PaymentMethod, SlotWindow, StallOrder
from src.services import delivery
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user

KM = 1 / 111.0  # degrees of latitude per km


def tomorrow() -> date:
    return (now() + timedelta(days=1)).astimezone(orders_service.WIB).date()


@dataclass
class World:
    settings: Settings
    market: Market
    other_market: Market
    stall: Stall
    second_stall: Stall
    product: Product
    second_product: Product
    buyer: User
    trader: User
    second_trader: User
    admin: User
    other_admin: User
    couriers: list[User]
    foreign_courier: User
    keys: list[int] = field(default_factory=lambda: [0])

    async def order(
        self,
        *,
        km_north: float = 1.0,
        km_east: float = 0.0,
        window: SlotWindow = SlotWindow.AFTERNOON,
        method: PaymentMethod = PaymentMethod.COD,
        ready: bool = True,
        quantity: str = "2",
    ) -> Order:
        """A placed order of both stalls (accepted and packed when `ready`)."""
        self.keys[0] += 1
        request = orders_service.OrderRequest(
            items=[
                orders_service.ItemInput(self.product.id, Decimal(quantity)),
                orders_service.ItemInput(self.second_product.id, Decimal("1")),
            ],
            address=orders_service.AddressInput(
                line=f"Jl. Ijen No. {self.keys[0]}", recipient_name="Bu Sri", recipient_phone="0812-3456-7890",
                lat=float(self.market.latitude) + km_north * KM, lng=float(self.market.longitude) + km_east * KM,
            ),
            slot=orders_service.SlotInput(date=tomorrow(), window=window),
            payment_method=method, note="", idempotency_key=f"order-{self.keys[0]}",
        )  # fmt: skip
        order = await orders_service.place_order(actor=self.buyer, request=request, settings=self.settings)
        if ready:
            await self.make_ready(order)
        return await Order.get(id=order.id)

    async def make_ready(self, order: Order) -> None:
        for part in await StallOrder.filter(order_id=order.id).select_related("stall__trader").order_by("id"):
            trader = part.stall.trader
            await orders_service.accept_stall_order(actor=trader, stall_order_id=part.id)
            await orders_service.mark_stall_order_ready(actor=trader, stall_order_id=part.id)

    async def available(self, courier: User, *, km_from_market: float | None = None) -> None:
        location = (
            (float(self.market.latitude) + km_from_market * KM, float(self.market.longitude))
            if km_from_market is not None
            else (None, None)
        )
        await delivery.set_availability(actor=courier, available=True, lat=location[0], lng=location[1])


async def make_world(settings: Settings, couriers: int = 3) -> World:
    market, other_market = await make_market(), await make_market()
    stall, second_stall = await make_stall(market=market), await make_stall(market=market)
    product = await make_product(
        stall, name="Cabai rawit", price=60_000, stock=Decimal("1000"), min_quantity=Decimal("0.25"),
        quantity_step=Decimal("0.25"),
    )  # fmt: skip
    second_product = await make_product(
        second_stall, name="Beras", price=13_000, stock=Decimal("1000"), min_quantity=Decimal("1"),
        quantity_step=Decimal("1"),
    )  # fmt: skip
    return World(
        settings=settings,
        market=market,
        other_market=other_market,
        stall=stall,
        second_stall=second_stall,
        product=product,
        second_product=second_product,
        buyer=await make_user(name="Bu Sri"),
        trader=await stall.trader,
        second_trader=await second_stall.trader,
        admin=await make_user(Role.MARKET_ADMIN, market=market, name="Admin Pasar"),
        other_admin=await make_user(Role.MARKET_ADMIN, market=other_market, name="Admin Lain"),
        couriers=[await make_user(Role.COURIER, market=market, name=f"Kurir {c}") for c in "ABCDEFGH"[:couriers]],
        foreign_courier=await make_user(Role.COURIER, market=other_market, name="Kurir Lain"),
    )
