"""``tuitune demo``: the numpy sample project with a ready round, opened in the TUI.

Why it exists: a new user should step through a real tuning round two commands after
``git clone``. The demo copies ``tuitune/samples/mlp_numpy`` (a small numpy MLP that diverges at
high learning rates and overfits without weight decay) into a workspace, points its command at
this Python so the training script finds ``tuitune.report``, and creates the round the playbook
would start with: "does weight decay help?", weight decay scientific, the learning rate and the
optimizer's hyperparameters nuisance, epochs fixed. Running it again reopens the same workspace.

``--headless`` runs the whole round without the TUI (run, review, seed repeats, decision) and
prints the review: the end-to-end check of the product, used by its own test.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import time
from pathlib import Path

from tuitune import config
from tuitune.cli.studies import whole_number
from tuitune.domain import Project, Round, RoundKind, RoundStatus, Study, TuituneError, Verdict
from tuitune.domain.study import MAX_TRIALS

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "mlp_numpy"
"""The sample, shipped inside the package so that the demo runs from any install."""
GOAL = "does weight decay help?"
STUDY_FILE = Path("studies") / "weight_decay.toml"


def register(verbs: argparse._SubParsersAction) -> None:
    demo = verbs.add_parser("demo", help="a sample project with a ready round, opened in the TUI")
    demo.add_argument("folder", nargs="?", type=Path, default=Path("tuitune-demo"),
                      help="the workspace (default: ./tuitune-demo; reopened when it exists)")
    demo.add_argument("--headless", action="store_true",
                      help="run the whole round (trials, review, seed repeats, decision) and print the review")
    demo.add_argument("--repeats", type=whole_number("--repeats", 2, MAX_TRIALS, example=3), default=3,
                      help="seed repeats of each side in --headless, 2 or more (default 3)")
    demo.set_defaults(func=run_demo)


def prepare(folder: Path) -> Path:
    """The demo project in ``folder``, created on first use; returns its ``tuitune.toml``."""
    project_file = folder / config.PROJECT_FILE
    if folder.exists() and not folder.is_dir():
        raise TuituneError(f"{folder} is a file, not a folder (fix: pick another name, e.g. `tuitune demo ./my-demo`)")
    if project_file.exists():
        print(f"reopening the demo in {folder}")
        _create_round(project_file)  # only when a first run stopped before making it
        return project_file
    if not SAMPLE.is_dir():
        raise TuituneError(f"this installation of tuitune lacks its sample project {SAMPLE} "
                           "(fix: reinstall it, `pip install --force-reinstall tuitune`)")
    if folder.exists() and any(folder.iterdir()):
        raise TuituneError(f"{folder} exists and is not a tuitune demo (fix: pick another folder, "
                           "e.g. `tuitune demo ./my-demo`)")
    shutil.copytree(SAMPLE, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".tuitune", "__pycache__", "*.pyc"))
    text = project_file.read_text()
    project_file.write_text(text.replace('command = "python ', f'command = "{shlex.quote(sys.executable)} ', 1))
    _create_round(project_file)
    print(f"created the demo in {folder}: round 1, {GOAL!r}, its study ready to queue")
    return project_file


def _create_round(project_file: Path) -> None:
    """The demo's round with its study, unless the store has a round already."""
    from tuitune import search
    from tuitune.store import Store

    project = config.load_project(project_file)
    study = config.load_study(project_file.parent / STUDY_FILE, project)
    with Store.open(config.project_store_path(project)) as store:
        if store.rounds():
            return
        current = store.add_round(Round(GOAL, RoundKind.TRY_CHANGE))
        for part in search.expand(study):
            store.add_study(part, current.id)


def run_demo(args: argparse.Namespace) -> int:
    project_file = prepare(args.folder)
    if not args.headless:
        from tuitune import tui

        return tui.run(project_file, low_bandwidth=args.low_bandwidth, marker=args.marker)
    return headless(project_file, args.repeats)


def headless(project_file: Path, repeats: int) -> int:
    """The whole round on the real runner; prints the review and the decision."""
    from tuitune.runner import intents
    from tuitune.runner.control import ensure_runner, stop_runner
    from tuitune.runner.lock import RunnerPaths
    from tuitune.store import Store

    project = config.load_project(project_file)
    store_path = config.project_store_path(project)
    paths = RunnerPaths.for_store(store_path)
    with Store.open(store_path) as store:
        current = store.current_round()
        if current is None or current.status is not RoundStatus.OPEN:
            raise TuituneError("the demo's round is closed already (fix: `tuitune demo` into a new folder)")
        studies = store.studies(current.id)
        for study in studies:
            intents.queue_study(store, study)
        _, started = ensure_runner(project_file.parent, paths)
        print(f"round {current.id}: {current.goal}")
    try:
        verdict, rationale = _decide_round(project, store_path, current, studies, repeats)
    finally:
        if started:  # the daemon this run started goes with it, even when the round failed
            stop_runner(paths)
    print(f"decision: {verdict.value} — {rationale}")
    return 0


def _decide_round(project: Project, store_path: Path, current: Round, studies: list[Study],
                  repeats: int) -> tuple[Verdict, str]:
    """Run the queued round to the end, review it, seed-repeat the best trial, record the verdict."""
    from tuitune import analysis
    from tuitune.baselines import effective_baseline
    from tuitune.cli import runs
    from tuitune.cli.review import print_review
    from tuitune.rounds import group_studies, load_study_data
    from tuitune.store import Store
    from tuitune.tui.decide_data import load_decide, queue_seed_repeats, record_decision

    runs.follow(project, str(store_path), [s.id for s in studies], wait=True)
    with Store.open(store_path) as store:
        for group in group_studies(studies):
            members = [s for s in studies if s.id in group.study_ids]
            data = load_study_data(store, project, members)
            print_review(group.name, data, analysis.review(data))
        data = load_decide(store, project)
        if data.candidate is None:
            raise TuituneError("no trial completed, so there is no candidate to decide on (fix: see "
                               "`tuitune status` and the trials' stderr)")
        baseline = effective_baseline(store, project)
        if baseline is None:
            raise TuituneError("the project has no baseline to compare with (fix: add a [baseline] table)")
        cand, base, _ = queue_seed_repeats(store, current.id, data.candidate.trial.id, baseline, repeats)
        print(f"seed repeats: candidate trial {data.candidate.trial.id} and the baseline, {repeats} seeds each")
    runs.follow(project, str(store_path), [cand.id, base.id], wait=True)
    with Store.open(store_path) as store:
        data = load_decide(store, project)
        comparison = data.comparison
        adopt = comparison is not None and comparison.outcome == "better"
        verdict = Verdict.ADOPT if adopt else Verdict.REJECT
        rationale = f"demo: {comparison.summary if comparison else 'no comparison'}"
        record_decision(store, current.id, verdict, rationale, data.candidate, baseline, comparison, time.time())
    return verdict, rationale
