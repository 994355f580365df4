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


def test_cli_rules_lists_packs_and_shows_one_with_its_citations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from nlp.rules.registry import RulePackRegistry, pack_summary

    registry = RulePackRegistry.default()
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == registry.codes()
    uk = registry.get("uk")
    assert any(ln.startswith(f"uk  {uk.version}") for ln in lines)

    # an alias resolves; every rule is printed with the citation a finding under it carries
    assert main(["rules", "gb"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"uk@{uk.version}  United Kingdom")
    for rid in uk.rules:
        assert f"  {rid}: " in out
        assert uk.rule_citation(rid)[0] in out

    assert main(["rules", "fr", "de", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == [pack_summary(registry.get("fr")), pack_summary(registry.get("de"))]
    fr_wording = next(r for r in data[0]["rules"] if r["id"] == "fr.label.wording")
    assert fr_wording["citation_url"] == registry.get("fr").rule_citation("fr.label.wording")[1]

    assert main(["rules", "xx"]) == 1
    err = capsys.readouterr().err
    assert "unknown jurisdiction" in err and "xx" in err
    assert "EU member" not in err
    # an EU member state without its own pack: the error names the baseline that covers it
    assert main(["rules", "uk", "PL", "fi"]) == 1
    err = capsys.readouterr().err
    assert "unknown jurisdiction(s): PL, fi" in err
    assert "PL, fi: EU member state(s) without a pack of their own, 'eu' audits" in err
