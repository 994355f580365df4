"""Dashboard sessions: the API key is entered once on /app/login and kept, for the browser
session, in a signed, HttpOnly, SameSite=Strict cookie. Every page request resolves it again
through the API's own key lookup (so a revoked key logs the browser out at once) and gets the same
``Principal`` (tenant + role) and rate limit as an API call.

The cookie is signed (HMAC-SHA256) with ``CLEARPOST_SESSION_SECRET`` when set, else with a secret
drawn at start-up (sessions then end when the server restarts), and carries its expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy.orm import Session

from api.deps import AppState, Principal, lookup_principal

COOKIE = "clearpost_session"
SESSION_SECONDS = 12 * 3600
_PROCESS_SECRET = secrets.token_bytes(32)


def _secret() -> bytes:
    env = os.environ.get("CLEARPOST_SESSION_SECRET")
    return hashlib.sha256(env.encode()).digest() if env else _PROCESS_SECRET


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sign_session(key: str, *, now: float | None = None, ttl: int = SESSION_SECONDS) -> str:
    payload = _b64(
        json.dumps({"k": key, "exp": int((time.time() if now is None else now) + ttl)}).encode()
    )
    sig = _b64(hmac.new(_secret(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{sig}"


def read_session(token: str | None, *, now: float | None = None) -> str | None:
    """The API key in a valid, unexpired session cookie, else None."""
    if not token or "." not in token or len(token) > 1024:
        return None
    payload, sig = token.rsplit(".", 1)
    want = _b64(hmac.new(_secret(), payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(sig, want):
        return None
    try:
        data = json.loads(_unb64(payload))
    except ValueError:
        return None
    if not isinstance(data, dict) or int(data.get("exp", 0)) < (
        time.time() if now is None else now
    ):
        return None
    key = data.get("k")
    return key if isinstance(key, str) else None


def session_key(request: Request) -> str | None:
    return read_session(request.cookies.get(COOKIE))


def page_principal(request: Request, state: AppState, session: Session) -> Principal | None:
    """The logged-in caller of a dashboard page, or None (the page then redirects to login)."""
    key = session_key(request)
    if key is None:
        return None
    return lookup_principal(state, session, key)


def rate_wait(state: AppState, principal: Principal) -> float:
    """Seconds to wait under the key's rate limit (0 = go): pages count like API calls."""
    return float(state.limiter.take(f"key:{principal.key_id}"))


def same_origin(request: Request) -> bool:
    """A state-changing form post must come from this site (the cookie is SameSite=Strict too)."""
    src = request.headers.get("origin") or request.headers.get("referer")
    if not src or src == "null":
        return src is None
    host = request.headers.get("host", "")
    return urlsplit(src).netloc == host


def safe_next(target: str | None) -> str:
    """Only local dashboard paths: never an open redirect."""
    if target and target.startswith("/app/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/app/roster"
