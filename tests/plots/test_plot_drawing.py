"""From plot information to text: size, labels, markers, colour, reduction. Never pixel-exact."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import plotext
import pytest

from tuitune.analysis import AxisPlot, Isolation, IsolationPoint, TrialCurves, best_of_k, plots, study_data
from tuitune.domain import Hyperparameter, Objective, ParamType, Role, Scale, SearchSpace, Trial, TrialState
from tuitune.plots import (MARKERS, Style, draw_axis, draw_best_curves, draw_curves, draw_isolation,
                           draw_sampled_enough)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BRAILLE = re.compile("[\u2800-\u28ff]")
PLAIN = Style(72, 18, color=False)


def ro(values, dtype=float):
    a = np.array(values, dtype=dtype)
    a.setflags(write=False)
    return a


def lr_axis(infeasible=(0.5, 0.9)) -> AxisPlot:
    return AxisPlot("learning_rate", True, "log", ro([1e-3, 3e-3, 0.01, 0.03, 0.1, 0.2]),
                    ro([0.6, 0.55, 0.5, 0.45, 0.42, 0.48]), ro([1, 2, 3, 4, 5, 6], int), ro(infeasible),
                    ro(range(7, 7 + len(infeasible)), int), ((1e-3, 10 ** -2.7), (10 ** -0.3, 1.0)), 5)


def isolation() -> Isolation:
    return Isolation("weight_decay", "minimize", (
        IsolationPoint("weight_decay=0.0", 0.0, 1, 0.54, 8, 1, (), True),
        IsolationPoint("weight_decay=0.0001", 1e-4, 2, 0.47, 8, 1, ("learning_rate:high",), False),
        IsolationPoint("weight_decay=0.001", 1e-3, 3, 0.42, 8, 0, (), False),
        IsolationPoint("weight_decay=0.01", 1e-2, None, float("nan"), 8, 8, (), False)))


def curves(n: int = 5, steps: int = 200) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    s = np.arange(steps, dtype=float)
    return {f"#{i}": (s, 2.0 / (1 + s / 20) + 0.01 * i) for i in range(n)}


def interior(text: str) -> str:
    """What is drawn inside the frame: the rows between its top and bottom edges, without the
    y tick labels and borders (titles, axis labels and ticks excluded)."""
    lines = ANSI.sub("", text).split("\n")
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return "\n".join(re.split("[┤│]", line, maxsplit=1)[1][:-1] for line in lines[top + 1:bottom])


DRAWINGS = {
    "axis": lambda style: draw_axis(lr_axis(), style, objective="val_loss"),
    "isolation": lambda style: draw_isolation(isolation(), style, objective="val_loss"),
    "sampled": lambda style: draw_sampled_enough(best_of_k(np.linspace(0.4, 1.0, 32), 1.0), style),
    "curves": lambda style: draw_curves(curves(), style, log_y=True, title="live"),
}


@pytest.mark.parametrize("name", DRAWINGS)
@pytest.mark.parametrize("style", [Style(80, 24), Style(120, 40, marker="hd"), Style(40, 12, color=False),
                                   Style(57, 15, marker="ascii", color=False)], ids=str)
def test_every_plot_fills_exactly_the_asked_size(name, style):
    out = DRAWINGS[name](style)
    lines = ANSI.sub("", out).split("\n")
    assert len(lines) == style.height
    assert {len(line) for line in lines} == {style.width}
    assert bool(ANSI.search(out)) == style.color  # colour off: not one escape code


@pytest.mark.parametrize("name", ["axis", "isolation", "curves"])
@pytest.mark.parametrize("marker", [m for m in MARKERS if m != "braille"])
def test_fonts_without_braille_get_no_braille(name, marker):
    assert not BRAILLE.search(DRAWINGS[name](Style(72, 18, marker=marker, color=False)))
    assert BRAILLE.search(DRAWINGS[name](Style(72, 18, marker="braille", color=False)))


def test_the_box_plot_needs_no_braille_whatever_the_marker():
    assert not any(BRAILLE.search(DRAWINGS["sampled"](Style(72, 18, marker=m))) for m in MARKERS)


def test_axis_plot_names_the_hyperparameter_labels_real_values_and_crosses_infeasible_trials():
    out = draw_axis(lr_axis(), PLAIN, objective="val_loss")
    assert "learning_rate (log scale)" in out and "val_loss" in out
    assert "2 infeasible x" in out and "best #5 o" in out
    ticks = ANSI.sub("", out).split("\n")[-2]
    assert re.findall(r"\S+", ticks) == ["0.001", "0.01", "0.1", "1"]  # real values, not exponents
    assert interior(out).count("x") == 2
    assert "o" in interior(out)
    assert "x" not in interior(draw_axis(lr_axis(infeasible=()), PLAIN))


def test_axis_plot_draws_the_boundary_bands_as_two_vertical_lines():
    rows = interior(draw_axis(lr_axis(infeasible=()), Style(72, 18, marker="ascii", color=False))).split("\n")
    assert all(row.count("│") == 2 for row in rows[1:-1])


def test_categorical_axis_plot_labels_each_value():
    plot = AxisPlot("optimizer", False, "categorical", ro(["adam", "sgd", "adam"], object), ro([0.5, 0.6, 0.4]),
                    ro([1, 2, 3], int), ro(["momentum"], object), ro([4], int), (), 3)
    out = draw_axis(plot, PLAIN)
    assert re.findall(r"\S+", ANSI.sub("", out).split("\n")[-2]) == ["adam", "momentum", "sgd"]
    assert interior(out).count("x") == 1


def test_isolation_plot_labels_values_flags_unreliable_bests_and_crosses_values_without_a_trial():
    out = draw_isolation(isolation(), Style(90, 20, color=False), objective="val_loss")
    assert "best val_loss per weight_decay" in out
    assert re.findall(r"\S+", out.split("\n")[-2]) == ["0.0", "0.0001", "0.001", "0.01"]
    assert "overfits" in out and "edge learning_rate:high" in out
    assert interior(out).count("x") == 1 and "o" in interior(out)


def test_sampled_enough_draws_one_box_per_k_and_says_when_there_is_nothing():
    boxes = best_of_k(np.linspace(0.4, 1.0, 32), 1.0)
    out = draw_sampled_enough(boxes, PLAIN, objective="val_loss")
    assert [f"k={b.k}" for b in boxes] == re.findall(r"k=\d+", out) == ["k=4", "k=8", "k=16", "k=32"]
    empty = draw_sampled_enough((), PLAIN)
    assert "no finished trials" in empty and len(empty.split("\n")) == PLAIN.height


def test_curves_show_a_legend_and_real_value_ticks_on_a_log_axis():
    out = draw_curves(curves(3), PLAIN, log_y=True, title="live", ylabel="val_loss")
    assert all(f"#{i}" in out for i in range(3)) and "live" in out and "step" in out
    labels = re.findall(r"^\s*(\S+)┤", out, re.M)
    assert {"0.2", "0.5", "1", "2"} <= set(labels)  # 1-2-5 steps of a one-decade range, as values


def test_a_diverged_curve_keeps_short_tick_labels_and_room_for_the_plot():
    """plotext labels its own ticks in full: 3e46 took 48 columns and squeezed the curves out."""
    series = {"#33": (np.arange(4.0), np.array([1.0, 5.0, 3.0873769e46, 2.0])), "#2": (np.arange(4.0), np.full(4, 0.3))}
    for draw in (lambda: draw_curves(series, PLAIN), lambda: draw_axis(AxisPlot(
            "lr", True, "linear", ro([0.1, 0.2]), ro([0.3, 8.1e95]), ro([1, 2], int), ro([]), ro([], int), (), 1), PLAIN)):
        out = draw()
        labels = re.findall(r"^\s*(\S+)┤", out, re.M)
        assert labels and max(map(len, labels)) <= 9, labels
    close = draw_curves({"#1": (np.arange(3.0), np.array([0.40571, 0.40572, 0.40574]))}, PLAIN)
    labels = re.findall(r"^\s*(\S+)┤", close, re.M)
    assert len(set(labels)) == len(labels) > 1, labels  # as many digits as it takes to tell them apart


def test_curves_without_any_finite_point_say_so():
    nan = {"#1": (np.arange(3.0), np.full(3, np.nan))}
    for series in ({}, nan):
        out = draw_curves(series, PLAIN, title="live")
        assert "live (no measurements yet)" in out and len(out.split("\n")) == PLAIN.height


def test_best_curves_label_each_trial_and_metric_and_filter_metrics():
    s = np.arange(50.0)
    best = [TrialCurves(t, r, 0.4 + r, {"val_loss": (s, 1 / (1 + s) + r), "train_loss": (s, 0.5 / (1 + s) + r)})
            for r, t in enumerate((12, 7))]
    both = draw_best_curves(best, PLAIN)
    assert all(label in both for label in ("#12 val_loss", "#12 train_loss", "#7 val_loss", "#7 train_loss"))
    valid = draw_best_curves(best, PLAIN, metrics=["val_loss"])
    assert "#12 val_loss" in valid and "train_loss" not in valid.split("\n", 1)[1]


def test_long_curves_reach_plotext_reduced_to_the_plot_width(monkeypatch):
    seen = []
    original = plotext.plot

    def spy(*args, **kwargs):
        seen.append(len(args[0]))
        return original(*args, **kwargs)

    monkeypatch.setattr(plotext, "plot", spy)
    style = Style(100, 25)
    draw_curves(curves(5, 10_000), style)
    assert len(seen) == 5 and max(seen) <= 2 * style.columns + 2


def test_drawing_from_several_threads_never_mixes_figures():
    def draw(i):
        return i, draw_curves({f"trial-{i}": (np.arange(20.0), np.arange(20.0) * i)}, PLAIN, title=f"plot {i}")

    with ThreadPoolExecutor(8) as pool:
        for i, out in pool.map(draw, range(24)):
            assert f"plot {i}" in out and f"trial-{i}" in out
            assert len(re.findall(r"trial-\d+", out)) == 1


def test_a_style_refuses_unknown_markers_and_tiny_sizes():
    with pytest.raises(ValueError, match="braille"):
        Style(marker="unicode")
    with pytest.raises(ValueError, match="20x6"):
        Style(10, 3)


def test_the_analysis_plots_of_a_real_study_all_draw():
    """End to end from domain objects: every plot the Review shows, through tuitune.analysis.plots()."""
    space = SearchSpace((Hyperparameter("lr", ParamType.FLOAT, Role.NUISANCE, low=1e-4, high=1.0, scale=Scale.LOG),
                         Hyperparameter("wd", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=(0.0, 1e-3, 1e-2))))
    rng = np.random.default_rng(1)
    trials, table = [], {}
    for i in range(24):
        lr = float(10 ** rng.uniform(-4, 0))
        state = TrialState.INFEASIBLE if lr > 0.3 else TrialState.COMPLETED
        trials.append(Trial(study_id=1, index=i, params={"lr": lr, "wd": (0.0, 1e-3, 1e-2)[i % 3]}, state=state,
                            id=i + 1, started_at=0.0, ended_at=10.0))
        final = 0.4 + 0.05 * (np.log10(lr) + 2) ** 2
        loss = final + 2 * np.exp(-np.arange(30) / 5)
        table[i + 1] = {m: [(s, float(v), 0.0) for s, v in enumerate(loss * k)]
                        for m, k in (("val_loss", 1.0), ("train_loss", 0.8))}
    info = plots(study_data(space, trials, table, Objective("val_loss")))
    assert [a.param for a in info.axes] == ["lr", "wd"]
    texts = [*(draw_axis(a, PLAIN) for a in info.axes), *(draw_isolation(i, PLAIN) for i in info.isolations),
             draw_best_curves(info.best_curves, PLAIN), draw_sampled_enough(info.sampled_enough, PLAIN)]
    assert all(len(t.split("\n")) == PLAIN.height for t in texts)
    infeasible = sum(t.state is TrialState.INFEASIBLE for t in trials)
    assert f"{infeasible} infeasible x" in texts[0] and "x" in interior(texts[0])


def test_numeric_categories_are_laid_out_in_numeric_order():
    plot = AxisPlot("wd", False, "categorical", ro([1e-5, 0.001, 0.0], object), ro([0.5, 0.4, 0.6]), ro([1, 2, 3], int),
                    ro([], object), ro([], int), (), 2)
    assert re.findall(r"\S+", draw_axis(plot, PLAIN).split("\n")[-2]) == ["0.0", "1e-05", "0.001"]


def test_a_title_wider_than_the_plot_is_cut_not_dropped() -> None:
    from tuitune.plots import Style, draw_curves

    drawn = draw_curves({"trial 1": ([0, 1, 2], [1.0, 0.5, 0.25])}, Style(width=30, height=10, color=False),
                        title="a very long title that cannot possibly fit in thirty columns")
    assert "a very long title" in drawn.splitlines()[0]
    assert "…" in drawn.splitlines()[0]
