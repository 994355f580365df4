"""training.audit_intent: the disclosure audit against human intent labels (MDID's layout)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.audit_intent import MDID, main, rates


def _write(d: Path, rows: list[tuple[str, str, str]]) -> None:
    import pandas as pd

    p = d / MDID
    p.parent.mkdir(parents=True)
    pd.DataFrame(rows, columns=["id", "orig_caption", "intent"]).to_csv(p, index=False)


def _metrics(capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    return {
        (x := json.loads(line))["metric"]: x["value"]
        for line in capsys.readouterr().out.splitlines()
    }


def test_audit_intent_counts_verdicts_against_the_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(
        tmp_path,
        [
            ("1", "Obsessed with @glowco! code ANNA10 for 10% off", "promote"),
            ("2", "#ad Loving my new trainers from @runfast", "promote"),
            ("3", "Sunday walk by the sea, no filter needed", "express"),
            ("4", "Use code SAVE10 at the bake sale for a free cookie @schoolfair", "inform"),
            ("5", "", "entertain"),
        ],
    )
    assert main(["--data-dir", str(tmp_path), "-j", "gb", "--rules-only"]) == 0
    m = _metrics(capsys)
    assert m["n_promote"] == 2 and m["n_other"] == 3
    # post 1 undisclosed, post 2 compliant: half the promote posts flagged, none missed
    assert m["promote_flagged_rate"] == 0.5 and m["promote_strict_rate"] == 0.5
    assert m["promote_missed_rate"] == 0.0
    # the bake-sale code is flagged although people judged it not promotional
    assert m["other_flagged_rate"] == pytest.approx(1 / 3, abs=1e-4)


def test_audit_intent_rates_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = rates([True, True, False], ["not_commercial", "needs_review", "compliant"])
    assert r["promote_missed_rate"] == 0.5 and r["promote_flagged_rate"] == 0.5
    assert r["other_flagged_rate"] == 0.0 and r["other_strict_rate"] == 0.0
    assert rates([], [])["promote_flagged_rate"] is None
    assert main(["--data-dir", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.shared_data
def test_audit_intent_on_mdid_flags_promote_posts_more_than_the_rest(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (shared_data / MDID).is_file():
        pytest.skip(f"{shared_data / MDID} is absent: real-data test skipped")
    assert main(["--data-dir", str(shared_data), "--rules-only"]) == 0
    m = _metrics(capsys)
    assert (m["n_promote"], m["n_other"]) == (185, 1099)
    # rules only (2026.5): flagged 0.67 vs 0.40, undisclosed/inadequate 0.15 vs 0.025
    assert m["promote_flagged_rate"] > 1.5 * m["other_flagged_rate"]
    assert m["promote_strict_rate"] > 4 * m["other_strict_rate"]
