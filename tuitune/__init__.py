"""tuitune: the Deep Learning Tuning Playbook's incremental tuning loop as a terminal workbench."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """``tuitune.report`` without importing anything until a training script first uses it."""
    if name == "report":
        from tuitune.client import report

        return report
    raise AttributeError(f"module 'tuitune' has no attribute {name!r}")
