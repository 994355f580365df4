"""Background job worker threads inside the server process. All progress lives in the database:

* a job is claimed through a lease (``worker``, ``lease_until``) renewed with every batch; a job
  whose lease ran out (its process was killed) is taken over by the next worker that looks;
* posts are analysed in small batches; each batch's results, the items' ``done`` state and the
  job's counters are committed in ONE transaction, guarded by ``state = 'pending'`` and by the
  lease, so after kill -9 a batch is either fully recorded or not at all: no post is lost and
  none is recorded twice (the interrupted batch is analysed again from scratch).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.metrics import Metrics
from api.services import Services
from api.settings import Settings
from api.store import canonical_json, store_analysis
from api.tables import Job, JobItem, utcnow
from nlp.posts import Post
from nlp.results import PostAnalysis

log = logging.getLogger("clearpost.jobs")


def job_state_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as s:
        return {
            st: int(n) for st, n in s.execute(select(Job.state, func.count()).group_by(Job.state))
        }


class JobRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        services: Services,
        settings: Settings,
        metrics: Metrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.services = services
        self.settings = settings
        self.metrics = metrics
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.threads: list[threading.Thread] = []
        self.worker_base = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, n: int) -> None:
        for i in range(n):
            t = threading.Thread(
                target=self._loop,
                args=(f"{self.worker_base}-{i}",),
                name=f"clearpost-job-{i}",
                daemon=True,
            )
            t.start()
            self.threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: finish the batch in hand, then hand running jobs back at once (a killed
        process cannot: its jobs wait for their lease to run out)."""
        self.stop_event.set()
        self.wake.set()
        for t in self.threads:
            t.join(timeout)
        if any(t.is_alive() for t in self.threads):
            return  # a batch is still in flight: leave its lease to expire
        try:
            with self.sessions() as s:
                s.execute(
                    update(Job)
                    .where(Job.state == "running", Job.worker.like(f"{self.worker_base}-%"))
                    .values(state="queued", worker=None, lease_until=None, updated_at=utcnow())
                )
                s.commit()
        except Exception:  # noqa: BLE001 - shutting down; the lease expires anyway
            log.warning("could not release job leases at shutdown", exc_info=True)

    def notify(self) -> None:
        self.wake.set()

    def _loop(self, worker: str) -> None:
        while not self.stop_event.is_set():
            try:
                job_id = self.claim(worker)
                if job_id is None:
                    self.wake.wait(self.settings.job_poll_seconds)
                    self.wake.clear()
                    continue
                self.run_job(job_id, worker)
            except Exception:  # noqa: BLE001 - a worker thread must survive DB hiccups
                log.exception("job worker %s: error; retrying", worker)
                self.stop_event.wait(self.settings.job_poll_seconds)

    # -- claiming -------------------------------------------------------------------------------
    def claim(self, worker: str) -> str | None:
        now = utcnow()
        lease = now + timedelta(seconds=self.settings.job_lease_seconds)
        with self.sessions() as s:
            candidates = s.scalars(
                select(Job.id)
                .where(
                    Job.state.in_(("queued", "running")),
                    or_(Job.lease_until.is_(None), Job.lease_until < now),
                )
                .order_by(Job.created_at)
                .limit(5)
            ).all()
            for job_id in candidates:
                res = s.execute(
                    update(Job)
                    .where(
                        Job.id == job_id,
                        Job.state.in_(("queued", "running")),
                        or_(Job.lease_until.is_(None), Job.lease_until < now),
                    )
                    .values(
                        state="running",
                        worker=worker,
                        lease_until=lease,
                        attempts=Job.attempts + 1,
                        started_at=func.coalesce(Job.started_at, now),
                        updated_at=now,
                    )
                )
                s.commit()
                if res.rowcount == 1:  # type: ignore[attr-defined]
                    log.info("job %s claimed by %s", job_id, worker)
                    return job_id
        return None

    # -- running --------------------------------------------------------------------------------
    def run_job(
        self, job_id: str, worker: str, should_stop: Callable[[], bool] | None = None
    ) -> None:
        should_stop = should_stop or self.stop_event.is_set
        with self.sessions() as s:
            job = s.get(Job, job_id)
            if job is None:
                return
            tenant_id, jurisdictions = job.tenant_id, list(job.jurisdictions)
        while not should_stop():
            with self.sessions() as s:
                items = s.execute(
                    select(JobItem.id, JobItem.seq, JobItem.post, JobItem.jurisdictions)
                    .where(JobItem.job_id == job_id, JobItem.state == "pending")
                    .order_by(JobItem.seq)
                    .limit(self.settings.job_batch_size)
                ).all()
            if not items:
                self._finish(job_id, worker)
                return
            # rows may carry their own jurisdictions: one analyzer call per distinct set
            groups: dict[tuple[str, ...], list[int]] = {}
            for i, row in enumerate(items):
                groups.setdefault(tuple(row[3] or jurisdictions), []).append(i)
            results: list[PostAnalysis | Exception | None] = [None] * len(items)
            for codes, idx in groups.items():
                posts = [Post.model_validate(items[i][2]) for i in idx]
                for i, r in zip(idx, self._analyse(posts, list(codes)), strict=True):
                    results[i] = r
            batch = [(r[0], r[1], r[2], list(r[3] or jurisdictions)) for r in items]
            if not self._record(job_id, worker, tenant_id, batch, results):
                log.warning("job %s: lease lost by %s; leaving it to its new owner", job_id, worker)
                return

    def _analyse(
        self, posts: list[Post], jurisdictions: list[str]
    ) -> list[PostAnalysis | Exception]:
        try:
            out = self.services.analyzer.analyze(posts, jurisdictions=jurisdictions)
            if len(out) == len(posts):
                return list(out)
        except Exception:  # noqa: BLE001 - isolate the failing post below
            log.warning("batch analysis failed; analysing one by one", exc_info=True)
        results: list[PostAnalysis | Exception] = []
        for p in posts:
            try:
                results.append(self.services.analyzer.analyze([p], jurisdictions=jurisdictions)[0])
            except Exception as exc:  # noqa: BLE001
                results.append(exc)
        return results

    def _record(
        self,
        job_id: str,
        worker: str,
        tenant_id: int,
        items: list[tuple[Any, ...]],
        results: list[PostAnalysis | Exception | None],
    ) -> bool:
        now = utcnow()
        done = failed = 0
        with self.sessions() as s:
            renewed = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == worker, Job.state == "running")
                .values(
                    lease_until=now + timedelta(seconds=self.settings.job_lease_seconds),
                    updated_at=now,
                )
            )
            if renewed.rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                return False
            for (item_id, _seq, post_data, jurisdictions), result in zip(
                items, results, strict=True
            ):
                if result is None or isinstance(result, Exception):
                    res = s.execute(
                        update(JobItem)
                        .where(JobItem.id == item_id, JobItem.state == "pending")
                        .values(
                            state="failed",
                            error=f"{type(result).__name__}: {result}"[:2000]
                            if result
                            else "not analysed",
                            attempts=JobItem.attempts + 1,
                            analysed_at=now,
                            worker=worker,
                        )
                    )
                    failed += res.rowcount  # type: ignore[attr-defined]
                    continue
                post = Post.model_validate(post_data)
                outcome = store_analysis(
                    s,
                    tenant_id,
                    post,
                    result,
                    jurisdictions,
                    source=f"job:{job_id}",
                    analysed_at=now,
                )
                res = s.execute(
                    update(JobItem)
                    .where(JobItem.id == item_id, JobItem.state == "pending")
                    .values(
                        state="done",
                        analysis_id=outcome.analysis_id,
                        result_json=canonical_json(result.model_dump(mode="json")),
                        attempts=JobItem.attempts + 1,
                        analysed_at=now,
                        worker=worker,
                    )
                )
                if res.rowcount != 1:  # type: ignore[attr-defined]
                    # someone recorded it already: undo this whole batch, never record twice
                    s.rollback()
                    return False
                done += 1
            s.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(done=Job.done + done, failed=Job.failed + failed, updated_at=now)
            )
            s.commit()
        if self.metrics is not None:
            self.metrics.posts_analysed.labels("job").inc(done)
            self.metrics.job_items.labels("done").inc(done)
            self.metrics.job_items.labels("failed").inc(failed)
        return True

    def _finish(self, job_id: str, worker: str) -> None:
        now = utcnow()
        with self.sessions() as s:
            job = s.get(Job, job_id)
            if job is None:
                return
            state = "failed" if job.total > 0 and job.failed == job.total else "done"
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == worker)
                .values(
                    state=state,
                    finished_at=now,
                    updated_at=now,
                    lease_until=None,
                    error=(f"all {job.total} posts failed" if state == "failed" else None),
                )
            )
            s.commit()
        log.info("job %s %s", job_id, state)
