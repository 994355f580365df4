"""``clearpost keys``: create, list and revoke API keys on the configured database
(CLEARPOST_DATABASE_URL), whether or not the server runs; a new database gets its schema."""

from __future__ import annotations

import argparse
import re

HELP = "manage API keys (create/list/revoke) on the configured database"
ROLES = ("admin", "analyst", "viewer")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="keys_command", required=True)
    c = sub.add_parser("create", help="create a key; prints it once, alone on the last line")
    c.add_argument("--tenant", required=True, help="tenant name (created when new), e.g. acme")
    c.add_argument("--role", choices=ROLES, default="analyst", help="default: analyst")
    c.add_argument("--name", default="", help="a label for the key")
    ls = sub.add_parser("list", help="list a tenant's keys (never the secrets)")
    ls.add_argument("--tenant", required=True)
    rv = sub.add_parser("revoke", help="revoke a key by its id")
    rv.add_argument("--tenant", required=True)
    rv.add_argument("id", type=int)
    for p in (c, ls, rv):
        p.add_argument("--database-url", default=None, help="overrides CLEARPOST_DATABASE_URL")


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from api.db import make_engine, make_sessionmaker, migrate, session_scope
    from api.security import TENANT_NAME, create_key, get_or_create_tenant
    from api.settings import Settings
    from api.tables import ApiKey, Tenant, utcnow
    from nlp.errors import InputError

    settings = Settings()
    url = args.database_url or settings.database_url
    engine = make_engine(url)
    migrate(engine, auto=True)
    sessions = make_sessionmaker(engine)
    tenant_name = args.tenant.strip().lower()
    if not re.match(TENANT_NAME, tenant_name):
        raise InputError(f"--tenant {args.tenant!r}: use lowercase letters, digits, '-' and '_'")
    try:
        with session_scope(sessions) as s:
            if args.keys_command == "create":
                tenant, created = get_or_create_tenant(s, tenant_name)
                row, secret = create_key(s, tenant, args.role, args.name)
                print(
                    f"{'created tenant ' + tenant.name + '; ' if created else ''}"
                    f"new {args.role} key id {row.id} (prefix {row.prefix}) for tenant {tenant.name}; "
                    "it is shown once, store it now:"
                )
                print(secret)
                return 0
            found = s.scalar(select(Tenant).where(Tenant.name == tenant_name))
            if found is None:
                raise InputError(f"no tenant {tenant_name!r}")
            tenant = found
            if args.keys_command == "list":
                for k in s.scalars(
                    select(ApiKey).where(ApiKey.tenant_id == tenant.id).order_by(ApiKey.id)
                ):
                    state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
                    print(f"{k.id}\t{k.prefix}\t{k.role}\t{state}\t{k.name}")
                return 0
            key_row = s.get(ApiKey, args.id)
            if key_row is None or key_row.tenant_id != tenant.id:
                raise InputError(f"no key {args.id} for tenant {tenant_name!r}")
            if key_row.revoked_at is None:
                key_row.revoked_at = utcnow()
            print(f"revoked key {key_row.id} ({key_row.prefix})")
            if settings.auth_cache_seconds > 0:
                print(
                    f"a running server refuses it within {settings.auth_cache_seconds:g} s "
                    "(CLEARPOST_AUTH_CACHE_SECONDS); DELETE /v1/keys/ID refuses it at once"
                )
            return 0
    finally:
        engine.dispose()
