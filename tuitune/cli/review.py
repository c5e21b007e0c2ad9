"""``tuitune review`` and ``tuitune compare``: the checklist and the adopt comparison, headless.

The same analysis results the Review and Decide screens draw, printed as text or JSON, so a
round can be judged from a script or a plain SSH session. The objective can be redefined on
the command line (another metric, direction or aggregate) without re-running anything.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence

from tuitune.cli.context import Context, open_context
from tuitune.domain import Aggregate, Direction, Objective, Study
from tuitune.domain.errors import NotFound

MARKS = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL", "n/a": "n/a "}


def register(verbs: argparse._SubParsersAction) -> None:
    review = verbs.add_parser("review", help="the playbook's checklist for a study, with its evidence")
    review.add_argument("study", nargs="?", help="a study's id or name (default: every study of the current round: the open one, "
                        "else the latest)")
    _objective_options(review)
    review.add_argument("--json", action="store_true",
                        help='a list of {"study", "checks": [{"check", "status", "verdict", "evidence", "action"}], "isolation"}')
    review.set_defaults(func=run_review)

    compare = verbs.add_parser("compare", help="candidate against baseline over their seed runs: adopt or not?")
    compare.add_argument("candidate", help="a study (id or name) of seed runs, or tN: trial N and its seed repeats")
    compare.add_argument("baseline", help="the same, for the baseline")
    _objective_options(compare)
    compare.add_argument("--json", action="store_true", help="the comparison as one JSON object")
    compare.set_defaults(func=run_compare)


def _objective_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metric", help="judge by this metric instead of the objective's")
    parser.add_argument("--direction", choices=[d.value for d in Direction], help="override the direction")
    parser.add_argument("--aggregate", choices=[a.value for a in Aggregate], help="best over training or final")


def _objective(ctx: Context, study: Study, args: argparse.Namespace) -> Objective:
    base = study.objective or ctx.project.objective
    return Objective(args.metric or base.metric, Direction(args.direction or base.direction),
                     Aggregate(args.aggregate or base.aggregate))


def _data(ctx: Context, studies: Sequence[Study], args: argparse.Namespace) -> analysis.StudyData:
    from tuitune.rounds import load_study_data
    return load_study_data(ctx.store, ctx.project, studies, _objective(ctx, studies[0], args))


def _selected(ctx: Context, ref: str | None) -> list[tuple[str, list[Study]]]:
    """(name, studies) of each group to review: the study named, or every group of the round."""
    from tuitune.rounds import group_studies
    if ref is not None:
        study = ctx.find_study(ref)
        return [(study.name, [study])]
    current = ctx.store.current_round()
    studies = {s.id: s for s in ctx.store.studies(current.id)} if current else {}
    groups = group_studies(list(studies.values()))
    if not groups:
        raise NotFound("the current round has no studies: add one with `tuitune study add STUDY.toml`")
    return [(g.name, [studies[i] for i in g.study_ids]) for g in groups]


def print_review(name: str, data: analysis.StudyData, result: analysis.Review) -> None:
    from tuitune.analysis.text import evidence_lines
    o = data.objective
    counts = data.frame["outcome"].value_counts()
    print(f"== {name}: {len(data.frame)} trials ({', '.join(f'{n} {k}' for k, n in counts.items())}); "
          f"objective {o.metric}, {o.direction}, {o.aggregate} over training")
    for check in result.checks:
        print(f"[{MARKS[check.status.value]}] {check.title}  {check.verdict}")
        if check.status.value in ("warn", "fail"):
            for line in evidence_lines(check.evidence):
                print(f"         {line}")
            if check.action:
                print(f"         -> {check.action}")
    for iso in result.isolations:
        print(f"isolation ({iso.param or 'by study'}, best per value):")
        for p in iso.points:
            best = "no completed trial" if p.trial_id is None else f"{p.objective:.4g} (trial {p.trial_id})"
            flags = "".join([f"  at edge: {', '.join(p.edges)}" if p.edges else "", "  overfits" if p.overfits else ""])
            print(f"   {p.label:>16}  {best}  [{p.trials} trials, {p.infeasible} infeasible]{flags}")


def run_review(args: argparse.Namespace) -> int:
    from tuitune import analysis
    ctx = open_context(args, readonly=True)
    out = []
    with ctx.store:
        for name, group in _selected(ctx, args.study):
            data = _data(ctx, group, args)
            result = analysis.review(data)
            if args.json:
                out.append({"study": name, "study_ids": [s.id for s in group], **result.to_dict()})
            else:
                print_review(name, data, result)
    if args.json:
        print(json.dumps(analysis.strict_json(out), allow_nan=False))
    return 0


def _side(ctx: Context, ref: str, args: argparse.Namespace) -> tuple[list[float], list[int], Study]:
    """The objectives of one side's ok seed runs, their trial ids and their study."""
    if ref[:1] in "tT" and ref[1:].isdigit():
        trial = ctx.store.get_trial(int(ref[1:]))
        study = ctx.store.get_study(trial.study_id)
        wanted = [t for t in ctx.store.trials(study_id=study.id) if t.index == trial.index]
    else:
        study = ctx.find_study(ref)
        wanted = ctx.store.trials(study_id=study.id)
    data = _data(ctx, [study], args)
    ok = data.frame.loc[[t.id for t in wanted]]
    ok = ok[ok["ok"]]
    return [float(v) for v in ok["objective"]], [int(i) for i in ok.index], study


def run_compare(args: argparse.Namespace) -> int:
    from tuitune import analysis
    ctx = open_context(args, readonly=True)
    with ctx.store:
        cand, cand_ids, study = _side(ctx, args.candidate, args)
        base, base_ids, _ = _side(ctx, args.baseline, args)
        objective = _objective(ctx, study, args)
        root = study.reseed_of or study.id
        siblings = [s for s in ctx.store.studies(study.round_id) if root in (s.id, s.reseed_of)]
        bests: list[float] = []
        if len(siblings) >= 2:
            data = _data(ctx, siblings, args)
            sign = 1.0 if objective.direction is Direction.MINIMIZE else -1.0
            bests = [float(v) for v in analysis.study_bests(data.frame, sign)]
    result = analysis.compare(cand, base, objective, candidate_ids=cand_ids, baseline_ids=base_ids,
                              study_bests=bests)
    if args.json:
        print(json.dumps(analysis.strict_json(result.to_dict()), allow_nan=False))
        return 0
    for label, arm in (("candidate", result.candidate), ("baseline", result.baseline)):
        print(f"{label:>9}: n={len(arm.values)}  mean {arm.mean:.4g}  sd {arm.sd:.3g}")
    print(result.summary)
    p = f"{result.p_value:.2g}" if math.isfinite(result.p_value) else "— (each side needs 2 runs or more)"
    print(f"p {p} (Welch's t-test, as the Decide pane shows)")
    return 0
