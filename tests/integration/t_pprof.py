"""pprof (docs/pprof.md): profiles recorded with evidence, converted with
`report --format pprof`, read by Debian's `go tool pprof` (shares), merged
by it (`-proto`) and read back by `cold` and `html`: ran anywhere is ran,
never-ran only where no host ran it, and an unread exit anywhere leaves
nothing never-ran; per line too (`--evidence-lines`, `cold --lines`)."""
import glob
import json
import os
import pty
import re
import subprocess

from common import *  # noqa: F401,F403 - the tests' shared vocabulary

APP = os.path.join(WL, "pprofapp")
MAIN = os.path.join(APP, "main.py")


def go_pprof(*args):
    """`go tool pprof ARGS`: stdout (bytes). Skip outside CI when Go is missing."""
    env = dict(os.environ, HOME=TMP, GOCACHE=os.path.join(TMP, "gocache"), GOPROXY="off")
    try:
        cp = subprocess.run(["go", "tool", "pprof"] + list(args), capture_output=True, env=env, timeout=120)
    except FileNotFoundError:
        if CI:
            raise AssertionError("no go (Debian's golang-go: scripts/install-deps.sh)")
        raise Skip("no go tool pprof (Debian's golang-go)")
    expect(cp.returncode == 0, "go tool pprof %s: %s" % (" ".join(args), cp.stderr.decode()))
    return cp.stdout


def record(py, name, *mode):
    """The workload recorded with evidence for 5 s, saved as JSON and converted to pprof."""
    js, pb = os.path.join(TMP, name + ".json"), os.path.join(TMP, name + ".pb.gz")
    cp = run_coldbpf(["--evidence", "-F", "499", "-d", "5", "-o", js, "--", py, MAIN] + list(mode), timeout=60)
    expect(cp.returncode == 0, "recording %s: %s" % (name, cp.stderr))
    cp = run_coldbpf(["report", js, "--format", "pprof", "-o", pb])
    expect(cp.returncode == 0 and not cp.stdout, "report --format pprof: %s %s" % (cp.stdout, cp.stderr))
    with open(pb, "rb") as f:
        expect(f.read(2) == b"\x1f\x8b", "%s is not gzip" % pb)
    return js, pb


def cold(*files):
    cp = run_coldbpf(["cold", "--src", APP, "--format", "json"] + list(files))
    expect(cp.returncode == 0, "cold %s: %s" % (" ".join(files), cp.stderr))
    res = json.loads(cp.stdout)
    return {f["qualname"]: f["status"] for f in res["functions"]}, res


def self_pct(text, func):
    """SELF% of a function in coldbpf's text report."""
    m = re.search(r"^\s+([\d.]+)%\s+[\d.]+%\s+\d+\s+" + re.escape(func) + r"\s", text, re.M)
    expect(m, "%s not in the report:\n%s" % (func, text))
    return float(m.group(1))


