"""coldbpf serve: /metrics read by Debian's real Prometheus and promtool,
/debug/pprof/profile read by Go's pprof, label sets bounded under program
churn, and bad HTTP answered without stalling sampling."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from common import *  # noqa: F401,F403 - the tests' shared vocabulary

RATIO = os.path.join(WL, "ratio.py")


class Serve:
    """coldbpf serve on a free loopback port, stopped with SIGTERM."""

    def __init__(self, args=(), port=None):
        self.port = port or free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        # drains every 0.5 s, not serve's 5 s: the tests look at samples within seconds
        self.p = subprocess.Popen([COLDBPF, "serve", "--listen", "127.0.0.1:%d" % self.port,
                                   "--drain-interval-ms", "500"] + list(args),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            if self.p.poll() is not None:
                raise AssertionError("serve exited: %s" % self.p.stderr.read())
            try:
                get(self.base + "/", timeout=2)
                return
            except urllib.error.HTTPError:
                return      # it answers (401 with --basic-auth-file)
            except OSError:
                time.sleep(0.2)
        raise AssertionError("serve did not listen")

    def stop(self):
        self.p.terminate()
        try:
            _, err = self.p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("serve did not stop within 30 s of SIGTERM")
        expect(self.p.returncode == 0, "serve exited %d: %s" % (self.p.returncode, err[-2000:]))
        return err


def get(url, timeout=10, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers, r.read()


def status_of(url, timeout=10, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def metrics(base, om=False):
    _, hdr, body = get(base + "/metrics", headers={"Accept": "application/openmetrics-text"} if om else None)
    return hdr, body.decode()


def value(text, name, **labels):
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r'^([a-z_:]+)(\{[^}]*\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = ",".join(sorted(x for x in re.findall(r'[a-z_]+="(?:[^"\\]|\\.)*"', m.group(2) or "")))
        if not labels or got == want or all('%s="%s"' % kv in (m.group(2) or "") for kv in labels.items()):
            return float(m.group(3))
    return None


def _workload(py, seconds=60):
    return subprocess.Popen([py, RATIO, str(seconds)], stdout=subprocess.DEVNULL)


def t_serve_metrics_promtool_prometheus(py):
    """/metrics passes promtool check metrics (text and OpenMetrics); Debian's
    Prometheus scrapes it and its query API sees the workload's program with
    rising samples, the agent's own series, and the dead-code statuses of a
    --src tree (ratio.py: work_never never runs)."""
    tree = os.path.join(TMP, "promsrc%d" % time.monotonic_ns())
    os.makedirs(tree)
    shutil.copy(RATIO, tree)
    wl = subprocess.Popen([py, os.path.join(tree, "ratio.py"), "60"], stdout=subprocess.DEVNULL)
    sv = Serve(["--max-programs", "20", "--src", tree, "--evidence-interval-ms", "1000", "-p", str(wl.pid)])
    prom = None
    try:
        time.sleep(2)
        hdr, text = metrics(sv.base)
        expect(hdr["Content-Type"].startswith("text/plain; version=0.0.4"), hdr["Content-Type"])
        cp = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        expect(cp.returncode == 0, "promtool check metrics: %s %s" % (cp.stdout, cp.stderr))
        hdr, om = metrics(sv.base, om=True)
        expect(hdr["Content-Type"].startswith("application/openmetrics-text"), hdr["Content-Type"])
        expect(om.rstrip().endswith("# EOF"), "OpenMetrics without # EOF")
        prog = "%s %s" % (py, os.path.join(tree, "ratio.py"))
        a = value(text, "coldbpf_program_samples_total", program=prog)
        expect(a is not None and a > 0, "no samples for %s:\n%s" % (prog, "\n".join(
            l for l in text.splitlines() if "program_samples" in l)))
        d = os.path.join(TMP, "prom%d" % time.monotonic_ns())
        os.makedirs(d)
        with open(os.path.join(d, "prometheus.yml"), "w") as f:
            f.write("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: coldbpf\n"
                    "    static_configs: [{targets: ['127.0.0.1:%d']}]\n" % sv.port)
        pport = free_port()
        prom = subprocess.Popen(["prometheus", "--config.file", os.path.join(d, "prometheus.yml"),
                                 "--storage.tsdb.path", os.path.join(d, "data"),
                                 "--web.listen-address", "127.0.0.1:%d" % pport],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def query(q):
            url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (pport, urllib.request.quote(q))
            _, _, body = get(url)
            return json.loads(body)["data"]["result"]

        res, end = [], time.monotonic() + 40
        while time.monotonic() < end:
            try:
                res = query('coldbpf_program_samples_total{program=~".*ratio.py"}')
                if res and int(query('count_over_time(coldbpf_program_samples_total{program=~".*ratio.py"}[1m])')[
                        0]["value"][1]) >= 4:
                    break
            except (OSError, KeyError, IndexError, ValueError):
                pass
            time.sleep(1)
        expect(res, "Prometheus has no coldbpf_program_samples_total for ratio.py")
        rate = query('increase(coldbpf_program_samples_total{program=~".*ratio.py"}[1m])')
        expect(rate and float(rate[0]["value"][1]) > 0, "samples do not rise in Prometheus: %s" % rate)
        up = query('up{job="coldbpf"}')
        expect(up and up[0]["value"][1] == "1", "Prometheus says the target is down: %s" % up)
        for name in ("coldbpf_samples_total", "coldbpf_agent_cpu_seconds_total", "coldbpf_losses_total",
                     "coldbpf_processes_profiled", "coldbpf_agent_resident_memory_bytes"):
            expect(query(name), "Prometheus lacks %s" % name)
        st = {r["metric"]["status"]: float(r["value"][1])
              for r in query('coldbpf_src_functions{src="%s"}' % tree)}
        expect(st.get("never-ran") == 1 and st.get("ran") == 4 and st.get("unknown") == 0,
               "dead code of %s through Prometheus: %s" % (tree, st))
        print("    Prometheus: %s samples of ratio.py in the last minute; %s: %s" %
              (rate[0]["value"][1], os.path.basename(tree), st))
    finally:
        if prom:
            prom.terminate()
            prom.wait(timeout=30)
        wl.kill()
        wl.wait()
        sv.stop()


def t_serve_pprof(py):
    """/debug/pprof/profile?seconds=3 is read by `go tool pprof`: the
    workload's 6:3:1 split comes out within 8 points; samples are those of
    the window only."""
    wl = _workload(py)
    sv = Serve(["--no-evidence", "-p", str(wl.pid)])     # other tests' processes may run beside
    try:
        time.sleep(3)
        t0 = time.monotonic()
        st, hdr, body = get(sv.base + "/debug/pprof/profile?seconds=3", timeout=60)
        took = time.monotonic() - t0
        expect(st == 200 and body[:2] == b"\x1f\x8b", "not a gzipped profile: %d %r" % (st, body[:4]))
        expect(2.9 <= took <= 8, "a 3 s profile took %.1f s" % took)
        f = os.path.join(TMP, "serve.pb.gz")
        with open(f, "wb") as fh:
            fh.write(body)
        env = dict(os.environ, HOME=TMP, GOCACHE=os.path.join(TMP, "gocache"), GOFLAGS="-mod=mod")
        cp = subprocess.run(["go", "tool", "pprof", "-top", "-sample_index=samples", f], capture_output=True,
                            text=True, env=env, timeout=120)
        expect(cp.returncode == 0, "go tool pprof: %s" % cp.stderr)
        shares = {}
        for line in cp.stdout.splitlines():
            m = re.match(r"^\s*(\d+)\s+([\d.]+)%\s+[\d.]+%\s+\d+\s+[\d.]+%\s+(\S+)$", line)
            if m:
                shares[m.group(3)] = float(m.group(2))
        m = re.search(r"Total samples = (\d+)", cp.stdout)
        total = int(m.group(1)) if m else 0
        # 3 s at 99 Hz on one busy thread: about 300, not the minutes before
        expect(150 <= total <= 700, "a 3 s window holds %d samples:\n%s" % (total, cp.stdout))
        for fn, want in (("work_a", 60), ("work_b", 30), ("work_c", 10)):
            expect(abs(shares.get(fn, 0) - want) <= 8, "%s: %.1f%%, want %d (go tool pprof -top):\n%s" %
                   (fn, shares.get(fn, 0), want, cp.stdout))
        print("    go tool pprof: %d samples, work_a %.1f%% work_b %.1f%% work_c %.1f%%" %
              (total, shares.get("work_a", 0), shares.get("work_b", 0), shares.get("work_c", 0)))
    finally:
        wl.kill()
        wl.wait()
        sv.stop()



def t_serve_pprof_lines(py):
    """serve --evidence-lines: the pprof it serves carries per-line statuses.
    Two processes of a 3.12+ interpreter, each taking one side of
    tests/workloads/pprofapp's lib.branchy, served by two servers (two hosts),
    their profiles merged by `go tool pprof -proto`: both sides ran, the body
    neither entered never ran; without --evidence-lines no line is never-ran."""
    import glob
    newer = sorted(glob.glob(os.path.join(pyenv_root(), "versions", "3.1[2-9].*", "bin", "python3.1[2-9]")))
    expect(newer, "no CPython 3.12+ under pyenv for the line evidence")
    app = os.path.join(WL, "pprofapp")
    src = open(os.path.join(app, "lib.py")).read().splitlines()
    line = lambda m: next(n for n, t in enumerate(src, 1) if m in t)
    side_a, side_b, body = line('len("side a")'), line('len("side b")'), line('len("never entered")')
    files = []
    for mode, extra in (("a", ["--evidence-lines"]), ("b", ["--evidence-lines"]), ("b", [])):
        wl = subprocess.Popen([newer[-1], os.path.join(app, "main.py"), mode], stdout=subprocess.DEVNULL)
        sv = Serve(extra + ["--evidence-interval-ms", "1000", "-p", str(wl.pid)])
        try:
            time.sleep(3)      # an evidence round or two
            st, _, body_ = get(sv.base + "/debug/pprof/profile?seconds=1", timeout=60)
            expect(st == 200, "pprof: %d" % st)
        finally:
            wl.kill()
            wl.wait()
            sv.stop()
        files.append(os.path.join(TMP, "serve-lines-%d.pb.gz" % len(files)))
        with open(files[-1], "wb") as f:
            f.write(body_)
    env = dict(os.environ, HOME=TMP, GOCACHE=os.path.join(TMP, "gocache"), GOPROXY="off")

    def lines_of(*pbs):
        out = os.path.join(TMP, "serve-lines-merged.pb.gz")
        cp = subprocess.run(["go", "tool", "pprof", "-proto"] + list(pbs), capture_output=True, env=env, timeout=120)
        expect(cp.returncode == 0, "go tool pprof -proto: %s" % cp.stderr.decode())
        with open(out, "wb") as f:
            f.write(cp.stdout)
        cp = run_coldbpf(["cold", "--src", app, "--lines", "--format", "json", out])
        expect(cp.returncode == 0, cp.stderr)
        return {ln: s for f in json.loads(cp.stdout)["functions"] if f["qualname"] == "branchy"
                for ln, s, _ in f.get("line_status", [])}
    got = lines_of(files[0], files[1])
    print("    served and merged: branchy %s" % sorted(got.items()))
    expect(got.get(side_a) == "ran" and got.get(side_b) == "ran" and got.get(body) == "never-ran", got)
    got = lines_of(files[0], files[2])
    expect(got.get(side_b) != "never-ran" and got.get(body) != "never-ran",
           "a host served without --evidence-lines ran branchy: no line of it is never-ran: %s" % got)


CHURN = "import sys, time\ndef spin():\n    end = time.monotonic() + 0.4\n    while time.monotonic() < end: pass\nspin()\n"


# 30 in `make test`; `make test-full` runs 1000 (SERVE_CHURN_SCRIPTS)
CHURN_SCRIPTS = int(os.environ.get("SERVE_CHURN_SCRIPTS", "30"))


def t_serve_label_cap_and_expiry(py):
    """Distinct short-lived scripts (different paths) while scraping: series
    of programs stay under --max-programs, the rest count under
    program="other", and idle programs' series expire."""
    sv = Serve(["--no-evidence", "--max-programs", "5", "--program-expiry", "3", "-F", "499"])
    try:
        d = os.path.join(TMP, "churn%d" % time.monotonic_ns())
        os.makedirs(d)
        most = 0
        for i in range(CHURN_SCRIPTS):
            path = os.path.join(d, "s%04d.py" % i)
            with open(path, "w") as f:
                f.write(CHURN)
            subprocess.run([py, path], check=True)
            _, text = metrics(sv.base)
            n = len([l for l in text.splitlines()
                     if l.startswith("coldbpf_program_samples_total{") and 'program="other"' not in l])
            most = max(most, n)
            expect(n <= 5, "%d program series with --max-programs 5" % n)
        other = value(text, "coldbpf_program_samples_total", program="other")
        expect(other and other > 0, "the other bucket did not grow: %s" % other)
        time.sleep(2)
        metrics(sv.base)    # the last samples drained after the last script: activity
        time.sleep(3.5)
        _, text = metrics(sv.base)
        left = [l for l in text.splitlines() if l.startswith("coldbpf_program_samples_total{") and "churn" in l]
        expired = value(text, "coldbpf_program_series_expired_total")
        expect(not left and expired and expired >= 5, "idle programs kept their series: %s (expired %s)" %
               (left, expired))
        print("    %d scripts: at most %d series, other %d samples, %d series expired" % (
            CHURN_SCRIPTS, most, other, expired))
    finally:
        sv.stop()


