"""`add_row` (services/kernel/rows.py): an ORM instance for an ordinary session, the values alone for a session that
collects its new rows (the ticket report's writes)."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import new_metadata
from services.kernel.rows import NewRow, add_row


class Base(DeclarativeBase):
    metadata = new_metadata()


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(20))


class Plain:
    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, entity: object) -> None:
        self.added.append(entity)


class Collecting(Plain):
    def collect_row(self, row: NewRow) -> None:
        self.added.append(row)


def test_an_ordinary_session_gets_an_instance():
    session = Plain()
    add_row(session, Note, text="到了")  # type: ignore[arg-type]
    [note] = session.added
    assert isinstance(note, Note) and note.text == "到了"


def test_a_collecting_session_gets_the_values_readable_as_attributes():
    session = Collecting()
    add_row(session, Note, text="到了")  # type: ignore[arg-type]
    [row] = session.added
    assert type(row) is NewRow and row.model is Note and row.values == {"text": "到了"}
    assert row.text == "到了"
    with pytest.raises(AttributeError):
        _ = row.id  # a value the rules did not give is not made up
    assert "Note" in repr(row)
