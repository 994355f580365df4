"""POST /v1/jobs (upload a file for background analysis), GET /v1/jobs, GET /v1/jobs/{id},
GET /v1/jobs/{id}/results?format=csv|jsonl|parquet."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from api.deps import Reader, ServicesDep, SessionDep, StateDep, Writer
from api.errors import R404, R503, READ, WRITE, ApiError, doc
from api.schemas import CreatorPublic, CreatorsPublic, JobPublic, JobsPublic
from api.services import SEVERITY, Services
from api.store import count
from api.tables import Job, JobItem
from nlp.errors import InputError, RowError, UnknownJurisdictionError
from nlp.results import PostAnalysis

router = APIRouter(prefix="/jobs", tags=["jobs"])

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")
EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def job_public(job: Job) -> JobPublic:
    finished = job.done + job.failed
    return JobPublic(
        id=job.id,
        state=job.state,  # type: ignore[arg-type]
        filename=job.filename,
        format=job.format,
        jurisdictions=list(job.jurisdictions),
        profile=job.profile,
        total=job.total,
        done=job.done,
        failed=job.failed,
        pending=max(0, job.total - finished),
        progress=(finished / job.total) if job.total else 1.0,
        error=job.error,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        results_url=f"/v1/jobs/{job.id}/results",
    )


def _split_codes(raw: str | None) -> list[str] | None:
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if raw.startswith("["):
        try:
            val = json.loads(raw)
        except ValueError:
            val = None
        if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
            raise ApiError(
                422,
                "invalid_request",
                "jurisdictions: a JSON list of strings or 'uk,fr'",
                [
                    {
                        "field": "jurisdictions",
                        "loc": ["body", "jurisdictions"],
                        "type": "value_error",
                        "message": "a JSON list of strings or comma-separated codes",
                    }
                ],
            )
        return val
    return [c for c in raw.split(",") if c.strip()]


def _row_jurisdictions(
    services: Services, extras: list[dict[str, str]] | None, default: list[str]
) -> list[list[str] | None]:
    """A file's own `jurisdiction` column (``uk,fr`` per row) overrides the job's; every code is
    checked now, so a bad one is a 422 naming the row, not a failure half-way through."""
    out: list[list[str] | None] = []
    bad: list[tuple[int, str]] = []
    for n, extra in enumerate(extras or [], start=1):
        raw = (extra or {}).get("jurisdiction")
        if not raw or not str(raw).strip():
            out.append(None)
            continue
        try:
            codes = services.resolve_jurisdictions([c for c in str(raw).split(",") if c.strip()])
        except UnknownJurisdictionError as exc:
            bad.append(
                (
                    n,
                    f"jurisdiction: unknown {', '.join(exc.unknown)}; known: {', '.join(exc.known)}",
                )
            )
            continue
        out.append(None if codes == default else codes)
    if bad:
        raise RowError(bad, source="upload")
    return out


@router.post(
    "",
    response_model=JobPublic,
    status_code=202,
    responses=doc(WRITE),
    summary="Upload CSV, JSON Lines or Parquet for background analysis",
    description="Validated at once (422 names the bad row); then analysed by the server's job "
    "workers. Progress is durable: a job survives a server kill and resumes where it stopped. "
    "A `jurisdiction` column (`uk,fr`) sets a row's own jurisdictions.",
)
async def create_job(
    principal: Writer,
    services: ServicesDep,
    state: StateDep,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV, JSON Lines or Parquet with Post columns.")],
    jurisdictions: Annotated[
        str | None, Form(description="Comma-separated codes (uk,fr); the default when absent.")
    ] = None,
    profile: Annotated[
        str, Form(max_length=64, description="Trust profile for scoring.")
    ] = "compliance",
    format: Annotated[
        Literal["csv", "tsv", "jsonl", "json", "parquet"] | None,
        Form(description="File format; guessed from the file name when absent."),
    ] = None,
    encoding: Annotated[
        str | None,
        Form(
            max_length=32,
            description="Text encoding of a CSV/JSON upload that is not UTF-8 (cp1252, latin-1 "
            "...); UTF-8 with or without a BOM, and UTF-16 with a BOM, need none.",
        ),
    ] = None,
) -> JobPublic:
    codes = services.resolve_jurisdictions(_split_codes(jurisdictions))
    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ApiError(
                422,
                "unknown_encoding",
                f"encoding: unknown text encoding {encoding!r} (e.g. utf-8, cp1252, latin-1)",
                {"field": "encoding"},
            ) from None
    if profile not in services.profiles:
        raise ApiError(
            422,
            "unknown_profile",
            f"profile: unknown {profile!r}; known: {', '.join(services.profiles)}",
            {"field": "profile", "known": services.profiles},
        )
    name = (file.filename or "upload")[:256]
    fmt = format
    if fmt is None:
        ext = name[name.rfind(".") :].lower() if "." in name else ""
        fmt = EXTENSIONS.get(ext)  # type: ignore[assignment]
    if fmt is None:
        raise ApiError(
            422,
            "unknown_format",
            "format: cannot tell the file format from its name; send format=csv|jsonl|parquet",
            {"field": "format", "known": list(FORMATS)},
        )
    data = await file.read()
    if not data:
        raise ApiError(422, "invalid_input", "file: the upload is empty", {"field": "file"})
    if services.read_table is None:
        raise ApiError(503, "not_ready", "file ingestion (nlp.ingest) is not installed")
    # parse in a worker thread: CPU-bound
    from starlette.concurrency import run_in_threadpool

    try:
        posts, extras = await run_in_threadpool(
            services.read_table, data, format=fmt, encoding=encoding or None
        )
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is bad input, never a 500
        raise InputError(f"file: could not read it as {fmt}: {type(exc).__name__}: {exc}") from exc
    if not posts:
        raise ApiError(422, "invalid_input", "file: no posts in the upload", {"field": "file"})
    if len(posts) > state.settings.max_job_posts:
        raise ApiError(
            422,
            "too_many_posts",
            f"file: {len(posts)} posts; at most "
            f"{state.settings.max_job_posts} per job (CLEARPOST_MAX_JOB_POSTS)",
            {"field": "file", "limit": state.settings.max_job_posts, "got": len(posts)},
        )
    too_long = [i for i, p in enumerate(posts) if len(p.text) > state.settings.max_text_chars]
    if too_long:
        raise ApiError(
            422,
            "text_too_long",
            f"row {too_long[0] + 1}: text longer than {state.settings.max_text_chars} characters",
            {"rows": [{"row": i + 1, "message": "text too long"} for i in too_long[:200]]},
        )
    row_codes = _row_jurisdictions(services, extras, codes)
    row_codes += [None] * (len(posts) - len(row_codes))
    job = Job(
        id=uuid.uuid4().hex,
        tenant_id=principal.tenant_id,
        state="queued",
        filename=name,
        format=fmt,
        jurisdictions=codes,
        profile=profile,
        total=len(posts),
    )
    session.add(job)
    session.flush()
    session.add_all(
        JobItem(
            job_id=job.id,
            tenant_id=principal.tenant_id,
            seq=i,
            post=p.model_dump(mode="json"),
            jurisdictions=row_codes[i],
        )
        for i, p in enumerate(posts)
    )
    session.commit()
    if state.runner is not None:
        state.runner.notify()
    return job_public(job)


@router.get("", response_model=JobsPublic, responses=doc(READ), summary="List this tenant's jobs")
def list_jobs(
    principal: Reader,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobsPublic:
    q = select(Job).where(Job.tenant_id == principal.tenant_id)
    total = count(session, q)
    rows = session.scalars(q.order_by(Job.created_at.desc()).offset(offset).limit(limit)).all()
    return JobsPublic(data=[job_public(j) for j in rows], count=total)


def _get_job(session: SessionDep, tenant_id: int, job_id: str) -> Job:
    job = session.get(Job, job_id) if len(job_id) <= 32 else None
    if job is None or job.tenant_id != tenant_id:
        raise ApiError(404, "not_found", f"no job {job_id!r} for this tenant")
    return job


@router.get(
    "/{job_id}", response_model=JobPublic, responses=doc(READ, R404), summary="Job progress"
)
def get_job(job_id: str, principal: Reader, session: SessionDep) -> JobPublic:
    return job_public(_get_job(session, principal.tenant_id, job_id))


@router.get(
    "/{job_id}/creators",
    response_model=CreatorsPublic,
    responses=doc(READ, R404, R503),
    summary="Trust scores of the job's creators, on the job's posts, with the job's profile",
)
def job_creators(
    job_id: str, principal: Reader, session: SessionDep, services: ServicesDep
) -> CreatorsPublic:
    job = _get_job(session, principal.tenant_id, job_id)
    if services.score_creators is None:
        raise ApiError(503, "not_ready", "trust scoring (nlp.scoring.trust) is not installed")
    results = session.scalars(
        select(JobItem.result_json).where(JobItem.job_id == job.id, JobItem.state == "done")
    ).all()
    analyses = [PostAnalysis.model_validate_json(r) for r in results if r]
    scored = services.score_creators(analyses, profile=job.profile) if analyses else []
    scored.sort(key=lambda c: (c.score, c.creator))
    return CreatorsPublic(
        data=[CreatorPublic.from_trust(c) for c in scored],
        count=len(scored),
    )


COLUMNS = [
    ("seq", "int"),
    ("post_id", "str"),
    ("creator", "str"),
    ("platform", "str"),
    ("state", "str"),
    ("error", "str"),
    ("analysed_at", "str"),
    ("content_sha256", "str"),
    ("is_commercial", "bool"),
    ("worst_verdict", "str"),
    ("verdicts", "str"),
    ("rule_packs", "str"),
    ("findings", "str"),
]


def _flat(item: JobItem) -> dict[str, Any]:
    row: dict[str, Any] = {
        "seq": item.seq,
        "post_id": str(item.post.get("id", "")),
        "creator": str(item.post.get("creator", "")),
        "platform": str(item.post.get("platform", "")),
        "state": item.state,
        "error": item.error,
        "analysed_at": item.analysed_at.isoformat() if item.analysed_at else None,
        "content_sha256": None,
        "is_commercial": None,
        "worst_verdict": None,
        "verdicts": None,
        "rule_packs": None,
        "findings": None,
    }
    if item.result_json:
        a = json.loads(item.result_json)
        findings = a.get("findings", [])
        verdicts = {f["jurisdiction"]: f["verdict"] for f in findings}
        row.update(
            content_sha256=a.get("content_sha256"),
            is_commercial=bool(a.get("commercial", {}).get("is_commercial")),
            worst_verdict=max(verdicts.values(), key=lambda v: SEVERITY.get(v, 0))
            if verdicts
            else None,
            verdicts=";".join(f"{k}={v}" for k, v in sorted(verdicts.items())),
            rule_packs=";".join(sorted({f["rule_pack"] for f in findings})),
            findings=json.dumps(findings, ensure_ascii=False, sort_keys=True),
        )
    return row


@router.get(
    "/{job_id}/results",
    responses=doc(
        READ,
        R404,
        {
            200: {
                "description": "One row per uploaded post, in upload order (done so far).",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "application/vnd.apache.parquet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        },
    ),
    response_class=Response,
    summary="Download job results as CSV, JSON Lines (full analyses) or Parquet",
)
def job_results(
    job_id: str,
    principal: Reader,
    session: SessionDep,
    format: Annotated[Literal["csv", "jsonl", "parquet"], Query()] = "jsonl",
) -> Response:
    job = _get_job(session, principal.tenant_id, job_id)
    items = session.scalars(
        select(JobItem)
        .where(JobItem.job_id == job.id, JobItem.state != "pending")
        .order_by(JobItem.seq)
    ).all()
    headers = {
        "X-Clearpost-Job-State": job.state,
        "Content-Disposition": f'attachment; filename="{job.id}.{format}"',
    }
    if format == "jsonl":
        lines = []
        for it in items:
            rec = {
                "seq": it.seq,
                "state": it.state,
                "error": it.error,
                "analysis": json.loads(it.result_json) if it.result_json else None,
            }
            lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=True))
        body = ("\n".join(lines) + ("\n" if lines else "")).encode()
        return Response(body, media_type="application/x-ndjson", headers=headers)
    rows = [_flat(it) for it in items]
    if format == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=[name for name, _ in COLUMNS])
        w.writeheader()
        w.writerows(rows)
        return Response(buf.getvalue().encode(), media_type="text/csv", headers=headers)
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int": pa.int64(), "str": pa.string(), "bool": pa.bool_()}
    schema = pa.schema([(name, types[t]) for name, t in COLUMNS])
    table = pa.Table.from_pylist(rows, schema=schema)
    out = io.BytesIO()
    pq.write_table(table, out)
    return Response(out.getvalue(), media_type="application/vnd.apache.parquet", headers=headers)
