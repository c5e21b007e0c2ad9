"""``tuitune study``: preview a design's points, store a study, reseed one.

``add`` stores the study only: its points are addressed by index from the seed, so nothing
else needs saving, and ``tuitune run`` turns them into queued trials.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from tuitune import config
from tuitune.baselines import with_current_baseline
from tuitune.cli.context import open_context
from tuitune.domain import Study, TrialState
from tuitune.domain.errors import InvalidConfig, Problem
from tuitune.domain.space import INT64_MAX
from tuitune.runner.overview import duration
from tuitune.store import Store


def register(verbs: argparse._SubParsersAction) -> None:
    study = verbs.add_parser("study", help="preview, add or reseed a study")
    sub = study.add_subparsers(dest="study_verb", metavar="ACTION", required=True)

    preview = sub.add_parser("preview", help="print a study file's first points without running anything")
    preview.add_argument("file", type=Path)
    preview.add_argument("--n", type=int, default=None, help="how many points (default: the study's trials)")
    preview.add_argument("--json", action="store_true", help="a JSON list of {index, params, scientific}")
    preview.set_defaults(func=run_preview)

    add = sub.add_parser("add", help="store a study file's design in the open round")
    add.add_argument("file", type=Path)
    add.set_defaults(func=run_add)

    reseed = sub.add_parser("reseed", help="a sibling study with the same design and a new sequence seed")
    reseed.add_argument("study", help="the study's id or name (in the open round)")
    reseed.add_argument("--seed", type=whole_number("--seed", 0, INT64_MAX, example=7), default=None,
                        help="the new sequence seed (default: derived)")
    reseed.set_defaults(func=run_reseed)


def whole_number(flag: str, low: int, high: int, *, example: int):
    """An argparse type for a whole number from ``low`` to ``high``.

    Why: a value the study cannot take (a seed past 64 bits, which the store cannot keep) is
    refused while the arguments are parsed, in one line naming the fix, rather than after
    something has run or as an internal error at the write.
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"needs a whole number from {low} to {high}, found {text!r} "
                                             f"(fix: e.g. {flag} {example})")
        return value
    return parse


def _load(args: argparse.Namespace) -> Study:
    """The study file, its fixed values defaulting to the current baseline (as ``study add`` does).

    Outside any project the file is read on its own (fixed values then need ``value = ...``);
    a tuitune.toml with problems reports them, rather than being taken for a missing one.
    """
    try:
        folder = config.find_project(Path(args.project))
    except InvalidConfig:
        return config.load_study(args.file)
    project = config.load_project(folder)
    if Path(config.project_store_path(project)).is_file():
        with Store.open(config.project_store_path(project), readonly=True) as store:
            project = with_current_baseline(store, project)
    return config.load_study(args.file, project)


def _format_value(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def run_preview(args: argparse.Namespace) -> int:
    from tuitune import search
    study = _load(args)
    if args.n is not None and args.n < 0:
        raise InvalidConfig([Problem("--n", f"needs a count >= 0, found {args.n}", "pass --n 16")])
    parts = search.expand(study)
    points = []
    for part in parts:  # sized one by one: a per-value study has no size of its own
        count = search.size(part) if args.n is None else min(args.n, search.size(part))
        points += [(part, point) for point in search.points(part, 0, count)]
    if args.json:
        rows = []
        for part, p in points:
            row = {"index": p.index, "params": p.params, "scientific": p.scientific}
            if len(parts) > 1:
                row["study"] = part.name
            rows.append(row)
        print(json.dumps(rows))
        return 0
    for warning in search.warnings(study):
        print(f"warning: {warning}")
    for part, p in points:
        values = "  ".join(f"{k}={_format_value(v)}" for k, v in p.params.items())
        prefix = f"{part.name} " if len(parts) > 1 else ""
        print(f"{prefix}{p.index:>4}  {values}")
    return 0


def _print_stored(stored: list[Study], budget: float | None) -> None:
    from tuitune import search
    for s in stored:
        n = search.size(s)
        print(f"study {s.id}: {s.name} ({s.algorithm}, {n} points x {s.repeats} = {n * s.repeats} trials, seed {s.seed})")
    if budget is not None:
        print(f"estimated time: {duration(budget)} on the project's parallel slots (from finished trials)")
    print("next: `tuitune run` queues and runs them")


def _budget(ctx, studies: list[Study]) -> float | None:
    from tuitune import search
    durations = [t.duration for t in ctx.store.trials(states=[TrialState.COMPLETED]) if t.duration]
    return search.estimate_budget(sum(search.size(s) for s in studies), max(s.repeats for s in studies),
                                  durations, ctx.project.parallel)


def run_add(args: argparse.Namespace) -> int:
    from tuitune import search
    ctx = open_context(args)
    with ctx.store:
        study = config.load_study(args.file, ctx.project)
        current = ctx.open_round()
        for part in search.expand(study):
            if ctx.store.study_by_name(current.id, part.name) is not None:
                raise InvalidConfig([Problem(f"{args.file}: name", f"round {current.id} already has a study named {part.name!r}",
                                             "give the study file another name = ..., or `tuitune study reseed` the existing one")])
        for warning in search.warnings(study):
            print(f"warning: {warning}")
        stored = [ctx.store.add_study(part, current.id) for part in search.expand(study)]
        _print_stored(stored, _budget(ctx, stored))
    return 0


def run_reseed(args: argparse.Namespace) -> int:
    from tuitune import search
    ctx = open_context(args)
    with ctx.store:
        original = ctx.find_study(args.study)
        if args.seed == original.seed:
            raise InvalidConfig([Problem("--seed", f"study {original.name!r} already has seed {args.seed}",
                                         "pass another seed, or leave --seed out for a derived one")])
        sibling = search.reseed(original, args.seed)
        taken = {s.name for s in ctx.store.studies(original.round_id)}
        stored = ctx.store.add_study(replace(sibling, name=search.unique_name(sibling.name, taken)),
                                     original.round_id)
        _print_stored([stored], _budget(ctx, [stored]))
    return 0
