"""Search spaces shared by the search tests (imported relatively: ``from .spaces import ...``)."""

from __future__ import annotations

from tuitune.domain import Condition, Hyperparameter, ParamType, Role, Scale, SearchSpace


def floats(d: int) -> SearchSpace:
    """``d`` nuisance floats on [0, 1], so values are unit coordinates."""
    return SearchSpace(tuple(Hyperparameter(f"x{i}", ParamType.FLOAT, low=0.0, high=1.0) for i in range(d)))


def optimizers() -> SearchSpace:
    """The playbook's example: optimizer is scientific, each optimizer has its own learning rate.

    ``nesterov`` only exists under sgd, so there are three scientific value combinations.
    """
    sgd, adam = (Condition("optimizer", ("sgd",)),), (Condition("optimizer", ("adam",)),)
    return SearchSpace((
        Hyperparameter("optimizer", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("sgd", "adam")),
        Hyperparameter("nesterov", ParamType.BOOL, Role.SCIENTIFIC, when=sgd),
        Hyperparameter("sgd_lr", ParamType.FLOAT, name="learning_rate", low=1e-3, high=1.0, scale=Scale.LOG, when=sgd),
        Hyperparameter("momentum", ParamType.FLOAT, low=0.5, high=0.99, when=sgd),
        Hyperparameter("adam_lr", ParamType.FLOAT, name="learning_rate", low=1e-6, high=1e-3, scale=Scale.LOG,
                       when=adam),
        Hyperparameter("beta1", ParamType.FLOAT, low=0.8, high=0.95, when=adam),
        Hyperparameter("warmup", ParamType.INT, low=0, high=4),
        Hyperparameter("batch", ParamType.INT, low=16, high=256, scale=Scale.LOG),
        Hyperparameter("weight_decay", ParamType.FLOAT, Role.FIXED, value=1e-4),
    ))
