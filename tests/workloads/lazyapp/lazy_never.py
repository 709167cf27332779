"""Imported lazily and never touched: never loaded."""


def never_a():
    return 1


class NeverClass:
    def method(self):
        return 2
