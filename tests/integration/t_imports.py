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




def t_usdt_startup_imports(py):
    """-- CMD: the command's markers are attached before it execs, so its
    start-up imports are seen. Debian's python3.11 -X importtime runs a
    script whose first line imports a module beside it (sleeping 20 ms): the
    import count equals the lines -X importtime printed (each import's
    marker pair and its line come from the same C function, so this is the
    truth, encodings and site included), none unpaired, the failures at
    least the modules never loaded (sitecustomize, ...), and the script's
    module among the slowest with >= 20 ms; -v says it was attached before
    the exec."""
    py = "/usr/bin/python3.11"
    d = os.path.join(TMP, "startup%d" % time.monotonic_ns())
    os.makedirs(d)
    with open(os.path.join(d, "cbstartup_mod.py"), "w") as f:
        f.write("import time\ntime.sleep(0.02)\n")
    script = os.path.join(d, "main.py")
    with open(script, "w") as f:
        f.write("import cbstartup_mod\nimport sys, time\nend = time.monotonic() + 0.3\n"
                "while time.monotonic() < end:\n    pass\n"
                "with open(sys.argv[1], 'w') as f:\n    f.write('\\n'.join(sys.modules))\n")
    out = os.path.join(d, "p.json")
    mods = os.path.join(d, "modules.json")
    cp = run_coldbpf(["-v", "--usdt", "import", "-F", "99", "-o", out, "--", py, "-X", "importtime", script, mods])
    expect(cp.returncode == 0, "coldbpf failed: %s" % cp.stderr[-2000:])
    truth = [l.rsplit("|", 1)[1].strip() for l in cp.stderr.splitlines()
             if l.startswith("import time:") and "imported package" not in l]
    expect("encodings" in truth and "site" in truth and "cbstartup_mod" in truth,
           "-X importtime printed %s" % truth)
    expect("attached before its exec" in cp.stderr, "not attached before the exec:\n%s" % cp.stderr[-3000:])
    with open(mods) as f:
        loaded = set(f.read().split("\n"))
    never = set(m for m in truth if m not in loaded)     # not found (sitecustomize, ...)
    with open(out) as f:
        prof = json.load(f)
    procs = [p for p in prof["processes"] if p.get("usdt")]
    expect(len(procs) == 1, "processes with usdt: %s" % procs)
    u = procs[0]["usdt"]
    im = u["imports"]
    # a module that failed then succeeded (a .pth file's) is in sys.modules:
    # the failures are at least the modules never loaded
    expect(u["status"] == "attached" and im["count"] == len(truth) and len(never) <= im["failed"] < len(truth),
           "imports %s, -X importtime printed %d (%s never loaded): %s" % (im, len(truth), never, truth))
    expect(prof["stats"]["usdt_import_unpaired"] == 0, "unpaired: %s" % prof["stats"]["usdt_import_unpaired"])
    slow = {s["module"]: s["ns"] for s in im["slowest"]}
    expect(slow.get("cbstartup_mod", 0) >= 20e6, "slowest %s" % slow)


ONCE = [t_usdt_lazy_import, t_usdt_startup_imports]
