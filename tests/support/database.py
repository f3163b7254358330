"""The whole database as plain values, to check that a refused request changed nothing."""

from tortoise import Tortoise


async def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    tables = {}
    for app in Tortoise.apps.values():
        for model in app.values():
            rows = await model.all().values()
            tables[model._meta.db_table] = sorted(repr(sorted(row.items())) for row in rows)
    return tables
