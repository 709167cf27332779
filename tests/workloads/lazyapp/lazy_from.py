"""`lazy from lazy_from import used`, used at once."""


def used():
    return 4


def unused():
    return 5
