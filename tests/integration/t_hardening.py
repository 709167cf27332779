"""coldbpf as root next to hostile processes: files a target names are read
only as that target's user could, inside its root, and only when they are
regular files on ordinary filesystems (lib/tfile.c)."""
import json
import os
import secrets
import shutil
import stat
import subprocess
import time

from common import *  # noqa: F401,F403 - the tests' shared vocabulary

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def start_ready(cmd, **kw):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    line = p.stdout.readline()
    if "ready" not in line:
        p.kill()
        raise AssertionError("target did not start: %s %s" % (line, p.stderr.read()))
    return p


def t_hostile_file_names(py):
    """A target running as nobody names /etc/shadow, a root-only file, a FIFO,
    /dev/zero and a link to /proc/self/environ: coldbpf neither hangs nor
    shows a byte of them, and counts what it refused."""
    os.chmod(TMP, 0o755)	# the target, user nobody, runs a script from here
    d = os.path.join(TMP, "hostile%d" % time.monotonic_ns())
    os.makedirs(d)
    os.chmod(d, 0o755)
    secret = "SECRET-%s" % secrets.token_hex(8)
    rootonly = os.path.join(d, "rootonly.py")
    with open(rootonly, "w") as f:
        f.write(("%s = 1\n" % secret) * 10)
    os.chmod(rootonly, 0o600)
    fifo = os.path.join(d, "fifo.py")
    os.mkfifo(fifo, 0o666)
    link = os.path.join(d, "environ.py")
    os.symlink("/proc/self/environ", link)
    names = ["/etc/shadow", rootonly, fifo, "/dev/zero", link]
    with open("/etc/shadow") as f:
        shadow = [l.strip() for l in f if l.strip()]
    script = os.path.join(d, "hostile.py")	# readable by nobody wherever the clone is
    shutil.copy(os.path.join(WL, "hostile.py"), script)
    os.chmod(script, 0o644)
    env = dict(os.environ, SECS="10", COLDBPF_SECRET=secret)
    target = start_ready(NOBODY + [py, script] + names, env=env, cwd=d)
    try:
        out = os.path.join(d, "prof.json")
        t0 = time.monotonic()
        cp = run_coldbpf(["-p", str(target.pid), "-d", "3", "-F", "499", "--lines", "--top", "50",
                          "--stats", "-o", out], timeout=60)
        took = time.monotonic() - t0
    finally:
        target.kill()
        target.wait()
    expect(cp.returncode == 0, "coldbpf failed: %s" % cp.stderr)
    expect(took < 20, "coldbpf took %.1f s: something blocked" % took)
    with open(out) as f:
        text = f.read()
    prof = json.loads(text)
    for i in range(len(names)):
        expect(in_stacks(prof, "hot_%d" % i), "hot_%d (file %s) not sampled" % (i, names[i]))
    rep = run_coldbpf(["report", out, "--lines", "--top", "50"]).stdout
    for where, blob in (("output", cp.stdout + cp.stderr), ("profile", text), ("report", rep)):
        expect(secret not in blob, "the root-only file's text is in the %s" % where)
        for line in shadow:
            expect(line not in blob, "a line of /etc/shadow is in the %s" % where)
    expect(not any(s["file"] in names for s in prof["sources"]),
           "source text recorded for a hostile name: %s" % prof["sources"])
    st = prof["stats"]
    expect(st["source_files_denied"] >= 2, "denied reads not counted: %s" % st)
    expect(st["source_files_refused"] >= 3, "refused files not counted: %s" % st)
    expect("source_files_refused" in cp.stdout, "--stats does not show the refusals")


