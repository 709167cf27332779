"""CPython's static markers (--usdt, docs/usdt.md): GC collections and
imports counted exactly, semaphores back to their values after coldbpf
exits, never the line probe, interpreters without markers said per process
and still sampled."""
import json
import os
import re
import signal
import subprocess
import time

from common import *  # noqa: F401,F403 - the tests' shared vocabulary

MARKERS = os.path.join(WL, "markers.py")
NEEDED = ("gc__start", "gc__done", "import__find__load__start", "import__find__load__done")


def sdt_notes(pid):
    """{marker: (semaphore address in the process, ...)} of the python
    provider in the file holding its interpreter (/proc/PID/exe or the
    libpython it maps), read with readelf through /proc/PID/map_files."""
    maps = open("/proc/%d/maps" % pid).read().splitlines()
    files = []
    for line in maps:
        parts = line.split(None, 5)
        if len(parts) == 6 and "x" in parts[1] and ("python" in parts[5] or "libpython" in parts[5]):
            files.append(parts)
    out = {}
    for start_end, perms, off, dev, ino, path in files:
        a, b = (int(x, 16) for x in start_end.split("-"))
        mf = "/proc/%d/map_files/%x-%x" % (pid, a, b)
        notes = subprocess.run(["readelf", "-n", "--wide", mf], capture_output=True, text=True).stdout
        if "stapsdt" not in notes:
            continue
        etype = subprocess.run(["readelf", "-h", mf], capture_output=True, text=True).stdout
        bias = 0
        if "DYN" in etype:   # a shared object: its lowest mapping's start minus its first PT_LOAD
            base = min(int(l.split("-")[0], 16) for l in maps if l.split()[-1] == path and
                       l.split()[2] == "00000000")
            phdrs = subprocess.run(["readelf", "-l", "--wide", mf], capture_output=True, text=True).stdout
            first = min(int(m.group(1), 16) for m in re.finditer(r"^\s*LOAD\s+\S+\s+(\S+)", phdrs, re.M))
            bias = base - (first & ~0xfff)
        for m in re.finditer(r"Provider: python\s+Name: (\S+)\s+Location: \S+, Base: \S+, Semaphore: (\S+)",
                             notes):
            out.setdefault(m.group(1), set()).add(int(m.group(2), 16) + bias)
        break
    return out


def semaphores(pid, notes):
    """{marker: value} of each marker's semaphore in the process's memory."""
    vals = {}
    with open("/proc/%d/mem" % pid, "rb") as f:
        for name, addrs in notes.items():
            for a in addrs:
                f.seek(a)
                vals[name] = int.from_bytes(f.read(2), "little")
    return vals


