"""The top-level CLI: every sub-command is registered and its help renders."""

from __future__ import annotations

import pytest

from nlp.cli import build_parser, main
from nlp.commands import COMMANDS


def test_cli_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_subcommand_help_renders(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([name, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("usage: clearpost " + name)


def test_serve_caps_malloc_arenas_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from nlp.commands.serve import limit_malloc_arenas

    assert limit_malloc_arenas(0) is False  # 0 = leave glibc alone
    monkeypatch.setenv("CLEARPOST_MALLOC_ARENAS", "0")
    assert limit_malloc_arenas() is False
    if sys.platform.startswith("linux"):
        assert limit_malloc_arenas(4) is True  # mallopt accepted M_ARENA_MAX
