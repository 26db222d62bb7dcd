"""Who may publish versions and their files (collected into the one table by ``store.rules``).

Who may *see* a version, file or screenshot is the catalog's rule (``store.catalog.rules``): it
follows the app it belongs to.
"""

from __future__ import annotations

from store.lib.policy import CITY, Rule

RULES: dict[str, Rule] = {
    "versions.publish": Rule(CITY, own_region_only=True),
}
