"""The sample projects: their files validate, their scripts take what tuitune passes, and their
metrics reach tuitune (report client JSON lines, or regular expressions over stdout).

The scripts run as real subprocesses with tiny settings (a few epochs), as the runner would
start them; the end-to-end runs of whole rounds belong to the runner's and the demo's tests.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import py_compile
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tuitune import config, search
from tuitune.runner.channels import RegexChannel
from tuitune.runner.render import render

SAMPLES = Path(__file__).resolve().parents[2] / "tuitune" / "samples"
MLP = SAMPLES / "mlp_numpy"
REGEX = SAMPLES / "regex_only"
TINY = ["--epochs=3", "--hidden=16"]


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"sample_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(script: Path, args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    """Run a sample script as the runner would (its folder as cwd, the metrics file in the env)."""
    metrics = tmp_path / "metrics.jsonl"
    env = {**os.environ, "TUITUNE_METRICS_FILE": str(metrics)}
    proc = subprocess.run([sys.executable, script.name, *args], cwd=script.parent, env=env, capture_output=True,
                          text=True, timeout=60)
    lines = metrics.read_text().splitlines() if metrics.exists() else []
    return proc, [json.loads(line) for line in lines]


@pytest.mark.parametrize("folder", sorted(p for p in SAMPLES.iterdir() if (p / config.PROJECT_FILE).is_file()),
                         ids=lambda p: p.name)
def test_every_sample_project_and_study_file_validates(folder):
    studies = sorted((folder / "studies").glob("*.toml"))
    assert studies, f"{folder.name} ships no study"
    assert config.check_files([folder / config.PROJECT_FILE, *studies]) == []
    assert (folder / "README.md").is_file()


@pytest.mark.parametrize("folder, script", [(MLP, "train.py"), (REGEX, "fit.py")], ids=["mlp_numpy", "regex_only"])
def test_the_scripts_accept_every_point_of_their_study_as_tuitune_renders_it(folder, script, tmp_path):
    """Each study's first points, rendered through the project's command, parse to the same
    values; argparse defaults equal the project's [baseline], so omitted flags mean the baseline."""
    project = config.load_project(folder)
    module = load_script(folder / script)
    for study_file in (folder / "studies").glob("*.toml"):
        study = config.load_study(study_file, project)
        for part in search.expand(study):
            for point in search.points(part, 0, 8):
                argv = render(project.command, point.params, trial_id=1, trial_dir=tmp_path).argv
                assert argv[:2] == ("python", script)
                parsed = vars(module.parse_args(list(argv[2:])))
                assert {k: parsed[k] for k in point.params} == pytest.approx(dict(point.params))
    defaults = vars(module.parse_args([]))
    assert {k: defaults[k] for k in project.baseline} == project.baseline


def test_mlp_reports_one_json_line_per_epoch(tmp_path):
    proc, rows = run(MLP / "train.py", TINY, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(rows) == 3
    assert [r["step"] for r in rows] == sorted(r["step"] for r in rows) and rows[0]["step"] > 0
    for row in rows:
        assert {"train_loss", "val_loss", "val_error", "_time"} <= set(row)
        assert all(math.isfinite(row[m]) for m in ("train_loss", "val_loss", "val_error"))
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]


def test_mlp_with_a_learning_rate_far_too_high_reports_the_divergence_and_stops(tmp_path):
    proc, rows = run(MLP / "train.py", ["--learning_rate=5", "--optimizer=momentum", "--epochs=10"], tmp_path)
    assert proc.returncode == 0 and "diverged" in proc.stderr
    assert 0 < len(rows) < 10
    assert not math.isfinite(rows[-1]["train_loss"])


def test_mlp_training_seed_moves_the_result_a_little_and_the_data_not_at_all(tmp_path):
    results = []
    for seed in (0, 1):
        (tmp_path / str(seed)).mkdir()
        proc, rows = run(MLP / "train.py", [*TINY, f"--seed={seed}"], tmp_path / str(seed))
        assert proc.returncode == 0, proc.stderr
        results.append(rows[-1]["val_loss"])
    assert results[0] != results[1] and abs(results[0] - results[1]) < 0.2 * results[0]
    module = load_script(MLP / "train.py")
    assert all((a == b).all() for a, b in zip(module.make_data(), module.make_data()))


def test_regex_only_log_lines_become_measurements_through_the_projects_regexes(tmp_path):
    channel = RegexChannel(config.load_project(REGEX).metrics.regex)
    for args, finite in ((["--epochs=3"], True), (["--learning_rate=5", "--epochs=30"], False)):
        stdout = tmp_path / "stdout.log"
        with stdout.open("w") as out:
            subprocess.run([sys.executable, "fit.py", *args], cwd=REGEX, stdout=out, stderr=subprocess.DEVNULL,
                           check=True, timeout=60)
        epochs = stdout.read_text().count("\n")
        batch = channel.read(stdout)
        assert batch.garbage == 0 and len(batch.rows) == 3 * epochs
        assert {r.name for r in batch.rows} == {"train_loss", "val_loss", "val_r2"}
        assert sorted({r.step for r in batch.rows}) == list(range(1, epochs + 1))
        assert all(math.isfinite(r.value) for r in batch.rows) == finite
        if not finite:  # stopped at the first non-finite loss
            assert epochs < 30 and not math.isfinite(batch.rows[-3].value)


def test_the_pytorch_script_compiles(tmp_path):
    py_compile.compile(str(SAMPLES / "pytorch" / "train.py"), cfile=str(tmp_path / "train.pyc"), doraise=True)
