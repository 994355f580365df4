"""MODEL_CARD.md from an artifact's meta.json (re-written after ``training.evaluate --update``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CAN_CANNOT = """\
## What it can and cannot detect
- **commercial** — P(the text promotes a brand, product or service). Trained on WEAK labels (see
  below): positives are real creator texts whose explicit disclosure (#ad, sponsored by, paid
  partnership, #publicité, partenariat rémunéré, affiliate-link disclosures ...) or affiliate link
  marks them as commercial, with the disclosure words REMOVED; negatives are organic texts
  (tweets, Reddit comments, film subtitles, YouTube comments, YouTube descriptions without any
  marker). It can flag promotional wording (product lists, "get it here", discount talk, brand
  thanks) without a disclosure. It cannot see images, audio, or oral sponsor reads; it is weak on
  French (few French positives) and on subtle brand integrations; the negatives are
  positive-unlabelled (undisclosed ads among them count as organic), so its scores are a lead
  for review, never proof. Measure on MDID `promote` vs rest before relying on a threshold.
- **disclosure** — P(the text contains a sentence disclosing a material connection). Trained on
  Mathur et al.'s coded YouTube disclosure sentences and marker-regex lines of YouTube
  descriptions (EN/FR/DE); negated statements ("not sponsored") are negatives. A disclosure
  only this head sees goes to needs_review, never straight to compliant.
- **emotion** — multi-label sigmoid over anger, anticipation, disgust, fear, joy, optimism,
  sadness, surprise, trust, neutral; each benchmark is reported in its own labels (TweetEval: 4,
  GoEmotions: Ekman 6 + neutral, XED: Plutchik 8). "optimism" is learned only from TweetEval
  (softmax training), so its sigmoid is less meaningful than the others.
- **sentiment** — negative / neutral / positive (EN + FR tweets).
- **offensive** — OffensEval-2019 (OLID) offensive language, English tweets: brand safety hint.
- **spam** — YouTube comment spam (2013-15, self-promotion) and ScamSpot Instagram scam
  comments (finance/crypto testimonials). Not a general bot detector.
- **machine** — TweepFake (GPT-2 / RNN / Markov tweets, 2019-20). It does NOT detect text from
  current LLMs reliably; treat it as a regression benchmark.
- Texts longer than `max_length` tokens are truncated in training; the runtime windows them.
"""


# (task, dataset, metric) -> the issue's floor on the test split
TARGETS = {
    ("tweeteval_emotion", "tweeteval_emotion", "macro_f1"): 0.761,
    ("xlmt_sentiment_fr", "xlmt_sentiment_fr", "macro_f1"): 0.68,
    ("xlmt_sentiment_en", "xlmt_sentiment_en", "macro_f1"): 0.66,
    ("scamspot", "scamspot", "f1"): 0.92,
    ("youtube_spam", "youtube_spam", "accuracy"): 0.94,
    ("tweepfake", "tweepfake", "accuracy"): 0.86,
}


def _targets(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_test metrics not computed yet_\n"
    got = {(m["task"], m["dataset"], m["metric"]): m["value"] for m in rows}
    out = ["| benchmark (test) | metric | floor | reached | |", "|---|---|---|---|---|"]
    for (task, ds, met), floor in TARGETS.items():
        v = got.get((task, ds, met))
        ok = "" if v is None else ("met" if v >= floor else "below floor")
        out.append(f"| {ds} | {met} | {floor} | {v} | {ok} |")
    eces = [m for m in rows if m["metric"] == "ece_calibrated"]
    if eces:
        worst = max(eces, key=lambda m: m["value"] if m["value"] is not None else -1)
        out.append(
            f"| every head (per data set) | ECE after calibration | 0.05 | max {worst['value']} "
            f"({worst['dataset']}) | {'met' if (worst['value'] or 0) <= 0.05 else 'below floor'} |"
        )
    q = [
        m
        for m in rows
        if m["metric"].startswith("macro_f1_") and m["metric"].endswith("_minus_fp32")
    ]
    for m in q:
        prec = m["metric"][len("macro_f1_") : -len("_minus_fp32")]
        out.append(
            f"| {m['dataset']} | {prec} - fp32 macro-F1 | within 0.01 | {m['value']} | "
            f"{'met' if abs(m['value']) <= 0.01 else 'outside'} |"
        )
    return "\n".join(out) + "\n"


def _fmt_metrics(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_not evaluated yet_\n"
    out = ["| task | dataset | split | metric | value |", "|---|---|---|---|---|"]
    for m in rows:
        out.append(
            f"| {m['task']} | {m['dataset']} | {m['split']} | {m['metric']} | {m['value']} |"
        )
    return "\n".join(out) + "\n"


def _soup_section(meta: dict[str, Any]) -> list[str]:
    soup = meta.get("soup")
    if not soup:
        return []
    out = [
        "## Soup",
        f"This artifact is a model soup: {soup['method']} of runs of one recipe from the same seed "
        "(`training/soup.py`). Each run's LoRA update is kept exactly (rank concatenation), so the "
        "served model is the weighted mean of the runs' weights; it was then recalibrated on "
        "validation at its serving precision and evaluated once on test.",
        "",
        "| ingredient | weight | config | steps | training min | where | library versions |",
        "|---|---|---|---|---|---|---|",
    ]
    for ing in soup["ingredients"]:
        cfg, run = ing.get("training", {}), ing.get("training_run", {})
        where = run.get("device") or ("cuda" if cfg.get("device") == "cuda" else "CPU")
        libs = ", ".join(f"{k} {v}" for k, v in ing.get("library_versions", {}).items()
                         if k in ("torch", "transformers", "peft"))  # fmt: skip
        out.append(
            f"| {ing['name']} {ing['version']} | {ing['weight']:.2f} | "
            f"`{cfg.get('config_file', '')}` | {run.get('steps')} | {run.get('train_minutes')} | "
            f"{where} | {libs} |"
        )
    return [*out, ""]


def write_model_card(art_dir: Path) -> Path:
    art_dir = Path(art_dir)
    from nlp.models.artifact import META_FILE

    meta = json.loads((art_dir / META_FILE).read_text(encoding="utf-8"))
    test_path = art_dir / "metrics_test.jsonl"
    test_rows = []
    if test_path.is_file():
        test_rows = [
            json.loads(ln)
            for ln in test_path.read_text(encoding="utf-8").splitlines()
            if ln.strip()
        ]
    cfg = meta["training"]
    tr = meta.get("training_run", {})
    lora = meta["config"].get("lora") if meta.get("soup") else cfg.get("lora", {})
    lines = [
        f"# Model card: {meta['name']} {meta['version']}",
        "",
        "One multilingual encoder pass feeds every head (commercial, disclosure, emotion, sentiment, "
        "offensive, spam, machine).",
        "",
        "## Model",
        f"- Base: `{meta['base'].get('base')}` from `{meta['base'].get('source')}` "
        f"(sha256 `{meta['base'].get('sha256')}`), frozen (word embeddings included).",
        (
            f"- LoRA {json.dumps(lora)} (adapters of layers below `train_from_layer` stay at their "
            "zero-effect initial value, frozen); a dropout+linear head per task on the mean-pooled output."
            if lora
            else "- No LoRA: the encoder is the frozen base (served int8); each head is a linear layer "
            "fitted on its mean-pooled vectors (training/probe.py), weight decay picked on validation: "
            f"{json.dumps(tr.get('weight_decay_per_head'))}; training rows per set: "
            f"{json.dumps(tr.get('train_rows_per_set'))}."
        ),
        f"- Text prefix `{meta.get('text_prefix')!r}`, max length {meta['max_length']} tokens.",
        (
            "- Training configs: each ingredient's own (see Soup below), same seeds and splits."
            if meta.get("soup")
            else f"- Training config `{cfg.get('config_file', '')}`: seed {cfg['seed']}, split seed {cfg['split_seed']}, "
            f"batch {cfg['batch_size']}, bf16 autocast {cfg.get('bf16')}, optimiser {json.dumps(cfg['optim'])}, "
            f"budget {cfg.get('max_minutes')} min, sampling {json.dumps(cfg.get('sampling', {}))}."
            if lora
            else f"- Training config `{cfg.get('config_file', '')}`: seed {cfg['seed']}, split seed "
            f"{cfg['split_seed']}, probe {json.dumps(cfg.get('probe', {}))}, per-set loss weights "
            f"{json.dumps((cfg.get('sampling') or {}).get('weights', {}))} (the LoRA keys of the file are unused)."
        ),
        (
            f"- Run: a soup (see below) of {', '.join(tr.get('soup_of', []))}: {tr.get('steps')} "
            f"steps and {tr.get('train_minutes')} min of training in all."
            if meta.get("soup")
            else f"- Run: {tr.get('steps')} steps in {tr.get('train_minutes')} min of training "
            f"({tr.get('wall_minutes')} min wall incl. data, calibration, export), "
            f"{cfg.get('threads') or 'all'} torch thread(s) on 2 CPU cores shared with other jobs; "
            f"epochs seen per set: {json.dumps(tr.get('epochs_seen') or {})} (0 = less than one pass)."
            if lora
            else f"- Run: embedding {tr.get('embedding_wall_minutes')} min wall (3 shard processes, int8, "
            f"1 thread each, 2 shared cores), fitting + calibration + export {tr.get('wall_minutes_fit')} min."
        ),
        f"- Library versions: {json.dumps(meta['library_versions'])}.",
        f"- Artifact size: weights.safetensors {(art_dir / 'weights.safetensors').stat().st_size / 1e3:.0f} kB "
        "(adapters, if any, + heads; the base weights are rebuilt from their source and hash-checked).",
        "",
        *([meta["release_notes"], ""] if meta.get("release_notes") else []),
        *_soup_section(meta),
        CAN_CANNOT,
        "## Data (texts never ship; only the sha256 of every file read is recorded in model_meta.json)",
        "| data set | head | trained on | rows | split | licence |",
        "|---|---|---|---|---|---|",
    ]
    for name, d in meta["datasets"].items():
        lines.append(
            f"| {name} | {d['head']} | {'yes' if d['trained_on'] else 'NO (eval only)'} | "
            f"{json.dumps(d['rows'])} | {d['split']} | {d['licence']} |"
        )
    lines += [
        "",
        "Not used at all: deceptive_opinion_spam_ott (CC BY-NC-SA), emodift_fr (no licence) — kept out "
        "of shipped weights; instasynth (synthetic).",
        "",
        "## What the commercial labels mean",
        "commercial = 1: a real YouTube description (Mathur et al. 2018 affiliate videos, or a trending "
        "video whose description carries an explicit sponsor/affiliate disclosure) with every disclosure "
        "sentence and marker removed; commercial = 0: organic text from sets where promotion is rare. "
        "Positive-unlabelled: undisclosed ads among the negatives are labelled organic. Style-breaking "
        "augmentation (URL/hashtag/emoji stripping, lowercasing, truncation, mixing with organic text) "
        "is applied to both classes. Held out of training: Mathur Pinterest items (unseen platform) and "
        "MDID (human-labelled Instagram intent).",
        "",
        "## Calibration (temperature scaling per head, fitted on validation)",
        "| head | T | ECE before | ECE after | fitted on |",
        "|---|---|---|---|---|",
    ]
    detail = meta.get("calibration_detail", {})
    for h, c in detail.get("heads", {}).items():
        lines.append(
            f"| {h} | {c['temperature']:.3f} | {c['ece_before']:.4f} | {c['ece_after']:.4f} | {', '.join(c['fitted_on'])} |"
        )
    lines += [
        "",
        "The multi-label emotion views (`emotion_views.ekman`, `emotion_views.plutchik`) carry a "
        "temperature and a bias per label (`emotion/<view>/bias/<label>`: sigmoid(z / T + b)), "
        "fitted jointly on their benchmarks' validation rows: one temperature cannot match label "
        "base rates that differ between benchmarks. The 10-label `emotion` output keeps the head's "
        "single temperature (test rows `ece_head`).",
        "",
        f"Temperatures and biases shipped: `{json.dumps(meta['calibration'])}`",
        "",
    ]
    lines += [
        "",
        "## Validation metrics",
        _fmt_metrics(meta.get("metrics", {}).get("validation", [])),
        "## Test metrics",
    ]
    lines += [
        "Produced by `python -m training.evaluate --task all --split test --jobs 4 --update` through "
        "the serving path (`nlp.models.artifact.load_artifact`: LoRA merged, the serving precision "
        "(`auto`: bf16 on a CPU with native bf16, else int8 with per-row activation scales; the quantization rows below "
        "name it), one window of `max_length` tokens per text); temperatures and thresholds come from validation, "
        "the test splits are touched only for this report. The two large held-out Pinterest sets are "
        "scored on a seeded 3,000-row subsample.",
        "",
        "### Against the issue's floors",
        _targets(test_rows),
        "### Every metric",
        _fmt_metrics(test_rows),
        "## Licences and use",
        "No text of any data set ships: the artifact holds adapters, heads, label maps, temperatures, "
        "file hashes and metrics. Research-licensed sets (TweetEval, XLM-T/DEFT, TweepFake) train the "
        "shipped weights, as their authors publish such models (issue 3). Mathur et al. 2018 (no licence "
        "declared) and the YouTube trending descriptions (CC0 Kaggle / YouTube ToS) are used only as weak "
        "supervision, as their SOURCE.md allows. Evaluation-only sets (MDID, Mathur Pinterest as a "
        "held-out source) never reach the optimiser; EmoDIFT (no licence) and the Ott deceptive "
        "opinion spam corpus (CC BY-NC-SA) are not used by this artifact at all.",
        "",
        "## Reproduce",
        "```",
        *(
            [
                "python -m training.train --config training/configs/standard.yaml "
                "--artifacts-dir runs/std   # 2 CPU cores, ~90 min (clearpost-mtl 0.2.0)",
                "python -m training.train --config training/configs/gpu.yaml "
                "--artifacts-dir runs/gpu   # one CUDA GPU, ~8 min (clearpost-mtl 0.3.0-gpu)",
                "python -m training.soup --artifacts runs/gpu/clearpost-mtl-0.3.0-gpu "
                "runs/std/clearpost-mtl-0.2.0 --out-root nlp/models/artifacts --version "
                f"{meta['version']}",
                f"python -m training.recalibrate --artifact nlp/models/artifacts/{meta['name']}-{meta['version']}",
            ]
            if meta.get("soup")
            else []
        ),
        *(
            [
                f"python -m training.train --config {cfg.get('config_file', 'training/configs/quick.yaml')} "
                f"--data-dir ../shared/data --max-minutes {cfg.get('max_minutes')}"
            ]
            if lora and not meta.get("soup")
            else []
            if meta.get("soup")
            else [
                f"for i in 0 1 2; do python -m training.probe --config {cfg.get('config_file')} "
                "--shard $i/3 & done; wait",
                f"python -m training.probe --config {cfg.get('config_file')} --fit",
            ]
        ),
        "python -m training.evaluate --task all --split test --data-dir ../shared/data --jobs 4 --update",
        "```",
        "",
    ]
    p = art_dir / "MODEL_CARD.md"
    p.write_text("\n".join(lines), encoding="utf-8")
    return p
