#!/usr/bin/python3
"""make soak: coldbpf --all-python --evidence (saving a profile, so evidence scans run too)
for SOAK_SECONDS (default 600) while SOAK_SHORT (default 1000) short-lived
Pythons start and exit, spread over the run and over every installed
interpreter, beside SOAK_LONG (default 20) long-lived ones running the 6:3:1
workload. Prints the agent's RSS over time, its CPU, every loss counter and
the long-lived shares, then checks (exit 1 on a miss):
  - RSS after the first SOAK_WARMUP seconds (default 60) grows < SOAK_RSS_MB (2): the
    highest RSS of the last minute against the highest of the minute after the warm-up;
  - no map ever fills (stacks, counts, ring buffer);
  - the long-lived shares are within 3 points of 60/30/10;
  - short-lived processes of every interpreter are still profiled in the last
    third of the run (an interpreter used by one that exited early is not lost);
  - the profile's process entries stay bounded (exited ones folded per program).
"""
import glob
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.environ.get("COLDBPF", os.path.join(ROOT, "build", "coldbpf"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
SHORT = int(os.environ.get("SOAK_SHORT", "1000"))
LONG = int(os.environ.get("SOAK_LONG", "20"))
WARMUP = float(os.environ.get("SOAK_WARMUP", "60"))
RSS_MB = float(os.environ.get("SOAK_RSS_MB", "2"))
RATIO = os.path.join(ROOT, "tests", "workloads", "ratio.py")
# The same short script runs again and again, as a cron job or a CLI would; a
# copy named churn_late.py runs in the last third, so that the profile shows
# whether late ones were still profiled after the early ones were folded.
SHORT_SRC = ("import sys\n"
             "def churn(n):\n"
             "    return sum(i * i for i in range(n))\n"
             "churn(400000)\n")


def interpreters():
    out = ["/usr/bin/python3.11"] if os.path.exists("/usr/bin/python3.11") else []
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for d in sorted(glob.glob(os.path.join(root, "versions", "3.*"))):
        m = re.match(r"^3\.(\d+)\.\d+$", os.path.basename(d))
        if m and int(m.group(1)) >= 8:
            exe = os.path.join(d, "bin", "python3.%s" % m.group(1))
            if os.path.exists(exe):
                out.append(exe)
    return out


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    if os.geteuid() != 0:
        raise SystemExit("make soak needs root (it loads BPF)")
    pys = interpreters()
    tmp = tempfile.mkdtemp(prefix="coldbpf-soak-")
    out = os.path.join(tmp, "prof.json")
    os.chmod(tmp, 0o755)
    scripts = {}
    for name in ("early", "late"):
        scripts[name] = os.path.join(tmp, "churn_%s.py" % name)
        with open(scripts[name], "w") as f:
            f.write(SHORT_SRC)
    print("soak: %.0f s, %d short-lived Pythons over %s, %d long-lived 6:3:1 workloads"
          % (SECONDS, SHORT, ", ".join(os.path.basename(p) for p in pys), LONG), flush=True)
    # -v output goes to a file: a pipe nobody reads until the end would fill and stall the agent
    errlog = open(os.path.join(tmp, "agent.log"), "w+")
    agent = subprocess.Popen([COLDBPF, "-v", "--all-python", "--evidence", "-d", str(SECONDS), "-o", out, "--stats",
                              "--top", "5"], stdout=subprocess.PIPE, stderr=errlog, text=True)
    time.sleep(1)
    longs = [subprocess.Popen([pys[0], RATIO, str(SECONDS + 30)]) for _ in range(LONG)]
    start = time.monotonic()
    shorts, rss, late = [], [], {}
    next_rss = 0.0
    random.seed(1)
    k = 0
    try:
        while agent.poll() is None:
            now = time.monotonic() - start
            if now >= SECONDS - 2:
                break
            due = min(SHORT, int(SHORT * now / (SECONDS - 5)) + 1)
            while k < due:
                py = pys[k % len(pys)]
                late_one = now >= SECONDS * 2 / 3
                p = subprocess.Popen([py, scripts["late" if late_one else "early"]])
                shorts.append((p, py, now, k))
                k += 1
            for p, _, _, _ in shorts:
                p.poll()
            if now >= next_rss:
                rss.append((now, rss_kb(agent.pid) / 1024.0, cpu_s(agent.pid)))
                print("  t=%5.0f s  agent RSS %6.1f MB  CPU %6.2f s  short-lived started %d"
                      % (now, rss[-1][1], rss[-1][2], k), flush=True)
                next_rss += max(5.0, SECONDS / 40)
            time.sleep(0.05)
        so, _ = agent.communicate(timeout=SECONDS + 120)
        errlog.seek(0)
        se = errlog.read()
    finally:
        for p in longs:
            p.kill()
            p.wait()
        for p, _, _, _ in shorts:
            p.wait()
    if agent.returncode:
        raise SystemExit("coldbpf failed: %s" % se)
    mem = [l.split("memory: ", 1)[1] for l in se.splitlines() if "memory: " in l]
    for l in mem[:1] + mem[-2:]:
        print("  agent holds: " + l)
    with open(out) as f:
        prof = json.load(f)
    st = prof["stats"]
    bad = []
    print("losses and drops:", ", ".join("%s %d" % (k2, v) for k2, v in sorted(st.items())
                                         if (k2.startswith("err_") or "lost" in k2 or "after_exit" in k2
                                             or (k2.startswith("source_") and k2 != "source_files_read"))
                                         and v) or "none")
    for k2 in ("err_stacks_map_full", "err_counts_map_full", "err_ringbuf_full"):
        if st.get(k2):
            bad.append("%s = %d" % (k2, st[k2]))
    # RSS moves up and down by about a MB within a minute (evidence rounds allocate, the heap is
    # trimmed every 30 s): growth is the rise of its envelope, the highest RSS of the last minute
    # against the highest of the minute after the warm-up
    after = [(t, r) for t, r, _ in rss if t >= WARMUP]
    if len(after) >= 2:
        first = max(r for t, r in after if t < WARMUP + 60)
        last = max(r for t, r in after if t >= after[-1][0] - 60)
        growth = last - first
        print("agent RSS after %.0f s: %.1f -> %.1f MB (min %.1f, max %.1f); highest in the minute after the "
              "warm-up %.1f MB, in the last minute %.1f MB: growth %.2f MB, bound %.1f MB"
              % (WARMUP, after[0][1], after[-1][1], min(r for _, r in after), max(r for _, r in after),
                 first, last, growth, RSS_MB))
        if growth >= RSS_MB:
            bad.append("RSS grew %.2f MB after the warm-up" % growth)
    cpu = rss[-1][2] if rss else 0
    print("agent CPU %.2f s over %.0f s: %.2f%% of one CPU" % (cpu, SECONDS, 100 * cpu / SECONDS))
    longpids = {p.pid for p in longs}
    idx = {n: [i for i, f in enumerate(prof["functions"]) if f["qualname"] == n and f["file"] == RATIO]
           for n in ("work_a", "work_b", "work_c")}
    counts = {n: 0 for n in idx}
    for s in prof["stacks"]:
        if s["frames"] and prof["processes"][s["proc"]]["pid"] in longpids:
            for n, ids in idx.items():
                if s["frames"][-1][0] in ids:
                    counts[n] += s["count"]
    total = sum(counts.values()) or 1
    shares = {n: 100.0 * c / total for n, c in counts.items()}
    print("long-lived shares: %s (%d samples)" % (", ".join("%s %.1f%%" % kv for kv in shares.items()), total))
    for n, want in (("work_a", 60), ("work_b", 30), ("work_c", 10)):
        if abs(shares[n] - want) > 3:
            bad.append("%s share %.1f%%, want %d +-3" % (n, shares[n], want))
    # exited processes are folded per program (executable and script): the late ones
    # of an interpreter are its entries running churn_late.py, folded or not
    folded = [p for p in prof["processes"] if p.get("folded")]
    print("process entries: %d (%d of them fold %d exited processes), processes_folded %d"
          % (len(prof["processes"]), len(folded), sum(p["folded"] for p in folded),
             st.get("processes_folded", 0)))
    if len(prof["processes"]) > LONG + 64 + len(pys) + 32:
        bad.append("%d process entries: exited processes are not folded" % len(prof["processes"]))
    for py in pys:
        lates = [kk for p, q, t, kk in shorts if q == py and t >= SECONDS * 2 / 3]
        ents = [p for p in prof["processes"] if p["cmdline"].startswith(py + " ")
                and p["cmdline"].endswith("churn_late.py") and p["samples"] > 0]
        hit = sum(p.get("folded", 1) for p in ents)
        print("short-lived %s in the last third: %d of %d sampled (%d entries)"
              % (py, hit, len(lates), len(ents)))
        if lates and not hit:
            bad.append("no late short-lived %s was profiled" % py)
    for b in bad:
        print("SOAK FAIL: " + b)
    print("soak: %s" % ("ok" if not bad else "%d requirement(s) missed" % len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
