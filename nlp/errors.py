"""Every user-facing error is a numbered constant (spaCy's habit), so messages stay
consistent between the CLI, the API and the library."""

from __future__ import annotations


class ClearpostError(Exception):
    """Base class: ``code`` is stable, ``str(err)`` says what was wrong and what to do."""

    code = "E000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InputError(ClearpostError):
    """The caller's data is not what it claims (bad file, bad row, bad field)."""

    code = "E100"


class RowError(InputError):
    """One or more rows of an input are invalid; ``rows`` lists (row_number, message)."""

    code = "E101"

    def __init__(self, rows: list[tuple[int, str]], source: str = "input") -> None:
        self.rows = rows
        shown = "; ".join(f"row {n}: {msg}" for n, msg in rows[:20])
        more = f" (+{len(rows) - 20} more)" if len(rows) > 20 else ""
        super().__init__(f"{len(rows)} invalid row(s) in {source}: {shown}{more}")


#: ISO 3166-1 alpha-2 codes of the EU's member states (Greece also as "el", its EU code)
_EU_MEMBERS = frozenset(
    [
        "at",
        "be",
        "bg",
        "hr",
        "cy",
        "cz",
        "dk",
        "ee",
        "fi",
        "fr",
        "de",
        "gr",
        "el",
        "hu",
        "ie",
        "it",
        "lv",
        "lt",
        "lu",
        "mt",
        "nl",
        "pl",
        "pt",
        "ro",
        "sk",
        "si",
        "es",
        "se",
    ]
)


class UnknownJurisdictionError(ClearpostError):
    code = "E200"

    def __init__(self, unknown: list[str], known: list[str]) -> None:
        self.unknown = unknown
        self.known = known
        members = [u for u in unknown if u.strip().lower() in _EU_MEMBERS]
        hint = (
            f"; {', '.join(members)}: EU member state(s) without a pack of their own, "
            "'eu' audits against the EU baseline (UCPD)"
            if members and "eu" in known
            else ""
        )
        super().__init__(
            f"unknown jurisdiction(s): {', '.join(unknown)}; known: {', '.join(sorted(known))} "
            "(ISO codes such as gb or deu and country names such as 'united kingdom' work too)"
            f"{hint}"
        )


class RulePackError(ClearpostError):
    """A rule pack file is invalid: raised at start-up, never half-way through a request."""

    code = "E300"


class ModelArtifactError(ClearpostError):
    """A model artifact is missing its metadata or does not match the base weights."""

    code = "E400"


class ConfigError(ClearpostError):
    code = "E500"
