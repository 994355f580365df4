"""``--engine ray``: the same Analyzer over a Parquet dataset on a LOCAL Ray instance (1 CPU,
small object store, no dashboard), rules only so that it stays fast. Marked slow."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from nlp.errors import InputError, UnknownJurisdictionError

POSTS = [
    ("p1", "glowco", "instagram", "Loving my new serum from @glowco #ad"),
    ("p2", "glowco", "instagram", "Use my code GLOW20 for 20% off at glowco.com 💖"),
    ("p3", "anna", "instagram", "Sunday walk in the park with the dog 🐶"),
    ("p4", "anna", "tiktok", "Merci @maisonx pour ce cadeau ! #sponsorisé"),
    ("p5", "ben", "youtube", "This video is sponsored by NordVPN. Link below for 70% off."),
    ("p6", "ben", "x", "Great match last night, what a goal"),
    ("p7", "cara", "instagram", "Partenariat rémunéré avec @brand, code CARA10 -10%"),
    ("p8", "cara", "instagram", "Just coffee ☕"),
    ("p9", "dan", "instagram", "New drop from @nike is fire #gifted"),
    ("p10", "dan", "tiktok", "not sponsored, I just love this blender"),
]


def _frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "creator", "platform", "text"])


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = pytest.importorskip("ray")
    if os.environ.get("RAY_ADDRESS"):
        pytest.skip("RAY_ADDRESS is set: this test starts its own local Ray")
    ray.init(
        num_cpus=1,
        object_store_memory=100 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    d = tmp_path / "posts"
    d.mkdir()
    _frame(POSTS[:6]).to_parquet(d / "part-0.parquet", index=False)
    _frame(POSTS[6:]).to_parquet(d / "part-1.parquet", index=False)
    return d


@pytest.mark.slow
def test_ray_engine_matches_the_local_analyzer(
    local_ray: None, shards: Path, tmp_path: Path
) -> None:
    from nlp.analyzer import Analyzer
    from nlp.engines.ray_engine import run_ray

    out = tmp_path / "analyses"
    summary = run_ray(
        shards,
        out,
        jurisdictions=["uk", "fr"],
        model="none",
        num_actors=1,
        batch_size=4,
        cpus_per_actor=1,
    )
    assert summary.n_posts == len(POSTS)
    assert summary.num_actors == 1
    got = pd.read_parquet(out).set_index("post_id").sort_index()
    assert sorted(got.index) == sorted(p[0] for p in POSTS)
    assert {"verdict", "verdict_uk", "verdict_fr", "analysis", "is_commercial"} <= set(got.columns)

    local = Analyzer(model=None, jurisdictions=("uk", "fr"))
    want = local.analyze_frame(_frame(POSTS), ["uk", "fr"]).set_index("post_id").sort_index()
    for col in ("verdict", "verdict_uk", "verdict_fr", "is_commercial", "language"):
        assert got[col].tolist() == want[col].tolist(), col

    # every shard has the same schema (typed columns, even when a batch is all-None)
    import pyarrow.parquet as pq

    schemas = {str(pq.read_schema(f)) for f in out.glob("*.parquet")}
    assert len(schemas) == 1


@pytest.mark.slow
def test_ray_engine_overwrites_the_output(local_ray: None, shards: Path, tmp_path: Path) -> None:
    from nlp.engines.ray_engine import run_ray

    out = tmp_path / "analyses"
    for _ in range(2):
        run_ray(shards, out, ["uk"], model="none", num_actors=1, batch_size=8, cpus_per_actor=1)
    assert len(pd.read_parquet(out)) == len(POSTS)


def test_ray_engine_rejects_bad_input_before_starting_ray(tmp_path: Path) -> None:
    from nlp.engines.ray_engine import run_ray

    with pytest.raises(InputError, match="no such file"):
        run_ray(tmp_path / "missing", tmp_path / "out", ["uk"], model="none")
    csv = tmp_path / "posts.csv"
    csv.write_text("id,text\n1,hello\n")
    with pytest.raises(InputError, match="Parquet"):
        run_ray(csv, tmp_path / "out", ["uk"], model="none")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no \\*.parquet"):
        run_ray(empty, tmp_path / "out", ["uk"], model="none")
    pq_file = tmp_path / "p.parquet"
    _frame(POSTS[:1]).to_parquet(pq_file, index=False)
    with pytest.raises(UnknownJurisdictionError):
        run_ray(pq_file, tmp_path / "out", ["xx"], model="none")


def test_cli_passes_num_actors_and_remote_paths_to_the_ray_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nlp import cli
    from nlp.engines import ray_engine

    seen: dict[str, object] = {}

    def fake_run_ray(input_path: str, output: str, **kw: object) -> object:
        seen.update(kw, input=input_path, output=output)
        return type("S", (), {"n_posts": 0, "output_path": output})()

    monkeypatch.setattr(ray_engine, "run_ray", fake_run_ray)
    # a remote URL is the engine's to read: no local "does not exist" check on it
    argv = ["analyze", "s3://bucket/posts/", "-o", "s3://bucket/out/", "--engine", "ray"]
    assert cli.main([*argv, "--num-actors", "3", "--no-model"]) == 0
    assert seen["input"] == "s3://bucket/posts/" and seen["num_actors"] == 3
    assert seen["model"] is None
    capsys.readouterr()
    assert cli.main(["analyze", str(tmp_path / "missing.parquet"), "--engine", "ray"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["analyze", str(tmp_path), "--num-actors", "2"]) == 1
    assert "--num-actors needs --engine ray" in capsys.readouterr().err
