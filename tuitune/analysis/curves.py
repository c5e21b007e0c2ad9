"""Metric curves of many trials, and the per-curve features every curve check reads.

Why it is shaped like this:

* One long table (``trial_id, name, step, value, wall_time``) holds every curve. The store
  returns one trial's curve at a time as ``(step, value, wall_time)`` rows, tests build
  :class:`~tuitune.domain.Measurement` lists, a bulk reader returns a DataFrame: :meth:`Curves.of`
  takes all three, so nothing upstream has to agree on more than the meaning of a row.
* Checks read curves of thousands of trials (one million points is the benchmark), so the
  features (smoothed best, tail level, late noise, late gain, early spikes) are computed for all
  rows at once on a left-aligned, NaN-padded matrix instead of one Python loop per trial.
* Features are computed on the curve oriented so that *lower is better* (``sign = -1`` flips a
  metric to maximize); levels are turned back into the metric's units by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuitune.domain import Measurement

COLUMNS = ("trial_id", "name", "step", "value", "wall_time")

@dataclass(frozen=True)
class Curves:
    """Every curve of a set of trials, as one long table sorted by trial, metric and step.

    ``frame`` has the columns of :data:`COLUMNS`: ``trial_id`` (int64), ``name`` (category),
    ``step`` (int64), ``value`` (float64, NaN/inf kept: they mark divergence) and ``wall_time``
    (float64, NaN when unknown). A step reported twice keeps its last value. Treat it as read-only.
    """

    frame: pd.DataFrame

    @classmethod
    def of(cls, source: object) -> Curves:
        """Normalize any accepted shape (see :data:`CurvesLike`) into :class:`Curves`.

        * ``Curves``: returned as is.
        * a DataFrame with ``trial_id, name, step, value`` (``wall_time`` optional);
        * an iterable of :class:`~tuitune.domain.Measurement`;
        * ``{trial_id: {metric_name: [(step, value, wall_time), ...]}}``, the shape of the
          store's ``curve(trial_id, name)`` answers gathered per trial (``wall_time`` optional).
        """
        if isinstance(source, Curves):
            return source
        if isinstance(source, pd.DataFrame):
            return cls._normalized(source)
        if isinstance(source, Mapping):
            return cls._normalized(_from_mapping(source))
        if isinstance(source, Iterable):
            rows = [(m.trial_id, m.name, m.step, m.value, m.wall_time) for m in source]
            return cls._normalized(pd.DataFrame.from_records(rows, columns=list(COLUMNS)))
        raise TypeError(f"cannot read curves from {type(source).__name__}")

    @classmethod
    def _normalized(cls, df: pd.DataFrame) -> Curves:
        missing = {"trial_id", "name", "step", "value"} - set(df.columns)
        if missing:
            raise ValueError(f"curves need the columns {sorted(missing)}")
        out = pd.DataFrame({
            "trial_id": np.asarray(df["trial_id"], dtype=np.int64),
            "name": pd.Categorical(np.asarray(df["name"], dtype=object)),
            "step": np.asarray(df["step"], dtype=np.int64),
            "value": np.asarray(df["value"], dtype=np.float64),
            "wall_time": (np.asarray(df["wall_time"], dtype=np.float64) if "wall_time" in df
                          else np.full(len(df), np.nan)),
        })
        out = out.sort_values(["trial_id", "name", "step"], kind="stable")
        out = out.drop_duplicates(["trial_id", "name", "step"], keep="last").reset_index(drop=True)
        return cls(out)

    @property
    def names(self) -> tuple[str, ...]:
        """Metric names that have at least one point."""
        return tuple(sorted(self.frame["name"].unique().astype(str)))

    def metric(self, name: str) -> pd.DataFrame:
        """``trial_id, step, value`` of one metric, sorted by trial and step."""
        df = self.frame
        return df.loc[df["name"] == name, ["trial_id", "step", "value"]]

    def curve(self, trial_id: int, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps and values of one trial's curve (empty arrays when it has none)."""
        df = self.metric(name)
        rows = df[df["trial_id"] == trial_id]
        return rows["step"].to_numpy(), rows["value"].to_numpy()


