"""Several small SELECTs read as one statement: each part's rows come back as one JSON array, on SQLite and on
PostgreSQL alike.

Why: on a hot path (a story move reads seven short lists for its prompt) the database takes microseconds per
SELECT, and SQLAlchemy's per-statement Python (execute, result, rows; with aiosqlite a thread hop too) takes
~0.1-0.2 ms. One statement whose columns are the parts' aggregates pays that once.

    SELECT (SELECT json_group_array(json_array(a, b, rank)) FROM (<part 1, ranked>)) AS part_1, ...

(PostgreSQL: `coalesce(json_agg(json_build_array(...)), '[]')::text`.) Each part's rows carry their rank in the
part's own order (`row_number()` over the rows its LIMIT kept), and are sorted by it here: neither database
promises that an aggregate keeps the order of the subquery it reads.

A part is a column SELECT (no ORM entities), with the ORDER BY that ranks its rows given apart (the window's);
its columns may be text, numbers, booleans or JSON (read back as Python values of the same kinds, booleans as
`bool`); a date or time column is refused where the bundle is built (the two databases would render it
differently). Every part's bound parameters share one namespace: the same name is the same value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Interval,
    Select,
    Text,
    Time,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import coercions, operators, roles
from sqlalchemy.sql._typing import ColumnExpressionArgument
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

Row = tuple[Any, ...]
AnySelect = Select[*tuple[Any, ...]]
Order = Sequence[ColumnExpressionArgument[Any]]
Part = tuple[AnySelect, Order]  # a column SELECT, the columns ranking its rows
_UNSUPPORTED = (Date, DateTime, Interval, Time)
_EMPTY_JSON: ColumnElement[Any] = literal_column("'[]'::json")


class JsonBundle:
    """Built once (module level); `read` runs the whole bundle as one statement and returns each part's rows."""

    def __init__(self, parts: Mapping[str, Part]) -> None:
        """`parts`: name → (a column SELECT, the columns ranking its rows the way its ORDER BY does)."""
        self._parts = dict(parts)
        self._converters: dict[str, list[Callable[[Any], Any] | None]] = {}
        for name, (query, _order) in self._parts.items():
            converters: list[Callable[[Any], Any] | None] = []
            for column in query.selected_columns:
                if isinstance(column.type, _UNSUPPORTED):
                    raise TypeError(f"bundle part {name!r}: column {column.key!r} is a {column.type}; not bundled")
                converters.append(_as_bool if isinstance(column.type, Boolean) else None)
            self._converters[name] = converters
        self._statements: dict[str, AnySelect] = {}

    def statement(self, dialect: str) -> AnySelect:
        built = self._statements.get(dialect)
        if built is None:
            built = self._statements[dialect] = select(*self.columns(dialect))
        return built

    def columns(self, dialect: str) -> list[ColumnElement[Any]]:
        """The parts as labelled columns (uncorrelated scalar subqueries), to put in another SELECT; `decode`
        reads them back."""
        return [self._aggregate(query, order, dialect).label(name) for name, (query, order) in self._parts.items()]

    def decode(self, values: Sequence[Any]) -> dict[str, list[Row]]:
        """Each part's rows from the values of its columns, in the parts' order."""
        return {name: self._rows(name, value) for name, value in zip(self._parts, values, strict=True)}

    async def read(self, session: AsyncSession, params: Mapping[str, Any]) -> dict[str, list[Row]]:
        dialect = session.get_bind().dialect.name
        connection = await session.connection()  # a Core read: none of the ORM's per-statement work
        return self.decode((await connection.execute(self.statement(dialect), dict(params))).one())

    def _rows(self, name: str, text: str | bytes | None) -> list[Row]:
        ranked = orjson.loads(text) if text else []
        ranked.sort(key=lambda row: row[-1])
        converters = self._converters[name]
        if not any(converters):
            return [tuple(row[:-1]) for row in ranked]
        return [tuple(_converted(row[:-1], converters)) for row in ranked]

    @staticmethod
    def _aggregate(query: AnySelect, order: Order, dialect: str) -> ColumnElement[Any]:
        # The rank is taken over the part's rows once its own LIMIT has cut them (a window inside the part would
        # rank every row the WHERE keeps): the ranking columns ride along as hidden columns, ranked outside.
        keys = [_ranking_key(term) for term in order]
        width = len(query.selected_columns)
        part = query.add_columns(*(column.label(f"bundle_key_{n}") for n, (column, _) in enumerate(keys))).subquery()
        hidden = list(part.columns)[width:]
        rank = func.row_number().over(
            order_by=[
                column.desc() if descending else column for column, (_, descending) in zip(hidden, keys, strict=True)
            ]
        )
        ranked = select(*list(part.columns)[:width], rank.label("bundle_rank")).subquery()
        columns = [
            func.json(column) if dialect == "sqlite" and isinstance(column.type, JSON) else column
            for column in ranked.columns
        ]
        if dialect == "sqlite":
            aggregate: ColumnElement[Any] = type_coerce(func.json_group_array(func.json_array(*columns)), Text)
        else:
            aggregate = cast(func.coalesce(func.json_agg(func.json_build_array(*columns)), _EMPTY_JSON), Text)
        return select(aggregate).select_from(ranked).scalar_subquery()


def _ranking_key(term: ColumnExpressionArgument[Any]) -> tuple[ColumnElement[Any], bool]:
    """A ranking term as (its column, descending)."""
    element = coercions.expect(roles.OrderByRole, term)
    if isinstance(element, UnaryExpression) and element.modifier in (operators.desc_op, operators.asc_op):
        return element.element, element.modifier is operators.desc_op
    return element, False


def _converted(row: list[Any], converters: list[Callable[[Any], Any] | None]) -> Iterator[Any]:
    for value, convert in zip(row, converters, strict=True):
        yield value if convert is None or value is None else convert(value)


def _as_bool(value: Any) -> bool:
    return bool(value)
