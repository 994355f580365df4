"""Fixtures the unit tests share: one Preprocessor and one rules-only DisclosureAuditor per
session (both load their lexicons once and keep no per-post state)."""

from __future__ import annotations

import pytest

from nlp.preprocess import Preprocessor
from nlp.signals.disclosure import DisclosureAuditor


@pytest.fixture(scope="session")
def pre() -> Preprocessor:
    return Preprocessor()


@pytest.fixture(scope="session")
def auditor() -> DisclosureAuditor:
    return DisclosureAuditor()
