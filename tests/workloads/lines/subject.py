"""Functions with known lines and branches for the line evidence (docs/cold.md,
"Lines"). A trailing '#R' marks a line that runs in the scenario of run(),
'#N' one that never runs; unmarked lines are not checked. Used by
tests/tools/gen_lines.py (unit-test data) and the integration test t_lines.
"""
import sys


class Box:
    def __init__(self, v):
        self.v = v
        self.items = []

    def add(self, x):                       #R
        if x is None:                       #R
            raise ValueError("none")        #N
        self.items.append(x)                #R
        return len(self.items)              #R

    def never_called(self):
        return self.v + 1


def branchy(x):                             #R
    y = x + 1                               #R
    if x > 100:                             #R
        z = len(str(y))                     #N
        print("big", z, file=sys.stderr)    #N
        return z                            #N
    elif x < -100:                          #R
        w = abs(x)                          #N
        return w.bit_length()               #N
    return y * 2                            #R


def loops(n):                               #R
    t = 0                                   #R
    for i in range(n):                      #R
        if i % 2:                           #R
            t += i                          #R
        else:
            t -= 1                          #R
    while t > 1000000:                      #R
        t = t // 2                          #N
        print(t, file=sys.stderr)           #N
    return t                                #R


def guarded(d, k):                          #R
    try:                                    #R
        v = d[k]                            #R
    except KeyError:                        #N
        v = sys.maxsize                     #N
        print("missing", k, file=sys.stderr)  #N
    return v                                #R


def with_nested(flag):                      #R
    out = []                                #R
    if flag:                                #R
        def inner(a):                       #N
            return a * 2
        out.append(inner(3))                #N
        out.append(str(flag))               #N
    out.append(len(out))                    #R
    return out                              #R


def gen(n):                                 #R
    for i in range(n):                      #R
        if i > 10 ** 9:                     #R
            yield str(i)                    #N
        yield i                             #R


def uses_box(k):                            #R
    b = Box(k)                              #R
    b.add(k)                                #R
    if b.v == "never":                      #R
        b.never_called()                    #N
        b.items.clear()                     #N
    return b.items                          #R


class Slot:
    pass


class Descr:
    def __get__(self, o, t=None):
        return 1


def poly(o):                                #R
    try:                                    #R
        return o.x                          #R
    except AttributeError:                  #R
        return None                         #R


def trap_respecialize():
    """Drive poly's LOAD_ATTR through a specialization that is undone and a
    re-specialization that fails (Python/specialize.c: unspecialize ->
    adaptive_counter_backoff): its line ran, whatever the counter says."""
    o = Slot()
    for _ in range(300):
        poly(o)
    Slot.x = Descr()
    for _ in range(300):
        poly(o)


def run():
    for i in range(3):
        branchy(i)
    loops(7)
    guarded({"a": 1}, "a")
    with_nested(False)
    list(gen(4))
    uses_box(5)
    trap_respecialize()
    unbound(False)
    KEEP.append(suspended())
    next(KEEP[-1])


def three_times(x):                         #R
    if x > 10:                              #R
        return str(x)                       #N
    return x                                #R


KEEP = []


def unbound(flag):                          #R
    if flag:                                #R
        z = 1                               #N
    try:                                    #R
        return z.real                       #R
    except UnboundLocalError:               #R
        return None                         #R


def suspended():                            #R
    yield 1                                 #R
    x = len("never")                        #N
    yield x                                 #N
