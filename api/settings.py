"""Every setting of the service, in one place, read from the environment (prefix CLEARPOST_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Service settings. Each field is overridable as ``CLEARPOST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CLEARPOST_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/clearpost.db",
        description="SQLAlchemy URL. SQLite (WAL mode) by default; postgresql+psycopg://... works.",
    )
    auto_migrate: bool = Field(
        default=True,
        description="Apply Alembic migrations at start-up. When false, a database that is not at "
        "the current revision is refused.",
    )
    default_jurisdictions: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["uk", "us", "fr"],
        description="Jurisdictions used when a request names none (checked against the rule "
        "packs at start-up). Comma-separated in the environment: "
        "CLEARPOST_DEFAULT_JURISDICTIONS=uk,us; empty = every installed pack.",
    )
    model: Literal["default", "none"] = Field(
        default="default", description="'default' loads the bundled model; 'none' = rules only."
    )
    model_precision: Literal["auto", "int8", "bf16", "fp32"] = Field(
        default="auto",
        description="Encoder precision: 'auto' = bf16 on a CPU with native bf16 (AMX/AVX512-BF16), "
        "else int8 with per-row activation scales. Part of the model identity stored with every finding.",
    )
    model_batch_invariant: bool = Field(
        default=True,
        description="Findings never depend on the posts a post was batched with: re-analysing a "
        "post gives byte-identical findings (fixed-shape batches; int8 scales each token on "
        "its own). false = padded length-sorted batches: probabilities move in the last digits "
        "with the batch.",
    )
    model_invariant_rows: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Batch-invariant: windows per batch. More = faster bulk analysis; fp32, and "
        "bf16 on a CPU where the load-time probe finds its kernels change a window's bytes with "
        "the row count, fill every batch to this size, so single posts get slower (int8 never "
        "fills, nor bf16 where the probe passes: info 'row_probe'); 1 = each window alone. Part "
        "of the model identity stored with every finding.",
    )
    model_split_k: int | None = Field(
        default=None,
        ge=1,
        le=16,
        description="bf16: the FFN down-projections as a sum over this many slices of their "
        "inputs. Default: only where the plain encoder fails the row probe and the split one "
        "passes it (AMX CPUs; info 'down_projection'), so single posts are not batched with "
        "copies; 1 = never (the plain product's bytes, fixed-shape batches there). Part of the "
        "model identity stored with every finding.",
    )
    model_threads: int | None = Field(
        default=None, ge=1, description="torch intra-op threads for the encoder (default: torch's)."
    )
    model_encoder_workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Batch-invariant mode: texts encoded concurrently by this many threads, each "
        "with one torch thread. Default: one per core (torch's thread count, at most 8), or 1 "
        "when CLEARPOST_MODEL_THREADS is set.",
    )
    max_posts_per_sync: int = Field(
        default=100, ge=1, description="Posts per /v1/analyze or /v1/posts call."
    )
    max_body_bytes: int = Field(
        default=2_000_000, ge=1024, description="Largest JSON request body."
    )
    max_upload_bytes: int = Field(
        default=50_000_000, ge=1024, description="Largest /v1/jobs upload."
    )
    max_text_chars: int = Field(default=20_000, ge=1, le=20_000, description="Longest post text.")
    max_job_posts: int = Field(default=100_000, ge=1, description="Most posts in one job upload.")
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests per minute per API key (token bucket); 0 = off."
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="A key verified less than this many seconds ago is admitted without "
        "reading the database again. A key revoked through this server's API is refused at "
        "once; one revoked with `clearpost keys revoke` or through another server process, "
        "within this many seconds. 0 = read the database on every request.",
    )
    job_workers: int = Field(
        default=1, ge=0, description="Background job worker threads (0 = none)."
    )
    job_batch_size: int = Field(
        default=32,
        ge=1,
        description="Posts analysed and committed per job transaction (more fills the encoder's "
        "fixed-shape batches better: 250 real captions in 3.9 s at 32 vs 6.0 s at 8).",
    )
    job_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A running job whose worker stopped renewing its lease for "
        "this long is taken over (e.g. after kill -9 and restart).",
    )
    job_poll_seconds: float = Field(default=1.0, gt=0, description="Idle worker poll interval.")
    microbatch_max_posts: int = Field(
        default=32,
        ge=0,
        le=1024,
        description="Concurrent POST /v1/analyze calls (same jurisdictions) are merged into ONE "
        "Analyzer call of up to this many posts -- one encoder pass -- run by one worker thread; "
        "0 = off (each request runs its own Analyzer call in the thread pool).",
    )
    microbatch_wait_ms: float = Field(
        default=2.0,
        ge=0,
        le=100,
        description="How long the oldest queued /v1/analyze call waits for others to join its batch.",
    )
    metrics_token: str | None = Field(
        default=None,
        description="When set, GET /metrics answers only `Authorization: Bearer <token>` "
        "(Prometheus scrape config `authorization: {credentials: ...}`); unset = open, for a "
        "service reachable only from inside its network. The metrics hold counts per route, "
        "status and job state, never tenant names or content.",
    )
    load_in_background: bool = Field(
        default=True,
        description="Load the Analyzer in a thread so /healthz answers at once and /readyz says "
        "503 until it is loaded.",
    )

    @field_validator("default_jurisdictions", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        if isinstance(v, str):
            return [p.strip().lower() for p in v.split(",") if p.strip()]
        return v


@lru_cache
def get_settings() -> Settings:
    return Settings()
