"""Imported lazily, touched once the workload is told to."""


def later_used():
    return sum(range(10))


def later_unused():
    return 3
