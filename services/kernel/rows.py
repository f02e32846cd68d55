"""New rows as values: what a write path that inserts on Core collects instead of ORM instances.

`add_row(session, Model, **values)` is `session.add(Model(**values))` for an ordinary session. A session that collects
its new rows to insert them itself (services/repair/ticket_writes.py: a ticket report's rows, inserted with one
compiled statement per table) offers `collect_row`, and gets a `NewRow`: the model and the values, without an
instrumented instance (building one, with its state and an attribute event per value, cost more than inserting it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.instrumentation import manager_of_class


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


def new_entity(model: type[Any], **values: Any) -> Any:
    """An instance of `model` holding `values`, made without the mapped constructor (which fires an attribute event
    per value): for a new row that a collecting session inserts itself, and that the rules still read and change
    as an entity (changes made afterwards are ordinary attribute sets)."""
    instance = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    return instance
