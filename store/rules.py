"""Every feature's permission rules, collected into the one table ``store.lib.policy`` reads.

Why a module at the top and a call: ``store/lib`` is the ground floor and may not import the
features that declare rules, so someone above both must put the table together. That is this
module, next to ``app.py`` and ``cli.py``. ``install()`` is called by every entry point that runs
services — ``create_app()``, the CLI's ``run_in_session`` (which every database command, the demo
seed included, goes through) and the test suite's root ``conftest.py``. Forgetting it cannot pass
unnoticed: with no rules installed, the first permission check raises a ``LookupError`` that names
this function. A new feature adds its ``rules.py`` to ``FEATURE_RULES``; nothing in lib changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from store.accounts import rules as accounts
from store.adoptions import rules as adoptions
from store.artifacts import rules as artifacts
from store.catalog import rules as catalog
from store.lib import policy
from store.regions import rules as regions
from store.stats import rules as stats

FEATURE_RULES: tuple[Mapping[str, policy.Rule], ...] = (
    accounts.RULES,
    regions.RULES,
    catalog.RULES,
    artifacts.RULES,
    stats.RULES,
    adoptions.RULES,
)


def collect_rules() -> dict[str, policy.Rule]:
    """The table of every feature's actions; an action declared twice is a programming error."""
    table: dict[str, policy.Rule] = {}
    for rules in FEATURE_RULES:
        for action, rule in rules.items():
            if action in table:
                raise ValueError(f"permission rule {action!r} is declared by two features")
            table[action] = rule
    return table


def install() -> None:
    """Fill the policy table; safe to call more than once."""
    policy.install(collect_rules())
