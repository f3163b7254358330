"""Counting the SQL queries a block of code sends, from Tortoise's own query log."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(("Created connection pool", "Closed connection pool")):
            self.queries.append(message)

    @property
    def count(self) -> int:
        return len(self.queries)


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
