"""Sampling: shares, threads, recursion, discovery, exits, the CLI, embedding,
containers, unsupported versions, layout tables."""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from common import *  # noqa: F401,F403 - the tests' shared vocabulary


# --- tests: per interpreter --------------------------------------------------

def t_ratio(label, py, mm):
    """6:3:1 workload: self shares within 3 points; the hot line >= 90%."""
    script = os.path.join(WL, "ratio.py")
    truth_file = os.path.join(TMP, "ratio-truth-%d.json" % time.monotonic_ns())
    cp, prof = profile(["-F", "999", "--", py, script, "5", truth_file])
    with open(truth_file) as f:
        tr = json.load(f)
    idx = {n: func_index(prof, n, "ratio.py") for n in ("work_a", "work_b", "work_c")}
    for n, i in idx.items():
        expect(i is not None, "%s not in profile" % n)
    counts = {n: self_samples(prof, i) for n, i in idx.items()}
    total = sum(counts.values())
    expect(total >= 2000, "too few samples: %d" % total)
    everything = sum(st["count"] for st in prof["stacks"])
    expect(prof["stats"]["recorded"] == everything,
           "BPF recorded %d samples, the profile holds %d: the drains lost or doubled some"
           % (prof["stats"]["recorded"], everything))
    shares = {n: 100.0 * c / total for n, c in counts.items()}
    for n in ("work_a", "work_b", "work_c"):
        # the truth is the target's own thread CPU time (6:3:1 iterations
        # is 60/30/10 of the time only on a quiet host)
        want = 100.0 * tr[n] / sum(tr.values())
        expect(abs(shares[n] - want) <= 3, "%s self share %.1f%%, in-process truth %.1f%% +-3 (%s)" %
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
    expect("nspid" not in p, "a PID namespace of its own? %s" % p)
    # 3.13+: the interpreter's _Py_DebugOffsets agree with the committed row
    expect("differ from coldbpf's table" not in cp.stderr, cp.stderr)


SHARES_HZ = 499


def _busy_loops(n):
    """n shell busy loops (not Python: never sampled as a target) at the
    test's own nice level, which the targets inherit too."""
    return [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(n)]


def _shares_run(py, procs, seconds, load):
    """One profile of PROCS copies of shares.py, each spending SECONDS of CPU
    time (at most 6 x SECONDS of wall time: a busy shared host gives a
    target a third of a CPU or less), with
    `load` busy loops beside them: (sampled shares %, truth shares %,
    samples, per-process lines, profile). The truth is each process's own
    thread CPU time per function, summed over the processes."""
    stamp = time.monotonic_ns()
    truths = [os.path.join(TMP, "shares-%d-%d.json" % (stamp, i)) for i in range(procs)]
    script = os.path.join(WL, "shares.py")
    cmd = " & ".join("%s %s %s %s %s" % (shlex.quote(py), shlex.quote(script), seconds, shlex.quote(t), 6 * seconds)
                     for t in truths) + "; wait"
    busy = _busy_loops(load)
    try:
        _, prof = profile(["-F", str(SHARES_HZ), "--", "sh", "-c", cmd], timeout=6 * seconds + 120)
    finally:
        for b in busy:
            b.kill()
            b.wait()
    names = ("work_a", "work_b", "work_c")
    idx = {i: f["qualname"] for i, f in enumerate(prof["functions"])
           if f["file"].endswith("shares.py") and f["qualname"] in names}
    per_pid = {}
    for st in prof["stacks"]:
        n = idx.get(st["frames"][-1][0]) if st["frames"] else None
        if n:
            pid = prof["processes"][st["proc"]]["pid"]
            d = per_pid.setdefault(pid, dict.fromkeys(names, 0))
            d[n] += st["count"]
    truth_s = dict.fromkeys(names, 0.0)
    lines = []
    for t in truths:
        with open(t) as f:
            tr = json.load(f)
        for n in names:
            truth_s[n] += tr[n]
        lines.append("truth %s cpu/wall %.2f, %d cycles" %
                     ("/".join("%.1f" % (100.0 * tr[n] / sum(tr[m] for m in names)) for n in names),
                      tr["cpu"] / tr["wall"], tr["cycles"]))
    counts = {n: sum(d[n] for d in per_pid.values()) for n in names}
    total = sum(counts.values())
    expect(total > 0, "no sample in work_a/b/c")
    expect(len(per_pid) == procs, "%d of %d processes sampled" % (len(per_pid), procs))
    for pid, d in sorted(per_pid.items()):
        lines.append("pid %d: %d samples %s" % (pid, sum(d.values()), "/".join(
            "%.1f" % (100.0 * d[n] / max(1, sum(d.values()))) for n in names)))
    tt = sum(truth_s.values())
    return ({n: 100.0 * c / total for n, c in counts.items()},
            {n: 100.0 * v / tt for n, v in truth_s.items()}, total, lines, prof)


def t_shares(label, py, mm):
    """Statistical share accuracy, quiet and with every core busy: three
    identical loops called 6:3:1, each process timing its own functions with
    time.thread_time(); at 499 Hz at least 5000 samples per run, every share
    within 3 points of the in-process truth. Quiet: one process spending 11 s
    of CPU. Loaded: two processes spending 5.75 s each beside `nproc` busy
    loops at the same nice level (each gets at most half a core: contention
    between targets as well as with other work; about 12 s on an otherwise
    idle host, longer on a busy one)."""
    ncpu = os.cpu_count() or 1
    for kind, procs, cpu_s, load in (("quiet", 1, 11, 0), ("loaded", 2, 5.75, ncpu)):
        share, truth, total, lines, prof = _shares_run(py, procs, cpu_s, load)
        st = prof["stats"]
        print("     %s: %d samples %s, truth %s (recorded %d of %d Python samples)" %
              (kind, total, "/".join("%.1f" % share[n] for n in sorted(share)),
               "/".join("%.1f" % truth[n] for n in sorted(truth)), st["recorded"], st["python_samples"]))
        for line in lines:
            print("       " + line)
        expect(total >= 5000, "%s: only %d samples in work_a/b/c" % (kind, total))
        expect(st["recorded"] >= 0.99 * st["python_samples"],
               "%s: %d of %d Python samples recorded (%s)" % (kind, st["recorded"], st["python_samples"], st))
        for n in sorted(share):
            expect(abs(share[n] - truth[n]) <= 3,
                   "%s: %s %.1f%% of samples, in-process truth %.1f%% (%s)" %
                   (kind, n, share[n], truth[n], "; ".join(lines)))


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
    early = [subprocess.Popen([py, script, "10"]) for _ in range(2)]
    out = os.path.join(TMP, "all%d.json" % time.monotonic_ns())
    try:
        time.sleep(0.3)
        # the late one (2 s, from 1.5 s) ends seconds before the run does: a
        # loaded CI host once ended a 4 s run before it had exited
        prof_proc = subprocess.Popen([COLDBPF, "--all-python", "-F", "199", "-d", "6", "-o", out],
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


# --- once ---------------------------------------------------------------------

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
    if os.geteuid() == 0:	# setpriv missing fails the test, never passes it
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
    script = os.path.join(WL, "shares.py")
    for ver, cfg in hosts:
        flags = subprocess.run([cfg, "--cflags", "--ldflags", "--embed"], capture_output=True,
                               text=True, check=True).stdout.split()
        libdir = subprocess.run([cfg, "--prefix"], capture_output=True, text=True,
                                check=True).stdout.strip() + "/lib"
        exe = os.path.join(TMP, "cb-embed-%s" % ver)
        subprocess.run(["cc", "-o", exe, os.path.join(ROOT, "tests", "embed", "embed.c")] + flags +
                       ["-Wl,-rpath," + libdir], check=True, capture_output=True)
        truth_file = os.path.join(TMP, "embed-truth-%s-%d.json" % (ver, time.monotonic_ns()))
        cp, prof = profile(["-F", "999", "--", exe, script, "3", truth_file, "18"])
        with open(truth_file) as f:
            tr = json.load(f)
        truth = 100.0 * tr["work_a"] / sum(tr[n] for n in ("work_a", "work_b", "work_c"))
        p = prof["processes"][0]
        expect(p["comm"].startswith("cb-embed"), "%s: comm %r" % (ver, p["comm"]))
        expect(p["python"].startswith(ver + "."), "%s: version %s" % (ver, p["python"]))
        idx = {n: func_index(prof, n, "shares.py") for n in ("work_a", "work_b", "work_c")}
        expect(all(i is not None for i in idx.values()), "%s: functions missing" % ver)
        counts = {n: self_samples(prof, i) for n, i in idx.items()}
        total = sum(counts.values())
        share = 100.0 * counts["work_a"] / max(1, total)
        # the truth is the target's own thread CPU time per function: on a
        # loaded host the 6:3:1 iteration ratio is not a 60 % time share
        # 3000 samples: one standard deviation of a 60 % share is 0.9 points;
        # the bound is four of them (a false alarm in about 1 of 15000 checks)
        bound = max(3.0, 400.0 * (truth / 100 * (1 - truth / 100) / max(1, total)) ** 0.5)
        expect(total > 1000 and abs(share - truth) <= bound,
               "%s: work_a %.1f%% of %d samples, in-process truth %.1f%% (bound %.1f points)" %
               (ver, share, total, truth, bound))
        print("     embedded %s: %d samples, work_a %.1f%% (truth %.1f%%), found via %s" %
              (ver, total, share, truth, p["version_method"]))


def t_late_dlopen(py):
    """An interpreter a plugin host dlopen()s seconds after its exec (no exec
    event then) is found by --all-python's periodic re-check."""
    hosts = dict(embed_hosts())
    expect("3.11" in hosts, "no pyenv 3.11 with libpython3.11.so")
    prefix = subprocess.run([hosts["3.11"], "--prefix"], capture_output=True, text=True,
                            check=True).stdout.strip()
    lib = os.path.join(prefix, "lib", "libpython3.11.so")
    exe = os.path.join(TMP, "cb-dlopen")
    subprocess.run(["cc", "-o", exe, os.path.join(ROOT, "tests", "embed", "dlopen.c"), "-ldl"],
                   check=True, capture_output=True)
    out = os.path.join(TMP, "dlopen%d.json" % time.monotonic_ns())
    agent = subprocess.Popen([COLDBPF, "--all-python", "-F", "499", "-d", "20", "-o", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    host = subprocess.Popen([exe, lib, "4", os.path.join(WL, "ratio.py"), "12"])
    so, se = agent.communicate(timeout=60)
    host.wait(timeout=30)
    expect(agent.returncode == 0, "coldbpf failed: %s" % se)
    with open(out) as f:
        prof = json.load(f)
    e = proc_entry(prof, host.pid)
    expect(e is not None, "the dlopen host (PID %d) was never profiled" % host.pid)
    a = func_index(prof, "work_a", "ratio.py")
    n = self_samples(prof, a, host.pid) if a is not None else 0
    expect(n > 200, "work_a of the dlopen host: %d samples" % n)


def t_exec_chain(py):
    """A shell that execs Python, and a Python that execs another Python
    program: each program is profiled under its own entry, the first marked
    ended at the exec."""
    first = os.path.join(TMP, "first%d.py" % time.monotonic_ns())
    with open(first, "w") as f:
        f.write("import os, sys, time\n"
                "def before_exec():\n"
                "    end = time.time() + 2\n"
                "    while time.time() < end: pass\n"
                "before_exec()\n"
                "os.execv(sys.executable, [sys.executable, %r, '3'])\n" % os.path.join(WL, "ratio.py"))
    cp, prof = profile(["-F", "499", "--", "sh", "-c", "sleep 0.5; exec %s %s" % (py, first)])
    entries = [p for p in prof["processes"] if p["samples"] > 0]
    pids = {p["pid"] for p in entries}
    expect(len(pids) == 1 and len(entries) == 2, "want one PID with two programs: %s" % prof["processes"])
    b, a = func_index(prof, "before_exec"), func_index(prof, "work_a", "ratio.py")
    expect(b is not None and self_samples(prof, b) > 300, "the first program's samples")
    expect(a is not None and self_samples(prof, a) > 300, "the program it exec'd: %s" % cp.stdout[:500])
    expect(prof["processes"][0]["exited"], "the first program is not marked ended at its exec")


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


def t_debug_offsets_cross_check(py):
    """3.13+: an interpreter whose _Py_DebugOffsets differ from the committed
    row in one offset (a copy of pyenv's libpython3.13 with imports_modules
    moved by 8, as a patch release might; sampling does not read it) is
    profiled with its own offsets, and one warning names the field."""
    base = sorted(glob.glob(os.path.join(pyenv_root(), "versions", "3.13.*")))
    expect(base, "needs a pyenv 3.13")
    prefix = base[0]
    lib = os.path.join(prefix, "lib", "libpython3.13.so.1.0")
    d = tempfile.mkdtemp(prefix="coldbpf-dbgoff-")
    try:
        copy = os.path.join(d, "libpython3.13.so.1.0")
        shutil.copy2(lib, copy)
        sec = subprocess.run(["readelf", "-S", "-W", copy], capture_output=True, text=True, check=True).stdout
        m = re.search(r"\.PyRuntime\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)", sec)
        expect(m, "no .PyRuntime section in %s" % lib)
        off = int(m.group(1), 16)
        with open(copy, "r+b") as f:
            f.seek(off)
            head = f.read(96)
            expect(head[:8] == b"xdebugpy", "no _Py_DebugOffsets at the start of .PyRuntime")
            modules = int.from_bytes(head[88:96], "little")     # interpreter_state.imports_modules (3.13)
            f.seek(off + 88)
            f.write((modules + 8).to_bytes(8, "little"))
        env = dict(os.environ, LD_LIBRARY_PATH=d, PYTHONHOME=prefix)
        procs = [subprocess.Popen([os.path.join(prefix, "bin", "python3.13"), os.path.join(WL, "spin.py"), "8"],
                                  env=env) for _ in range(2)]
        try:
            time.sleep(1.0)
            for p in procs:
                with open("/proc/%d/maps" % p.pid) as f:
                    expect(copy in f.read(), "the patched libpython is not the one mapped")
            before = [proc_cpu(p.pid) for p in procs]
            cp, prof = profile(["-F", "499", "-d", "2", "-p", "%d,%d" % (procs[0].pid, procs[1].pid)])
            cpu = [proc_cpu(p.pid) - b for p, b in zip(procs, before)]
        finally:
            for p in procs:
                p.kill()
                p.wait()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    warn = [ln for ln in cp.stderr.splitlines() if "differ from coldbpf's table" in ln]
    expect(len(warn) == 1, "want one warning for the file, got: %s" % cp.stderr)
    expect("in 1 of 24 offsets: interp_modules %d (table %d)" % (modules + 8, modules) in warn[0], warn[0])
    run = func_index(prof, "Spinner.run", "spin.py")
    for p, c in zip(procs, cpu):
        # the CPU time spans the agent's start-up too (no sampling yet):
        # a third of 499 Hz x it, whatever the host's load left the spinner
        n = self_samples(prof, run, p.pid) if run is not None else 0
        expect(n > max(50, 499 * c / 3), "PID %d: Spinner.run %d samples for %.2f CPU s" % (p.pid, n, c))


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


def t_layout_tables(interps):
    """The committed layout rows equal what every installed interpreter's headers give."""
    specs = []
    for _, py, mm in interps:      # a sid interpreter: its headers are in its root
        specs.append("chroot:%s:python%d.%d" % (CHROOTED[py], mm[0], mm[1]) if py in CHROOTED else py)
    cp = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-layout.py"), "--check"] + specs,
                        capture_output=True, text=True, timeout=300)
    for line in cp.stdout.splitlines():
        print("     " + line)
    expect(cp.returncode == 0, "layout rows differ from the headers:\n%s%s" % (cp.stdout, cp.stderr))
    expect(cp.stdout.count(" same") == len(interps), "not every interpreter was checked")


def _subinterp_run(cmd, script, mode, seconds=2.5):
    """One run of subinterp.py MODE: (samples per (function, interp), truth
    shares in %, profile)."""
    truth_file = os.path.join(TMP, "subi-%d.json" % time.monotonic_ns())
    inside = truth_file
    if cmd[0] == "chroot":     # the target writes inside its root
        inside = "/tmp/coldbpf-wl/" + os.path.basename(truth_file)
        truth_file = cmd[1] + inside
    if mode == "idle":
        # attach once the subinterpreter exists (the case: no thread
        # state of the main thread cached from before)
        p = subprocess.Popen(cmd + [script, mode, str(seconds + 1.5), inside],
                             stdout=subprocess.PIPE, text=True)
        try:
            expect(p.stdout.readline().strip() == "ready", "subinterp.py did not start")
            _, prof = profile(["-F", "499", "-d", str(seconds), "-p", str(p.pid)])
        finally:
            p.wait(timeout=30)
    else:
        _, prof = profile(["-F", "499", "--"] + cmd + [script, mode, str(seconds), inside])
    with open(truth_file) as f:
        truth = json.load(f)
    total_t = sum(truth.values())
    truth = {k: 100.0 * v / total_t for k, v in truth.items()}
    names = {i: f["qualname"] for i, f in enumerate(prof["functions"])}
    seen, total = {}, 0
    for st in prof["stacks"]:
        total += st["count"]
        for fn in ("main_work", "sub_work", "run"):
            if any(names[f] == fn for f, _ in st["frames"]):
                k = (fn, st.get("interp", 0))
                seen[k] = seen.get(k, 0) + st["count"]
                break
    # samples follow the target's CPU time, which a loaded host cuts: at
    # least half of 499 Hz x that time (idle: the profile covers
    # seconds of the seconds + 1.5 the truth does)
    cpu = total_t * (seconds / (seconds + 1.5) if mode == "idle" else 1.0)
    expect(total >= max(150, 0.5 * 499 * cpu), "%s: too few samples: %d for %.2f CPU s" % (mode, total, cpu))
    truth["_samples"] = total
    expect(prof["stats"]["recorded"] >= 0.97 * prof["stats"]["python_samples"],
           "%s: %d of %d Python samples recorded (%s)" %
           (mode, prof["stats"]["recorded"], prof["stats"]["python_samples"], prof["stats"]))
    share = {k: 100.0 * v / total for k, v in seen.items()}
    return share, truth, prof


def _tol(truth, share):
    """A share's bound: 4 points, or 4 binomial sigmas when a loaded host
    left fewer samples than that makes meaningful."""
    p, n = min(99.0, max(1.0, share)) / 100.0, truth["_samples"]
    return max(4.0, 400.0 * (p * (1 - p) / n) ** 0.5)


def _check_subinterpreters(cmd, script, mm):
    # 1. an idle subinterpreter (the newest, first in the list) beside a hot
    #    main thread: every sample is the main interpreter's main_work
    share, truth, _ = _subinterp_run(cmd, script, "idle")
    expect(share.get(("main_work", 0), 0) >= 97, "idle: main_work %s" % share)
    # 2. one OS thread, thread states in two interpreters, 50:50 in time
    share, truth, _ = _subinterp_run(cmd, script, "alternate")
    for fn, interp in (("main_work", 0), ("sub_work", 1)):
        expect(abs(share.get((fn, interp), 0) - truth[fn]) <= _tol(truth, truth[fn]),
               "alternate: %s in interpreter %d: %.1f%%, in-process truth %.1f%% (%s)" %
               (fn, interp, share.get((fn, interp), 0), truth[fn], share))
    expect(("sub_work", 0) not in share and ("main_work", 1) not in share,
           "alternate: a stack labelled with the wrong interpreter: %s" % share)
    # 3. a second thread runs code in the subinterpreter
    share, truth, _ = _subinterp_run(cmd, script, "thread")
    expect(abs(share.get(("main_work", 0), 0) - truth["main_work"]) <= _tol(truth, truth["main_work"]),
           "thread: main_work %.1f%%, truth %.1f%% (%s)" %
           (share.get(("main_work", 0), 0), truth["main_work"], share))
    if mm >= (3, 13):
        # 3.13+ gives the calling thread a thread state of its own there
        expect(abs(share.get(("sub_work", 1), 0) - truth["sub_work"]) <= _tol(truth, truth["sub_work"]),
               "thread: sub_work %.1f%%, truth %.1f%% (%s)" %
               (share.get(("sub_work", 1), 0), truth["sub_work"], share))
    else:
        # 3.8-3.12 run it on the thread state of the interpreter's creator
        # (CPython gh-109860): the calling thread's time stays on its call
        # in the main interpreter, never on another function
        expect(share.get(("run", 0), 0) + share.get(("sub_work", 1), 0) >=
               truth["sub_work"] - _tol(truth, truth["sub_work"]),
               "thread: the worker's time went elsewhere: %s (truth %s)" % (share, truth))


def t_subinterpreters(label, py, mm):
    """Subinterpreters: an idle one beside a hot main thread, one thread in two
    interpreters, a second thread in a subinterpreter; shares against in-process
    thread CPU time, stacks labelled with their interpreter."""
    _check_subinterpreters([py], os.path.join(WL, "subinterp.py"), mm)


def t_ft_parallel_threads(py):
    """Free-threaded builds (tests/tools/build-ft.sh): four threads run Python
    at the same time (no GIL: one per CPU), each in its own function for
    100/75/50/25 % of the run. Every thread is sampled whenever it runs:
    each function's share of the samples is within 5 points of its share of
    the four threads' CPU time measured in the process (time.thread_time()),
    and the samples match 999 Hz times that CPU time (within 15 %). cold on
    the saved profile calls each of them ran or sampled and nothing of the
    file never-ran (3.13t has no markers: docs/free-threaded.md)."""
    fts = [p for p in sorted(FT)]
    if not fts:
        msg = "no free-threaded interpreter (tests/tools/build-ft.sh 3.13 builds one)"
        if CI:
            raise AssertionError(msg)
        raise Skip(msg)
    names = ("par_one", "par_two", "par_three", "par_four")
    for ft in fts:
        truth_f = os.path.join(TMP, "par-truth-%d.json" % time.monotonic_ns())
        out = os.path.join(TMP, "par-%d.json" % time.monotonic_ns())
        cp = run_coldbpf(["-F", "999", "--evidence", "-o", out, "--", ft, os.path.join(WL, "parallel.py"), "4",
                          truth_f])
        expect(cp.returncode == 0, "coldbpf: %s" % cp.stderr)
        prof = json.load(open(out))
        truth = json.load(open(truth_f))
        expect(truth["gil"] is False, "%s runs with a GIL" % ft)
        samples = {}
        for n in names:
            i = func_index(prof, n, "parallel.py")
            expect(i is not None, "%s: %s not sampled" % (ft, n))
            samples[n] = self_samples(prof, i)
        per = {n: {s["tid"] for s in prof["stacks"]
                   if s["frames"] and s["frames"][-1][0] == func_index(prof, n, "parallel.py")} for n in names}
        expect(all(len(t) == 1 for t in per.values()), "%s: a function seen on several threads: %s" % (ft, per))
        tids = set().union(*per.values())
        ns, cpu = sum(samples.values()), sum(truth[n] for n in names)
        print("     %s: %d samples, %.2f CPU s of the four threads in %.2f s wall (%.2f CPUs); samples/CPU s %.0f; "
              "shares %s, truth %s" % (ft, ns, cpu, truth["wall"], cpu / truth["wall"], ns / cpu,
                                       "/".join("%.1f" % (100.0 * samples[n] / ns) for n in names),
                                       "/".join("%.1f" % (100.0 * truth[n] / cpu) for n in names)), flush=True)
        expect(len(tids) == 4, "%s: the four functions on threads %s" % (ft, tids))
        for n in names:
            got, want = 100.0 * samples[n] / ns, 100.0 * truth[n] / cpu
            expect(abs(got - want) <= 5, "%s: %s has %.1f %% of the samples, %.1f %% of the CPU time" %
                   (ft, n, got, want))
        expect(0.85 <= ns / (999.0 * cpu) <= 1.15, "%s: %d samples for %.2f CPU s at 999 Hz" % (ft, ns, cpu))
        cp = run_coldbpf(["cold", "--src", WL, "--format", "json", out])
        expect(cp.returncode == 0, "cold: %s" % cp.stderr)
        st = {f["qualname"]: f for f in json.loads(cp.stdout)["functions"] if f["path"] == "parallel.py"}
        for n in names + ("main",):
            expect(st[n]["status"] in ("ran", "sampled"), "%s: %s is %s, it ran" % (ft, n, st[n]))
        dead = {q: f["status"] for q, f in st.items() if f["status"] in ("never-ran", "not-loaded")}
        expect(not dead, "%s: called dead: %s" % (ft, dead))


PER_INTERPRETER = [t_ratio, t_shares, t_threads, t_recursion, t_all_python, t_exit_midrun, t_subinterpreters]
ONCE = [t_ft_parallel_threads, t_report_roundtrip, t_cli_errors, t_sigint, t_embedded, t_all_python_skips_unsupported,
        t_binary_not_at_host_path, t_late_dlopen, t_exec_chain, t_debug_offsets_cross_check]
NO_BPF = [t_layout_tables]
