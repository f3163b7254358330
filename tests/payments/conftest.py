"""The payments tests' local Xendit (tests/support/xendit.py), one server for the session, reset per test."""

from collections.abc import Iterator

import pytest

from tests.support.xendit import FakeXendit, start_fake_xendit


@pytest.fixture(scope="session")
def xendit_server() -> Iterator[FakeXendit]:
    server = start_fake_xendit()
    yield server
    server.stop()


@pytest.fixture
def xendit(xendit_server: FakeXendit) -> FakeXendit:
    xendit_server.reset()
    return xendit_server
