"""The domain model: pure, immutable dataclasses and the rules between them (no I/O).

Everything above this layer (files, store, search, runner, analysis, TUI) speaks these types.
"""

from tuitune.domain.command import Command, CommandKind
from tuitune.domain.decision import Baseline, Decision, Verdict
from tuitune.domain.errors import IllegalTransition, InvalidConfig, NotFound, Problem, StoreError, TuituneError
from tuitune.domain.objective import Aggregate, Direction, Objective
from tuitune.domain.project import DivergenceRule, MetricChannels, Project
from tuitune.domain.round import Phase, Round, RoundKind, RoundStatus
from tuitune.domain.space import Condition, Hyperparameter, ParamType, Role, Scale, SearchSpace, Value
from tuitune.domain.study import Algorithm, Layout, Study
from tuitune.domain.trial import TERMINAL, TRANSITIONS, Event, Measurement, Trial, TrialState, check_transition

__all__ = [
    "Aggregate", "Algorithm", "Baseline", "Command", "CommandKind", "Condition", "Decision", "Direction", "DivergenceRule", "Event",
    "Hyperparameter", "IllegalTransition", "InvalidConfig", "Layout", "Measurement", "MetricChannels",
    "NotFound", "Objective", "ParamType", "Phase", "Problem", "Project", "Role", "Round", "RoundKind",
    "RoundStatus", "Scale", "SearchSpace", "StoreError", "Study", "TERMINAL", "TRANSITIONS", "Trial",
    "TrialState", "TuituneError", "Value", "Verdict", "check_transition",
]
