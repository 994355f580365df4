"""Audit evidence must be reproducible: the bundled model's analysis of a post is the same bytes
whether the post is analysed alone or batched with others (different lengths, several windows,
comments). Real model, real rule packs; the texts are this file's own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nlp.posts import Post

pytestmark = pytest.mark.slow

TARGET = Post(
    id="t1",
    creator="maya",
    platform="instagram",
    text="Obsessed with my new serum from @glowco ✨ use code MAYA15 for 15% off, link in bio "
    "#skincare #glow",
    comments=["where can I buy it??", "DM me to earn $500 a day from home 💰💰", "love this"],
)
COMPANY = [
    Post(id="c1", creator="leo", platform="instagram", text="Sunday run by the river."),
    Post(
        id="c2",
        creator="ines",
        platform="youtube",
        text=" ".join(
            ["Dans cette vidéo je teste la nouvelle gamme de soins de @marque, merci à eux !"] * 30
        ),
        comments=["trop bien", "c'est sponsorisé ?"],
    ),
    Post(id="c3", creator="sam", platform="tiktok", text="#ad my honest review of @fizzco 🥤"),
    Post(id="c4", creator="ana", platform="instagram", text="x"),
]


@pytest.fixture(scope="module")
def analyzer() -> Any:
    from nlp.analyzer import Analyzer

    an = Analyzer(jurisdictions=("uk", "fr"))
    if an.model is None:
        pytest.skip("no bundled model artifact")
    return an


def _bytes(a: Any) -> str:
    return json.dumps(a.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def _batching(model: Any) -> str:
    """int8 (per-row activation scales), and bf16 where the load-time probe found this CPU's
    kernels row-count invariant: any row count; otherwise fixed-shape batches."""
    free = model.info["quantization"].startswith("int8") or model.info.get("row_probe") == "passed"
    return "per-width-16" if free else "fixed-16x16"


def test_real_model_outputs_are_batch_invariant(analyzer: Any) -> None:
    assert analyzer.model.info["batching"] == _batching(analyzer.model)
    alone = analyzer.model.predict([TARGET.text])[0]
    others = [c.text for c in COMPANY]
    for company in (
        [*others, TARGET.text],
        [TARGET.text, COMPANY[1].text],
        [*others * 3, TARGET.text, *others],  # full fixed-shape batches around it
    ):
        got = analyzer.model.predict(company)[company.index(TARGET.text)]
        assert got == alone


def test_reanalysis_in_another_batch_yields_byte_identical_findings(analyzer: Any) -> None:
    alone = analyzer.analyze([TARGET], cross_post=False)[0]
    assert alone.commercial.is_commercial and alone.findings
    assert alone.versions.model
    assert alone.versions.model["batching"] == _batching(analyzer.model)
    batched = analyzer.analyze([*COMPANY[:2], TARGET, *COMPANY[2:]], cross_post=False)[2]
    assert batched.post_id == "t1"
    assert _bytes(batched) == _bytes(alone)
    again = analyzer.analyze([COMPANY[3], TARGET], cross_post=False)[1]
    assert _bytes(again) == _bytes(alone)
