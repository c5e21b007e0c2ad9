"""tuitune: the Deep Learning Tuning Playbook's incremental tuning loop as a terminal workbench."""

__version__ = "0.1.0"
