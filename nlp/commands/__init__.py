"""CLI sub-commands, one module each. A module defines ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int`` and keeps heavy imports inside ``run``."""

COMMANDS: dict[str, str] = {
    "audit": "nlp.commands.audit",
    "check": "nlp.commands.check",
    "analyze": "nlp.commands.analyze",
    "score": "nlp.commands.score",
    "sweep": "nlp.commands.sweep",
    "report": "nlp.commands.report",
    "serve": "nlp.commands.serve",
    "keys": "nlp.commands.keys",
    "rules": "nlp.commands.rules",
}
