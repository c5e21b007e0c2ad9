"""Malformed project and study files: every error names the file, the line, the field and a fix.

One row per mistake a user makes; each row holds the broken file, the field the error must
name, the line it must point at (``None`` where no line makes sense) and words the message must
contain (what was found, or the suggestion).
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from tuitune import config
from tuitune.domain import InvalidConfig

PROJECT = dedent("""\
    [project]
    command = "python train.py {args} --lr={lr}"

    [baseline]
    learning_rate = 0.1
    optimizer = "adam"
""")

# Most study rows start from this and add one mistake below it (line numbers count from 1).
HEAD = dedent("""\
    name = "s"
    trials = 8

    [params.lr]
    low = 1e-4
    high = 1.0
    scale = "log"
""")

STUDY_CASES = [
    # id, study text, field, line, words in the message
    ("toml-syntax", HEAD + "[params.wd]\nlow = \n", "", 9, ["not valid TOML", "invalid value"]),
    ("toml-duplicate-key", HEAD + "low = 2\n", "", 8, ["not valid TOML", "overwrite"]),
    ("unknown-top-field", HEAD.replace("trials", "trails"), "trails", 2, ["did you mean 'trials'"]),
    ("unknown-param-field", HEAD.replace("high =", "hihg ="), "params.lr.hihg", 6, ["did you mean 'high'"]),
    ("log-low-zero", HEAD.replace("low = 1e-4", "low = 0"), "params.lr.low", 5, ["log scale needs low > 0", "low = 0"]),
    ("low-above-high", HEAD.replace("low = 1e-4", "low = 2.0"), "params.lr.low", 5, ["low < high", "2.0"]),
    ("when-missing-parent", HEAD + '[params.m]\nlow = 0.8\nhigh = 0.99\nwhen = { optimiser = "sgd" }\n',
     "params.m.when", 11, ["'optimiser'", "not a hyperparameter"]),
    ("when-value-never-taken",
     HEAD + '[params.opt]\nvalues = ["sgd", "adam"]\n[params.m]\nlow = 0.8\nhigh = 0.99\nwhen = { opt = "nesterov" }\n',
     "params.m.when", 13, ["never takes 'nesterov'"]),
    ("when-float-parent", HEAD + '[params.m]\nlow = 0.8\nhigh = 0.99\nwhen = { lr = 0.1 }\n',
     "params.m.when", 11, ["is a float", "categorical or bool"]),
    ("cycle", HEAD + '[params.a]\nvalues = ["x", "y"]\nwhen = { b = "x" }\n[params.b]\nvalues = ["x", "y"]\n'
     'when = { a = "x" }\n', "params.a.when", 10, ["cycle", "a -> b -> a"]),
    ("same-name-active-together", HEAD + '[params.lr2]\nname = "lr"\nlow = 0.1\nhigh = 0.2\n',
     "params.lr2.name", 9, ["both can be active at once"]),
    ("fixed-out-of-range", HEAD + '[params.wd]\nrole = "fixed"\nlow = 0.0\nhigh = 1.0\nvalue = 2.0\n',
     "params.wd.value", 12, ["2.0", "float in [0.0, 1.0]"]),
    ("fixed-no-value-no-baseline", HEAD + '[params.dropout]\nrole = "fixed"\n', "params.dropout.value", 8,
     ["needs a value", "[baseline]", "'dropout'"]),
    ("fixed-baseline-not-in-values", HEAD + '[params.optimizer]\nrole = "fixed"\nvalues = ["sgd", "momentum"]\n',
     "params.optimizer.value", 8, ["'adam'", "taken from [baseline]"]),
    ("low-is-a-string", HEAD.replace("low = 1e-4", 'low = "1e-4"'), "params.lr.low", 5,
     ['found string "1e-4"', "a number"]),
    ("int-bounds-not-integral", HEAD + '[params.layers]\ntype = "int"\nlow = 1.5\nhigh = 8\n',
     "params.layers.low", 10, ["integral", "1.5"]),
    ("algorithm-bayes", 'algorithm = "bayes"\n' + HEAD, "algorithm", 1, ['"bayes"', '"quasi_random"', '"manual"']),
    ("scale-typo", HEAD.replace('"log"', '"Log"'), "params.lr.scale", 7, ['did you mean "log"']),
    ("trials-zero", HEAD.replace("trials = 8", "trials = 0"), "trials", 2, [">= 1", "found 0"]),
    ("trials-float", HEAD.replace("trials = 8", "trials = 8.0"), "trials", 2, ["whole number", "8.0"]),
    ("categorical-without-values", HEAD + '[params.act]\ntype = "categorical"\n', "params.act.values", 8,
     ["at least one value"]),
    ("manual-without-configs", HEAD.replace('trials = 8', 'algorithm = "manual"'), "configs", None,
     ["manual study needs configurations"]),
    ("manual-config-unknown-param", HEAD.replace('trials = 8', 'algorithm = "manual"') + "[[configs]]\nlr = 0.1\n"
     "[[configs]]\nmomentum = 0.9\n", "configs[1].momentum", 11, ["not a hyperparameter"]),
    ("configs-without-manual", HEAD + "[[configs]]\nlr = 0.1\n", "configs", 8, ["only used by the manual"]),
    ("nothing-varies", 'name = "s"\n[params.lr]\nrole = "fixed"\nvalue = 0.1\n', "params", 2, ["nothing varies"]),
    ("no-params", 'name = "s"\ntrials = 3\n', "params", None, ["no hyperparameters"]),
    ("param-field-at-top", "momentum = 0.9\n" + HEAD, "momentum", 1, ["unknown field 'momentum'"]),
    ("param-not-a-table", "params.wd = 0.1\n" + HEAD, "params.wd", 1, ["expected a table", "float 0.1"]),
    ("param-not-a-table-late", HEAD + "[params]\nwd = 0.1\n", "params.wd", 9, ["expected a table"]),
    ("when-not-a-table", HEAD + '[params.m]\nlow = 0.8\nhigh = 0.99\nwhen = "optimizer"\n', "params.m.when", 11,
     ["a table of parent = value", 'string "optimizer"']),
    ("when-written-as-text", HEAD + '[params.m]\nlow = 0.8\nhigh = 0.99\nwhen = "opt = momentum | nesterov"\n',
     "params.m.when", 11, ['write when = { opt = ["momentum", "nesterov"] }']),
    ("when-written-with-double-equals", HEAD + '[params.m]\nlow = 0.8\nhigh = 0.99\nwhen = "opt == adam"\n',
     "params.m.when", 11, ['write when = { opt = "adam" }']),
    ("layout-bad", 'layout = "per-value"\n' + HEAD, "layout", 1, ['did you mean "per_value"']),
    ("seed-negative", HEAD.replace("trials = 8", "seed = -1"), "seed", 2, [">= 0", "-1"]),
    ("seed-param-swept", 'repeats = 3\n' + HEAD + '[params.seed]\nvalues = [1, 2]\n', "seed_param", None,
     ["also set by repeats"]),
    ("command-names-no-such-param", HEAD.replace("[params.lr]", "[params.learning_rate]"), "params", 4,
     ["{lr}", "no hyperparameter of this study passes the name 'lr'"]),
    ("command-names-a-conditional-param",
     HEAD.replace('scale = "log"', 'scale = "log"\nwhen = { opt = "a" }') + '[params.opt]\nvalues = ["a", "b"]\n',
     "params", 4, ["{lr}", "'lr' is conditional", "fix: use {args}"]),
    ("bool-values-mixed", HEAD + '[params.flag]\ntype = "bool"\nvalues = [true, "no"]\n', "params.flag.values",
     10, ["a bool takes true and false"]),
    ("seed-past-64-bits", HEAD.replace("trials = 8", "seed = 1180591620717411303424"), "seed", 2,
     ["below 2**63", "1180591620717411303424"]),
    ("int-bound-past-64-bits", HEAD + "[params.layers]\nlow = 1\nhigh = 1180591620717411303424\n",
     "params.layers.high", 10, ["±2**63", "1180591620717411303424"]),
    ("float-bound-past-64-bits", HEAD + '[params.wd]\ntype = "float"\nlow = 0\nhigh = 1180591620717411303424\n',
     "params.wd.high", 11, ["±2**63", "exponent"]),
    ("fixed-int-past-64-bits", HEAD + '[params.layers]\nrole = "fixed"\nvalue = 1180591620717411303424\n',
     "params.layers.value", 10, ["±2**63"]),
    ("bound-of-400-digits", HEAD.replace("high = 1.0", "high = " + "9" * 400), "params.lr.high", 6, ["±2**63"]),
    ("integer-of-5000-digits", "seed = " + "9" * 5000 + "\n" + HEAD, "", None, ["too long to read"]),
    ("trials-past-the-limit", HEAD.replace("trials = 8", "trials = 100000000"), "trials", 2,
     ["at most 100,000", "100,000,000", "split"]),
    ("points-times-repeats-past-the-limit", HEAD.replace("trials = 8", "trials = 50000\nrepeats = 3"), "trials", 2,
     ["50,000 points x 3 repeats = 150,000 trials", "more than the 100,000"]),
    ("grid-past-the-limit", 'algorithm = "grid"\ngrid_steps = 40\n' + HEAD.replace("trials = 8\n", "")
     + "".join(f"[params.p{i}]\nlow = 0.0\nhigh = 1.0\n" for i in range(3)), "grid_steps", 2,
     ["up to 2,560,000 points", "40 x 40 x 40 x 40 values of lr, p0, p1, p2", "lower grid_steps", "split"]),
    ("grid-of-a-million-steps", 'algorithm = "grid"\ngrid_steps = 1000000\n' + HEAD, "grid_steps", 2,
     ["up to 1,000,000 points"]),
    ("grid-of-categoricals-past-the-limit", 'algorithm = "grid"\n' + HEAD.replace("trials = 8\n", "")
     + "".join(f"[params.c{i}]\nvalues = {list(range(20))}\n" for i in range(4)), "grid_steps", None,
     ["3 x 20 x 20 x 20 x 20 values of lr, c0, c1, c2, c3"]),
    ("categorical-values-passed-as-the-same-text", HEAD + '[params.opt]\nvalues = ["1", 1, "true", true]\n',
     "params.opt.values", 9, ["'1' and 1 both reach the command as 1", "could not tell them apart"]),
    ("manual-configs-times-repeats-past-the-limit", 'algorithm = "manual"\nrepeats = 100001\n'
     + HEAD.replace("trials = 8\n", "") + "[[configs]]\nlr = 0.1\n", "repeats", 2, ["at most 100,000"]),
]

PROJECT_CASES = [
    ("toml-syntax", PROJECT.replace("[baseline]", "[baseline"), "", 4, ["not valid TOML"]),
    ("unknown-table", PROJECT + "[resource]\nparallel = 2\n", "resource", 7, ["did you mean 'resources'"]),
    ("field-outside-its-table", 'parallel = 2\n' + PROJECT, "parallel", 1, ["move it under [resources]"]),
    ("empty-command", PROJECT.replace('"python train.py {args} --lr={lr}"', '""'), "project.command", 2, ["empty"]),
    ("missing-command", PROJECT.replace('command = "python train.py {args} --lr={lr}"', 'name = "x"'), "project.command", 1,
     ["missing"]),
    ("unknown-placeholder", PROJECT.replace("{args}", "{arg}"), "project.command", 2, ["did you mean {args}"]),
    ("unbalanced-quote", PROJECT.replace("{args}", "--note='hi {args}"), "project.command", 2,
     ["cannot be split", "quotation"]),
    ("args-inside-a-word", PROJECT.replace("{args}", "--flags={args}"), "project.command", 2,
     ["must be a word of its own", "'--flags={args}'"]),
    ("bad-regex", PROJECT + "[metrics]\nregex = ['loss (?P<loss>[0-9.]+']\n", "metrics.regex[0]", 8,
     ["does not compile"]),
    ("regex-names-no-metric", PROJECT + "[metrics]\nregex = [\n  'a',\n  'step (?P<step>\\d+)',\n]\n",
     "metrics.regex[1]", 10, ["names no metric"]),
    ("direction-typo", PROJECT + '[objective]\ndirection = "minimise"\n', "objective.direction", 8,
     ['did you mean "minimize"']),
    ("aggregate-bad", PROJECT + '[objective]\naggregate = "mean"\n', "objective.aggregate", 8, ['"best"', '"final"']),
    ("parallel-string", PROJECT + '[resources]\nparallel = "2"\n', "resources.parallel", 8,
     ["remove the quotes: parallel = 2"]),
    ("parallel-zero", PROJECT + '[resources]\nparallel = 0\n', "resources.parallel", 8, [">= 1", "0"]),
    ("timeout-negative", PROJECT + '[resources]\ntimeout = -5\n', "resources.timeout", 8, ["> 0", "-5"]),
    ("stop-grace-zero", PROJECT + '[resources]\nstop_grace = 0\n', "resources.stop_grace", 8, ["> 0", "0"]),
    ("stop-grace-text", PROJECT + '[resources]\nstop_grace = "1m"\n', "resources.stop_grace", 8, ["number"]),
    ("gpu-pool-too-small", PROJECT + '[resources]\ngpus_per_trial = 2\ngpus = [0]\n', "resources.gpus_per_trial", 8,
     ["needs 2 GPUs", "has 1"]),
    ("gpu-id-negative", PROJECT + '[resources]\ngpus = [0, -1]\n', "resources.gpus[1]", 8, ["-1"]),
    ("baseline-array", PROJECT + "lr_schedule = [1, 2]\n", "baseline.lr_schedule", 7, ["array [1, 2]"]),
    ("divergence-below-above", PROJECT + "[divergence]\nabove = 1.0\nbelow = 2.0\n", "divergence.below", 9,
     ["below < above"]),
    ("store-is-folder", PROJECT.replace("[baseline]", 'store = "data/"\n[baseline]'), "project.store", 4,
     ["names a folder"]),
    ("stop-not-bool", PROJECT + '[divergence]\nstop = "yes"\n', "divergence.stop", 8, ["true or false"]),
    ("workdir-missing", PROJECT.replace("[baseline]", 'workdir = "nonexistent"\n[baseline]'), "project.workdir", 4,
     ["found workdir = 'nonexistent'", "does not exist", "create that folder"]),
    ("workdir-a-file", PROJECT.replace("[baseline]", 'workdir = "tuitune.toml"\n[baseline]'), "project.workdir", 4,
     ["is a file, not a folder"]),
    ("timeout-of-400-digits", PROJECT + "[resources]\ntimeout = " + "9" * 400 + "\n", "resources.timeout", 8,
     ["±2**63"]),
]


def check_one(tmp_path: Path, file: Path, field: str, line: int | None, words: list[str], loader) -> None:
    problems = config.check_files([file])
    assert problems, "expected at least one problem"
    matching = [p for p in problems if p.field == field]
    assert matching, f"no problem names {field!r}: {[str(p) for p in problems]}"
    problem = matching[0]
    text = str(problem)
    assert problem.file.endswith(file.name), text
    assert text.startswith(problem.file), text
    assert problem.line == line, text
    assert "(fix: " in text and problem.fix, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    with pytest.raises(InvalidConfig) as raised:
        loader(file)
    assert problem in raised.value.problems
    assert str(problem) in str(raised.value)


@pytest.mark.parametrize("text, field, line, words", [c[1:] for c in STUDY_CASES], ids=[c[0] for c in STUDY_CASES])
def test_malformed_study(tmp_path: Path, text: str, field: str, line: int | None, words: list[str]) -> None:
    (tmp_path / "tuitune.toml").write_text(PROJECT)
    study = tmp_path / "studies" / "broken.toml"
    study.parent.mkdir()
    study.write_text(text)
    project = config.load_project(tmp_path)
    check_one(tmp_path, study, field, line, words, lambda path: config.load_study(path, project))


@pytest.mark.parametrize("text, field, line, words", [c[1:] for c in PROJECT_CASES],
                         ids=[c[0] for c in PROJECT_CASES])
def test_malformed_project(tmp_path: Path, text: str, field: str, line: int | None, words: list[str]) -> None:
    file = tmp_path / "tuitune.toml"
    file.write_text(text)
    check_one(tmp_path, file, field, line, words, config.load_project)


@pytest.mark.parametrize("kind, text, field, line", [("study", *c[1:4]) for c in STUDY_CASES] +
                         [("project", *c[1:4]) for c in PROJECT_CASES],
                         ids=[c[0] for c in STUDY_CASES] + [c[0] for c in PROJECT_CASES])
def test_validate_exits_1_naming_the_field_and_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], kind: str, text: str,
                                                   field: str, line: int | None) -> None:
    """The same table through ``tuitune validate``, as a user runs it."""
    from tuitune.cli import main

    (tmp_path / "tuitune.toml").write_text(text if kind == "project" else PROJECT)
    files = []
    if kind == "study":
        (tmp_path / "studies").mkdir()
        (tmp_path / "studies" / "broken.toml").write_text(text)
        files = ["studies/broken.toml"]
    monkeypatch.chdir(tmp_path)
    assert main(["validate", *files]) == 1
    err = capsys.readouterr().err
    where = f"{'studies/broken.toml' if kind == 'study' else 'tuitune.toml'}" + (f":{line}" if line else "")
    assert where in err and field in err and "(fix: " in err, err
    assert "Traceback" not in err


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_text(dedent("""\
        trials = 0
        algorithm = "bayes"
        [params.lr]
        low = 0
        high = 1
        scale = "log"
        [params.wd]
        low = 2.0
        high = 1.0
        [params.m]
        low = 0.8
        high = 0.9
        when = { opt = "sgd" }
        [params.drop]
        lwo = 0.1
    """))
    with pytest.raises(InvalidConfig) as raised:
        config.load_study(study)
    fields = [p.field for p in raised.value.problems]
    assert fields == ["trials", "algorithm", "params.lr.low", "params.wd.low", "params.m.when", "params.drop.lwo"]
    assert [p.line for p in raised.value.problems] == [1, 2, 4, 8, 13, 15]


def test_a_broken_parent_hides_no_real_problem_and_invents_none(tmp_path: Path) -> None:
    """The parent's fixed value is wrong; its child's condition is fine and must stay quiet."""
    study = tmp_path / "s.toml"
    study.write_text(dedent("""\
        [params.opt]
        role = "fixed"
        values = ["sgd", "adam"]
        value = "rmsprop"
        [params.beta]
        low = 0.8
        high = 0.99
        when = { opt = "adam" }
        [params.gamma]
        low = 0.8
        high = 0.99
        when = { opt = "nadam" }
    """))
    with pytest.raises(InvalidConfig) as raised:
        config.load_study(study)
    assert [p.field for p in raised.value.problems] == ["params.opt.value", "params.gamma.when"]


def test_values_passed_as_the_same_text_are_reported_once_each_and_invent_nothing(tmp_path: Path) -> None:
    """The categorical is the only varying hyperparameter: its stand-in keeps it varying."""
    study = tmp_path / "s.toml"
    study.write_text('[params.opt]\nvalues = ["1", 1, "true", true, 1e-05, "1e-05", 2]\n')
    problems = config.check_files([study])
    assert [(p.field, p.line) for p in problems] == [("params.opt.values", 2)] * 3
    assert ["'true' and True" in p.message for p in problems] == [False, True, False]
    assert "'1e-05'" in problems[2].message


def test_fixed_without_value_outside_any_project(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_text(HEAD + '[params.dropout]\nrole = "fixed"\n')
    (problem,) = config.check_files([study])
    assert problem.field == "params.dropout.value"
    assert "no tuitune.toml was found" in problem.message


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (problem,) = config.check_files([tmp_path / "nope.toml"])
    assert "no such file" in str(problem) and "fix:" in str(problem)


def test_a_broken_project_is_reported_once_for_many_studies(tmp_path: Path) -> None:
    (tmp_path / "tuitune.toml").write_text(PROJECT.replace("{args}", "{arg}"))
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(HEAD)
    problems = config.check_files([tmp_path / "tuitune.toml", tmp_path / "a.toml", tmp_path / "b.toml"])
    assert [p.field for p in problems] == ["project.command"]


def test_study_checked_against_a_broken_project_still_uses_its_baseline(tmp_path: Path) -> None:
    (tmp_path / "tuitune.toml").write_text(PROJECT.replace("{args}", "{arg}"))
    (tmp_path / "a.toml").write_text(HEAD + '[params.optimizer]\nrole = "fixed"\nvalues = ["sgd", "adam"]\n')
    assert [p.field for p in config.check_files([tmp_path / "a.toml"])] == ["project.command"]


@pytest.mark.parametrize("broken, field, line", [
    (PROJECT.replace("[baseline]", "[baseline"), "", 4),
    (PROJECT + "[resources]\nparallel = 0\n", "resources.parallel", 8),
    (PROJECT.replace('optimizer = "adam"', "optimizer = []"), "baseline.optimizer", 6),
], ids=["syntax-error", "parallel-zero", "baseline-value-an-array"])
def test_a_broken_project_adds_no_follow_on_problem_to_its_studies(tmp_path: Path, broken: str, field: str,
                                                                  line: int) -> None:
    """Fixed values and the objective's metric come from tuitune.toml: while it is broken, their
    absence is its problem, not the study's; the study's own problems are still reported."""
    (tmp_path / "tuitune.toml").write_text(broken)
    (tmp_path / "a.toml").write_text(HEAD.replace("trials = 8", "trials = 0")
                                     + '[params.optimizer]\nrole = "fixed"\nvalues = ["sgd", "adam"]\n'
                                     + '[objective]\ndirection = "maximize"\n')
    problems = config.check_files([tmp_path / "a.toml"])
    found = [(Path(p.file).name, p.field, p.line) for p in problems]
    assert found == [("tuitune.toml", field, line), ("a.toml", "trials", 2)]


def test_find_project_outside_any_project_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig) as raised:
        config.find_project(tmp_path)
    assert "tuitune init" in str(raised.value)


def test_command_checks_run_beside_other_problems(tmp_path: Path) -> None:
    (tmp_path / "tuitune.toml").write_text(PROJECT.replace("{args}", "{args} --out={trial_dir}"))
    (tmp_path / "s.toml").write_text('trials = 0\n[params.trial_dir]\nvalues = ["a"]\n')
    problems = config.check_files([tmp_path / "s.toml"])
    by_field = {p.field: p for p in problems}
    assert [(p.field, p.line) for p in problems][0] == ("trials", 1)
    assert {field: p.line for field, p in by_field.items()} == {"trials": 1, "params": 2, "params.trial_dir.name": 2}
    assert "{lr}" in by_field["params"].message
    assert "placeholder {trial_dir}" in by_field["params.trial_dir.name"].message


def test_a_project_file_read_as_a_study_says_so(tmp_path: Path) -> None:
    """Not a list of 'unknown field project; did you mean objective?' for each of its tables."""
    (tmp_path / "tuitune.toml").write_text(PROJECT)
    with pytest.raises(InvalidConfig) as raised:
        config.load_study(tmp_path / "tuitune.toml", config.load_project(tmp_path))
    assert [p.message for p in raised.value.problems] == [
        "this is a project file (it has a [project] table), not a study design"]
    assert "did you mean" not in str(raised.value)
