"""Load, validate and serve the rule packs (``nlp/rules/*.yaml``, one per jurisdiction, plus ``_common.yaml``).

Packs are read once, at start-up (``RulePackRegistry.default()`` is cached); an invalid pack
raises :class:`RulePackError` naming the file and the field, so the service never starts with
a half-valid rule set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from nlp.errors import RulePackError, UnknownJurisdictionError
from nlp.rules.matching import CompiledPack, compile_pack
from nlp.rules.schema import CommonLexicon, RulePack

PACKS_DIR = Path(__file__).resolve().parent
COMMON_FILE = "_common.yaml"


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise RulePackError(f"{path}: cannot read rule pack: {exc}") from exc
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path}: invalid YAML: {exc}") from exc


def _validation_message(path: Path, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        parts.append(f"field {loc}: {err['msg']}")
    return f"{path.name}: invalid rule pack: " + "; ".join(parts)


def load_pack(path: Path) -> RulePack:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RulePackError(f"{path.name}: invalid rule pack: top level must be a mapping")
    try:
        pack = RulePack.model_validate(data)
    except ValidationError as exc:
        raise RulePackError(_validation_message(path, exc)) from exc
    if pack.id != path.stem:
        raise RulePackError(f"{path.name}: field id: {pack.id!r} must match the file name")
    return pack


def load_common(path: Path) -> CommonLexicon:
    data = _read_yaml(path)
    try:
        return CommonLexicon.model_validate(data)
    except ValidationError as exc:
        raise RulePackError(_validation_message(path, exc)) from exc


class RulePackRegistry:
    """Every jurisdiction's pack, compiled once. Codes are case-insensitive; aliases (``gb``)
    resolve to their pack (``uk``)."""

    def __init__(self, packs: Iterable[RulePack], common: CommonLexicon) -> None:
        self.common = common
        self._packs: dict[str, RulePack] = {}
        self._aliases: dict[str, str] = {}
        for p in packs:
            if p.id in self._packs:
                raise RulePackError(f"duplicate rule pack id {p.id!r}")
            self._packs[p.id] = p
        for p in self._packs.values():
            for a in p.aliases:
                a = a.lower()
                if a in self._packs or a in self._aliases:
                    raise RulePackError(f"{p.id}.yaml: field aliases: {a!r} is already taken")
                self._aliases[a] = p.id
        self._compiled = {code: compile_pack(p, common) for code, p in self._packs.items()}

    @classmethod
    def from_dir(cls, directory: Path | str) -> RulePackRegistry:
        d = Path(directory)
        if not d.is_dir():
            raise RulePackError(f"rule pack directory {d} does not exist")
        common_path = d / COMMON_FILE
        if not common_path.is_file():
            raise RulePackError(f"{common_path}: missing shared lexicon (negations, labels)")
        files = sorted(p for p in d.glob("*.yaml") if p.name != COMMON_FILE)
        if not files:
            raise RulePackError(f"no rule packs (*.yaml) in {d}")
        return cls([load_pack(f) for f in files], load_common(common_path))

    @classmethod
    def default(cls) -> RulePackRegistry:
        return _default_registry()

    def _code(self, code: str) -> str | None:
        c = code.strip().lower()
        if c in self._packs:
            return c
        return self._aliases.get(c)

    def get(self, code: str) -> RulePack:
        c = self._code(code)
        if c is None:
            raise UnknownJurisdictionError([code], self.codes())
        return self._packs[c]

    def compiled(self, code: str) -> CompiledPack:
        return self._compiled[self.get(code).id]

    def codes(self) -> list[str]:
        return sorted(self._packs)

    def versions(self) -> dict[str, str]:
        return {c: self._packs[c].version for c in self.codes()}

    def resolve(self, codes: Sequence[str] | str) -> list[RulePack]:
        """``["uk", "FR"]`` or ``"uk,fr"`` -> packs, de-duplicated, in the order given."""
        if isinstance(codes, str):
            codes = codes.split(",")
        wanted = [c.strip() for c in codes if c and c.strip()]
        unknown = [c for c in wanted if self._code(c) is None]
        if unknown or not wanted:
            raise UnknownJurisdictionError(unknown or ["(none given)"], self.codes())
        seen: dict[str, RulePack] = {}
        for c in wanted:
            code = self._code(c)
            assert code is not None
            seen.setdefault(code, self._packs[code])
        return list(seen.values())


def pack_summary(pack: RulePack) -> dict[str, Any]:
    """What a reader needs of a pack (``GET /v1/rules``, ``clearpost rules``): its identity,
    scope, sources and every rule with the citation and URL a finding under it carries."""
    rules = []
    for rid, rule in sorted(pack.rules.items()):
        cit, url = pack.rule_citation(rid)
        rules.append(
            {
                "id": rid,
                "title": rule.title,
                "summary": rule.summary,
                "citation": cit,
                "citation_url": url,
            }
        )
    sources = [
        {"id": sid, "title": s.title, "citation": s.citation, "url": s.url}
        for sid, s in sorted(pack.sources.items())
    ]
    return {
        "id": pack.id,
        "name": pack.name,
        "version": pack.version,
        "ref": pack.ref,
        "effective_date": pack.effective_date.isoformat(),
        "authority": pack.authority,
        "aliases": list(pack.aliases),
        "scope": pack.scope,
        "audience_languages": list(pack.audience_languages),
        "notes": list(pack.notes),
        "sources": sources,
        "rules": rules,
    }


@lru_cache(maxsize=1)
def _default_registry() -> RulePackRegistry:
    return RulePackRegistry.from_dir(PACKS_DIR)
