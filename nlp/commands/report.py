"""``clearpost report HANDLE --format pdf [-o FILE]``: a creator's audit report (or, with
``--cohort``, the whole tenant's) from the configured database (CLEARPOST_DATABASE_URL), without
the server: the stored analyses are scored again with the same scoring code the API uses."""

from __future__ import annotations

import argparse
import sys

HELP = "write a creator's (or the cohort's) audit report as PDF, HTML, CSV or JSON"
FORMATS = ("pdf", "html", "csv", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("handle", nargs="?", help="creator handle (with or without @)")
    parser.add_argument("--cohort", action="store_true", help="report on a cohort instead")
    parser.add_argument(
        "--job", default=None, help="with --cohort: a campaign, the posts of this job"
    )
    parser.add_argument(
        "--creators", default=None, help="with --cohort: only these creators (comma-separated)"
    )
    parser.add_argument("--format", choices=FORMATS, default="pdf", help="default: pdf")
    parser.add_argument(
        "-o", "--output", default=None, help="file to write ('-' = stdout); default: a dated name"
    )
    parser.add_argument(
        "--tenant", default=None, help="tenant name; needed only when several tenants hold HANDLE"
    )
    parser.add_argument(
        "--profile", default="compliance", help="trust profile (default: compliance)"
    )
    parser.add_argument("--database-url", default=None, help="overrides CLEARPOST_DATABASE_URL")


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path
    from types import SimpleNamespace

    from sqlalchemy import select

    from api import report as R
    from api.db import make_engine, make_sessionmaker, migrate
    from api.settings import Settings
    from api.tables import PostRow, Tenant
    from api.web import data as D
    from nlp.errors import InputError

    if not args.cohort and not args.handle:
        raise InputError("name a creator handle, or pass --cohort for the whole tenant")
    try:
        from nlp.scoring import trust
    except ModuleNotFoundError as exc:
        raise InputError(f"trust scoring is not installed ({exc.name})") from exc
    try:
        from nlp.scoring import sweep as sweep_mod

        sweep_fn = getattr(sweep_mod, "cohort_metrics", None)
    except ModuleNotFoundError:
        sweep_fn = None
    profiles = sorted(getattr(trust, "PROFILES", None) or [args.profile])
    if args.profile not in profiles:
        raise InputError(f"--profile {args.profile!r}: known profiles are {', '.join(profiles)}")
    services = SimpleNamespace(score_creators=trust.score_creators, sweep=sweep_fn)

    url = args.database_url or Settings().database_url
    engine = make_engine(url)
    migrate(engine, auto=False)
    sessions = make_sessionmaker(engine)
    handle = (args.handle or "").strip().lstrip("@").lower()
    now = datetime.now(UTC)
    try:
        with sessions() as s:
            q = select(Tenant.id, Tenant.name)
            if args.tenant:
                q = q.where(Tenant.name == args.tenant.strip().lower())
            if not args.cohort:
                q = q.where(
                    Tenant.id.in_(select(PostRow.tenant_id).where(PostRow.creator == handle))
                )
            tenants = list(s.execute(q.order_by(Tenant.name)))
            if not tenants:
                what = f"creator {handle!r}" if not args.cohort else "tenant"
                where = f" in tenant {args.tenant!r}" if args.tenant else ""
                raise InputError(f"no {what}{where} in {engine.url.render_as_string(True)}")
            if len(tenants) > 1:
                names = ", ".join(t.name for t in tenants)
                raise InputError(f"several tenants match ({names}): pass --tenant NAME")
            tenant_id, tenant_name = tenants[0]
            if args.cohort:
                cohort = D.Cohort.parse(args.job, args.creators)
                found = D.load_cohort(s, tenant_id, services, args.profile, cohort)  # type: ignore[arg-type]
                if found is None:
                    raise InputError(f"no job {args.job!r} in tenant {tenant_name!r}")
                tv, job = found
                if args.format in ("csv", "json"):
                    body = (
                        R.findings_csv(tv.analyses)
                        if args.format == "csv"
                        else R.findings_json(tv.analyses, generated_at=now)
                    ).encode()
                else:
                    rep = R.build_cohort_report(
                        tv.trusts,
                        tv.analyses,
                        D.post_texts(s, tenant_id),
                        name=cohort.name(tenant_name, job),
                        sweep=D.sweep_metrics(services, tv.analyses),  # type: ignore[arg-type]
                        generated_at=now,
                    )
                    body = (
                        R.render_cohort_pdf(rep)
                        if args.format == "pdf"
                        else R.render_cohort_html(rep).encode()
                    )
                slug = f"campaign-{cohort.job_id[:8]}" if cohort.job_id else f"cohort-{tenant_name}"
                name = R.report_filename(slug, args.format, now)
            else:
                mine, trust_row = D.load_creator(
                    s,
                    tenant_id,
                    services,  # type: ignore[arg-type]
                    handle,
                    args.profile,
                )
                if not mine or trust_row is None:
                    raise InputError(f"creator {handle!r} has no analysed posts in {tenant_name!r}")
                body = R.creator_report_bytes(
                    args.format,
                    trust_row,
                    mine,
                    D.post_texts(s, tenant_id, creator=handle),
                    generated_at=now,
                )
                name = R.report_filename(handle, args.format, now)
    finally:
        engine.dispose()
    if args.output == "-":
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return 0
    out = Path(args.output or name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    print(f"wrote {out} ({len(body)} bytes, {args.format})")
    return 0
