"""New rows as values: what a write path that inserts on Core collects instead of ORM instances.

`add_row(session, Model, **values)` is `session.add(Model(**values))` for an ordinary session. A session that collects
its new rows to insert them itself (services/repair/ticket_writes.py: a ticket report's rows, inserted with one
compiled statement per table) offers `collect_row`, and gets a `NewRow`: the model and the values, without an
instrumented instance (building one, with its state and an attribute event per value, cost more than inserting it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


class NewRow:
    """A new row of `model`: its values, readable as attributes like an instance's."""

    __slots__ = ("model", "values")

    def __init__(self, model: type[Any], values: dict[str, Any]) -> None:
        self.model = model
        self.values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"NewRow({self.model.__name__}, {self.values!r})"


def add_row(session: AsyncSession, model: type[Any], **values: Any) -> None:
    """A new row of `model` for the session's transaction (see the module's docstring)."""
    collect = getattr(session, "collect_row", None)
    if collect is not None:
        collect(NewRow(model, values))
    else:
        session.add(model(**values))
