"""Human names for the regions' codes, as message ids (see lib/labels.py)."""

from __future__ import annotations

from store.lib.i18n import _

LABELS: dict[str, dict[str, str]] = {
    # The zones of "一核一带一区", by the code stored on each city (``Region.zone``).
    "zone": {
        "core": _("Pearl River Delta core"),
        "east_wing": _("Coastal belt, east wing (粤东)"),
        "west_wing": _("Coastal belt, west wing (粤西)"),
        "north": _("Northern ecological zone (粤北)"),
    },
}
