"""Where the original exprag's compiled core defined ``Experiment``: the same class, for code that imports it from here."""

from .experiment import Experiment

__all__ = ["Experiment"]
