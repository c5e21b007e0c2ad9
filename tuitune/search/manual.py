"""Manual studies: an explicit list of configurations.

Why: the playbook lets a study be "specified manually", e.g. the baseline itself, the best trial
of another study re-run over seeds, or a handful of hand-picked points. Each configuration
(hyperparameter id -> value) is resolved through :meth:`SearchSpace.active` like every sampled
point: fixed hyperparameters get their values, and a value given for a hyperparameter that is
inactive under the configuration's other values is dropped. :func:`notes` reports those, and
active varying hyperparameters a configuration leaves out (the command then does not receive
them and its own default applies).
"""

from __future__ import annotations

from tuitune.domain import Study, Value


def configurations(study: Study) -> list[dict[str, Value]]:
    """The active assignment of each of ``study.configs``, in order, fixed values filled in."""
    return [study.space.active(config) for config in study.configs]


def notes(study: Study) -> list[str]:
    """One line per configuration that will not run exactly as written."""
    out = []
    for i, (config, params) in enumerate(zip(study.configs, configurations(study))):
        dropped = [pid for pid in config if pid not in params]
        if dropped:
            out.append(f"configs[{i}] sets {', '.join(dropped)}, inactive under its other values: ignored")
        missing = [p.id for p in study.space.varying
                   if p.id not in params and all(c.holds(params) for c in p.when)]
        if missing:
            out.append(f"configs[{i}] gives no value for active {', '.join(missing)}: the command's default applies")
    return out