def t_source_from_target_mount_namespace(py):
    """A target in its own mount namespace: its source line comes from its
    file, not from the host's file at the same path."""
    d = os.path.join(TMP, "mntns%d" % time.monotonic_ns())
    os.makedirs(os.path.join(d, "ns"))
    body = ("import time\nend = time.time() + 8\nprint('ready', flush=True)\n"
            "while time.time() < end:\n    x = sum(range(1000))  # %s\n")
    with open(os.path.join(d, "ns", "app.py"), "w") as f:
        f.write(body % "HOST-COPY")
    script = ("mount -t tmpfs none %s/ns && printf '%%s' \"$APP\" > %s/ns/app.py && exec %s %s/ns/app.py"
              % (d, d, py, d))
    env = dict(os.environ, APP=body % "NAMESPACE-COPY")
    target = start_ready(["unshare", "-m", "--propagation", "private", "sh", "-c", script], env=env)
    try:
        cp, prof = profile(["-p", str(target.pid), "-d", "2", "-F", "499", "--lines"])
    finally:
        target.kill()
        target.wait()
    texts = [s["text"] for s in prof["sources"] if s["file"].endswith("/ns/app.py")]
    expect(any("NAMESPACE-COPY" in t for t in texts), "the target's own file was not read: %s" % texts)
    expect(not any("HOST-COPY" in t for t in texts), "the host's file was read: %s" % texts)


ONCE = [t_hostile_file_names, t_source_from_target_mount_namespace]


def t_outputs_private_atomic(py):
    """Outputs replace a symlink planted at their path instead of following it,
    are mode 0600, and under sudo belong to the invoking user, who can then
    read them without root."""
    os.chmod(TMP, 0o755)
    d = os.path.join(TMP, "outputs%d" % time.monotonic_ns())
    os.makedirs(d)
    os.chmod(d, 0o777)
    victim = os.path.join(d, "victim")
    with open(victim, "w") as f:
        f.write("VICTIM")
    out = os.path.join(d, "prof.json")
    folded = os.path.join(d, "prof.folded")
    os.symlink(victim, out)
    os.symlink(victim, folded)
    cp = run_coldbpf(["-d", "1", "-o", out, "--folded", folded, "--", py, "-c",
                      "import time\nend = time.time() + 0.8\nwhile time.time() < end: pass"])
    expect(cp.returncode == 0, cp.stderr)
    expect(open(victim).read() == "VICTIM", "the planted symlink was followed")
    for p in (out, folded):
        st = os.lstat(p)
        expect(stat.S_ISREG(st.st_mode), "%s is not a regular file" % p)
        expect(stat.S_IMODE(st.st_mode) == 0o600, "%s has mode %o, not 0600" % (p, stat.S_IMODE(st.st_mode)))
    expect(not [n for n in os.listdir(d) if ".tmp-" in n], "temporary files left: %s" % os.listdir(d))
    # under sudo: the invoking user owns the outputs and reads them without root
    env = dict(os.environ, SUDO_UID="65534", SUDO_GID="65534")
    out2 = os.path.join(d, "sudo.json")
    cp = run_coldbpf(["report", out, "-o", out2], env=env)
    expect(cp.returncode == 0, cp.stderr)
    st = os.stat(out2)
    expect((st.st_uid, st.st_gid) == (65534, 65534), "owned by %d:%d, not the sudo user" % (st.st_uid, st.st_gid))
    # another mode when asked for; never executable or writable by others
    out3 = os.path.join(d, "shared.json")
    cp = run_coldbpf(["report", out, "--output-mode", "0640", "-o", out3])
    expect(cp.returncode == 0 and stat.S_IMODE(os.stat(out3).st_mode) == 0o640, "--output-mode 0640: %s" % cp.stderr)
    for bad in ("0777", "0400", "rw", ""):
        cp = run_coldbpf(["report", out, "--output-mode", bad, "-o", out3])
        expect(cp.returncode == 1 and "--output-mode needs" in cp.stderr, "--output-mode %r: %s" % (bad, cp.stderr))
    exe = os.path.join(d, "coldbpf")	# runnable by nobody wherever the clone is
    shutil.copy(COLDBPF, exe)
    os.chmod(exe, 0o755)
    cp = subprocess.run(NOBODY + [exe, "report", out2, "--top", "3"], capture_output=True, text=True,
                        timeout=60)
    expect(cp.returncode == 0 and "Hottest functions" in cp.stdout, "the sudo user cannot read it: %s" % cp.stderr)
    cp = run_coldbpf(["html", "--src", os.path.join(WL, "coldapp"), "-o", os.path.join(d, "html"), out])
    expect(cp.returncode == 0, cp.stderr)
    st = os.lstat(os.path.join(d, "html"))
    expect(stat.S_IMODE(st.st_mode) == 0o700, "html directory mode %o" % stat.S_IMODE(st.st_mode))
    os.symlink(victim, os.path.join(d, "html2"))
    cp = run_coldbpf(["html", "--src", os.path.join(WL, "coldapp"), "-o", os.path.join(d, "html2"), out])
    expect(cp.returncode == 1 and "not a directory" in cp.stderr, "html into a symlink: %s" % cp.stderr)


