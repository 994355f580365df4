"""Shared fixtures. Tests that read ../shared/data skip, with the reason shown, where it is absent
(a user's fresh clone has none; CI and the development machines do)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _shared_data_dir() -> Path:
    return Path(os.environ.get("CLEARPOST_DATA_DIR", ROOT.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data directory, or a visible skip where this clone has none."""
    d = _shared_data_dir()
    if not d.is_dir():
        pytest.skip(f"shared data directory {d} is absent (fresh clone): real-data test skipped")
    return d


@pytest.fixture(scope="session")
def dmi_captions(shared_data: Path) -> Path:
    p = shared_data / "influencer_captions_dmi_sample" / "captions.csv"
    if not p.is_file():
        pytest.skip(f"{p} is absent: real-caption test skipped")
    return p
