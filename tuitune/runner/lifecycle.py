"""The lifecycle of trials as the runner drives it: launch, watch, stop, finish, retry.

Why it is shaped like this: every state change of a trial is written here and nowhere else
(through :meth:`Store.transition`, which writes the event in the same transaction), in an
order that a kill -9 between any two steps can recover from:

* **launch**: slot and GPUs claimed → ``params.json`` and ``command.json`` written → STARTING
  (GPUs, argv, env recorded) → shim launched and watched → RUNNING (pid and start time
  recorded; retried at each step while the store refuses it). A runner killed after the launch
  but before RUNNING finds the shim again by its command line.
* **ending on purpose** (stop request, timeout, divergence): the verdict goes to
  ``ending.json`` first, then STOPPING, then the process tree is stopped. The verdict decides the
  final state (KILLED, or INFEASIBLE for a diverged trial), whatever the exit code — a trainer
  that exits 0 on SIGTERM was still stopped — and survives a runner restart mid-stop.
* **finishing**: the last lines are ingested *before* the terminal state is written, so a
  finished trial never loses its final measurements; then the slot and GPUs are released.
* **retries** are new trial rows whose ``retry_of`` points at the old one: LOST trials up to
  ``project.max_retries`` attempts, and a trial the runner lost while starting it (nothing ran)
  always.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuitune import config
from tuitune.domain import TRANSITIONS, InvalidConfig, Project, Study, Trial, TrialState
from tuitune.runner.channels import channels_for
from tuitune.runner.executor import Ended, Handle, LocalExecutor
from tuitune.runner.feed import TrialFeed
from tuitune.runner.lock import RunnerPaths
from tuitune.runner.output import tail_lines
from tuitune.runner.render import render
from tuitune.runner.trialdir import STDERR, SHIM_LOG, read_ending, read_exit, write_command, write_ending, write_params
from tuitune.store import Store

log = logging.getLogger("tuitune.runner")

LATE = "; written late, the store was busy"
"""How the reason of a RUNNING write retried after the store refused it ends."""


@dataclass
class Active:
    """A trial holding a slot: its last stored snapshot, its processes and its feed."""

    trial: Trial
    handle: Handle
    feed: TrialFeed
    verdict: dict[str, Any] | None = None
    """``ending.json``: how the runner means it to end, once decided."""
    never_started: bool = False
    """Adopted in STARTING with no shim to be found: the runner died before launching it."""
    broken: str | None = None
    """Why its metrics cannot be ingested (see :meth:`Lifecycle.fail_ingest`): no more reads."""
    launched_at: float | None = None
    """When this runner launched its shim (``None`` for a trial adopted from another runner)."""


def passed_params(study: Study, trial: Trial) -> tuple[dict[str, Any], set[str]]:
    """The trial's values by the name passed to the command (declaration order), with a repeat's
    training seed under ``study.seed_param``; and the passed names of its inactive hyperparameters."""
    named = {p.name: trial.params[p.id] for p in study.space if p.id in trial.params}
    if trial.seed is not None:
        named[study.seed_param] = trial.seed
    inactive = {p.name for p in study.space if p.id not in trial.params} - named.keys()
    return named, inactive


class Lifecycle:
    """Drives the trials of one store through their states.

    Contract: owned by the daemon's main thread, with the :class:`Store` it writes through; the
    only writer of trial state and measurements. ``active`` maps trial id to every trial that
    holds a slot.
    """

    def __init__(self, store: Store, project: Project, paths: RunnerPaths, executor: LocalExecutor):
        self.store = store
        self.project = project
        self.paths = paths
        self.executor = executor
        self.active: dict[int, Active] = {}
        self._studies: dict[int, Study] = {}

    def study(self, study_id: int) -> Study:
        if study_id not in self._studies:
            self._studies[study_id] = self.store.get_study(study_id)
        return self._studies[study_id]

    # --- starting -------------------------------------------------------------------------

    def launch(self, trial: Trial, gpus: tuple[str, ...]) -> None:
        """Start a QUEUED trial in a claimed slot; a trial that cannot start ends FAILED."""
        study = self.study(trial.study_id)
        trial_dir = self.paths.trial_dir(study.id, trial.id)
        named, inactive = passed_params(study, trial)
        try:
            rendered = render(self.project.command, named, trial_id=trial.id, trial_dir=trial_dir,
                              gpus=gpus, inactive=inactive)
            write_params(trial_dir, named)
            write_command(trial_dir, rendered.argv, rendered.env, cwd=config.project_workdir(self.project))
        except (InvalidConfig, OSError) as exc:
            self.fail_to_start(trial, f"cannot prepare the command: {exc}", gpus)
            return
        on = f"on GPU {', '.join(gpus)}" if gpus else "without GPU"
        try:
            trial = self.store.transition(trial.id, TrialState.STARTING, reason=f"starting {on}", gpus=gpus,
                                          argv=rendered.argv, env=rendered.env)
        except BaseException:  # still QUEUED: free the slot, the next fill tries it again
            self.executor.release(gpus)
            raise
        launched_at = time.time()
        try:
            handle = self.executor.start(trial.id, trial_dir, gpus)
        except (OSError, RuntimeError) as exc:
            try:
                self.store.transition(trial.id, TrialState.FAILED, reason=f"cannot start the trial's shim: {exc}")
            finally:  # a refused write leaves it STARTING with nothing running: a restart retries it
                self.executor.release(gpus)
            return
        active = self.active[trial.id] = Active(trial, handle, self._feed(trial, study, trial_dir),
                                                launched_at=launched_at)
        log.info("trial %s started %s: %s", trial.id, on, " ".join(rendered.argv))
        self._mark_running(active)

    def _mark_running(self, active: Active, how: str = "", record: dict[str, Any] | None = None) -> None:
        """Record a trial's state RUNNING, with its shim's pid when known, and when it started:
        when this runner launched it, else as its ``exit.json`` (``record``) says, else now.

        The trial is watched (in :attr:`active`) before this write, so a store that refuses it
        (locked too long) leaves a trial that is still ingested, stopped and finished: the write
        is tried again at its next :meth:`step`, and :meth:`finish` passes through RUNNING anyway.
        """
        handle = active.handle
        fields: dict[str, Any] = {}
        started = active.launched_at or (record or {}).get("started_at")
        if started is not None:
            fields["started_at"] = started
        if handle.pid is not None:
            fields.update(pid=handle.pid, pid_started=handle.started)
            reason = f"running (shim pid {handle.pid}{how})"
        else:
            reason = "started (seen after a runner restart)"
        active.trial = self.store.transition(active.trial.id, TrialState.RUNNING, reason=reason, **fields)

    def fail_to_start(self, trial: Trial, reason: str, gpus: tuple[str, ...] | None = None) -> None:
        """End a QUEUED trial that cannot start (a command that does not render, more GPUs than
        the pool has) as FAILED with ``reason``, releasing the slot of ``gpus`` when it held one."""
        try:
            self.store.transition(trial.id, TrialState.STARTING, reason="starting", gpus=gpus or ())
            self.store.transition(trial.id, TrialState.FAILED, reason=reason)
        finally:  # a refused write must not keep the slot: the trial is tried again or re-adopted
            if gpus is not None:
                self.executor.release(gpus)
        log.warning("trial %s failed to start: %s", trial.id, reason)

    def _feed(self, trial: Trial, study: Study, trial_dir: Path) -> TrialFeed:
        m = self.project.metrics
        channels = channels_for(m.stdout_protocol, m.regex, m.csv, trial_dir, config.project_workdir(self.project))
        return TrialFeed(self.store, trial.id, channels, study.objective or self.project.objective,
                         self.project.divergence)

    # --- re-adoption after a restart --------------------------------------------------------

    def adopt(self, trial: Trial) -> Active:
        """Hold the slot and GPUs of a STARTING, RUNNING or STOPPING trial left by another runner.

        Whether it still runs, has ended (``exit.json``) or was lost is learned by the next
        :meth:`step`, like for any trial.
        """
        study = self.study(trial.study_id)
        trial_dir = self.paths.trial_dir(study.id, trial.id)
        handle = self.executor.adopt(trial.id, trial_dir, trial.gpus, trial.pid, trial.pid_started)
        active = Active(trial, handle, self._feed(trial, study, trial_dir),
                        verdict=read_ending(trial_dir), never_started=handle.pid is None and trial.pid is None)
        self.active[trial.id] = active
        if trial.state is TrialState.STARTING and trial.pid is None and handle.pid is not None:
            self._mark_running(active, ", found after a runner restart")
        if active.verdict is not None and active.verdict.get("stop"):
            self._stop(active, active.verdict["reason"])
        log.info("trial %s re-adopted (%s, shim pid %s)", trial.id, trial.state, handle.pid)
        return active

    # --- watching ---------------------------------------------------------------------------

    def step(self, active: Active, now: float) -> tuple[int, bool]:
        """Ingest a batch of one trial and act on what it shows; ``(rows, more to do at once)``.

        Ends the trial when its shim has ended; stops it on divergence (when the rule says so)
        and on timeout.
        """
        ended = self.executor.poll(active.handle)
        if ended is not None:
            self.finish(active, ended)
            return 0, True
        if active.trial.state is TrialState.STARTING and active.handle.pid is not None:
            self._mark_running(active, LATE)  # the write at launch was refused
        if active.verdict is not None and active.verdict.get("stop") and active.trial.state is not TrialState.STOPPING:
            self._stop(active, active.verdict["reason"])  # the STOPPING write before the stop failed
        rows, full = active.feed.pump() if active.broken is None else (0, False)
        if active.feed.diverged and active.verdict is None:
            self.end_with(active, TrialState.INFEASIBLE, active.feed.diverged, stop=self.project.divergence.stop)
        timeout = self.project.timeout
        started = active.trial.started_at
        if (timeout is not None and started is not None and now - started > timeout
                and (active.verdict is None or not active.verdict.get("stop"))):
            self.end_with(active, TrialState.KILLED, f"timeout after {timeout:g}s", stop=True)
        return rows, full

    def end_with(self, active: Active, state: TrialState, reason: str, *, stop: bool) -> bool:
        """Decide how the trial ends (the first decision stands, though one that let the trial run
        on may become a stopping one) and stop it if ``stop``.

        A stop or timeout (``KILLED``) of a trial whose ``exit.json`` is already there does nothing
        and returns False: it ended by itself, and :meth:`step` finishes it by its exit code.
        """
        if state is TrialState.KILLED and read_exit(active.handle.trial_dir) is not None:
            return False
        active.verdict = write_ending(active.handle.trial_dir, state.value, reason, stop=stop)
        log.info("trial %s will end %s: %s", active.trial.id, active.verdict["state"], active.verdict["reason"])
        if active.verdict["stop"]:
            self._stop(active, active.verdict["reason"])
        return True

    def fail_ingest(self, active: Active, reason: str) -> None:
        """Give up on a trial whose metrics keep failing to ingest: read no more of them, stop it,
        and end it FAILED with ``reason`` (unless another verdict came first)."""
        active.broken = reason
        self.end_with(active, TrialState.FAILED, reason, stop=True)

    def _stop(self, active: Active, reason: str) -> None:
        if active.trial.state is not TrialState.STOPPING:
            active.trial = self.store.transition(active.trial.id, TrialState.STOPPING, reason=reason)
        self.executor.stop(active.handle)

    # --- finishing --------------------------------------------------------------------------

    def finish(self, active: Active, ended: Ended) -> Trial:
        """Ingest the trial's last lines, write its terminal state, free its slot, retry if lost."""
        if active.broken is None:
            active.feed.drain()
        if active.feed.diverged and active.verdict is None:
            active.verdict = write_ending(active.handle.trial_dir, TrialState.INFEASIBLE.value,
                                          active.feed.diverged, stop=False)
        state, reason = self._ending(active, ended.record)
        fields: dict[str, Any] = {"objective": active.feed.objective.value}
        if ended.record is not None:
            fields.update(exit_code=ended.record.get("exit_code"), ended_at=ended.record.get("ended_at"))
        trial = active.trial
        if state not in TRANSITIONS[trial.state] and TrialState.RUNNING in TRANSITIONS[trial.state]:
            self._mark_running(active, LATE if active.launched_at else ", found after a runner restart", ended.record)
            trial = active.trial
        retry = self.retry_for(trial, always=active.never_started) if state is TrialState.LOST else None
        trial = self.store.transition(trial.id, state, reason=reason, retry=retry, **fields)
        self.executor.release(active.handle)
        del self.active[trial.id]
        log.info("trial %s %s: %s", trial.id, state, reason)
        if retry is not None:
            log.info("trial %s queued again: %s", trial.id, retry.reason)
        return trial

    def _ending(self, active: Active, record: dict[str, Any] | None) -> tuple[TrialState, str]:
        if active.verdict is not None:
            return TrialState(active.verdict["state"]), active.verdict["reason"]
        if active.trial.state is TrialState.STOPPING:
            return TrialState.KILLED, active.trial.reason or "stopped"
        if record is None:
            if active.never_started:
                return TrialState.LOST, "the runner stopped while starting it; nothing ran"
            return TrialState.LOST, "its processes vanished without writing exit.json (killed from outside?)"
        if record.get("error"):
            return TrialState.FAILED, record["error"]
        code, sig = record.get("exit_code"), record.get("signal")
        if code == 0 and active.feed.objective.value is None:  # nothing to compare: not a success
            metric = active.feed.objective.objective.metric
            return TrialState.FAILED, (f"exit 0, but it never reported {metric}, the objective (check the metric's "
                                       "name in [objective] and how the script reports it)")
        if code == 0:
            return TrialState.COMPLETED, "exit 0"
        what = f"killed by {_signal_name(sig)}" if sig else f"exit code {code}"
        last = tail_lines(active.handle.trial_dir / STDERR, 1) or tail_lines(active.handle.trial_dir / SHIM_LOG, 1)
        return TrialState.FAILED, f"{what}: {last[0].strip()}" if last and last[0].strip() else what

    # --- intents ----------------------------------------------------------------------------

    def stop(self, trial_id: int, reason: str) -> str:
        """Stop a trial on request (KILLED); a queued one is cancelled. Returns what was done."""
        trial = self.store.get_trial(trial_id)
        if trial.state is TrialState.QUEUED:
            self.store.transition(trial_id, TrialState.KILLED, reason=f"cancelled before it started ({reason})")
            return "cancelled"
        active = self.active.get(trial_id)
        if active is None:
            return f"already {trial.state}"
        if not self.end_with(active, TrialState.KILLED, reason, stop=True):
            return "already ended"
        return "stopping"

    def requeue(self, trial_id: int, reason: str, request: int | None = None) -> str:
        """Queue a finished trial again as a new trial whose ``retry_of`` is the old one.

        ``request`` is the id of the command that asks for it, written into the retry's reason: a
        retry with that reason already answers it (a runner killed between queueing and marking
        the command done must not queue twice), while another request queues anew.
        """
        trial = self.store.get_trial(trial_id)
        if not trial.state.terminal:
            return f"still {trial.state}"
        if request is not None:
            reason = f"{reason} (request {request})"
            done = [t for t in self.store.trials(study_id=trial.study_id)
                    if t.retry_of == trial_id and t.reason == reason]
            if done:
                return f"queued as trial {done[0].id}"
        [new] = self.store.add_trials([_again(trial, reason)])
        return f"queued as trial {new.id}"

    def retry_for(self, trial: Trial, *, always: bool = False) -> Trial | None:
        """The retry to queue with a trial ending LOST (the store writes both in one
        transaction), while its attempts stay within ``project.max_retries`` (``always``: it
        never ran, so it costs no attempt); ``None`` once they are spent."""
        attempts, old = 0, trial
        while old.retry_of is not None:
            attempts += 1
            old = self.store.get_trial(old.retry_of)
        if not always and attempts >= self.project.max_retries:
            return None
        why = "it never started" if always else f"lost, attempt {attempts + 2} of {self.project.max_retries + 1}"
        return _again(trial, f"retry of trial {trial.id} ({why})")


def _again(trial: Trial, reason: str) -> Trial:
    return Trial(trial.study_id, trial.index, trial.params, repeat=trial.repeat, seed=trial.seed,
                 retry_of=trial.id, reason=reason, created_at=time.time())


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
