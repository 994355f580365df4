"""Engine, sessions and migrations. SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from nlp.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """Build the engine; for SQLite create the data directory and turn on WAL + foreign keys."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "future": True}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # no sqlalchemy.url: migrate() hands env.py its connection (and '%' in a URL would break
    # configparser interpolation)
    return cfg


def known_revisions(engine: Engine) -> tuple[set[str], str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(engine))
    revs = {r.revision for r in script.walk_revisions()}
    head = script.get_current_head()
    assert head is not None
    return revs, head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, *, auto: bool = True) -> str:
    """Bring the schema to head (``auto``) or check it is there; refuse unknown revisions.

    Raises ConfigError when the database was written by a newer clearpost (a revision this code
    does not know) or, with ``auto=False``, when it is behind.
    """
    from alembic import command

    known, head = known_revisions(engine)
    current = current_revision(engine)
    if current is not None and current not in known:
        raise ConfigError(
            f"database {engine.url.render_as_string(hide_password=True)} is at schema revision "
            f"{current!r}, unknown to this clearpost (known up to {head!r}); it was probably "
            "written by a newer version: upgrade clearpost or point CLEARPOST_DATABASE_URL "
            "elsewhere",
            code="E501",
        )
    if current == head:
        return head
    if not auto:
        raise ConfigError(
            f"database schema is at {current!r}, this clearpost needs {head!r}; run with "
            "CLEARPOST_AUTO_MIGRATE=true (default) to migrate it",
            code="E502",
        )
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return head
