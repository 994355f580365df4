"""Jurisdiction rule packs: versioned YAML data (``<code>.yaml``) validated at load.

``RulePackRegistry.default()`` loads every pack once (cached); ``.get("uk")``, ``.codes()``,
``.versions()``, ``.resolve(["uk", "fr"])``.
"""

from nlp.rules.registry import PACKS_DIR, RulePackRegistry, load_pack
from nlp.rules.schema import RulePack

__all__ = ["PACKS_DIR", "RulePack", "RulePackRegistry", "load_pack"]
