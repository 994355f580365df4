"""``clearpost analyze INPUT --engine ray``: the same Analyzer over a Parquet dataset, with Ray Data.

    run_ray("posts/", "analyses/", jurisdictions=["uk"], model="default", num_actors=4)

- Input: one Parquet file or a directory of Parquet shards (local, or any URI Ray can read such
  as ``s3://``), with the Post columns (``id`` and ``text`` required).
- ``map_batches`` with a callable class: each worker actor builds ONE Analyzer (one model load)
  in ``__init__`` and reuses it for every batch; ``compute=ActorPoolStrategy(size=num_actors)``
  (Ray 2.60 deprecates ``concurrency=`` for this). Each actor pins torch to ``cpus_per_actor``
  threads and reserves up to that many logical CPUs, always leaving one CPU of the cluster to
  Ray Data's read/write tasks (on a 1-2 CPU machine a full reservation deadlocks the job).
- Cross-post signals (scripted copy across creators, engagement benchmarks) are computed within
  each batch, as ``analyze_batch_frame`` documents; use a large ``batch_size`` where they
  matter, or recompute them over the collection afterwards.
- Output: a directory of Parquet shards at ``output_path`` (overwritten), one row per post, the
  same columns as the local engine writes.
- Cluster: with ``RAY_ADDRESS`` set (``ray://head:10001`` or ``auto``), ``ray.init()`` joins that
  cluster instead of starting a local one. Every node needs clearpost installed (same version)
  and must be able to read ``input_path`` and write ``output_path`` (shared FS or object store).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.errors import InputError

#: Environment every worker gets: models load offline; tokenizers do not fork threads.
WORKER_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


@dataclass
class RayRunSummary:
    input_path: str
    output_path: str
    n_posts: int
    num_actors: int
    cpus_per_actor: float
    seconds: float
    address: str

    @property
    def posts_per_s(self) -> float:
        return self.n_posts / self.seconds if self.seconds > 0 else 0.0


def _model_spec(model: Any) -> Any:
    """'none'/'rules'/None -> rules only; anything else (e.g. 'default', a path) as given."""
    if model is None or (isinstance(model, str) and model.lower() in ("none", "rules", "")):
        return None
    return model


#: Output columns whose values may all be None in one batch: typed explicitly so that every
#: Parquet shard has the same schema (an all-None pandas column would otherwise be "null").
_FLOAT_COLUMNS = (
    "commercial_probability",
    "offensive",
    "machine_generated",
    "engagement_rate",
    "n_comments",
    "spam_share",
)


def _to_arrow(df: Any) -> Any:
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    fields = []
    for f in table.schema:
        if f.name in _FLOAT_COLUMNS:
            fields.append(pa.field(f.name, pa.float64()))
        elif f.name == "is_commercial":
            fields.append(pa.field(f.name, pa.bool_()))
        elif pa.types.is_null(f.type):
            fields.append(pa.field(f.name, pa.string()))
        else:
            fields.append(f)
    return table.cast(pa.schema(fields))


class AnalyzeBatch:
    """Ray Data callable class: ONE Analyzer (one model load) per actor, built in ``__init__``;
    each batch goes through ``nlp.analyzer.analyze_batch_frame`` with that Analyzer, so the
    columns are the ones the local engine writes."""

    def __init__(
        self, jurisdictions: Sequence[str] | None, model: Any, threads: int | None = None
    ) -> None:
        for k, v in WORKER_ENV.items():
            os.environ.setdefault(k, v)
        if threads:
            import torch

            torch.set_num_threads(max(1, int(threads)))
        from nlp.analyzer import Analyzer, settle_heap

        kwargs: dict[str, Any] = {"model": _model_spec(model)}
        if jurisdictions:
            kwargs["jurisdictions"] = tuple(jurisdictions)
        self.analyzer = Analyzer(**kwargs)
        self.jurisdictions = list(self.analyzer.jurisdictions)
        settle_heap()

    def __call__(self, batch: Any) -> Any:
        from nlp.analyzer import analyze_batch_frame

        out = analyze_batch_frame(
            batch, {"analyzer": self.analyzer, "jurisdictions": self.jurisdictions}
        )
        return _to_arrow(out)


def _check_input(input_path: str) -> None:
    if "://" in input_path:
        return
    p = Path(input_path)
    if not p.exists():
        raise InputError(f"{input_path}: no such file or directory", code="E102")
    if p.is_dir() and not any(p.rglob("*.parquet")):
        raise InputError(
            f"{input_path}: directory holds no *.parquet shard; --engine ray reads Parquet "
            "(convert CSV/JSONL with `clearpost analyze IN -o posts.parquet --engine local` "
            "or pandas first)",
            code="E102",
        )
    if p.is_file() and p.suffix.lower() != ".parquet":
        raise InputError(
            f"{input_path}: --engine ray reads Parquet files or directories of Parquet shards",
            code="E102",
        )


def _ensure_ray(init_kwargs: dict[str, Any] | None) -> tuple[Any, bool, str]:
    """(ray module, whether we started/joined it here, address description)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    if ray.is_initialized():
        return ray, False, "existing ray session"
    address = os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "runtime_env": {"env_vars": dict(WORKER_ENV)},
        "log_to_driver": True,
    }
    if address is None:  # a local, single-machine Ray
        store_mb = os.environ.get("CLEARPOST_RAY_OBJECT_STORE_MB")
        if store_mb:
            kwargs["object_store_memory"] = int(float(store_mb) * 1024 * 1024)
    kwargs.update(init_kwargs or {})
    ray.init(address=address, **kwargs)
    return ray, True, address or "local"


