"""Study design and search: the points a study runs, done the playbook's way.

Pure (numpy and scipy, no I/O). A study's points are a function of its design, its seed and an
index, so nothing but the seed and the count is ever stored:

* :func:`points` / :func:`trials_for`: the configurations (and queued trials, with repeats) of
  any study, addressed by index;
* :func:`expand`: one study per scientific value combination (per-value layout); :func:`rejoin`
  the space that covers them again, for analysis;
* :func:`reseed`: a sibling study with a new sequence seed (study variance);
* :func:`warnings`: notes on a design before it runs;
* :func:`estimate_budget`: the time a study will take, from comparable finished trials;
* :func:`from_unit` / :func:`to_unit`: the unit-cube transform of one hyperparameter.
"""

from tuitune.search.cube import from_unit, to_unit
from tuitune.search.design import (Point, estimate_budget, points, reseed, size, trials_for, unique_name,
                                   warnings)
from tuitune.search.scientific import combinations, expand, rejoin

__all__ = [
    "Point", "combinations", "estimate_budget", "expand", "from_unit", "points", "rejoin", "reseed", "size", "to_unit",
    "trials_for", "unique_name", "warnings",
]
