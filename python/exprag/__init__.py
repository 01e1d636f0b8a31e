"""exprag: an experiment memory for coding agents.

``Experiment`` records a run: under ``exprag run`` into the run that wraps the process, otherwise
into a run of its own, recorded by the exprag binary it starts beside the process.
"""

from .experiment import Experiment

__all__ = ["Experiment"]
