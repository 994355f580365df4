"""Read posts from CSV, JSON Lines (or a JSON array), Parquet and pandas DataFrames.

One set of rules for every format:

- Column names are mapped to :class:`~nlp.posts.Post` fields by an explicit ``column_map``
  (``{"input column": "post field"}``) first, then by common aliases (``caption`` ->
  ``text``, ``influencer``/``handle``/``username`` -> ``creator``, ``n_comments`` ->
  ``comments_count``, ``date``/``timestamp`` -> ``posted_at``, ``post_url`` -> ``url``, ...;
  see :data:`ALIASES`). A column named exactly like a field wins over an alias.
- ``id`` and ``text`` are required. Without an ``id`` column, the post ``url`` gives the id
  (its last path segment, e.g. the Instagram shortcode). Missing required columns raise
  :class:`~nlp.errors.InputError` naming them and the columns found.
- Columns that are not Post fields are ignored, except the per-row extras in
  :data:`EXTRA_FIELDS` (``jurisdiction``), returned by :func:`read_table` as one dict per row.
- Every bad row is collected and reported together: :class:`~nlp.errors.RowError` with
  ``(row_number, "field 'likes': not an integer: 'abc'")`` entries. **Row numbers are 1-based
  data records, the header not counted**: data row N of a CSV file sits on line N+1 when no
  field spans several lines (messages from CSV and JSONL also give the line).
- A file that is not what it claims (binary, not UTF-8, Parquet named .csv, an Excel
  workbook, empty) raises one :class:`~nlp.errors.InputError` saying what it is and what to do.
  Text is read as UTF-8 (a BOM is accepted; UTF-16 with a BOM too); another encoding only when
  passed as ``encoding=`` (e.g. ``"cp1252"``).
- Nothing is silently dropped: empty text is kept (an image-only post), blank CSV/JSONL lines
  are the only thing skipped.
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from nlp.errors import InputError, RowError
from nlp.posts import Platform, Post, PostFormat

__all__ = [
    "ALIASES",
    "EXTRA_FIELDS",
    "Format",
    "iter_post_batches",
    "parse_datetime",
    "posts_from_frame",
    "read_posts",
    "read_table",
    "resolve_columns",
    "table_from_frame",
]

Format = Literal["csv", "tsv", "jsonl", "json", "parquet"]
Source = str | os.PathLike[str] | bytes | IO[bytes] | IO[str]

POST_FIELDS: tuple[str, ...] = tuple(Post.model_fields)
#: Per-row values that are not Post fields but are kept (returned by :func:`read_table`).
EXTRA_FIELDS: tuple[str, ...] = ("jurisdiction",)
REQUIRED: tuple[str, ...] = ("id", "text")

#: Alias (normalised column name: lower case, spaces/dashes -> "_") -> Post field or extra.
ALIASES: dict[str, str] = {
    # text
    **dict.fromkeys(
        ["caption", "captions", "description", "body", "content", "post_text", "message",
         "full_text", "tweet", "caption_text", "desc", "text_content"], "text"),
    # creator
    **dict.fromkeys(
        ["influencer", "handle", "username", "user", "user_name", "account", "author",
         "creator_handle", "owner", "owner_username", "screen_name", "channel", "profile",
         "creator_name"], "creator"),
    # id
    **dict.fromkeys(["post_id", "postid", "shortcode", "media_id", "tweet_id", "video_id",
                     "id_str"], "id"),
    # counts
    **dict.fromkeys(["n_comments", "num_comments", "comment_count", "comments_number",
                     "number_of_comments", "commentcount", "comments_n"], "comments_count"),
    **dict.fromkeys(["likes_count", "like_count", "n_likes", "num_likes", "likecount",
                     "digg_count", "favorite_count", "favourite_count", "hearts"], "likes"),
    **dict.fromkeys(["views_count", "view_count", "n_views", "num_views", "play_count",
                     "plays", "video_view_count", "video_views"], "views"),
    **dict.fromkeys(["shares_count", "share_count", "n_shares", "num_shares", "retweet_count",
                     "retweets", "reposts", "repost_count"], "shares"),
    **dict.fromkeys(["followers_count", "follower_count", "n_followers", "num_followers",
                     "subscribers", "subscriber_count", "fans", "fan_count"], "followers"),
    # dates
    **dict.fromkeys(["date", "timestamp", "created_at", "published_at", "time", "datetime",
                     "post_date", "taken_at", "upload_date", "created_time", "publish_date",
                     "date_posted", "posted"], "posted_at"),
    # url
    **dict.fromkeys(["post_url", "link", "permalink", "href", "post_link", "post_permalink"],
                    "url"),
    # the rest
    **dict.fromkeys(["network", "social_network", "source_platform", "site"], "platform"),
    **dict.fromkeys(["post_format", "content_format"], "format"),
    **dict.fromkeys(["paid_partnership", "is_paid_partnership", "paid_label",
                     "paid_partnership_label", "branded_content", "is_branded_content"],
                    "platform_paid_label"),
    **dict.fromkeys(["lang", "language_code", "locale"], "language"),
    **dict.fromkeys(["comment_texts", "comments_text", "comment_list", "top_comments"],
                    "comments"),
    **dict.fromkeys(["jurisdictions"], "jurisdiction"),
}  # fmt: skip

_PLATFORM_ALIASES = {
    "ig": "instagram", "insta": "instagram", "twitter": "x", "tweet": "x", "yt": "youtube",
    "fb": "facebook", "meta": "facebook", "tik tok": "tiktok", "tik_tok": "tiktok",
}  # fmt: skip
_FORMAT_ALIASES = {
    "reels": "reel", "stories": "story", "shorts": "short", "videos": "video", "posts": "post",
    "image": "post", "photo": "post", "carousel": "post", "carousel_album": "post",
    "sidecar": "post", "feed": "post", "igtv": "video", "livestream": "live",
}  # fmt: skip
_TRUE = frozenset({"true", "t", "yes", "y", "1", "oui", "ja", "si", "sí"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "non", "nein", ""})
_INT_FIELDS = frozenset({"likes", "comments_count", "views", "shares", "followers"})
_SUFFIX_FORMAT: dict[str, Format] = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".parquet": "parquet", ".pq": "parquet",
}  # fmt: skip

csv.field_size_limit(64 * 1024 * 1024)


# ---------------------------------------------------------------------------------------------
# Column mapping
# ---------------------------------------------------------------------------------------------
def _norm_col(c: str) -> str:
    return re.sub(r"[\s\-./]+", "_", str(c).strip().lower()).strip("_")


def resolve_columns(
    columns: Iterable[str], column_map: Mapping[str, str] | None = None, source: str = "input"
) -> dict[str, str]:
    """``{input column: target}`` for the columns that feed a Post field or an extra.

    Raises :class:`InputError` for a ``column_map`` naming an unknown column or target, two
    aliases competing for one field, or missing required columns.
    """
    return _resolve(columns, column_map, source)[0]


def _resolve(
    columns: Iterable[str], column_map: Mapping[str, str] | None, source: str
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(mapping, fallbacks): fallbacks are alias columns shadowed by an exact or mapped
    column, read for a record whose primary column is absent or empty (JSON records often
    mix "text" and "caption")."""
    cols = [str(c) for c in columns]
    targets = set(POST_FIELDS) | set(EXTRA_FIELDS)
    out: dict[str, str] = {}
    for src, dst in (column_map or {}).items():
        if src not in cols:
            raise InputError(
                f"{source}: column_map names column {src!r}, which is not in the input; "
                f"columns found: {', '.join(cols) or '(none)'}"
            )
        if dst not in targets:
            raise InputError(
                f"{source}: column_map maps {src!r} to {dst!r}, which is not a Post field; "
                f"fields: {', '.join(sorted(targets))}"
            )
        out[src] = dst
    taken = set(out.values())
    # exact field names first, then aliases
    for c in cols:
        if c in out:
            continue
        n = _norm_col(c)
        if n in targets and n not in taken:
            out[c] = n
            taken.add(n)
    alias_hits: dict[str, list[str]] = {}
    fallbacks: dict[str, list[str]] = {}
    for c in cols:
        if c in out:
            continue
        alias = ALIASES.get(_norm_col(c))
        if alias and alias not in taken:
            alias_hits.setdefault(alias, []).append(c)
        elif alias:
            fallbacks.setdefault(alias, []).append(c)
    for dst, srcs in alias_hits.items():
        if len(srcs) > 1:
            raise InputError(
                f"{source}: columns {', '.join(map(repr, srcs))} could all be {dst!r}; "
                f"say which with column_map={{{srcs[0]!r}: {dst!r}}}"
            )
        out[srcs[0]] = dst
    have = set(out.values())
    missing = [f for f in REQUIRED if f not in have and not (f == "id" and "url" in have)]
    if missing:
        raise InputError(
            f"{source}: missing required column(s) {', '.join(missing)}; columns found: "
            f"{', '.join(cols) or '(none)'}. Rename them or pass a column map "
            f"(e.g. column_map={{'caption': 'text'}})."
        )
    return out, fallbacks


