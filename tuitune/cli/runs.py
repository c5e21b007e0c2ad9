"""``tuitune run``, ``status``, ``stop``, ``requeue`` and ``runner start|stop|status``.

Why they only write intents: the runner daemon is the one process that starts and stops
trials, so that closing a terminal or losing SSH never touches them. These verbs queue trials
and write ``stop``/``requeue`` commands into the store, start the runner when none is up, and
read the store (read-only) to show where things stand. ``run`` follows its studies until they
end; Ctrl-C only detaches the display.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tuitune import config
from tuitune.cli.context import Context, load_project_leniently, open_context
from tuitune.domain import CommandKind, Project
from tuitune.domain.errors import InvalidConfig, Problem
from tuitune.domain.space import command_text
from tuitune.runner.control import ensure_runner, stop_runner
from tuitune.runner.lock import RunnerPaths, running
from tuitune.runner.overview import Overview, StudyLine, duration, overview
from tuitune.store import Store

REFRESH = 0.5
"""Seconds between redraws of ``tuitune run``'s progress."""


def register(verbs: argparse._SubParsersAction) -> None:
    run = verbs.add_parser("run", help="queue a study's trials, start the runner, follow the progress")
    run.add_argument("study", nargs="?", help="the study's id or name (default: every study of the open "
                                              "round that has no trials yet)")
    run.add_argument("--wait", action="store_true",
                     help="block until the studies end (also without a terminal); exit 1 if a trial failed")
    run.set_defaults(func=run_run)

    status = verbs.add_parser("status", help="every study of the current round and its trials, once")
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.set_defaults(func=run_status)

    for name, kind, text in (("stop", CommandKind.STOP, "stop trials (queued ones are cancelled)"),
                             ("requeue", CommandKind.REQUEUE, "run finished trials again, as new trials")):
        verb = verbs.add_parser(name, help=text)
        verb.add_argument("trials", nargs="+", type=int, metavar="TRIAL", help="trial ids")
        verb.set_defaults(func=run_intent, kind=kind)

    runner = verbs.add_parser("runner", help="start, stop or check the runner daemon of the store")
    sub = runner.add_subparsers(dest="runner_verb", metavar="ACTION", required=True)
    start = sub.add_parser("start", help="start the runner detached (nothing happens if one runs)")
    start.add_argument("--grace", type=float, default=None,
                       help="seconds between SIGTERM and SIGKILL when stopping a trial "
                            "(default: stop_grace in tuitune.toml, 30)")
    start.add_argument("--poll", type=float, default=None, help="seconds between ingest passes (default 0.1)")
    start.set_defaults(func=run_runner_start)
    sub.add_parser("stop", help="stop the runner; its trials keep running").set_defaults(func=run_runner_stop)
    sub.add_parser("status", help="is the runner up? (exit status 3 when not)").set_defaults(func=run_runner_status)


def _paths(ctx: Context) -> RunnerPaths:
    return RunnerPaths.for_store(ctx.store.path)


def _runner_paths(args: argparse.Namespace) -> RunnerPaths:
    """The runner's files, without opening (or creating) the store; a tuitune.toml with problems
    still names them (a broken edit must not keep the user from stopping the runner)."""
    project, _, _ = load_project_leniently(args)
    return RunnerPaths.for_store(config.project_store_path(project))


# --- run -------------------------------------------------------------------------------------