CurvesLike = Curves | pd.DataFrame | Iterable[Measurement] | Mapping[int, Mapping[str, Sequence[tuple]]]
"""Everything :meth:`Curves.of` accepts."""


def _from_mapping(source: Mapping) -> pd.DataFrame:
    rows = []
    for trial_id, by_name in source.items():
        for name, points in by_name.items():
            for point in points:
                step, value, *rest = point
                rows.append((trial_id, name, step, value, rest[0] if rest else np.nan))
    return pd.DataFrame.from_records(rows, columns=list(COLUMNS))


def padded(curves: Curves, name: str, trial_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One metric of ``trial_ids`` as left-aligned ``(steps, values, lengths)`` matrices.

    Row ``i`` belongs to ``trial_ids[i]``; cells past ``lengths[i]`` are NaN (steps: -1).
    """
    ids = np.asarray(trial_ids, dtype=np.int64)
    df = curves.metric(name)
    df = df[df["trial_id"].isin(ids)]
    tid = df["trial_id"].to_numpy()
    codes = pd.Index(ids).get_indexer(tid)
    lengths = np.bincount(codes, minlength=len(ids)).astype(np.int64)
    # rows are sorted by trial then step, so each trial is one run: position = index - run start
    index = np.arange(len(tid))
    run_start = np.maximum.accumulate(np.where(np.r_[True, tid[1:] != tid[:-1]], index, 0)) if len(tid) else index
    pos = index - run_start
    width = int(lengths.max()) if len(ids) else 0
    values = np.full((len(ids), width), np.nan)
    steps = np.full((len(ids), width), -1, dtype=np.int64)
    values[codes, pos] = df["value"].to_numpy()
    steps[codes, pos] = df["step"].to_numpy()
    return steps, values, lengths


@dataclass(frozen=True)
class CurveFeatures:
    """Features of many curves (one entry per trial, aligned with ``trial_ids``), lower = better.

    Curves shorter than 8 points, or holding a non-finite value, get NaN features.
    """

    trial_ids: np.ndarray
    length: np.ndarray
    """Points in the curve."""
    window: np.ndarray
    """Smoothing window: a tenth of the curve, at least 3 points."""
    last_step: np.ndarray
    head: np.ndarray
    """Mean of the first window."""
    tail: np.ndarray
    """Mean of the last window: the level training ended at."""
    best_smooth: np.ndarray
    """Lowest moving average over training."""
    best_step: np.ndarray
    """Step at the middle of the window where ``best_smooth`` was reached."""
    late_noise: np.ndarray
    """Step-to-step noise over the last fifth: std of first differences / sqrt(2)."""
    late_gain: np.ndarray
    """Mean of the second-to-last fifth minus mean of the last fifth (> 0: still improving)."""
    late_gain_se: np.ndarray
    """Standard error of ``late_gain`` from ``late_noise``."""
    half_gain: np.ndarray
    """Mean of the third quarter minus mean of the last quarter."""
    half_gain_se: np.ndarray
    settle_step: np.ndarray
    """First step where the moving average comes within tolerance of ``tail`` (saturation)."""
    spike_step: np.ndarray
    """Step of the largest upward jump in the first half, when it is a spike; -1 otherwise."""
    spike_size: np.ndarray
    """That jump in units of the curve's robust step-to-step noise (0 when none)."""


def features(curves: Curves, name: str, trial_ids: Sequence[int], sign: float = 1.0) -> CurveFeatures:
    """:class:`CurveFeatures` of metric ``name`` for ``trial_ids`` (``sign=-1`` when higher is better)."""
    steps, values, m = padded(curves, name, trial_ids)
    values = values * sign
    n, width = values.shape
    finite = np.isfinite(values) | (np.arange(width)[None, :] >= m[:, None])
    valid = finite.all(axis=1) & (m >= 8)
    m_safe = np.where(valid, m, 8)
    v = np.where(np.isfinite(values), values, 0.0)
    if width < 8:
        v = np.pad(v, ((0, 0), (0, 8 - width)))
        steps = np.pad(steps, ((0, 0), (0, 8 - width)), constant_values=-1)
        width = 8
    cs = np.concatenate([np.zeros((n, 1)), np.cumsum(v, axis=1)], axis=1)
    rows = np.arange(n)

    def block_mean(start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        return (cs[rows, stop] - cs[rows, start]) / np.maximum(stop - start, 1)

    w = np.maximum(3, m_safe // 10)
    head = block_mean(np.zeros(n, dtype=np.int64), w)
    tail = block_mean(m_safe - w, m_safe)
    ends = np.arange(1, width + 1)[None, :]
    moving = (cs[rows[:, None], ends] - cs[rows[:, None], np.clip(ends - w[:, None], 0, None)]) / w[:, None]
    moving = np.where((ends >= w[:, None]) & (ends <= m_safe[:, None]), moving, np.inf)
    best_end = moving.argmin(axis=1)
    best_smooth = moving[rows, best_end]
    best_step = steps[rows, np.clip(best_end - w // 2, 0, None)]

    fifth = np.maximum(2, m_safe // 5)
    cols = np.arange(width - 1)[None, :]
    diffs = np.diff(v, axis=1)
    late = (cols >= (m_safe - fifth)[:, None]) & (cols < (m_safe - 1)[:, None])
    count = late.sum(axis=1)
    mean_d = np.where(late, diffs, 0).sum(axis=1) / np.maximum(count, 1)
    var_d = np.where(late, (diffs - mean_d[:, None]) ** 2, 0).sum(axis=1) / np.maximum(count - 1, 1)
    late_noise = np.sqrt(var_d / 2)
    late_gain = block_mean(m_safe - 2 * fifth, m_safe - fifth) - block_mean(m_safe - fifth, m_safe)
    quarter = np.maximum(2, m_safe // 4)
    half_gain = block_mean(m_safe - 2 * quarter, m_safe - quarter) - block_mean(m_safe - quarter, m_safe)

    tol = np.maximum(2 * late_noise / np.sqrt(w), 0.02 * np.abs(head - tail))
    settled = (moving <= (tail + tol)[:, None]) & np.isfinite(moving)
    first = np.where(settled.any(axis=1), settled.argmax(axis=1), m_safe - 1)
    settle_step = steps[rows, np.clip(first - w // 2, 0, None)]

    early = (cols < (m_safe // 2)[:, None]) & (cols < (m_safe - 1)[:, None])
    med = np.nanmedian(np.where(early | late, diffs, np.nan), axis=1)
    mad = 1.4826 * np.nanmedian(np.where(early | late, np.abs(diffs - med[:, None]), np.nan), axis=1)
    floor = np.maximum(6 * mad, 0.05 * np.abs(head - best_smooth)) + 1e-12
    jumps = np.where(early, diffs, -np.inf)
    jump_at = jumps.argmax(axis=1)
    jump = jumps[rows, jump_at]
    is_spike = jump > floor
    spike_step = np.where(is_spike, steps[rows, jump_at + 1], -1)
    spike_size = np.where(is_spike, jump / np.maximum(mad, 1e-12), 0.0)

    def nan_unless_valid(a: np.ndarray) -> np.ndarray:
        return np.where(valid, a, np.nan)

    return CurveFeatures(
        trial_ids=np.asarray(trial_ids, dtype=np.int64), length=m, window=w,
        last_step=np.where(m > 0, steps[rows, np.maximum(m - 1, 0)], -1),
        head=nan_unless_valid(head), tail=nan_unless_valid(tail),
        best_smooth=nan_unless_valid(best_smooth), best_step=np.where(valid, best_step, -1),
        late_noise=nan_unless_valid(late_noise), late_gain=nan_unless_valid(late_gain),
        late_gain_se=nan_unless_valid(late_noise * np.sqrt(2 / fifth)),
        half_gain=nan_unless_valid(half_gain), half_gain_se=nan_unless_valid(late_noise * np.sqrt(2 / quarter)),
        settle_step=np.where(valid, settle_step, -1),
        spike_step=np.where(valid, spike_step, -1), spike_size=np.where(valid, spike_size, 0.0),
    )

