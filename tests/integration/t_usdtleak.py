"""USDT safety under churn (docs/usdt.md, "Leaks and replaced binaries"):
coldbpf --all-python --usdt gc,import while short-lived sid python3.13
processes start and exit, beside a Debian python3.11 whose interpreter file
is replaced on disk (rename) while attached, and processes started from the
new file. The agent's descriptors by type and its bpftool link and perf
entries are counted at the start, after the churn and after coldbpf exits:
no growth; every surviving process's semaphores read 0 after it exits.

USDT_CHURN_PROCS processes (20 in `make test`, `make test-full` runs 2000)."""
import json
import os
import shutil
import signal
import subprocess
import time

from common import *  # noqa: F401,F403 - the tests' shared vocabulary
from t_usdt import sdt_notes, semaphores

CHURN_PROCS = int(os.environ.get("USDT_CHURN_PROCS", "20"))
CHROOT_PY = os.path.join(ROOT, "tests", "tools", "chroot-python")
SID = os.path.join(os.environ.get("COLDBPF_ROOTS", "/var/cache/coldbpf/roots"), "sid")
LOOP = """import gc, os, sys, time
print(os.getpid(), flush=True)
while True:
    gc.collect()
    time.sleep(0.05)
"""
SHORT = """import gc, json, random, time
gc.collect()
time.sleep(random.random() * 0.3)
"""


def fd_types(pid):
    """{type: count} of a process's descriptors (anon_inode:[perf_event],
    anon_inode:bpf-link, anon_inode:bpf-map, ...; files and sockets as 'other')."""
    out = {}
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            t = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
        t = t if t.startswith("anon_inode:") else "other"
        out[t] = out.get(t, 0) + 1
    return out


def prog_ids(pid):
    """Ids of the BPF programs the process holds (its fdinfo)."""
    ids = set()
    d = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(d):
        try:
            for line in open(os.path.join(d, fd)):
                if line.startswith("prog_id:"):
                    ids.add(int(line.split()[1]))
        except OSError:
            continue
    return ids


def bpftool(what):
    cp = subprocess.run(["bpftool", "-j", what, "list"], capture_output=True, text=True)
    expect(cp.returncode == 0, "bpftool %s list: %s" % (what, cp.stderr))
    return json.loads(cp.stdout or "[]")


def counts(pid, progs):
    """What the agent holds: its descriptors by type, the host's BPF links
    of its programs (bpftool link list) and its perf entries (bpftool perf
    list: the uprobes of libbpf's USDT attach and the sampling events;
    tracefs does not list them)."""
    c = {"fd " + k: v for k, v in (fd_types(pid) if pid else {}).items()}
    c["bpftool links"] = sum(1 for l in bpftool("link") if l.get("prog_id") in progs)
    perf = [p for p in bpftool("perf") if p.get("pid") == pid]
    c["bpftool perf"] = len(perf)
    c["bpftool uprobes"] = sum(1 for p in perf if p.get("fd_type") == "uprobe")
    return c


