"""End to end on 250 real captions (5 Dutch/international creators, 50 posts each): analyze ->
score -> sweep through the CLI, rules only (the bundled model is optional)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from nlp.cli import main

pytestmark = pytest.mark.shared_data

CREATORS = {"negin_mirsalehi", "kalvijn", "jeremyfragrance", "enzoknol", "juttaleerdam"}


@pytest.fixture(scope="module")
def analyses_file(dmi_captions: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dmi") / "analyses.parquet"
    rc = main(
        [
            "analyze",
            str(dmi_captions),
            "-o",
            str(out),
            "-j",
            "uk,nl",
            "--no-model",
            "--progress",
            "off",
        ]
    )
    assert rc == 0
    return out


def test_dmi_analyze_writes_one_row_per_post(analyses_file: Path, dmi_captions: Path) -> None:
    df = pd.read_parquet(analyses_file)
    assert len(df) == 250 and set(df["creator"]) == CREATORS
    assert {"verdict_uk", "verdict_nl", "analysis", "flags"} <= set(df.columns)
    captions = pd.read_csv(dmi_captions)
    ad_ids = {
        u.rstrip("/").rsplit("/", 1)[-1]
        for u, c in zip(captions["post_url"], captions["caption"], strict=True)
        if isinstance(c, str) and "#ad" in c.lower().split()
    }
    tagged = df[df["post_id"].isin(ad_ids)]
    assert len(tagged) >= 7
    # every caption carrying #ad is recognised as commercial under the UK pack
    assert (tagged["verdict_uk"] != "not_commercial").all()


def test_dmi_score_json_contract_and_values(analyses_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "trust.json"
    assert main(["score", str(analyses_file), "-o", str(out), "-j", "nl"]) == 0
    data = json.loads(out.read_text())
    assert {t["creator"] for t in data} == CREATORS
    for t in data:
        assert {"creator", "score", "band", "interval", "n_posts", "components"} <= set(t)
        assert t["n_posts"] == 50
        assert 0 <= t["interval"][0] <= t["score"] <= t["interval"][1] <= 100
        assert t["band"] in {"high", "medium", "low", "critical"}
        names = [c["name"] for c in t["components"]]
        assert names == [
            "disclosure",
            "sponsored_share",
            "content_authenticity",
            "audience_authenticity",
            "tone_brand_safety",
        ]
        for c in t["components"]:
            assert {"name", "value", "weight", "contribution", "evidence"} <= set(c)
        assert "rules_only" in t["flags"]
        assert t["period"][0] < t["period"][1]
    by = {t["creator"]: t for t in data}
    # the two creators who write #ad have commercial posts on record
    assert by["kalvijn"]["components"][0]["detail"]["n_commercial"] >= 7
    assert by["enzoknol"]["components"][0]["detail"]["n_commercial"] >= 2


def test_dmi_score_csv_vetting_and_sweep(analyses_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "trust.csv"
    assert main(["score", str(analyses_file), "--profile", "vetting", "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 5 and {"creator", "score", "band", "disclosure_value"} <= set(rows[0])
    sw = tmp_path / "sweep.json"
    assert main(["sweep", str(analyses_file), "--jurisdiction", "nl", "-o", str(sw)]) == 0
    (m,) = json.loads(sw.read_text())
    assert m["jurisdiction"] == "nl" and m["n_creators"] == 5 and m["n_posts"] == 250
    assert 0 < m["creators_commercial"] <= 5


def test_dmi_score_unknown_weight_is_a_clear_cli_error(
    analyses_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["score", str(analyses_file), "--weights", '{"disclosur": 1}'])
    assert rc == 1
    assert "unknown component" in capsys.readouterr().err


def test_dmi_adding_a_real_compliant_ad_never_lowers_a_real_score(analyses_file: Path) -> None:
    """The promise on real analyses: each creator plus one caption the UK pack calls compliant."""
    from nlp.analyzer import Analyzer, analyses_from_frame
    from nlp.posts import Post
    from nlp.results import Verdict
    from nlp.scoring.trust import score_creators

    base = analyses_from_frame(pd.read_parquet(analyses_file))
    analyzer = Analyzer(model=None, jurisdictions=("uk",))
    for creator in sorted(CREATORS):
        ad = analyzer.analyze_one(
            Post(
                id=f"new-{creator}",
                creator=creator,
                text="#ad Loving the new trainers from @nike, use code RUN10 for 10% off",
            )
        )
        assert [f.verdict for f in ad.findings if f.kind == "disclosure"] == [Verdict.compliant]
        mine = [a for a in base if a.creator == creator]
        for profile in ("compliance", "vetting"):
            before = score_creators(mine, profile=profile, jurisdictions=["uk"])[0]
            after = score_creators(mine + [ad], profile=profile, jurisdictions=["uk"])[0]
            assert after.score >= before.score, (creator, profile, before.score, after.score)


def test_analyze_jsonl_output_feeds_score(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    src.write_text(
        "id,creator,text,likes,followers\n"
        "a1,amy,#ad Loving my new @nike trainers,120,5000\n"
        "a2,amy,Thanks @nike for the gifted trainers,80,5000\n"
        "b1,ben,A quiet Sunday walk by the sea,30,900\n",
        encoding="utf-8",
    )
    out = tmp_path / "analyses.jsonl"
    assert main(["analyze", str(src), "-o", str(out), "--no-model", "--progress", "off"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["post_id"] for r in rows] == ["a1", "a2", "b1"] and "verdict_uk" in rows[0]
    trust = tmp_path / "trust.json"
    assert main(["score", str(out), "-o", str(trust)]) == 0
    assert [t["creator"] for t in json.loads(trust.read_text())] == ["amy", "ben"]
    assert main(["analyze", str(src), "-o", str(tmp_path / "x.txt"), "--no-model"]) == 1
