"""A database that drops or refuses connections (a restart, a failover) is a 503 the client may retry, not a 500:
`connection_lost` tells those errors from bugs (the PostgreSQL restart in test_faults runs it for real)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.kernel.db import connection_lost

pytestmark = pytest.mark.security


def wrapped(cause: BaseException, *, invalidated: bool = False) -> DBAPIError:
    error = DBAPIError("SELECT 1", {}, cause, connection_invalidated=invalidated)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error",
    [
        wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")),
        wrapped(asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")),
        wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")),
        wrapped(Exception("whatever the driver said"), invalidated=True),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_a_dropped_or_refused_connection_is_lost(error):
    assert connection_lost(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        IntegrityError("INSERT", {}, Exception("duplicate key")),
        wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key value")),
        KeyError("ticket_no"),
    ],
)
def test_a_bug_or_a_rule_is_not_a_lost_connection(error):
    assert not connection_lost(error)
