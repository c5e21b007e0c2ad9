"""Valid project and study files load to exactly the domain objects they describe."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from tuitune import config
from tuitune.domain import (Aggregate, Algorithm, Condition, Direction, DivergenceRule, Layout, MetricChannels,
                            Objective, ParamType, Role, Scale)

FULL_PROJECT = dedent(r"""
    [project]
    name = "mlp"
    command = "python train.py {args} --out {trial_dir}"
    workdir = "src"
    store = "/abs/store.db"

    [objective]
    metric = "val_acc"
    direction = "maximize"
    aggregate = "final"

    [metrics]
    train = "loss"
    valid = "val_acc"
    stdout_protocol = false
    regex = ['epoch (?P<step>\d+) loss (?P<loss>[\d.eE+-]+)']
    csv = "logs/metrics.csv"

    [divergence]
    metrics = ["loss"]
    above = 1e3
    below = -1.0
    stop = false

    [resources]
    parallel = 2
    gpus_per_trial = 1
    gpus = [0, 1]
    timeout = 3600
    max_retries = 2
    stop_grace = 90

    [baseline]
    learning_rate = 0.01
    optimizer = "adam"
    layers = 4
    nesterov = true
""")


@pytest.fixture
def project_root(tmp_path: Path) -> Path:
    (tmp_path / "tuitune.toml").write_text(FULL_PROJECT)
    (tmp_path / "src").mkdir()  # the workdir
    return tmp_path


def test_full_project(project_root: Path) -> None:
    project = config.load_project(project_root / "tuitune.toml")
    assert project.name == "mlp"
    assert project.command == "python train.py {args} --out {trial_dir}"
    assert project.objective == Objective("val_acc", Direction.MAXIMIZE, Aggregate.FINAL)
    assert (project.train_metric, project.valid_metric) == ("loss", "val_acc")
    assert project.metrics == MetricChannels(False, (r"epoch (?P<step>\d+) loss (?P<loss>[\d.eE+-]+)",),
                                             "logs/metrics.csv")
    assert project.divergence == DivergenceRule(("loss",), 1e3, -1.0, False)
    assert (project.parallel, project.gpus_per_trial, project.gpus) == (2, 1, ("0", "1"))
    assert (project.timeout, project.max_retries, project.stop_grace) == (3600, 2, 90)
    assert dict(project.baseline) == {"learning_rate": 0.01, "optimizer": "adam", "layers": 4, "nesterov": True}
    assert Path(project.root) == project_root.resolve()
    assert config.project_store_path(project) == Path("/abs/store.db")
    assert config.project_workdir(project) == project_root.resolve() / "src"


def test_minimal_project_takes_the_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "tuitune.toml").write_text('[project]\ncommand = "python t.py {args}"\n[metrics]\nvalid = "val_err"\n')
    project = config.load_project(folder)
    assert project.name == "my-model"
    assert project.objective == Objective("val_err")  # the objective follows the validation metric
    assert project.metrics == MetricChannels()
    assert (project.parallel, project.gpus, project.timeout, dict(project.baseline)) == (1, None, None, {})
    assert config.project_store_path(project) == folder.resolve() / ".tuitune" / "store.db"
    assert config.project_workdir(project) == folder.resolve()


def test_find_project_walks_up_from_a_folder_or_a_file(project_root: Path) -> None:
    deep = project_root / "studies" / "old"
    deep.mkdir(parents=True)
    (deep / "s.toml").write_text("")
    assert config.find_project(deep) == project_root.resolve()
    assert config.find_project(deep / "s.toml") == project_root.resolve()


STUDY = dedent("""
    name = "wd"
    algorithm = "grid"
    trials = 9
    seed = 4
    repeats = 3
    seed_param = "rng"
    layout = "per_value"
    grid_steps = 4
    notes = "does weight decay help?"

    [objective]
    direction = "minimize"

    [params.optimizer]
    role = "scientific"
    values = ["momentum", "adam"]

    [params.lr_momentum]
    name = "learning_rate"
    low = 1e-4
    high = 1.0
    scale = "log"
    when = { optimizer = "momentum" }

    [params.lr_adam]
    name = "learning_rate"
    low = 1e-5
    high = 1e-1
    scale = "log"
    when = { optimizer = ["adam"] }

    [params.layers]
    name = "n_layers"
    low = 2
    high = 8

    [params.nesterov]
    values = [false, true]
    when.optimizer = "momentum"

    [params.depth]
    role = "fixed"
    name = "layers"

    [params.nesterov_fixed]
    role = "fixed"
    name = "nesterov"
    when = { optimizer = "adam" }

    [params.dropout]
    role = "fixed"
    value = 0.1
