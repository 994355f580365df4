"""/v1/keys: an admin manages its tenant's keys. /v1/me: who the caller is."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import Admin, CurrentKey, SessionDep, StateDep
from api.errors import AUTH, R404, READ, WRITE, ApiError, doc
from api.schemas import KeyCreate, KeyCreated, KeyPublic, KeysPublic, WhoAmI
from api.security import Role, create_key
from api.tables import ApiKey, Tenant, utcnow

router = APIRouter(tags=["keys"])


def _public(k: ApiKey) -> KeyPublic:
    return KeyPublic(
        id=k.id,
        prefix=k.prefix,
        role=Role(k.role),
        name=k.name,  # type: ignore[arg-type]
        created_at=k.created_at,
        revoked_at=k.revoked_at,
    )


@router.get(
    "/me", response_model=WhoAmI, responses=doc(AUTH), summary="The calling key's tenant and role"
)
def me(principal: CurrentKey) -> WhoAmI:
    return WhoAmI(
        tenant=principal.tenant,
        role=principal.role,
        key_id=principal.key_id,
        key_prefix=principal.key_prefix,
    )


@router.get(
    "/keys",
    response_model=KeysPublic,
    responses=doc(READ),
    summary="List this tenant's keys (admin)",
)
def list_keys(principal: Admin, session: SessionDep) -> KeysPublic:
    rows = session.scalars(
        select(ApiKey).where(ApiKey.tenant_id == principal.tenant_id).order_by(ApiKey.id)
    ).all()
    return KeysPublic(data=[_public(k) for k in rows], count=len(rows))


@router.post(
    "/keys",
    response_model=KeyCreated,
    status_code=201,
    responses=doc(WRITE),
    summary="Create a key for this tenant (admin); the secret is shown once",
)
def new_key(body: KeyCreate, principal: Admin, session: SessionDep) -> KeyCreated:
    tenant = session.get(Tenant, principal.tenant_id)
    assert tenant is not None
    row, secret = create_key(session, tenant, body.role, body.name)
    session.commit()
    return KeyCreated(key=secret, **_public(row).model_dump())


@router.delete(
    "/keys/{key_id}",
    response_model=KeyPublic,
    responses=doc(READ, R404),
    summary="Revoke a key of this tenant (admin)",
)
def revoke_key(key_id: int, principal: Admin, session: SessionDep, state: StateDep) -> KeyPublic:
    row = session.get(ApiKey, key_id) if 0 < key_id < 2**62 else None
    if row is None or row.tenant_id != principal.tenant_id:
        raise ApiError(404, "not_found", f"no key {key_id} for this tenant")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    state.keys.forget(row.id)  # refused from the next request on, not after the cache's TTL
    return _public(row)
