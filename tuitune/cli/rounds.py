"""``tuitune round``: start a round with its goal, list the journal of rounds."""

from __future__ import annotations

import argparse
import datetime as dt

from tuitune.cli.context import open_context
from tuitune.domain import Phase, Round, RoundKind


def _enum_arg(enum):
    def parse(text: str):
        try:
            return enum(text.replace("-", "_").lower())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not one of {', '.join(e.value for e in enum)}") from None
    return parse


def register(verbs: argparse._SubParsersAction) -> None:
    rounds = verbs.add_parser("round", help="start a round or list the journal of rounds")
    sub = rounds.add_subparsers(dest="round_verb", metavar="ACTION", required=True)

    new = sub.add_parser("new", help="start a round with one goal")
    new.add_argument("goal", help='the one question this round answers, e.g. "does weight decay help?"')
    new.add_argument("--kind", type=_enum_arg(RoundKind), default=RoundKind.TRY_CHANGE,
                     help="try_change (default), understand, or minimize")
    new.add_argument("--phase", type=_enum_arg(Phase), default=Phase.EXPLORE,
                     help="explore (default: gain insight) or exploit")
    new.set_defaults(func=run_new)

    journal = sub.add_parser("list", help="the journal: every round with its status, decision, kind and goal")
    journal.set_defaults(func=run_list)


def run_new(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.store:
        current = ctx.store.current_round()
        created = ctx.store.add_round(Round(goal=args.goal, kind=args.kind, phase=args.phase))
    print(f"round {created.id}: {created.goal} ({created.kind.label}, {created.phase})")
    if current is not None and current.status == "open":
        print(f"note: round {current.id} ({current.goal!r}) is still open; new studies go into round {created.id}")
    return 0


def _date(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


def run_list(args: argparse.Namespace) -> int:
    ctx = open_context(args, readonly=True)
    with ctx.store:
        rounds = ctx.store.rounds()
        verdicts = {d.round_id: d.verdict.value for d in ctx.store.decisions()}
    if not rounds:
        print('no rounds yet: start one with `tuitune round new "GOAL" --kind try_change`')
        return 0
    for r in rounds:
        print(f"{r.id:>4}  {_date(r.created_at):16}  {r.status:9}  {verdicts.get(r.id, '—'):8}  {r.kind.label:28}  "
              f"{r.goal}")
    return 0
