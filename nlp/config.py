"""Library defaults: thresholds, trust-score profiles and benchmark tables, read from YAML files
under ``nlp/scoring/`` and validated once (pydantic). Unknown keys or out-of-range values fail
at load time with a ``ConfigError``, never half-way through a request.

Override by passing other files to :func:`load_config` or by setting ``CLEARPOST_THRESHOLDS``,
``CLEARPOST_PROFILES`` or ``CLEARPOST_BENCHMARKS`` to a path.

Error codes (ConfigError): E500 a config file is unreadable or invalid; E501 unknown component
name in weights; E502 a weight is negative / not a number, or all are zero; E503 the model has
no ``predict``; E504 unknown profile; E505 the analyses hold no findings for the requested
jurisdiction; E506 / E507 the model / preprocessor returned a different number of results.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nlp.errors import ConfigError

SCORING_DIR = Path(__file__).resolve().parent / "scoring"
THRESHOLDS_PATH = SCORING_DIR / "thresholds.yaml"
PROFILES_PATH = SCORING_DIR / "profiles.yaml"
BENCHMARKS_PATH = SCORING_DIR / "benchmarks.yaml"

COMPONENT_NAMES: tuple[str, ...] = (
    "disclosure",
    "sponsored_share",
    "content_authenticity",
    "audience_authenticity",
    "tone_brand_safety",
)
TIER_NAMES: tuple[str, ...] = ("nano", "micro", "mid", "macro", "mega")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- thresholds.yaml
class AnalysisSettings(_Strict):
    batch_size: int = Field(default=64, ge=1, le=10_000)
    commercial_threshold: float = Field(default=0.5, gt=0, lt=1)
    machine_flag_threshold: float = Field(default=0.8, gt=0, le=1)


class ScriptedSettings(_Strict):
    num_perm: int = Field(default=128, ge=16, le=1024)
    seed: int = 1
    shingle_words: int = Field(default=3, ge=1, le=10)
    min_words: int = Field(default=10, ge=1)
    jaccard_threshold: float = Field(default=0.5, gt=0, lt=1)


class CommentSettings(_Strict):
    spam_threshold: float = Field(default=0.5, gt=0, lt=1)
    spam_flag_share: float = Field(default=0.3, gt=0, le=1)
    generic_flag_share: float = Field(default=0.6, gt=0, le=1)
    generic_max_words: int = Field(default=2, ge=0)
    duplicate_min_chars: int = Field(default=12, ge=1)
    duplicate_flag_share: float = Field(default=0.2, gt=0, le=1)
    suspicion_flag_share: float = Field(default=0.02, gt=0, le=1)
    suspicion_min_comments: int = Field(default=1, ge=1)
    generic_phrases: tuple[str, ...] = ()
    suspicion_patterns: tuple[str, ...] = ()
    spam_patterns: tuple[str, ...] = ()

    @field_validator("suspicion_patterns", "spam_patterns")
    @classmethod
    def _compiles(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for pat in v:
            try:
                re.compile(pat)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pat!r}: {exc}") from exc
        return v


class EngagementSettings(_Strict):
    min_group: int = Field(default=20, ge=2)
    low_percentile: float = Field(default=10, gt=0, lt=50)
    high_percentile: float = Field(default=99, gt=50, lt=100)
    default_low_factor: float = Field(default=0.2, gt=0, lt=1)
    default_high_factor: float = Field(default=8.0, gt=1)
    robust_z: float = Field(default=3.5, gt=0)
    min_timeline: int = Field(default=5, ge=3)
    comments_to_likes_z: float = Field(default=3.5, gt=0)
    min_ratio_group: int = Field(default=10, ge=3)
    tiers: dict[str, int] = Field(
        default_factory=lambda: {
            "nano": 0,
            "micro": 10_000,
            "mid": 100_000,
            "macro": 500_000,
            "mega": 1_000_000,
        }
    )

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, int]) -> dict[str, int]:
        if tuple(v) != TIER_NAMES:
            raise ValueError(f"tiers must be, in order, {list(TIER_NAMES)}; got {list(v)}")
        bounds = list(v.values())
        if bounds[0] != 0 or any(b >= a for a, b in zip(bounds[1:], bounds[:-1], strict=False)):
            raise ValueError("tier lower bounds must start at 0 and increase")
        return v


class Thresholds(_Strict):
    analysis: AnalysisSettings = AnalysisSettings()
    scripted: ScriptedSettings = ScriptedSettings()
    comments: CommentSettings = CommentSettings()
    engagement: EngagementSettings = EngagementSettings()


# ---------------------------------------------------------------- profiles.yaml
class Band(_Strict):
    name: str
    min: float = Field(ge=0, le=100)


class IntervalSettings(_Strict):
    level: float = Field(default=0.8, gt=0, lt=1)
    samples: int = Field(default=4000, ge=200, le=200_000)
    seed: int = 4242


class BetaPrior(_Strict):
    prior_alpha: float = Field(gt=0)
    prior_beta: float = Field(gt=0)


class DisclosureSettings(BetaPrior):
    compliant_alpha: float = Field(gt=0)
    inadequate_beta: float = Field(ge=0)
    undisclosed_beta: float = Field(gt=0)
    needs_review_beta: float = Field(default=0.0, ge=0)
    crowd_suspicion_beta: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _order(self) -> DisclosureSettings:
        if self.undisclosed_beta < self.inadequate_beta:
            raise ValueError(
                "undisclosed_beta must be >= inadequate_beta (undisclosed weighs most)"
            )
        return self


class SponsoredShareSettings(BetaPrior):
    threshold: float = Field(default=0.3, gt=0, lt=1)
    weights: dict[str, float]

    @model_validator(mode="after")
    def _monotone(self) -> SponsoredShareSettings:
        need = {"undisclosed", "inadequate", "needs_review", "compliant"}
        if set(self.weights) != need:
            raise ValueError(f"weights must name exactly {sorted(need)}")
        w = self.weights
        if not all(0 <= x <= 1 for x in w.values()):
            raise ValueError("sponsored_share weights must lie in [0, 1]")
        # The promise "disclosing an ad never lowers the score" needs these two inequalities.
        if w["compliant"] > self.threshold:
            raise ValueError(
                "sponsored_share.weights.compliant must be <= threshold, or adding a compliant "
                "ad could lower the score"
            )
        if not (w["compliant"] <= w["inadequate"] <= w["undisclosed"]):
            raise ValueError(
                "sponsored_share weights must satisfy compliant <= inadequate <= undisclosed"
            )
        return self


class ComponentSettings(_Strict):
    disclosure: DisclosureSettings
    sponsored_share: SponsoredShareSettings
    content_authenticity: BetaPrior
    audience_authenticity: BetaPrior
    tone_brand_safety: BetaPrior


class TrustSettings(_Strict):
    version: str
    bands: tuple[Band, ...]
    interval: IntervalSettings = IntervalSettings()
    components: ComponentSettings
    profiles: dict[str, dict[str, float]]

    @field_validator("bands")
    @classmethod
    def _bands(cls, v: tuple[Band, ...]) -> tuple[Band, ...]:
        mins = [b.min for b in v]
        if not v or mins != sorted(mins, reverse=True) or mins[-1] != 0:
            raise ValueError("bands must be listed from the highest min down to one with min 0")
        return v

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for name, weights in v.items():
            validate_weights(weights, where=f"profile {name!r}")
        return v


def validate_weights(
    weights: dict[str, float], *, where: str = "weights", partial: bool = False
) -> dict[str, float]:
    """Check a weight set: known component names, non-negative numbers, positive sum."""
    unknown = sorted(set(weights) - set(COMPONENT_NAMES))
    if unknown:
        raise ConfigError(
            f"{where}: unknown component(s) {unknown}; known: {list(COMPONENT_NAMES)}",
            code="E501",
        )
    for k, w in weights.items():
        if not isinstance(w, int | float) or isinstance(w, bool) or w < 0 or w != w:
            raise ConfigError(
                f"{where}: weight of {k!r} must be a number >= 0, got {w!r}", code="E502"
            )
    if not partial and sum(weights.values()) <= 0:
        raise ConfigError(f"{where}: weights must not all be zero", code="E502")
    return dict(weights)


# ---------------------------------------------------------------- benchmarks.yaml
class TierBenchmark(_Strict):
    median: float = Field(gt=0, lt=1)


class PlatformBenchmark(_Strict):
    denominator: str

    tiers: dict[str, TierBenchmark]

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, TierBenchmark]) -> dict[str, TierBenchmark]:
        bad = sorted(set(v) - set(TIER_NAMES))
        if bad:
            raise ValueError(f"unknown tier(s) {bad}; known: {list(TIER_NAMES)}")
        return v


class BenchmarkSource(_Strict):
    name: str
    year: int
    url: str | None = None
    note: str | None = None


class BenchmarkTable(_Strict):
    version: str
    sources: tuple[BenchmarkSource, ...]
    platforms: dict[str, PlatformBenchmark]


# ---------------------------------------------------------------- loading
class ClearpostConfig(_Strict):
    thresholds: Thresholds
    trust: TrustSettings
    benchmarks: BenchmarkTable
    digest: str = Field(description="sha256 of the three files' contents, first 12 hex digits")


def _read_yaml(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping at top level")
    return data, raw


def _validate(model: type[BaseModel], data: dict[str, Any], path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10]
        )
        raise ConfigError(f"{path}: {errs}") from exc


def load_config(
    thresholds: Path | str | None = None,
    profiles: Path | str | None = None,
    benchmarks: Path | str | None = None,
) -> ClearpostConfig:
    """Read and validate the three YAML files (defaults: the shipped ones, or the env vars)."""
    paths = [
        Path(thresholds or os.environ.get("CLEARPOST_THRESHOLDS") or THRESHOLDS_PATH),
        Path(profiles or os.environ.get("CLEARPOST_PROFILES") or PROFILES_PATH),
        Path(benchmarks or os.environ.get("CLEARPOST_BENCHMARKS") or BENCHMARKS_PATH),
    ]
    digest = hashlib.sha256()
    parsed: list[Any] = []
    models: tuple[type[BaseModel], ...] = (Thresholds, TrustSettings, BenchmarkTable)
    for path, model in zip(paths, models, strict=True):
        data, raw = _read_yaml(path)
        digest.update(raw)
        parsed.append(_validate(model, data, path))
    return ClearpostConfig(
        thresholds=parsed[0], trust=parsed[1], benchmarks=parsed[2], digest=digest.hexdigest()[:12]
    )


@lru_cache(maxsize=1)
def default_config() -> ClearpostConfig:
    """The shipped configuration, loaded once per process."""
    return load_config()
