"""The errors a run stops on for good."""


class FinalError(Exception):
    """An error that retrying cannot fix (bad data, a refused plan, a wrong model): the run
    stops and gives its domain back at once, and Airflow fails the task without retrying it.
    Each stage's own errors of this sort derive from it."""


class PlanError(FinalError, ValueError):
    """A run that must not proceed: the message says why and what to do instead."""
