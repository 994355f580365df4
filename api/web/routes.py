"""The dashboard (/app, server-rendered pages) and the audit-report endpoints (/v1).

Included by the app factory as ``api.web.routes:router``. Pages authenticate with the session
cookie set by /app/login (see api.web.auth); the /v1 endpoints use the API's own key dependency.
Handlers only translate: data comes from api.web.data, documents from api.report."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from api import report as R
from api.deps import AppState, Principal, Reader, SessionDep, StateDep, lookup_principal
from api.errors import R404, READ, ApiError
from api.security import Role
from api.tables import AnalysisRow, Job
from api.web import data as D
from api.web.auth import (
    COOKIE,
    page_principal,
    rate_wait,
    safe_next,
    same_origin,
    session_key,
    sign_session,
)
from nlp.errors import ClearpostError, UnknownJurisdictionError

log = logging.getLogger("clearpost.web")

router = APIRouter()

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' "
    "'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
ReportFormat = Literal["pdf", "html", "csv", "json"]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _render(
    name: str, status: int = 200, headers: dict[str, str] | None = None, **ctx: Any
) -> HTMLResponse:
    html = R.template_env().get_template(name).render(**ctx)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/app/login?next={quote(target, safe='')}", status_code=303)


def _not_ready(state: AppState) -> str | None:
    if state.services is not None:
        return None
    return state.load_error or ""


def _guard(request: Request, state: AppState, session: Any) -> Principal | Response:
    """The page's caller, or the response to send instead (login redirect, 429)."""
    p = page_principal(request, state, session)
    if p is None:
        resp = _to_login(request)
        if request.cookies.get(COOKIE):
            resp.delete_cookie(COOKIE, path="/")
        return resp
    wait = rate_wait(state, p)
    if wait > 0:
        return _render(
            "app/error.html",
            429,
            headers={"Retry-After": state.limiter.retry_after_header(wait)},
            principal=p,
            title="Too many requests",
            message=f"This key's rate limit was reached; try again in {wait:.0f} s.",
        )
    return p


def _profile(state: AppState, requested: str | None) -> str:
    known = state.services.profiles if state.services is not None else ["compliance"]
    if requested in known:
        return str(requested)
    return "compliance" if "compliance" in known else known[0]


def _ctx(p: Principal, state: AppState, active: str = "", **kw: Any) -> dict[str, Any]:
    return {"principal": p, "active": active, "not_ready": _not_ready(state), **kw}


def _not_found(p: Principal, state: AppState, what: str) -> HTMLResponse:
    return _render(
        "app/error.html",
        404,
        **_ctx(p, state),
        title="Not found",
        message=f"No {what} for tenant "
        f"{p.tenant}. It may belong to another tenant or not be analysed yet.",
    )


def _download(body: bytes, fmt: str, filename: str) -> Response:
    disposition = "inline" if fmt == "html" else "attachment"
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'{disposition}; filename="{filename}"',
    }
    return Response(body, media_type=R.REPORT_MEDIA_TYPES[fmt], headers=headers)


def _creator_document(
    session: Any, p: Principal, state: AppState, handle: str, fmt: str, profile: str
) -> Response | None:
    """The creator's report in ``fmt``, or None when the tenant has no such creator."""
    mine, trust = D.load_creator(session, p.tenant_id, state.services, handle, profile)
    if not mine:
        return None
    if trust is None and fmt in ("pdf", "html"):
        raise ApiError(
            503,
            "not_ready",
            "trust scoring is not available yet; retry shortly",
            headers={"Retry-After": "5"},
        )
    texts = D.post_texts(session, p.tenant_id, creator=handle)
    now = datetime.now(UTC)
    if fmt in ("csv", "json"):
        body = (
            R.findings_csv(mine) if fmt == "csv" else R.findings_json(mine, generated_at=now)
        ).encode()
    else:
        assert trust is not None
        body = R.creator_report_bytes(fmt, trust, mine, texts, generated_at=now)
    return _download(body, fmt, R.report_filename(handle, fmt, now))