def t_pprof(py):
    """report --format pprof, go tool pprof -top and -proto, cold and html on merged pprof."""
    a_js, a_pb = record(py, "pp-a", "a")
    b_js, b_pb = record(py, "pp-b", "b")
    c_js, c_pb = record(py, "pp-c", "a", "--unread-child")

    # the hot function's share: go tool pprof -top against coldbpf's own report
    cp = run_coldbpf(["report", a_js])
    expect(cp.returncode == 0, cp.stderr)
    ours = self_pct(cp.stdout, "hot")
    top = go_pprof("-top", a_pb).decode()
    line = [ln for ln in top.splitlines() if ln.split()[-1:] == ["hot"]]
    expect(line, "hot not in go tool pprof -top:\n%s" % top)
    theirs = float(line[0].split()[1].rstrip("%"))
    print("     go tool pprof -top: %s   (coldbpf report: hot %.1f%%)" % (" ".join(line[0].split()), ours))
    expect(abs(theirs - ours) <= 10, "hot: %.1f%% in go tool pprof, %.1f%% in coldbpf" % (theirs, ours))
    expect(ours > 50, "hot is not hot: %.1f%%" % ours)
    expect(any(ln.split()[-1:] == ["warm"] for ln in top.splitlines()), "warm not in -top:\n%s" % top)
    # the same profile read back from pprof by coldbpf itself
    cp = run_coldbpf(["report", a_pb])
    expect(cp.returncode == 0 and abs(self_pct(cp.stdout, "hot") - ours) < 0.05, cp.stdout + cp.stderr)
    expect("/usr/bin/python3" in cp.stdout and " a\n" not in cp.stdout, "the process label is the program")

    # one run: the same statuses as from its JSON
    one, _ = cold(a_pb)
    expect(one == cold(a_js)[0], "a.pb.gz %s, a.json %s" % (one, cold(a_js)[0]))
    expect(one["a"] == "ran" and one["b"] == "never-ran" and one["never"] == "never-ran", one)

    # merged by go tool pprof: ran in either run is ran, never-ran in neither
    ab = os.path.join(TMP, "pp-ab.pb.gz")
    with open(ab, "wb") as f:
        f.write(go_pprof("-proto", a_pb, b_pb))
    st, res = cold(ab)
    print("     cold on merged a+b: %s; %d processes read alive, window %s s" %
          (st, res["evidence_processes"], res.get("evidence_window_s")))
    for q in ("a", "b", "hot", "warm"):
        expect(st[q] == "ran", "%s ran in a run: %s" % (q, st))
    expect(st["never"] == "never-ran", "never ran in no run: %s" % st)
    expect(st == cold(a_js, b_js)[0], "merged pprof %s, the two JSON files %s" % (st, cold(a_js, b_js)[0]))
    expect(res["evidence_processes"] == 2 and 4 <= res.get("evidence_window_s", 0) <= 6, res)

    # a run whose child exited unread: merged in, nothing is never-ran
    with open(c_js) as f:
        unread = sum(p.get("unread", 0) for p in json.load(f)["processes"])
    expect(unread >= 1, "the --unread-child run left no unread exit (%s)" % c_js)
    abc = os.path.join(TMP, "pp-abc.pb.gz")
    with open(abc, "wb") as f:
        f.write(go_pprof("-proto", a_pb, b_pb, c_pb))
    st, res = cold(abc)
    print("     cold on merged a+b+c: %s; %d exited unread" % (st, res["exited_unread_processes"]))
    expect(st["a"] == "ran" and st["b"] == "ran", st)
    expect("never-ran" not in st.values(), "an unread exit leaves nothing never-ran: %s" % st)
    expect(res["exited_unread_processes"] == unread, res)
    # ... but another program's unread exit (a cron job) has no bearing, as in a JSON profile
    with open(a_js) as f:
        prof = json.load(f)
    prof["processes"].append(dict(prof["processes"][0], pid=4343, cmdline="python3 /etc/cron.daily/job.py",
                                  exited=True, unread=1, samples=0))
    cron_js, cron_pb = os.path.join(TMP, "pp-cron.json"), os.path.join(TMP, "pp-cron.pb.gz")
    with open(cron_js, "w") as f:
        json.dump(prof, f)
    cp = run_coldbpf(["report", cron_js, "--format", "pprof", "-o", cron_pb])
    expect(cp.returncode == 0, cp.stderr)
    with open(os.path.join(TMP, "pp-bcron.pb.gz"), "wb") as f:
        f.write(go_pprof("-proto", cron_pb, b_pb))
    st, res = cold(os.path.join(TMP, "pp-bcron.pb.gz"))
    expect(st["never"] == "never-ran" and st == cold(cron_js, b_js)[0],
           "another program's unread exit: %s, JSON %s" % (st, cold(cron_js, b_js)[0]))
    # a late exit (read at its exit, but it imported modules after its last round) that had
    # loaded main.py only: lib.py's never-ran claims, on any host, become unknown; a late
    # exit of another program, which loaded nothing of the tree, has no bearing. As for the
    # JSON files, through a merge.
    for prog, in_tree, want in (("/usr/bin/python3.11 " + MAIN, True, "unknown"),
                                ("python3 /opt/helper.py", False, "never-ran")):
        with open(a_js) as f:
            prof = json.load(f)
        codes = [c for c in prof["evidence"][0]["codes"] if (prof["functions"][c[0]]["file"] == MAIN if in_tree
                                                             else not prof["functions"][c[0]]["file"].startswith(APP))]
        expect(codes, "no codes for the late exit")
        prof["processes"].append(dict(prof["processes"][0], pid=4545, cmdline=prog, exited=True, samples=0,
                                      evidence_final=True, evidence_late=True))
        prof["evidence"].append({"proc": len(prof["processes"]) - 1, "codes": codes})
        late_js, late_pb = os.path.join(TMP, "pp-late.json"), os.path.join(TMP, "pp-late.pb.gz")
        with open(late_js, "w") as f:
            json.dump(prof, f)
        expect(run_coldbpf(["report", late_js, "--format", "pprof", "-o", late_pb]).returncode == 0, late_pb)
        merged = os.path.join(TMP, "pp-blate.pb.gz")
        with open(merged, "wb") as f:
            f.write(go_pprof("-proto", late_pb, b_pb))
        st = cold(merged)[0]
        expect(st["never"] == want and st == cold(late_js, b_js)[0],
               "a late exit of %s: %s, JSON %s" % (prog, st, cold(late_js, b_js)[0]))

    # html reads pprof too; binary output is never written to a terminal
    out = os.path.join(TMP, "pp-html")
    cp = run_coldbpf(["html", "--src", APP, "-o", out, ab])
    expect(cp.returncode == 0 and os.path.exists(os.path.join(out, "index.html")), cp.stderr)
    master, slave = pty.openpty()
    try:
        cp = subprocess.run([COLDBPF, "report", a_js, "--format", "pprof"], stdout=slave,
                            stderr=subprocess.PIPE, text=True, timeout=30)
    finally:
        os.close(slave)
        os.close(master)
    expect(cp.returncode == 1 and "binary" in cp.stderr, "pprof to a terminal: %s" % cp.stderr)