def t_usdt_leaks(py):
    """See the module's docstring; the counts are printed."""
    expect(shutil.which("bpftool"), "bpftool is not installed (scripts/install-deps.sh installs it)")
    expect(os.path.exists(os.path.join(SID, ".complete")), "no sid root at %s" % SID)
    d = os.path.join(TMP, "cbleak%d" % time.monotonic_ns())
    os.makedirs(d)
    exe = os.path.join(d, "cbchurn-python3.11")     # --include matches the executable
    shutil.copy("/usr/bin/python3.11", exe)
    loop = os.path.join(d, "cbchurn_loop.py")
    short = os.path.join(d, "cbchurn_short.py")
    open(loop, "w").write(LOOP)
    open(short, "w").write(SHORT)
    out = os.path.join(d, "p.json")
    procs, agent = [], None
    try:
        old = subprocess.Popen([exe, loop], stdout=subprocess.PIPE, text=True)
        procs.append(old)
        old_pid = int(old.stdout.readline())
        old_notes = sdt_notes(old_pid)
        before_old = semaphores(old_pid, old_notes)
        agent = subprocess.Popen([COLDBPF, "--all-python", "--usdt", "gc,import", "--include", "*cbchurn*",
                                  "-F", "99", "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def wait_raised(pid, notes, what):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                s = semaphores(pid, notes)
                if s.get("gc__start", 0) > 0 and s.get("import__find__load__start", 0) > 0:
                    return s
                if agent.poll() is not None:
                    raise AssertionError("coldbpf exited: %s" % agent.communicate()[1])
                time.sleep(0.05)
            raise AssertionError("%s: semaphores not raised: %s" % (what, semaphores(pid, notes)))

        wait_raised(old_pid, old_notes, "the process of the replaced file")
        # the file replaced while attached: a new copy renamed over it
        shutil.copy("/usr/bin/python3.11", exe + ".new")
        os.rename(exe + ".new", exe)
        new = subprocess.Popen([exe, loop], stdout=subprocess.PIPE, text=True)
        procs.append(new)
        new_pid = int(new.stdout.readline())
        new_notes = sdt_notes(new_pid)
        expect(os.stat("/proc/%d/exe" % old_pid).st_ino != os.stat("/proc/%d/exe" % new_pid).st_ino,
               "the two processes map the same file")
        wait_raised(new_pid, new_notes, "a process of the new file")
        time.sleep(1.0)
        apid = agent.pid
        progs = prog_ids(apid)
        start = counts(apid, progs)
        # churn: short-lived sid python3.13 (8 at a time) and copies of the new file
        t0 = time.monotonic()
        running = []
        for i in range(CHURN_PROCS):
            while len(running) >= 8:
                running = [p for p in running if p.poll() is None]
                time.sleep(0.01)
            cmd = [exe, short] if i % 10 == 9 else [CHROOT_PY, SID, "python3.13", short]
            running.append(subprocess.Popen(cmd))
        for p in running:
            p.wait()
        churn_s = time.monotonic() - t0
        # every probe of the gone processes detached (0.1 s per call site,
        # serialized host-wide): wait for the counts to come back
        # (other agents on the host detach under the same kernel mutex)
        deadline = time.monotonic() + 90 + CHURN_PROCS * 0.5
        after = counts(apid, progs)
        while time.monotonic() < deadline and after != start:
            time.sleep(0.5)
            after = counts(apid, progs)
        settle_s = time.monotonic() - t0 - churn_s
        during_old = semaphores(old_pid, old_notes)
        agent.send_signal(signal.SIGINT)
        _, err = agent.communicate(timeout=120 + CHURN_PROCS * 0.5)
        expect(agent.returncode == 0, "coldbpf failed: %s" % err)
        gone = counts(None, progs)
        gone = {k: v for k, v in gone.items() if k.startswith("bpftool")}
        sem_old, sem_new = semaphores(old_pid, old_notes), semaphores(new_pid, new_notes)
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        for p in procs:
            p.kill()
            p.wait()
    with open(out) as f:
        prof = json.load(f)
    st = {k: v for k, v in prof["stats"].items() if k.startswith("usdt")}
    print("     %d processes in %.1f s, settled %.1f s later; start %s; after the churn %s; after coldbpf "
          "exited %s; usdt stats %s" % (CHURN_PROCS, churn_s, settle_s, start, after, gone, st))
    expect(after == start, "the agent's descriptors or BPF entries grew: start %s, after the churn %s" %
           (start, after))
    expect(start["bpftool uprobes"] > 0, "no uprobes counted: %s" % start)
    expect(all(v == 0 for v in gone.values()), "left behind after coldbpf exited: %s" % gone)
    expect(during_old.get("gc__start", 0) > 0, "replaced file's process lost its probes: %s" % during_old)
    expect(sem_old == before_old and all(v == 0 for v in sem_old.values()),
           "semaphores of the replaced file's process after coldbpf: %s (before %s)" % (sem_old, before_old))
    expect(all(v == 0 for v in sem_new.values()), "semaphores of the new file's process: %s" % sem_new)
    expect(st.get("usdt_processes", 0) >= 3, "few processes attached: %s" % st)
    # a process that exits before its attach answers must not count twice
    # against the 1024 held (it did: every later process became 'limit')
    expect(st.get("usdt_attach_limit", 0) == 0, "processes refused at the attach limit: %s" % st)


ONCE = [t_usdt_leaks]