def _cohort_document(
    session: Any, p: Principal, state: AppState, fmt: str, profile: str, cohort: D.Cohort
) -> Response | None:
    """The cohort's report in ``fmt``; None when its job is not the tenant's."""
    found = D.load_cohort(session, p.tenant_id, state.services, profile, cohort)
    if found is None:
        return None
    tv, job = found
    name = cohort.name(p.tenant, job)
    now = datetime.now(UTC)
    if fmt == "csv":
        body = R.findings_csv(tv.analyses).encode()
    elif fmt == "json":
        body = R.findings_json(tv.analyses, generated_at=now).encode()
    else:
        rep = R.build_cohort_report(
            tv.trusts,
            tv.analyses,
            D.post_texts(session, p.tenant_id),
            name=name,
            sweep=D.sweep_metrics(state.services, tv.analyses),
            generated_at=now,
        )
        body = R.render_cohort_pdf(rep) if fmt == "pdf" else R.render_cohort_html(rep).encode()
    slug = f"campaign-{cohort.job_id[:8]}" if cohort.job_id else f"cohort-{p.tenant}"
    return _download(body, fmt, R.report_filename(slug, fmt, now))


# ---------------------------------------------------------------------------------------------
# /v1: the report as an API resource
# ---------------------------------------------------------------------------------------------


