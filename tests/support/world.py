"""The world a test runs in, typed: a shop (a market's stalls, their goods and traders, a buyer) and the fuller
world deliveries need (admins, couriers, another market), made through the factories and the services."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.catalog import Product
from src.models.delivery import DeliveryAssignment
from src.models.markets import Market, Stall
from src.models.orders import Order, OrderItem, PaymentMethod, SlotWindow, StallOrder
from src.services import delivery
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user

KM = 1 / 111.0  # degrees of latitude per km


def tomorrow() -> date:
    """Tomorrow in Malang (WIB), the first day a delivery slot may be booked."""
    return (now() + timedelta(days=1)).astimezone(orders_service.WIB).date()


@dataclass(frozen=True)
class Goods:
    """What one product is made as: its name, price per unit, stock, quantity rules and wholesale tiers."""

    name: str
    price: int
    stock: str | None = None  # None: the factory's default
    min_quantity: str = "1"
    quantity_step: str = "1"
    is_weighed: bool = False
    tiers: tuple[tuple[str, int], ...] = ()

    async def make(self, stall: Stall) -> Product:
        """This product, made in `stall` through the factory."""
        extra: dict[str, Any] = {"stock": Decimal(self.stock)} if self.stock is not None else {}
        return await make_product(
            stall, name=self.name, price=self.price, min_quantity=Decimal(self.min_quantity),
            quantity_step=Decimal(self.quantity_step), is_weighed=self.is_weighed, tiers=self.tiers, **extra,
        )  # fmt: skip


# The goods the suite's worlds sell (vary one with dataclasses.replace).
CABAI_RAWIT = Goods("Cabai rawit", 60_000, stock="1000", min_quantity="0.25", quantity_step="0.25")
BERAS = Goods("Beras", 13_000, stock="1000")
IKAN_TONGKOL = Goods("Ikan tongkol", 38_000, stock="10", min_quantity="0.25", quantity_step="0.05", is_weighed=True)
BERAS_GROSIR = Goods("Beras", 13_300, stock="100", tiers=(("10", 12_800), ("25", 12_500)))
GARAM_KROSOK = Goods(
    "Garam krosok", 400, stock="100", min_quantity="0.001", quantity_step="0.001", tiers=(("0.5", 350),)
)


@dataclass
class Shop:
    """A market whose stalls each sell one product (`products[i]` at `stalls[i]`), their traders, and a buyer."""

    settings: Settings
    market: Market
    stalls: list[Stall]
    products: list[Product]
    traders: list[User]
    buyer: User
    keys: list[int] = field(default_factory=lambda: [0])

    @property
    def stall(self) -> Stall:
        return self.stalls[0]

    @property
    def second_stall(self) -> Stall:
        return self.stalls[1]

    @property
    def product(self) -> Product:
        return self.products[0]

    @property
    def second_product(self) -> Product:
        return self.products[1]

    @property
    def trader(self) -> User:
        return self.traders[0]

    @property
    def second_trader(self) -> User:
        return self.traders[1]

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
        """A placed order of every stall: `quantity` of the first product, 1 of each other (accepted and packed
        when `ready`)."""
        self.keys[0] += 1
        request = orders_service.OrderRequest(
            items=[
                orders_service.ItemInput(self.product.id, Decimal(quantity)),
                *(orders_service.ItemInput(product.id, Decimal("1")) for product in self.products[1:]),
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
        """Every stall's part of `order` accepted, its weighed items weighed as ordered, and packed by its trader."""
        for part in await StallOrder.filter(order_id=order.id).select_related("stall__trader").order_by("id"):
            trader = part.stall.trader
            await orders_service.accept_stall_order(actor=trader, stall_order_id=part.id)
            for item in await OrderItem.filter(stall_order_id=part.id, is_weighed=True, fulfilled_quantity=None):
                await orders_service.set_fulfilled_quantity(  # weighed at exactly what was ordered
                    actor=trader, order_item_id=item.id, quantity=item.quantity, settings=self.settings
                )
            await orders_service.mark_stall_order_ready(actor=trader, stall_order_id=part.id)


