"""Evaluate a trained artifact: ``python -m training.evaluate --task TASK --split test
[--data-dir DIR] [--artifact DIR] [--update]``.

Prints one JSON object per metric and line: {"task", "dataset", "split", "metric", "value"}.
Tasks: tweeteval_emotion, xlmt_sentiment_en, xlmt_sentiment_fr, goemotions, xed, offensive,
scamspot, youtube_spam, tweepfake, commercial_intent, disclosure, calibration, quantization, or
all. The data splits are rebuilt from the config stored in the artifact (same seeds), thresholds
and temperatures come from the artifact (tuned on validation); the test split is only read here.
``--update`` writes the lines to <artifact>/metrics_test.jsonl and re-renders MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training import calibrate as cal
from training.data import TaskData
from training.train import ARTIFACTS_DIR, DEFAULT_DATA_DIR, head_logits, load_data

TASKS = [
    "tweeteval_emotion",
    "xlmt_sentiment_fr",
    "xlmt_sentiment_en",
    "goemotions",
    "xed",
    "offensive",
    "scamspot",
    "youtube_spam",
    "tweepfake",
    "commercial_intent",
    "disclosure",
    "quantization",
]
HELD_OUT_CAP = 3000  # seeded subsample of the large held-out Pinterest sets (speed)


def metric(task: str, dataset: str, split: str, name: str, value: float | None) -> dict[str, Any]:
    """One output line; an undefined value (e.g. AUC with one class present) is null."""
    v = None if value is None or not np.isfinite(float(value)) else round(float(value), 4)
    return {"task": task, "dataset": dataset, "split": split, "metric": name, "value": v}


def latest_artifact(root: Path = ARTIFACTS_DIR) -> Path:
    from nlp.models.artifact import default_artifact_dir

    d = default_artifact_dir(root)
    if d is None:
        from nlp.errors import ModelArtifactError

        raise ModelArtifactError(
            f"no artifact under {root}: train one with `make train`", code="E410"
        )
    return d


def runtime_settings(
    meta: Mapping[str, Any], quantization: str = "auto", split_k: int | None = None
) -> Any:
    """The serving settings of the artifact, batched with padding (batch_invariant=False): the
    metrics are the served model's; only the last bits differ from batch-invariant serving.
    ``split_k``: bf16 down-projections split as the service splits them where its row probe
    needs it (padded batches never probe, so evaluating that model needs it named)."""
    from nlp.models.runtime import RuntimeSettings

    ev = (meta.get("training") or {}).get("eval") or {}
    return RuntimeSettings(
        quantization=quantization,  # type: ignore[arg-type]
        max_length=int(meta.get("max_length", 64)),
        max_windows=int(ev.get("max_windows", 1)),
        batch_size=int(ev.get("batch_size", 64)),
        prefix=str(meta.get("text_prefix", "query: ")),
        batch_invariant=False,
        split_k=split_k,
    )


class Evaluator:
    """Scores the artifact as served (the model engineer's load_artifact -> EncoderTextModel,
    "auto" quantization by default = bf16 on a CPU with native bf16, else int8), with the
    temperatures and thresholds it carries."""

    def __init__(
        self, art_dir: Path, data_dir: Path, split: str, model: Any = None, base: Any = None,
        quantization: str = "auto", max_rows: int = 0, split_k: int | None = None,
    ) -> None:  # fmt: skip
        from nlp.models.artifact import load_artifact, read_meta

        self.art_dir = Path(art_dir)
        self.split = split
        self.max_rows = max_rows  # smoke runs only: a seeded subsample of every set
        self.meta = read_meta(self.art_dir)
        self.base = base
        self.model = model or load_artifact(
            self.art_dir,
            settings=runtime_settings(self.meta, quantization, split_k),
            base=self._base(),
        )
        self.cfg = dict(self.meta["training"])
        self.train_sets, self.eval_sets = load_data(self.cfg, data_dir)
        detail = self.meta.get("calibration_detail", {})
        self.calib = detail.get("heads", {})
        self.temps = self.meta["calibration"]
        self._cache: dict[tuple[str, str, int], np.ndarray] = {}
        self.row_index: dict[str, list[int]] = {}

    # -- helpers
    def rows(self, name: str, cap: int = 0) -> tuple[list[str], Any, TaskData]:
        td = self.train_sets.get(name) or self.eval_sets[name]
        split = self.split if self.split in td.splits else "test"
        texts, y = td.splits[split]
        idx = list(range(len(texts)))
        cap = min(c for c in (cap, self.max_rows) if c) if (cap or self.max_rows) else 0
        if cap and len(texts) > cap:
            idx = sorted(random.Random(13).sample(range(len(texts)), cap))
            texts = [texts[i] for i in idx]
            y = [y[i] for i in idx] if td.kind == "single" else np.asarray(y)[idx]
        self.row_index[name] = idx
        return list(texts), y, td

    def logits(
        self, name: str, cap: int = 0, model: Any = None
    ) -> tuple[np.ndarray, Any, TaskData]:
        texts, y, td = self.rows(name, cap)
        key = (name, td.head, id(model) if model is not None else 0)
        if key not in self._cache:
            t0 = time.time()
            z = head_logits(model or self.model, texts, td.head)
            self._cache[key] = z[:, td.head_index]
            print(
                f"# {name}: {len(texts)} texts in {time.time() - t0:.0f}s",
                file=sys.stderr,
                flush=True,
            )
        return self._cache[key], y, td

    def _base(self) -> Any:
        """A private copy of the given base: loading merges LoRA into it and casts or quantises
        it in place, so two models must never share one (None = each loads its own)."""
        import copy

        return copy.deepcopy(self.base) if self.base is not None else None

    def temperature(self, td: TaskData) -> float:
        from training.train import VIEW_OF

        if td.name in VIEW_OF:
            return float(
                self.temps.get(f"emotion/{VIEW_OF[td.name]}", self.temps.get("emotion", 1.0))
            )
        return float(self.temps.get(td.head, 1.0))

    def single_metrics(
        self, task: str, name: str, which: list[str], model: Any = None
    ) -> Iterator[dict[str, Any]]:
        from sklearn.metrics import f1_score, roc_auc_score

        z, y, td = self.logits(name, model=model)
        y = np.asarray(y)
        pred = z.argmax(1)
        p = cal.probs_of(z, "single", self.temperature(td))
        for w in which:
            if w == "macro_f1":
                yield metric(task, name, self.split, "macro_f1", f1_score(y, pred, average="macro"))
            elif w == "accuracy":
                yield metric(task, name, self.split, "accuracy", (pred == y).mean())
            elif w == "f1":
                yield metric(task, name, self.split, "f1", f1_score(y, pred))
            elif w == "auc":
                yield metric(task, name, self.split, "auc", roc_auc_score(y, p[:, 1]))
        yield metric(task, name, self.split, "ece_calibrated", cal.ece(p, y, "single"))

    def multi_metrics(self, task: str, name: str) -> Iterator[dict[str, Any]]:
        from sklearn.metrics import f1_score

        z, y, td = self.logits(name)
        y = np.asarray(y)
        c = self.calib[td.head]
        p = cal.probs_of(z, "multi", float(self.temps.get(td.head, 1.0)))
        thr = np.asarray(c["per_dataset"][name]["thresholds"])
        yield metric(
            task,
            name,
            self.split,
            "macro_f1",
            f1_score(y, p >= thr, average="macro", zero_division=0),
        )
        from training.train import VIEW_OF, view_probs

        if name in VIEW_OF:  # what emotion_views serves: the view's T and per-label biases
            pv, yv = view_probs(z, y, td, self.temps, VIEW_OF[name])
            yield metric(task, name, self.split, "ece_calibrated", cal.ece(pv, yv, "multi"))
            # the 10-label emotion head's own probabilities (one temperature) on these labels
            yield metric(task, name, self.split, "ece_head", cal.ece(p, y, "multi"))
        else:
            yield metric(task, name, self.split, "ece_calibrated", cal.ece(p, y, "multi"))

    # -- tasks
    def run(self, task: str) -> Iterator[dict[str, Any]]:
        if task == "tweeteval_emotion":
            yield from self.single_metrics(task, "tweeteval_emotion", ["macro_f1", "accuracy"])
        elif task in ("xlmt_sentiment_fr", "xlmt_sentiment_en"):
            yield from self.single_metrics(task, task, ["macro_f1", "accuracy"])
        elif task == "goemotions":
            yield from self.multi_metrics(task, "goemotions")
        elif task == "xed":
            for n in ("xed_en", "xed_fr"):
                if n in self.train_sets:
                    yield from self.multi_metrics(task, n)
        elif task == "offensive":
            yield from self.single_metrics(task, "tweeteval_offensive", ["macro_f1", "accuracy"])
        elif task == "scamspot":
            yield from self.single_metrics(task, "scamspot", ["f1", "accuracy", "auc"])
        elif task == "youtube_spam":
            yield from self.single_metrics(task, "youtube_spam", ["accuracy", "f1"])
        elif task == "tweepfake":
            yield from self.single_metrics(task, "tweepfake", ["accuracy", "macro_f1"])
        elif task == "commercial_intent":
            yield from self.commercial()
        elif task == "disclosure":
            yield from self.disclosure()
        elif task == "quantization":
            yield from self.quantization()
        else:
            raise SystemExit(f"unknown task {task!r}; known: {TASKS + ['all']}")

    def commercial(self) -> Iterator[dict[str, Any]]:
        from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

        c = self.calib["commercial"]
        t, thr = float(self.temps["commercial"]), float(c["threshold"])
        z, y, td = self.logits("commercial_weak")
        y = np.asarray(y)
        p = cal.probs_of(z, "single", t)[:, 1]
        task = "commercial_intent"
        yield metric(task, "commercial_weak(all sources)", self.split, "f1", f1_score(y, p >= thr))
        yield metric(task, "commercial_weak(all sources)", self.split, "auc", roc_auc_score(y, p))
        yield metric(task, "commercial_weak(all sources)", self.split, "ece_calibrated",
                     cal.ece(cal.probs_of(z, "single", t), y, "single"))  # fmt: skip
        all_groups = td.groups.get(self.split if self.split in td.groups else "test", [])
        groups = np.asarray([all_groups[i] for i in self.row_index["commercial_weak"]])
        neg_all = p[y == 0]
        pos_all = p[y == 1]
        for src in sorted(set(groups.tolist())):
            m = groups == src
            ys, ps = y[m], p[m]
            ds = f"commercial_weak/{src}"
            if len(set(ys.tolist())) == 2:
                yield metric(task, ds, self.split, "f1", f1_score(ys, ps >= thr))
                yield metric(task, ds, self.split, "auc", roc_auc_score(ys, ps))
            elif ys[0] == 1:  # positives only: recall, and AUC against every organic test row
                yield metric(task, ds, self.split, "recall", (ps >= thr).mean())
                yield metric(task, ds, self.split, "auc_vs_all_organic",
                             roc_auc_score(np.r_[np.ones(len(ps)), np.zeros(len(neg_all))], np.r_[ps, neg_all]))  # fmt: skip
            else:  # organic only: false-positive rate, AUC against every commercial test row
                yield metric(task, ds, self.split, "false_positive_rate", (ps >= thr).mean())
                yield metric(task, ds, self.split, "auc_vs_all_commercial",
                             roc_auc_score(np.r_[np.zeros(len(ps)), np.ones(len(pos_all))], np.r_[ps, pos_all]))  # fmt: skip
        # held-out platform (never trained on): Pinterest affiliate pins, disclosures removed
        if "mathur_pinterest" in self.eval_sets:
            zp, _, _ = self.logits("mathur_pinterest", cap=HELD_OUT_CAP)
            pp = cal.probs_of(zp, "single", t)[:, 1]
            ds = "mathur_pinterest(held-out source)"
            yield metric(task, ds, "test", "recall", (pp >= thr).mean())
            yield metric(task, ds, "test", "auc_vs_all_organic",
                         roc_auc_score(np.r_[np.ones(len(pp)), np.zeros(len(neg_all))], np.r_[pp, neg_all]))  # fmt: skip
        # MDID: human-labelled Instagram intent, promote vs the other six; never trained on
        if "mdid_promote" in self.eval_sets:
            zm, ym, _ = self.logits("mdid_promote")
            ym = np.asarray(ym)
            pm = cal.probs_of(zm, "single", t)[:, 1]
            ds = "mdid_promote_vs_rest(held-out, human labels)"
            yield metric(task, ds, "test", "f1", f1_score(ym, pm >= thr))
            yield metric(
                task, ds, "test", "precision", precision_score(ym, pm >= thr, zero_division=0)
            )
            yield metric(task, ds, "test", "recall", recall_score(ym, pm >= thr))
            yield metric(task, ds, "test", "auc", roc_auc_score(ym, pm))
            # threshold-free reference: F1 if the rate of flagged posts equalled the base rate
            k = int(ym.sum())
            top = np.zeros_like(ym)
            top[np.argsort(-pm)[:k]] = 1
            yield metric(task, ds, "test", "f1_at_base_rate", f1_score(ym, top))

    def disclosure(self) -> Iterator[dict[str, Any]]:
        from sklearn.metrics import f1_score, roc_auc_score

        if "disclosure_sentences" not in self.train_sets:
            return
        yield from self.single_metrics("disclosure", "disclosure_sentences", ["f1", "auc"])
        if "mathur_pinterest_sentences" in self.eval_sets:
            z, y, td = self.logits("mathur_pinterest_sentences", cap=HELD_OUT_CAP)
            y = np.asarray(y)
            p = cal.probs_of(z, "single", self.temperature(td))[:, 1]
            ds = "mathur_pinterest_sentences(held-out source)"
            yield metric("disclosure", ds, "test", "f1", f1_score(y, p >= 0.5))
            yield metric("disclosure", ds, "test", "auc", roc_auc_score(y, p))

    def quantization(self) -> Iterator[dict[str, Any]]:
        """The served precision (this Evaluator's model) and int8 against fp32, on the
        two sets with published targets. Metric names carry the precision: macro_f1_bf16,
        macro_f1_int8_minus_fp32, ..."""
        from sklearn.metrics import f1_score

        from nlp.models.artifact import load_artifact

        served = self.model.info.get("quantization", "served")
        if "down_projection" in self.model.info:  # e.g. bf16_split_k4
            served += "_" + self.model.info["down_projection"].replace("-", "_")
        models = {"fp32": load_artifact(
            self.art_dir, settings=runtime_settings(self.meta, "fp32"), base=self._base()
        )}  # fmt: skip
        if served != "int8":
            models["int8"] = load_artifact(
                self.art_dir, settings=runtime_settings(self.meta, "int8"), base=self._base()
            )
        for name in ("tweeteval_emotion", "xlmt_sentiment_fr"):
            if name not in self.train_sets:
                continue
            z_served, y, _ = self.logits(name)
            preds = {served: z_served.argmax(1)}
            for q, m in models.items():
                preds[q] = self.logits(name, model=m)[0].argmax(1)
            f32 = f1_score(np.asarray(y), preds["fp32"], average="macro")
            yield metric("quantization", name, self.split, "macro_f1_fp32", f32)
            for q in dict.fromkeys((served, "int8")):  # the served precision, then int8 once
                fq = f1_score(np.asarray(y), preds[q], average="macro")
                yield metric("quantization", name, self.split, f"macro_f1_{q}", fq)
                yield metric("quantization", name, self.split, f"macro_f1_{q}_minus_fp32", fq - f32)
                yield metric(
                    "quantization", name, self.split, f"argmax_agreement_{q}",
                    (preds["fp32"] == preds[q]).mean(),
                )  # fmt: skip
            yield metric("quantization", name, self.split, f"served_is_{served}", 1.0)


# balanced groups for --jobs (each a process: on a CPU shared with other work, more processes
# get more of it; each loads its own copy of the model)
JOB_GROUPS = [
    [
        "tweeteval_emotion",
        "xlmt_sentiment_fr",
        "xlmt_sentiment_en",
        "quantization",
        "scamspot",
        "youtube_spam",
    ],
    ["goemotions", "offensive", "tweepfake"],
    ["commercial_intent"],
    ["disclosure", "xed"],
]


def job_groups(tasks: list[str], jobs: int) -> list[list[str]]:
    """``tasks`` split into at most ``jobs`` groups along JOB_GROUPS; each task once."""
    groups = [[t for t in g if t in tasks] for g in JOB_GROUPS]
    groups = [g for g in groups if g]
    rest = [t for t in tasks if not any(t in g for g in groups)]
    if rest:
        groups.append(rest)
    while len(groups) > max(jobs, 1):
        last = groups.pop()
        groups[-1] = groups[-1] + last
    return groups


def run_jobs(argv: list[str], tasks: list[str], jobs: int) -> list[dict[str, Any]]:
    import subprocess

    groups = job_groups(tasks, jobs)
    base = [a for a in argv if a not in ("--update",)]
    procs = []
    for g in groups:
        cmd = [
            sys.executable,
            "-m",
            "training.evaluate",
            *base,
            "--task",
            ",".join(g),
            "--jobs",
            "1",
        ]
        print(f"# job: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
    lines: list[dict[str, Any]] = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"evaluation job failed ({p.returncode}): {p.args!r}")
        lines += [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    return lines


def update_artifact(art: Path, split: str, lines: list[dict[str, Any]]) -> None:
    """metrics_<split>.jsonl + model_meta.json metrics + MODEL_CARD.md (the texts never ship;
    the metrics do)."""
    from nlp.models.artifact import META_FILE
    from training.card import write_model_card

    out = art / f"metrics_{split}.jsonl"
    old: list[dict[str, Any]] = []
    if out.is_file():
        keys = {(m["task"], m["dataset"], m["metric"]) for m in lines}
        old = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
        old = [m for m in old if (m["task"], m["dataset"], m["metric"]) not in keys]
    out.write_text(
        "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in old + lines), encoding="utf-8"
    )
    meta = json.loads((art / META_FILE).read_text())
    meta.setdefault("metrics", {})[split] = old + lines
    (art / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    write_model_card(art)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="evaluate a clearpost model artifact (JSON lines)")
    ap.add_argument(
        "--task", default="all", help=f"one of {TASKS} or all (comma-separated list ok)"
    )
    ap.add_argument("--split", default="test", choices=["validation", "test"])
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument(
        "--artifact", default=None, help="artifact dir (default: newest under nlp/models/artifacts)"
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--quantization",
        default="auto",
        choices=["auto", "int8", "int8-full", "bf16", "fp32"],
        help="precision of the evaluated model (default: the serving default, auto)",
    )
    ap.add_argument(
        "--split-k",
        type=int,
        default=None,
        help="bf16: FFN down-projections in N slices, as the service serves them on AMX CPUs",
    )
    ap.add_argument("--jobs", type=int, default=1, help="parallel evaluation processes")
    ap.add_argument(
        "--max-rows", type=int, default=0, help="smoke runs: cap every set (not for reporting)"
    )
    ap.add_argument(
        "--update",
        action="store_true",
        help="write metrics_<split>.jsonl + re-render MODEL_CARD.md",
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    art = Path(a.artifact) if a.artifact else latest_artifact()
    tasks = TASKS if a.task == "all" else [t.strip() for t in a.task.split(",")]
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise SystemExit(f"unknown task(s) {unknown}; known: {TASKS + ['all']}")
    lines: list[dict[str, Any]] = []
    if a.jobs > 1 and len(tasks) > 1:
        child = [
            x
            for i, x in enumerate(argv)
            if x not in ("--task", "--jobs") and (i == 0 or argv[i - 1] not in ("--task", "--jobs"))
        ]
        if "--artifact" not in child:
            child += ["--artifact", str(art)]
        lines = run_jobs(child, tasks, a.jobs)
        for m in lines:
            print(json.dumps(m, ensure_ascii=False), flush=True)
    else:
        ev = Evaluator(
            art, Path(a.data_dir), a.split, max_rows=a.max_rows, quantization=a.quantization,
            split_k=a.split_k,
        )  # fmt: skip
        for task in tasks:
            for m in ev.run(task):
                print(json.dumps(m, ensure_ascii=False), flush=True)
                lines.append(m)
    if a.update:
        update_artifact(art, a.split, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
