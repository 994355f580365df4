"""Trust score: profiles, overrides, bands, components, which verdict counts."""

from __future__ import annotations

import pytest

from nlp.config import COMPONENT_NAMES
from nlp.errors import ConfigError
from nlp.results import Verdict
from nlp.scoring.trust import PROFILES, profile_weights, score_creators, trust_to_public
from tests.fixtures.scoring import make_analysis


def _creator(verdicts: list[Verdict], creator: str = "alice", **kw):  # type: ignore[no-untyped-def]
    return [make_analysis(f"{creator}-{i}", creator, v, **kw) for i, v in enumerate(verdicts)]


def test_trust_profiles_are_named_in_config() -> None:
    assert {"compliance", "vetting"} <= set(PROFILES)
    for p in ("compliance", "vetting"):
        w = profile_weights(p)
        assert set(w) == set(COMPONENT_NAMES)
        assert abs(sum(w.values()) - 1) < 1e-9
    assert profile_weights("compliance")["disclosure"] > profile_weights("vetting")["disclosure"]


def test_trust_unknown_component_in_override_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown component.*disclosur.*known") as exc:
        score_creators(_creator([Verdict.compliant]), weights={"disclosur": 1.0})
    assert exc.value.code == "E501"


def test_trust_unknown_profile_and_bad_weights_fail() -> None:
    with pytest.raises(ConfigError, match="unknown profile 'strict'"):
        score_creators(_creator([Verdict.compliant]), profile="strict")
    with pytest.raises(ConfigError, match=">= 0"):
        score_creators(_creator([Verdict.compliant]), weights={"disclosure": -1})
    with pytest.raises(ConfigError, match="all be zero"):
        score_creators(_creator([Verdict.compliant]), weights=dict.fromkeys(COMPONENT_NAMES, 0.0))


def test_trust_override_changes_only_named_weights() -> None:
    w = profile_weights("compliance", {"disclosure": 0.0})
    assert w["disclosure"] == 0.0
    t = score_creators(_creator([Verdict.undisclosed] * 5), weights={"disclosure": 0.0})[0]
    d = next(c for c in t.components if c.name == "disclosure")
    assert d.contribution == 0.0 and d.weight == 0.0


def test_trust_components_explain_the_score() -> None:
    posts = _creator(
        [Verdict.undisclosed, Verdict.inadequate, Verdict.compliant, Verdict.not_commercial]
    )
    t = score_creators(posts)[0]
    assert [c.name for c in t.components] == list(COMPONENT_NAMES)
    assert abs(sum(c.contribution for c in t.components) - t.score) < 0.05
    d = t.components[0]
    assert d.evidence[:2] == ["alice-0", "alice-1"]  # undisclosed first, then inadequate
    assert d.detail["undisclosed"] == 1 and d.detail["compliant"] == 1
    assert t.interval[0] <= t.score <= t.interval[1]
    assert t.n_posts == 4 and t.period == ("2025-01-01T00:00:00", "2025-01-01T00:00:00")
    assert "undisclosed_ads" in t.flags


def test_trust_undisclosed_weighs_more_than_inadequate() -> None:
    und = score_creators(_creator([Verdict.undisclosed] * 3))[0]
    inad = score_creators(_creator([Verdict.inadequate] * 3))[0]
    comp = score_creators(_creator([Verdict.compliant] * 3))[0]
    assert und.score < inad.score < comp.score


def test_trust_bands_follow_documented_cutoffs() -> None:
    good = score_creators(
        _creator([Verdict.compliant] * 30, machine=0.0, offensive=0.0, spam_share=0.0)
    )[0]
    bad = score_creators(
        _creator([Verdict.undisclosed] * 30, machine=1.0, offensive=1.0, spam_share=1.0)
    )[0]
    assert good.band == "high" and good.score >= 80
    assert bad.band == "critical" and bad.score < 40


def test_trust_sponsored_share_flag_is_raised_but_compliant_ads_do_not_cost_points() -> None:
    t = score_creators(_creator([Verdict.compliant] * 9 + [Verdict.not_commercial]))[0]
    s = next(c for c in t.components if c.name == "sponsored_share")
    assert "sponsored_share_over_30pct" in t.flags
    assert s.detail["share_commercial"] == 0.9
    assert s.value == 1.0  # disclosed ads count a quarter: effective share stays under 30%
    u = score_creators(_creator([Verdict.undisclosed] * 9 + [Verdict.not_commercial]))[0]
    assert next(c for c in u.components if c.name == "sponsored_share").value < 0.3


def test_trust_worst_verdict_across_requested_jurisdictions() -> None:
    posts = [
        make_analysis(
            f"p{i}", "alice", verdicts={"uk": Verdict.compliant, "fr": Verdict.inadequate}
        )
        for i in range(3)
    ]
    uk = score_creators(posts, jurisdictions=["uk"])[0]
    both = score_creators(posts, jurisdictions=["uk", "fr"])[0]
    allj = score_creators(posts)[0]
    assert uk.components[0].detail["compliant"] == 3
    assert both.components[0].detail["inadequate"] == 3
    assert allj.score == both.score < uk.score
    with pytest.raises(ConfigError, match="no findings for"):
        score_creators(posts, jurisdictions=["de"])


def test_trust_crowd_suspicion_on_a_non_commercial_post_counts_against_disclosure() -> None:
    clean = score_creators(_creator([Verdict.not_commercial] * 3))[0]
    sus = score_creators(_creator([Verdict.not_commercial] * 3, crowd_suspicion=True))[0]
    assert sus.components[0].value < clean.components[0].value
    assert sus.components[0].evidence == ["alice-0", "alice-1", "alice-2"]


def test_trust_is_deterministic_and_public_json_has_the_contract_keys() -> None:
    posts = _creator([Verdict.compliant, Verdict.undisclosed]) + _creator(
        [Verdict.compliant], "bob"
    )
    a, b = score_creators(posts), score_creators(posts)
    assert [t.model_dump() for t in a] == [t.model_dump() for t in b]
    pub = trust_to_public(a[0])
    assert {"creator", "score", "band", "interval", "n_posts", "components"} <= set(pub)
    assert isinstance(pub["interval"], list) and len(pub["interval"]) == 2
    assert {"name", "value", "weight", "contribution", "evidence"} <= set(pub["components"][0])
    assert [t.creator for t in a] == ["alice", "bob"]


def test_trust_rules_only_analyses_are_flagged() -> None:
    assert "rules_only" in score_creators(_creator([Verdict.compliant]))[0].flags
    assert "rules_only" not in score_creators(_creator([Verdict.compliant], model=True))[0].flags


def test_trust_undecided_posts_count_a_quarter_strike() -> None:
    clean = score_creators(_creator([Verdict.not_commercial] * 4))[0]
    review = score_creators(_creator([Verdict.needs_review] * 4))[0]
    und = score_creators(_creator([Verdict.undisclosed] * 4))[0]
    assert und.components[0].value < review.components[0].value < clean.components[0].value
    assert review.components[0].detail["prior_only"] is False
    assert review.components[0].detail["needs_review"] == 4
