"""API keys: high-entropy random secrets, stored as sha256 (a slow KDF adds nothing for 256-bit
random keys), compared in constant time. A key reads ``cp_<prefix>_<secret>``; the prefix is
stored in clear to find the row and to name the key in listings."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.tables import ApiKey, Tenant


class Role(StrEnum):
    admin = "admin"
    analyst = "analyst"
    viewer = "viewer"


ROLE_RANK = {Role.viewer: 0, Role.analyst: 1, Role.admin: 2}
TENANT_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str]:
    """(key, prefix)."""
    prefix = secrets.token_hex(4)
    return f"cp_{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "cp" or len(parts[1]) != 8:
        return None
    return parts[1]


def lookup_key(session: Session, key: str) -> ApiKey | None:
    """The live key row for ``key``, or None. Constant-time on the hash comparison."""
    prefix = key_prefix(key)
    if prefix is None or len(key) > 200:
        return None
    digest = hash_key(key)
    found = None
    for row in session.scalars(
        select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    ):
        if hmac.compare_digest(row.key_hash, digest):
            found = row
    return found


def get_or_create_tenant(session: Session, name: str) -> tuple[Tenant, bool]:
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is not None:
        return tenant, False
    tenant = Tenant(name=name)
    session.add(tenant)
    session.flush()
    return tenant, True


def create_key(
    session: Session, tenant: Tenant, role: Role | str, name: str = ""
) -> tuple[ApiKey, str]:
    """Add a key for ``tenant``; returns (row, secret). The secret is not stored anywhere."""
    key, prefix = new_key()
    row = ApiKey(
        tenant_id=tenant.id, prefix=prefix, key_hash=hash_key(key), role=Role(role).value, name=name
    )
    session.add(row)
    session.flush()
    return row, key
