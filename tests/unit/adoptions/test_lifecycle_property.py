"""A hypothesis state machine over the pure life cycle: random requests and steps, taken by
random sides with or without a comment, for one app and one adopting region.

Whatever the sequence: every adoption is in a known status, at most one is open, every refused
step leaves it where it was and is refused for the right reason (409 no such step, 403 another
side's step, 422 a missing comment), and each adoption's history replays to its status.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from store.adoptions import lifecycle
from store.adoptions.lifecycle import Side
from store.db.models._adoption import AdoptionStatus as S
from store.lib.errors import Conflict, Forbidden, ValidationFailed


@dataclass
class Tracked:
    status: str = lifecycle.INITIAL
    history: list[tuple[str | None, str | None]] = field(default_factory=list)


class AdoptionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.adoptions: list[Tracked] = []

    @rule()
    def request(self) -> None:
        if lifecycle.may_request(a.status for a in self.adoptions):
            self.adoptions.append(Tracked())
        else:
            assert any(a.status in lifecycle.OPEN for a in self.adoptions)

    @precondition(lambda self: bool(self.adoptions))
    @rule(
        data=st.data(),
        to=st.sampled_from(list(S)),
        sides=st.frozensets(st.sampled_from(list(Side)), max_size=3),
        comment=st.sampled_from(["", "  ", "a reason"]),
    )
    def step(self, data: st.DataObject, to: str, sides: frozenset[Side], comment: str) -> None:
        adoption = data.draw(st.sampled_from(self.adoptions))
        before = adoption.status
        expected = lifecycle.TRANSITIONS.get((before, to))
        try:
            taken = lifecycle.check(before, to, sides, comment)
        except Conflict:
            assert expected is None
        except Forbidden:
            assert expected is not None and expected.side not in sides
        except ValidationFailed:
            assert expected is not None and expected.needs_comment and not comment.strip()
        else:
            assert expected is taken and taken.side in sides
            assert comment.strip() or not taken.needs_comment
            adoption.history.append((before, to))
            adoption.status = to
            return
        assert adoption.status == before

    @invariant()
    def statuses_are_known(self) -> None:
        assert all(a.status in set(S) for a in self.adoptions)

    @invariant()
    def at_most_one_open(self) -> None:
        assert sum(a.status in lifecycle.OPEN for a in self.adoptions) <= 1

    @invariant()
    def history_replays_to_the_status(self) -> None:
        for adoption in self.adoptions:
            assert lifecycle.replay(adoption.history) == adoption.status

    @invariant()
    def closed_adoptions_allow_nothing(self) -> None:
        for adoption in self.adoptions:
            if adoption.status in lifecycle.CLOSED:
                assert lifecycle.allowed_for(adoption.status, set(Side)) == []


# No example database: the run leaves no .hypothesis folder in the checkout.
AdoptionMachine.TestCase.settings = settings(
    max_examples=300, stateful_step_count=40, deadline=None, database=None
)
TestAdoptionLifecycle = AdoptionMachine.TestCase
