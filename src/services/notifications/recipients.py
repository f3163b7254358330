"""Who hears about an outbox event and what they are told: a table from topic to handler.

Every order handler reads the order as it was at the event (its snapshot in the payload), so a
notification made late still tells what was true then.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from src.models.accounts import Role, User
from src.models.orders import PaymentMethod, PaymentStatus, StallOrderStatus
from src.models.outbox import OutboxEvent
from src.services import notification_texts as texts
from src.services import orders as orders_service
from src.services import payments
from src.services import reports as reports_service
from src.services.aftercare_texts import aftercare_params
from src.services.common import dates
from src.services.common.money import rupiah


@dataclass(frozen=True)
class Message:
    user: User
    template: str
    params: dict[str, Any]
    stall_order_id: int | None = None  # a trader's message is about their part


def _order_params(order: dict[str, Any], language: str) -> dict[str, Any]:
    due = order["payment_due_at"]
    return {
        "number": order["number"],
        "total": rupiah(order["total"]),
        "subtotal": rupiah(order["subtotal"]),
        "fee": rupiah(order["delivery_fee"]),
        "payment": texts.PAYMENT[language][order["payment_method"]],
        "slot": texts.slot_text(date.fromisoformat(order["slot_date"]), order["slot_window"], language),
        "due": dates.time_text(datetime.fromisoformat(due)) if due else "",
        "reason": texts.reason_text(order["cancel_reason"] or "", language),
    }


def _part_params(part: dict[str, Any], order: dict[str, Any], language: str) -> dict[str, Any]:
    """A stall's part, for the buyer (who also sees the whole order's money)."""
    return {**_order_params(order, language), **_trader_params(part, order, language)}


def _trader_params(part: dict[str, Any], order: dict[str, Any], language: str) -> dict[str, Any]:
    """What a trader is told of an order: their own part, never the order's total or delivery fee (which
    `total: null` hides from them in the API too, and which the webhook would pass on to the gateway)."""
    listing = ", ".join(f"{name} {texts.quantity_text(qty, unit, language)}" for name, qty, unit in part["items"])
    return {
        "number": order["number"],
        "payment": texts.PAYMENT[language][order["payment_method"]],
        "slot": texts.slot_text(date.fromisoformat(order["slot_date"]), order["slot_window"], language),
        "stall": part["stall"],
        "items": listing,
        "subtotal": rupiah(part["subtotal"]),
        "reason": part["reject_reason"] or texts.reason_text(order["cancel_reason"] or "", language),
    }


@dataclass
class _About:
    """An order's event as its handlers read it: the order then, its buyer and traders, the messages so far."""

    payload: dict[str, Any]
    order: dict[str, Any]
    people: dict[int, User]
    result: list[Message] = field(default_factory=list)

    @classmethod
    async def of(cls, event: OutboxEvent) -> "_About":
        payload: dict[str, Any] = event.payload
        order: dict[str, Any] = payload.get("order") or await orders_service.snapshot_of(order_id=payload["order_id"])
        ids = [order["buyer_id"], *(p["trader_id"] for p in order["parts"])]
        return cls(payload, order, {u.id: u for u in await User.filter(id__in=ids)})

    @property
    def buyer(self) -> User:
        return self.people[self.order["buyer_id"]]

    @property
    def part(self) -> dict[str, Any] | None:
        """The stall's part the event is about, if any."""
        return next((p for p in self.order["parts"] if p["id"] == self.payload.get("stall_order_id")), None)

    @property
    def live(self) -> list[dict[str, Any]]:
        """The parts not rejected."""
        return [p for p in self.order["parts"] if p["status"] != StallOrderStatus.REJECTED.value]

    def to_traders(self, template: str, which: list[dict[str, Any]]) -> None:
        for p in which:
            trader = self.people[p["trader_id"]]
            params = _trader_params(p, self.order, trader.language)
            self.result.append(Message(trader, template, params, stall_order_id=p["id"]))

    def to_buyer(self, template: str, **extra: Any) -> None:
        self.result.append(Message(self.buyer, template, {**_order_params(self.order, self.buyer.language), **extra}))

    async def to_admins(
        self, template: str, *, told: Callable[[str], dict[str, Any]] | None = None, **extra: Any
    ) -> None:
        """The order's market admins (not the trade office: it hears through the reports); `told` gives
        parameters in each admin's language."""
        actor = await User.get_or_none(id=self.payload["actor_id"]) if self.payload.get("actor_id") else None
        admins = await User.filter(role=Role.MARKET_ADMIN, market_id=self.order.get("market_id"), is_active=True)
        for admin in admins:
            params = {**_order_params(self.order, admin.language), "courier": actor.name if actor else "", **extra}
            params |= told(admin.language) if told else {}
            self.result.append(Message(admin, template, params))

    def courier_params(self, courier: User) -> dict[str, Any]:
        return {
            **_order_params(self.order, courier.language),
            # The district only (a courier keeps notifications, not the buyer's street): the address itself
            # is in the app while they deliver.
            "area": self.order.get("district")
            or texts.BUYERS_ADDRESS.get(courier.language, texts.BUYERS_ADDRESS["id"]),
            "distance": self.order.get("distance_km", ""),
            "cod": rupiah(int(self.payload.get("cod") or 0)),
            "minutes": max(1, round(float(self.payload.get("offer_seconds") or 60) / 60)),
        }


