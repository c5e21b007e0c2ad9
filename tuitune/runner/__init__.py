"""Running trials: command rendering, the trial shim, process handling, GPU slots, metric channels.

Kept empty on purpose: ``python -m tuitune.runner.shim`` imports this package for every trial,
so nothing heavy may be imported here.
"""
