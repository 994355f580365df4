"""nlp.ingest: readers for CSV, JSON Lines, Parquet and DataFrames; row and file errors."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.errors import InputError, RowError
from nlp.ingest import (
    iter_post_batches,
    parse_datetime,
    posts_from_frame,
    read_posts,
    read_table,
    resolve_columns,
    table_from_frame,
)
from nlp.posts import Platform, PostFormat


@pytest.fixture(scope="module")
def ingest_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "ingest"


def test_read_table_csv_aliases_extras_multiline(ingest_dir: Path) -> None:
    posts, extras = read_table(ingest_dir / "good.csv")
    assert [p.id for p in posts] == ["p1", "p2", "p3"]
    p1, p2, p3 = posts
    assert p1.creator == "glow.girl"
    assert p1.text == "Use my code LOUISE20 \U0001f381 #ad"
    assert p1.posted_at == datetime(2025, 3, 2, 17, 48, 52)  # dd/mm/yyyy
    assert (p1.likes, p1.comments_count) == (1200, 3)
    assert p1.comments == ["love it", "where is it from?"]
    assert p1.url == "https://www.instagram.com/glow.girl/p/AAA111/"
    assert p2.text == "Line one\nline two, with a comma"
    assert p2.platform is Platform.tiktok
    assert p2.posted_at == datetime(2025, 3, 2, 10, 0, tzinfo=UTC)
    assert p2.likes is None
    assert p3.text == ""  # image-only post kept
    assert p3.likes == 1234  # thousands separator
    assert p3.platform is Platform.instagram  # "IG"
    assert extras == [{"jurisdiction": "uk"}, {"jurisdiction": "fr,de"}, {}]


def test_read_table_jsonl(ingest_dir: Path) -> None:
    posts, extras = read_table(ingest_dir / "good.jsonl")
    assert [p.id for p in posts] == ["j1", "2"]
    assert posts[0].comments == ["top", "trop beau"]
    assert posts[0].creator == "léa"
    assert posts[1].text == "Werbung | neue Creme"  # "caption" alias
    assert posts[1].format is PostFormat.short
    assert posts[1].views == 1000
    assert posts[1].platform_paid_label is True
    assert extras == [{"jurisdiction": "fr"}, {}]


def test_read_table_parquet(ingest_dir: Path) -> None:
    posts, extras = read_table(ingest_dir / "good.parquet")
    assert [p.id for p in posts] == ["q1", "q2"]
    assert posts[0].text.startswith("Link in bio")
    assert posts[0].comments == ["nice", "ad?"]
    assert posts[0].likes == 5 and posts[1].likes is None
    assert posts[0].posted_at == datetime(2025, 2, 1, 12, 0)
    assert extras == [{"jurisdiction": "us"}, {}]


def test_read_posts_file_like_and_bytes_sniffed(ingest_dir: Path) -> None:
    data = (ingest_dir / "good.parquet").read_bytes()
    assert [p.id for p in read_posts(io.BytesIO(data))] == ["q1", "q2"]
    assert [p.id for p in read_posts(b'{"id": "a", "text": "x"}\n')] == ["a"]
    assert [p.id for p in read_posts(b"id,text\n7,hello\n")] == ["7"]
    assert [p.id for p in read_posts(b'[{"id": "z", "text": ""}]')] == ["z"]
    assert [p.id for p in read_posts(io.StringIO("id\ttext\n1\thi\n"), format="tsv")] == ["1"]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("semicolon.csv", {}), ("bom.csv", {}), ("cp1252.csv", {"encoding": "cp1252"})],
)
def test_read_posts_dialects_and_encodings(
    ingest_dir: Path, name: str, kwargs: dict[str, str]
) -> None:
    posts = read_posts(ingest_dir / name, encoding=kwargs.get("encoding"))
    assert posts and posts[0].id == "1"
    if name == "cp1252.csv":
        assert posts[0].text == "café crème € price"
    if name == "semicolon.csv":
        assert posts[0].text == "hello, world"


def test_read_posts_bad_rows_all_reported(ingest_dir: Path) -> None:
    with pytest.raises(RowError) as ei:
        read_posts(ingest_dir / "bad_rows.csv")
    rows = ei.value.rows
    assert [n for n, _ in rows] == [2, 3, 4, 5, 6, 7, 8]
    msgs = dict(rows)
    assert msgs[2] == "field 'likes': not an integer: 'abc' (line 3)"
    assert "posted_at" in msgs[3] and "31/31/2025" in msgs[3]
    assert "not one of instagram" in msgs[4] and "myspace" in msgs[4]
    assert "followers" in msgs[5] and "-3" in msgs[5]
    assert "platform_paid_label" in msgs[6]
    assert "'id'" in msgs[7]
    assert "9 fields" in msgs[8]
    assert ei.value.code == "E101"
    assert "7 invalid row(s)" in str(ei.value)


def test_read_posts_bad_jsonl_rows(ingest_dir: Path) -> None:
    with pytest.raises(RowError) as ei:
        read_posts(ingest_dir / "bad.jsonl")
    assert [n for n, _ in ei.value.rows] == [2, 3, 4]
    assert "not valid JSON" in ei.value.rows[0][1]
    assert "not a JSON object" in ei.value.rows[1][1]
    assert ei.value.rows[2][1] == "field 'likes': not an integer: '12x' (line 4)"


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        (
            "missing_columns.csv",
            {},
            "missing required column(s) text; columns found: id, caption_missing, likes",
        ),
        ("empty.csv", {}, "is empty"),
        ("cp1252.csv", {}, "is not UTF-8 text"),
        ("binary.csv", {}, "looks like a binary file"),
        ("parquet_named.csv", {}, "is a Parquet file, not CSV"),
        ("not_parquet.parquet", {}, "is not a Parquet file"),
        ("good.csv", {"format": "xml"}, "unknown format"),
        ("good.csv", {"column_map": {"nope": "text"}}, "column_map names column 'nope'"),
        ("good.csv", {"column_map": {"caption": "body"}}, "not a Post field"),
        ("nonexistent.csv", {}, "no such file"),
    ],
)
def test_read_posts_file_errors(
    ingest_dir: Path, name: str, kwargs: dict[str, object], expected: str
) -> None:
    with pytest.raises(InputError) as ei:
        read_posts(ingest_dir / name, **kwargs)  # type: ignore[arg-type]
    assert not isinstance(ei.value, RowError)
    assert expected in str(ei.value)


def test_read_posts_xlsx_and_gzip_rejected() -> None:
    with pytest.raises(InputError, match="Excel"):
        read_posts(io.BytesIO(b"PK\x03\x04" + b"\x00" * 100))
    with pytest.raises(InputError, match="gzip"):
        read_posts(b"\x1f\x8b\x08\x00" + b"x" * 20)


def test_resolve_columns_rules() -> None:
    assert resolve_columns(["caption", "influencer", "post_url"]) == {
        "caption": "text",
        "influencer": "creator",
        "post_url": "url",
    }
    # exact names win over aliases
    assert resolve_columns(["id", "text", "caption"]) == {"id": "id", "text": "text"}
    # two aliases for one field: ambiguous
    with pytest.raises(InputError, match="could all be 'text'"):
        resolve_columns(["id", "caption", "description"])
    # explicit map settles it
    m = resolve_columns(["id", "caption", "description"], {"description": "text"})
    assert m == {"description": "text", "id": "id"}
    with pytest.raises(InputError, match="missing required column"):
        resolve_columns(["caption"])


def test_posts_from_frame_and_row_errors() -> None:
    df = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "caption": ["a", None, "c"],
            "likes": [1.0, float("nan"), 3.0],
            "timestamp": pd.to_datetime(pd.Series(["2025-01-01", None, "2025-01-03"])),
            "comments": ['["x"]', None, ["y", "z"]],
        }
    )
    posts = posts_from_frame(df)
    assert [p.id for p in posts] == ["1", "2", "3"]
    assert posts[1].text == "" and posts[1].likes is None and posts[1].posted_at is None
    assert posts[0].comments == ["x"] and posts[2].comments == ["y", "z"]
    bad = pd.DataFrame({"id": ["a", "b"], "text": ["x", "y"], "likes": [1.5, -2]})
    with pytest.raises(RowError) as ei:
        table_from_frame(bad)
    assert [n for n, _ in ei.value.rows] == [1, 2]


def test_dmi_style_file_without_id_takes_url_shortcode() -> None:
    data = (
        "influencer,post_url,posted_at,likes,n_comments,caption\n"
        "neg,https://www.instagram.com/neg/p/DGtLcWTgn8F/,02/03/2025 17:48:52,90825,245,Hi 💌\n"
    ).encode()
    (post,) = read_posts(data)
    assert post.id == "DGtLcWTgn8F"
    assert post.creator == "neg" and post.comments_count == 245


def test_comments_count_in_comments_column_explained() -> None:
    with pytest.raises(RowError, match="comments_count"):
        read_posts(b'{"id": "1", "text": "x", "comments": 12}\n')


def test_iter_post_batches(ingest_dir: Path) -> None:
    batches = list(iter_post_batches(ingest_dir / "good.csv", batch_size=2))
    assert [len(b[0]) for b in batches] == [2, 1]
    gen = iter_post_batches(ingest_dir / "bad_rows.csv", batch_size=1)
    got: list[str] = []
    with pytest.raises(RowError) as ei:
        for posts, _ in gen:
            got.extend(p.id for p in posts)
    assert got == ["r1", "r9"]
    assert len(ei.value.rows) == 7


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-02T17:48:52Z", datetime(2025, 3, 2, 17, 48, 52, tzinfo=UTC)),
        ("2025-03-02 17:48", datetime(2025, 3, 2, 17, 48)),
        ("02/03/2025 17:48:52", datetime(2025, 3, 2, 17, 48, 52)),
        ("02/03/2025", datetime(2025, 3, 2)),
        (1740937732, datetime(2025, 3, 2, 17, 48, 52, tzinfo=UTC)),
        ("1740937732000", datetime(2025, 3, 2, 17, 48, 52, tzinfo=UTC)),
    ],
)
def test_parse_datetime(value: object, expected: datetime) -> None:
    assert parse_datetime(value) == expected


@pytest.mark.shared_data
def test_read_posts_dmi_captions(dmi_captions: Path) -> None:
    posts, extras = read_table(dmi_captions)
    assert len(posts) == 250
    assert len({p.id for p in posts}) == 250
    assert all(p.url and p.url.rstrip("/").endswith(p.id) for p in posts)
    assert all(p.creator != "unknown" for p in posts)
    assert sum("#ad" in p.text.lower() for p in posts) >= 9
    assert extras == [{}] * 250


_texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"], max_codepoint=0x1FAFF)
    # no lone "\r": pandas writes it unquoted, which no CSV reader can tell from a line end
    | st.sampled_from(["\n", ",", '"', ";", "\t", "#", "\U0001f60d", "\u200b"]),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(_texts, st.none() | st.integers(0, 10**9), st.lists(_texts, max_size=3)),
        min_size=1,
        max_size=5,
    ),
    fmt=st.sampled_from(["csv", "jsonl", "parquet"]),
)
def test_property_round_trip_every_format(
    rows: list[tuple[str, int | None, list[str]]], fmt: str
) -> None:
    """What pandas writes, the reader gives back: texts (newlines, quotes, delimiters, emoji,
    zero-width characters, empty), counts and comment lists, in every format."""
    df = pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(len(rows))],
            "caption": [r[0] for r in rows],
            "likes": pd.array([r[1] for r in rows], dtype="Int64"),
            "comments": [json.dumps(r[2]) for r in rows],
        }
    )
    buf = io.BytesIO()
    if fmt == "csv":
        buf.write(df.to_csv(index=False).encode())
    elif fmt == "jsonl":
        buf.write(df.to_json(orient="records", lines=True, force_ascii=False).encode())
    else:
        df.to_parquet(buf, index=False)
    posts = read_posts(buf.getvalue(), format=fmt)
    assert [p.id for p in posts] == list(df["id"])
    assert [p.text for p in posts] == [r[0] for r in rows]
    assert [p.likes for p in posts] == [r[1] for r in rows]
    assert [p.comments for p in posts] == [r[2] for r in rows]


def test_unnamed_trailing_columns_ignored_and_numpy_ints_exact() -> None:
    (p,) = read_posts(b"id,text,,\n1,hello,,\n")
    assert (p.id, p.text) == ("1", "hello")
    df = pd.DataFrame({"id": [1], "text": ["x"], "views": pd.array([2**60], dtype="int64")})
    (q,) = posts_from_frame(df)
    assert q.views == 2**60 and q.id == "1"
