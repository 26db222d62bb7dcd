"""Human names for the adoptions' codes, as message ids (translated where shown, see lib/labels.py).

Group names carry the ``adoption_`` prefix: ``status`` belongs to the catalog's label book.
"""

from __future__ import annotations

from store.lib.i18n import _

LABELS: dict[str, dict[str, str]] = {
    "adoption_status": {
        "requested": _("Requested"),
        "approved": _("Approved"),
        "declined": _("Declined"),
        "withdrawn": _("Withdrawn"),
        "deploying": _("Deploying"),
        "live": _("Live"),
        "retired": _("Retired"),
    },
    "adoption_side": {
        "publisher": _("the publishing region"),
        "adopter": _("the adopting region"),
        "requester": _("the person who made the request"),
        "province": _("provincial staff"),
    },
    "adoption_confirmation": {
        "unconfirmed": _("Not yet confirmed by the publisher"),
        "confirmed": _("Confirmed by the publisher"),
        "disputed": _("Disputed by the publisher"),
    },
    "adoption_event": {
        "transition": _("Status changed"),
        "note": _("Note"),
        "confirm": _("Publisher's confirmation"),
        "feedback": _("Feedback"),
        "upgrade": _("Upgrade"),
        "reconfirm": _("Re-confirmed as live"),
        "stale": _("Marked stale"),
    },
}