def _raw(port, data, wait=2.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=wait + 5)
    try:
        s.sendall(data)
        s.settimeout(wait + 5)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def t_serve_bad_http(py):
    """Malformed requests, huge headers, slow and many clients, unknown
    paths, bad seconds= and concurrent profile requests get 4xx/5xx in
    bounded time; sampling goes on meanwhile; non-loopback needs auth."""
    wl = _workload(py)
    sv = Serve(["--no-evidence"])
    try:
        time.sleep(1.5)
        before = value(metrics(sv.base)[1], "coldbpf_recorded_total")
        expect(status_of(sv.base + "/nope") == 404, "unknown path")
        expect(status_of(sv.base + "/metrics", method="POST") == 405, "POST")
        for bad in ("0", "301", "abc", "", "-1", "3.5"):
            expect(status_of(sv.base + "/debug/pprof/profile?seconds=" + bad) == 400, "seconds=%r" % bad)
        t0 = time.monotonic()
        out = _raw(sv.port, b"GARBAGE\r\n\r\n")
        expect((out.startswith(b"HTTP/1.1 4") or out == b"") and time.monotonic() - t0 < 5,
               "garbage request: %r after %.1f s" % (out[:80], time.monotonic() - t0))
        out = _raw(sv.port, b"GET /metrics HTTP/9.9\r\n\r\n")
        expect(out.startswith(b"HTTP/1.1 505") or out.startswith(b"HTTP/1.1 4") or out == b"",
               "HTTP/9.9: %r" % out[:80])
        out = _raw(sv.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        expect(out.startswith(b"HTTP/1.1 4") or out == b"", "huge header: %r" % out[:80])
        # slow clients: sockets that send half a request and wait
        slow = [socket.create_connection(("127.0.0.1", sv.port)) for _ in range(10)]
        for s in slow:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHo")
        t0 = time.monotonic()
        expect(status_of(sv.base + "/metrics", timeout=10) == 200, "metrics beside slow clients")
        expect(time.monotonic() - t0 < 5, "metrics took %.1f s beside slow clients" % (time.monotonic() - t0))
        for s in slow:
            s.close()
        time.sleep(1)
        # concurrent profile requests: at most 4 at once, the others 503 at once
        codes = []

        def prof():
            try:
                codes.append(status_of(sv.base + "/debug/pprof/profile?seconds=2", timeout=30))
            except OSError as e:
                codes.append(str(e))
        ths = [threading.Thread(target=prof) for _ in range(7)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(40)
        expect(sorted(codes).count(200) == 4 and sorted(codes).count(503) == 3,
               "7 concurrent profiles: %s" % sorted(codes))
        # many connections: beyond the limit they are refused, never hang
        many = []
        for _ in range(60):
            try:
                many.append(socket.create_connection(("127.0.0.1", sv.port), timeout=2))
            except OSError:
                break
        for s in many:
            s.close()
        t0, code = time.monotonic(), None
        while time.monotonic() - t0 < 10 and code != 200:
            try:
                code = status_of(sv.base + "/metrics", timeout=5)
            except OSError:     # refused while the closed connections' threads wind down
                time.sleep(0.2)
        expect(code == 200, "metrics 10 s after many connections closed: %s" % code)
        print("    %d connections opened; /metrics answered again %.1f s after they closed" %
              (len(many), time.monotonic() - t0))
        after = value(metrics(sv.base)[1], "coldbpf_recorded_total")
        expect(after > before + 200, "sampling stalled during the bad requests: %s -> %s" % (before, after))
    finally:
        wl.kill()
        wl.wait()
        sv.stop()
    cp = run_coldbpf(["serve", "--listen", "0.0.0.0:%d" % free_port()], timeout=30)
    expect(cp.returncode == 1 and "not a loopback address" in cp.stderr, "0.0.0.0 without auth: %s" % cp.stderr)
    auth = os.path.join(TMP, "auth")
    with open(auth, "w") as f:
        f.write("scraper:s3cret\n")
    sv = Serve(["--no-evidence", "--basic-auth-file", auth])
    try:
        expect(status_of(sv.base + "/metrics") == 401, "no credentials")
        import base64
        good = {"Authorization": "Basic " + base64.b64encode(b"scraper:s3cret").decode()}
        bad = {"Authorization": "Basic " + base64.b64encode(b"scraper:wrong").decode()}
        expect(status_of(sv.base + "/metrics", headers=bad) == 401, "wrong password")
        expect(status_of(sv.base + "/metrics", headers=good) == 200, "right password")
    finally:
        sv.stop()


ONCE = [t_serve_metrics_promtool_prometheus, t_serve_pprof, t_serve_label_cap_and_expiry, t_serve_bad_http]
ONCE += [t_serve_pprof_lines]


def _allowed_syscalls(spec):
    """Every system call a SystemCallFilter= line allows (groups expanded by
    systemd-analyze itself)."""
    out, todo, seen = set(), [w for w in spec.split() if w], set()
    while todo:
        w = todo.pop()
        if not w.startswith("@"):
            out.add(w)
            continue
        if w in seen:
            continue
        seen.add(w)
        cp = subprocess.run(["systemd-analyze", "syscall-filter", w], capture_output=True, text=True, check=True)
        for line in cp.stdout.splitlines()[1:]:
            line = line.strip()
            if line and not line.startswith("#"):
                todo.append(line)
    return out


def t_serve_systemd_unit(py):
    """make install puts the binary, the man page and the unit in place; the
    unit passes systemd-analyze verify; serve works under the unit's exact
    capability bounding set, no-new-privs and a read-only root with a private
    /tmp (setpriv and unshare -m: no systemd runs here), and every system call
    it makes is allowed by the unit's SystemCallFilter (strace)."""
    dest = os.path.join(TMP, "destdir")
    cp = subprocess.run(["make", "-C", ROOT, "install", "DESTDIR=" + dest, "PREFIX=/usr",
                         "OUT=" + os.path.dirname(COLDBPF)], capture_output=True, text=True)
    expect(cp.returncode == 0, "make install: %s" % cp.stderr)
    unit = os.path.join(dest, "usr/lib/systemd/system/coldbpf.service")
    for f in ("usr/bin/coldbpf", "usr/share/man/man1/coldbpf.1", "usr/lib/systemd/system/coldbpf.service"):
        expect(os.path.exists(os.path.join(dest, f)), "make install did not install %s" % f)
    text = open(unit).read()
    local = os.path.join(TMP, "coldbpf.service")
    with open(local, "w") as f:     # the installed binary, where DESTDIR put it
        f.write(text.replace("/usr/bin/coldbpf", os.path.join(dest, "usr/bin/coldbpf")))
    cp = subprocess.run(["systemd-analyze", "verify", local], capture_output=True, text=True,
                        env=dict(os.environ, MANPATH=os.path.join(dest, "usr/share/man")))
    expect(cp.returncode == 0, "systemd-analyze verify: %s %s" % (cp.stdout, cp.stderr))
    caps = re.search(r"^CapabilityBoundingSet=(.*)$", text, re.M).group(1).split()
    filt = re.search(r"^SystemCallFilter=(.*)$", text, re.M).group(1)
    bounding = "-all," + ",".join("+" + c[4:].lower() for c in caps)
    port = free_port()
    trace = os.path.join(TMP, "serve.strace")
    # the binary is copied out of the way of the private /tmp (a clone may live there)
    tfd = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    inner = ("mount --make-rprivate / && mkdir -p /run/coldbpf-unit && mount -t tmpfs tmpfs /run/coldbpf-unit && "
             "cp %s /run/coldbpf-unit/coldbpf && mount -o remount,bind,ro / && mount -t tmpfs tmpfs /tmp && "
             "exec setpriv --bounding-set=%s --inh-caps=-all --no-new-privs strace -f -qq -o %s "
             "/run/coldbpf-unit/coldbpf serve --listen 127.0.0.1:%d --evidence-interval-ms 1000 "
             "--state-dir /run/coldbpf-unit/state --state-interval 1") % (
                 os.path.join(dest, "usr/bin/coldbpf"), bounding, "/proc/self/fd/%d" % tfd, port)
    wl = _workload(py)
    p = subprocess.Popen(["unshare", "-m", "sh", "-c", inner], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, pass_fds=(tfd,))
    os.close(tfd)
    base = "http://127.0.0.1:%d" % port
    try:
        end, text = time.monotonic() + 90, None     # strace slows it down a lot
        while time.monotonic() < end and p.poll() is None:
            try:
                _, text = metrics(base)
                if (value(text, "coldbpf_evidence_rounds_total") or 0) >= 1 and \
                        (value(text, "coldbpf_state_saves_total") or 0) >= 1:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        expect(text, "serve under the unit's restrictions did not answer (exited: %s) %s" % (
            p.poll(), p.stderr.read()[-2000:] if p.poll() is not None else ""))
        expect((value(text, "coldbpf_recorded_total") or 0) > 0, "no samples recorded")
        expect((value(text, "coldbpf_evidence_rounds_total") or 0) >= 1, "no evidence round")
        expect((value(text, "coldbpf_state_saves_total") or 0) >= 1 and
               value(text, "coldbpf_state_save_errors_total") == 0, "--state-dir under the unit: no save")
        st, _, body = get(base + "/debug/pprof/profile?seconds=1", timeout=30)
        expect(st == 200 and body[:2] == b"\x1f\x8b", "pprof under the unit's restrictions: %d" % st)
    finally:
        wl.kill()
        wl.wait()
        # SIGTERM to coldbpf itself (strace's child): strace then exits with its status
        kids = []
        try:
            with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            pass
        for k in kids:
            os.kill(k, signal.SIGTERM)
        if not kids:
            p.terminate()
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            for k in kids:
                os.kill(k, signal.SIGKILL)
            p.kill()
            _, err = p.communicate()
    expect(p.returncode == 0, "serve under the unit's restrictions exited %s: %s" % (p.returncode, err[-2000:]))
    allowed = _allowed_syscalls(filt)
    used = set()
    for line in open(trace):
        m = re.match(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[ (]", line)
        if m and m.group(1) not in ("exit", "resumed"):
            used.add(m.group(1))
    used.discard("execve")      # strace's own exec of coldbpf (systemd execs it before the filter)
    expect(used, "strace saw no system calls")
    missing = sorted(used - allowed)
    expect(not missing, "system calls serve makes that the unit's filter denies: %s" % missing)
    print("    %d distinct system calls, all allowed by SystemCallFilter=%s" % (len(used), filt))


ONCE += [t_serve_systemd_unit]


def t_filters(py):
    """--all-python's filters: --include/--exclude by program glob, user and
    cgroup pick exactly the processes they name (also for serve); other
    modes refuse them."""
    spin = os.path.join(WL, "spin.py")
    # user nobody runs a copy from a directory it can read (the clone may not be)
    os.chmod(TMP, 0o755)
    pub = os.path.join(TMP, "filters%d" % time.monotonic_ns())
    os.makedirs(pub)
    os.chmod(pub, 0o755)
    ratio = os.path.join(pub, "ratio.py")
    shutil.copy(RATIO, ratio)
    os.chmod(ratio, 0o644)
    ps = [subprocess.Popen([py, RATIO, "20"], stdout=subprocess.DEVNULL),
          subprocess.Popen([py, spin, "20"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
          subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", py, ratio, "20"],
                           stdout=subprocess.DEVNULL)]
    try:
        time.sleep(1)
        mine = {p.pid for p in ps}
        cg = [l.split(":", 2)[2] for l in open("/proc/%d/cgroup" % ps[0].pid).read().splitlines()
              if l.startswith("0::")][0]

        def picked(*args):
            out = os.path.join(TMP, "filt%d.json" % time.monotonic_ns())
            cp = run_coldbpf(["--all-python", "-d", "1.5", "-o", out] + list(args), timeout=60)
            expect(cp.returncode == 0, "%s: %s" % (args, cp.stderr))
            prof = json.load(open(out))
            return {r["pid"] for r in prof["processes"]} & mine, prof["stats"]["processes_filtered"]

        got, _ = picked("--include", "*ratio.py")
        expect(got == {ps[0].pid, ps[2].pid}, "--include '*ratio.py': %s" % got)
        got, _ = picked("--include", "*ratio.py", "--exclude-user", "nobody")
        expect(got == {ps[0].pid}, "... --exclude-user nobody: %s" % got)
        got, _ = picked("--include-user", "65534")
        expect(got == {ps[2].pid}, "--include-user 65534: %s" % got)
        got, _ = picked("--exclude", "*/spin.py", "--include-cgroup", cg)
        expect(got == {ps[0].pid, ps[2].pid}, "--include-cgroup %s --exclude '*/spin.py': %s" % (cg, got))
        got, filtered = picked("--exclude-cgroup", "*")
        expect(not got and filtered >= 3, "--exclude-cgroup '*': %s, %d filtered" % (got, filtered))
        cp = run_coldbpf(["-p", str(ps[0].pid), "-d", "1", "--include", "*x*"])
        expect(cp.returncode == 1 and "--all-python" in cp.stderr, "-p with a filter: %s" % cp.stderr)
        sv = Serve(["--no-evidence", "--include", "*/spin.py"])
        try:
            time.sleep(2)
            _, text = metrics(sv.base)
            progs = [l for l in text.splitlines() if l.startswith("coldbpf_program_samples_total{") and
                     "other" not in l]
            expect(progs and all("spin.py" in l for l in progs), "serve --include '*/spin.py': %s" % progs)
        finally:
            sv.stop()
    finally:
        for p in ps:
            p.kill()
            p.wait()


ONCE += [t_filters]


STATE_APP = """
import sys
def phase1():
    x = len("1")        # len: a LOAD_GLOBAL, 3.12's witness (docs/cold.md)
    return x
def phase2():
    x = len("2")
    return x
def never():
    x = len("n")
    return x
print("ready", flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "1":
        phase1()
    elif cmd == "2":
        phase2()
    else:
        break
    print("ok", flush=True)
"""


def _state_run(py, tree, state, cmd, check):
    """One run of serve --state-dir with one process of the app (a deploy:
    a new process each run): it runs cmd, leaves, then serve is stopped.
    check(metrics text) is called while serve runs, after the app left."""
    sv = Serve(["--state-dir", state, "--state-interval", "1", "--evidence-interval-ms", "500",
                "--src", tree, "--include", "*%s*" % os.path.basename(tree)])
    app = None
    try:
        app = subprocess.Popen([py, os.path.join(tree, "app.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
        expect(app.stdout.readline().strip() == "ready", "app.py did not start")
        time.sleep(2.0)         # read alive by a round (0.5 s rounds)
        app.stdin.write(cmd + "\n")
        app.stdin.flush()
        expect(app.stdout.readline().strip() == "ok", "app.py did not run %s" % cmd)
        app.stdin.write("quit\n")
        app.stdin.flush()
        app.wait(timeout=10)
        text, end = "", time.monotonic() + 20
        while time.monotonic() < end:   # saved after the exit was seen, and the statuses recomputed
            time.sleep(1.5)
            _, text = metrics(sv.base)
            if check(text, False):
                break
        check(text, True)
        return text
    finally:
        if app and app.poll() is None:
            app.kill()
            app.wait()
        sv.stop()


def t_serve_state(py):
    """serve --state-dir: evidence carries over restarts of the agent and of
    the service. Run 1: a process runs phase1 and leaves; serve stops. Run 2
    (a new serve, a new process): phase2. Run 2's statuses, and `coldbpf
    cold` on the state file, say phase1 and phase2 ran and never never-ran,
    over an observed window longer than run 2 alone. A state file that is
    not one is refused."""
    tree = os.path.join(TMP, "stateapp%d" % time.monotonic_ns())
    state = os.path.join(TMP, "state%d" % time.monotonic_ns())
    os.makedirs(tree)
    with open(os.path.join(tree, "app.py"), "w") as f:
        f.write(STATE_APP)

    def statuses(text):
        return {k: value(text, "coldbpf_src_functions", src=tree, status=k)
                for k in ("ran", "never-ran", "unknown", "not-loaded")}

    def check1(text, final):
        st = statuses(text)
        ok = st == {"ran": 1, "never-ran": 2, "unknown": 0, "not-loaded": 0}
        if final:
            expect(ok, "run 1: %s" % st)
        return ok

    t1 = time.monotonic()
    text1 = _state_run(py, tree, state, "1", check1)
    t1 = time.monotonic() - t1
    saved = json.load(open(os.path.join(state, "state.json")))
    progs = [p for p in saved["programs"] if tree in p["program"]]
    expect(len(progs) == 1, "the state holds %d programs of the app" % len(progs))
    fs = {f[1]: f for f in progs[0]["functions"] if f[0].startswith(tree)}
    expect(fs["phase1"][3] == 1 and fs["phase2"][3] == 2 and fs["never"][3] == 2,
           "state after run 1: %s" % {q: fs[q][3] for q in fs})
    obs1 = value(text1, "coldbpf_state_observed_seconds")

    def check2(text, final):
        st = statuses(text)
        ok = st == {"ran": 2, "never-ran": 1, "unknown": 0, "not-loaded": 0}
        w = value(text, "coldbpf_src_state_window_seconds", src=tree)
        ok = ok and w is not None and w > obs1
        # per program: the app's own processes and its kept evidence
        prog = "%s %s" % (py, os.path.join(tree, "app.py"))
        pst = {k: value(text, "coldbpf_src_program_functions", src=tree, program=prog, status=k)
               for k in ("ran", "never-ran")}
        ok = ok and pst == {"ran": 2, "never-ran": 1}
        if final:
            expect(ok, "run 2: %s, state window %s (run 1 observed %s s), program %s: %s" % (
                st, w, obs1, prog, pst))
        return ok

    time.sleep(1.0)             # a gap between the runs: not observed
    text2 = _state_run(py, tree, state, "2", check2)
    obs2 = value(text2, "coldbpf_state_observed_seconds")
    cp = subprocess.run(["promtool", "check", "metrics"], input=text2, capture_output=True, text=True)
    expect(cp.returncode == 0, "promtool check metrics with --state-dir: %s %s" % (cp.stdout, cp.stderr))
    expect(obs2 > obs1, "observed %s s after run 2, %s after run 1" % (obs2, obs1))
    cp = run_coldbpf(["cold", "--src", tree, "--format", "json", os.path.join(state, "state.json")])
    expect(cp.returncode == 0, cp.stderr)
    cold = {f["qualname"]: f["status"] for f in json.loads(cp.stdout)["functions"]}
    expect(cold == {"phase1": "ran", "phase2": "ran", "never": "never-ran"}, "cold on the state file: %s" % cold)
    print("    state: run 1 %.1f s, observed %.1f s then %.1f s; %d functions kept, saved in %.4f s" % (
        t1, obs1, obs2, value(text2, "coldbpf_state_functions"),
        value(text2, "coldbpf_state_save_duration_seconds")))
    # not a state file: refused with one line, exit 1
    with open(os.path.join(state, "state.json"), "w") as f:
        f.write('{"format": "coldbpf-state", "version": 1, "observed": "x"}')
    cp = subprocess.run([COLDBPF, "serve", "--listen", "127.0.0.1:%d" % free_port(), "--state-dir", state],
                        capture_output=True, text=True, timeout=30)
    expect(cp.returncode == 1 and "--state-dir" in cp.stderr and len(cp.stderr.strip().splitlines()) == 1,
           "a bad state file: exit %d, %r" % (cp.returncode, cp.stderr))


ONCE += [t_serve_state]


def t_serve_out_dir(py):
    """--out-dir DIR --interval 2 --keep 3: a pprof and a JSON profile per
    interval, the oldest beyond 3 removed (earlier runs' files included);
    SIGHUP ends the interval at once; the last interval is written at the
    stop; every file reads back (coldbpf report, go tool pprof) with the
    workload's shares, and no sample is in two files."""
    out = os.path.join(TMP, "outdir%d" % time.monotonic_ns())
    os.makedirs(out)
    with open(os.path.join(out, "profile-20000101T000000Z-000000.pb.gz"), "wb") as f:
        f.write(b"an earlier run's")     # counts toward --keep, removed first
    wl = _workload(py, 40)
    sv = Serve(["--out-dir", out, "--interval", "2", "--keep", "3", "--no-evidence", "-p", str(wl.pid)])
    try:
        time.sleep(7.0)
        _, text = metrics(sv.base)
        before = value(text, "coldbpf_out_profiles_written_total")
        sv.p.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        _, text = metrics(sv.base)
        after = value(text, "coldbpf_out_profiles_written_total")
        expect(before is not None and before >= 2, "written after 7 s at --interval 2: %s" % before)
        expect(after == before + 1, "SIGHUP did not end the interval at once: %s then %s" % (before, after))
        time.sleep(1.0)
    finally:
        sv.stop()
        wl.kill()
        wl.wait()
    names = sorted(os.listdir(out))
    pbs = [n for n in names if n.endswith(".pb.gz")]
    jss = [n for n in names if n.endswith(".json")]
    expect(len(pbs) == 3 and len(jss) == 3 and [n[:-6] for n in pbs] == [n[:-5] for n in jss],
           "--keep 3 left %s" % names)
    expect("profile-20000101T000000Z-000000.pb.gz" not in names, "the earlier run's file was not rotated out")
    totals = []
    for n in jss:
        prof = json.load(open(os.path.join(out, n)))
        totals.append(sum(s["count"] for s in prof["stacks"]))
        cp = run_coldbpf(["report", "--format", "json", os.path.join(out, n[:-5] + ".pb.gz")])
        expect(cp.returncode == 0, cp.stderr)
        rep = json.loads(cp.stdout)
        expect(sum(s["count"] for s in rep["stacks"]) == totals[-1],
               "%s: pprof and JSON disagree: %d vs %d" % (n, sum(s["count"] for s in rep["stacks"]), totals[-1]))
    # the newest full interval (2 s at 99 Hz, a thread busy ~100 %): about 200 samples,
    # not the cumulative profile
    cp = subprocess.run(["go", "tool", "pprof", "-top", os.path.join(out, pbs[-2])], capture_output=True, text=True)
    expect(cp.returncode == 0 and "work_a" in cp.stdout, "go tool pprof: %s %s" % (cp.stdout[-500:], cp.stderr[-500:]))
    expect(all(t < 99 * 2 * 1.5 + 50 for t in totals), "an interval holds more than its own samples: %s" % totals)
    print("    %d profiles kept of %d written; samples per file %s" % (len(pbs), after + 1, totals))


ONCE += [t_serve_out_dir]