def t_rm_as_the_invoking_user(py):
    """rm keeps owner and mode, edits as the sudo user, refuses symlinks, and a
    class whose only method goes keeps a body (the module still imports)."""
    os.chmod(TMP, 0o755)
    tree = os.path.join(TMP, "rmtree%d" % time.monotonic_ns())
    os.makedirs(os.path.join(tree, "pkg"))
    mod = os.path.join(tree, "pkg", "mod.py")
    with open(mod, "w") as f:
        f.write("class Lonely:\n    def only(self):\n        return 1\n\n\ndef used():\n    return 2\n")
    with open(os.path.join(tree, "main.py"), "w") as f:
        f.write("import sys, time\nsys.path.insert(0, %r)\nimport mod\nmod.used()\n"
                "print('ready', flush=True)\ntime.sleep(60)\n" % os.path.join(tree, "pkg"))
    for root, dirs, files in os.walk(tree):
        for n in dirs + files:
            os.chown(os.path.join(root, n), 65534, 65534)
    os.chown(tree, 65534, 65534)
    os.chmod(mod, 0o640)
    outside = os.path.join(TMP, "outside%d.py" % time.monotonic_ns())
    shutil.copy(mod, outside)
    os.symlink(outside, os.path.join(tree, "pkg", "link.py"))	# never imported: not-loaded
    target = start_ready([py, os.path.join(tree, "main.py")])
    env = dict(os.environ, SUDO_UID="65534", SUDO_GID="65534")
    try:
        cp = run_coldbpf(["rm", "--src", tree, "--min-window", "0", "pkg/link.py:Lonely.only", "-p", str(target.pid)], env=env)
        expect(cp.returncode == 1 and "not-loaded: only never-ran functions are removed" in cp.stderr,
               "a not-loaded function was removed without --not-loaded: %s" % cp.stderr)
        cp = run_coldbpf(["rm", "--src", tree, "--min-window", "0", "--not-loaded", "pkg/link.py:Lonely.only", "-p", str(target.pid)],
                         env=env)
        expect(cp.returncode == 1 and "symlinks are not edited" in cp.stderr,
               "a symlinked file was edited: %s" % cp.stderr)
        expect(open(outside).read() == open(mod).read(), "the symlink's target was written")
        cp = run_coldbpf(["rm", "--src", tree, "--min-window", "0", "pkg/mod.py:Lonely.only", "-p", str(target.pid)], env=env)
        expect(cp.returncode == 0, cp.stderr)
    finally:
        target.kill()
        target.wait()
    text = open(mod).read()
    expect("def only" not in text and "class Lonely:\n    pass\n" in text, text)
    st = os.lstat(mod)
    expect((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (65534, 65534, 0o640),
           "owner/mode not kept: %d:%d %o" % (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)))
    cp = subprocess.run([py, "-c", "import sys; sys.path.insert(0, %r); import mod; mod.Lonely()"
                         % os.path.join(tree, "pkg")], capture_output=True, text=True, timeout=30)
    expect(cp.returncode == 0, "the edited module does not import: %s" % cp.stderr)
    # a file the sudo user may not write is not written by root on their behalf
    os.chown(mod, 0, 0)
    os.chmod(mod, 0o644)
    with open(mod, "a") as f:
        f.write("\n\ndef never():\n    return 3\n")
    target = start_ready([py, os.path.join(tree, "main.py")])
    try:
        cp = run_coldbpf(["rm", "--src", tree, "--min-window", "0", "pkg/mod.py:never", "-p", str(target.pid)], env=env)
    finally:
        target.kill()
        target.wait()
    expect(cp.returncode == 1 and "def never" in open(mod).read(),
           "root wrote a file its sudo user could not: %s" % cp.stderr)


