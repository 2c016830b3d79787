"""Opening the service's database and bringing its schema up to date (Alembic).

SQLite (the default, a file beside the command) runs in WAL mode with
``synchronous=FULL``: a write is on disk when its transaction commits, so an
acknowledged write survives ``kill -9`` of the server and a power cut. Writers take
the database lock when their transaction starts (``BEGIN IMMEDIATE``) and wait up to
:data:`BUSY_TIMEOUT_MS` for another writer. PostgreSQL is used by URL
(``postgresql://user@host/db``, driven by psycopg 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from leadlever.engine.exceptions import ParameterError

__all__ = ["Database", "open_database", "normalise_url", "BUSY_TIMEOUT_MS", "MIGRATIONS"]

#: how long a writer waits for another one before giving up (SQLite)
BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = Path(__file__).with_name("migrations")
#: PostgreSQL advisory-lock key that serialises concurrent migrations
_MIGRATION_LOCK = 7_316_016


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL from what a user types: a path, ``sqlite:///f.db`` or ``postgresql://``."""
    text_url = str(url).strip()
    if "://" not in text_url:  # a plain file path
        text_url = f"sqlite:///{Path(text_url).expanduser()}"
    for prefix in ("postgres://", "postgresql://"):
        if text_url.startswith(prefix):
            text_url = "postgresql+psycopg://" + text_url[len(prefix) :]
    try:
        parsed = make_url(text_url)
    except ArgumentError:
        raise ParameterError(
            f"The database URL {url!r} is not a URL. Give a file path (leadlever.db), "
            "sqlite:///path/to/file.db or postgresql://user@host:port/dbname."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ParameterError(
            f"The database URL {url!r} names '{parsed.get_backend_name()}'; LeadLever runs on "
            "SQLite (a file path or sqlite:///file.db) or PostgreSQL (postgresql://...)."
        )
    return text_url


class Database:
    """A writer and a reader engine on one database, with its dialect's settings.

    Parameters
    ----------
    url : str
        A file path, ``sqlite:///file.db`` or ``postgresql://user@host:port/db``.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.display_url = parsed.render_as_string(hide_password=True)
        if self.dialect == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise ParameterError(
                    "An in-memory SQLite database would lose every write; give a file path."
                )
            folder = Path(parsed.database).expanduser().resolve().parent
            if not folder.is_dir():
                raise ParameterError(
                    f"The database folder {folder} does not exist. Create it or give another path."
                )
            self.writer = self._sqlite_engine("BEGIN IMMEDIATE")
            self.reader = self._sqlite_engine("BEGIN")
        else:
            self.writer = create_engine(self.url, pool_pre_ping=True, pool_size=10)
            self.reader = self.writer

    def _sqlite_engine(self, begin: str) -> Engine:
        engine = create_engine(self.url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_connection.cursor()
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            conn.exec_driver_sql(begin)

        return engine

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed (durably) when the block ends without an error."""
        with self.writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot)."""
        with self.reader.begin() as conn:
            yield conn

    def migrate(self) -> str:
        """Apply every Alembic migration not yet applied; return the schema revision."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            return str(MigrationContext.configure(conn).get_current_revision())

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url``; errors name the URL and the fix."""
    db = Database(url)
    try:
        if migrate:
            db.migrate()
        else:
            with db.read() as conn:
                conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        db.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ParameterError(
            f"Cannot open the database {db.display_url} ({reason}). Check the URL, that the "
            "server is running and that the user may connect and create tables."
        ) from None
    return db
