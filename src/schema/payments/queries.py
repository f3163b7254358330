"""Money's queries: a trader's statement."""

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay

from src.schema.context import Info
from src.schema.errors import query_errors
from src.schema.ids import decode_id
from src.schema.payments.ledger import TraderStatement
from src.services import payments


@strawberry.type
class PaymentsQuery:
    @strawberry.field(
        description="Trader: their stall's statement (stallId left out or theirs); market admin: a stall of their "
        "market; trade office: any stall. Days in WIB, at most 366."
    )
    async def trader_statement(
        self,
        info: Info,
        date_from: Annotated[date, strawberry.argument(name="from")],
        date_to: Annotated[date, strawberry.argument(name="to")],
        stall_id: relay.GlobalID | None = None,
    ) -> TraderStatement:
        with query_errors(info):
            statement = await payments.trader_statement(
                actor=await info.context.get_user(),
                stall_id=decode_id(stall_id, "Stall", field="stallId") if stall_id else None,
                date_from=date_from,
                date_to=date_to,
            )
        return TraderStatement.from_statement(statement)
