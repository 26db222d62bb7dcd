"""Who may manage regions (collected into the one table by ``store.rules``)."""

from __future__ import annotations

from store.lib.policy import ADMIN, Rule

RULES: dict[str, Rule] = {
    "regions.manage": Rule(ADMIN),
}