async def _placed(about: _About) -> None:
    about.to_traders("order_placed_trader", about.live)
    about.to_buyer("order_placed_buyer")


async def _payment_due(about: _About, language: str = "id") -> dict[str, Any]:
    """What the buyer pays and where: the exact amount (a transfer's unique code included) and the account."""
    payment = await payments.payment_of(int(about.payload["order_id"]))
    if payment is None:
        return {"amount": rupiah(about.order["total"]), "how": ""}
    how = ""
    if payment.account_number:
        holder = "a.n." if language != "en" else "in the name of"
        how = f" ({payment.bank_name} {payment.account_number} {holder} {payment.account_name})"
    return {"amount": rupiah(payment.amount_due), "how": how}


async def _awaiting_payment(about: _About) -> None:
    about.to_buyer("order_awaiting_payment_buyer", **await _payment_due(about, about.buyer.language))


async def _proof_submitted(about: _About) -> None:
    await about.to_admins("payment_proof_admin", **await _payment_due(about))


async def _payment_confirmed(about: _About) -> None:
    about.to_traders("payment_confirmed_trader", about.live)
    about.to_buyer("payment_confirmed_buyer")


async def _to_buyer(template: str, about: _About) -> None:
    about.to_buyer(template)


async def _part_to_buyer(template: str, about: _About) -> None:
    """A stall's part accepted or rejected: the buyer hears of that part (and the whole order's money)."""
    if (part := about.part) is not None:
        about.result.append(Message(about.buyer, template, _part_params(part, about.order, about.buyer.language)))


async def _weighed(about: _About) -> None:
    payload, language = about.payload, about.buyer.language
    if payload.get("changed") is False:  # weighed at exactly what was ordered
        return
    quantity = texts.quantity_text(str(payload.get("quantity", "")), str(payload.get("unit", "")), language)
    about.to_buyer("weighed_buyer", item=payload.get("item", ""), quantity=quantity)


async def _aftercare(buyer_template: str | None, trader_template: str | None, about: _About) -> None:
    """A missing item, its substitute or a complaint about a part: its buyer and/or its trader hear of it."""
    if (part := about.part) is None:
        return
    payload, order = about.payload, about.order
    if buyer_template is not None:
        lang = about.buyer.language
        told = aftercare_params(payload, lang, texts.quantity_text, texts.time_text)
        about.result.append(Message(about.buyer, buyer_template, {**_part_params(part, order, lang), **told}))
    if trader_template is not None:
        trader = about.people[part["trader_id"]]
        told = aftercare_params(payload, trader.language, texts.quantity_text, texts.time_text)
        params = {**_trader_params(part, order, trader.language), **told}
        about.result.append(Message(trader, trader_template, params, stall_order_id=part["id"]))


async def _complaint_opened(about: _About) -> None:
    """The part's trader, and the market's admins, who resolve it."""
    await _aftercare(None, "complaint_opened_trader", about)
    why = about.payload.get("message", "")
    if (part := about.part) is not None:
        await about.to_admins("complaint_opened_admin", stall=part["stall"], why=why)
    else:
        await about.to_admins("complaint_order_admin", why=why)


