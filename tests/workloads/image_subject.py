"""Stops itself (SIGSTOP) at a known stack for tests/tools/record_image.c,
after writing the expected frames, root first, as 'QUALNAME FILE LINE'.
The stack has a method, a closure, a generator, a lambda and a comprehension."""
import os
import signal
import sys


def _name(code):
    # 3.11+ code objects carry co_qualname; before, co_name is all there is
    return getattr(code, "co_qualname", code.co_name)


def expected(frame, path):
    chain = []
    while frame is not None:
        chain.append("%s %s %d" % (_name(frame.f_code), os.path.basename(frame.f_code.co_filename),
                                   frame.f_lineno))
        frame = frame.f_back
    with open(path, "w") as f:
        f.write("\n".join(reversed(chain)) + "\n")


def stop(path):
    expected(sys._getframe(), path); os.kill(os.getpid(), signal.SIGSTOP)  # noqa: E702


class Outer:
    def method(self, path):
        def inner():
            for x in self.gen(path):
                return x
        return inner()

    def gen(self, path):
        yield (lambda: [stop(path) for _ in range(1)])()


if __name__ == "__main__":
    Outer().method(sys.argv[1])