# ---------------------------------------------------------------------------------------------
# Field conversion
# ---------------------------------------------------------------------------------------------
def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, str):
        return False
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return True
        if isinstance(v, (int, float, complex)) or hasattr(v, "dtype"):
            r = pd.isna(v)
            return (
                bool(r) if isinstance(r, (bool, int)) or getattr(r, "shape", None) == () else False
            )
    except ImportError:  # pragma: no cover
        pass
    return False


def _show(v: Any) -> str:
    s = repr(v) if isinstance(v, str) else repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


_DMY_RE = re.compile(
    r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$"
)


def parse_datetime(v: Any) -> datetime:
    """ISO 8601 (``2025-03-02T17:48:52Z``, ``2025-03-02 17:48``), ``dd/mm/yyyy[ HH:MM[:SS]]``
    (day first, as in European exports), Unix epoch seconds or milliseconds, or a datetime."""
    if isinstance(v, datetime):
        return v
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()  # type: ignore[no-any-return]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        ts = float(v)
        if ts > 1e11:
            ts /= 1000.0
        return datetime.fromtimestamp(ts, tz=UTC)
    s = str(v).strip()
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", s):
        return parse_datetime(float(s))
    m = _DMY_RE.match(s)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    return datetime.fromisoformat(s)


def _to_int(v: Any) -> int:
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        raise ValueError
    if isinstance(v, numbers.Integral):  # int, numpy integers (no float round trip)
        return int(v)
    if isinstance(v, float) or (hasattr(v, "dtype") and not isinstance(v, str)):
        f = float(v)
        if not f.is_integer():
            raise ValueError
        return int(f)
    s = str(v).strip().replace("_", "").replace("\u202f", "").replace("\u00a0", "")
    if re.fullmatch(r"[+-]?\d{1,3}(?:[, ]\d{3})+", s):
        s = s.replace(",", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d+\.0+", s):
        s = s.split(".")[0]
    return int(s)


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if hasattr(v, "dtype") and str(getattr(v, "dtype", "")) == "bool":
        return bool(v)
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    s = str(v).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError


def _to_comments(v: Any) -> list[str]:
    if hasattr(v, "tolist") and not isinstance(v, str):
        v = v.tolist()
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return []
        v = json.loads(s)
    if isinstance(v, tuple):
        v = list(v)
    if not isinstance(v, list):
        raise TypeError(type(v).__name__)
    out = []
    for c in v:
        if isinstance(c, dict):  # {"text": "..."} as scrapers export them
            c = c.get("text", c.get("comment"))
        if c is None:
            continue
        if not isinstance(c, (str, int, float)) or isinstance(c, bool):
            raise TypeError(type(c).__name__)
        out.append(str(c))
    return out


def _id_from_url(url: str) -> str:
    m = re.search(r"[?&]v=([\w-]+)", url)
    if m:
        return m.group(1)
    path = re.sub(r"^[a-z]+://[^/]+", "", url.split("?", 1)[0].split("#", 1)[0])
    segs = [s for s in path.split("/") if s]
    return segs[-1] if segs else url


def _convert(
    rec: Mapping[str, Any],
    mapping: Mapping[str, str],
    fallbacks: Mapping[str, list[str]] | None = None,
) -> tuple[Post | None, dict[str, str], list[str]]:
    """(post or None, extras, error messages) for one record."""
    errors: list[str] = []
    vals: dict[str, Any] = {}
    extras: dict[str, str] = {}
    for col, field in mapping.items():
        v = rec.get(col)
        if (
            fallbacks
            and field in fallbacks
            and (_is_missing(v) or (isinstance(v, str) and v == ""))
        ):
            for alt in fallbacks[field]:
                av = rec.get(alt)
                if not _is_missing(av) and not (isinstance(av, str) and av == ""):
                    col, v = alt, av
                    break
        if (
            _is_missing(v)
            or isinstance(v, str)
            and field not in ("text", "comments")
            and not v.strip()
        ):
            v = None
        if field in EXTRA_FIELDS:
            if v is not None:
                extras[field] = str(v).strip()
            continue
        if v is None:
            if field == "text":
                vals["text"] = ""
            continue
        try:
            if field in _INT_FIELDS:
                vals[field] = _to_int(v)
            elif field == "posted_at":
                vals[field] = parse_datetime(v)
            elif field == "platform_paid_label":
                vals[field] = _to_bool(v)
            elif field == "comments":
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    errors.append(
                        f"field 'comments': expected a list of comment texts, got the number "
                        f"{_show(v)}; a count belongs in comments_count "
                        f"(column_map={{{col!r}: 'comments_count'}})"
                    )
                    continue
                vals[field] = _to_comments(v)
            elif field == "platform":
                s = str(v).strip().lower()
                vals[field] = _PLATFORM_ALIASES.get(s, s)
            elif field == "format":
                s = str(v).strip().lower()
                vals[field] = _FORMAT_ALIASES.get(s, s)
            elif field == "language":
                s = str(v).strip().lower()
                vals[field] = re.split(r"[_-]", s, maxsplit=1)[0] if s else None
            elif field in ("id", "creator") and isinstance(v, (int, float)):
                vals[field] = v
            elif field == "text":
                vals[field] = v if isinstance(v, str) else str(v)
            else:
                vals[field] = str(v).strip() if not isinstance(v, str) else v.strip()
        except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
            what = {
                "posted_at": "not a date (expected ISO 8601 or dd/mm/yyyy HH:MM:SS)",
                "platform_paid_label": "not a boolean (true/false/yes/no/1/0)",
                "comments": "not a list of comment texts (a JSON list of strings)",
            }.get(field, "not an integer")
            errors.append(f"field {field!r}: {what}: {_show(v)}")
    if "id" not in vals and "url" in vals and isinstance(vals["url"], str):
        vals["id"] = _id_from_url(vals["url"])
    if "id" not in vals:
        errors.append("field 'id': missing (empty)")
    if errors:
        return None, extras, errors
    try:
        return Post(**vals), extras, []
    except ValidationError as e:
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "post"
            field = str(err["loc"][0]) if err["loc"] else "post"
            shown = vals.get(field, err.get("input"))
            msg = err["msg"]
            if err["type"] == "enum":
                allowed = Platform if field == "platform" else PostFormat
                msg = f"not one of {', '.join(m.value for m in allowed)}"
            errors.append(f"field {loc!r}: {msg}: {_show(shown)}")
        return None, extras, errors


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------
@dataclass
class _Raw:
    name: str
    data: bytes
    suffix: str


def _read_source(source: Source) -> _Raw:
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if not p.exists():
            raise InputError(f"{p}: no such file")
        if p.is_dir():
            raise InputError(f"{p}: is a directory, not a file")
        return _Raw(str(p), p.read_bytes(), p.suffix.lower())
    if isinstance(source, bytes | bytearray):
        return _Raw("input", bytes(source), "")
    name = str(getattr(source, "name", "input"))
    data = source.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    suffix = Path(name).suffix.lower() if name != "input" else ""
    return _Raw(name, data, suffix)


def _magic_kind(data: bytes) -> str | None:
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive (an Excel .xlsx workbook?); export it as CSV"
    if data.startswith(b"\x1f\x8b"):
        return "gzip-compressed; decompress it first"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel/Office file; export it as CSV"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    return None


def _decode(raw: _Raw, encoding: str | None) -> str:
    data = raw.data
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise InputError(f"{raw.name}: cannot be read as {encoding}: {e}") from None
        return text.lstrip("\ufeff")
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{raw.name}: looks like a binary file (NUL bytes), not {raw.suffix.lstrip('.') or 'text'}"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(
                f"{raw.name}: has a UTF-16 byte-order mark but is not UTF-16: {e}"
            ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bad = data[e.start : e.start + 1].hex()
        raise InputError(
            f"{raw.name}: is not UTF-8 text (byte 0x{bad} at offset {e.start}). "
            "Re-save it as UTF-8, or give its encoding: --encoding cp1252 (command line), "
            "the form field encoding=cp1252 (POST /v1/jobs), encoding='cp1252' (read_table)."
        ) from None
    if "\x00" in text[:65536]:
        raise InputError(
            f"{raw.name}: looks like a binary file (NUL bytes), not {raw.suffix or 'text'}"
        )
    return text


def _infer_format(raw: _Raw, fmt: str | None) -> Format:
    magic = _magic_kind(raw.data[:8])
    if fmt is not None:
        f = fmt.lower().lstrip(".")
        if f in ("ndjson", "jsonlines"):
            f = "jsonl"
        if f not in ("csv", "tsv", "jsonl", "json", "parquet"):
            raise InputError(f"unknown format {fmt!r}; use csv, tsv, jsonl, json or parquet")
        claimed: Format = f  # type: ignore[assignment]
    elif raw.suffix in _SUFFIX_FORMAT:
        claimed = _SUFFIX_FORMAT[raw.suffix]
    else:
        if not raw.data.strip():
            raise InputError(f"{raw.name}: is empty")
        if magic == "parquet":
            return "parquet"
        if magic:
            raise InputError(f"{raw.name}: is {magic}, not CSV, JSON Lines or Parquet")
        head = raw.data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        return "jsonl" if head == b"{" else "json" if head == b"[" else "csv"
    if claimed == "parquet":
        if magic != "parquet":
            if not raw.data.strip():
                raise InputError(f"{raw.name}: is empty")
            what = magic or "text or another format"
            raise InputError(f"{raw.name}: is not a Parquet file (no PAR1 header; it is {what})")
    elif magic == "parquet":
        raise InputError(
            f"{raw.name}: is a Parquet file, not {claimed.upper()}; "
            f"rename it .parquet or pass format='parquet'"
        )
    elif magic:
        raise InputError(f"{raw.name}: is {magic}, not {claimed.upper()}")
    return claimed


_Record = tuple[int, int | None, dict[str, Any]]  # (row number, line number, record)


def _csv_records(
    text: str, name: str, delimiter: str | None
) -> tuple[list[str], Iterator[_Record]]:
    if not text.strip():
        raise InputError(f"{name}: is empty")
    if delimiter is None:
        first = text.lstrip("\r\n").split("\n", 1)[0]
        counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while not any(h.strip() for h in header):
            header = next(reader)
    except StopIteration:
        raise InputError(f"{name}: is empty") from None
    except csv.Error as e:
        raise InputError(f"{name}: is not valid CSV: {e}") from None
    # unnamed columns (a trailing delimiter, spreadsheet exports) feed nothing: ignored
    header = [h.strip() or f"__unnamed_{i + 1}" for i, h in enumerate(header)]
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise InputError(f"{name}: duplicate column name(s) {', '.join(map(repr, dups))}")

    def rows() -> Iterator[_Record]:
        n = 0
        line = reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                n += 1
                yield n, line, {"__error__": f"not valid CSV: {e}"}
                return
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                line = reader.line_num + 1
                continue
            n += 1
            if len(fields) != len(header):
                rec: dict[str, Any] = {
                    "__error__": f"has {len(fields)} fields, the header has {len(header)} "
                    f"(a stray delimiter or an unclosed quote?)"
                }
            else:
                rec = dict(zip(header, fields, strict=True))
            yield n, line, rec
            line = reader.line_num + 1

    return header, rows()


def _jsonl_records(text: str, name: str) -> tuple[list[str], Iterator[_Record]]:
    lines = text.splitlines()
    parsed: list[_Record] = []
    columns: dict[str, None] = {}
    n = 0
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        n += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            parsed.append((n, i, {"__error__": f"not valid JSON: {e.msg} (column {e.colno})"}))
            continue
        if not isinstance(obj, dict):
            parsed.append((n, i, {"__error__": f"not a JSON object but {type(obj).__name__}"}))
            continue
        for k in obj:
            columns.setdefault(str(k))
        parsed.append((n, i, obj))
    if n == 0:
        raise InputError(f"{name}: is empty")
    if not columns:
        raise InputError(f"{name}: no line is a JSON object; is it JSON Lines?")
    return list(columns), iter(parsed)


def _json_records(text: str, name: str) -> tuple[list[str], Iterator[_Record]]:
    if not text.strip():
        raise InputError(f"{name}: is empty")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        # one object per line is JSON Lines, whatever the suffix says
        if text.lstrip().startswith("{"):
            return _jsonl_records(text, name)
        raise InputError(f"{name}: is not valid JSON: {e}") from None
    if isinstance(obj, dict):
        obj = obj.get("data", obj.get("posts", [obj]))
    if not isinstance(obj, list):
        raise InputError(f"{name}: expected a JSON array of objects")
    columns: dict[str, None] = {}
    recs: list[_Record] = []
    for n, o in enumerate(obj, start=1):
        if not isinstance(o, dict):
            recs.append((n, None, {"__error__": f"not a JSON object but {type(o).__name__}"}))
            continue
        for k in o:
            columns.setdefault(str(k))
        recs.append((n, None, o))
    if not obj:
        raise InputError(f"{name}: is an empty JSON array")
    return list(columns), iter(recs)


def _parquet_records(data: bytes, name: str) -> tuple[list[str], Iterator[_Record]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as e:
        raise InputError(f"{name}: is not a valid Parquet file: {e}") from None
    columns = list(pf.schema_arrow.names)

    def rows() -> Iterator[_Record]:
        n = 0
        for batch in pf.iter_batches(batch_size=4096):
            for rec in batch.to_pylist():
                n += 1
                yield n, None, rec

    return columns, rows()


def _records(
    source: Source, fmt: str | None, encoding: str | None
) -> tuple[str, list[str], Iterator[_Record]]:
    raw = _read_source(source)
    if not raw.data.strip():
        raise InputError(f"{raw.name}: is empty")
    kind = _infer_format(raw, fmt)
    if kind == "parquet":
        cols, it = _parquet_records(raw.data, raw.name)
        return raw.name, cols, it
    text = _decode(raw, encoding)
    if kind in ("csv", "tsv"):
        cols, it = _csv_records(text, raw.name, "\t" if kind == "tsv" else None)
    elif kind == "jsonl":
        cols, it = _jsonl_records(text, raw.name)
    else:
        cols, it = _json_records(text, raw.name)
    return raw.name, cols, it


def _where(line: int | None) -> str:
    return f" (line {line})" if line is not None else ""


def _convert_all(
    name: str, columns: list[str], records: Iterator[_Record], column_map: Mapping[str, str] | None
) -> Iterator[tuple[Post, dict[str, str]] | tuple[int, str]]:
    mapping, fallbacks = _resolve(columns, column_map, name)
    for n, line, rec in records:
        if "__error__" in rec and len(rec) == 1:
            yield n, f"{rec['__error__']}{_where(line)}"
            continue
        post, extras, errors = _convert(rec, mapping, fallbacks)
        if post is None:
            for msg in errors:
                yield n, f"{msg}{_where(line)}"
        else:
            yield post, extras


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def read_table(
    source: Source,
    format: str | None = None,
    column_map: Mapping[str, str] | None = None,
    *,
    encoding: str | None = None,
) -> tuple[list[Post], list[dict[str, str]]]:
    """Posts and, per post, the extras (``{"jurisdiction": "uk,fr"}`` where the file has it).

    ``source``: a path, bytes, or a binary/text file object. ``format``: ``csv``, ``tsv``,
    ``jsonl``, ``json`` or ``parquet``; inferred from the suffix, else sniffed.
    Raises :class:`InputError` for a file that is not what it claims and :class:`RowError`
    listing every bad row (1-based data rows, header not counted).
    """
    name, columns, records = _records(source, format, encoding)
    posts: list[Post] = []
    extras: list[dict[str, str]] = []
    bad: list[tuple[int, str]] = []
    for item in _convert_all(name, columns, records, column_map):
        if isinstance(item[0], Post):
            posts.append(item[0])
            extras.append(item[1])  # type: ignore[arg-type]
        else:
            bad.append(item)  # type: ignore[arg-type]
    if bad:
        raise RowError(bad, source=name)
    return posts, extras


def read_posts(
    source: Source,
    format: str | None = None,
    column_map: Mapping[str, str] | None = None,
    *,
    encoding: str | None = None,
) -> list[Post]:
    """The posts of a CSV / JSON Lines / JSON / Parquet input (see :func:`read_table`)."""
    return read_table(source, format, column_map, encoding=encoding)[0]


def iter_post_batches(
    source: Source,
    batch_size: int = 1000,
    format: str | None = None,
    column_map: Mapping[str, str] | None = None,
    *,
    encoding: str | None = None,
) -> Iterator[tuple[list[Post], list[dict[str, str]]]]:
    """Batches of (posts, extras) for large inputs (Parquet is read batch by batch).

    Valid rows are yielded as they come; every bad row is collected and, after the last
    batch, raised together as one :class:`RowError` (nothing is dropped silently).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    name, columns, records = _records(source, format, encoding)
    posts: list[Post] = []
    extras: list[dict[str, str]] = []
    bad: list[tuple[int, str]] = []
    for item in _convert_all(name, columns, records, column_map):
        if isinstance(item[0], Post):
            posts.append(item[0])
            extras.append(item[1])  # type: ignore[arg-type]
            if len(posts) >= batch_size:
                yield posts, extras
                posts, extras = [], []
        else:
            bad.append(item)  # type: ignore[arg-type]
    if posts:
        yield posts, extras
    if bad:
        raise RowError(bad, source=name)


def table_from_frame(
    df: Any, column_map: Mapping[str, str] | None = None, source: str = "DataFrame"
) -> tuple[list[Post], list[dict[str, str]]]:
    """:func:`read_table` for a pandas DataFrame (row N = the N-th row, 1-based)."""
    columns = [str(c) for c in df.columns]
    if len(set(columns)) != len(columns):
        dups = sorted({c for c in columns if columns.count(c) > 1})
        raise InputError(f"{source}: duplicate column name(s) {', '.join(map(repr, dups))}")
    recs = (
        (i, None, dict(zip(columns, row, strict=True)))
        for i, row in enumerate(df.itertuples(index=False, name=None), start=1)
    )
    posts: list[Post] = []
    extras: list[dict[str, str]] = []
    bad: list[tuple[int, str]] = []
    for item in _convert_all(source, columns, recs, column_map):
        if isinstance(item[0], Post):
            posts.append(item[0])
            extras.append(item[1])  # type: ignore[arg-type]
        else:
            bad.append(item)  # type: ignore[arg-type]
    if bad:
        raise RowError(bad, source=source)
    return posts, extras


def posts_from_frame(df: Any, column_map: Mapping[str, str] | None = None) -> list[Post]:
    """Posts from a pandas DataFrame, with the same mapping and errors as :func:`read_posts`."""
    return table_from_frame(df, column_map)[0]
