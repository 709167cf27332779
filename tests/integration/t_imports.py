"""Imports seen through CPython's markers (docs/usdt.md, "Imports: what is
seen"): PEP 810's explicit lazy imports (3.15+) show their import when the
module is first used, not at the `lazy import` statement."""
import json
import os
import signal
import subprocess
import time

from common import *  # noqa: F401,F403 - the tests' shared vocabulary
from t_usdt import sdt_notes, semaphores

LAZY = os.path.join(WL, "lazyimp.py")


def _attached(pid, agent, notes):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if agent.poll() is not None:
            raise AssertionError("coldbpf exited: %s" % agent.communicate()[1])
        s = semaphores(pid, notes)
        if s.get("import__find__load__start", 0) > 0 and s.get("import__find__load__done", 0) > 0:
            time.sleep(0.3)     # every call site of both (3.15 has two each): ~10 ms apiece
            return
        time.sleep(0.05)
    raise AssertionError("import markers not attached: %s" % semaphores(pid, notes))


def _imports_while(pid, notes, out, step):
    """coldbpf -p pid --usdt import around step(); its profile's imports."""
    agent = subprocess.Popen([COLDBPF, "-p", str(pid), "--usdt", "import", "-o", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _attached(pid, agent, notes)
        step()
        agent.send_signal(signal.SIGINT)
        _, err = agent.communicate(timeout=60)
        expect(agent.returncode == 0, "coldbpf failed: %s" % err)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
    with open(out) as f:
        return proc_entry(json.load(f), pid)["usdt"]["imports"]


def t_usdt_lazy_import(py):
    """sid's python3.15: coldbpf attached while `lazy import cblazymod` runs
    sees no import (the module is not in sys.modules either); attached again
    while the module is first used, it sees cblazymod's import, >= 20 ms."""
    root = os.path.join(os.environ.get("COLDBPF_ROOTS", "/var/cache/coldbpf/roots"), "sid")
    if not os.path.exists(os.path.join(root, ".complete")):
        expect(not CI, "no sid root under CI")
        raise Skip("no sid root (tests/tools/mkroot.sh sid)")
    d = os.path.join(TMP, "lazy%d" % time.monotonic_ns())
    go1, go2 = d + ".go1", d + ".go2"
    w = subprocess.Popen([os.path.join(ROOT, "tests", "tools", "chroot-python"), root, "python3.15", LAZY, d,
                          go1, go2], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(w.stdout.readline())
        notes = sdt_notes(pid)
        expect("import__find__load__start" in notes, "sid's 3.15 has no import markers: %s" % notes)
        lines = []

        def step(go):
            def run():
                open(go, "w").close()
                lines.append(w.stdout.readline().split())
            return run

        first = _imports_while(pid, notes, d + ".1.json", step(go1))
        second = _imports_while(pid, notes, d + ".2.json", step(go2))
    finally:
        w.kill()
        w.wait()
    expect(lines[0] == ["after-statement", "False"] and lines[1][:2] == ["after-use", "True"],
           "the workload says %s" % lines)
    names1 = {s["module"] for s in first["slowest"]}
    slow2 = {s["module"]: s["ns"] for s in second["slowest"]}
    print("     at the statement: %s; at first use: %s" % (first, second))
    expect("cblazymod" not in names1, "cblazymod imported at the lazy statement: %s" % first)
    expect(slow2.get("cblazymod", 0) >= 20e6, "cblazymod's import not seen at first use: %s" % second)


ONCE = [t_usdt_lazy_import]