ONCE += [t_outputs_private_atomic, t_rm_as_the_invoking_user]


CAPS = ["bpf", "perfmon", "sys_ptrace", "checkpoint_restore", "setuid", "setgid"]


def as_user_with_caps(caps, cmd, **kw):
    """Run cmd as nobody holding exactly caps (setpriv must exist: else this fails)."""
    c = ",".join("+" + x for x in caps)
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "--inh-caps=" + c, "--ambient-caps=" + c] + cmd,
                          capture_output=True, text=True, timeout=120, **kw)


def t_capabilities_only(py):
    """Without root, the capabilities the README lists are enough: samples,
    names and source lines; one of them missing is named, not a silent
    'no CPython processes'."""
    os.chmod(TMP, 0o755)
    d = os.path.join(TMP, "caps%d" % time.monotonic_ns())
    os.makedirs(d)
    os.chmod(d, 0o777)
    exe, script, out = os.path.join(d, "coldbpf"), os.path.join(d, "ratio.py"), os.path.join(d, "p.json")
    shutil.copy(COLDBPF, exe)
    shutil.copy(os.path.join(WL, "ratio.py"), script)
    os.chmod(exe, 0o755)
    os.chmod(script, 0o644)
    cp = as_user_with_caps(CAPS, [exe, "-d", "3", "-F", "499", "--lines", "-o", out, "--", py, script, "2"],
                           cwd=d)
    expect(cp.returncode == 0, "coldbpf with %s: %s" % (CAPS, cp.stderr))
    with open(out) as f:
        prof = json.load(f)
    a = func_index(prof, "work_a", "ratio.py")
    expect(a is not None and self_samples(prof, a) > 200, "work_a not sampled: %s" % cp.stdout[:600])
    expect(any("HOT-A" in s["text"] for s in prof["sources"]), "no source line read: %s" % prof["sources"])
    for missing in ("checkpoint_restore", "sys_ptrace"):
        cp = as_user_with_caps([c for c in CAPS if c != missing],
                               [exe, "-d", "1", "--", py, "-c", "pass"], cwd=d)
        expect(cp.returncode == 1 and ("CAP_" + missing.upper()) in cp.stderr,
               "without %s: %d %s" % (missing, cp.returncode, cp.stderr))


ONCE += [t_capabilities_only]


THREAD_PER_REQUEST = """
import threading, time
def request(n):
    end = time.perf_counter() + 0.008
    while time.perf_counter() < end:
        n += 1
for i in range(700):
    t = threading.Thread(target=request, args=(i,))
    t.start()
    t.join()
"""


def t_thread_per_request(py):
    """A server that starts a thread per request: the profile keeps 256 thread ids per process,
    later threads' samples go under thread 0, counted, and none is lost."""
    cp, prof = profile(["-F", "999", "--stats", "--", py, "-c", THREAD_PER_REQUEST], timeout=120)
    tids = {s["tid"] for s in prof["stacks"]}
    st = prof["stats"]
    total = sum(s["count"] for s in prof["stacks"])
    expect(len(tids) <= 257, "%d thread ids kept" % len(tids))
    expect(0 in tids and st["samples_threads_merged"] > 0,
           "threads beyond 256 not merged: %d ids, merged %d" % (len(tids), st["samples_threads_merged"]))
    expect(st["recorded"] == total, "recorded %d, profile %d" % (st["recorded"], total))
    i = func_index(prof, "request")
    expect(i is not None and self_samples(prof, i) > 0.8 * total,
           "request() not the hot function: %s" % (self_samples(prof, i) if i is not None else None))
    print("     %d thread ids kept, %d of %d samples under thread 0"
          % (len(tids), sum(s["count"] for s in prof["stacks"] if s["tid"] == 0), total))


ONCE += [t_thread_per_request]


