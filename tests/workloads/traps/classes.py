"""Classes whose only evidence is their type object (imported by traps.py):
classes made by metaclasses (their type is not `type`), a class without
methods, and classes whose bodies never ran. `wrap` defines a wrapper here
that functools.wraps names after functions of wrapped.py: its module name
must not make wrapped.py's classes look like this file's."""
import enum
import functools
import os


class Meta(type):
    pass


class WithMeta(metaclass=Meta):
    x = 1


class Color(enum.Enum):
    RED = 1


def wrap(f):
    @functools.wraps(f)
    def wrapper(*a):
        return f(*a)
    return wrapper


if os.environ.get("COLDBPF_TRAPS_NEVER_SET"):
    class Handler:
        pass

    class NeverEnum(enum.Enum):
        A = 1

    class NeverMeta(metaclass=Meta):
        pass
