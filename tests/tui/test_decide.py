"""The Decide pane: the seed-repeat studies it builds, the verdict it shows, adopt and reject."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from rich.text import Text

from tuitune import analysis, config, search
from tuitune.baselines import effective_baseline
from tuitune.domain import (Algorithm, Baseline, Condition, Hyperparameter, Objective, ParamType, Project, Role,
                            Round, RoundStatus, SearchSpace, Study, Trial, TrialState as S, Verdict)
from tuitune.domain.errors import StoreError, TuituneError
from tuitune.store import Store
from tuitune.tui import decide_data as dd
from tuitune.tui.screens.decide import DecideScreen
from tuitune.tui.widgets.decide_modals import CandidateModal, RationaleModal, RepeatsModal
from tuitune.tui.widgets.footer import KeyBar
from tuitune.tui.widgets.decide_view import pair_text, runs_text
from tuitune.tui.widgets.hanging import plain

from .seed import FROZEN, FakeRunner

CANDIDATE, BASELINE = 0.30, 0.40
"""Where the two sides' seed runs land (val_loss, lower is better)."""


def open_store(folder: Path) -> Store:
    return Store.open(config.project_store_path(config.load_project(folder)))


def text_of(widget) -> str:
    return plain(widget.content)


def finish_seed_runs(folder: Path, count: int = 99) -> int:
    """Run up to ``count`` queued seed runs to completion, as the runner would, deterministically."""
    done = 0
    with open_store(folder) as store:
        for study in store.studies():
            role = study.extra.get(dd.DECIDE)
            for t in store.trials(study_id=study.id, states=[S.QUEUED]) if role else []:
                if done == count:
                    return done
                level = (CANDIDATE if role == "candidate" else BASELINE) + 0.004 * ((t.repeat * 7) % 5)
                store.transition(t.id, S.STARTING, at=FROZEN)
                store.transition(t.id, S.RUNNING, at=FROZEN)
                store.add_measurements([(t.id, s, "val_loss", level + 0.5 / (s + 1), FROZEN) for s in range(10)])
                store.transition(t.id, S.COMPLETED, at=FROZEN, exit_code=0)
                done += 1
    return done


# --- pure rules ---------------------------------------------------------------------------------


def conditional_study() -> tuple[Study, Trial]:
    space = SearchSpace((
        Hyperparameter("optimizer", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("sgd", "adam")),
        Hyperparameter("lr_sgd", ParamType.FLOAT, name="lr", low=1e-3, high=1.0, scale="log",
                       when=(Condition("optimizer", ("sgd",)),)),
        Hyperparameter("lr_adam", ParamType.FLOAT, name="lr", low=1e-5, high=1e-2, scale="log",
                       when=(Condition("optimizer", ("adam",)),)),
        Hyperparameter("epochs", ParamType.INT, Role.FIXED, value=10),
        Hyperparameter("seed", ParamType.INT, Role.FIXED, value=0),
    ))
    study = Study("opt", space, trials=8, seed=3, id=7, round_id=1)
    trial = Trial(study_id=7, index=2, params={"optimizer": "adam", "lr_adam": 0.001, "epochs": 10, "seed": 0}, id=42)
    return study, trial


def test_candidate_study_fixes_every_active_value_and_repeats() -> None:
    study, trial = conditional_study()
    plan = dd.plan_seed_studies(trial, study, {"optimizer": "sgd", "lr": 0.1, "epochs": 10}, 5, baseline_id=3)
    cand = plan.candidate
    assert (cand.name, cand.algorithm, cand.repeats, cand.seed_param) == ("candidate-t42", Algorithm.MANUAL, 5, "seed")
    # both sides share one seed, each candidate its own: a later round's baseline draws new training seeds
    assert plan.baseline.seed == cand.seed != study.seed
    other = dd.plan_seed_studies(replace(trial, id=43), study, {"optimizer": "sgd", "lr": 0.1, "epochs": 10}, 5)
    assert {t.seed for t in search.trials_for(other.baseline, 1)}.isdisjoint(
        {t.seed for t in search.trials_for(plan.baseline, 1)})
    assert all(p.role is Role.FIXED for p in cand.space)
    assert cand.configs == ({"optimizer": "adam", "lr_adam": 0.001, "epochs": 10, "seed": 0},)
    assert cand.extra == {"decide": "candidate", "candidate_trial": 42, "source_study": 7}
    trials = search.trials_for(cand, 1)
    assert len(trials) == 5 and len({t.seed for t in trials}) == 5
    assert all(t.params == {"optimizer": "adam", "lr_adam": 0.001, "epochs": 10, "seed": 0} for t in trials)