@dataclass
class World(Shop):
    """A shop of two stalls plus what deliveries need: the market's admin and couriers, and another market with
    its own admin and courier."""

    other_market: Market = field(kw_only=True)
    admin: User = field(kw_only=True)
    other_admin: User = field(kw_only=True)
    couriers: list[User] = field(kw_only=True)
    foreign_courier: User = field(kw_only=True)

    async def available(self, courier: User, *, km_from_market: float | None = None) -> None:
        """`courier` on duty, `km_from_market` north of the market (no location when None)."""
        location = (
            (float(self.market.latitude) + km_from_market * KM, float(self.market.longitude))
            if km_from_market is not None
            else (None, None)
        )
        await delivery.set_availability(actor=courier, available=True, lat=location[0], lng=location[1])

    async def deliver(
        self, order: Order, *, cash: int | Literal["due"] | None = "due", courier: User | None = None
    ) -> DeliveryAssignment:
        """A ready `order` given by the admin to `courier` (the first courier when None), picked up and handed
        over without a photo, `cash` collected (exactly what is due unless told; None for a paid order)."""
        courier = courier or self.couriers[0]
        assignment = await delivery.assign_manually(actor=self.admin, order_id=order.id, courier_id=courier.id)
        await delivery.mark_picked_up(actor=courier, assignment_id=assignment.id)
        collected = assignment.cod_expected if cash == "due" else cash
        return await delivery.mark_delivered(
            actor=courier, assignment_id=assignment.id, cod_collected=collected, proof_photo=None, storage=None,  # type: ignore[arg-type]
            settings=self.settings,
        )  # fmt: skip


async def make_shop(
    settings: Settings,
    *,
    goods: Sequence[Goods] = (CABAI_RAWIT, BERAS),
    market: Market | None = None,
    traders: Sequence[User] | None = None,
    stall_names: Sequence[str] | None = None,
    buyer_fields: Mapping[str, Any] | None = None,
) -> Shop:
    """A market with one stall per goods (a trader of its own each unless given), and a buyer made last with
    `buyer_fields`."""
    market = market or await make_market()
    stalls = []
    for n in range(len(goods)):
        given: dict[str, Any] = {"trader": traders[n]} if traders else {}
        if stall_names:
            given["name"] = stall_names[n]
        stalls.append(await make_stall(market=market, **given))
    products = [await item.make(stall) for item, stall in zip(goods, stalls, strict=True)]
    return Shop(
        settings=settings,
        market=market,
        stalls=stalls,
        products=products,
        traders=[await stall.trader for stall in stalls],
        buyer=await make_user(**(buyer_fields or {})),
    )


async def make_world(settings: Settings, couriers: int = 3, *, goods: Sequence[Goods] = (CABAI_RAWIT, BERAS)) -> World:
    """A two-stall shop selling cabai rawit and beras (or other `goods`, one stall each), its admin and `couriers`
    couriers (Kurir A, B, …), and another market with an admin and a courier of its own."""
    market, other_market = await make_market(), await make_market()
    shop = await make_shop(settings, goods=goods, market=market, buyer_fields={"name": "Bu Sri"})
    return World(
        settings=settings,
        market=market,
        stalls=shop.stalls,
        products=shop.products,
        traders=shop.traders,
        buyer=shop.buyer,
        other_market=other_market,
        admin=await make_user(Role.MARKET_ADMIN, market=market, name="Admin Pasar"),
        other_admin=await make_user(Role.MARKET_ADMIN, market=other_market, name="Admin Lain"),
        couriers=[await make_user(Role.COURIER, market=market, name=f"Kurir {c}") for c in "ABCDEFGH"[:couriers]],
        foreign_courier=await make_user(Role.COURIER, market=other_market, name="Kurir Lain"),
    )
