"""Intents for the runner: what the TUI and the CLI ask for, never do themselves.

The runner is the only process that starts or stops trials. Everyone else writes a
:class:`Command` row into the store; the runner reads the pending ones, acts, and marks each
done with a one-line result. Because intents are rows rather than signals or sockets, they
survive a runner that is down or restarting, and the journal shows who asked for what.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class CommandKind(StrEnum):
    """What a command asks the runner to do."""

    QUEUE = "queue"
    """Queued trials are waiting: look at the queue now (payload: ``trial_ids`` or a ``study_id``)."""
    STOP = "stop"
    """Stop trials (payload: ``trial_ids``; optional ``reason``)."""
    REQUEUE = "requeue"
    """Run trials again as new trials whose ``retry_of`` points at the old ones (payload: ``trial_ids``)."""


@dataclass(frozen=True)
class Command:
    """One intent. ``id`` and ``created_at`` are ``None`` until stored; ``done_at`` is ``None``
    while the runner has not handled it."""

    kind: CommandKind
    payload: Mapping[str, object] = field(default_factory=dict)
    """JSON-serialisable arguments of the command."""
    id: int | None = None
    created_at: float | None = None
    done_at: float | None = None
    result: str = ""
    """What the runner did, in one line (e.g. ``stopped 3 trials``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CommandKind(self.kind))

    @property
    def done(self) -> bool:
        return self.done_at is not None
