"""Command rendering: golden argv and environment, and round trips through real parsers."""

from __future__ import annotations

import json
import math
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tuitune.domain.errors import InvalidConfig
from tuitune.domain.space import command_text
from tuitune.runner.render import env_name, hydra_value, render

PY = shlex.quote(sys.executable)

PARAMS = {
    "lr": 0.001,
    "wd": 1e-05,
    "layers": 3,
    "shift": -2,
    "momentum": -0.5,
    "huge": 1e100,
    "limit": float("inf"),
    "use_bn": True,
    "nesterov": False,
    "optimizer": "adam",
    "tag": "a b, c'd\"e",
    "note": "héllo → 世界",
    "path": "/tmp/x y/z",
}


def test_values_have_one_spelling() -> None:
    assert [command_text(v) for v in (True, False, 3, -2, 0.1, 1e-05, -0.5, float("inf"), float("nan"), "a b")] == \
        ["true", "false", "3", "-2", "0.1", "1e-05", "-0.5", "inf", "nan", "a b"]


def test_golden_args(tmp_path: Path) -> None:
    r = render("python train.py --epochs 3 {args}", {"lr": 0.001, "shift": -2, "use_bn": True, "tag": "a b, c"},
               trial_id=7, trial_dir=tmp_path)
    assert r.argv == ("python", "train.py", "--epochs", "3", "--lr=0.001", "--shift=-2", "--use_bn=true",
                      "--tag=a b, c")


def test_golden_hydra(tmp_path: Path) -> None:
    r = render("python train.py {args_no_hyphens}",
               {"lr": 1e-05, "opt": "adam", "flag": False, "tag": "a b, it's", "word": "true", "n": -3, "u": "é"},
               trial_id=1, trial_dir=tmp_path)
    assert r.argv[2:] == ("lr=1e-05", "opt=adam", "flag=false", r"tag='a b, it\'s'", "word='true'", "n=-3", "u='é'")


def test_hydra_escapes() -> None:
    assert hydra_value("${x}") == r"'\${x}'"
    assert hydra_value("end\\") == "'end\\\\'"
    assert hydra_value("a\\b") == "'a\\b'"  # Hydra keeps a backslash that precedes neither a quote nor the end
    assert hydra_value("") == "''"
    assert hydra_value("null") == "'null'"
    assert hydra_value("models/resnet-50.yaml") == "models/resnet-50.yaml"


def test_placeholders_inside_words(tmp_path: Path) -> None:
    r = render("run --lr={lr} --cfg={params_file} --out={trial_dir}/ckpt --id=t{trial_id} --js={args_json} "
               "--literal='{\"a\": 1}'", {"lr": 0.5, "name": "x"}, trial_id=42, trial_dir=tmp_path)
    d = str(tmp_path.resolve())
    assert r.argv == ("run", "--lr=0.5", f"--cfg={d}/params.json", f"--out={d}/ckpt", "--id=t42",
                      '--js={"lr": 0.5, "name": "x"}', '--literal={"a": 1}')


def test_environment(tmp_path: Path) -> None:
    params = {"learning-rate": 0.1, "use_bn": True, "opt": "a b"}
    r = render("x", params, trial_id=5, trial_dir=tmp_path, gpus=["1", "3"])
    d = str(tmp_path.resolve())
    assert r.env == {
        "TUITUNE_TRIAL_ID": "5", "TUITUNE_TRIAL_DIR": d, "TUITUNE_PARAMS_FILE": f"{d}/params.json",
        "TUITUNE_METRICS_FILE": f"{d}/metrics.jsonl", "PYTHONUNBUFFERED": "1",
        "CUDA_VISIBLE_DEVICES": "1,3", "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
        "TUITUNE_PARAM_LEARNING_RATE": "0.1", "TUITUNE_PARAM_USE_BN": "true", "TUITUNE_PARAM_OPT": "a b",
    }
    assert render("x", {}, trial_id=5, trial_dir=tmp_path).env["CUDA_VISIBLE_DEVICES"] == ""
    assert env_name("héllo.wörld") == "TUITUNE_PARAM_H_LLO_W_RLD"