def t_stack_quota(py):
    """Fairness: a process whose every sample is a new stack stops at its share of the stacks map
    (1/8), its losses counted on it; a normal process beside it keeps exact shares, no loss."""
    truth_f = os.path.join(TMP, "quota-truth-%d.json" % time.monotonic_ns())
    ratio = subprocess.Popen([py, os.path.join(WL, "ratio.py"), "12", truth_f])
    wild = subprocess.Popen([py, os.path.join(WL, "pathological.py"), "14"])
    try:
        time.sleep(0.5)
        cp, prof = profile(["-F", "999", "-d", "11", "-p", "%d,%d" % (ratio.pid, wild.pid)], timeout=120)
        # the truth: ratio's own thread CPU time per function, over its 12 s
        # (the profile covers 11 of them; the split is steady)
        ratio.wait(timeout=60)
    finally:
        for p in (ratio, wild):
            p.kill()
            p.wait()
    with open(truth_f) as f:
        tr = json.load(f)
    st = prof["stats"]
    procs = {p["pid"]: p for p in prof["processes"]}
    expect(st.get("err_stacks_map_full", 0) == 0, "the stacks map filled: %d" % st.get("err_stacks_map_full", 0))
    dropped = procs[wild.pid].get("dropped", 0)
    expect(dropped > 0 and st["err_stack_quota"] == dropped,
           "quota drops: process %d, counter %d" % (dropped, st["err_stack_quota"]))
    expect(not procs[ratio.pid].get("dropped"), "the normal process lost samples: %s" % procs[ratio.pid])
    wild_idx = [i for i, p in enumerate(prof["processes"]) if p["pid"] == wild.pid][0]
    nwild = sum(1 for s in prof["stacks"] if s["proc"] == wild_idx)
    expect(nwild <= 4096 + 8, "the wild process kept %d stacks, quota 4096" % nwild)
    expect("samples over its stack quota" in cp.stdout and "err_stack_quota" in cp.stderr + cp.stdout,
           "the loss is not shown: %s %s" % (cp.stdout[-600:], cp.stderr))
    ratio_idx = [i for i, p in enumerate(prof["processes"]) if p["pid"] == ratio.pid][0]
    counts = {}
    for n in ("work_a", "work_b", "work_c"):
        i = func_index(prof, n, "ratio.py")
        counts[n] = sum(s["count"] for s in prof["stacks"]
                        if s["proc"] == ratio_idx and s["frames"] and s["frames"][-1][0] == i)
    total = sum(counts.values())
    for n in counts:
        want = 100.0 * tr[n] / sum(tr.values())
        expect(abs(100.0 * counts[n] / total - want) <= 3, "%s share beside the wild one: %s, in-process %.1f%%"
               % (n, counts, want))
    print("     wild process: %d stacks kept, %d samples dropped at its quota; ratio shares %s, in-process %s"
          % (nwild, dropped, " ".join("%.1f" % (100.0 * c / total) for c in counts.values()),
             " ".join("%.1f" % (100.0 * tr[n] / sum(tr.values())) for n in counts)))


ONCE += [t_stack_quota]


SPIN_AS = "import time\ndef %s():\n    end = time.time() + %f\n    while time.time() < end: pass\n%s()\n"


def _start_with_pid(cmd, pid):
    """Start cmd as PID pid (the kernel's ns_last_pid), or None when another fork took it."""
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(pid - 1))
    p = subprocess.Popen(cmd)
    if p.pid != pid:
        p.kill()
        p.wait()
        return None
    return p


