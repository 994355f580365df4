"""Cohort metrics as the EU 2024 sweep reports them, per jurisdiction."""

from __future__ import annotations

import pytest

from nlp.errors import ConfigError
from nlp.results import Span, Verdict
from nlp.scoring.sweep import cohort_metrics, sweep
from tests.fixtures.scoring import make_analysis


def _span(text: str, label: str, start: int = 0) -> Span:
    return Span(start=start, end=start + len(text), text=text, label=label)


def _cohort():  # type: ignore[no-untyped-def]
    return [
        # amy: always discloses clearly, up front
        make_analysis(
            "a1",
            "amy",
            Verdict.compliant,
            evidence=[_span("#ad", "disclosure")],
            metrics={"fold_offset": 125},
        ),
        make_analysis(
            "a2",
            "amy",
            Verdict.compliant,
            evidence=[_span("#ad", "disclosure")],
            metrics={"fold_offset": 125},
        ),
        # ben: discloses, but one only after the fold and one with "collab"
        make_analysis(
            "b1",
            "ben",
            Verdict.inadequate,
            evidence=[_span("#ad", "disclosure", 300)],
            metrics={"fold_offset": 125},
        ),
        make_analysis(
            "b2",
            "ben",
            Verdict.inadequate,
            evidence=[_span("#collab", "ambiguous_disclosure")],
            metrics={"fold_offset": 125},
        ),
        # cleo: one undisclosed ad, one thanks to a brand
        make_analysis("c1", "cleo", Verdict.undisclosed),
        make_analysis(
            "c2", "cleo", Verdict.inadequate, evidence=[_span("thanks @brand", "thanks_brand")]
        ),
        # dan: no commercial content
        make_analysis("d1", "dan", Verdict.not_commercial),
    ]


def test_sweep_shares_and_counts() -> None:
    m = cohort_metrics(_cohort(), "uk")
    assert (m.n_creators, m.n_posts, m.n_commercial_posts) == (4, 7, 6)
    assert m.creators_commercial == 3 and m.share_commercial == 0.75
    assert m.creators_systematically_disclosed == 2  # amy, ben (cleo has an undisclosed ad)
    assert m.share_systematically_disclosed == pytest.approx(2 / 3, abs=1e-4)
    assert m.creators_always_compliant == 1
    assert m.creators_with_disclosure == 2
    assert m.creators_disclosed_before_fold == 1 and m.share_disclosed_before_fold == 0.5
    assert m.creators_nonstandard_wording == 1 and m.creators_collaboration_wording == 1
    assert m.creators_thanks_wording == 1
    assert m.verdict_counts["undisclosed"] == 1 and m.verdict_counts["compliant"] == 2


def test_sweep_per_jurisdiction_and_unknown_fails() -> None:
    posts = [
        make_analysis("p1", "amy", verdicts={"uk": Verdict.compliant, "fr": Verdict.inadequate}),
        make_analysis(
            "p2", "ben", verdicts={"uk": Verdict.not_commercial, "fr": Verdict.not_commercial}
        ),
    ]
    uk, fr = sweep(posts, ["uk", "fr"])
    assert uk.share_always_compliant == 1.0 and fr.share_always_compliant == 0.0
    assert uk.share_commercial == fr.share_commercial == 0.5
    assert [m.jurisdiction for m in sweep(posts)] == ["uk", "fr"]
    with pytest.raises(ConfigError, match="no findings for 'de'"):
        cohort_metrics(posts, "de")


@pytest.mark.parametrize(
    ("wording", "collaboration", "partnership"),
    [
        ("in Kooperation mit", True, False),
        ("Samarbete med", True, False),
        ("collab with @boohoo", True, False),
        ("partnered with @olay", False, True),
        ("#sp", False, False),
    ],
)
def test_sweep_names_the_wording_in_each_language(
    wording: str, collaboration: bool, partnership: bool
) -> None:
    posts = [
        make_analysis(
            "e1",
            "eva",
            Verdict.inadequate,
            evidence=[_span(wording, "ambiguous_disclosure")],
            metrics={"fold_offset": 125},
        )
    ]
    m = cohort_metrics(posts, "uk")
    assert m.creators_nonstandard_wording == 1
    assert m.creators_collaboration_wording == int(collaboration)
    assert m.creators_partnership_wording == int(partnership)
