"""The Decide pane's text: the pair under test, the two distributions, the verdict.

Why text and not a plot widget: the two distributions hold five or ten numbers each, and what
the eye needs is whether they overlap. A shared-axis strip (one row per side, a dot per seed
run, a bar at the mean) shows that in two lines at any width, in any terminal (in plain ASCII
with the ``ascii`` marker style), and beside it the numbers (n, mean, sd) the verdict rests on. Every function here is pure
(data in, rich text out), so tests read exactly what the user reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from tuitune.analysis import Outcome
from tuitune.domain import Direction, RoundStatus, TrialState
from tuitune.tui.decide_data import DecideData, Side, changes
from tuitune.tui.goal_data import config_text, value_text
from tuitune.tui.widgets.hanging import indented

OUTCOME_STYLE = {Outcome.BETTER: "bold green", Outcome.WORSE: "bold red",
                 Outcome.INDISTINGUISHABLE: "bold yellow", Outcome.INSUFFICIENT: "bold"}
OUTCOME_MARK = {Outcome.BETTER: "▲", Outcome.WORSE: "▼", Outcome.INDISTINGUISHABLE: "≈",
                Outcome.INSUFFICIENT: "…"}
"""Marks that say the verdict without colour."""


def num(x: float | None, digits: int = 4) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}g}"


def signed(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:+.4g}"


def guidance(data: DecideData) -> Text | None:
    """What to do when there is nothing to decide yet; ``None`` when there is."""
    r = data.round
    if r is None:
        return Text("No round yet. Open one on the Goal pane (1, then n), design and run its study, "
                    "and come back to weigh its best trial against the baseline.")
    if r.status is not RoundStatus.OPEN:
        d = data.decision
        verdict = f"{d.verdict.value}: {d.rationale}" if d else "abandoned without a decision"
        return Text.assemble((f"R{r.id} is {r.status.value}: ", "bold"), r.goal, "\n", verdict, "\n\n",
                             "Open the next round on the Goal pane (1, then n).")
    if data.candidate is None:
        return Text.assemble((f"No completed trial in R{r.id} yet. ", "bold"),
                             "The candidate is the round's best completed trial by ",
                             f"{data.objective.metric} ({data.objective.direction.value}). "
                             "Watch the trials run on Monitor (3).")
    return None


def pair_text(data: DecideData) -> Group:
    """The candidate (with how it was chosen), the baseline, and what the candidate changes;
    the indented lines keep their indent when they wrap."""
    c, b = data.candidate, data.baseline
    assert c is not None
    best = data.candidates and data.candidates[0] is c
    rank = f"best of {len(data.candidates)} done" if best else \
        f"#{data.candidates.index(c) + 1} of {len(data.candidates)} done"
    head = Text.assemble(("Candidate ", "bold"), (f"t{c.trial.id}", "bold reverse"),
                         f"  {data.objective.metric} {num(c.objective)}  ",
                         (f"{rank} in {c.study.name} · c: another", "dim"))
    params = c.study.space.active(c.trial.params)
    lines: list[RenderableType] = [head, indented(config_text({c.study.space[pid].name: v
                                                               for pid, v in params.items()}))]
    base = Text.assemble(("Baseline  ", "bold"))
    lines.append(base)
    if b is None:
        base.append("none yet: add a [baseline] table to tuitune.toml, or adopting makes the candidate the "
                    "first baseline")
        return Group(*lines)
    objective, how = b.objective, " at adoption" if b.objective is not None else ""  # not this round's runs
    seeds = data.baseline_side.values if data.baseline_side else ()
    if objective is None and seeds:  # a baseline from tuitune.toml has no score until its seed runs
        objective, how = sum(seeds) / len(seeds), f" (mean of {len(seeds)} seed runs)"
    base.append(f"B{b.id}" if b.id is not None else "tuitune.toml [baseline]", style="bold reverse")
    base.append(f"  {data.objective.metric} {num(objective)}{how}")
    if b.id is not None and b.note:
        base.append(f"  {b.note}", style="dim")
    diff = changes(b.config, c.trial, c.study.space)
    if diff:  # each change one word (name=old→new): a narrow pane wraps between changes, never inside one
        lines.append(indented("changes: " + " · ".join(
            f"{name}={'(unset)' if old is None else value_text(old)}→{value_text(new)}" for name, old, new in diff)))
    else:
        lines.append(indented("the candidate is the baseline's configuration (only the seeds differ)"))
    return Group(*lines)


STRIP_GLYPHS = {"ascii": ("o", "@", "|")}
"""Marker style -> (a run, several runs in one cell, the mean); others use :data:`GLYPHS`."""
GLYPHS = ("●", "◉", "┃")


def _strip(values: Sequence[float], lo: float, hi: float, width: int, glyphs: tuple[str, str, str]) -> str:
    run, runs, bar = glyphs
    cells = [" "] * width
    if not values:
        return "".join(cells)
    span = hi - lo or 1.0
    pos = [min(width - 1, max(0, round((v - lo) / span * (width - 1)))) for v in values]
    mean = min(width - 1, max(0, round((sum(values) / len(values) - lo) / span * (width - 1))))
    cells[mean] = bar
    for p in pos:
        cells[p] = run if cells[p] in (" ", bar) else runs
    return "".join(cells)


def _progress(side: Side, repeats: int) -> str:
    queued = side.counts.get(TrialState.QUEUED, 0)
    parts = [f"{len(side.values)}/{repeats} done"]
    parts += [f"{n} {word}" for n, word in ((side.active, "running"), (queued, "queued"), (side.failed, "failed")) if n]
    return ", ".join(parts)


def runs_text(data: DecideData, width: int, marker: str = "braille") -> Text:
    """The seed runs of both sides on one axis, with n, mean and sd; or how to start them.
    ``marker`` is the plots' marker style (``ascii``: no glyph beyond ASCII)."""
    out = Text()
    if not data.seeded:
        out.append("No seed repeats yet. ", style="bold")
        if data.baseline is None:
            out.append("They need a baseline to run against (see above).")
            return out
        out.append("Press s to queue N runs of the candidate and N of the baseline (default 5), each with "
                   "a new training seed: one good trial may be luck, and the playbook adopts a change "
                   "only when it beats the baseline beyond retrain noise.")
        return out
    cand, base = data.candidate_side, data.baseline_side
    assert cand is not None and base is not None
    better = "lower" if data.objective.direction is Direction.MINIMIZE else "higher"
    glyphs = STRIP_GLYPHS.get(marker, GLYPHS)
    out.append("Seed repeats ", style="bold")
    out.append(f"({data.objective.metric}, {better} is better; {glyphs[0]} a run, {glyphs[2]} the mean)\n",
               style="dim")
    every = [*cand.values, *base.values]
    lo, hi = (min(every), max(every)) if every else (0.0, 1.0)
    bar = max(10, width - 12)
    for label, side in (("candidate", cand), ("baseline", base)):
        sd = num(float(_sd(side.values)), 3) if len(side.values) > 1 else "—"
        mean = num(sum(side.values) / len(side.values)) if side.values else "—"
        out.append(f"{label:<10} ", style="bold")
        out.append(f"n {len(side.values):<3} mean {mean:<8} sd {sd:<8} ")
        out.append(f"{_progress(side, side.study.repeats)}\n", style="dim")
    if every:
        left, right = num(lo), num(hi)
        out.append(" " * 11 + left + " " * max(1, bar - len(left) - len(right)) + right + "\n", style="dim")
        for label, side in (("candidate", cand), ("baseline", base)):
            out.append(f"{label:<10} ", style="bold")
            out.append(_strip(side.values, lo, hi, bar, glyphs) + "\n")
    return out


