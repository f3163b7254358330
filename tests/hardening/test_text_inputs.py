"""SQL and script fragments in every text input: kept as text exactly, or refused with a clear code and no change.

Each fragment goes through every mutation that stores text (product, stall application, staff account,
cart note, order address and note, rejection, cancellation and delivery reasons, opening hours), into a
field that is not free text (a phone number), and through the text arguments of queries (search). A stored
fragment is read back unchanged through the API; a refused one leaves every row of every table as it was.
No answer is a 500 or carries a trace, and the tables the fragments name still exist afterwards.
"""

from typing import Any

import pytest
from strawberry.relay import to_base64

from src.models.accounts import Role, User
from src.models.orders import Order, PaymentMethod, StallOrder
from src.services import delivery
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.database import snapshot
from tests.support.graphql import GraphQLClient
from tests.support.world import World, make_world, tomorrow

FRAGMENTS = [
    "Robert'); DROP TABLE user_account;--",
    "<script>alert('x')</script>",
    "' OR 1=1 --",
    '" OR ""="',
    "${7*7}{{7*7}}<%= 7*7 %>",
    "1; SELECT pg_sleep(5)",
    "<img src=x onerror=alert(1)>",
    "%' AND 1=0 UNION SELECT password_hash FROM user_account --",
    "\\'; --\\",
    "ÿ ﷽ 🐟 ‮",
]


class Attempts:
    """Sends a mutation; returns its payload, after checking a refusal is clear and changed nothing."""

    def __init__(self, gql: GraphQLClient, settings: Settings) -> None:
        self.gql, self.settings = gql, settings
        self.stored: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str]] = []

    async def send(self, who: User, name: str, input_type: str, fields: str, variables: dict[str, Any]) -> Any:
        document = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} errors {{ field code }} }} }}"
        before = await snapshot()
        response = await self.gql.post(document, {"input": variables}, token=token_for(who, self.settings))
        assert response.status_code == 200 and "Traceback" not in response.text, response.text
        body = response.json()
        assert not body.get("errors"), body
        payload = body["data"][name]
        if payload["errors"]:
            assert {error["code"] for error in payload["errors"]} <= {"INVALID_INPUT", "INVALID_PHONE"}, (
                name,
                payload["errors"],
            )
            assert await snapshot() == before, f"{name} was refused but changed the database"
            self.refused.append((name, payload["errors"][0]["field"]))
        else:
            self.stored.append((name, ""))
        return payload


async def _order(world: World) -> Order:
    return await world.order(ready=False, method=PaymentMethod.COD)