def t_pid_reuse(py):
    """A PID that comes back as another Python program is a new process entry: nothing of the
    old one's symbols or samples is attributed to the new one, and the reverse."""
    out = os.path.join(TMP, "reuse.json")
    agent = subprocess.Popen([COLDBPF, "--all-python", "-F", "499", "-d", "9", "-o", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        first = subprocess.Popen([py, "-c", SPIN_AS % ("old_program", 2.5, "old_program")])
        pid = first.pid
        first.wait()
        time.sleep(1.0)	# the agent notices the exit
        second = None
        for _ in range(20):
            second = _start_with_pid([py, "-c", SPIN_AS % ("new_program", 2.5, "new_program")], pid)
            if second:
                break
        expect(second is not None, "could not get PID %d back" % pid)
        second.wait()
        _, err = agent.communicate(timeout=60)
    finally:
        if agent.poll() is None:
            agent.kill()
    expect(agent.returncode == 0, err)
    with open(out) as f:
        prof = json.load(f)
    entries = [i for i, p in enumerate(prof["processes"]) if p["pid"] == pid]
    expect(len(entries) == 2, "PID %d: %d process entries" % (pid, len(entries)))
    funcs = {}
    for s in prof["stacks"]:
        if s["proc"] in entries:
            for fi, _ in s["frames"]:
                funcs.setdefault(s["proc"], set()).add(prof["functions"][fi]["qualname"])
    old, new = (funcs.get(e, set()) for e in entries)
    expect("old_program" in old and "new_program" not in old, "the first entry holds %s" % sorted(old))
    expect("new_program" in new and "old_program" not in new, "the second entry holds %s" % sorted(new))
    print("     PID %d twice: %d and %d samples" % (pid, prof["processes"][entries[0]]["samples"],
                                                   prof["processes"][entries[1]]["samples"]))


ONCE += [t_pid_reuse]


def t_samples_before_classified(py):
    """Processes found late: the samples of a new Python between its exec and its classification are
    counted (samples_before_classified, shown as a loss), and its program is profiled from then on."""
    out = os.path.join(TMP, "fresh.json")
    agent = subprocess.Popen([COLDBPF, "--all-python", "-F", "999", "-d", "6", "-o", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        kids = [subprocess.Popen([py, "-c", SPIN_AS % ("fresh_%d" % i, 0.6, "fresh_%d" % i)]) for i in range(6)]
        for k in kids:
            k.wait()
        so, se = agent.communicate(timeout=60)
    finally:
        if agent.poll() is None:
            agent.kill()
    expect(agent.returncode == 0, se)
    with open(out) as f:
        prof = json.load(f)
    before = prof["stats"]["samples_before_classified"]
    expect(before > 0, "no sample counted between exec and classification")
    expect("samples_before_classified %d" % before in so, "not shown as a loss: %s" % so[-400:])
    names = {prof["functions"][fi]["qualname"] for s in prof["stacks"] for fi, _ in s["frames"]}
    got = sorted(n for n in names if n.startswith("fresh_"))
    expect(len(got) == 6, "profiled from then on: %s" % got)
    print("     %d samples before classification, 6 of 6 programs profiled" % before)


ONCE += [t_samples_before_classified]


def t_stack_forgotten_and_back(py):
    """A stack the agent forgot (unsampled longer than the stack age) and that
    runs again is stored again: every CPU's memory of stored stacks dies with
    the deletion (stacks_epoch). Phase A 1.5 s, B 4 s, A 1.5 s again, pinned
    to one CPU, a stack age of 1 s: no stack lost, A's share that of its CPU
    time."""
    truth_f = os.path.join(TMP, "stack-age-truth-%d.json" % time.monotonic_ns())
    cpu = str((os.cpu_count() or 1) - 1)
    cp, prof = profile(["-F", "499", "--test-stack-max-age", "1", "--stats", "--",
                        "taskset", "-c", cpu, py, os.path.join(WL, "stack_age.py"), "1.5", "4", truth_f],
                       timeout=120)
    with open(truth_f) as f:
        tr = json.load(f)
    st = prof["stats"]
    expect(st.get("stacks_lost", 0) == 0, "samples of forgotten stacks lost: %d" % st.get("stacks_lost", 0))
    counts = {}
    for n in ("phase_a", "phase_b"):
        i = func_index(prof, n, "stack_age.py")
        counts[n] = sum(s["count"] for s in prof["stacks"] if s["frames"] and s["frames"][-1][0] == i)
    total = sum(counts.values())
    want = 100.0 * tr["phase_a"] / sum(tr.values())
    got = 100.0 * counts["phase_a"] / max(total, 1)
    expect(total >= 0.5 * 499 * sum(tr.values()), "too few samples: %s" % counts)
    expect(abs(got - want) <= 4, "phase_a %.1f%% of the samples %s, %.1f%% of the CPU time" % (got, counts, want))
    print("     phase_a %.1f%% (in-process %.1f%%), %d samples, stacks_lost 0" % (got, want, total))


ONCE += [t_stack_forgotten_and_back]
