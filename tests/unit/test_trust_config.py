"""The YAML-backed defaults are validated at load time: bad files fail loudly, with the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlp.config import PROFILES_PATH, THRESHOLDS_PATH, default_config, load_config
from nlp.errors import ConfigError


def _write(tmp_path: Path, src: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(src.read_text())
    edit(data)
    out = tmp_path / src.name
    out.write_text(yaml.safe_dump(data))
    return out


def test_trust_config_shipped_files_load_and_have_a_digest() -> None:
    cfg = default_config()
    assert len(cfg.digest) == 12
    assert {"compliance", "vetting"} <= set(cfg.trust.profiles)
    assert (
        cfg.trust.components.sponsored_share.weights["compliant"]
        <= cfg.trust.components.sponsored_share.threshold
    )


def test_trust_config_rejects_a_compliant_share_weight_above_the_threshold(tmp_path: Path) -> None:
    def edit(d):  # type: ignore[no-untyped-def]
        d["components"]["sponsored_share"]["weights"]["compliant"] = 0.5

    with pytest.raises(ConfigError, match="compliant must be <= threshold"):
        load_config(profiles=_write(tmp_path, PROFILES_PATH, edit))


def test_trust_config_rejects_unknown_components_and_keys(tmp_path: Path) -> None:
    def edit(d):  # type: ignore[no-untyped-def]
        d["profiles"]["compliance"]["followers"] = 1.0

    with pytest.raises(ConfigError, match="unknown component"):
        load_config(profiles=_write(tmp_path, PROFILES_PATH, edit))

    def edit2(d):  # type: ignore[no-untyped-def]
        d["scripted"]["jacard"] = 0.4

    with pytest.raises(ConfigError, match="scripted.jacard"):
        load_config(thresholds=_write(tmp_path, THRESHOLDS_PATH, edit2))


def test_trust_config_rejects_bad_regex_and_unordered_bands(tmp_path: Path) -> None:
    def edit(d):  # type: ignore[no-untyped-def]
        d["comments"]["suspicion_patterns"].append("(unclosed")

    with pytest.raises(ConfigError, match="invalid regular expression"):
        load_config(thresholds=_write(tmp_path, THRESHOLDS_PATH, edit))

    def edit2(d):  # type: ignore[no-untyped-def]
        d["bands"] = list(reversed(d["bands"]))

    with pytest.raises(ConfigError, match="bands"):
        load_config(profiles=_write(tmp_path, PROFILES_PATH, edit2))
