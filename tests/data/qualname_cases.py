"""Tricky scopes for coldbpf's source-based qualified names (3.8-3.10)."""
import functools


def plain():
    return 1


async def coro():
    return 2


def outer():
    def inner():
        def innermost():
            return 3
        return innermost
    class Local:
        def meth(self):
            return (lambda: 4)()
    return inner, Local


class A:
    x = [i for i in range(3)]
    f = lambda self: 5

    def method(self):
        return [j for j in range(2)]

    @staticmethod
    def static():
        return 6

    @functools.lru_cache(maxsize=None)
    def cached(self):
        return 7

    if True:
        def conditional(self):
            return 8

    class B:
        def deep(self):
            def closure():
                return 9
            return closure

        async def acoro(self):
            return 10


def decorated_long(
    a,
    b,
):
    return a + b


def with_continuation():
    value = max(
1, 2)
    return value


def gen():
    yield from (k for k in range(2))
