"""The trial lifecycle: the table of allowed transitions is the contract, checked cell by cell."""

from __future__ import annotations

import pytest

from tuitune.domain import TERMINAL, TRANSITIONS, IllegalTransition, TrialState, check_transition

S = TrialState
ALLOWED = {
    (S.QUEUED, S.STARTING), (S.QUEUED, S.KILLED),
    (S.STARTING, S.RUNNING), (S.STARTING, S.STOPPING), (S.STARTING, S.FAILED), (S.STARTING, S.LOST),
    (S.STARTING, S.KILLED),
    (S.RUNNING, S.STOPPING), (S.RUNNING, S.COMPLETED), (S.RUNNING, S.FAILED), (S.RUNNING, S.INFEASIBLE),
    (S.RUNNING, S.LOST), (S.RUNNING, S.KILLED),
    (S.STOPPING, S.KILLED), (S.STOPPING, S.COMPLETED), (S.STOPPING, S.FAILED), (S.STOPPING, S.INFEASIBLE),
    (S.STOPPING, S.LOST),
}


@pytest.mark.parametrize("old", list(S))
@pytest.mark.parametrize("new", list(S))
def test_transition_table(old: TrialState, new: TrialState) -> None:
    if (old, new) in ALLOWED:
        check_transition(old, new)
        assert new in TRANSITIONS[old]
    else:
        with pytest.raises(IllegalTransition) as raised:
            check_transition(old, new)
        assert old.name in str(raised.value) and new.name in str(raised.value)


def test_terminal_states_go_nowhere_and_say_so() -> None:
    assert TERMINAL == {S.COMPLETED, S.FAILED, S.KILLED, S.INFEASIBLE, S.LOST}
    for state in S:
        assert state.terminal is (state in TERMINAL)
        assert state.terminal is (not TRANSITIONS[state])
    with pytest.raises(IllegalTransition, match="nothing"):
        check_transition(S.COMPLETED, S.RUNNING)


def test_active_states_hold_a_slot() -> None:
    assert {s for s in S if s.active} == {S.STARTING, S.RUNNING, S.STOPPING}


def test_every_state_is_reachable_from_queued() -> None:
    seen, todo = {S.QUEUED}, [S.QUEUED]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(S)


def test_the_docstring_draws_every_state() -> None:
    for state in S:
        assert state.name in (S.__doc__ or "")