async def _complaint_resolved(about: _About) -> None:
    outcome = "refunded" if about.payload.get("resolution") == "REFUND" else "rejected"
    if about.part is None:  # about the whole order: the buyer alone
        told = aftercare_params(about.payload, about.buyer.language, texts.quantity_text, texts.time_text)
        about.to_buyer(f"complaint_{outcome}_buyer", **told)
        return
    await _aftercare(f"complaint_{outcome}_buyer", f"complaint_{outcome}_trader", about)


async def _courier_news(template: str, about: _About) -> None:
    """Assigned, picked up, delivered: the buyer hears who carries their order."""
    courier = {
        "courier": about.payload.get("courier_name", ""),
        "courier_phone": about.payload.get("courier_phone", ""),
    }
    about.to_buyer(template, **courier)


async def _delivery_failed(about: _About) -> None:
    about.to_buyer("delivery_failed_buyer", reason=about.payload.get("message", ""))
    await about.to_admins("delivery_failed_admin", reason=about.payload.get("message", ""))


async def _no_courier(about: _About) -> None:
    await about.to_admins("no_courier_admin")


async def _cod_mismatch(about: _About) -> None:
    await about.to_admins(
        "cod_mismatch_admin",
        expected=rupiah(int(about.payload.get("expected") or 0)),
        collected=rupiah(int(about.payload.get("collected") or 0)),
    )


async def _to_courier(template: str, about: _About) -> None:
    """An offer or a manual assignment, told to its courier."""
    courier = await User.get_or_none(id=about.payload["courier_id"])
    if courier is not None:
        about.result.append(Message(courier, template, about.courier_params(courier)))


async def _cancelled(about: _About) -> None:
    order = about.order
    expired = order["cancel_reason"] == "PAYMENT_EXPIRED"
    if about.payload.get("courier_id"):
        courier = await User.get_or_none(id=about.payload["courier_id"])
        if courier is not None:
            about.result.append(Message(courier, "cancelled_courier", _order_params(order, courier.language)))
    about.to_buyer("payment_expired_buyer" if expired else "cancelled_buyer")
    # Traders heard of the order only once it was placed: COD at once, transfer and QRIS once paid.
    traders_knew = order["payment_method"] == PaymentMethod.COD.value or order["payment_status"] == (
        PaymentStatus.PAID.value
    )
    if not expired and traders_knew:
        about.to_traders(
            "cancelled_trader", [p for p in order["parts"] if p["status"] == StallOrderStatus.CANCELLED.value]
        )


def _refund_params(payload: dict[str, Any], language: str) -> dict[str, Any]:
    lang = language if language in texts.REFUND_REASONS else "id"
    return {
        "amount": rupiah(int(payload.get("amount") or 0)),
        "reason": texts.REFUND_REASONS[lang].get(str(payload.get("reason")), str(payload.get("reason"))),
        "how": texts.REFUND_HOW[lang].get(str(payload.get("method")), ""),
        "reference": payload.get("reference") or "",
    }


async def _refund_created(about: _About) -> None:
    """The buyer hears of money coming back; for a MANUAL refund, the market's admins hear there is one to pay."""
    about.to_buyer("refund_created_buyer", **_refund_params(about.payload, about.buyer.language))
    if about.payload.get("method") == "MANUAL":
        await about.to_admins("refund_to_pay_admin", told=partial(_refund_params, about.payload))


async def _refund_paid(about: _About) -> None:
    about.to_buyer("refund_paid_buyer", **_refund_params(about.payload, about.buyer.language))


async def _report_ready(event: OutboxEvent) -> list[Message]:
    """A finished export is announced to the admin who asked for it."""
    payload: dict[str, Any] = event.payload
    export = await reports_service.export_with_requester(int(payload["export_id"]))
    if export is None:
        return []
    user = export.requested_by
    scope = export.market.name if export.market else texts.CITY[user.language if user.language in texts.CITY else "id"]
    params = {"scope": scope, "from": export.date_from.isoformat(), "to": export.date_to.isoformat()}
    return [Message(user, "report_ready", params | {"rows": export.row_count})]


