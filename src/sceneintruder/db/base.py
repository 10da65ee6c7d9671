"""Declarative base with a naming convention (so Alembic names constraints predictably) and shared column types."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, make_transient_to_detached, mapped_column
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from sceneintruder.core.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as UTC; always read back timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads this class attribute


M = TypeVar("M", bound=Base)


def insert_values(row: Base) -> dict[str, Any]:
    """The values set on a new ORM object, by column name, for a Core INSERT of it (a hot path's write that skips
    the unit of work): a column never set takes its column's default, as in an ORM insert."""
    state = row.__dict__
    return {column: state[key] for key, column in _mapped_columns(type(row)) if key in state}


def unsaved(model: type[M], values: Mapping[str, Any]) -> M:
    """`model(**values)` without the ORM's attribute events (a few µs per value, ~70 per story choice): the values
    go straight into the object's state, where an INSERT (Core, from `insert_values`, or the unit of work's, if
    it is added to a session) takes them, as it takes values set one by one. Only mapped attributes."""
    unknown = values.keys() - _attribute_keys(model)
    if unknown:
        raise TypeError(f"{model.__name__} has no mapped attribute {sorted(unknown)}")
    row: M = manager_of_class(model).new_instance()
    row.__dict__.update(values)
    return row


def loaded(model: type[M], values: Mapping[str, Any]) -> M:
    """A detached `model` with these column values, as a closed read session leaves one it loaded (no pending
    change; its identity from its primary key), built without the attribute events of `model(**values)`."""
    row = unsaved(model, values)
    make_transient_to_detached(row)
    return row


@functools.cache
def _attribute_keys(model: type[Base]) -> frozenset[str]:
    return frozenset(attr.key for attr in sa_inspect(model).attrs)


@functools.cache
def _mapped_columns(model: type[Base]) -> tuple[tuple[str, str], ...]:
    """(attribute, column) of each mapped column of `model` (an attribute may be named apart from its column)."""
    return tuple((attr.key, attr.columns[0].key) for attr in sa_inspect(model).column_attrs)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class rfc3339_text(FunctionElement[str]):
    """A UTCDateTime column as the API writes it (`core.clock.rfc3339`: `2026-12-04T23:38:20.892569+00:00`),
    formatted by the database: reading thousands of rows (a story's nodes and choices) then builds no datetime
    objects in Python. SQLite stores `YYYY-MM-DD HH:MM:SS.ffffff` (always six digits) in UTC; PostgreSQL's
    timestamptz is formatted in UTC."""

    type = String()
    inherit_cache = True
    name = "rfc3339_text"


@compiles(rfc3339_text, "sqlite")
def _rfc3339_sqlite(element: rfc3339_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"(replace({column}, ' ', 'T') || '+00:00')"


@compiles(rfc3339_text, "postgresql")
def _rfc3339_postgresql(element: rfc3339_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
