"""Raw SQL for the queries the ORM cannot express well (catalog listing, reports), on both databases."""

from typing import Any


class Sql:
    """Collects SQL fragments and their parameters with the dialect's placeholders."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgres"
        self.params: list[Any] = []

    def number(self, column: str) -> str:
        """A decimal column for comparing: Tortoise keeps decimals as text on SQLite."""
        return column if self.postgres else f"CAST({column} AS REAL)"

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"
