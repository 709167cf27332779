"""A module whose only function is wrapped by classes.wrap (traps.py)."""
from classes import wrap


class Handler(Exception):
    pass


@wrap
def view(x):
    return x + 1