def test_baseline_maps_by_passed_name_through_conditions() -> None:
    study, trial = conditional_study()
    plan = dd.plan_seed_studies(trial, study, {"optimizer": "sgd", "lr": 5.0, "epochs": 10, "width": 64}, 5)
    base = plan.baseline
    # lr = 5.0 lies outside lr_sgd's searched range: the baseline runs it anyway
    assert base.configs == ({"optimizer": "sgd", "lr_sgd": 5.0, "epochs": 10},)
    assert base.extra["decide"] == "baseline"
    (point,) = search.points(base)
    assert point.params == {"optimizer": "sgd", "lr_sgd": 5.0, "epochs": 10}
    assert [t.seed for t in search.trials_for(base, 2)] == [t.seed for t in search.trials_for(plan.candidate, 1)]
    assert any("width" in note for note in plan.notes)


def test_baseline_value_of_another_type_becomes_a_categorical() -> None:
    study, trial = conditional_study()
    plan = dd.plan_seed_studies(trial, study, {"optimizer": "rmsprop", "epochs": "ten"}, 2)
    space = plan.baseline.space
    assert space["epochs"].type is ParamType.CATEGORICAL and space["epochs"].value == "ten"
    assert "lr_sgd" not in space and "lr_adam" not in space
    assert any("no lr" in note for note in plan.notes)


def test_too_few_repeats_are_refused() -> None:
    study, trial = conditional_study()
    with pytest.raises(ValueError, match=">= 2"):
        dd.plan_seed_studies(trial, study, {}, 1)


def test_adopted_config_writes_the_candidate_over_the_baseline_by_name() -> None:
    study, trial = conditional_study()
    old = {"optimizer": "sgd", "lr": 0.1, "epochs": 10, "width": 64}
    assert dd.adopted_config(old, trial, study.space) == {"optimizer": "adam", "lr": 0.001, "epochs": 10,
                                                         "width": 64, "seed": 0}
    assert old["lr"] == 0.1
    assert dd.changes(old, trial, study.space) == [("optimizer", "sgd", "adam"), ("lr", 0.1, 0.001),
                                                   ("seed", None, 0)]


def test_evidence_is_strict_json() -> None:
    comparison = analysis.compare([0.3], [0.4], Objective("val_loss"))
    proof = dd.evidence(comparison, extra=1)
    assert proof["candidate"]["sd"] is None and proof["extra"] == 1 and proof["verdict"] == "too few seeds"


