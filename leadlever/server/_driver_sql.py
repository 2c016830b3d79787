"""SQL run on the database driver's cursor inside a SQLAlchemy transaction.

Every arrival batch inserts rows into the same three tables and reads the same two
constants (the active model version, the OKR threshold). SQLAlchemy's execution path
(parameter processing per row, result processing) costs more than such statements on a
few rows, so their SQL is compiled once per dialect and run on the driver's cursor of the
transaction's connection (same transaction, same isolation).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

__all__ = ["bulk_insert", "bulk_insert_columns", "driver_first"]

#: compiled INSERT statements by (dialect, table, columns): compiling one costs more than
#: inserting a few rows, and every arrival batch inserts the same three
_INSERTS: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...] | None]] = {}


def _insert_sql(conn: Any, table: Any, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
    """The INSERT's SQL text and, for a positional driver, its parameter order."""
    key = (conn.dialect.name, table.name, keys)
    if key not in _INSERTS:
        compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(keys))
        order = tuple(compiled.positiontup) if compiled.positional else None
        _INSERTS[key] = (str(compiled), order)
    return _INSERTS[key]


def bulk_insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows with the driver's ``executemany`` inside ``conn``'s transaction
    (SQLAlchemy's per-row parameter processing costs more than the insert itself); the
    statement is compiled once per table and column set."""
    if not rows:
        return
    sql, order = _insert_sql(conn, table, tuple(rows[0]))
    if order is not None:
        _execute_many(conn, sql, [tuple(r[k] for k in order) for r in rows])
    else:
        _execute_many(conn, sql, rows)


def bulk_insert_columns(conn: Any, table: Any, columns: dict[str, list[Any]]) -> None:
    """:func:`bulk_insert` of rows given column by column (one list per column, all of
    the same length), without building a dict per row for a positional driver."""
    keys = tuple(columns)
    sql, order = _insert_sql(conn, table, keys)
    if order is None:  # a driver with named parameters (psycopg): one dict per row
        rows: list[Any] = [
            dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)
        ]
    else:
        rows = list(zip(*(columns[k] for k in order), strict=True))
    if not rows:
        return
    _execute_many(conn, sql, rows)


def _execute_many(conn: Any, sql: str, rows: list[Any]) -> None:
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:  # as SQLAlchemy would raise it
        raise IntegrityError(sql, None, exc) from exc
    finally:
        cursor.close()


#: (dialect, query name) -> the query's SQL with its constants inlined
_SELECTS: dict[tuple[str, str], str] = {}


def driver_first(conn: Any, name: str, query: Any) -> tuple | None:
    """The first row of a constant query (no parameters; text and number columns only)
    run on the driver's cursor inside ``conn``'s transaction: SQLAlchemy's execution path
    costs more than such a query (as in :func:`bulk_insert`); the SQL is compiled once
    per dialect."""
    key = (conn.dialect.name, name)
    if key not in _SELECTS:
        compiled = query().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        _SELECTS[key] = str(compiled)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(_SELECTS[key])
        return cursor.fetchone()
    finally:
        cursor.close()
