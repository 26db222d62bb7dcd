"""Who may read the statistics (collected into the one table by ``store.rules``)."""

from __future__ import annotations

from store.lib.policy import PROVINCIAL, Rule

RULES: dict[str, Rule] = {
    "stats.read": Rule(PROVINCIAL),
}