def _run(py, mode, args, usdt="gc,import", secs=6):
    """Start the workload, then coldbpf -p on it; go once its markers are
    attached (their semaphores raised), or after 1.5 s when it has none.
    Returns (workload output lines, profile, semaphores before/during/after
    or None, coldbpf's stderr)."""
    go = os.path.join(TMP, "go%d" % time.monotonic_ns())
    out = os.path.join(TMP, "usdt%d.json" % time.monotonic_ns())
    w = subprocess.Popen([py, MARKERS, mode, args[0], go] + args[1:] + ["30"], stdout=subprocess.PIPE, text=True)
    agent = None
    try:
        pid = int(w.stdout.readline())
        notes = sdt_notes(pid)
        before = semaphores(pid, notes) if notes else None
        agent = subprocess.Popen([COLDBPF, "-p", str(pid), "-F", "499", "-d", str(secs), "-o", out] +
                                 (["--usdt", usdt] if usdt else []),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        during = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if notes and usdt not in (None, "none"):
                during = semaphores(pid, notes)
                if all(during.get(n, 0) > 0 for n in NEEDED if n in notes):
                    break
            elif time.monotonic() > deadline - 13.5:
                during = semaphores(pid, notes) if notes else None
                break
        open(go, "w").close()
        lines = [w.stdout.readline().strip()]
        so, se = agent.communicate(timeout=120)
        expect(agent.returncode == 0, "coldbpf failed: %s" % se)
        after = semaphores(pid, notes) if notes else None
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        w.kill()
        w.wait()
    with open(out) as f:
        prof = json.load(f)
    return lines, prof, (before, during, after), out, pid


def _check_semaphores(sem):
    before, during, after = sem
    expect(before is not None, "no markers found by the test itself")
    for n in NEEDED:
        expect(during.get(n, 0) > 0, "%s's semaphore not raised while attached: %s" % (n, during))
    for n in ("line", "function__entry", "function__return", "audit"):
        if n in before:     # never attached: 3.11's line crashes the interpreter
            expect(during[n] == before[n], "%s's semaphore changed while attached: %s -> %s" %
                   (n, before, during))
    expect(after == before, "semaphores not back after coldbpf exited: before %s, after %s" % (before, after))


def t_usdt_gc(label, py, mm):
    """200 gc.collect() with automatic GC off: exactly 200 generation-2
    collections (the workload's gc.get_stats() says the same), pauses in
    the histogram; semaphores raised while attached, back after; line and
    function__entry never touched. Without markers (pyenv): said per
    process and counted, sampling unaffected."""
    lines, prof, sem, out, pid = _run(py, "gc", ["200"])
    expect(lines[0].startswith("collections"), "workload: %s" % lines)
    stats_delta = [int(x) for x in lines[0].split()[1:]]
    e = proc_entry(prof, pid)
    expect(e is not None, "PID %d not in the profile" % pid)
    u = e.get("usdt")
    expect(u is not None, "no usdt entry for PID %d: %s" % (pid, e))
    if sem[0] is None:      # an interpreter without markers (pyenv)
        expect(u["status"] == "no-markers", "status %s" % u)
        expect(prof["stats"]["usdt_no_markers"] >= 1, "not counted: %s" % prof["stats"])
        expect(e["samples"] > 20, "sampling affected: %d samples" % e["samples"])
        return
    expect(u["status"] == "attached" and u["features"] == "gc,import", "status %s" % u)
    gcs = u["gc"]["collections"]
    expect(gcs[2] == 200 and sum(gcs) == 200, "collections %s, want 200 of generation 2" % gcs)
    expect(stats_delta[2] == 200, "the workload's gc.get_stats() says %s" % stats_delta)
    expect(sum(u["gc"]["pause_log2_ns"]) == 200, "histogram %s" % u["gc"]["pause_log2_ns"])
    expect(u["gc"]["pause_ns"][2] > 0 and u["gc"]["max_pause_ns"][2] <= u["gc"]["pause_ns"][2], "pauses %s" % u)
    expect(prof["stats"]["usdt_processes"] == 1 and prof["stats"]["usdt_attach_failed"] == 0, "%s" %
           {k: v for k, v in prof["stats"].items() if "usdt" in k})
    _check_semaphores(sem)
    expect(e["samples"] > 20, "sampling: %d samples" % e["samples"])
    cp = run_coldbpf(["report", out])
    expect(cp.returncode == 0 and re.search(r"^\s+%d gc,import\s+200\s" % pid, cp.stdout, re.M),
           "report lacks the GC line of PID %d:\n%s" % (pid, cp.stdout))


def t_usdt_imports(label, py, mm):
    """8 fresh modules imported after attach (each sleeps 20 ms): exactly 8
    imports, each among the slowest with its name and >= 20 ms."""
    d = os.path.join(TMP, "mods%d" % time.monotonic_ns())
    lines, prof, sem, out, pid = _run(py, "import", ["8", d])
    expect(lines[0].startswith("imported"), "workload: %s" % lines)
    names = set(lines[0].split()[1:])
    expect(len(names) == 8, "the workload imported %s" % names)
    u = proc_entry(prof, pid).get("usdt")
    if sem[0] is None:
        expect(u["status"] == "no-markers", "status %s" % u)
        return
    im = u["imports"]
    expect(im["count"] == 8 and im["failed"] == 0, "imports %s, want 8" % im)
    slow = {s["module"]: s["ns"] for s in im["slowest"]}
    expect(names <= set(slow), "slowest %s lack %s" % (slow, names - set(slow)))
    expect(all(slow[n] >= 20e6 for n in names), "import times %s" % slow)
    expect(im["ns"] >= 8 * 20e6, "time in imports %d ns" % im["ns"])
    _check_semaphores(sem)


def t_usdt_off_by_default(py):
    """A recording without --usdt attaches nothing: the target's semaphores
    stay as they were, and no process carries a usdt entry."""
    lines, prof, sem, out, pid = _run("/usr/bin/python3.11", "gc", ["20"], usdt=None)
    before, during, after = sem
    expect(before is not None, "Debian's python3.11 has markers")
    expect(during == before == after, "semaphores changed: %s %s %s" % sem)
    expect(all("usdt" not in p for p in prof["processes"]), "a usdt entry without --usdt")
    expect(prof["stats"]["usdt_processes"] == 0, "attached: %s" % prof["stats"])


def t_usdt_serve_metrics(py):
    """serve attaches GC and import markers by default: /metrics counts the
    workload's 200 collections per program and in the pause histogram; after
    SIGTERM its semaphores are back."""
    import socket
    import urllib.request
    go = os.path.join(TMP, "go%d" % time.monotonic_ns())
    w = subprocess.Popen(["/usr/bin/python3.11", MARKERS, "gc", "200", go, "60"], stdout=subprocess.PIPE, text=True)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    agent = None
    try:
        pid = int(w.stdout.readline())
        notes = sdt_notes(pid)
        before = semaphores(pid, notes)
        agent = subprocess.Popen([COLDBPF, "serve", "-p", str(pid), "--no-evidence", "--listen",
                                  "127.0.0.1:%d" % port], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(v > 0 for k, v in semaphores(pid, notes).items()
                                                      if k in NEEDED):
            time.sleep(0.05)
        open(go, "w").close()
        expect(w.stdout.readline().startswith("collections"), "the workload did not collect")
        text = ""
        for _ in range(40):     # counts reach the profile at the next drain (1 s)
            time.sleep(0.25)
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
                text = r.read().decode()
            if re.search(r'^coldbpf_gc_pause_seconds_count 200$', text, re.M):
                break
        prog = [l for l in text.splitlines() if l.startswith("coldbpf_gc_collections_total{program=\"/usr/bin/python3.11")]
        expect(prog and prog[0].endswith(" 200"), "per program: %s" % prog)
        expect(re.search(r'^coldbpf_gc_pause_seconds_bucket\{le="\+Inf"\} 200$', text, re.M) and
               re.search(r'^coldbpf_gc_pause_seconds_count 200$', text, re.M),
               "histogram: %s" % [l for l in text.splitlines() if "gc_pause" in l])
        expect(re.search(r'^coldbpf_imports_total\{program="other"\} 0$', text, re.M), "imports family")
        agent.send_signal(signal.SIGTERM)
        _, err = agent.communicate(timeout=120)
        expect(agent.returncode == 0, "serve failed: %s" % err)
        after = semaphores(pid, notes)
        expect(after == before, "semaphores not back after serve stopped: %s -> %s" % (before, after))
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        w.kill()
        w.wait()


def t_usdt_opt_out(py):
    """The per-target opt-out: three Debian python3.11 processes (markers),
    each importing 4 fresh modules then collecting 100 times; one matches
    --usdt-exclude, one has COLDBPF_USDT=off in its environment, one neither.
    While coldbpf runs the kept one's semaphores are raised and the other
    two's stay 0; after, all are 0. The kept one shows 100 generation-2
    collections and 4 imports; the other two are sampled but 'off', with no
    GC or import counts, and say by whom (profile, report, usdt_off)."""
    import shutil
    py = "/usr/bin/python3.11"
    off_script = os.path.join(TMP, "cbusdtopt_off.py")
    on_script = os.path.join(TMP, "cbusdtopt_on.py")
    shutil.copy(MARKERS, off_script)
    shutil.copy(MARKERS, on_script)
    go = os.path.join(TMP, "go%d" % time.monotonic_ns())
    out = os.path.join(TMP, "usdtopt%d.json" % time.monotonic_ns())
    env_off = dict(os.environ, COLDBPF_USDT="off")
    specs = [("filter", off_script, None), ("env", on_script, env_off), ("kept", on_script, None)]
    ws, agent = [], None
    try:
        for _, script, env in specs:
            d = os.path.join(TMP, "optmods%d" % time.monotonic_ns())
            ws.append(subprocess.Popen([py, script, "both", "100", "4", go, d, "30"], stdout=subprocess.PIPE,
                                       text=True, env=env))
        pids = [int(w.stdout.readline()) for w in ws]
        notes = sdt_notes(pids[0])
        expect(all(n in notes for n in NEEDED), "Debian's python3.11 has the markers: %s" % notes)
        before = [semaphores(p, notes) for p in pids]
        expect(all(v == 0 for b in before for v in b.values()), "semaphores not 0 before: %s" % before)
        agent = subprocess.Popen([COLDBPF, "-p", ",".join(map(str, pids)), "-F", "499", "-d", "5", "-o", out,
                                  "--usdt", "gc,import", "--usdt-exclude", "*cbusdtopt_off*"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(semaphores(pids[2], notes)[n] > 0 for n in NEEDED):
            time.sleep(0.05)
        during = [semaphores(p, notes) for p in pids]
        expect(all(during[2][n] > 0 for n in NEEDED), "the kept process's semaphores not raised: %s" % during[2])
        open(go, "w").close()
        lines = [[w.stdout.readline().strip(), w.stdout.readline().strip()] for w in ws]
        during2 = [semaphores(p, notes) for p in pids[:2]]   # after their work, coldbpf still running
        expect(agent.poll() is None, "coldbpf ended before the workloads were done")
        for i in (0, 1):
            expect(all(v == 0 for v in during[i].values()) and all(v == 0 for v in during2[i].values()),
                   "the %s-excluded process's semaphores were raised: %s %s" % (specs[i][0], during[i], during2[i]))
        so, se = agent.communicate(timeout=120)
        expect(agent.returncode == 0, "coldbpf failed: %s" % se)
        after = [semaphores(p, notes) for p in pids]
        expect(after == before, "semaphores not back: %s -> %s" % (before, after))
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        for w in ws:
            w.kill()
            w.wait()
    with open(out) as f:
        prof = json.load(f)
    for i, (who, _, _) in enumerate(specs):
        expect(lines[i][0] == "collections 0 0 100" and lines[i][1].startswith("imported cbmark"),
               "workload %s: %s" % (who, lines[i]))
        e = proc_entry(prof, pids[i])
        expect(e is not None and e["samples"] > 20, "%s: not sampled: %s" % (who, e and e["samples"]))
        u = e.get("usdt")
        if who == "kept":
            expect(u["status"] == "attached" and u["gc"]["collections"] == [0, 0, 100, 0] and
                   u["imports"]["count"] == 4, "kept: %s" % u)
        else:
            why = "--usdt-exclude" if who == "filter" else "COLDBPF_USDT=off in its environment"
            expect(u["status"] == "off" and u.get("why") == why and not u.get("features"), "%s: %s" % (who, u))
            expect(sum(u.get("gc", {}).get("collections", [0])) == 0 and u.get("imports", {}).get("count", 0) == 0,
                   "%s: events of an opted-out process: %s" % (who, u))
    st = prof["stats"]
    expect(st["usdt_off"] == 2 and st["usdt_processes"] == 1, "counters: %s" %
           {k: v for k, v in st.items() if k.startswith("usdt")})
    expect(re.search(r"^\s+%d off\s+\(--usdt-exclude: sampled only\)$" % pids[0], so, re.M) and
           re.search(r"^\s+%d off\s+\(COLDBPF_USDT=off in its environment: sampled only\)$" % pids[1], so, re.M) and
           re.search(r"^\s+%d gc,import\s+100\s" % pids[2], so, re.M), "the report:\n%s" % so)


PER_INTERPRETER = [t_usdt_gc, t_usdt_imports]
AUDITED = os.path.join(WL, "audited.py")
ONCE = [t_usdt_off_by_default, t_usdt_serve_metrics, t_usdt_opt_out]


def _audit_once(py, w, fmt, notes):
    """coldbpf audit -p w (with fmt options), the workload run once while attached."""
    a = subprocess.Popen([COLDBPF, "audit", "-p", str(w.pid), "-d", "30", "--event", "open",
                          "--event", "subprocess.*", "--event", "socket.connect", "--event", "coldbpf.*"] + fmt,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 20     # attached: the audit marker's semaphore raised
    while notes and time.monotonic() < end and \
            semaphores(w.pid, {"audit": notes.get("audit", ())}).get("audit", 0) == 0:
        time.sleep(0.1)
    if not notes:
        time.sleep(2)
    # the kernel raises the semaphore when it registers the uprobe, before
    # libbpf attaches the program to it (PERF_EVENT_IOC_SET_BPF): hits in
    # between are not seen (a JSON round on bullseye's 3.9 lost its open)
    time.sleep(0.5)
    w.stdin.write("go\n")
    w.stdin.flush()
    expect(w.stdout.readline().strip() == "done", "the workload did not finish")
    time.sleep(0.5)
    a.send_signal(signal.SIGINT)
    out, err = a.communicate(timeout=30)
    expect(a.returncode == 0, "coldbpf audit exited %d: %s" % (a.returncode, err[-1000:]))
    return out, err


def t_audit(label, py, mm):
    """coldbpf audit -p on a process that opens a known file, starts a
    subprocess, connects a socket and raises events with one argument of
    each kind: each event with its arguments decoded in the kernel (text and
    JSON lines); --event filters; an interpreter without markers is said;
    the semaphore is back to 0 after."""
    path = os.path.join(TMP, "audited-%d.txt" % time.monotonic_ns())
    open(path, "w").close()
    w = subprocess.Popen([py, AUDITED, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        expect(w.stdout.readline().strip() == "ready", "the workload did not start")
        notes = sdt_notes(w.pid)
        out, err = _audit_once(py, w, [], notes)
        if not notes:           # pyenv's: no markers, no events, said
            expect(not out.strip() and "0 processes attached, 1 without markers" in err,
                   "an interpreter without markers: %r %r" % (out, err))
            return
        expect(semaphores(w.pid, {"audit": notes["audit"]})["audit"] == 0, "the audit semaphore was not put back")
        jout, _ = _audit_once(py, w, ["--json"], notes)
        w.stdin.write("quit\n")
        w.stdin.flush()
        w.wait(timeout=10)
    finally:
        if w.poll() is None:
            w.kill()
            w.wait()
    lines = out.splitlines()
    ev = {l.split()[3]: l.split(None, 4)[4] for l in lines if len(l.split()) >= 5}
    expect(ev.get("open", "").startswith("('%s', 'r'," % path), "open: %s\n%s" % (ev.get("open"), out))
    expect(ev.get("subprocess.Popen") == "('/bin/true', ['/bin/true', 'arg-one'], None, None)",
           "subprocess.Popen: %s" % ev.get("subprocess.Popen"))
    expect(re.match(r"^\(<object>, \('127\.0\.0\.1', \d+\)\)$", ev.get("socket.connect", "")),
           "socket.connect: %s" % ev.get("socket.connect"))
    expect(ev.get("coldbpf.kinds") == "('h\u00e9llo \u20ac \U0001f600', b'\\x00\\x01', -7, 1099511627776, True, None)",
           "coldbpf.kinds: %s" % ev.get("coldbpf.kinds"))
    expect(ev.get("coldbpf.seq") == "((1, 'x', None), ['%s...'], <int>)" % ("a" * 96),
           "coldbpf.seq: %s" % ev.get("coldbpf.seq"))
    expect(len(lines) == 5, "--event let other events through, or events were repeated:\n%s" % out)
    js = {j["event"]: j for j in (json.loads(l) for l in jout.splitlines())}
    expect(js.get("coldbpf.kinds", {}).get("args") == [
        "h\u00e9llo \u20ac \U0001f600", {"bytes": "\\x00\\x01", "truncated": False}, -7, 2**40, True, None],
           "JSON coldbpf.kinds: %s" % js.get("coldbpf.kinds"))
    expect(js.get("open", {}).get("args", [None])[0] == path and js["open"]["pid"] == w.pid,
           "JSON open: %s" % js.get("open"))
    print("    %d events: %s" % (len(lines), ", ".join(sorted(ev))))


PER_INTERPRETER += [t_audit]


CALLS = os.path.join(WL, "calls.py")
N_F, K_ITEMS, N_GEN, N_CORO, N_SUSP = 12345, 50, 3, 4, 5


def _calls_expected(mm, notes):
    """What --calls must say for this interpreter: 'counted' where
    function__entry fires once per call (3.8-3.10 with the marker, 3.15+),
    else why not (docs/usdt.md "Calls")."""
    if not notes:
        return "no-markers"
    if "function__entry" not in notes:
        return "no-marker"
    return "no-fire" if (3, 11) <= mm <= (3, 14) else "counted"


def t_usdt_calls(label, py, mm):
    """--calls on a workload that calls f() exactly 12345 times, takes 50
    items from each of 3 generators and drives 4 coroutines through 5
    awaits each: f shows the workload's own count, each generator and
    coroutine function 1 call per instance (not one per resume), the
    awaited __await__ 20, g() called from two threads at once 2 x 3086;
    resumes are counted apart; function__entry's
    semaphore is raised while attached and back after. Where the marker
    does not fire (3.11-3.14) or is missing, the report says so per
    process and the profile holds no counts (no zeros)."""
    go = os.path.join(TMP, "go%d" % time.monotonic_ns())
    out = os.path.join(TMP, "calls%d.json" % time.monotonic_ns())
    w = subprocess.Popen([py, CALLS, str(N_F), str(K_ITEMS), str(N_GEN), str(N_CORO), str(N_SUSP), go, "30"],
                         stdout=subprocess.PIPE, text=True)
    agent = None
    try:
        pid = int(w.stdout.readline())
        notes = sdt_notes(pid)
        want = _calls_expected(mm, notes)
        fe = {"function__entry": notes["function__entry"]} if "function__entry" in notes else {}
        before = semaphores(pid, fe)
        agent = subprocess.Popen([COLDBPF, "-p", str(pid), "-F", "99", "-d", "3", "-o", out, "--calls"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        during = before
        deadline = time.monotonic() + (15 if want == "counted" else 2)
        while time.monotonic() < deadline:
            time.sleep(0.05)
            during = semaphores(pid, fe)
            if want == "counted" and during["function__entry"] > before["function__entry"]:
                time.sleep(0.5)     # the program is attached just after the semaphore rises (_audit_once)
                break
        open(go, "w").close()
        done = w.stdout.readline().split()
        _, err = agent.communicate(timeout=120)
        expect(agent.returncode == 0, "coldbpf failed: %s" % err)
        after = semaphores(pid, fe)
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        w.kill()
        w.wait()
    expect(done and done[0] == "done", "workload: %s" % done)
    truth = dict(kv.split("=") for kv in done[1:])
    truth = {k: int(v) for k, v in truth.items()}
    expect(truth == {"f": N_F, "gen": N_GEN, "coro": N_CORO, "Step.__await__": N_CORO * N_SUSP,
                     "g": 2 * (N_F // 4)},
           "the workload counted %s" % truth)
    with open(out) as f:
        prof = json.load(f)
    u = proc_entry(prof, pid).get("usdt") or {}
    expect(u.get("calls_status") == want, "calls_status %s, want %s: %s" % (u.get("calls_status"), want, u))
    expect(after == before, "function__entry's semaphore not back: %s -> %s" % (before, after))
    report = run_coldbpf(["report", out]).stdout
    if want != "counted":
        expect(not u.get("calls"), "counts where none can be made: %s" % u.get("calls"))
        expect(during == before, "function__entry attached where it cannot count: %s -> %s" % (before, during))
        v = "%d.%d" % mm
        line = {"no-fire": "calls: not available on CPython %s (function__entry does not fire)" % v,
                "no-marker": "calls: not available on CPython %s (no function__entry marker)" % v,
                "no-markers": "calls: no markers: interpreter built without --with-dtrace"}[want]
        expect("PID %d: %s" % (pid, line) in report, "report lacks %r:\n%s" % (line, report))
        print("    %s" % line)
        return
    expect(during["function__entry"] > before["function__entry"], "function__entry's semaphore not raised")
    funcs = prof["functions"]
    got = {}
    for fi, n in u["calls"]:
        if funcs[fi]["file"].endswith("calls.py"):
            got[funcs[fi]["qualname"]] = got.get(funcs[fi]["qualname"], 0) + n
    for q in ("f", "gen", "coro", "Step.__await__", "g"):
        expect(got.get(q) == truth[q], "%s: %s calls, the workload counted %d (all: %s)" %
               (q, got.get(q), truth[q], got))
    st = prof["stats"]
    resumes = N_GEN * (K_ITEMS - 1) + N_CORO * N_SUSP * 2     # coroutines and their __await__ generators
    expect(st["calls_resumes"] >= resumes, "resumes %d, want >= %d" % (st["calls_resumes"], resumes))
    expect(st["calls_lost"] == 0 and st["calls_unread"] == 0, "losses: %s" %
           {k: v for k, v in st.items() if k.startswith("calls_")})
    expect(re.search(r"^\s+%d  f \(.*calls\.py:\d+\)$" % N_F, report, re.M), "report lacks f:\n%s" % report)
    print("    f %d, gen %d, coro %d, __await__ %d, g (2 threads) %d; %d resumes apart" %
          (got["f"], got["gen"], got["coro"], got["Step.__await__"], got["g"], st["calls_resumes"]))


PER_INTERPRETER += [t_usdt_calls]


def t_usdt_bullseye(py):
    """The USDT tests on Debian bullseye's python3.9 (every marker,
    function__entry firing once per call), in its root like a container."""
    b = bullseye_interpreter()
    for fn in (t_usdt_gc, t_usdt_imports, t_audit, t_usdt_calls):
        print("   %s" % fn.__name__, flush=True)
        fn("bullseye 3.9 (%s)" % b, b, (3, 9))


ONCE += [t_usdt_bullseye]
