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
