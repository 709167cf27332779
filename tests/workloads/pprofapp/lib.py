"""Imported by main.py: a or b runs, never never does (len: a LOAD_GLOBAL,
3.12's witness of never-ran code, docs/cold.md)."""


def a():
    return len("a")


def b():
    return len("b")


def never():
    return len("never")
