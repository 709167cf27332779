#!/usr/bin/python3
"""coldbpf integration tests: load the real BPF sampler and profile real
CPython processes, on every installed interpreter.

Interpreters: $COLDBPF_PYTHONS (colon-separated paths) or, by default,
Debian's /usr/bin/python3.11 and every pyenv CPython 3.8+ under $PYENV_ROOT.
BPF tests skip only when BPF is truly unavailable and $CI is unset; under
CI they fail instead. Ends with the line 'N passed, N failed, N skipped'.
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.environ.get("COLDBPF", os.path.join(ROOT, "build", "coldbpf"))
WL = os.path.join(ROOT, "tests", "workloads")
CI = bool(os.environ.get("CI"))
TMP = tempfile.mkdtemp(prefix="coldbpf-it-")

results = {"passed": 0, "failed": 0, "skipped": 0}
failures = []


# --- interpreters -----------------------------------------------------------

def py_version(exe):
    out = subprocess.run([exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.strip() if out.returncode == 0 else None


def pyenv_root():
    return os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))


def discover_interpreters():
    """(label, path, (major, minor)) for every interpreter to test."""
    env = os.environ.get("COLDBPF_PYTHONS")
    if env:
        paths = [p for p in env.split(":") if p]
    else:
        paths = []
        if os.path.exists("/usr/bin/python3.11"):
            paths.append("/usr/bin/python3.11")
        for d in sorted(glob.glob(os.path.join(pyenv_root(), "versions", "*"))):
            m = re.match(r"^(\d+)\.(\d+)\.\d+$", os.path.basename(d))
            if not m or (int(m.group(1)), int(m.group(2))) < (3, 8):
                continue
            exe = os.path.join(d, "bin", "python%s.%s" % (m.group(1), m.group(2)))
            if os.path.exists(exe):
                paths.append(exe)
    out = []
    for p in paths:
        v = py_version(p)
        if not v:
            raise SystemExit("interpreter %s does not run" % p)
        mm = tuple(int(x) for x in v.split(".")[:2])
        kind = ("debian" if p.startswith("/usr/bin/") else
                "pyenv" if p.startswith(pyenv_root() + "/") else "other")
        out.append(("%s %s (%s)" % (kind, v, p), p, mm))
    return sorted(out, key=lambda t: (not t[1].startswith("/usr/bin/"), t[2]))


def unsupported_interpreters():
    """pyenv CPythons older than 3.8, which coldbpf must refuse by name."""
    out = []
    for d in sorted(glob.glob(os.path.join(pyenv_root(), "versions", "*"))):
        m = re.match(r"^(\d+)\.(\d+)\.\d+$", os.path.basename(d))
        if m and (int(m.group(1)), int(m.group(2))) < (3, 8):
            exe = os.path.join(d, "bin", "python%s.%s" % (m.group(1), m.group(2)))
            if os.path.exists(exe):
                out.append(("%s.%s" % (m.group(1), m.group(2)), exe))
    return out


# --- helpers ------------------------------------------------------------------

class Skip(Exception):
    pass


def run_coldbpf(args, timeout=120, **kw):
    return subprocess.run([COLDBPF] + args, capture_output=True, text=True, timeout=timeout, **kw)


def profile(args, timeout=120):
    """Run coldbpf with -o and return (completed process, profile dict)."""
    out = os.path.join(TMP, "p%d.json" % time.monotonic_ns())
    cp = run_coldbpf(["-o", out] + args, timeout=timeout)
    if cp.returncode != 0:
        raise AssertionError("coldbpf %s failed (%d): %s" % (" ".join(args), cp.returncode,
                                                             cp.stderr.strip()))
    with open(out) as f:
        return cp, json.load(f)


def func_index(prof, qualname, file_suffix=None):
    for i, f in enumerate(prof["functions"]):
        if f["qualname"] == qualname and (file_suffix is None or f["file"].endswith(file_suffix)):
            return i
    return None


def in_stacks(prof, qualname):
    """Whether any sampled stack has a frame of a function named qualname (the
    functions table also lists every live code object, for `cold`)."""
    idx = {i for i, f in enumerate(prof["functions"]) if f["qualname"] == qualname}
    return any(f in idx for s in prof["stacks"] for f, _ in s["frames"])


def self_samples(prof, fidx, pid=None):
    return sum(s["count"] for s in prof["stacks"]
               if s["frames"] and s["frames"][-1][0] == fidx and
               (pid is None or prof["processes"][s["proc"]]["pid"] == pid))


def line_samples(prof, fidx):
    """{line: self samples} of one function."""
    out = {}
    for s in prof["stacks"]:
        if s["frames"] and s["frames"][-1][0] == fidx:
            ln = s["frames"][-1][1]
            out[ln] = out.get(ln, 0) + s["count"]
    return out


def marker_line(path, marker):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return i
    raise AssertionError("no %s in %s" % (marker, path))


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def method_name(mm, cls, meth):
    # 3.11+: co_qualname; 3.8-3.10: rebuilt from the source (docs/coldbpf.md, "Names")
    return "%s.%s" % (cls, meth)


def proc_entry(prof, pid):
    for p in prof["processes"]:
        if p["pid"] == pid:
            return p
    return None


# --- BPF availability -----------------------------------------------------

def bpf_check():
    """None when BPF works, else the reason."""
    if not os.path.exists(COLDBPF):
        return "%s is not built" % COLDBPF
    cp = run_coldbpf(["-d", "0.3", "--top", "1", "--", "/bin/true"], timeout=60)
    if cp.returncode != 0:
        return cp.stderr.strip() or "coldbpf exited %d" % cp.returncode
    return None


# --- tests: per interpreter --------------------------------------------------

def t_ratio(label, py, mm):
    """6:3:1 workload: self shares within 3 points; the hot line >= 90%."""
    script = os.path.join(WL, "ratio.py")
    cp, prof = profile(["-F", "999", "--", py, script, "5"])
    idx = {n: func_index(prof, n, "ratio.py") for n in ("work_a", "work_b", "work_c")}
    for n, i in idx.items():
        expect(i is not None, "%s not in profile" % n)
    counts = {n: self_samples(prof, i) for n, i in idx.items()}
    total = sum(counts.values())
    expect(total >= 2000, "too few samples: %d" % total)
    shares = {n: 100.0 * c / total for n, c in counts.items()}
    for n, want in (("work_a", 60), ("work_b", 30), ("work_c", 10)):
        expect(abs(shares[n] - want) <= 3, "%s self share %.1f%%, want %d%% +-3 (%s)" %
               (n, shares[n], want, shares))
    for n, tag in (("work_a", "HOT-A"), ("work_b", "HOT-B"), ("work_c", "HOT-C")):
        hot = marker_line(script, tag)
        lines = line_samples(prof, idx[n])
        share = 100.0 * lines.get(hot, 0) / max(1, sum(lines.values()))
        expect(share >= 90, "%s: hot line %d has %.1f%% of its samples (%s)" % (n, hot, share, lines))
        f = prof["functions"][idx[n]]
        expect(f["firstline"] == marker_line(script, "def %s(" % n),
               "%s first line %d" % (n, f["firstline"]))
    expect(not in_stacks(prof, "work_never"), "work_never ran?")
    expect("work_never" not in cp.stdout, "work_never in the heatmap")
    # the text heatmap names the hot functions and shows the hot line's source
    expect(re.search(r"work_a\s+\S*ratio\.py:%d" % prof["functions"][idx["work_a"]]["firstline"],
                     cp.stdout), "heatmap lacks work_a:\n" + cp.stdout)
    expect("x += i * i % 7  # HOT-A" in cp.stdout, "heatmap lacks the hot line's source")
    p = prof["processes"][0]
    expect(p["python"].startswith("%d.%d" % mm), "python version %s" % p["python"])


def t_threads(label, py, mm):
    """4 threads, 4 functions: each attributed, with 4 distinct thread ids."""
    cp, prof = profile(["-F", "499", "--", py, os.path.join(WL, "threads.py"), "3"])
    tids = {}
    for name in ("spin_one", "spin_two", "spin_three", "spin_four"):
        i = func_index(prof, name, "threads.py")
        expect(i is not None, "%s not attributed" % name)
        mine = {s["tid"] for s in prof["stacks"] if s["frames"] and s["frames"][-1][0] == i}
        expect(len(mine) == 1, "%s seen on threads %s" % (name, mine))
        expect(self_samples(prof, i) >= 20, "%s: only %d samples" % (name, self_samples(prof, i)))
        tids[name] = mine.pop()
    expect(len(set(tids.values())) == 4, "thread ids not distinct: %s" % tids)
    pid = prof["processes"][0]["pid"]
    expect(pid not in tids.values(), "a worker reported as the main thread")


def _recursion_leaf(prof):
    i = func_index(prof, "recurse", "recurse.py")
    expect(i is not None, "recurse not in profile")
    leaf_line = marker_line(os.path.join(WL, "recurse.py"), "# LEAF")
    best = max((s for s in prof["stacks"] if s["frames"] and s["frames"][-1] == [i, leaf_line]),
               key=lambda s: s["count"], default=None)
    expect(best is not None, "no stack ends in the leaf line")
    return i, best


def t_recursion(label, py, mm):
    """300 deep: complete with --max-depth 512; truncated and flagged at the default."""
    script = os.path.join(WL, "recurse.py")
    cp, prof = profile(["-F", "499", "--max-depth", "512", "--", py, script, "2", "300"])
    i, s = _recursion_leaf(prof)
    names = [prof["functions"][f]["qualname"] for f, _ in s["frames"]]
    expect(not s["truncated"], "flagged truncated at --max-depth 512")
    expect(names.count("recurse") == 300, "%d recurse frames, want 300" % names.count("recurse"))
    expect(names[0] == "<module>" and names[1] == "main", "root frames: %s" % names[:3])
    cp, prof = profile(["-F", "499", "--", py, script, "2", "300"])
    i, s = _recursion_leaf(prof)
    expect(s["truncated"], "300-deep stack not flagged at the default depth")
    expect(len(s["frames"]) == prof["max_depth"] == 128, "kept %d frames" % len(s["frames"]))
    expect(all(f == i for f, _ in s["frames"]), "truncation must drop the root side")
    expect("deeper than --max-depth 128" in cp.stdout, "truncation not flagged in the report")
    expect(prof["stats"]["truncated"] > 0, "truncation not counted")


def t_all_python(label, py, mm):
    """Two running processes plus one started later: all three reported."""
    script = os.path.join(WL, "spin.py")
    early = [subprocess.Popen([py, script, "7"]) for _ in range(2)]
    out = os.path.join(TMP, "all%d.json" % time.monotonic_ns())
    try:
        time.sleep(0.3)
        prof_proc = subprocess.Popen([COLDBPF, "--all-python", "-F", "199", "-d", "4", "-o", out],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        late = subprocess.Popen([py, script, "2"])
        so, se = prof_proc.communicate(timeout=60)
        expect(prof_proc.returncode == 0, "coldbpf failed: %s" % se)
        late.wait(timeout=30)
    finally:
        for p in early:
            p.kill()
            p.wait()
    with open(out) as f:
        prof = json.load(f)
    run = func_index(prof, method_name(mm, "Spinner", "run"), "spin.py")
    expect(run is not None, "Spinner.run not found (%s)" %
           [f["qualname"] for f in prof["functions"]][:20])
    for p in early + [late]:
        e = proc_entry(prof, p.pid)
        expect(e is not None, "PID %d missing from --all-python" % p.pid)
        expect(self_samples(prof, run, p.pid) > 20, "PID %d: %d samples" %
               (p.pid, self_samples(prof, run, p.pid)))
        expect(str(p.pid) in so, "PID %d not in the text summary" % p.pid)
    expect(proc_entry(prof, late.pid)["exited"], "late process exited but is not flagged")


def t_exit_midrun(label, py, mm):
    """A process that exits mid-run is still reported, with its functions."""
    script = os.path.join(WL, "ratio.py")
    out = os.path.join(TMP, "exit%d.json" % time.monotonic_ns())
    prof_proc = subprocess.Popen([COLDBPF, "--all-python", "-F", "499", "-d", "3", "-o", out],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    short = subprocess.Popen([py, script, "1"])
    short.wait(timeout=30)
    so, se = prof_proc.communicate(timeout=60)
    expect(prof_proc.returncode == 0, "coldbpf failed: %s" % se)
    with open(out) as f:
        prof = json.load(f)
    e = proc_entry(prof, short.pid)
    expect(e is not None, "exited PID %d missing" % short.pid)
    expect(e["exited"], "PID %d not flagged exited" % short.pid)
    a = func_index(prof, "work_a", "ratio.py")
    expect(a is not None and self_samples(prof, a, short.pid) > 100, "work_a of the exited process")
    expect(not in_stacks(prof, "work_never") and "work_never" not in so,
           "a function that never ran is reported")


COLDAPP = os.path.join(WL, "coldapp")
# (path, qualname, first line) of the demo app's definitions by what they do
COLD_RAN = [("app/main.py", "run", 13), ("app/used.py", "called_once", 4), ("app/used.py", "called_often", 8),
            ("app/used.py", "Service", 20), ("app/used.py", "Service.handle", 21),
            ("app/used.py", "make_adder.<locals>.add", 32), ("app/used.py", "gen_numbers", 47),
            ("app/used.py", "<lambda>", 43)]
COLD_NEVER = [("app/used.py", "never_called", 15), ("app/used.py", "<lambda>", 44),
              ("app/unused.py", "orphan", 4), ("app/unused.py", "Legacy", 8),
              ("app/unused.py", "Legacy.old_method", 9)]
# exact on every version but 3.12, where these leave no trace (unknown, never dead)
COLD_NEVER_NOT_312 = [("app/used.py", "Service.shutdown", 27), ("app/used.py", "make_unused_closure", 37),
                      ("app/used.py", "make_unused_closure.<locals>.inner", 38),
                      ("app/used.py", "gen_never_started", 51)]


def start_coldapp(py, *extra):
    p = subprocess.Popen([py, os.path.join(COLDAPP, "app", "main.py"), "60"] + list(extra),
                         stdout=subprocess.PIPE, text=True)
    expect(p.stdout.readline().strip() == "ready", "the demo app did not start")
    return p


def cold_statuses(args):
    cp = run_coldbpf(["cold", "--src", COLDAPP, "--format", "json"] + args)
    expect(cp.returncode == 0, "cold failed: %s" % cp.stderr)
    res = json.loads(cp.stdout)
    return {(f["path"], f["qualname"], f["first"]): f for f in res["functions"]}, res


def t_cold(label, py, mm):
    """cold -p: exact ran / never-ran per version; 3.12 never calls a function dead without proof."""
    p = start_coldapp(py)
    try:
        st, res = cold_statuses(["-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    for key in COLD_RAN:
        expect(key in st and st[key]["status"] == "ran", "%s: %s" % (key, st.get(key)))
    for key in COLD_NEVER:
        expect(key in st and st[key]["status"] == "never-ran", "%s: %s" % (key, st.get(key)))
    for key in COLD_NEVER_NOT_312:
        want = ("never-ran", "unknown") if mm == (3, 12) else ("never-ran",)
        expect(key in st and st[key]["status"] in want, "%s: %s" % (key, st.get(key)))
    order = [f["status"] for f in res["functions"]]
    expect(order == sorted(order, key=["never-ran", "unknown", "sampled", "ran"].index),
           "not sorted dead first")
    expect(res["totals"]["never-ran"]["functions"] >= len(COLD_NEVER), res["totals"])


def _functions_run_per_coverage(cov_json):
    """{(path, qualname, first)} of functions with an executed body statement."""
    import ast
    with open(cov_json) as f:
        executed = {os.path.relpath(k, COLDAPP): set(v["executed_lines"]) for k, v in json.load(f)["files"].items()
                    if k.startswith(COLDAPP)}
    ran = set()
    for rel, lines in executed.items():
        tree = ast.parse(open(os.path.join(COLDAPP, rel)).read())

        def walk(node, prefix):
            for ch in ast.iter_child_nodes(node):
                if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    q = prefix + ch.name
                    first = min([d.lineno for d in ch.decorator_list] + [ch.lineno])
                    if {b.lineno for b in ch.body} & lines:
                        ran.add((rel, q, first))
                    walk(ch, q + ".<locals>.")
                elif isinstance(ch, ast.ClassDef):
                    walk(ch, prefix + ch.name + ".")
                else:
                    walk(ch, prefix)
        walk(tree, "")
    return ran


def t_cold_vs_coverage(label, py, mm):
    """Ground truth: the functions cold says ran (exact evidence) are those coverage.py saw run."""
    if mm == (3, 12):
        raise Skip("3.12 leaves no exact evidence for every function (by design: unknown)")
    covpath = os.path.join(TMP, "covpath")
    if not os.path.exists(covpath):
        os.makedirs(covpath)
        os.symlink("/usr/lib/python3/dist-packages/coverage", os.path.join(covpath, "coverage"))
    env = dict(os.environ, PYTHONPATH=covpath)
    data, out = os.path.join(TMP, "cov.data"), os.path.join(TMP, "cov.json")
    subprocess.run([py, "-m", "coverage", "run", "--data-file", data, os.path.join(COLDAPP, "app", "main.py"),
                    "0"], env=env, check=True, capture_output=True, cwd=TMP)
    subprocess.run([py, "-m", "coverage", "json", "--data-file", data, "-o", out], env=env, check=True,
                   capture_output=True, cwd=TMP)
    truth = _functions_run_per_coverage(out)
    p = start_coldapp(py)
    try:
        st, _ = cold_statuses(["-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    said = {k for k, f in st.items() if f["kind"] == "function" and f["status"] == "ran"}
    expect(said == truth, "cold and coverage.py disagree: only cold %s, only coverage %s" %
           (sorted(said - truth), sorted(truth - said)))
    expect(len(truth) >= 8, "coverage saw too few functions: %s" % truth)


PER_INTERPRETER = [t_ratio, t_threads, t_recursion, t_all_python, t_exit_midrun, t_cold, t_cold_vs_coverage]


# --- tests: once ---------------------------------------------------------------

def t_report_roundtrip(py):
    """report FILE re-renders exactly what the live run printed; folded is well formed."""
    folded = os.path.join(TMP, "live.folded")
    cp, prof = profile(["-F", "499", "--lines", "--stats", "--folded", folded, "--",
                        py, os.path.join(WL, "ratio.py"), "1.5"])
    path = max(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)
    rp = run_coldbpf(["report", path, "--lines", "--stats", "--folded", folded + "2"])
    expect(rp.returncode == 0, "report failed: %s" % rp.stderr)
    expect(rp.stdout == cp.stdout, "report output differs from the live run:\n%s\n---\n%s" %
           (cp.stdout, rp.stdout))
    with open(folded) as f:
        live = f.read()
    with open(folded + "2") as f:
        expect(f.read() == live, "folded output differs after the round trip")
    total = 0
    pid = prof["processes"][0]["pid"]
    for line in live.splitlines():
        m = re.match(r"^(.+) (\d+)$", line)
        expect(m, "bad folded line %r" % line)
        frames = m.group(1).split(";")
        expect(re.match(r"^\S+ \(%d\)$" % pid, frames[0]), "root is not COMM (PID): %r" % line)
        for fr in frames[1:]:
            expect(re.match(r"^.+ \(.+:(\d+|\?)\)$", fr), "bad frame %r" % fr)
        total += int(m.group(2))
    expect(total == sum(s["count"] for s in prof["stacks"]), "folded counts do not add up")
    expect(re.search(r";work_a \(\S*ratio\.py:\d+\) \d+$", live, re.M), "no work_a leaf in folded")
    top = run_coldbpf(["report", path, "--top", "2"])
    expect(top.returncode == 0 and "work_c" not in top.stdout.split("Hottest lines")[0],
           "--top 2 still lists a third function")


def t_cli_errors(py):
    """Bad input: one clear line on stderr and exit 1, never a crash."""
    def bad(args, pattern, **kw):
        cp = run_coldbpf(args, timeout=60, **kw)
        expect(cp.returncode == 1, "%s: exit %d, want 1 (%s)" % (args, cp.returncode, cp.stderr))
        err = cp.stderr.strip().splitlines()
        expect(err and re.search(pattern, err[0]), "%s: stderr %r lacks /%s/" % (args, err, pattern))
        expect(not cp.stdout.strip() or args[:1] == ["report"], "%s printed a report" % args)

    bad(["-p", "999999999"], r"invalid PID|no process")
    bad(["-p", "4194000"], r"no process with PID 4194000")
    bad(["-p", "abc"], r"invalid PID 'abc'")
    bad([], r"nothing to profile")
    bad(["-a", "-p", "1"], r"choose one")
    bad(["-F", "0", "-a"], r"-F needs")
    bad(["--max-depth", "5000", "-a"], r"--max-depth needs")
    bad(["-d", "-3", "-a"], r"-d needs")
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        bad(["-p", str(sleeper.pid)], r"PID %d \(sleep\) is not a CPython process" % sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.wait()
    for ver, exe in unsupported_interpreters():
        p = subprocess.Popen([exe, "-c", "import time; time.sleep(30)"])
        try:
            time.sleep(0.5)
            bad(["-p", str(p.pid)], r"CPython %s is not supported" % re.escape(ver))
        finally:
            p.kill()
            p.wait()
    # corrupt, foreign and future profile files
    garbage = os.path.join(TMP, "garbage.json")
    with open(garbage, "wb") as f:
        f.write(b"\x00\xffnot json{{{")
    bad(["report", garbage], r"not a coldbpf profile")
    foreign = os.path.join(TMP, "foreign.json")
    with open(foreign, "w") as f:
        json.dump({"hello": 1}, f)
    bad(["report", foreign], r"not a coldbpf profile")
    future = os.path.join(TMP, "future.json")
    with open(future, "w") as f:
        json.dump({"format": "coldbpf-profile", "version": 99}, f)
    bad(["report", future], r"version 99 is not supported")
    badidx = os.path.join(TMP, "badidx.json")
    with open(badidx, "w") as f:
        json.dump({"format": "coldbpf-profile", "version": 1, "processes": [], "functions": [],
                   "stacks": [{"proc": 0, "tid": 1, "count": 1, "frames": [[5, 1]]}]}, f)
    bad(["report", badidx], r"stack 0 is malformed")
    bad(["report", os.path.join(TMP, "missing.json")], r"missing\.json")
    # without root: name the missing capabilities
    if os.geteuid() == 0 and shutil.which("setpriv"):
        cp = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             "--inh-caps=-all", COLDBPF, "-a", "-d", "1"],
                            capture_output=True, text=True, timeout=60)
        expect(cp.returncode == 1, "unprivileged run exited %d" % cp.returncode)
        expect(re.search(r"missing capabilities CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE",
                         cp.stderr), "unprivileged stderr: %r" % cp.stderr)
    # a target exiting immediately under -- CMD still ends cleanly
    cp = run_coldbpf(["-d", "5", "--", py, "-c", "pass"])
    expect(cp.returncode == 0, "short command: %s" % cp.stderr)
    cp = run_coldbpf(["--", "/nonexistent/prog"])
    expect("cannot run /nonexistent/prog" in cp.stderr, "exec failure not reported: %r" % cp.stderr)


def t_sigint(py):
    """SIGINT ends a run cleanly and still reports."""
    p = subprocess.Popen([COLDBPF, "-F", "199", "--", py, os.path.join(WL, "spin.py"), "20"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    so, se = p.communicate(timeout=30)
    expect(p.returncode == 0, "exit %d after SIGINT: %s" % (p.returncode, se))
    expect("Hottest functions" in so and "run" in so, "no report after SIGINT:\n" + so)


def embed_hosts():
    """(version, python-config) of every pyenv CPython with a shared libpython."""
    out = []
    for d in sorted(glob.glob(os.path.join(pyenv_root(), "versions", "*"))):
        m = re.match(r"^(\d+)\.(\d+)\.\d+$", os.path.basename(d))
        if not m or (int(m.group(1)), int(m.group(2))) < (3, 8):
            continue
        cfg = os.path.join(d, "bin", "python%s.%s-config" % (m.group(1), m.group(2)))
        if os.path.exists(cfg) and glob.glob(os.path.join(d, "lib", "libpython*.so")):
            out.append(("%s.%s" % (m.group(1), m.group(2)), cfg))
    return out


def t_embedded(py):
    """A C program linked against libpython3.X.so, running Python, is profiled correctly."""
    hosts = embed_hosts()
    expect(any(v == "3.11" for v, _ in hosts), "no pyenv 3.11 with libpython3.11.so to embed")
    script = os.path.join(WL, "ratio.py")
    for ver, cfg in hosts:
        flags = subprocess.run([cfg, "--cflags", "--ldflags", "--embed"], capture_output=True,
                               text=True, check=True).stdout.split()
        libdir = subprocess.run([cfg, "--prefix"], capture_output=True, text=True,
                                check=True).stdout.strip() + "/lib"
        exe = os.path.join(TMP, "cb-embed-%s" % ver)
        subprocess.run(["cc", "-o", exe, os.path.join(ROOT, "tests", "embed", "embed.c")] + flags +
                       ["-Wl,-rpath," + libdir], check=True, capture_output=True)
        cp, prof = profile(["-F", "999", "--", exe, script, "3"])
        p = prof["processes"][0]
        expect(p["comm"].startswith("cb-embed"), "%s: comm %r" % (ver, p["comm"]))
        expect(p["python"].startswith(ver + "."), "%s: version %s" % (ver, p["python"]))
        idx = {n: func_index(prof, n, "ratio.py") for n in ("work_a", "work_b", "work_c")}
        expect(all(i is not None for i in idx.values()), "%s: functions missing" % ver)
        counts = {n: self_samples(prof, i) for n, i in idx.items()}
        total = sum(counts.values())
        share = 100.0 * counts["work_a"] / max(1, total)
        expect(total > 1000 and abs(share - 60) <= 3, "%s: work_a %.1f%% of %d" % (ver, share, total))
        print("     embedded %s: %d samples, work_a %.1f%%, found via %s" %
              (ver, total, share, p["version_method"]))


def t_binary_not_at_host_path(py):
    """The interpreter's files are read where the process sees them (/proc/PID/map_files), as
    for a container: profile a CPython whose binary and libpython were deleted after start."""
    src = os.path.join(pyenv_root(), "versions")
    base = sorted(glob.glob(os.path.join(src, "3.11.*")))
    expect(base, "needs a pyenv 3.11")
    prefix = base[0]
    d = tempfile.mkdtemp(prefix="coldbpf-gone-")
    os.makedirs(os.path.join(d, "bin"))
    os.makedirs(os.path.join(d, "lib"))
    shutil.copy2(os.path.join(prefix, "bin", "python3.11"), os.path.join(d, "bin", "python3.11"))
    for lib in glob.glob(os.path.join(prefix, "lib", "libpython3.11.so*")):
        shutil.copy2(lib, os.path.join(d, "lib", os.path.basename(lib)))
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(d, "lib"), PYTHONHOME=prefix)
    p = subprocess.Popen([os.path.join(d, "bin", "python3.11"), os.path.join(WL, "spin.py"), "6"], env=env)
    try:
        time.sleep(1.0)
        with open("/proc/%d/maps" % p.pid) as f:
            maps = f.read()
        expect(os.path.join(d, "lib") in maps, "the copied libpython is not the one mapped")
        shutil.rmtree(d)
        cp, prof = profile(["-F", "499", "-d", "2", "-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)
    e = proc_entry(prof, p.pid)
    expect(e and e["python"].startswith("3.11."), "deleted interpreter not resolved: %s" % e)
    run = func_index(prof, "Spinner.run", "spin.py")
    expect(run is not None and self_samples(prof, run) > 200, "Spinner.run not sampled")


def t_cold_profiles(py):
    """Live runs save evidence; cold works offline on profiles, combining hosts: ran anywhere is ran."""
    a, b = start_coldapp(py), start_coldapp(py, "--also-never-called")
    try:
        _, pa = profile(["-F", "99", "-d", "1.5", "-p", str(a.pid)])
        _, pb = profile(["-F", "99", "-d", "1.5", "-p", str(b.pid)])
        live, _ = cold_statuses(["-p", str(a.pid)])
    finally:
        for p in (a, b):
            p.kill()
            p.wait()
    files = sorted(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)[-2:]
    expect(pa["evidence"] and pb["evidence"], "profiles saved without evidence")
    one, _ = cold_statuses([files[0]])
    for k in COLD_RAN + COLD_NEVER:
        expect(one[k]["status"] == live[k]["status"], "offline %s: %s, live %s" % (k, one[k], live[k]))
    both, _ = cold_statuses(files)
    key = ("app/used.py", "never_called", 15)
    expect(one[key]["status"] == "never-ran" and both[key]["status"] == "ran",
           "ran on one host must be ran: %s / %s" % (one[key]["status"], both[key]["status"]))
    # bad input: another tree's profile, a corrupt profile
    other = run_coldbpf(["cold", "--src", os.path.join(ROOT, "demo"), files[0]])
    expect(other.returncode == 0 and "never-ran" in other.stdout, other.stderr)
    expect("a profile of another source tree?" in other.stderr, other.stderr)
    bad = os.path.join(TMP, "bad.json")
    with open(bad, "w") as f:
        f.write("{")
    cp = run_coldbpf(["cold", "--src", COLDAPP, bad])
    expect(cp.returncode == 1 and "invalid JSON" in cp.stderr, cp.stderr)


def t_cold_edits(py):
    """ignore adds a key; rm deletes only a never-ran function, refusing other statuses,
    ambiguous keys and files that changed since the running code was loaded."""
    tree = os.path.join(TMP, "edit-tree")
    shutil.copytree(COLDAPP, tree)
    used = os.path.join(tree, "app", "used.py")
    p = subprocess.Popen([py, os.path.join(tree, "app", "main.py"), "60"], stdout=subprocess.PIPE, text=True)
    try:
        expect(p.stdout.readline().strip() == "ready", "app did not start")
        pid = str(p.pid)
        before = open(used).read()
        for key, why in (("app/used.py:called_once", "ran: only never-ran"),
                         ("app/used.py:<lambda>", "names 2 definitions"),
                         ("app/used.py:square", "no such definition"),
                         ("app/used.py", "a key is PATH:QUALNAME")):
            cp = run_coldbpf(["rm", "--src", tree, key, "-p", pid])
            expect(cp.returncode == 1 and why in cp.stderr, "%s: %r" % (key, cp.stderr))
            expect(open(used).read() == before, "%s: file written despite refusing" % key)
        cp = run_coldbpf(["rm", "--src", tree, "app/used.py:never_called", "-p", pid])
        expect(cp.returncode == 0, cp.stderr)
        after = open(used).read()
        expect("def never_called" not in after and "def called_often" in after and
               "\n\n\nclass Service" in after and "\n\n\n\nclass" not in after, after[:400])
        compile(after, used, "exec")
        # the file changes (lines move): the running code no longer matches it
        with open(used, "w") as f:
            f.write("# moved\n# moved\n" + after)
        cp = run_coldbpf(["rm", "--src", tree, "app/used.py:Service.shutdown", "-p", pid])
        expect(cp.returncode == 1 and "file changed" in cp.stderr, cp.stderr)
        expect(open(used).read().startswith("# moved"), "written despite the change")
        # ignore: the key leaves every list
        cp = run_coldbpf(["ignore", "--src", tree, "app/used.py:Service.shutdown"])
        expect(cp.returncode == 0 and "ignored" in cp.stdout, cp.stderr)
        cp = run_coldbpf(["ignore", "--src", tree, "app/used.py:Service.shutdown"])
        expect("already ignored" in cp.stdout, cp.stdout)
        cp = run_coldbpf(["cold", "--src", tree, "-p", pid])
        expect(cp.returncode == 0 and "shutdown" not in cp.stdout, cp.stdout)
        with open(os.path.join(tree, ".coldbpf-ignore"), "a") as f:
            f.write("file app/unused.py\n")
        cp = run_coldbpf(["cold", "--src", tree, "-p", pid])
        expect("orphan" not in cp.stdout and "Legacy" not in cp.stdout, cp.stdout)
        with open(os.path.join(tree, ".coldbpf-ignore"), "a") as f:
            f.write("bogus line\n")
        cp = run_coldbpf(["cold", "--src", tree, "-p", pid])
        expect(cp.returncode == 1 and ".coldbpf-ignore:3" in cp.stderr, cp.stderr)
    finally:
        p.kill()
        p.wait()


def t_cold_bad_trees(py):
    """Unreadable and binary files, syntax errors and symlink loops under --src: reported, not fatal."""
    tree = os.path.join(TMP, "bad-tree")
    shutil.copytree(COLDAPP, tree)
    with open(os.path.join(tree, "app", "broken.py"), "w") as f:
        f.write("def broken(:\n")
    with open(os.path.join(tree, "app", "blob.py"), "wb") as f:
        f.write(b"\x00\x01\x02binary")
    os.mkfifo(os.path.join(tree, "app", "fifo.py"))  # reading it would block forever
    os.symlink(tree, os.path.join(tree, "app", "loop"))
    p = start_coldapp(py)
    try:
        cp = run_coldbpf(["cold", "--src", tree, "-p", str(p.pid)], timeout=60)
    finally:
        p.kill()
        p.wait()
    expect(cp.returncode == 0, cp.stderr)
    expect("warning: app/broken.py: cannot parse" in cp.stdout, cp.stdout[-600:])
    expect("warning: app/blob.py: binary file" in cp.stdout, cp.stdout[-600:])
    expect("warning: app/fifo.py: not a regular file" in cp.stdout, cp.stdout[-600:])
    expect("never_called" in cp.stdout and "never-ran" in cp.stdout, "the rest of the report is missing")
    cp = run_coldbpf(["cold", "--src", "/nonexistent", "-p", "1"])
    expect(cp.returncode == 1 and "/nonexistent" in cp.stderr, cp.stderr)
    cp = run_coldbpf(["cold", "--src", tree])
    expect(cp.returncode == 1 and "evidence source" in cp.stderr, cp.stderr)
    cp = run_coldbpf(["cold", "--src", tree, "-p", "4194000"])
    expect(cp.returncode == 1 and "no process with PID 4194000" in cp.stderr, cp.stderr)


def chromium_dom(url):
    """(rendered DOM, console/resource errors) of a page in headless Chromium."""
    exe = shutil.which("chromium")
    expect(exe, "chromium is not installed (scripts/install-deps.sh installs it)")
    ud = tempfile.mkdtemp(prefix="chromium-", dir=TMP)
    cp = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--user-data-dir=" + ud, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
                        capture_output=True, text=True, timeout=120)
    errors = [l for l in cp.stderr.splitlines()
              if "CONSOLE" in l or "Failed to load resource" in l or "net::ERR" in l]
    return cp.stdout, errors


def t_html(py):
    """html: index and file pages load in headless Chromium without console errors, with the heat
    of the hot line and the never-ran mark of the dead function; no network needed."""
    shop = subprocess.Popen([py, os.path.join(ROOT, "demo", "shop.py"), "8"], stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        _, prof = profile(["-F", "499", "-d", "3", "-p", str(shop.pid)])
    finally:
        shop.kill()
        shop.wait()
    path = max(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)
    out = os.path.join(TMP, "heat")
    cp = run_coldbpf(["html", "--src", os.path.join(ROOT, "demo"), "-o", out, path])
    expect(cp.returncode == 0 and "index.html" in cp.stdout, cp.stderr)
    for name in os.listdir(out):
        text = open(os.path.join(out, name)).read()
        expect("http://" not in text and "https://" not in text and "<script" not in text,
               "%s refers to the network or runs scripts" % name)
    dom, errors = chromium_dom("file://" + os.path.join(out, "index.html"))
    expect(not errors, "index.html: %s" % errors)
    expect("shop.py.html" in dom and "Catalog.price" in dom, "index lacks the file or the hot function")
    expect(re.search(r'href="shop.py.html#L38">shop.py:refund', dom), "refund not listed as never ran")
    dom, errors = chromium_dom("file://" + os.path.join(out, "shop.py.html"))
    expect(not errors, "shop.py.html: %s" % errors)
    hot = marker_line(os.path.join(ROOT, "demo", "shop.py"), "total += self.items[item]")
    m = re.search(r'<tr id="L%d"><td class="n">%d</td><td class="s">(\d+)</td><td class="c" '
                  r'style="background:rgb\(255,(\d+),0\)">' % (hot, hot), dom)
    expect(m and int(m.group(1)) > 500 and int(m.group(2)) < 100, "hot line not the reddest: %r" %
           ((m.groups() if m else dom[dom.find('id="L%d"' % hot) - 10:][:300]),))
    dead = marker_line(os.path.join(ROOT, "demo", "shop.py"), "def refund(")
    expect(re.search(r'<tr id="L%d" class="dead">.*<span class="tag never">never-ran</span>' % dead, dom),
           "refund not marked never-ran")


def t_all_python_skips_unsupported(py):
    """--all-python lists CPythons it refuses (pyenv 2.7/3.6/3.7) as skipped, never profiles them."""
    old = unsupported_interpreters()
    expect(old, "no unsupported CPython installed to check the refusal with")
    procs = [subprocess.Popen([exe, "-c", "import time; time.sleep(30)"]) for _, exe in old]
    try:
        time.sleep(0.5)
        cp, prof = profile(["-d", "1.5", "--all-python"])
    finally:
        for p in procs:
            p.kill()
            p.wait()
    skipped = {s["pid"]: s for s in prof["skipped"]}
    for (ver, exe), p in zip(old, procs):
        expect(p.pid in skipped, "PID %d (CPython %s) not listed as skipped" % (p.pid, ver))
        expect("CPython %s is not supported" % ver in skipped[p.pid]["reason"], skipped[p.pid])
        expect(proc_entry(prof, p.pid) is None, "unsupported PID %d was profiled" % p.pid)
        expect(re.search(r"^\s+%d .*CPython %s is not supported" % (p.pid, re.escape(ver)),
                         cp.stdout, re.M), "summary lacks skipped PID %d" % p.pid)
    expect("Skipped (CPython, not profiled)" in cp.stdout, cp.stdout)


ONCE = [t_report_roundtrip, t_cli_errors, t_sigint, t_embedded, t_all_python_skips_unsupported,
        t_binary_not_at_host_path, t_cold_profiles, t_cold_edits, t_cold_bad_trees, t_html]


def t_layout_tables(interps):
    """The committed layout rows equal what every installed interpreter's headers give."""
    cp = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-layout.py"), "--check"] +
                        [py for _, py, _ in interps], capture_output=True, text=True, timeout=300)
    for line in cp.stdout.splitlines():
        print("     " + line)
    expect(cp.returncode == 0, "layout rows differ from the headers:\n%s%s" % (cp.stdout, cp.stderr))
    expect(cp.stdout.count(" same") == len(interps), "not every interpreter was checked")


