"""Command rendering: a project's command template plus one trial's values -> argv and environment.

Why it works like this:

* The template is split **once**, with :func:`shlex.split`, and values are substituted into the
  resulting words. Nothing is ever run through a shell, so a value holding spaces, quotes, ``;``
  or ``$(...)`` reaches the training script byte for byte and can never run anything.
* Placeholders are ``{identifier}``. ``{name}`` is the value of the hyperparameter passed as
  ``name``; ``{params_file}``, ``{trial_id}``, ``{trial_dir}`` and ``{args_json}`` may also sit
  inside a word (``--config={params_file}``). ``{args}`` and ``{args_no_hyphens}`` expand to
  *several* words, so they must be a whole word. Any other text, braces included
  (``--cfg='{"a": 1}'``), is kept as it is. An unknown placeholder is an error naming it and
  the known ones, raised before any trial starts rather than a silently wrong command.
* One spelling of each value everywhere (words, ``{args}``, environment): ``true``/``false``
  for bools (what absl, click, Hydra, YAML and JSON read; argparse needs a ``type=`` that maps
  them), ``str(int)``, ``repr(float)`` (the shortest text that round-trips: ``0.1``, ``1e-05``,
  ``inf``, ``nan``), strings unchanged. ``--name=value`` keeps negative numbers from looking like
  options to argparse.
* ``{args_no_hyphens}`` writes Hydra overrides ``name=value``. Hydra's override grammar reads
  ``true``, ``null``, ``inf``, ``1e-05`` and ``[1,2]`` as typed values and rejects spaces at the
  ends, commas and non-ASCII letters in bare values, so every string that is not a plain ASCII
  identifier-like word, or that spells a keyword, is single-quoted, with the escapes the grammar
  needs (see :func:`hydra_value`).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tuitune.domain.errors import InvalidConfig, Problem
from tuitune.domain.space import Value, command_text
from tuitune.runner.trialdir import METRICS, PARAMS

WORD_ONLY = ("args", "args_no_hyphens")
"""Placeholders that expand to several words, so they must be a whole word of the template."""
BUILTIN = (*WORD_ONLY, "args_json", "params_file", "trial_id", "trial_dir")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
_HYDRA_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-./]*", re.ASCII)
_HYDRA_KEYWORDS = frozenset({"true", "false", "null", "inf", "nan"})
_HYDRA_ESCAPE = re.compile(r"(\\*)(\$\{|'|\Z)")


@dataclass(frozen=True)
class Rendered:
    """What a trial runs: the argv and the environment *delta* over the runner's environment."""

    argv: tuple[str, ...]
    env: Mapping[str, str]


def hydra_value(value: Value) -> str:
    """``value`` as the right-hand side of a Hydra override that reads back as the same value.

    Strings that could be mistaken for another type or that hold characters the bare grammar
    refuses are written ``'...'``. Inside quotes, Hydra unescapes only backslashes that precede a
    quote or end the string, so those runs are doubled and ``'`` becomes ``\\'``; ``${`` becomes
    ``\\${`` so OmegaConf does not read it as an interpolation (its own preceding backslashes are
    doubled for the same reason).
    """
    if not isinstance(value, str):
        return command_text(value)
    if _HYDRA_BARE.fullmatch(value) and value.lower() not in _HYDRA_KEYWORDS:
        return value

    def escape(m: re.Match[str]) -> str:
        slashes, what = m.group(1), m.group(2)
        return slashes * 2 + (what and "\\" + what)

    return "'" + _HYDRA_ESCAPE.sub(escape, value) + "'"


def env_name(name: str) -> str:
    """``TUITUNE_PARAM_<NAME>``: the name upper-cased, every other character than A-Z0-9 -> ``_``."""
    return "TUITUNE_PARAM_" + re.sub(r"[^A-Z0-9]", "_", name.upper(), flags=re.ASCII)


def split_template(template: str) -> tuple[str, ...]:
    """The template's words, as a POSIX shell would split them (without running one)."""
    try:
        words = tuple(shlex.split(template))
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise InvalidConfig([Problem("project.command", f"cannot split the command {template!r}: {exc}",
                                     "balance the quotes")]) from None
    if not words:
        raise InvalidConfig([Problem("project.command", "the training command is empty",
                                     'set command = "python train.py {args}"')])
    return words


def render(template: str, params: Mapping[str, Value], *, trial_id: int | str, trial_dir: str | os.PathLike[str],
           gpus: Sequence[int | str] = (), inactive: Collection[str] = ()) -> Rendered:
    """Render ``template`` for one trial.

    ``params`` maps the *passed name* of every active hyperparameter to its value, in the order
    the words ``{args}`` should list them (the caller maps ids to names and adds a repeat's seed
    under the study's ``seed_param``). ``inactive`` names hyperparameters of the study that this
    trial does not have (conditional ones), so ``{name}`` of one gets a precise error.
    ``gpus`` are the ids the trial holds; none hides every GPU (``CUDA_VISIBLE_DEVICES=""``).

    Raises :class:`~tuitune.domain.errors.InvalidConfig` for an unknown, clashing or misplaced
    placeholder or a template that does not split.
    """
    trial_dir = Path(trial_dir).resolve()
    params_file = str(trial_dir / PARAMS)
    builtin = {"args_json": json.dumps(dict(params), ensure_ascii=False), "params_file": params_file,
               "trial_id": str(trial_id), "trial_dir": str(trial_dir)}
    argv: list[str] = []
    for word in split_template(template):
        if word == "{args}":
            argv.extend(f"--{name}={command_text(v)}" for name, v in params.items())
        elif word == "{args_no_hyphens}":
            argv.extend(f"{name}={hydra_value(v)}" for name, v in params.items())
        else:
            argv.append(_PLACEHOLDER.sub(lambda m, w=word: _lookup(m.group(1), w, params, builtin, inactive), word))
    env = {
        "TUITUNE_TRIAL_ID": str(trial_id),
        "TUITUNE_TRIAL_DIR": str(trial_dir),
        "TUITUNE_PARAMS_FILE": params_file,
        "TUITUNE_METRICS_FILE": str(trial_dir / METRICS),
        "PYTHONUNBUFFERED": "1",
        "CUDA_VISIBLE_DEVICES": ",".join(str(g) for g in gpus),
        "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
    }
    env.update((env_name(name), command_text(v)) for name, v in params.items())
    return Rendered(tuple(argv), env)


def _lookup(key: str, word: str, params: Mapping[str, Value], builtin: Mapping[str, str],
            inactive: Collection[str]) -> str:
    if key in WORD_ONLY:
        raise _problem(f"{{{key}}} expands to several words and must be a word of its own, found {word!r}",
                       f"put spaces around {{{key}}}")
    if key in builtin:
        if key in params:
            raise _problem(f"the hyperparameter name {key!r} clashes with tuitune's placeholder {{{key}}}",
                           f"pass the hyperparameter under another name (name = \"{key}_\")")
        return builtin[key]
    if key in params:
        return command_text(params[key])
    if key in inactive:
        raise _problem(f"{{{key}}} names a conditional hyperparameter that this trial does not have",
                       "use {args} so that only active hyperparameters are passed")
    known = ", ".join(f"{{{k}}}" for k in (*BUILTIN, *params))
    raise _problem(f"unknown placeholder {{{key}}} in {word!r}; known placeholders: {known}",
                   f"use one of the known placeholders, or define a hyperparameter named {key!r}")


def _problem(message: str, fix: str) -> InvalidConfig:
    return InvalidConfig([Problem("project.command", message, fix)])

