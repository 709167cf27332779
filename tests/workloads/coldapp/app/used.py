"""Imported by main: some of it runs, some never does."""


def called_once():
    return sum(range(10))


def called_often(n):
    total = 0
    for i in range(n):
        total += i
    return total


def never_called(x):
    y = x * 2
    return y + 1


class Service:
    def handle(self, req):
        return self._validate(req) and req

    def _validate(self, req):
        return req is not None

    def shutdown(self):
        return "bye"


def make_adder(k):
    def add(x):
        return x + k
    return add


def make_unused_closure():
    def inner():
        return 1
    return inner


square = lambda v: v * v  # noqa: E731
cube = lambda v: v * v * v  # noqa: E731


def gen_numbers(n):
    yield from range(n)


def gen_never_started():
    yield 1
