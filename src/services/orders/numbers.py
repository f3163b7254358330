"""Order numbers: PSR-<WIB date>-<a running number>, from a sequence on PostgreSQL, a day's row elsewhere."""

from datetime import date

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError

from src.models.orders import OrderNumberCounter
from src.services.common import dates


def order_day() -> date:
    """Today in WIB: the day an order placed now is numbered by."""
    return dates.today()


async def ensure_counter(day: date) -> None:
    """The day's counter row where numbers are counted per day (not PostgreSQL: its sequence is made by a
    migration), made outside the order's transaction: two first orders of a day racing to create it must
    not abort an order."""
    if get_connection("default").capabilities.dialect == "postgres":
        return
    if await OrderNumberCounter.exists(day=day):
        return
    try:
        await OrderNumberCounter.create(day=day, last_number=0)
    except IntegrityError:
        pass  # the other one made it


async def next_number(day: date) -> str:
    """PSR-<WIB date>-<a running number>. On PostgreSQL the number comes from a sequence, which takes no
    lock (a day's counter row would make every order of the city wait for the one before to commit);
    SQLite, which writes one transaction at a time anyway, counts each day in a row of its own."""
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres":
        rows = await connection.execute_query_dict("SELECT nextval('order_number_seq') AS n")
        return f"PSR-{day:%Y%m%d}-{int(rows[0]['n']):04d}"
    counter = await OrderNumberCounter.select_for_update().get(day=day)
    counter.last_number += 1
    await counter.save(update_fields=["last_number"])
    return f"PSR-{day:%Y%m%d}-{counter.last_number:04d}"