def run_run(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.store:
        current = ctx.open_round()
        if args.study is not None:
            studies = [ctx.find_study(args.study)]
        else:
            every = ctx.store.studies(current.id)
            if not every:
                raise InvalidConfig([Problem("study", f"round {current.id} has no study yet",
                                             "add one with `tuitune study add FILE`")])
            studies = [s for s in every if not ctx.store.trials(s.id)]
            if not studies:
                raise InvalidConfig([Problem("study", f"every study of round {current.id} has trials already",
                                             "name one to follow it (`tuitune run NAME`), or add a study "
                                             "(`tuitune study add FILE`)")])
        from tuitune.runner import intents  # numpy and scipy (search): only for the verb that needs them

        queued = sum(len(intents.queue_study(ctx.store, study)) for study in studies)
        info, started = ensure_runner(ctx.project.root, _paths(ctx))
    names = ", ".join(s.name for s in studies)
    print(f"queued {queued} trial(s) of {names}; runner pid {info.pid} ({'started' if started else 'running'})")
    if not args.wait and not sys.stdout.isatty():
        print("the runner runs them in the background; `tuitune status` shows where they are")
        return 0
    return follow(ctx.project, ctx.store.path, [s.id for s in studies], wait=args.wait)


def follow(project: Project, store_path: str, study_ids: list[int], *, wait: bool) -> int:
    tty = sys.stdout.isatty()
    shown = ""
    try:
        with Store.open(store_path, readonly=True) as store:
            paths = RunnerPaths.for_store(store.path)
            while True:
                view = overview(store, project, running(paths), study_ids=study_ids, with_trials=False)
                line = progress_line(view)
                if line != shown:
                    print(f"\r\x1b[K{line}" if tty else line, end="" if tty else "\n", flush=True)
                    shown = line
                if all(s.finished for s in view.studies):
                    break
                time.sleep(REFRESH)
    except KeyboardInterrupt:
        print("\ndetached: the trials keep running; `tuitune status` shows them, `tuitune stop TRIAL` stops one")
        return 0
    if tty:
        print()
    failed = sum(s.failed for s in view.studies)
    if failed:
        print(f"{failed} trial(s) failed; `tuitune status` shows why")
    return 1 if wait and failed else 0


def progress_line(view: Overview) -> str:
    """``name: ended/total ended, N running, N failed, best METRIC V (trial N)`` per study."""
    parts = []
    for s in view.studies:
        text = f"{s.name}: {s.done}/{s.total} ended, {s.running} running, {s.failed} failed"
        if s.stopped:
            text += f", {s.stopped} stopped"
        if s.best is not None:
            text += f", best {s.metric} {_num(s.best)} (trial {s.best_trial})"
        parts.append(text)
    runner = "" if view.runner_pid is not None or all(s.finished for s in view.studies) else \
        "  [runner not running: `tuitune runner start`]"
    return " | ".join(parts) + runner


# --- status ----------------------------------------------------------------------------------

def run_status(args: argparse.Namespace) -> int:
    ctx = open_context(args, readonly=True, lenient=True)
    with ctx.store:
        view = overview(ctx.store, ctx.project, running(_paths(ctx)))
    if args.json:
        print(json.dumps(view.to_json()))
        return 0
    runner = f"runner pid {view.runner_pid}" if view.runner_pid else "runner not running (`tuitune runner start`)"
    if view.round_id is None:
        print(f'no rounds yet: start one with `tuitune round new "GOAL"`; {runner}')
        return 0
    closed = "" if view.round_status == "open" else f" ({view.round_status}; `tuitune round new` opens the next)"
    print(f"round {view.round_id}: {view.goal}{closed}   [{runner}]")
    if not view.studies:
        print("no studies yet: `tuitune study add FILE`")
    for study in view.studies:
        print()
        _print_study(study, ctx.project.train_metric)
    return 0


def _print_study(s: StudyLine, train_metric: str) -> None:
    best = f", best {s.metric} {_num(s.best)} (trial {s.best_trial})" if s.best is not None else ""
    stopped = f", {s.stopped} stopped" if s.stopped else ""
    print(f"study {s.id} {s.name}: {s.done}/{s.total} ended, {s.running} running, {s.queued} queued, "
          f"{s.failed} failed{stopped}{best}")
    if not s.trials:
        print("  no trials yet: `tuitune run`")
        return
    names = list(dict.fromkeys(k for t in s.trials for k in t.params))
    metrics = [m for m in dict.fromkeys((s.metric, train_metric)) if any(m in t.metrics for t in s.trials)]
    header = ["id", "state", *names, "step", *metrics, "objective", "runtime", "gpus", "reason"]
    rows = [[str(t.id), t.state, *(_num(t.params.get(n)) for n in names),
             "" if t.step is None else str(t.step), *(_num(t.metrics.get(m)) for m in metrics),
             _num(t.objective), "" if t.runtime is None else duration(t.runtime), ",".join(t.gpus), _reason(t)]
            for t in s.trials]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for r in [header, *rows]:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])


def _reason(t) -> str:
    if t.state in ("completed", "running", "queued", "starting"):
        return ""
    return t.reason if len(t.reason) <= 60 else t.reason[:59] + "…"


def _num(v: object) -> str:
    """A parameter or metric in the status table: 4 significant digits, else as the command gets it."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return command_text(v)  # true/false, as the training script receives a bool


# --- intents ---------------------------------------------------------------------------------

def run_intent(args: argparse.Namespace) -> int:
    ctx = open_context(args, lenient=True)
    with ctx.store:
        for trial_id in args.trials:
            ctx.store.get_trial(trial_id)  # NotFound names a wrong id before anything is asked
        from tuitune.runner import intents

        if args.kind is CommandKind.STOP:
            command = intents.request_stop(ctx.store, args.trials, "stop requested")
        else:
            command = intents.request_requeue(ctx.store, args.trials)
        if ctx.problems is not None and running(_paths(ctx)) is None:
            print(f"asked for {args.kind} {args.trials}, but no runner is running to do it and none can start "
                  "until tuitune.toml is fixed; the next runner does it", file=sys.stderr)
            return 1
        ensure_runner(ctx.project.root, _paths(ctx))
        deadline = time.monotonic() + 5.0
        while not (done := ctx.store.get_command(command.id)).done and time.monotonic() < deadline:
            time.sleep(0.05)
    print(f"runner: {done.result}" if done.done else f"asked the runner ({args.kind} {args.trials}); "
          "it has not answered yet, `tuitune status` shows when it has")
    return 0


# --- runner ----------------------------------------------------------------------------------

def run_runner_start(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.store:
        paths = _paths(ctx)
        info, started = ensure_runner(ctx.project.root, paths, grace=args.grace, poll=args.poll)
    print(f"runner started (pid {info.pid}); log: {paths.log}" if started else f"already running (pid {info.pid})")
    return 0


def run_runner_stop(args: argparse.Namespace) -> int:
    stopped = stop_runner(_runner_paths(args))
    print("no runner was running" if stopped is None else
          f"runner stopped (pid {stopped.pid}); its trials keep running and the next runner re-adopts them")
    return 0


def run_runner_status(args: argparse.Namespace) -> int:
    paths = _runner_paths(args)
    info = running(paths)
    if info is None:
        print(f"runner not running (`tuitune runner start`); log: {paths.log}")
        return 3
    up = duration(time.time() - info.started)
    print(f"runner running (pid {info.pid}, up {up}) for {info.store}; log: {paths.log}")
    return 0