async def _stall_applied(event: OutboxEvent) -> list[Message]:
    """A stall application, told to its market's admins (the trade office when the market has none)."""
    payload: dict[str, Any] = event.payload
    admins = await User.filter(role=Role.MARKET_ADMIN, market_id=payload["market_id"], is_active=True)
    if not admins:
        admins = await User.filter(role=Role.MARKET_ADMIN, market_id=None, is_active=True)
    params = {k: payload[k] for k in ("stall", "stall_number", "market", "trader")}
    return [Message(admin, "stall_applied_admin", params) for admin in admins]


_DECISIONS = {
    "APPROVE": "stall_approved_trader",
    "REJECT": "stall_rejected_trader",
    "SUSPEND": "stall_suspended_trader",
}


async def _stall_reviewed(event: OutboxEvent) -> list[Message]:
    """The market admin's decision on a stall, with the reason, told to its trader."""
    payload: dict[str, Any] = event.payload
    trader = await User.get_or_none(id=payload["trader_id"])
    if trader is None:
        return []
    params = {k: payload[k] for k in ("stall", "stall_number", "market")} | {"reason": payload.get("reason") or ""}
    return [Message(trader, _DECISIONS[payload["decision"]], params)]


Recipients = Callable[[OutboxEvent], Awaitable[list[Message]]]


def _on_order(tell: Callable[[_About], Awaitable[None]]) -> Recipients:
    """A handler of an order's event, given the order as it was at the event."""

    async def recipients(event: OutboxEvent) -> list[Message]:
        about = await _About.of(event)
        await tell(about)
        return about.result

    return recipients


RECIPIENTS: dict[str, Recipients] = {
    "order.placed": _on_order(_placed),
    "order.awaiting_payment": _on_order(_awaiting_payment),
    "order.payment_proof_submitted": _on_order(_proof_submitted),
    "order.payment_confirmed": _on_order(_payment_confirmed),
    "order.stall_accepted": _on_order(partial(_part_to_buyer, "stall_accepted_buyer")),
    "order.stall_rejected": _on_order(partial(_part_to_buyer, "stall_rejected_buyer")),
    "order.weighed": _on_order(_weighed),
    "order.item_unavailable": _on_order(partial(_aftercare, "item_unavailable_buyer", None)),
    "order.substitution_proposed": _on_order(partial(_aftercare, "substitution_proposed_buyer", None)),
    "order.substitution_accepted": _on_order(partial(_aftercare, None, "substitution_accepted_trader")),
    "order.substitution_declined": _on_order(partial(_aftercare, None, "substitution_declined_trader")),
    "order.substitution_expired": _on_order(
        partial(_aftercare, "substitution_expired_buyer", "substitution_expired_trader")
    ),
    "order.complaint_opened": _on_order(_complaint_opened),
    "order.complaint_resolved": _on_order(_complaint_resolved),
    "order.ready_for_pickup": _on_order(partial(_to_buyer, "ready_buyer")),
    "order.courier_assigned": _on_order(partial(_courier_news, "courier_assigned_buyer")),
    "order.picked_up": _on_order(partial(_courier_news, "picked_up_buyer")),
    "order.delivered": _on_order(partial(_courier_news, "delivered_buyer")),
    "order.delivery_failed": _on_order(_delivery_failed),
    "order.no_courier": _on_order(_no_courier),
    "order.cod_mismatch": _on_order(_cod_mismatch),
    "order.cancelled": _on_order(_cancelled),
    "delivery.offered": _on_order(partial(_to_courier, "delivery_offered_courier")),
    "delivery.assigned": _on_order(partial(_to_courier, "delivery_assigned_courier")),
    "refund.created": _on_order(_refund_created),
    "refund.paid": _on_order(_refund_paid),
    "report.ready": _report_ready,
    "stall.applied": _stall_applied,
    "stall.reviewed": _stall_reviewed,
}


async def messages_for(event: OutboxEvent) -> list[Message]:
    """Who hears about an event, and what they are told (nobody, for a topic with no handler)."""
    recipients = RECIPIENTS.get(event.topic)
    return [] if recipients is None else await recipients(event)
