"""Who may manage accounts and API tokens (collected into the one table by ``store.rules``)."""

from __future__ import annotations

from store.lib.policy import ADMIN, ANY_ROLE, Rule

RULES: dict[str, Rule] = {
    "users.manage": Rule(ADMIN),
    "tokens.manage": Rule(ANY_ROLE),
}