def test_default_candidate_is_the_best_completed_trial(seeded: Path) -> None:
    project = config.load_project(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        objectives = [c.objective for c in data.candidates]
        assert objectives == sorted(objectives) and len(objectives) == 6
        assert data.candidate is data.candidates[0]
        assert all(c.trial.state is S.COMPLETED for c in data.candidates)
        second = data.candidates[1].trial.id
        assert dd.load_decide(store, project, second).candidate.trial.id == second
        assert dd.load_decide(store, project, 999).candidate.trial.id == data.candidates[0].trial.id
        assert data.baseline.id == 2 and not data.seeded


def test_the_pair_reads_as_indented_lines_with_one_word_per_change(seeded: Path) -> None:
    project = config.load_project(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
    shown = plain(pair_text(data)).splitlines()
    assert shown[1].startswith("  weight_decay=")
    assert shown[2].startswith("Baseline  B2  val_loss 0.41 at adoption  adam beats")
    assert shown[3] == "  changes: weight_decay=0→0.001 · learning_rate=0.01→0.004783"
    # a baseline from tuitune.toml has no score of its own: its seed runs give one
    from_file = replace(data, baseline=Baseline(dict(data.baseline.config), note="from tuitune.toml [baseline]"),
                        baseline_side=dd.Side(data.candidate.study, (0.5, 0.7), (1, 2), {}))
    assert plain(pair_text(from_file)).splitlines()[2] == \
        "Baseline  tuitune.toml [baseline]  val_loss 0.6 (mean of 2 seed runs)"


def test_queue_creates_two_studies_once_and_shares_the_baseline(seeded: Path) -> None:
    project = config.load_project(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        best, second = (c.trial.id for c in data.candidates[:2])
        cand, base, queued = dd.queue_seed_repeats(store, 2, best, data.baseline, 4)
        assert queued == 8 and (cand.name, base.name) == (f"candidate-t{best}", "baseline")
        assert cand.extra["baseline_study"] == base.id and base.extra["baseline_id"] == 2
        assert [len(store.trials(study_id=s.id)) for s in (cand, base)] == [4, 4]
        assert dd.queue_seed_repeats(store, 2, best, data.baseline, 4)[2] == 0
        other, shared, queued = dd.queue_seed_repeats(store, 2, second, data.baseline, 4)
        assert shared.id == base.id and queued == 4
        assert other.seed == base.seed == cand.seed  # the second candidate shares the reused baseline's seeds
        # seed studies never rank as candidates
        assert [c.trial.id for c in dd.load_decide(store, project).candidates] == [c.trial.id for c in data.candidates]


def test_queueing_again_finishes_what_a_failed_queue_left(seeded: Path, monkeypatch) -> None:
    project = config.load_project(seeded)
    real_queue = dd.intents.queue_study

    def failing_for_the_candidate(store, study, count=None):
        if study.extra.get(dd.DECIDE) == "candidate":
            raise StoreError("the disk is full")
        return real_queue(store, study, count)

    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        best = data.candidate.trial.id
        monkeypatch.setattr(dd.intents, "queue_study", failing_for_the_candidate)
        with pytest.raises(StoreError):
            dd.queue_seed_repeats(store, 2, best, data.baseline, 3)
        monkeypatch.setattr(dd.intents, "queue_study", real_queue)
        cand, base, queued = dd.queue_seed_repeats(store, 2, best, data.baseline, 3)
        assert queued == 3 and [len(store.trials(study_id=s.id)) for s in (cand, base)] == [3, 3]
        assert dd.queue_seed_repeats(store, 2, best, data.baseline, 3)[2] == 0


def test_comparison_fills_in_as_runs_finish(seeded: Path) -> None:
    project = config.load_project(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        dd.queue_seed_repeats(store, 2, data.candidate.trial.id, data.baseline, 5)
    finish_seed_runs(seeded, 3)
    with open_store(seeded) as store:
        partial = dd.load_decide(store, project)
    assert partial.seeded and partial.comparison.outcome.value == "too few seeds"
    assert "0/5 done, 5 queued" in runs_text(partial, 60).plain  # the baseline study was queued first
    assert "3/5 done, 2 queued" in runs_text(partial, 60).plain
    assert "●" in runs_text(partial, 60).plain
    plain = runs_text(partial, 60, "ascii").plain  # fonts without the glyphs: ASCII only
    assert "o a run, | the mean" in plain and all(line.isascii() for line in plain.splitlines()[-2:])
    finish_seed_runs(seeded)
    with open_store(seeded) as store:
        full = dd.load_decide(store, project)
    assert len(full.candidate_side.values) == 5 and len(full.baseline_side.values) == 5
    assert full.comparison.outcome.value == "better"
    assert full.comparison.improvement == pytest.approx(BASELINE - CANDIDATE)


def test_record_adopt_appends_a_baseline_and_closes_the_round(seeded: Path) -> None:
    project = config.load_project(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        dd.queue_seed_repeats(store, 2, data.candidate.trial.id, data.baseline, 3)
    finish_seed_runs(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        with pytest.raises(ValueError, match="rationale"):
            dd.record_decision(store, 2, Verdict.ADOPT, "  ", data.candidate, data.baseline, data.comparison, FROZEN)
        assert store.decisions(2) == [] and len(store.baselines()) == 2
        decision = dd.record_decision(store, 2, Verdict.ADOPT, " wins ", data.candidate, data.baseline,
                                      data.comparison, FROZEN)
        new = store.current_baseline()
        assert (new.round_id, new.trial_id, new.note, new.created_at) == (2, data.candidate.trial.id, "wins", FROZEN)
        assert new.objective == pytest.approx(data.comparison.candidate.mean)
        assert new.config == {**data.baseline.config, **data.candidate.trial.params}
        assert (decision.baseline_id, decision.candidate_trial_id) == (new.id, data.candidate.trial.id)
        assert decision.evidence["verdict"] == "better" and decision.evidence["compared_with_baseline"] == 2
        assert store.get_round(2).status is RoundStatus.CLOSED
        with pytest.raises(ValueError, match="already closed"):
            dd.record_decision(store, 2, Verdict.REJECT, "again", data.candidate, data.baseline, None, FROZEN)


def test_record_reject_keeps_the_baseline(seeded: Path) -> None:
    project = config.load_project(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        decision = dd.record_decision(store, 2, Verdict.REJECT, "not worth it", data.candidate, data.baseline,
                                      None, FROZEN)
        assert decision.baseline_id == 2 and decision.evidence["candidate_objective"] == data.candidate.objective
        assert len(store.baselines()) == 2 and store.get_round(2).status is RoundStatus.CLOSED


def test_project_baseline_stands_in_when_the_store_has_none() -> None:
    with Store.memory() as store:
        found = effective_baseline(store, Project("python t.py {args}", baseline={"lr": 0.1}))
        assert found.config == {"lr": 0.1} and found.id is None
        assert effective_baseline(store, Project("python t.py {args}")) is None
        store.add_baseline(Baseline({"lr": 0.2}))
        assert effective_baseline(store, Project("python t.py {args}", baseline={"lr": 0.1})).config == {"lr": 0.2}


# --- the pane -----------------------------------------------------------------------------------


async def test_before_seed_runs_the_pane_says_what_to_do(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        pair = text_of(app.screen.query_one("#decide-pair"))
        assert pair.startswith("Candidate t6") and "best of 6 done" in pair
        assert "changes: weight_decay=0→0.001 · " in pair and "Baseline  B2" in pair  # kept on one line
        assert "Press s to queue" in text_of(app.screen.query_one("#decide-runs"))


async def test_guidance_without_a_round_or_a_completed_trial(tmp_path: Path, make_app) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "tuitune.toml").write_text('[project]\ncommand = "python train.py {args}"\n')
    app = make_app(folder, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert text_of(app.screen.query_one("#decide-pair")).startswith("No round yet")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DecideScreen)
        assert "no open round" in " ".join(n.message for n in app._notifications)
        with Store.open(folder / ".tuitune" / "store.db") as store:
            store.add_round(Round("does dropout help?"))
        await pilot.pause(0.3)
        assert text_of(app.screen.query_one("#decide-pair")).startswith("No completed trial in R1 yet")
        await pilot.press("s")
        await pilot.pause()
        assert "no completed trial yet" in " ".join(n.message for n in app._notifications)


async def test_queue_seed_repeats_with_keys(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, RepeatsModal)
        await pilot.press("backspace", "1", "enter")
        await pilot.pause()
        assert "from 2 to 50" in text_of(app.screen.query_one("#repeats-error"))
        await pilot.press("backspace", "3", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DecideScreen)
        assert app.backend.runner.ensured == 1
        assert "queued 6 runs" in " ".join(n.message for n in app._notifications)
        assert "0/3 done, 3 queued" in text_of(app.screen.query_one("#decide-runs"))
        finish_seed_runs(seeded)
        await pilot.pause(0.4)
        runs = text_of(app.screen.query_one("#decide-runs"))
        assert "3/3 done" in runs and "●" in runs
        assert "Verdict ▲ better" in text_of(app.screen.query_one("#decide-verdict"))
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, DecideScreen)
        assert "already has its seed repeats" in " ".join(n.message for n in app._notifications)
    with open_store(seeded) as store:
        names = [s.name for s in store.studies(2)]
    assert names == ["wd", "baseline", "candidate-t6"]


async def test_a_runner_that_cannot_start_is_a_message_not_a_crash(seeded: Path, make_app) -> None:
    class BrokenRunner(FakeRunner):
        def ensure(self) -> None:
            raise TuituneError("the runner exited at once (fix: see runner.log)")

    app = make_app(seeded, start="decide", runner=BrokenRunner())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.5)
        assert app.is_running and isinstance(app.screen, DecideScreen)
        assert "the runner exited at once" in " ".join(n.message for n in app._notifications)


async def test_choose_another_candidate(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CandidateModal)
        await pilot.press("down", "enter")
        await pilot.pause(0.3)
        assert text_of(app.screen.query_one("#decide-pair")).startswith("Candidate t1")
        assert "#2 of 6 done" in text_of(app.screen.query_one("#decide-pair"))


async def test_adopt_needs_a_rationale_then_closes_the_round(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, RationaleModal)
        keys = str(app.screen.query_one(KeyBar).render())  # the dialog's keys, not the pane's
        assert "esc Cancel" in keys and "^s Adopt" in keys and "Seed repeats" not in keys
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "a decision needs a reason" in text_of(app.screen.query_one("#rationale-error"))
        with open_store(seeded) as store:
            assert store.decisions(2) == []
        await pilot.press(*"lowest val loss", "ctrl+s")
        await pilot.pause(0.4)
        assert "adopted t6: it is baseline B3 now" in " ".join(n.message for n in app._notifications)
        assert text_of(app.screen.query_one("#decide-pair")).startswith("R2 is closed")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, DecideScreen)
        assert "no open round" in " ".join(n.message for n in app._notifications)
        await pilot.press("1")
        await pilot.pause(0.3)
        assert "✓ closed" in str(app.screen.query_one("#journal").get_row_at(0)[3])
    with open_store(seeded) as store:
        (decision,) = store.decisions(2)
        assert (decision.verdict, decision.rationale, decision.candidate_trial_id) == (Verdict.ADOPT,
                                                                                      "lowest val loss", 6)
        assert store.current_baseline().trial_id == 6 and not math.isnan(store.current_baseline().objective)


async def test_reject_records_and_closes(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"noise", "ctrl+s")
        await pilot.pause(0.4)
        assert "rejected t6" in " ".join(n.message for n in app._notifications)
    with open_store(seeded) as store:
        assert store.decisions(2)[0].verdict is Verdict.REJECT and len(store.baselines()) == 2
        assert store.get_round(2).status is RoundStatus.CLOSED


async def test_palette_reaches_every_action(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for title in ("Choose the candidate", "Queue seed repeats", "Adopt the candidate", "Reject the candidate"):
            assert title in commands
        commands["Queue seed repeats"].callback()
        await pilot.pause()
        assert isinstance(app.screen, RepeatsModal)


def test_snapshot_80x24(snap_compare, seeded: Path, make_app) -> None:
    assert snap_compare(make_app(seeded, start="decide"), terminal_size=(80, 24), run_before=settle)


def test_snapshot_120x40(snap_compare, seeded: Path, make_app) -> None:
    assert snap_compare(make_app(seeded, start="decide"), terminal_size=(120, 40), run_before=settle)


def test_snapshot_with_seed_runs_80x24(snap_compare, seeded: Path, make_app) -> None:
    project = config.load_project(seeded)
    with open_store(seeded) as store:
        data = dd.load_decide(store, project)
        dd.queue_seed_repeats(store, 2, data.candidate.trial.id, data.baseline, 5)
    finish_seed_runs(seeded)
    assert snap_compare(make_app(seeded, start="decide"), terminal_size=(80, 24), run_before=settle)


async def settle(pilot) -> None:
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()


async def test_a_cancelled_rationale_is_kept_for_the_next_try(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("x", *"noise", "escape")
        await pilot.pause()
        assert isinstance(app.screen, DecideScreen)
        await pilot.press("a")  # another decision: not its text
        await pilot.pause()
        assert app.screen.query_one("#rationale").text == ""
        await pilot.press("escape", "x")
        await pilot.pause()
        assert app.screen.query_one("#rationale").text == "noise"
        await pilot.press(*" only", "ctrl+s")
        await pilot.pause(0.3)
        with Store.open(seeded / ".tuitune" / "store.db") as store:
            assert store.decisions()[-1].rationale == "noise only"


async def test_a_poll_that_finds_nothing_new_repaints_nothing(seeded: Path, make_app) -> None:
    """The pane polls; over SSH an unchanged Decide pane should send no bytes."""
    app = make_app(seeded, start="decide")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        statics = [app.screen.query_one(f"#decide-{n}") for n in ("pair", "runs", "verdict")]
        shown = [w.content for w in statics]
        await app.screen.reload()
        assert all(w.content is before for w, before in zip(statics, shown, strict=True))
