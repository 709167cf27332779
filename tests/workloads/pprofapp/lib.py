"""Imported by main.py: a or b runs, never never does (len: a LOAD_GLOBAL,
3.12's witness of never-ran code, docs/cold.md). branchy runs in both, each
taking one side of its first `if`; its second `if` is never entered."""


def a():
    return len("a")


def b():
    return len("b")


def never():
    return len("never")


def branchy(mode):
    if mode == "a":
        x = len("side a")
    else:
        x = len("side b")
    if mode == "neither":
        x = len("never entered")
    return x
