"""The money invariant, checked: for every order whose money came in, paid − refunded = owed.

`refunded` counts refunds PENDING or PAID (a FAILED one gave nothing back); `owed` is what the buyer owes
for the order now (`dues.owed`: nothing once cancelled) less the credits granted on it (a complaint's
refund, `refunds.still_owed`). No order may have more refunded than was paid. The test suite asserts this
after every test that touched the database; it reads each payment with its order, the one place this
package looks at an order's row.
"""

from dataclasses import dataclass

from tortoise.expressions import Q

from src.models.payments import Payment, Refund
from src.services.payments.owing import owed
from src.services.payments.refunds import CREDITS, GIVING_BACK


@dataclass(frozen=True)
class MoneyProblem:
    """An order whose money does not add up."""

    order_id: int
    number: str
    paid: int
    refunded: int
    owed: int

    def __str__(self) -> str:
        return f"{self.number}: paid {self.paid} - refunded {self.refunded} != owed {self.owed}"


async def money_problems() -> list[MoneyProblem]:
    """Every order paid (or refunded) where paid − refunded ≠ owed, or more was refunded than paid, in order
    id order. Two queries whatever the number of orders."""
    refunds = await Refund.filter(status__in=GIVING_BACK).values_list("payment_id", "amount", "reason")
    refunded_ids = sorted({int(row[0]) for row in refunds})
    payments = (
        await Payment.filter(Q(paid_amount__gt=0) | Q(id__in=refunded_ids or [0]))
        .select_related("order")
        .order_by("order_id")
    )
    given: dict[int, int] = {}
    credits: dict[int, int] = {}
    for payment_id, amount, reason in refunds:
        given[payment_id] = given.get(payment_id, 0) + int(amount)
        if reason in CREDITS:
            credits[payment_id] = credits.get(payment_id, 0) + int(amount)
    problems = []
    for payment in payments:
        refunded = given.get(payment.id, 0)
        due = max(0, owed(payment.order, payment) - credits.get(payment.id, 0))
        if payment.paid_amount - refunded != due or refunded > payment.paid_amount:
            problems.append(MoneyProblem(payment.order_id, payment.order.number, payment.paid_amount, refunded, due))
    return problems