def _responses(ok: str, *blocks: dict[int, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for b in blocks:
        for code, doc in b.items():
            out[code] = doc
    out[200] = {
        "description": ok,
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/html": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
    return out


@router.get(
    "/v1/creators/{handle}/report",
    tags=["reports"],
    responses=_responses(
        "The audit report (PDF or HTML) or the findings export (CSV or JSON).", READ, R404
    ),
    summary="A creator's audit report (PDF or HTML) or findings export (CSV or JSON)",
    description="The signed-off document for a regulator or a client: score, band, interval, "
    "component chart, every finding with its evidence, rule and legal citation, the rule-pack "
    "and model versions, the content hashes and the method. 404 when the tenant has no such "
    "creator.",
)
def creator_report(
    principal: Reader,
    state: StateDep,
    session: SessionDep,
    handle: Annotated[str, PathParam(max_length=256, description="Creator handle (no @).")],
    format: Annotated[ReportFormat, Query(description="pdf, html, csv or json")] = "pdf",
    profile: Annotated[str | None, Query(max_length=64, description="Trust profile")] = None,
) -> Response:
    handle = handle.strip().lstrip("@").lower()
    if (
        profile is not None
        and state.services is not None
        and profile not in state.services.profiles
    ):
        raise ApiError(
            422,
            "unknown_profile",
            f"profile: unknown {profile!r}; known: {', '.join(state.services.profiles)}",
            {"field": "profile"},
        )
    doc = _creator_document(session, principal, state, handle, format, _profile(state, profile))
    if doc is None:
        raise ApiError(404, "not_found", f"no creator {handle!r} for this tenant")
    return doc


@router.get(
    "/v1/reports/cohort",
    tags=["reports"],
    responses=_responses(
        "The cohort report or the findings export (404: the job is not this tenant's).", READ, R404
    ),
    summary="The tenant's cohort audit report (PDF or HTML) or all findings (CSV or JSON)",
)
def cohort_report(
    principal: Reader,
    state: StateDep,
    session: SessionDep,
    format: Annotated[ReportFormat, Query(description="pdf, html, csv or json")] = "pdf",
    profile: Annotated[str | None, Query(max_length=64, description="Trust profile")] = None,
    job: Annotated[
        str | None,
        Query(max_length=64, description="A campaign: only the posts of this upload job."),
    ] = None,
    creators: Annotated[
        str | None,
        Query(max_length=4000, description="Only these creators (comma-separated handles)."),
    ] = None,
) -> Response:
    doc = _cohort_document(
        session, principal, state, format, _profile(state, profile), D.Cohort.parse(job, creators)
    )
    if doc is None:
        raise ApiError(404, "not_found", f"no job {job!r} for this tenant")
    return doc


# ---------------------------------------------------------------------------------------------
# /app: the dashboard
# ---------------------------------------------------------------------------------------------


@router.get("/app/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response("not found", status_code=404)
    return FileResponse(
        STATIC_DIR / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "max-age=300"}
    )


@router.get("/app", include_in_schema=False)
@router.get("/app/", include_in_schema=False)
def app_home(request: Request) -> Response:
    return RedirectResponse("/app/roster" if session_key(request) else "/app/login", 303)


@router.get("/app/login", include_in_schema=False)
def login_page(next: str | None = None) -> HTMLResponse:
    return _render("app/login.html", principal=None, title="Log in", next=safe_next(next))


@router.post("/app/login", include_in_schema=False)
async def login(request: Request, state: StateDep, session: SessionDep) -> Response:
    form = await request.form()
    key = str(form.get("key") or "").strip()
    nxt = safe_next(str(form.get("next") or ""))
    if not same_origin(request):
        return _render(
            "app/login.html",
            403,
            principal=None,
            title="Log in",
            next=nxt,
            error="This form must be sent from the clearpost page itself.",
        )
    p = lookup_principal(state, session, key) if key else None
    if p is None:
        return _render(
            "app/login.html",
            401,
            principal=None,
            title="Log in",
            next=nxt,
            error="Unknown or revoked API key. Check it and try again.",
        )
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(
        COOKIE,
        sign_session(key),
        max_age=None,  # a browser-session cookie; the signed token itself expires too
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    log.info("dashboard login tenant=%s key=%s", p.tenant, p.key_prefix)
    return resp


@router.post("/app/logout", include_in_schema=False)
def logout() -> Response:
    resp = RedirectResponse("/app/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


def _jurisdiction_choices(svc: Any, codes: list[str]) -> list[dict[str, str]]:
    """Each installed rule pack as a checkbox: its name, the authority as a tooltip."""
    packs: dict[str, dict[str, Any]] = {}
    try:
        packs = {str(p["id"]): p for p in (svc.rule_packs() if svc is not None else [])}
    except Exception:  # noqa: BLE001 - names are cosmetic; the codes still work
        log.warning("rule pack names unavailable", exc_info=True)
    out = [
        {
            "code": c,
            "name": str(packs.get(c, {}).get("name") or c.upper()),
            "title": str(packs.get(c, {}).get("authority") or ""),
        }
        for c in codes
    ]
    return sorted(out, key=lambda j: j["name"])


def _upload_ctx(p: Principal, state: AppState, session: Any, **kw: Any) -> dict[str, Any]:
    svc = state.services
    codes = svc.jurisdictions if svc is not None else []
    jobs = list(
        session.scalars(
            select(Job).where(Job.tenant_id == p.tenant_id).order_by(Job.created_at.desc()).limit(8)
        )
    )
    session.rollback()
    return _ctx(
        p,
        state,
        "upload",
        title="Upload posts",
        jurisdictions=_jurisdiction_choices(svc, codes),
        default_jurisdictions=svc.default_jurisdictions if svc is not None else [],
        profiles=svc.profiles if svc is not None else ["compliance"],
        can_write=p.may(Role.analyst),
        jobs=jobs,
        **kw,
    )


@router.get("/app/upload", include_in_schema=False)
def upload_page(request: Request, state: StateDep, session: SessionDep) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    return _render("app/upload.html", **_upload_ctx(p, state, session))


@router.post("/app/upload", include_in_schema=False)
async def upload(request: Request, state: StateDep, session: SessionDep) -> Response:
    """Hands the file to the API's own POST /v1/jobs handler (same checks, same errors)."""
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p

    def refuse(status: int, msg: str, rows: list[str] | None = None) -> HTMLResponse:
        return _render(
            "app/upload.html",
            status,
            **_upload_ctx(p, state, session, error=msg, error_rows=rows or []),
        )

    if not same_origin(request):
        return refuse(403, "The form must be sent from the clearpost page itself.")
    if not p.may(Role.analyst):
        return refuse(403, f"Your key's role ({p.role.value}) may not upload; it needs analyst.")
    if state.services is None:
        return refuse(503, "The service is still loading its models; try again in a moment.")
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return refuse(422, "Choose a file of posts to upload.")
    codes = [str(c) for c in form.getlist("jurisdictions") if str(c).strip()]
    profile = str(form.get("profile") or "compliance")
    encoding = str(form.get("encoding") or "").strip() or None
    from api.routes.jobs import create_job

    try:
        job = await create_job(
            principal=p,
            services=state.services,
            state=state,
            session=session,
            file=file,  # type: ignore[arg-type]
            jurisdictions=",".join(codes) or None,
            profile=profile,
            format=None,
            encoding=encoding,
        )
    except ApiError as exc:
        rows = (
            [f"row {r.get('row')}: {r.get('message')}" for r in (exc.details or {}).get("rows", [])]
            if isinstance(exc.details, dict)
            else []
        )
        return refuse(exc.status, exc.message, rows[:20])
    except ClearpostError as exc:
        rows = [f"row {n}: {m}" for n, m in getattr(exc, "rows", [])][:20]
        return refuse(422, str(exc), rows)
    return RedirectResponse(f"/app/jobs/{job.id}", status_code=303)


def _cohort_query(cohort: D.Cohort, profile: str) -> str:
    from urllib.parse import urlencode

    q = {"profile": profile}
    if cohort.job_id:
        q["job"] = cohort.job_id
    if cohort.creators:
        q["creators"] = ",".join(cohort.creators)
    return urlencode(q)


def _job_of(session: Any, p: Principal, job_id: str) -> Job | None:
    job = session.scalar(select(Job).where(Job.id == job_id, Job.tenant_id == p.tenant_id))
    session.rollback()
    return job  # type: ignore[no-any-return]


@router.get("/app/jobs/{job_id}", include_in_schema=False)
def job_page(job_id: str, request: Request, state: StateDep, session: SessionDep) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    job = _job_of(session, p, job_id)
    if job is None:
        return _not_found(p, state, "such job")
    return _render("app/job.html", **_ctx(p, state, "upload", title="Job", job=job))


@router.get("/app/api/jobs/{job_id}", include_in_schema=False)
def job_status(job_id: str, request: Request, state: StateDep, session: SessionDep) -> Response:
    p = page_principal(request, state, session)
    if p is None:
        return JSONResponse({"error": {"code": "unauthenticated", "message": "log in again"}}, 401)
    job = _job_of(session, p, job_id)
    if job is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such job"}}, 404)
    from api.routes.jobs import job_public

    return JSONResponse(
        job_public(job).model_dump(mode="json"), headers={"Cache-Control": "no-store"}
    )


@router.get("/app/roster", include_in_schema=False)
def roster_page(
    request: Request,
    state: StateDep,
    session: SessionDep,
    q: str = "",
    band: str = "",
    platform: str = "",
    flagged: str = "",
    profile: str | None = None,
) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    prof = _profile(state, profile)
    tv = D.load_tenant(session, p.tenant_id, state.services, prof)
    rows = sorted(tv.rows(), key=lambda r: (r.trust.score, r.trust.creator))
    bands = sorted({r.trust.band for r in rows})
    platforms = sorted({pl for r in rows for pl in r.platforms})
    total = len(rows)
    needle = q.strip().lstrip("@").lower()
    if needle:
        rows = [r for r in rows if needle in r.trust.creator]
    if band:
        rows = [r for r in rows if r.trust.band == band]
    if platform:
        rows = [r for r in rows if platform in r.platforms]
    if flagged:
        rows = [r for r in rows if r.n_flagged > 0]
    return _render(
        "app/roster.html",
        **_ctx(p, state, "roster", title="Roster"),
        rows=rows,
        total=total,
        n_posts=len(tv.analyses),
        bands=bands,
        platforms=platforms,
        profiles=state.services.profiles if state.services is not None else ["compliance"],
        profile=prof,
        f={"q": q, "band": band, "platform": platform, "flagged": bool(flagged)},
    )


@router.get("/app/creators/{handle}", include_in_schema=False)
def creator_page(
    handle: str, request: Request, state: StateDep, session: SessionDep, profile: str | None = None
) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    handle = handle.strip().lstrip("@").lower()
    mine, trust = D.load_creator(
        session, p.tenant_id, state.services, handle, _profile(state, profile)
    )
    if not mine:
        return _not_found(p, state, f"creator @{handle}")
    if trust is None:
        return _render(
            "app/error.html",
            503,
            **_ctx(p, state),
            title="Scores not available yet",
            message="The trust score of this creator cannot be computed yet (the "
            "scoring module is loading or not installed). Try again shortly.",
        )
    rep = R.build_creator_report(trust, mine, D.post_texts(session, p.tenant_id, creator=handle))
    return _render(
        "app/creator.html",
        **_ctx(p, state, "roster", title=f"@{handle}"),
        trust=trust,
        record=rep.record,
        posts=rep.posts,
        flagged=R.worst_first(rep.flagged),
        analyses=mine,
    )


@router.get("/app/creators/{handle}/report.{fmt}", include_in_schema=False)
def creator_report_download(
    handle: str,
    fmt: str,
    request: Request,
    state: StateDep,
    session: SessionDep,
    profile: str | None = None,
) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    if fmt not in R.REPORT_MEDIA_TYPES:
        return _not_found(p, state, f"report format {fmt!r}")
    handle = handle.strip().lstrip("@").lower()
    try:
        doc = _creator_document(session, p, state, handle, fmt, _profile(state, profile))
    except ApiError as exc:
        return _render(
            "app/error.html",
            exc.status,
            **_ctx(p, state),
            title="Report not ready",
            message=exc.message,
        )
    return doc if doc is not None else _not_found(p, state, f"creator @{handle}")


@router.get("/app/reports/cohort.{fmt}", include_in_schema=False)
def cohort_report_download(
    fmt: str,
    request: Request,
    state: StateDep,
    session: SessionDep,
    profile: str | None = None,
    job: str | None = None,
    creators: str | None = None,
) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    if fmt not in R.REPORT_MEDIA_TYPES:
        return _not_found(p, state, f"report format {fmt!r}")
    doc = _cohort_document(
        session, p, state, fmt, _profile(state, profile), D.Cohort.parse(job, creators)
    )
    return doc if doc is not None else _not_found(p, state, "such job")


@router.get("/app/posts/{platform}/{post_id:path}", include_in_schema=False)
def post_page(
    platform: str, post_id: str, request: Request, state: StateDep, session: SessionDep
) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    found = D.load_post(session, p.tenant_id, platform, post_id)
    if found is None or found[1] is None:
        return _not_found(p, state, f"analysed post {post_id!r} on {platform}")
    row, analysis = found
    assert analysis is not None
    text = (row.data or {}).get("text")
    analysed_at = session.scalar(
        select(AnalysisRow.analysed_at).where(
            AnalysisRow.id == row.latest_analysis_id, AnalysisRow.tenant_id == p.tenant_id
        )
    )
    session.rollback()
    return _render(
        "app/post.html",
        **_ctx(p, state, "roster", title=f"Post {post_id}"),
        view=R.post_view(analysis, text if isinstance(text, str) else None),
        url=(row.data or {}).get("url"),
        analysed_at=analysed_at.strftime("%Y-%m-%d %H:%M:%S UTC") if analysed_at else None,
    )


@router.get("/app/rules", include_in_schema=False)
def rules_page(
    request: Request, state: StateDep, session: SessionDep, code: str | None = None
) -> Response:
    """The rule packs a verdict can cite; with ``code``, one pack's rules, sources and notes."""
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    if state.services is None:
        return _render(
            "app/error.html",
            503,
            **_ctx(p, state, "rules"),
            title="Loading",
            message="The service is still loading; try again in a moment.",
        )
    packs = state.services.rule_packs()
    pack = None
    if code:
        try:
            (wanted,) = state.services.resolve_jurisdictions([code])
        except UnknownJurisdictionError:
            return _not_found(p, state, f"rule pack {code!r}")
        pack = next(x for x in packs if x["id"] == wanted)
    return _render(
        "app/rules.html",
        **_ctx(p, state, "rules", title=f"Rules: {pack['name']}" if pack else "Rule packs"),
        packs=packs,
        pack=pack,
        default_jurisdictions=state.services.default_jurisdictions,
    )


@router.get("/app/sweep", include_in_schema=False)
def sweep_page(
    request: Request,
    state: StateDep,
    session: SessionDep,
    profile: str | None = None,
    job: str | None = None,
    creators: str | None = None,
) -> Response:
    p = _guard(request, state, session)
    if isinstance(p, Response):
        return p
    prof = _profile(state, profile)
    cohort = D.Cohort.parse(job, creators)
    found = D.load_cohort(session, p.tenant_id, state.services, prof, cohort)
    if found is None:
        return _not_found(p, state, "such job")
    tv, job_row = found
    try:
        metrics = D.sweep_metrics(state.services, tv.analyses)
    except Exception as exc:  # noqa: BLE001 - a page, not a 500: say what failed
        log.exception("sweep metrics failed")
        metrics = {}
        return _render(
            "app/error.html",
            500,
            **_ctx(p, state, "sweep"),
            title="Sweep failed",
            message=f"The sweep metrics could not be computed: {exc}",
        )
    cols, srows = R.sweep_table(metrics)
    return _render(
        "app/sweep.html",
        **_ctx(p, state, "sweep", title="Cohort sweep"),
        cols=cols,
        srows=srows,
        counts=R.verdict_counts(tv.analyses),
        record=R.disclosure_record(tv.analyses),
        n_creators=len({a.creator for a in tv.analyses}),
        n_posts=len(tv.analyses),
        profile=prof,
        reference=True,
        cohort_name=cohort.name(p.tenant, job_row),
        request_job=cohort.job_id or "",
        request_creators=", ".join(cohort.creators),
        query=_cohort_query(cohort, prof),
    )
