"""Loaders for the public data sets in ``--data-dir`` (default ``../shared/data``).

One function per data set. Each returns a :class:`TaskData`: texts + labels per split, the head it
feeds, its label names, its licence, whether it may train shipped weights, and the files it read
(their sha256 goes into the artifact). The texts never leave the data directory: nothing here
writes them anywhere.

Sets without an official split get a fixed, seeded split computed from a hash of a stable key
(row id, video id or the text itself) and the split seed, so the split does not depend on file
order or on the Python version, and is reproducible from the recorded seed alone.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SPLITS = ("train", "validation", "test")

# The heads of the multi-task model and their label sets (see nlp/models/base.py for the contract).
EMOTION_LABELS = [
    "anger",
    "anticipation",
    "disgust",
    "fear",
    "joy",
    "optimism",
    "sadness",
    "surprise",
    "trust",
    "neutral",
]
HEAD_LABELS: dict[str, list[str]] = {
    "commercial": ["organic", "commercial"],
    "disclosure": ["no_disclosure", "disclosure"],
    "emotion": EMOTION_LABELS,
    "sentiment": ["negative", "neutral", "positive"],
    "offensive": ["not_offensive", "offensive"],
    "spam": ["ham", "spam"],
    "machine": ["human", "machine"],
}
# single: one label per text (softmax over the data set's own labels)
# multi: multi-label (sigmoid per label, only over the labels the data set annotates)
HEAD_KIND = {
    "commercial": "single",
    "disclosure": "single",
    "emotion": "multi",
    "sentiment": "single",
    "offensive": "single",
    "spam": "single",
    "machine": "single",
}


@dataclass
class TaskData:
    """One data set feeding one head.

    ``labels`` are the data set's own label names; ``head_index[i]`` is the position of label i in
    the head's label list, so a data set may annotate a subset of the head's labels (TweetEval
    emotion's 4 classes inside the 10 emotion labels). ``y`` per split: a list of ints (single) or
    an (n, len(labels)) 0/1 float array (multi).
    """

    name: str
    head: str
    kind: str
    labels: list[str]
    splits: dict[str, tuple[list[str], Any]]
    licence: str
    files: list[Path]
    trainable: bool = True
    split_note: str = "official"
    notes: str = ""
    groups: dict[str, list[str]] = field(default_factory=dict)  # per split: source of each row

    @property
    def head_index(self) -> list[int]:
        head = HEAD_LABELS[self.head]
        return [head.index(lab) for lab in self.labels]

    def counts(self) -> dict[str, int]:
        return {s: len(t) for s, (t, _) in self.splits.items()}


# ---------------------------------------------------------------- helpers


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def split_of(key: str, seed: int, fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> str:
    """Fixed seeded split: the bucket of sha256("seed:key") in [0, 1)."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    acc = 0.0
    for name, frac in zip(SPLITS, fractions, strict=True):
        acc += frac
        if u < acc:
            return name
    return SPLITS[-1]


def seeded_split(
    texts: Sequence[str],
    labels: Sequence[Any],
    seed: int,
    keys: Sequence[str] | None = None,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
) -> dict[str, tuple[list[str], list[Any]]]:
    keys = list(keys) if keys is not None else list(texts)
    out: dict[str, tuple[list[str], list[Any]]] = {s: ([], []) for s in SPLITS}
    for t, y, k in zip(texts, labels, keys, strict=True):
        s = split_of(k, seed, fractions)
        out[s][0].append(t)
        out[s][1].append(y)
    return out


def drop_duplicate_texts(
    texts: Sequence[str], labels: Sequence[Any], normalise: Callable[[str], str] | None = None
) -> tuple[list[str], list[Any], int]:
    """Keep the first occurrence of each (normalised) text. Returns texts, labels, number dropped."""
    norm = normalise or (lambda s: " ".join(s.split()).lower())
    seen: set[str] = set()
    kt: list[str] = []
    ky: list[Any] = []
    for t, y in zip(texts, labels, strict=True):
        k = norm(t)
        if k in seen:
            continue
        seen.add(k)
        kt.append(t)
        ky.append(y)
    return kt, ky, len(texts) - len(kt)


def _read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return [ln.rstrip() for ln in lines]


def _multi_hot(rows: Iterable[Iterable[int]], n: int) -> np.ndarray:
    rows = list(rows)
    y = np.zeros((len(rows), n), dtype=np.float32)
    for i, r in enumerate(rows):
        for j in r:
            y[i, j] = 1.0
    return y


def _as_multi(splits: dict[str, tuple[list[str], list[Any]]], n: int) -> dict[str, Any]:
    return {s: (t, _multi_hot(y, n)) for s, (t, y) in splits.items()}


# ---------------------------------------------------------------- TweetEval


def load_tweeteval(data_dir: Path, task: str = "emotion") -> TaskData:
    """TweetEval (research licences per task; official splits). Sentiment has no train texts."""
    d = Path(data_dir) / "tweeteval" / task
    mapping = [ln.split("\t")[1] for ln in _read_lines(d / "mapping.txt") if ln.strip()]
    splits: dict[str, tuple[list[str], Any]] = {}
    files: list[Path] = [d / "mapping.txt"]
    for split, stem in (("train", "train"), ("validation", "val"), ("test", "test")):
        tp, lp = d / f"{stem}_text.txt", d / f"{stem}_labels.txt"
        if not tp.is_file():  # sentiment/train_text.txt is absent from the snapshot
            continue
        texts = [t.strip() for t in _read_lines(tp)]
        labels = [int(x) for x in _read_lines(lp) if x.strip()]
        if len(texts) != len(labels):
            raise ValueError(f"{tp}: {len(texts)} texts but {len(labels)} labels")
        splits[split] = (texts, labels)
        files += [tp, lp]
    head = {"emotion": "emotion", "sentiment": "sentiment", "offensive": "offensive"}[task]
    labels_names = {
        "emotion": ["anger", "joy", "optimism", "sadness"],
        "sentiment": ["negative", "neutral", "positive"],
        "offensive": ["not_offensive", "offensive"],
    }[task]
    if task == "emotion":
        assert mapping == labels_names, mapping
    return TaskData(
        name=f"tweeteval_{task}",
        head=head,
        kind="single",  # TweetEval emotion is single-label: softmax over its 4 labels
        labels=labels_names,
        splits=splits,
        licence="TweetEval: research data, per-task licences (SemEval-2018 / SemEval-2017 / OffensEval-2019)",
        files=files,
        trainable="train" in splits,
    )


# ---------------------------------------------------------------- XLM-T sentiment


def load_xlmt_sentiment(data_dir: Path, lang: str = "fr") -> TaskData:
    folder = {"en": "english", "fr": "french"}[lang]
    d = Path(data_dir) / "xlm_t_sentiment" / folder
    splits: dict[str, tuple[list[str], Any]] = {}
    files: list[Path] = []
    for split, stem in (("train", "train"), ("validation", "val"), ("test", "test")):
        tp, lp = d / f"{stem}_text.txt", d / f"{stem}_labels.txt"
        texts = [t.strip() for t in _read_lines(tp)]
        labels = [int(x) for x in _read_lines(lp) if x.strip()]
        if len(texts) != len(labels):
            raise ValueError(f"{tp}: {len(texts)} texts but {len(labels)} labels")
        splits[split] = (texts, labels)
        files += [tp, lp]
    lic = "Apache-2.0 repo (cardiffnlp/xlm-t); " + (
        "SemEval-2017 tweets (research)"
        if lang == "en"
        else "DEFT-2017 tweets (research agreement)"
    )
    return TaskData(
        name=f"xlmt_sentiment_{lang}",
        head="sentiment",
        kind="single",
        labels=["negative", "neutral", "positive"],
        splits=splits,
        licence=lic,
        files=files,
    )


# ---------------------------------------------------------------- GoEmotions (Ekman)

GOEMOTIONS_EKMAN = ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"]


def load_goemotions(data_dir: Path) -> TaskData:
    d = Path(data_dir) / "goemotions"
    names = (d / "emotions.txt").read_text(encoding="utf-8").split("\n")
    names = [n.strip() for n in names if n.strip()]
    ekman = json.loads((d / "ekman_mapping.json").read_text(encoding="utf-8"))
    to_group: dict[int, int] = {}
    for gi, g in enumerate(GOEMOTIONS_EKMAN):
        members = ["neutral"] if g == "neutral" else ekman[g]
        for m in members:
            to_group[names.index(m)] = gi
    if len(to_group) != len(names):
        raise ValueError("ekman_mapping.json does not cover every GoEmotions label")
    splits: dict[str, tuple[list[str], Any]] = {}
    files = [d / "emotions.txt", d / "ekman_mapping.json"]
    for split, fname in (("train", "train.tsv"), ("validation", "dev.tsv"), ("test", "test.tsv")):
        texts, rows = [], []
        with open(d / fname, encoding="utf-8", newline="") as f:
            for rec in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(rec) < 2:
                    continue
                texts.append(rec[0])
                rows.append(sorted({to_group[int(i)] for i in rec[1].split(",") if i != ""}))
        splits[split] = (texts, _multi_hot(rows, len(GOEMOTIONS_EKMAN)))
        files.append(d / fname)
    return TaskData(
        name="goemotions",
        head="emotion",
        kind="multi",
        labels=GOEMOTIONS_EKMAN,
        splits=splits,
        licence="Apache-2.0 (google-research GoEmotions)",
        files=files,
        notes="28 labels grouped onto Ekman 6 + neutral with ekman_mapping.json",
    )


# ---------------------------------------------------------------- XED (Plutchik 8)

XED_LABELS = ["anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust"]


def load_xed(data_dir: Path, lang: str = "en", seed: int = 13) -> TaskData:
    """XED: no official split -> fixed seeded 80/10/10 split keyed on the text."""
    d = Path(data_dir) / "xed"
    texts: list[str] = []
    rows: list[list[int]] = []
    files: list[Path] = []
    labels = XED_LABELS + (["neutral"] if lang == "en" else [])
    if lang == "en":
        p = d / "en-annotated.tsv"
        files.append(p)
        with open(p, encoding="utf-8", newline="") as f:
            for rec in csv.reader(f, delimiter="\t"):
                if len(rec) < 2:
                    continue
                ids = [int(x) for x in re.findall(r"\d+", rec[1]) if 1 <= int(x) <= 8]
                if ids:
                    texts.append(rec[0].strip())
                    rows.append([i - 1 for i in ids])
        p = d / "neu_en.txt"
        files.append(p)
        with open(p, encoding="utf-8") as f:
            for line in f:
                parts = [x for x in line.rstrip("\n").split("\t") if x != ""]
                if len(parts) >= 2:
                    texts.append(parts[1].strip())
                    rows.append([8])  # neutral
    else:
        p = d / "fr-projections.tsv"
        files.append(p)
        with open(p, encoding="utf-8", newline="") as f:
            for rec in csv.reader(f, delimiter="\t"):
                if len(rec) < 2 or ".xml.gz" in rec[0]:
                    continue  # SOURCE.md: drop rows with leaked OPUS metadata
                ids = [int(x) for x in re.findall(r"\d+", rec[1]) if 1 <= int(x) <= 8]
                if ids:
                    texts.append(rec[0].strip())
                    rows.append([i - 1 for i in ids])
    texts, rows, dropped = drop_duplicate_texts(texts, rows)
    sp = seeded_split(texts, rows, seed)
    return TaskData(
        name=f"xed_{lang}",
        head="emotion",
        kind="multi",
        labels=labels,
        splits=_as_multi(sp, len(labels)),
        licence="CC BY 4.0 (Helsinki-NLP/XED; OpenSubtitles lines)",
        files=files,
        split_note=f"seeded 80/10/10 by sha256(seed:text), seed={seed}; {dropped} duplicate texts dropped first",
        notes="French labels are projected from English annotations",
    )


# ---------------------------------------------------------------- YouTube Spam Collection

YOUTUBE_SPAM_FILES = [
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
    "Youtube04-Eminem.csv",
    "Youtube05-Shakira.csv",
]


def clean_comment(s: str) -> str:
    s = html.unescape(s.replace("\ufeff", ""))
    s = re.sub(r"<br\s*/?>", " ", s)
    return " ".join(s.split())


def load_youtube_spam(data_dir: Path, seed: int = 13) -> TaskData:
    """Pooled over the 5 videos, duplicates dropped, seeded 80/10/10 split (the pooled-CV protocol
    of the ~0.95 accuracy anchor in SOURCE.md). The per-video source is kept in ``groups``."""
    d = Path(data_dir) / "youtube_spam_collection"
    texts: list[str] = []
    labels: list[tuple[int, str]] = []
    files = []
    for fname in YOUTUBE_SPAM_FILES:
        p = d / fname
        files.append(p)
        with open(p, encoding="utf-8", newline="") as f:
            for rec in csv.DictReader(f):
                t = clean_comment(rec["CONTENT"])
                if t:
                    texts.append(t)
                    labels.append((int(rec["CLASS"]), fname.split("-")[1].removesuffix(".csv")))
    texts, pairs, dropped = drop_duplicate_texts(texts, labels)
    sp = seeded_split(texts, pairs, seed)
    splits: dict[str, tuple[list[str], Any]] = {}
    groups: dict[str, list[str]] = {}
    for split, (tx, yv) in sp.items():
        splits[split] = (tx, [y for y, _ in yv])
        groups[split] = [v for _, v in yv]
    return TaskData(
        name="youtube_spam",
        head="spam",
        kind="single",
        labels=["ham", "spam"],
        splits=splits,
        licence="CC BY 4.0 (UCI YouTube Spam Collection)",
        files=files,
        split_note=f"pooled 5 videos, {dropped} duplicate texts dropped, seeded 80/10/10 by sha256(seed:text), seed={seed}",
        groups=groups,
    )


# ---------------------------------------------------------------- ScamSpot


def load_scamspot(data_dir: Path, seed: int = 13) -> TaskData:
    """Duplicate texts are dropped BEFORE the seeded split (SOURCE.md: 365 duplicates)."""
    p = Path(data_dir) / "scamspot_instagram_comments" / "comments-rating.csv"
    texts, labels = [], []
    with open(p, encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            t = (rec["msg"] or "").strip()
            if t:
                texts.append(t)
                labels.append(int(rec["scam"]))
    texts, labels, dropped = drop_duplicate_texts(texts, labels)
    sp = seeded_split(texts, labels, seed)
    return TaskData(
        name="scamspot",
        head="spam",
        kind="single",
        labels=["ham", "spam"],
        splits=dict(sp),
        licence="MIT (ScamSpot/scamspot_ml-models; Instagram user content)",
        files=[p],
        split_note=f"{dropped} duplicate texts dropped first, then seeded 80/10/10 by sha256(seed:text), seed={seed}",
    )


# ---------------------------------------------------------------- TweepFake


def load_tweepfake(data_dir: Path) -> TaskData:
    d = Path(data_dir) / "tweepfake"
    splits: dict[str, tuple[list[str], Any]] = {}
    files = []
    for split, fname in (
        ("train", "train.csv"),
        ("validation", "validation.csv"),
        ("test", "test.csv"),
    ):
        p = d / fname
        files.append(p)
        texts, labels = [], []
        with open(p, encoding="utf-8", newline="") as f:
            for rec in csv.DictReader(f, delimiter=";"):
                texts.append((rec["text"] or "").strip())
                labels.append(1 if rec["account.type"] == "bot" else 0)
        splits[split] = (texts, labels)
    return TaskData(
        name="tweepfake",
        head="machine",
        kind="single",
        labels=["human", "machine"],
        splits=splits,
        licence="MIT per PapersWithCode listing (Fagni et al. 2021); tweets = X content, research data",
        files=files,
        notes="2019-2020 generators (GPT-2, RNN, Markov): does not transfer to current LLM text",
    )


# ---------------------------------------------------------------- evaluation-only sets


def load_mdid_promote(data_dir: Path) -> TaskData:
    """MDID Instagram intent: EVALUATION ONLY (no licence, research release). promote vs the rest.
    Every row goes to the test split; it is never used for training or tuning."""
    import pandas as pd

    p = Path(data_dir) / "mdid_instagram_intent" / "posts.csv"
    df = pd.read_csv(p)
    texts = [str(t) if isinstance(t, str) else "" for t in df["orig_caption"]]
    labels = [1 if i == "promote" else 0 for i in df["intent"]]
    return TaskData(
        name="mdid_promote",
        head="commercial",
        kind="single",
        labels=["organic", "commercial"],
        splits={"test": (texts, labels)},
        licence="no licence (SRI research release): evaluation only, never trained on",
        files=[p],
        trainable=False,
        split_note="all 1,284 posts as test; promote (185) vs the other six intents",
    )


def load_emodift_fr(data_dir: Path, threshold: float = 0.5) -> TaskData:
    """EmoDIFT (no licence declared): evaluation only. Soft scores thresholded at ``threshold``."""
    p = Path(data_dir) / "emodift_fr" / "emodift_manual_annot_2215.csv"
    cols = {"Colere": "anger", "Degout": "disgust", "Peur": "fear", "Tristesse": "sadness",
            "Surprise": "surprise", "Neutre": "neutral"}  # fmt: skip
    texts, rows = [], []
    with open(p, encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            texts.append(rec["tweet"])
            rows.append([i for i, c in enumerate(cols) if float(rec[c] or 0) >= threshold])
    return TaskData(
        name="emodift_fr",
        head="emotion",
        kind="multi",
        labels=list(cols.values()),
        splits={"test": (texts, _multi_hot(rows, len(cols)))},
        licence="no licence declared: evaluation only",
        files=[p],
        trainable=False,
        split_note=f"all rows as test, soft scores >= {threshold}",
    )


# ---------------------------------------------------------------- registry

LOADERS: dict[str, Callable[..., TaskData]] = {
    "tweeteval_emotion": lambda d, seed=13: load_tweeteval(d, "emotion"),
    "tweeteval_offensive": lambda d, seed=13: load_tweeteval(d, "offensive"),
    "tweeteval_sentiment": lambda d, seed=13: load_tweeteval(d, "sentiment"),
    "xlmt_sentiment_en": lambda d, seed=13: load_xlmt_sentiment(d, "en"),
    "xlmt_sentiment_fr": lambda d, seed=13: load_xlmt_sentiment(d, "fr"),
    "goemotions": lambda d, seed=13: load_goemotions(d),
    "xed_en": lambda d, seed=13: load_xed(d, "en", seed),
    "xed_fr": lambda d, seed=13: load_xed(d, "fr", seed),
    "youtube_spam": lambda d, seed=13: load_youtube_spam(d, seed),
    "scamspot": lambda d, seed=13: load_scamspot(d, seed),
    "tweepfake": lambda d, seed=13: load_tweepfake(d),
    "mdid_promote": lambda d, seed=13: load_mdid_promote(d),
    "emodift_fr": lambda d, seed=13: load_emodift_fr(d),
}

# never used to train weights that ship (licence or purpose); enforced by train.py
EVAL_ONLY = {"mdid_promote", "emodift_fr", "deceptive_opinion_spam_ott", "mathur_pinterest"}