@pytest.mark.parametrize("fragment", FRAGMENTS)
async def test_fragments_in_every_text_input(gql: GraphQLClient, settings: Settings, fragment: str) -> None:
    world = await make_world(settings, couriers=1)
    attempts = Attempts(gql, settings)
    product_id = to_base64("Product", world.product.id)

    product = await attempts.send(world.trader, "updateProduct", "UpdateProductInput",
                                  "product { name description }",
                                  {"id": product_id, "name": fragment, "description": fragment})  # fmt: skip
    if not product["errors"]:
        assert product["product"] == {"name": fragment, "description": fragment}

    applicant = await make_user(Role.TRADER)
    stall = await attempts.send(applicant, "applyForStall", "ApplyForStallInput", "stall { name description }",
                                {"marketId": to_base64("Market", world.market.id), "name": fragment,
                                 "stallNumber": "B-12", "description": fragment})  # fmt: skip
    if not stall["errors"]:
        assert stall["stall"] == {"name": fragment, "description": fragment}

    staff = await attempts.send(world.admin, "createStaffUser", "CreateStaffUserInput", "user { name }",
                                {"phone": "0812-9876-5432", "password": "kopi-tubruk-malang", "name": fragment,
                                 "role": "COURIER", "marketId": to_base64("Market", world.market.id)})  # fmt: skip
    if not staff["errors"]:
        assert staff["user"]["name"] == fragment
    # A fragment where a phone number belongs is refused (and, as every refusal here, changes nothing).
    bad_phone = await attempts.send(world.admin, "createStaffUser", "CreateStaffUserInput", "user { name }",
                                    {"phone": fragment, "password": "kopi-tubruk-malang", "name": "Kurir",
                                     "role": "COURIER", "marketId": to_base64("Market", world.market.id)})  # fmt: skip
    assert bad_phone["errors"] == [{"field": "input.phone", "code": "INVALID_PHONE"}]

    hours = await attempts.send(world.admin, "updateMarket", "UpdateMarketInput", "market { openingHours }",
                                {"id": to_base64("Market", world.market.id), "openingHours": fragment})  # fmt: skip
    if not hours["errors"]:
        assert hours["market"]["openingHours"] == fragment

    cart = await attempts.send(world.buyer, "addToCart", "CartItemInput", "cart { items { note } }",
                               {"productId": product_id, "quantity": "0.5", "note": fragment})  # fmt: skip
    if not cart["errors"]:
        assert cart["cart"]["items"] == [{"note": fragment}]

    placed = await attempts.send(world.buyer, "placeOrder", "PlaceOrderInput",
                                 "order { id note address { line area recipientName } }", {
        "items": [{"productId": product_id, "quantity": "0.5", "note": fragment}],
        "address": {"line": fragment, "area": fragment, "recipientName": fragment, "recipientPhone": "0812-3456-7890",
                    "location": {"lat": float(world.market.latitude) + 0.01, "lng": float(world.market.longitude)}},
        "deliverySlot": {"date": tomorrow().isoformat(), "window": "AFTERNOON"},
        "paymentMethod": "COD", "idempotencyKey": fragment, "note": fragment,
    })  # fmt: skip
    if not placed["errors"]:
        order = placed["order"]
        assert order["note"] == fragment
        assert order["address"] == {"line": fragment, "area": fragment, "recipientName": fragment}

    part = await StallOrder.get(order_id=(await _order(world)).id, stall_id=world.stall.id)
    part_id = to_base64("StallOrder", part.id)
    rejected = await attempts.send(world.trader, "rejectStallOrder", "RejectStallOrderInput",
                                   "stallOrder { rejectReason }",
                                   {"stallOrderId": part_id, "reason": fragment})  # fmt: skip
    if not rejected["errors"]:
        assert rejected["stallOrder"]["rejectReason"] == fragment

    order_id = to_base64("Order", (await _order(world)).id)
    cancelled = await attempts.send(world.buyer, "cancelOrder", "CancelOrderInput", "order { cancelReason }",
                                    {"orderId": order_id, "reason": fragment})  # fmt: skip
    if not cancelled["errors"]:
        assert cancelled["order"]["cancelReason"] == fragment

    courier = world.couriers[0]
    for mutation in ("declineDelivery", "markDeliveryFailed"):
        ready = await world.order(ready=True)
        assignment = await delivery.assign_manually(actor=world.admin, order_id=ready.id, courier_id=courier.id)
        if mutation == "markDeliveryFailed":
            await delivery.mark_picked_up(actor=courier, assignment_id=assignment.id)
        answered = await attempts.send(courier, mutation, "AssignmentReasonInput", "assignment { reason }",
                                       {"assignmentId": to_base64("DeliveryAssignment", assignment.id),
                                        "reason": fragment})  # fmt: skip
        if not answered["errors"]:
            assert answered["assignment"]["reason"] == fragment

    for document, variables in (
        ("query($s: String) { products(filter: {search: $s}) { edges { node { name } } } }", {"s": fragment}),
        ("query($s: String) { markets(search: $s) { edges { node { name } } } }", {"s": fragment}),
    ):
        response = await gql.post(document, variables)
        assert response.status_code == 200 and not response.json().get("errors"), response.text

    # Every free-text input kept the fragment as text; the tables the fragments name are all still there.
    assert attempts.refused == [("createStaffUser", "input.phone")]
    assert len(attempts.stored) == 10
    assert await User.all().count() >= 8 and await Order.all().count() >= 4