NO_BPF = [t_layout_tables]


# --- driver ----------------------------------------------------------------------

def run_test(name, fn, *args):
    t0 = time.monotonic()
    try:
        fn(*args)
    except Skip as e:
        results["skipped"] += 1
        print("SKIP %-40s %s" % (name, e), flush=True)
        return
    except Exception as e:  # noqa: BLE001 - a test failure of any kind
        results["failed"] += 1
        failures.append(name)
        print("FAIL %-40s %.1fs\n     %s" % (name, time.monotonic() - t0,
                                         str(e).replace("\n", "\n     ")), flush=True)
        if not isinstance(e, AssertionError):
            traceback.print_exc()
        return
    results["passed"] += 1
    print("ok   %-40s %.1fs" % (name, time.monotonic() - t0), flush=True)


def main():
    only = sys.argv[1:]
    interps = discover_interpreters()
    if not interps:
        print("no CPython interpreters found: set COLDBPF_PYTHONS")
        return 1
    for fn in NO_BPF:
        if not only or any(o in fn.__name__ for o in only):
            run_test(fn.__name__, fn, interps)
    why = bpf_check()
    if why:
        if CI:
            print("FAIL: BPF is unavailable under CI: %s" % why)
            print("0 passed, 1 failed")
            return 1
        print("!" * 72)
        print("!! SKIPPING every BPF integration test: BPF is unavailable here:")
        print("!!   %s" % why)
        print("!! (under CI this is a failure)")
        print("!" * 72)
        n = len(interps) * len(PER_INTERPRETER) + len(ONCE)
        print("%d passed, %d failed, %d skipped" % (results["passed"], results["failed"], n))
        return 1 if results["failed"] else 0
    print("interpreters under test:")
    for label, _, _ in interps:
        print("  %s" % label)
    tested = set()
    for label, py, mm in interps:
        print("== %s" % label, flush=True)
        for fn in PER_INTERPRETER:
            name = "%s[%d.%d:%s]" % (fn.__name__, mm[0], mm[1], label.split()[0])
            if only and not any(o in name for o in only):
                continue
            run_test(name, fn, label, py, mm)
            tested.add(py)
    main_py = interps[0][1]
    print("== once (with %s)" % main_py, flush=True)
    for fn in ONCE:
        if only and not any(o in fn.__name__ for o in only):
            continue
        run_test(fn.__name__, fn, main_py)
    missing = [label for label, py, _ in interps if py not in tested]
    if missing and not only:
        results["failed"] += 1
        print("FAIL interpreters not exercised: %s" % missing)
    print("interpreters exercised: %d of %d" % (len(tested), len(interps)))
    if failures:
        print("failed: %s" % " ".join(failures))
    print("%d passed, %d failed, %d skipped" % (results["passed"], results["failed"],
                                                results["skipped"]))
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