""")


def test_full_study(project_root: Path) -> None:
    project = config.load_project(project_root)
    (project_root / "wd.toml").write_text(STUDY)
    study = config.load_study(project_root / "wd.toml", project)
    assert (study.name, study.algorithm, study.trials, study.seed) == ("wd", Algorithm.GRID, 9, 4)
    assert (study.repeats, study.seed_param, study.layout, study.grid_steps) == (3, "rng", Layout.PER_VALUE, 4)
    assert study.notes == "does weight decay help?"
    assert study.objective == Objective("val_acc", Direction.MINIMIZE)  # metric from the project
    space = study.space
    assert space.ids == ("optimizer", "lr_momentum", "lr_adam", "layers", "nesterov", "depth", "nesterov_fixed",
                         "dropout")
    assert study.scientific == ("optimizer",)
    opt, lr_m, lr_a, layers, nesterov, depth, nest_fixed, dropout = space
    assert (opt.type, opt.role, opt.values) == (ParamType.CATEGORICAL, Role.SCIENTIFIC, ("momentum", "adam"))
    assert (lr_m.name, lr_m.type, lr_m.role, lr_m.scale) == ("learning_rate", ParamType.FLOAT, Role.NUISANCE, Scale.LOG)
    assert lr_m.when == (Condition("optimizer", ("momentum",)),)
    assert (lr_a.low, lr_a.high) == (1e-5, 1e-1) and lr_a.when == (Condition("optimizer", ("adam",)),)
    assert (layers.type, layers.low, layers.high) == (ParamType.INT, 2, 8)
    assert nesterov.type is ParamType.BOOL and nesterov.when == (Condition("optimizer", ("momentum",)),)
    # fixed values from [baseline]: by passed name first
    assert (depth.type, depth.value) == (ParamType.INT, 4)
    assert (nest_fixed.type, nest_fixed.value) == (ParamType.BOOL, True)
    assert (dropout.type, dropout.value) == (ParamType.FLOAT, 0.1)
    assert space.active({"optimizer": "adam", "lr_adam": 0.01, "lr_momentum": 0.5}) == {
        "optimizer": "adam", "lr_adam": 0.01, "depth": 4, "nesterov_fixed": True, "dropout": 0.1}


def test_fixed_value_by_id_when_the_name_is_not_in_the_baseline(project_root: Path) -> None:
    (project_root / "s.toml").write_text('[params.layers]\nrole = "fixed"\nname = "n_layers"\n'
                                         '[params.lr]\nlow = 0.1\nhigh = 1.0\n')
    study = config.load_study(project_root / "s.toml", config.load_project(project_root))
    assert study.space["layers"].value == 4
    assert study.name == "s"  # the file's stem when no name is given


def test_fixed_string_value_makes_a_one_value_categorical(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('[params.act]\nrole = "fixed"\nvalue = "relu"\n[params.lr]\nlow = 0.1\nhigh = 1\n')
    study = config.load_study(tmp_path / "s.toml")
    act = study.space["act"]
    assert (act.type, act.values, act.value) == (ParamType.CATEGORICAL, ("relu",), "relu")
    assert study.space["lr"].type is ParamType.FLOAT  # one float bound makes a float range


def test_manual_configs_by_id_or_unique_passed_name(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(dedent("""
        algorithm = "manual"
        [params.lr_sgd]
        name = "learning_rate"
        role = "fixed"
        value = 0.1
        [params.wd]
        role = "fixed"
        value = 0.0
        [[configs]]
        learning_rate = 0.3
        [[configs]]
        lr_sgd = 0.2
        wd = 1e-4
    """))
    study = config.load_study(tmp_path / "s.toml")
    assert study.algorithm is Algorithm.MANUAL
    assert study.configs == ({"lr_sgd": 0.3}, {"lr_sgd": 0.2, "wd": 1e-4})


def test_file_named_otherwise_with_a_project_table_is_a_project_file(project_root: Path) -> None:
    (project_root / "other.toml").write_text(FULL_PROJECT.replace("parallel = 2", "parallel = 0"))
    (problem,) = config.check_files([project_root / "other.toml"])
    assert problem.field == "resources.parallel"


def test_check_files_of_valid_files_is_empty(project_root: Path) -> None:
    (project_root / "wd.toml").write_text(STUDY)
    assert config.check_files([project_root / "tuitune.toml", project_root / "wd.toml"]) == []


def test_command_with_own_placeholders_and_literal_braces(tmp_path: Path) -> None:
    (tmp_path / "tuitune.toml").write_text(dedent("""\
        [project]
        command = "python train.py --lr={learning_rate} --cfg='{\\"a\\": 1}' {args_no_hyphens} > {trial_dir}/x"
        [baseline]
        learning_rate = 0.1
    """))
    (tmp_path / "s.toml").write_text("[params.learning_rate]\nlow = 0.01\nhigh = 1.0\n")
    assert config.check_files([tmp_path / "tuitune.toml", tmp_path / "s.toml"]) == []