@pytest.mark.parametrize(("template", "params", "message"), [
    ("run {lrr}", {"lr": 1.0}, "unknown placeholder {lrr} in '{lrr}'; known placeholders: {args}, {args_no_hyphens}, "
                               "{args_json}, {params_file}, {trial_id}, {trial_dir}, {lr}"),
    ("run --x{args}", {}, "{args} expands to several words and must be a word of its own"),
    ("run {beta2}", {}, "{beta2} names a conditional hyperparameter that this trial does not have"),
    ("run {trial_id}", {"trial_id": 3}, "the hyperparameter name 'trial_id' clashes"),
    ("run 'unbalanced", {}, "cannot split the command"),
    ("   ", {}, "the training command is empty"),
])
def test_errors_name_the_problem(tmp_path: Path, template: str, params: dict, message: str) -> None:
    with pytest.raises(InvalidConfig) as err:
        render(template, params, trial_id=1, trial_dir=tmp_path, inactive={"beta2"})
    assert message in str(err.value)
    assert err.value.problems[0].field == "project.command"


def _run(argv: tuple[str, ...]) -> dict:
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30)
    return json.loads(out.stdout)


ARGPARSE = """
import argparse, json, sys
types = json.loads(sys.argv[1])
def boolean(s):
    return {"true": True, "false": False}[s]
p = argparse.ArgumentParser()
for name, kind in types.items():
    p.add_argument("--" + name, type={"float": float, "int": int, "bool": boolean, "str": str}[kind], required=True)
print(json.dumps(vars(p.parse_args(sys.argv[2:])), ensure_ascii=False))
"""


@pytest.mark.slow
def test_round_trip_through_argparse(tmp_path: Path) -> None:
    types = json.dumps({k: type(v).__name__ for k, v in PARAMS.items()})
    r = render(f"{PY} -c {shlex.quote(ARGPARSE)} {shlex.quote(types)} {{args}}", PARAMS, trial_id=1, trial_dir=tmp_path)
    got = _run(r.argv)
    assert got == PARAMS
    assert all(type(got[k]) is type(v) for k, v in PARAMS.items())


HYDRA_LIKE = r"""
import json, re, sys
# The subset of Hydra's override grammar that tuitune writes: name=bare or name='quoted'.
def unquote(body):
    body = re.sub(r"(\\*)\\'", lambda m: m.group(1)[: len(m.group(1)) // 2] + "'", body)
    body = re.sub(r"(\\*)\Z", lambda m: m.group(1)[: len(m.group(1)) // 2], body)
    return re.sub(r"(\\*)\\\$\{", lambda m: m.group(1)[: len(m.group(1)) // 2] + "${", body)
def value(text):
    if text.startswith("'"):
        assert text.endswith("'") and len(text) >= 2, text
        return unquote(text[1:-1])
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-./]*", text), f"Hydra would refuse bare {text!r}"
        return text
print(json.dumps({k: value(v) for k, v in (a.split("=", 1) for a in sys.argv[1:])}, ensure_ascii=False))
"""

TRICKY = ["", "true", "null", "inf", "1e5", "-3", " lead", "x,y", "${x}", "\\${x}", "end\\", "it's", "q\\'x",
          "a\\b", "[1,2]", "a=b", "~", "tab\there", "new\nline"]


@pytest.mark.slow
def test_round_trip_through_a_hydra_style_parser(tmp_path: Path) -> None:
    params = {**PARAMS, **{f"s{i}": s for i, s in enumerate(TRICKY)}}
    r = render(f"{PY} -c {shlex.quote(HYDRA_LIKE)} {{args_no_hyphens}}", params, trial_id=1, trial_dir=tmp_path)
    got = _run(r.argv)
    assert got == params
    assert all(type(got[k]) is type(v) for k, v in params.items())


def test_round_trip_through_hydra_itself() -> None:
    """Run where hydra-core is installed (it is not a dependency). The quoting was also checked
    against hydra-core 1.3 and OmegaConf with 5,000 random strings of quotes, backslashes, ``${``,
    commas, spaces and non-ASCII text."""
    parser = pytest.importorskip("hydra.core.override_parser.overrides_parser").OverridesParser.create()
    omegaconf = pytest.importorskip("omegaconf").OmegaConf
    for v in [*PARAMS.values(), *TRICKY, float("nan")]:
        got = omegaconf.create({"a": parser.parse_override("a=" + hydra_value(v)).value()}).a  # resolves ${...}
        same = got == v and type(got) is type(v)
        assert same or (isinstance(v, float) and math.isnan(v) and math.isnan(got))
