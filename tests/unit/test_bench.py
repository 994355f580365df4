"""bench/: the corpus sampler, RESULT lines, the load generator and the report plumbing, on tiny
inputs (no model, no server)."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import httpx
import pytest

from bench.common import Results, write_json
from bench.corpus import SOURCES, CorpusMissing, Source, load_corpus
from bench.latency import LoadResult, run_load
from bench.run import parse_result_lines


def _write_sources(root: Path) -> None:
    (root / "influencer_captions_dmi_sample").mkdir(parents=True)
    (root / "influencer_captions_dmi_sample" / "captions.csv").write_text(
        "influencer,post_url,posted_at,likes,n_comments,caption\n"
        'anna,https://x/p/1,,10,2,"Loving this #ad"\n'
        "anna,https://x/p/2,,,,\n"  # empty caption: skipped
        "ben,https://x/p/3,,5,1,Sunday walk\n"
        "ben,https://x/p/4,,7,0,Use code BEN10\n"
    )
    (root / "influencer_posts_small_sets").mkdir()
    (root / "influencer_posts_small_sets" / "kardashian_tweets_2016_2019.csv").write_text(
        "tweet_id,screen_name,created_at,text\n1,kim,2019-01-01,New perfume out now\n"
    )


def test_corpus_samples_real_rows_per_source_and_lists_absent_ones(tmp_path: Path) -> None:
    _write_sources(tmp_path)
    c = load_corpus(tmp_path, per_source=2, seed=0)
    assert c.used == {"dmi_instagram": 2, "kardashian_x": 1}
    assert "youtube_trending" in c.missing
    assert all(p.text.strip() for p in c.posts)
    assert {p.platform.value for p in c.posts} == {"instagram", "x"}
    assert all(p.id.split(":")[0] in c.used for p in c.posts)
    again = load_corpus(tmp_path, per_source=2, seed=0)
    assert [p.id for p in again.posts] == [p.id for p in c.posts]  # seeded
    assert "real posts" in c.describe()


def test_corpus_reads_metrics_and_tolerates_bad_numbers(tmp_path: Path) -> None:
    _write_sources(tmp_path)
    c = load_corpus(tmp_path, per_source=10, sources=[SOURCES[0]])
    by_id = {p.id: p for p in c.posts}
    assert by_id["dmi_instagram:https://x/p/1"].likes == 10
    assert by_id["dmi_instagram:https://x/p/3"].creator == "ben"


def test_corpus_missing_everywhere_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(CorpusMissing, match="--data-dir"):
        load_corpus(tmp_path / "nowhere")
    with pytest.raises(CorpusMissing):
        load_corpus(tmp_path, sources=[Source("x", "x.csv", "t", "i", None, "x")])


def test_results_print_parseable_result_lines(capsys: pytest.CaptureFixture[str]) -> None:
    res = Results("t")
    res.add("full_posts_per_s", 153.456, "posts/s")
    res.add("speedup", 4.2, "x", target=">= 4")
    res.skip("baseline", "not here")
    out = capsys.readouterr().out
    parsed = parse_result_lines(out)
    assert parsed["full_posts_per_s"] == {"value": 153.5, "unit": "posts/s"}
    assert parsed["speedup"]["value"] == pytest.approx(4.2)
    assert "SKIP baseline: not here" in out
    assert res.as_dict()["results"]["speedup"]["target"] == ">= 4"


def test_parse_result_lines_ignores_noise() -> None:
    text = "hello\nRESULT a=1.5 ms\nRESULT broken\nRESULT b=nan? x\nRESULT c=2\n"
    assert parse_result_lines(text) == {
        "a": {"value": 1.5, "unit": "ms"},
        "c": {"value": 2.0, "unit": ""},
    }


def test_write_json_creates_parents(tmp_path: Path) -> None:
    p = tmp_path / "a" / "b" / "report.json"
    write_json(p, {"x": 1})
    assert json.loads(p.read_text()) == {"x": 1}


def test_load_result_percentiles_are_nearest_rank() -> None:
    lr = LoadResult(
        latencies_ms=[float(x) for x in range(1, 101)], errors={}, seconds=1.0, posts=100
    )
    assert lr.pct(50) == 50.0
    assert lr.pct(95) == 95.0
    assert lr.pct(99) == 99.0
    assert LoadResult([], {}, 1.0, 0).pct(50) != LoadResult([], {}, 1.0, 0).pct(50)  # nan


def test_run_load_is_bounded_and_counts_errors() -> None:
    seen: list[dict[str, object]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        assert request.headers["Authorization"] == "Bearer k"
        if len(seen) % 5 == 0:
            return httpx.Response(503, json={"detail": "busy"})
        return httpx.Response(200, json={"data": [], "count": 0})

    bodies = ({"posts": [{"id": str(i), "text": "t"}]} for i in itertools.count())
    lr = asyncio.run(
        run_load(
            "http://test",
            "k",
            bodies,
            clients=3,
            requests=20,
            duration=30,
            transport=httpx.MockTransport(handler),
        )
    )
    assert len(seen) == 20
    assert lr.ok == 16 and lr.errors == {"http_503": 4}
    assert len({b["posts"][0]["id"] for b in seen}) == 20  # type: ignore[index]


def test_markdown_report_lists_every_result_and_note() -> None:
    from bench.run import render_markdown

    md = render_markdown(
        {
            "environment": {"utc": "2026-11-26T13:30:00Z", "cpu_count": 2},
            "benches": {
                "throughput": {
                    "command": "bench.throughput --data-dir d",
                    "results": {"speedup": {"value": 5.1, "unit": "x", "target": ">= 4"}},
                    "notes": ["random heads"],
                    "skipped": ["baseline: absent"],
                }
            },
        }
    )
    assert "| `speedup` | 5.1 | x | >= 4 |" in md
    assert "- random heads" in md and "SKIPPED baseline: absent" in md


def test_stage_timer_measures_each_part_and_restores_them() -> None:
    import time as _time

    import nlp.analyzer as analyzer_mod
    from bench.throughput import StageTimer

    class Part:
        def pipe(self, posts: list[int]) -> object:
            return (p for p in posts)

        def predict(self, texts: list[str]) -> list[dict[str, float]]:
            _time.sleep(0.01)
            return [{} for _ in texts]

        def audit(self, *a: object, **k: object) -> list[object]:
            return []

        def per_post(self, *a: object) -> None:
            return None

    class FakeAnalyzer:
        def __init__(self) -> None:
            self.preprocessor, self.model, self.auditor, self.authenticity = (
                Part(),
                Part(),
                Part(),
                Part(),
            )

    a = FakeAnalyzer()
    orig_cross_post = analyzer_mod.apply_cross_post
    timer = StageTimer(a)
    assert list(a.preprocessor.pipe([1, 2])) == [1, 2]  # generators still iterate
    a.model.predict(["x"])
    timer.restore()
    assert timer.seconds["encoder"] >= 0.01
    assert set(timer.seconds) == {"preprocess", "encoder", "rules", "authenticity", "cross_post"}
    assert "predict" not in vars(a.model)  # instance wrappers removed
    assert analyzer_mod.apply_cross_post is orig_cross_post
