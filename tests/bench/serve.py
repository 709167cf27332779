#!/usr/bin/python3
"""make bench (part): coldbpf serve as a fleet agent. 20 Python processes
(a service-like mix: a little CPU each, threads, imports) are profiled at
99 Hz with evidence rounds for BENCH_SERVE_SECONDS (default 600), while
/metrics is scraped every 15 s and a 10 s pprof profile is pulled every
minute. Prints the agent's CPU (share of one core), its resident memory at
the start, the end and its peak (goals: <= 1 % of a core, <= 20 MB, flat),
scrape latency and the /metrics size."""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.environ.get("COLDBPF", os.path.join(ROOT, "build", "coldbpf"))
PY = os.environ.get("BENCH_PY", "/usr/bin/python3.11")
SECONDS = float(os.environ.get("BENCH_SERVE_SECONDS", "600"))
PROCS = int(os.environ.get("BENCH_SERVE_PROCS", "20"))

SERVICE = r"""
import json, sys, threading, time
def handler(i):
    return json.dumps({"i": i, "sq": [k * k for k in range(50)]})
def worker():
    i = 0
    while True:
        handler(i)
        i += 1
        time.sleep(0.01)
def never():
    return 1
for _ in range(2):
    threading.Thread(target=worker, daemon=True).start()
print("ready", flush=True)
time.sleep(float(sys.argv[1]))
"""


def agent_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    with open("/proc/%d/statm" % pid) as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return ticks / os.sysconf("SC_CLK_TCK"), rss


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    d = tempfile.mkdtemp(prefix="coldbpf-bench-serve-")
    app = os.path.join(d, "service.py")
    with open(app, "w") as f:
        f.write(SERVICE)
    procs = [subprocess.Popen([PY, app, str(SECONDS + 60)], stdout=subprocess.PIPE, text=True)
             for _ in range(PROCS)]
    for p in procs:
        p.stdout.readline()
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    extra = os.environ.get("BENCH_SERVE_ARGS", "").split()
    # as the systemd unit runs it: evidence kept in a state directory
    state = [] if "--no-evidence" in extra or os.environ.get("BENCH_SERVE_STATE") == "0" else \
        ["--state-dir", os.path.join(d, "state")]
    # --all-python as serve runs by default, but only the bench's own
    # processes are profiled: other Python on the host (tests, builds) would
    # otherwise make the numbers those of whatever else runs
    sv = subprocess.Popen([COLDBPF, "serve", "--listen", "127.0.0.1:%d" % port,
                           "--include", os.path.join(d, "service.py")] +
                          ([] if "--no-evidence" in extra else ["--src", d]) + state + extra,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lat, sizes, plat, rss, last = [], [], [], [], ""
    try:
        time.sleep(5)
        cpu0, rss0 = agent_stat(sv.pid)
        t0 = time.monotonic()
        next_scrape, next_prof = t0, t0 + 30
        while time.monotonic() - t0 < SECONDS:
            now = time.monotonic()
            if now >= next_scrape:
                s = time.monotonic()
                with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
                    body = r.read()
                lat.append(time.monotonic() - s)
                sizes.append(len(body))
                last = body.decode()
                rss.append(agent_stat(sv.pid)[1])
                next_scrape += 15
            if now >= next_prof:
                s = time.monotonic()
                with urllib.request.urlopen(base + "/debug/pprof/profile?seconds=10", timeout=60) as r:
                    r.read()
                plat.append(time.monotonic() - s)
                next_prof += 60
            time.sleep(0.2)
        cpu1, rss1 = agent_stat(sv.pid)
        wall = time.monotonic() - t0
    finally:
        sv.terminate()
        sv.wait(timeout=60)
        for p in procs:
            p.kill()
            p.wait()
    print("serve: %d processes at 99 Hz, evidence rounds, %d s, %d scrapes, %d profiles" %
          (PROCS, wall, len(lat), len(plat)))
    print("  agent CPU: %.2f %% of one core (goal <= 1 %%)" % (100 * (cpu1 - cpu0) / wall))
    print("  agent RSS: %.1f MB at start, %.1f MB at end, %.1f MB peak (goal <= 20 MB, flat)" %
          (rss0 / 2**20, rss1 / 2**20, max(rss + [rss1]) / 2**20))
    print("  /metrics: %.1f ms median, %.1f ms max; %.1f KB" %
          (1000 * statistics.median(lat), 1000 * max(lat), statistics.median(sizes) / 1024))
    if plat:
        print("  /debug/pprof/profile?seconds=10: %.2f s median" % statistics.median(plat))
    if state:
        got = dict(l.split(" ", 1) for l in last.splitlines() if l.startswith("coldbpf_state_") and " " in l)
        size = os.path.getsize(os.path.join(d, "state", "state.json"))
        print("  --state-dir: %s functions of %s programs kept, %.1f KB on disk, last save %.1f ms" % (
            got.get("coldbpf_state_functions"), got.get("coldbpf_state_programs"), size / 1024,
            1000 * float(got.get("coldbpf_state_save_duration_seconds", "nan"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