def lib_line(marker):
    """The line of lib.py holding marker."""
    with open(os.path.join(APP, "lib.py")) as f:
        for n, text in enumerate(f, 1):
            if marker in text:
                return n
    raise AssertionError("%s not in lib.py" % marker)


def cold_lines(*files):
    """{(path, qualname, line): status} of cold --lines on files."""
    cp = run_coldbpf(["cold", "--src", APP, "--lines", "--format", "json"] + list(files))
    expect(cp.returncode == 0, "cold --lines %s: %s" % (" ".join(files), cp.stderr))
    return {(f["path"], f["qualname"], ln): st for f in json.loads(cp.stdout)["functions"]
            for ln, st, _ in f.get("line_status", [])}


def t_pprof_lines(py):
    """Per-line evidence through pprof: two processes of a 3.12+ interpreter,
    each taking one side of lib.branchy's first `if`, neither entering its
    second; recorded with --evidence-lines, converted, merged by `go tool
    pprof -proto` and read by cold --lines: the side only one took is ran,
    the body neither entered is never-ran, nothing coverage.py saw executing
    (separate runs) is never-ran, and the same as from the JSON files; html
    --lines marks those lines. A 3.11
    (positive only) or 3.8 (no lines) profile merged in, or one of other code
    (a line it does not have), leaves that body unknown."""
    newer = sorted(glob.glob(os.path.join(pyenv_root(), "versions", "3.1[2-9].*", "bin", "python3.1[2-9]")))
    expect(newer, "no CPython 3.12+ under pyenv for the line evidence")
    py = newer[-1]
    runs = {}
    for name, exe, mode in (("a", py, "a"), ("b", py, "b"), ("c311", "/usr/bin/python3.11", "a"),
                            ("c38", os.path.join(pyenv_root(), "versions", "3.8.18", "bin", "python3.8"), "a")):
        if not os.path.exists(exe):
            expect(not CI, "%s is missing" % exe)
            continue
        js, pb = os.path.join(TMP, "ppl-%s.json" % name), os.path.join(TMP, "ppl-%s.pb.gz" % name)
        cp = run_coldbpf(["--evidence-lines", "-F", "99", "-d", "2", "-o", js, "--", exe, MAIN, mode], timeout=60)
        expect(cp.returncode == 0, "recording %s: %s" % (name, cp.stderr))
        cp = run_coldbpf(["report", js, "--format", "pprof", "-o", pb])
        expect(cp.returncode == 0, cp.stderr)
        runs[name] = (js, pb)

    def merged(*names):
        out = os.path.join(TMP, "ppl-%s.pb.gz" % "".join(names))
        with open(out, "wb") as f:
            f.write(go_pprof("-proto", *[runs[n][1] for n in names]))
        return out
    side_a, side_b = lib_line('len("side a")'), lib_line('len("side b")')
    body = lib_line('len("never entered")')
    key = lambda n: ("lib.py", "branchy", n)
    one = cold_lines(runs["a"][1])
    expect(one == cold_lines(runs["a"][0]) and one, "a.pb.gz's lines differ from a.json's")
    expect(one[key(side_a)] == "ran" and one[key(side_b)] == "never-ran" and one[key(body)] == "never-ran",
           "one run: %s" % {k: v for k, v in one.items() if k[1] == "branchy"})
    ab = cold_lines(merged("a", "b"))
    print("     cold --lines on merged a+b: branchy %s" % sorted((k[2], v) for k, v in ab.items() if k[1] == "branchy"))
    expect(ab[key(side_a)] == "ran" and ab[key(side_b)] == "ran", "a side only one run took is ran: %s" % ab)
    expect(ab[key(body)] == "never-ran", "the body neither run entered: %s" % ab[key(body)])
    expect(ab == cold_lines(runs["a"][0], runs["b"][0]), "merged pprof and the two JSON files differ")
    # html --lines marks the same lines on the file's page, and only those
    out = os.path.join(TMP, "ppl-html")
    cp = run_coldbpf(["html", "--src", APP, "--lines", "-o", out, merged("a", "b")])
    expect(cp.returncode == 0, cp.stderr)
    page = open(os.path.join(out, "lib.py.html")).read()
    marked = {int(n) for n in re.findall(r'<tr id="L(\d+)" class="deadline">', page)}
    expect(marked == {k[2] for k, v in ab.items() if v == "never-ran" and k[0] == "lib.py"} and body in marked,
           "html --lines marks %s" % sorted(marked))

    # coverage.py on separate runs of both modes: nothing it saw executing is never-ran
    env = dict(os.environ, PYTHONPATH="/usr/lib/python3/dist-packages")
    executed = set()
    for mode in ("a", "b"):
        data, out = os.path.join(TMP, "ppl-cov-" + mode), os.path.join(TMP, "ppl-cov-%s.json" % mode)
        for c in (["run", "--data-file", data, MAIN, mode, "--once"], ["json", "--data-file", data, "-o", out]):
            cp = subprocess.run([py, "-m", "coverage"] + c, env=env, capture_output=True, text=True, timeout=120,
                                cwd=APP)
            expect(cp.returncode == 0, "coverage %s: %s" % (c[0], cp.stderr[-2000:]))
        for path, f in json.load(open(out))["files"].items():
            executed |= {(os.path.basename(path), ln) for ln in f["executed_lines"]}
    expect(("lib.py", side_a) in executed and ("lib.py", side_b) in executed and ("lib.py", body) not in executed,
           "coverage.py does not see the workload as described")
    wrong = sorted(k for k, v in ab.items() if v == "never-ran" and (k[0], k[2]) in executed)
    expect(not wrong, "never-ran, but coverage.py saw them executing: %s" % wrong)

    # what cannot prove a line never ran, merged in, leaves the body unknown
    for name in ("c311", "c38"):
        if name not in runs:
            continue
        st = cold_lines(merged("a", "b", name))
        expect(st[key(body)] == "unknown" and st[key(side_a)] == "ran", "a+b+%s: %s" % (name, st))
        expect(st == cold_lines(runs["a"][0], runs["b"][0], runs[name][0]), "a+b+%s: pprof and JSON differ" % name)
    # other code (b's branchy without the body's line): that line is not never-ran
    with open(runs["b"][0]) as f:
        prof = json.load(f)
    dropped = 0
    for e in prof["evidence"]:
        for entry in e.get("lines", []):
            fn = prof["functions"][e["codes"][entry[0]][0]]
            if fn["qualname"] == "branchy":
                entry[1] = [ln for ln in entry[1] if ln[0] != body]
                entry[2] = [br for br in entry[2] if br[2] != body]
                dropped += 1
    expect(dropped, "no lines of branchy in b")
    js, pb = os.path.join(TMP, "ppl-bx.json"), os.path.join(TMP, "ppl-bx.pb.gz")
    with open(js, "w") as f:
        json.dump(prof, f)
    expect(run_coldbpf(["report", js, "--format", "pprof", "-o", pb]).returncode == 0, pb)
    runs["bx"] = (js, pb)
    st = cold_lines(merged("a", "bx"))
    expect(st[key(body)] == "unknown", "a line the other version has not: %s" % st[key(body)])
    expect(st[key(side_b)] == "ran", st)
    expect(st == cold_lines(runs["a"][0], js), "a+bx: pprof and JSON differ")


ONCE = [t_pprof, t_pprof_lines]
