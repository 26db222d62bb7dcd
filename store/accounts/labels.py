"""Human names for the accounts' codes, as message ids (see lib/labels.py)."""

from __future__ import annotations

from store.lib.i18n import _

LABELS: dict[str, dict[str, str]] = {
    "role": {
        "province_admin": _("Provincial administrator"),
        "province_reviewer": _("Provincial reviewer"),
        "city_staff": _("City staff"),
    },
}
