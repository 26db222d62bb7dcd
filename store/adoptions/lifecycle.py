"""The life of an adoption as a table: (from status, to status) -> which side may take the step,
whether it needs a comment, whether it takes the go-live figures. Nothing else moves an adoption.

    requested --approve/decline (publisher)--> approved | declined
    requested --withdraw (the requester)-----> withdrawn
    approved  --(adopter)--> deploying --(adopter)--> live --(adopter)--> retired
    approved, deploying --(adopter, with a reason)--> retired   (given up before going live)

The last line is ours, not the issue's: without it an approved adoption the adopter abandons
would stay open for ever and block the region's next request (one open adoption per app and
region). A decline and giving up both need a comment; ``live`` takes ``went_live_on``,
``saving_wan`` and ``saving_basis``.

Sides, not roles: who may act depends on where the user stands to this adoption (see
``rules.sides_of``). Provincial staff stand on the ``province`` side, which takes no step.

Pure functions, no database: the unit tests walk every (from × to × side) and a hypothesis state
machine checks that random sequences never leave the table and that the history replays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from store.db.models._adoption import OPEN_ADOPTION_STATUSES, AdoptionStatus
from store.lib.errors import Conflict, Forbidden, ValidationFailed, field_error
from store.lib.i18n import _, gettext

from .labels import LABELS

S = AdoptionStatus


class Side(StrEnum):
    """Where a user stands to one adoption; a user may stand on several sides at once."""

    PUBLISHER = "publisher"  # staff of the region that published the app (or of its city)
    ADOPTER = "adopter"  # staff of the adopting region (or of the city a district belongs to)
    REQUESTER = "requester"  # the user who made the request
    PROVINCE = "province"  # provincial staff: see everything, add notes, take no step


@dataclass(frozen=True)
class Step:
    side: Side
    needs_comment: bool = False
    # ``live`` records the go-live date and the saving estimate.
    takes_go_live: bool = False


TRANSITIONS: dict[tuple[str, str], Step] = {
    (S.REQUESTED, S.APPROVED): Step(Side.PUBLISHER),
    (S.REQUESTED, S.DECLINED): Step(Side.PUBLISHER, needs_comment=True),
    (S.REQUESTED, S.WITHDRAWN): Step(Side.REQUESTER),
    (S.APPROVED, S.DEPLOYING): Step(Side.ADOPTER),
    (S.APPROVED, S.RETIRED): Step(Side.ADOPTER, needs_comment=True),
    (S.DEPLOYING, S.LIVE): Step(Side.ADOPTER, takes_go_live=True),
    (S.DEPLOYING, S.RETIRED): Step(Side.ADOPTER, needs_comment=True),
    (S.LIVE, S.RETIRED): Step(Side.ADOPTER),
}

INITIAL = S.REQUESTED
OPEN = frozenset(OPEN_ADOPTION_STATUSES)
CLOSED = frozenset(S) - OPEN
# The publisher's decision: the steps the 20-way race must let through exactly once.
DECISIONS = frozenset({S.APPROVED, S.DECLINED})
# Confirmation, feedback and re-confirmation are about a running adoption.
RUNNING = frozenset({S.LIVE})
# The adopter may record an upgrade while it prepares or runs the app.
UPGRADABLE = frozenset({S.APPROVED, S.DEPLOYING, S.LIVE})


def step(status: str, to: str) -> Step | None:
    """The step from ``status`` to ``to``, or None when the table has no such step."""
    return TRANSITIONS.get((status, to))


def targets(status: str) -> list[str]:
    """Every status reachable in one step from ``status`` (whoever takes it), in table order."""
    return [to for (source, to) in TRANSITIONS if source == status]


def allowed_for(status: str, sides: Iterable[str]) -> list[str]:
    """The statuses a user standing on ``sides`` may move the adoption to from ``status``."""
    standing = frozenset(sides)
    return [to for to in targets(status) if TRANSITIONS[(status, to)].side in standing]


def may_request(existing: Iterable[str]) -> bool:
    """A new request for an app and region is allowed when none of its adoptions is open."""
    return not any(status in OPEN for status in existing)


def _names(group: str, codes: Iterable[str]) -> str:
    return ", ".join(gettext(LABELS[group].get(code, code)) for code in codes)


def _status_name(status: str) -> str:
    return _names("adoption_status", [status])


def check(status: str, to: str, sides: Iterable[str], comment: str = "") -> Step:
    """The step from ``status`` to ``to`` if a user on ``sides`` may take it with ``comment``.

    Raises:
        ValidationFailed: ``to`` is not a status, or the step needs a comment and has none (422).
        Conflict: the table has no such step from here (409); the message names what is allowed.
        Forbidden: the step exists but belongs to another side (403); the message names the side
            and what this user may do from here.
    """
    if to not in frozenset(S):
        raise ValidationFailed(
            details=[field_error("to", _("Choose one of: %(statuses)s."), statuses=", ".join(S))]
        )
    sides = frozenset(sides)
    found = step(status, to)
    mine = allowed_for(status, sides)
    if found is None:
        if not targets(status):
            raise Conflict(
                _("This adoption is %(status)s; its status cannot change any more."),
                status=_status_name(status),
            )
        raise Conflict(
            _("This adoption is %(status)s; from here it can only become: %(allowed)s."),
            status=_status_name(status),
            allowed=_names("adoption_status", targets(status)),
        )
    if found.side not in sides:
        if mine:
            raise Forbidden(
                _("Only %(side)s can do this. From here you may move it to: %(allowed)s."),
                side=_names("adoption_side", [found.side]),
                allowed=_names("adoption_status", mine),
            )
        raise Forbidden(
            _("Only %(side)s can do this; you cannot change this adoption's status now."),
            side=_names("adoption_side", [found.side]),
        )
    if found.needs_comment and not comment.strip():
        raise ValidationFailed(details=[field_error("comment", _("Say why, in a comment."))])
    return found


def replay(transitions: Iterable[tuple[str | None, str | None]]) -> str:
    """The status a history of ``(from, to)`` transitions leads to, starting at ``requested``.

    Raises ``ValueError`` when a step does not start where the previous one ended or is not in
    the table: a history that does not replay was not written through :func:`check`.
    """
    status: str = INITIAL
    for number, (source, to) in enumerate(transitions, start=1):
        if source != status or to is None or step(status, to) is None:
            raise ValueError(f"transition {number} ({source} -> {to}) does not follow from {status}")
        status = to
    return status