def _sd(values: Sequence[float]) -> float:
    m = sum(values) / len(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def verdict_text(data: DecideData) -> Text:
    """The comparison's verdict and the numbers behind it, then the two ways to end the round."""
    out = Text()
    cmp = data.comparison
    if cmp is not None:
        out.append(f"Verdict {OUTCOME_MARK[cmp.outcome]} {cmp.outcome.value}", style=OUTCOME_STYLE[cmp.outcome])
        if cmp.outcome is Outcome.INSUFFICIENT:
            out.append(f"  {cmp.summary}; waiting for runs\n")
        else:
            out.append(f"  improvement {signed(cmp.improvement)} ({cmp.in_retrain_sd:+.2g} retrain sd), "
                       f"p {num(cmp.p_value, 2)}\n")
            out.append(f"  95% CI  Welch [{signed(cmp.welch[0])}, {signed(cmp.welch[1])}]  "
                       f"bootstrap [{signed(cmp.bootstrap[0])}, {signed(cmp.bootstrap[1])}]\n")
            sv = cmp.study_variance
            if sv is not None:
                out.append(f"  study variance: sd {num(sv.sd, 3)} over {sv.studies} reseeded studies "
                           f"(margin {num(sv.margin, 3)})")
                out.append(": the verdict does not hold beyond this study\n" if sv.overturns else "\n",
                           style="bold" if sv.overturns else "")
    r = data.round
    if out:
        out.rstrip()
        out.append("\n\n")
    closes = f"R{r.id} closes" if r else "the round closes"
    out.append(" a ", style="bold reverse")
    out.append(f" adopt: the candidate becomes the baseline; {closes}\n")
    out.append(" x ", style="bold reverse")
    out.append(f" reject: the baseline stays; {closes}")
    return out