def run_ray(
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    jurisdictions: Sequence[str] | None = None,
    model: Any = "default",
    num_actors: int | None = None,
    batch_size: int = 256,
    *,
    cpus_per_actor: float | None = None,
    ray_init_kwargs: dict[str, Any] | None = None,
) -> RayRunSummary:
    """Analyse every post of a Parquet dataset on Ray; write Parquet shards to ``output_path``.

    ``num_actors`` defaults to the cluster's CPUs // ``cpus_per_actor`` (default 2 CPUs per
    actor: one torch process using two cores beats two one-core processes holding two copies
    of the model)."""
    input_path, output_path = str(input_path), str(output_path)
    _check_input(input_path)
    if batch_size < 1:
        raise InputError("--batch-size must be >= 1", code="E103")
    if num_actors is not None and num_actors < 1:
        raise InputError("--num-actors must be >= 1", code="E103")
    if jurisdictions:  # unknown codes fail here, before any Ray worker starts
        from nlp.rules.registry import RulePackRegistry

        RulePackRegistry.default().resolve(list(jurisdictions))
    ray, owned, address = _ensure_ray(ray_init_kwargs)
    try:
        import ray.data

        total_cpus = float(ray.cluster_resources().get("CPU", 1.0))
        cpa = float(cpus_per_actor or min(2.0, total_cpus))
        if num_actors is None:
            num_actors = max(1, int(max(total_cpus - 1.0, 1.0) // cpa))
        # Logical reservation: leave one CPU to Ray Data's read/write tasks (ListFiles always
        # asks for a whole CPU), or the actor pool would starve them and the job would hang on a
        # small machine. The actor still runs ``threads`` torch threads.
        reserve = max(0.0, min(cpa, (total_cpus - 1.0) / num_actors))
        t0 = time.perf_counter()
        ds = ray.data.read_parquet(input_path)
        out = ds.map_batches(
            AnalyzeBatch,
            fn_constructor_kwargs={
                "jurisdictions": list(jurisdictions) if jurisdictions else None,
                "model": model,
                "threads": max(1, int(cpa)),
            },
            batch_size=batch_size,
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(size=num_actors),
            num_cpus=reserve,
            udf_modifying_row_count=False,
        )
        out.write_parquet(output_path, mode=ray.data.SaveMode.OVERWRITE)
        seconds = time.perf_counter() - t0
        n = ray.data.read_parquet(output_path).count()
        return RayRunSummary(
            input_path=input_path,
            output_path=output_path,
            n_posts=int(n),
            num_actors=num_actors,
            cpus_per_actor=cpa,
            seconds=seconds,
            address=address,
        )
    finally:
        if owned:
            ray.shutdown()
