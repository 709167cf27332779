"""Dead code: cold per interpreter and against coverage.py, saved profiles,
rm and ignore, bad trees, the HTML heatmap."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from common import *  # noqa: F401,F403 - the tests' shared vocabulary


COLDAPP = os.path.join(WL, "coldapp")
# (path, qualname, first line) of the demo app's definitions by what they do
COLD_RAN = [("app/main.py", "run", 13), ("app/used.py", "called_once", 4), ("app/used.py", "called_often", 8),
            ("app/used.py", "Service", 20), ("app/used.py", "Service.handle", 21),
            ("app/used.py", "make_adder.<locals>.add", 32), ("app/used.py", "gen_numbers", 47),
            ("app/used.py", "<lambda>", 43)]
COLD_NEVER = []
# a module no process loaded: not-loaded (it may run elsewhere), never never-ran
COLD_NOT_LOADED = [("app/unused.py", "orphan", 4), ("app/unused.py", "Legacy", 8),
                   ("app/unused.py", "Legacy.old_method", 9)]
# exact on every version but 3.12, where only a LOAD_GLOBAL/LOAD_ATTR/STORE_ATTR
# before any jump proves never-ran (docs/cold.md): there unknown, never dead
COLD_NEVER_NOT_312 = [("app/used.py", "never_called", 15), ("app/used.py", "<lambda>", 44),
                      ("app/used.py", "Service.shutdown", 27), ("app/used.py", "make_unused_closure", 37),
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


def cold_on_ready(cmd, src, what, stderr_out=None, **popen):
    """Start cmd, wait for its "ready", run `cold --src src --format json -p PID`
    on it, stop it; the parsed report (cold's stderr into stderr_out[0])."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, **popen)
    try:
        expect(p.stdout.readline().strip() == "ready", "%s did not start" % what)
        cp = run_coldbpf(["cold", "--src", src, "--format", "json", "-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    expect(cp.returncode == 0, "cold failed: %s" % cp.stderr)
    if stderr_out is not None:
        stderr_out.append(cp.stderr)
    return json.loads(cp.stdout)


# what free-threaded 3.13t proves of the demo app without markers: a live
# class (its body ran); nothing of it has a frame when cold reads it
COLD_RAN_FT = [("app/used.py", "Service", 20)]


def _demo_app_exact(cmd, what):
    """Run the demo app with cmd (an interpreter and its options), read it
    with `cold -p`, stop it: t_cold's exact statuses, or fail naming what."""
    p = subprocess.Popen(cmd + [os.path.join(COLDAPP, "app", "main.py"), "60"], stdout=subprocess.PIPE, text=True)
    try:
        expect(p.stdout.readline().strip() == "ready", "%s: the demo app did not start" % what)
        st, _ = cold_statuses(["-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    for keys, want in ((COLD_RAN, "ran"), (COLD_NEVER_NOT_312, "never-ran"), (COLD_NOT_LOADED, "not-loaded")):
        for key in keys:
            expect(key in st and st[key]["status"] == want, "%s: %s is %s, want %s" %
                   (what, key, st.get(key, {}).get("status"), want))


def t_cold(label, py, mm):
    """cold -p: exact ran / never-ran per version; 3.12 never calls a function
    dead without proof; free-threaded 3.13t (no markers: docs/free-threaded.md)
    calls ran only what ran, by positive proof, and nothing never-ran or
    not-loaded."""
    p = start_coldapp(py)
    try:
        st, res = cold_statuses(["-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    if is_ft(py):
        for key in COLD_RAN_FT:
            expect(key in st and st[key]["status"] == "ran", "%s: %s" % (key, st.get(key)))
        for key, f in st.items():
            expect(f["status"] in ("ran", "unknown"), "free-threaded: %s is %s" % (key, f["status"]))
            expect(f["status"] != "ran" or key in COLD_RAN, "free-threaded: %s never ran, called ran" % (key,))
        for key in COLD_NEVER_NOT_312 + COLD_NOT_LOADED:
            expect(st[key]["status"] == "unknown", "free-threaded: %s: %s" % (key, st[key]))
        return
    for key in COLD_RAN:
        expect(key in st and st[key]["status"] == "ran", "%s: %s" % (key, st.get(key)))
    for key in COLD_NEVER:
        expect(key in st and st[key]["status"] == "never-ran", "%s: %s" % (key, st.get(key)))
    for key in COLD_NEVER_NOT_312:
        want = ("never-ran", "unknown") if mm == (3, 12) else ("never-ran",)
        expect(key in st and st[key]["status"] in want, "%s: %s" % (key, st.get(key)))
    for key in COLD_NOT_LOADED:
        expect(key in st and st[key]["status"] == "not-loaded", "%s: %s" % (key, st.get(key)))
    order = [f["status"] for f in res["functions"]]
    expect(order == sorted(order, key=["never-ran", "not-loaded", "unknown", "sampled", "ran"].index),
           "not sorted dead first")
    if mm != (3, 12):
        expect(res["totals"]["never-ran"]["functions"] >= len(COLD_NEVER_NOT_312), res["totals"])


def _functions_run_per_coverage(cov_json, classes=False):
    """{(path, qualname, first)} of functions (classes: and class bodies)
    with an executed body statement."""
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
                    if classes and {b.lineno for b in ch.body} & lines:
                        ran.add((rel, prefix + ch.name,
                                 min([d.lineno for d in ch.decorator_list] + [ch.lineno])))
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
    expect(len(truth) >= 8, "coverage saw too few functions: %s" % truth)
    if is_ft(py):
        # free-threaded 3.13t: positive proof only (docs/free-threaded.md):
        # what cold calls ran (class bodies too) ran, it calls nothing dead
        truth = _functions_run_per_coverage(out, classes=True)
        said = {k for k, f in st.items() if f["status"] == "ran"}
        expect(said and said <= truth, "free-threaded: cold calls ran %s, coverage saw %s" %
               (sorted(said), sorted(truth)))
        dead = [k for k, f in st.items() if f["status"] in ("never-ran", "not-loaded")]
        expect(not dead, "free-threaded: called dead: %s" % dead)
        return
    said = {k for k, f in st.items() if f["kind"] == "function" and f["status"] == "ran"}
    expect(said == truth, "cold and coverage.py disagree: only cold %s, only coverage %s" %
           (sorted(said - truth), sorted(truth - said)))


# --- once ---------------------------------------------------------------------

def t_cold_profiles(py):
    """Live runs save evidence; cold works offline on profiles, combining hosts: ran anywhere is ran."""
    a, b = start_coldapp(py), start_coldapp(py, "--also-never-called")
    try:
        _, pa = profile(["--evidence", "-F", "99", "-d", "1.5", "-p", str(a.pid)])
        _, pb = profile(["--evidence", "-F", "99", "-d", "1.5", "-p", str(b.pid)])
        _, pc = profile(["-F", "99", "-d", "1.5", "-p", str(a.pid)])
        live, _ = cold_statuses(["-p", str(a.pid)])
    finally:
        for p in (a, b):
            p.kill()
            p.wait()
    files = sorted(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)[-3:]
    expect(pa["evidence"] and pb["evidence"], "profiles saved without evidence")
    expect(pc["evidence"] == [], "evidence read without --evidence")
    files, plain = files[:2], files[2]
    one, _ = cold_statuses([files[0]])
    for k in COLD_RAN + COLD_NEVER:
        expect(one[k]["status"] == live[k]["status"], "offline %s: %s, live %s" % (k, one[k], live[k]))
    both, _ = cold_statuses(files)
    key = ("app/used.py", "never_called", 15)
    expect(one[key]["status"] == "never-ran" and both[key]["status"] == "ran",
           "ran on one host must be ran: %s / %s" % (one[key]["status"], both[key]["status"]))
    # a profile recorded without --evidence: its processes may have run anything, so together
    # with any other profile nothing is called never-ran (and the user is told why)
    cp = run_coldbpf(["cold", "--src", COLDAPP, "--format", "json", plain] + files)
    expect(cp.returncode == 0 and "recorded without --evidence" in cp.stderr, cp.stderr)
    res = json.loads(cp.stdout)
    never = [f["qualname"] for f in res["functions"] if f["status"] == "never-ran"]
    expect(not never, "never-ran without evidence from every process: %s" % never)
    expect({f["status"] for f in res["functions"]} >= {"ran", "unknown"}, "statuses: %s" % res["functions"])
    cp = run_coldbpf(["--evidence", "-d", "1", "--all-python"])
    expect(cp.returncode == 1 and "give -o FILE" in cp.stderr, "--evidence without -o: %s" % cp.stderr)
    # bad input: another tree's profile, a corrupt profile
    other = run_coldbpf(["cold", "--src", os.path.join(ROOT, "demo"), files[0]])
    expect(other.returncode == 0 and "never-ran" in other.stdout, other.stderr)
    expect("a profile of another source tree?" in other.stderr, other.stderr)
    bad = os.path.join(TMP, "bad.json")
    with open(bad, "w") as f:
        f.write("{")
    cp = run_coldbpf(["cold", "--src", COLDAPP, bad])
    expect(cp.returncode == 1 and "invalid JSON" in cp.stderr, cp.stderr)


def _handmade_profile(path, codes, exited=False):
    """A profile file whose one process has these (relative path, qualname, first, status) codes;
    exited: the process exited during the run (after its last evidence read)."""
    funcs = [{"file": os.path.join(COLDAPP, r), "qualname": q, "firstline": f} for r, q, f, _ in codes]
    prof = {"format": "coldbpf-profile", "version": 1, "tool": "test", "started": "2026-11-24T00:00:00Z",
            "duration_s": 1.0, "frequency_hz": 99, "max_depth": 128,
            "processes": [{"pid": 4242, "comm": "python3", "cmdline": "python3 app/main.py",
                           "python": "3.11.2", "version_method": "Py_Version", "samples": 0, "exited": exited}],
            "functions": funcs, "stacks": [], "sources": [], "skipped": [],
            "evidence": [{"proc": 0, "codes": [[i, c[3]] for i, c in enumerate(codes)]}]}
    with open(path, "w") as f:
        json.dump(prof, f)


def t_cold_unknown_beats_never(py):
    """Never-ran needs every source: a function one process never ran but another holds without
    evidence (3.12's trivial functions, instrumented code) may have run there: unknown, not dead."""
    a, b = os.path.join(TMP, "never.json"), os.path.join(TMP, "unknown.json")
    key = ("app/used.py", "never_called", 15)
    other = ("app/unused.py", "orphan", 4)
    _handmade_profile(a, [key + (2,), other + (2,)])
    _handmade_profile(b, [key + (0,)])
    alone, _ = cold_statuses([a])
    expect(alone[key]["status"] == "never-ran", "never_called alone: %s" % alone[key]["status"])
    both, _ = cold_statuses([a, b])
    expect(both[key]["status"] == "unknown", "never in one, unknown in another: %s" % both[key]["status"])
    expect(both[other]["status"] == "never-ran", "orphan: %s" % both[other]["status"])
    # the same evidence from a process that exited during the run: read before its last
    # chance to run, so it proves nothing (a worker replaced by a reload)
    c = os.path.join(TMP, "exited.json")
    _handmade_profile(c, [key + (2,), other + (2,)], exited=True)
    gone, res = cold_statuses([c])
    expect(gone[key]["status"] == "unknown" and gone[key].get("why") == "exited-unread",
           "never-ran in an exited process: %s" % gone[key])
    expect(res.get("exited_processes") == 1, "exits not counted: %s" % res.get("exited_processes"))
    both, _ = cold_statuses([a, c])
    expect(both[key]["status"] == "unknown", "never-ran alive, unread in an exited one: %s" % both[key])
    # a module only an exited process loaded is not "not-loaded"
    d = os.path.join(TMP, "exited2.json")
    _handmade_profile(d, [key + (1,)], exited=True)
    one, _ = cold_statuses([d])
    expect(one[key]["status"] == "ran", "ran in an exited process is ran: %s" % one[key])
    expect(one[("app/used.py", "called_once", 4)]["status"] == "unknown",
           "loaded by an exited process, no code seen: %s" % one[("app/used.py", "called_once", 4)])
    # ... nor is a module it did not load: it may have loaded and run it after
    # its last read (not read at its exit)
    expect(one[other]["status"] == "unknown" and one[other].get("why") == "exited-unread", "orphan: %s" % one[other])
    # a process of the same program exited before any evidence read: it may have run anything
    e = os.path.join(TMP, "unread.json")
    _handmade_profile(e, [key + (2,)])
    with open(e) as f:
        prof = json.load(f)
    prof["processes"].append(dict(prof["processes"][0], pid=4343, exited=True, unread=1))
    with open(e, "w") as f:
        json.dump(prof, f)
    one, res = cold_statuses([e])
    expect(one[key]["status"] == "unknown" and res.get("exited_unread_processes") == 1,
           "a worker exited unread: %s / %s" % (one[key], res.get("exited_unread_processes")))
    prof["processes"][1]["cmdline"] = "python3 cron_job.py"    # another program: no bearing
    with open(e, "w") as f:
        json.dump(prof, f)
    one, res = cold_statuses([e])
    expect(one[key]["status"] == "never-ran", "another program's exit: %s" % one[key])


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
            cp = run_coldbpf(["rm", "--src", tree, "--min-window", "0", key, "-p", pid])
            expect(cp.returncode == 1 and why in cp.stderr, "%s: %r" % (key, cp.stderr))
            expect(open(used).read() == before, "%s: file written despite refusing" % key)
        # the process has run for seconds: "never ran" speaks of seconds, and rm wants that acknowledged
        cp = run_coldbpf(["rm", "--src", tree, "app/used.py:never_called", "-p", pid])
        expect(cp.returncode == 1 and "the evidence covers only" in cp.stderr and open(used).read() == before,
               "a short window was not refused: %r" % cp.stderr)
        cp = run_coldbpf(["cold", "--src", tree, "-p", pid])
        expect("Evidence window: 1 process read alive" in cp.stdout, cp.stdout)
        cp = run_coldbpf(["rm", "--src", tree, "--min-window", "0", "app/used.py:never_called", "-p", pid])
        expect(cp.returncode == 0, cp.stderr)
        after = open(used).read()
        expect("def never_called" not in after and "def called_often" in after and
               "\n\n\nclass Service" in after and "\n\n\n\nclass" not in after, after[:400])
        compile(after, used, "exec")
        # the file changes (lines move): the running code no longer matches it
        with open(used, "w") as f:
            f.write("# moved\n# moved\n" + after)
        cp = run_coldbpf(["rm", "--src", tree, "--min-window", "0", "app/used.py:Service.shutdown", "-p", pid])
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
        _, prof = profile(["--evidence", "-F", "499", "-d", "3", "-p", str(shop.pid)])
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


TRAPS = os.path.join(WL, "traps")
TRAPS_RAN = ["main", "worker", "factory_called", "factory_called.<locals>.Made", "Impl", "Impl.run", "Base"]
# ... those proved without markers (free-threaded 3.13t): a frame when cold
# reads (main, worker), a live function of theirs or a live class
TRAPS_RAN_PROVED = ["main", "worker", "factory_called", "factory_called.<locals>.Made", "Impl", "Base"]
TRAPS_NOT_RAN = ["factory_never_called", "factory_never_called.<locals>.Inner",
                 "factory_never_called.<locals>.Inner.method", "never_called",
                 "factory_called.<locals>.Made.method", "Base.run"]


def _traps(cmd, script, src, mode, mm, ft=False):
    """cold on traps.py MODE: {qualname: status}. ft: a free-threaded 3.13t,
    whose code leaves no markers (docs/free-threaded.md): ran only by
    positive proof (a frame, a live function or class), never never-ran."""
    res = cold_on_ready(cmd + [script, mode, "30"], src, "traps.py")
    st = {f["qualname"]: f["status"] for f in res["functions"]}
    for q in TRAPS_RAN:
        want = ("ran",) if not ft or q in TRAPS_RAN_PROVED else ("ran", "unknown")
        expect(st.get(q) in want, "%s %s: %s is %s, it ran" % (mm, mode, q, st.get(q)))
    for q in TRAPS_NOT_RAN:
        want = ("unknown",) if ft else ("never-ran", "unknown")
        expect(st.get(q) in want, "%s %s: %s is %s, it never ran" % (mm, mode, q, st.get(q)))
    if ft:
        dead = {q: s for q, s in st.items() if s in ("never-ran", "not-loaded")}
        expect(not dead, "%s %s: free-threaded, called dead: %s" % (mm, mode, dead))
    if mode == "settrace":
        for q in ("traced_only", "tracer"):
            expect(st.get(q) in ("ran", "unknown"), "%s %s: %s is %s, it ran (traced, or as the tracer)"
                   % (mm, mode, q, st.get(q)))
    # classes known by their type objects (metaclasses, no methods), in the
    # right file although functools.wraps names a wrapper after another module
    byfile = {(f["path"], f["qualname"]): f["status"] for f in res["functions"]}
    for k in (("classes.py", "Meta"), ("classes.py", "WithMeta"), ("classes.py", "Color"),
              ("wrapped.py", "Handler")):
        expect(byfile.get(k) == "ran", "%s %s: %s is %s, its class exists" % (mm, mode, k, byfile.get(k)))
    for k in (("classes.py", "Handler"), ("classes.py", "NeverEnum"), ("classes.py", "NeverMeta")):
        expect(byfile.get(k) in ("never-ran", "unknown"), "%s %s: %s is %s, its body never ran" %
               (mm, mode, k, byfile.get(k)))
    if mode == "plain" and mm != (3, 12) and not ft:
        # no monitoring: exact (not free-threaded 3.13t: no markers there)
        for q in TRAPS_NOT_RAN + ["traced_only", "tracer"]:
            expect(st.get(q) == "never-ran", "%s %s: %s is %s, want never-ran" % (mm, mode, q, st.get(q)))
    return st


def _check_traps(cmd, script, src, mm, ft=False):
    for mode in ("cprofile", "settrace", "plain"):
        _traps(cmd, script, src, mode, mm, ft)


def t_cold_traps(label, py, mm):
    """Soundness traps: cProfile or settrace switched on and off once while a
    worker waits and main runs (3.12+ puts RESUME back), code run only under
    tracing, a class inside a function that never ran (its method code is
    alive), a metaclass (ABCMeta). Nothing that ran is never-ran, nothing
    that never ran is ran; exact without monitoring."""
    _check_traps([py], os.path.join(TRAPS, "traps.py"), TRAPS, mm, is_ft(py))


def t_cold_traps_sid(py):
    """The traps on Debian sid's python3.14 and 3.15, in a chroot: --src is the
    host's view of the tree, the code names files as the chroot sees them;
    offline too (the profile keeps the process's root); --src as the process
    sees it (a path only its root has) gives the same statuses."""
    root = debian_root("sid")
    script = in_root(root, os.path.join(TRAPS, "traps.py"), with_dir=True)
    src = root + os.path.dirname(script)
    _check_traps(["chroot", root, "python3.14"], script, src, (3, 14))
    _check_traps(["chroot", root, "python3.15"], script, src, (3, 15))
    p = subprocess.Popen(["chroot", root, "python3.14", script, "plain", "30"], stdout=subprocess.PIPE, text=True)
    try:
        expect(p.stdout.readline().strip() == "ready", "traps.py did not start")
        _, prof = profile(["--evidence", "-F", "99", "-d", "1.5", "-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    expect(prof["processes"][0].get("root") == root, "the profile lacks the root: %s" % prof["processes"][0])
    saved = sorted(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)[-1]
    cp = run_coldbpf(["cold", "--src", src, "--format", "json", saved])
    expect(cp.returncode == 0, cp.stderr)
    st = {f["qualname"]: f["status"] for f in json.loads(cp.stdout)["functions"]}
    expect(st.get("main") == "ran" and st.get("never_called") == "never-ran", "offline, chroot: %s" % st)
    # --src as the process sees the tree (inside its root): the same statuses
    # as the host's view; the inventory runs in its root as its user
    p = subprocess.Popen(["chroot", root, "python3.15", script, "plain", "30"], stdout=subprocess.PIPE, text=True)
    try:
        expect(p.stdout.readline().strip() == "ready", "traps.py did not start")
        views = {}
        for name, s in (("host", src), ("target", os.path.dirname(script))):
            cp = run_coldbpf(["cold", "--src", s, "--format", "json", "-p", str(p.pid)])
            expect(cp.returncode == 0, "%s view: %s" % (name, cp.stderr))
            views[name] = {(f["path"], f["qualname"]): f["status"] for f in json.loads(cp.stdout)["functions"]
                           if f["path"] in ("traps.py", "classes.py", "wrapped.py")}
        expect(views["host"] == views["target"] and views["target"].get(("traps.py", "main")) == "ran",
               "the target's view differs: %s" % {k: (views["host"].get(k), v) for k, v in views["target"].items()
                                                  if views["host"].get(k) != v})
        cp = run_coldbpf(["html", "--src", os.path.dirname(script), "-o", os.path.join(TMP, "h"), "-p", str(p.pid)])
        expect(cp.returncode == 1 and "as this host sees the tree" in cp.stderr, "html, target view: %s" % cp.stderr)
    finally:
        p.kill()
        p.wait()


def _container_statuses(st, what):
    for key in COLD_RAN:
        expect(st.get(key) == "ran", "%s: %s is %s, it ran" % (what, key, st.get(key)))
    for key in COLD_NEVER_NOT_312:
        expect(st.get(key) == "never-ran", "%s: %s is %s, it never ran" % (what, key, st.get(key)))
    for key in COLD_NOT_LOADED:
        expect(st.get(key) == "not-loaded", "%s: %s is %s, never loaded" % (what, key, st.get(key)))


def t_container_pidns(py):
    """Debian sid's python3.13, 3.14 and 3.15 in a container: PID 1 of its own
    PID namespace with its own /proc, chrooted, nothing of the host bound in
    (tests/tools/container-python; its files exist only inside the root).
    Profiled by host PID and with --all-python (one started before, one
    after the agent; each reported with its PID there, 1), symbolized with
    the paths the target sees and its
    source lines read inside its root; cold --src with the host's view of the
    tree and with the target's (a path only its root has), and offline on a
    saved profile: the same exact statuses as outside a container."""
    root = debian_root("sid")
    d = container_dir(root, [os.path.join(WL, "shares.py"), COLDAPP])
    script = d + "/shares.py"
    try:
        for minor in (13, 14, 15):
            name, mm = "python3.%d" % minor, "3.%d" % minor
            # 1. by its host PID
            c = Container(root, name, [script, "60", d + "/t.json"])
            try:
                expect(c.nspid == 1 and c.pid != 1, "%s: not PID 1 of a namespace (host %d, ns %d)" %
                       (mm, c.pid, c.nspid))
                cp, prof = profile(["-F", "499", "-d", "2", "--lines", "-p", str(c.pid)])
            finally:
                c.kill()
            e = proc_entry(prof, c.pid)
            expect(e and e["python"].startswith(mm + "."), "%s: process entry %s" % (mm, e))
            expect(e.get("root") == root, "%s: root %s, want %s" % (mm, e.get("root"), root))
            expect(e.get("nspid") == 1 and re.search(r"^\s+%d .*\[PID 1 in its namespace\]" % c.pid, cp.stdout, re.M),
                   "%s: its PID in the container is not reported: %s" % (mm, e))
            a = func_index(prof, "work_a", "shares.py")
            expect(a is not None and prof["functions"][a]["file"] == script,
                   "%s: work_a not named as the target sees it: %s" % (mm, a is not None and prof["functions"][a]))
            expect(self_samples(prof, a, c.pid) > 100, "%s: work_a %d samples" % (mm, self_samples(prof, a, c.pid)))
            expect("x += i * i % 7  # HOT-A" in cp.stdout, "%s: the hot line's source (read in the target's "
                   "root) is missing:\n%s" % (mm, cp.stdout))
            # 2. --all-python: one container before the agent, one after
            out = os.path.join(TMP, "ct%d.json" % time.monotonic_ns())
            early = Container(root, name, [script, "60", d + "/t1.json"])
            late = None
            try:
                agent = subprocess.Popen([COLDBPF, "--all-python", "-F", "199", "-d", "4", "-o", out],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                time.sleep(1.5)
                late = Container(root, name, [script, "0.5", d + "/t2.json", "1.5"])   # ends within 1.5 s
                so, se = agent.communicate(timeout=60)
                expect(agent.returncode == 0, "%s: --all-python failed: %s" % (mm, se))
                late.proc.wait(timeout=30)
            finally:
                early.kill()
                if late:
                    late.kill()
            with open(out) as f:
                prof = json.load(f)
            a = func_index(prof, "work_a", "shares.py")
            for c, what in ((early, "started before"), (late, "started after")):
                e = proc_entry(prof, c.pid)
                expect(e is not None, "%s: the container %s the agent (host PID %d) is missing" % (mm, what, c.pid))
                expect(e.get("nspid") == 1, "%s: the container %s the agent: nspid %s" % (mm, what, e.get("nspid")))
                n = self_samples(prof, a, c.pid) if a is not None else 0
                expect(n > 30, "%s: the container %s the agent: work_a %d samples" % (mm, what, n))
            expect(proc_entry(prof, late.pid)["exited"], "%s: the late container's exit is not flagged" % mm)
            # 3. cold --src: the host's view of the tree, then the target's
            app = Container(root, name, [d + "/coldapp/app/main.py", "60"], stdout=subprocess.PIPE, text=True)
            try:
                expect(app.proc.stdout.readline().strip() == "ready", "%s: the app did not start" % mm)
                for view, src in (("host", root + d + "/coldapp"), ("target", d + "/coldapp")):
                    cp = run_coldbpf(["cold", "--src", src, "--format", "json", "-p", str(app.pid)])
                    expect(cp.returncode == 0, "%s, %s view: cold failed: %s" % (mm, view, cp.stderr))
                    st = {(f["path"], f["qualname"], f["first"]): f["status"]
                          for f in json.loads(cp.stdout)["functions"]}
                    _container_statuses(st, "%s, %s view" % (mm, view))
                # offline: a saved profile keeps the container's root
                _, prof = profile(["--evidence", "-F", "99", "-d", "1.5", "-p", str(app.pid)])
            finally:
                app.kill()
            expect(proc_entry(prof, app.pid).get("root") == root, "%s: the saved profile lacks the root" % mm)
            saved = sorted(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)[-1]
            cp = run_coldbpf(["cold", "--src", root + d + "/coldapp", "--format", "json", saved])
            expect(cp.returncode == 0, "%s, offline: cold failed: %s" % (mm, cp.stderr))
            _container_statuses({(f["path"], f["qualname"], f["first"]): f["status"]
                                 for f in json.loads(cp.stdout)["functions"]}, "%s, offline" % mm)
    finally:
        shutil.rmtree(root + d, ignore_errors=True)


LAZYAPP = os.path.join(WL, "lazyapp")


def _lazy_statuses(args):
    cp = run_coldbpf(["cold", "--src", LAZYAPP, "--format", "json"] + args)
    expect(cp.returncode == 0, "cold failed: %s" % cp.stderr)
    return {(f["path"], f["qualname"]): f["status"] for f in json.loads(cp.stdout)["functions"]}


def _lazy_expect(st, want, what):
    bad = {k: (st.get(k), v) for k, v in want.items() if st.get(k) not in v}
    expect(not bad, "%s: (status, want) %s" % (what, bad))


def t_cold_lazy_imports(py):
    """PEP 810 explicit lazy imports on Debian sid's python3.15 (3.15.2 has
    `lazy import`): a module imported lazily and never touched is
    not-loaded, never never-ran nor ran; one touched later is not-loaded
    before the touch, then ran/never-ran per function; `lazy from ... import`
    used at once is exact. A process that touches a lazy module after its
    first evidence round and exits before the next one is read at its exit:
    sys.modules moved, so nothing it had not loaded at the round is
    never-ran (unknown), and what the round proved stays."""
    root = debian_root("sid")
    cmd = [os.path.join(ROOT, "tests", "tools", "chroot-python"), root, "python3.15"]
    main = os.path.join(LAZYAPP, "main.py")
    trigger = os.path.join(TMP, "lazy-trigger-%d" % time.monotonic_ns())
    p = subprocess.Popen(cmd + [main, trigger, "30"], stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().split()
        expect(line == ["ready", "lazy_from"], "the workload's own view before the touch: %s" % line)
        st = _lazy_statuses(["-p", str(p.pid)])
        never_loaded = {("lazy_never.py", "never_a"): ("not-loaded",),
                        ("lazy_never.py", "NeverClass"): ("not-loaded",),
                        ("lazy_never.py", "NeverClass.method"): ("not-loaded",)}
        _lazy_expect(st, {**never_loaded, **{
            ("lazy_later.py", "later_used"): ("not-loaded",),
            ("lazy_later.py", "later_unused"): ("not-loaded",),
            ("lazy_from.py", "used"): ("ran",),
            ("lazy_from.py", "unused"): ("never-ran",),
            ("main.py", "main"): ("ran",),
            ("main.py", "loaded"): ("ran",)}}, "before the touch")
        with open(trigger, "w"):
            pass
        line = p.stdout.readline().split()
        expect(line == ["touched", "lazy_later,lazy_from"], "the workload's own view after the touch: %s" % line)
        st = _lazy_statuses(["-p", str(p.pid)])
        _lazy_expect(st, {**never_loaded, **{
            ("lazy_later.py", "later_used"): ("ran",),
            ("lazy_later.py", "later_unused"): ("never-ran",),
            ("lazy_from.py", "used"): ("ran",),
            ("lazy_from.py", "unused"): ("never-ran",)}}, "after the touch")
    finally:
        p.kill()
        p.wait()
    # touched 3 s after start (after the first read, 0.5 s after it is found;
    # long before the 10 s round), exits at once: read at its exit
    _, prof = profile(["--evidence", "-F", "99", "--"] + cmd + [main, "3", "0"])
    saved = sorted(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)[-1]
    st = _lazy_statuses([saved])
    _lazy_expect(st, {
        ("lazy_never.py", "never_a"): ("unknown",),
        ("lazy_later.py", "later_used"): ("unknown",),
        ("lazy_later.py", "later_unused"): ("unknown",),
        ("lazy_from.py", "used"): ("ran",),
        ("lazy_from.py", "unused"): ("never-ran",),
        ("main.py", "main"): ("ran",)}, "touched after the first round, read at its exit (%s)" %
        {k: v for k, v in prof["stats"].items() if k.startswith("exit")})
    # every import lazy (-X lazy_imports=all): the demo app's statuses are
    # t_cold's (app.used loads at its first use, before "ready")
    _demo_app_exact(cmd + ["-X", "lazy_imports=all"], "lazy_imports=all")


def t_two_builds_314(py):
    """Two builds of the same release (issue 11: a patch release or a
    distribution's build options must not silently skew coldbpf): Debian
    sid's python3.14 (optimized) and python3.14d (its --with-pydebug build
    from python3.14-dbg: other addresses, another .PyRuntime, unoptimized
    code). Each is read through its own _Py_DebugOffsets; shares match the
    process's own thread CPU time and `cold` gives t_cold's exact statuses
    on both."""
    root = debian_root("sid")
    for exe in ("python3.14", "python3.14d"):
        expect(os.path.exists(os.path.join(root, "usr", "bin", exe)),
               "%s missing in the sid root (tests/tools/mkroot.sh sid installs it)" % exe)
        cmd = [os.path.join(ROOT, "tests", "tools", "chroot-python"), root, exe]
        version = subprocess.run(cmd + ["-c", "import sys; print(sys.version.split()[0], "
                                        "hasattr(sys, 'gettotalrefcount'))"],
                                 capture_output=True, text=True, check=True).stdout.split()
        expect(len(version) == 2 and version[0].startswith("3.14.") and version[1] == str(exe.endswith("d")),
               "%s: version, debug build: %s" % (exe, version))
        truth_file = os.path.join(TMP, "two-builds-%s-%d.json" % (exe, time.monotonic_ns()))
        cp, prof = profile(["-v", "-F", "999", "--"] + cmd + [os.path.join(WL, "ratio.py"), "4", truth_file])
        expect(re.search(r"CPython 3\.14\.\d+ via debug-offsets in \S*/usr/bin/%s\b" % re.escape(exe), cp.stderr),
               "%s: not read through its own debug offsets: %s" % (exe, cp.stderr[-800:]))
        expect("differ from coldbpf's table" not in cp.stderr, "%s: %s" % (exe, cp.stderr[-800:]))
        with open(truth_file) as f:
            tr = json.load(f)
        counts = {}
        for n in ("work_a", "work_b", "work_c"):
            i = func_index(prof, n, "ratio.py")
            counts[n] = sum(s["count"] for s in prof["stacks"] if s["frames"] and s["frames"][-1][0] == i) \
                if i is not None else 0
        total = sum(counts.values())
        expect(total >= 2000, "%s: %d samples in work_a/b/c" % (exe, total))
        shares = []
        for n in counts:
            share, want = 100.0 * counts[n] / total, 100.0 * tr[n] / sum(tr.values())
            expect(abs(share - want) <= 3, "%s: %s %.1f%%, in-process truth %.1f%%" % (exe, n, share, want))
            shares.append("%s %.1f/%.1f" % (n, share, want))
        _demo_app_exact(cmd, exe)
        print("     %s %s: %d samples, sampled/truth %s; cold exact" % (exe, version[0], total, ", ".join(shares)))


PER_INTERPRETER = [t_cold, t_cold_vs_coverage, t_cold_traps]
ONCE = [t_cold_profiles, t_cold_unknown_beats_never, t_cold_edits, t_cold_bad_trees, t_html,
        t_cold_traps_sid, t_container_pidns, t_cold_lazy_imports, t_two_builds_314]


LATE_CALL = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
import latemod
latemod.early(1)
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.02)
latemod.late(1)
while True:
    time.sleep(0.05)
"""


def t_evidence_rounds(py):
    """--evidence: rounds run beside the drains; after a target's first full rounds the others
    re-read only the never-ran markers, and see a function that first runs then, even when the
    process is gone before the final full round."""
    d = os.path.join(TMP, "late")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "latemod.py"), "w") as f:
        f.write("def early(x):\n    return x + 1\n\ndef late(x):\n    return x + 2\n\ndef never(x):\n    return x + 3\n")
    go = os.path.join(d, "go")
    target = subprocess.Popen([py, "-c", LATE_CALL, d, go], stdout=subprocess.PIPE, text=True)
    expect(target.stdout.readline().strip() == "ready", "target did not start")
    out = os.path.join(TMP, "late.json")
    agent = subprocess.Popen([COLDBPF, "-v", "--evidence", "--evidence-interval-ms", "500", "-F", "99",
                              "-d", "20", "-o", out, "-p", str(target.pid)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rounds = []
    try:
        for line in agent.stderr:	# -v output is read as it comes: a full pipe would stall the agent
            m = re.search(r"evidence round (\d+): \d+ of \d+ targets read \((\d+) full\).*?(\d+) never-ran "
                          r"markers re-read; longest wait between drains (\d+) ms", line)
            if not m:
                continue
            rounds.append(tuple(int(x) for x in m.groups()))
            if rounds[-1][0] == 9:
                open(go, "w").close()	# late() runs now, after the full rounds
            if rounds[-1][0] == 11:
                target.kill()	# gone before the next full round (the 12th) and the final one
                break
        agent.stderr.read()
        agent.wait(timeout=60)
    finally:
        target.kill()
        target.wait()
        if agent.poll() is None:
            agent.kill()
    expect(agent.returncode == 0, "coldbpf failed")
    expect(len(rounds) >= 11, "rounds: %s" % rounds)
    expect([r[1] for r in rounds[6:11]] == [0] * 5, "rounds 7-11 re-read only: %s" % rounds)
    expect([r[1] for r in rounds[:6]] == [1] * 6, "a target's first rounds are full: %s" % rounds)
    incremental = [r for r in rounds[6:] if r[1] == 0]
    expect(incremental and all(r[2] > 0 for r in incremental), "no re-read rounds: %s" % rounds)
    expect(max(r[3] for r in rounds) <= 2000, "drains waited for a round: %s" % rounds)
    with open(out) as f:
        prof = json.load(f)
    st = {}
    for e in prof["evidence"]:
        for c in e["codes"]:	# [function, status] or [function, status, flags]
            fi, s = c[0], c[1]
            fn = prof["functions"][fi]
            if fn["file"].endswith("latemod.py"):
                st[fn["qualname"]] = s
    expect(st.get("early") == 1 and st.get("late") == 1 and st.get("never") == 2,
           "statuses (1 ran, 2 never): %s; evidence of %s; rounds %s" %
           (st, [(prof["processes"][e["proc"]]["pid"], len(e["codes"])) for e in prof["evidence"]], rounds))
    expect(prof["stats"]["evidence_rounds"] >= 11, "evidence_rounds %d" % prof["stats"]["evidence_rounds"])


ONCE += [t_evidence_rounds]


GENERATED = """
import sys, time
sys.path.insert(0, sys.argv[1])
import app.used
ns = {}
for i in range(70000):	# code generated per request: more code objects than the cap
    exec("def generated_%d(x):\\n    return x + %d\\n" % (i, i), ns)
print("ready", flush=True)
time.sleep(120)
"""


def t_evidence_cap(py):
    """Evidence per process is capped (65,536 code objects); past the cap the scan is partial and a
    module whose code was not seen is unknown, not never-ran."""
    err = []
    res = cold_on_ready([py, "-c", GENERATED, COLDAPP], COLDAPP, "target", err)
    expect("some code objects were not read" in err[0], "no note: %s" % err[0])
    st = {(f["path"], f["qualname"], f["first"]): f["status"] for f in res["functions"]}
    orphan = st[("app/unused.py", "orphan", 4)]
    expect(orphan == "unknown", "app/unused.py:orphan is %s: an unseen module called dead" % orphan)


ONCE += [t_evidence_cap]


EXACT_APP = """
import os, sys, time
sys.path.insert(0, sys.argv[1])          # another tree with a file of the same name
import flask.app as fa
fa.dispatch(); fa.route()
sys.path.insert(0, os.getcwd())
import app
app.route()
ns = {}
# a relative co_filename, resolved against the working directory
exec(compile(open("pkg/mod.py").read(), "pkg/mod.py", "exec"), ns)
ns["helper"]()
print("ready", flush=True)
time.sleep(60)
"""


def t_cold_exact_paths(py):
    """Files match by their real path, never by a name's tail: an installed
    package's flask/app.py is not the tree's app.py (gunicorn + Flask showed
    "81 functions in running code not in the tree"); a relative co_filename
    resolves against the process's working directory."""
    base = os.path.join(TMP, "exact%d" % time.monotonic_ns())
    tree, other = os.path.join(base, "tree"), os.path.join(base, "site")
    os.makedirs(os.path.join(tree, "pkg"))
    os.makedirs(os.path.join(other, "flask"))
    with open(os.path.join(tree, "app.py"), "w") as f:
        f.write("def route():\n    return 1\n\n\ndef unused_route():\n    return 2\n")
    with open(os.path.join(tree, "pkg", "mod.py"), "w") as f:
        f.write("def helper():\n    return 3\n\n\ndef unused_helper():\n    return 4\n")
    with open(os.path.join(other, "flask", "__init__.py"), "w") as f:
        f.write("")
    with open(os.path.join(other, "flask", "app.py"), "w") as f:
        f.write("import sys\n\n\ndef dispatch():\n    return len(sys.argv)\n\n\n"
                "def unused_route():\n    return 5\n\n\ndef route():\n    return 6\n")
    main = os.path.join(base, "main.py")
    with open(main, "w") as f:
        f.write(EXACT_APP)
    res = cold_on_ready([py, main, other], tree, "the app", cwd=tree)
    st = {(f["path"], f["qualname"]): f for f in res["functions"]}
    expect(st[("app.py", "route")]["status"] == "ran", st[("app.py", "route")])
    expect(st[("app.py", "unused_route")]["status"] == "never-ran",
           "the other tree's app.py was taken for this one: %s" % st[("app.py", "unused_route")])
    expect(st[("pkg/mod.py", "helper")]["status"] == "ran", "relative co_filename: %s" % st[("pkg/mod.py", "helper")])
    expect(st[("pkg/mod.py", "unused_helper")]["status"] == "never-ran", st[("pkg/mod.py", "unused_helper")])
    expect(res["running_not_in_source"] == [], "code outside --src counted: %s" % res["running_not_in_source"])


ONCE += [t_cold_exact_paths]


FLASK_APP = '''from flask import Flask

app = Flask(__name__)


def helper_a():
    return "a"


def helper_b():
    return "b"


@app.route("/a")
def view_a():
    return helper_a()


@app.route("/b")
def view_b():
    return helper_b()


@app.route("/never")
def view_never():
    return "n"
'''


def _get(port, path, n):
    import urllib.request
    for _ in range(n):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
            r.read()


def t_cold_prefork_reload(py):
    """The issue's reload trap: gunicorn (Debian's) serves Flask with 2
    workers while coldbpf --all-python --evidence records; /a and /b get 100
    requests each, a HUP replaces the workers, then only /a is asked again.
    view_b and helper_b ran a hundred times in the replaced workers: they must
    never be called never-ran."""
    import socket
    if not shutil.which("gunicorn"):
        raise AssertionError("gunicorn is missing (scripts/install-deps.sh installs it)")
    tree = os.path.join(TMP, "flask%d" % time.monotonic_ns())
    os.makedirs(tree)
    with open(os.path.join(tree, "app.py"), "w") as f:
        f.write(FLASK_APP)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    out = os.path.join(TMP, "reload.json")
    agent = subprocess.Popen([COLDBPF, "--all-python", "--evidence", "-F", "99", "-d", "60", "-o", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    pidfile = os.path.join(tree, "gunicorn.pid")
    g = None
    try:
        time.sleep(1.5)
        g = subprocess.Popen(["gunicorn", "-w", "2", "-b", "127.0.0.1:%d" % port, "--chdir", tree,
                              "-p", pidfile, "app:app"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                _get(port, "/a", 1)
                break
            except OSError:
                time.sleep(0.1)
        # forked workers (no exec) are found by the /proc rescan (every 0.5 s):
        # give it a few rescans, so that both workers are profiled before the load
        time.sleep(2)
        _get(port, "/a", 100)
        _get(port, "/b", 100)
        os.kill(g.pid, signal.SIGHUP)   # graceful reload: new workers, the old ones exit
        time.sleep(4)
        _get(port, "/a", 50)
        time.sleep(1.5)
        agent.send_signal(signal.SIGINT)    # ends the run with a final evidence read
        _, err = agent.communicate(timeout=60)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        if g:
            g.terminate()
            g.wait(timeout=30)
    expect(agent.returncode == 0, "coldbpf failed: %s" % err)
    with open(out) as f:
        prof = json.load(f)
    exited = [r for r in prof["processes"] if r["exited"] and "gunicorn" in r["cmdline"]]
    expect(len(exited) >= 2, "the replaced workers are not in the profile: %s" % prof["processes"])
    cp = run_coldbpf(["cold", "--src", tree, "--format", "json", out])
    expect(cp.returncode == 0, cp.stderr)
    cold = json.loads(cp.stdout)
    st = {f["qualname"]: f for f in cold["functions"]}
    for q in ("view_b", "helper_b"):
        expect(st[q]["status"] in ("ran", "unknown"), "%s ran 100 times before the reload, called %s" % (q, st[q]))
    for q in ("view_a", "helper_a"):
        expect(st[q]["status"] == "ran", "%s: %s" % (q, st[q]))
    expect(st["view_never"]["status"] in ("never-ran", "unknown"), "view_never: %s" % st["view_never"])
    if "exit reads are off" in err:
        # a kernel without sched_process_exit's group_dead (Linux < 6.16): exits stay unread
        print("    NOTE: exit reads unavailable on this kernel; the replaced workers' claims stay unknown")
        return
    # the replaced workers were read at their exit: what they ran is ran, and
    # what no worker ran is never-ran again
    counters = prof.get("stats", {})
    expect(cold["exited_read_at_exit"] >= 2 and cold["exited_not_read_at_exit"] == 0,
           "exit reads: %d read, %d not (%s)" % (cold["exited_read_at_exit"], cold["exited_not_read_at_exit"],
                                                 {k: v for k, v in counters.items() if "exit" in k}))
    for q in ("view_b", "helper_b"):
        expect(st[q]["status"] == "ran", "%s ran in the replaced workers, read at their exit: %s" % (q, st[q]))
    expect(st["view_never"]["status"] == "never-ran", "view_never: %s" % st["view_never"])


ONCE += [t_cold_prefork_reload]


EXIT_MAIN = """
import multiprocessing, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import work
mode = sys.argv[1]
print("ready", flush=True)
sys.stdin.readline()            # the test says when the agent has read it and watches its exit
if mode == "fork":
    pid = os.fork()
    if pid == 0:                # gone before any read of its own: read at
        work.a()                # its exit with its parent's probes
        os._exit(0)
    os.waitpid(pid, 0)
    work.b()                    # after the parent's last round
    os._exit(0)                 # no atexit, no finalizers
elif mode == "pool":            # workers run a, and are terminated (SIGTERM) at the end
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.starmap(work.a, [()] * 4)
    os._exit(0)
else:                           # monitoring switched on after the last round
    sys.setprofile(lambda *a: None)
    sys.setprofile(None)
    work.c()
    os._exit(0)
"""


def _exit_run(py, tree, mode):
    out = os.path.join(TMP, "exit-%s.json" % mode)
    agent = subprocess.Popen([COLDBPF, "--all-python", "--evidence", "-v", "-F", "99", "-d", "60", "-o", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err_lines, watched = [], threading.Event()
    p = None

    def read_err():
        for line in agent.stderr:
            err_lines.append(line)
            if (p and "exit reads: PID %d watched" % p.pid in line) or "exit reads are off" in line:
                watched.set()
    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    try:
        time.sleep(1.5)
        p = subprocess.Popen([py, os.path.join(tree, "main.py"), mode], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        expect(p.stdout.readline().strip() == "ready", "main.py did not start")
        # its first round published its exit probes (on a busy host that can
        # take seconds): only then does it fork, run and leave
        expect(watched.wait(30), "the agent did not watch main.py's exit within 30 s: %s" % "".join(err_lines)[-2000:])
        p.stdin.write("go\n")
        p.stdin.flush()
        p.wait(timeout=30)
        time.sleep(1.0)         # the exit is seen by the next /proc scan
        agent.send_signal(signal.SIGINT)
        agent.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        if p and p.poll() is None:
            p.kill()
            p.wait()
    err = "".join(err_lines)
    expect(agent.returncode == 0, err[-4000:])
    if "exit reads are off" in err:
        raise Skip("exit reads unavailable on this kernel (sched_process_exit without group_dead: Linux < 6.16)")
    with open(out) as f:
        prof = json.load(f)
    cp = run_coldbpf(["cold", "--src", tree, "--format", "json", out])
    expect(cp.returncode == 0, cp.stderr)
    return prof, json.loads(cp.stdout)


def t_cold_exit_reads(label, py, mm):
    """Processes read at their exit (a BPF program on sched_process_exit reads
    the never-ran markers a round left, in the exiting process): a process
    that runs code after its last round and leaves with os._exit, its
    forked child that leaves before any round of its own, and a
    multiprocessing pool's workers (terminated with SIGTERM), are exact; one
    that switched monitoring on after its last round is not (3.12+: RESUME
    and counters may have been reset), and leaves nothing never-ran."""
    tree = os.path.join(TMP, "exit%d" % time.monotonic_ns())
    os.makedirs(tree)
    with open(os.path.join(tree, "main.py"), "w") as f:
        f.write(EXIT_MAIN)
    with open(os.path.join(tree, "work.py"), "w") as f:
        # len: a LOAD_GLOBAL, 3.12's witness (docs/cold.md, "Soundness")
        f.write("".join("def %s():\n    x = len(%r)\n    return x\n\n\n" % (n, n) for n in
                        ("a", "b", "c", "never")))
    if is_ft(py):
        # free-threaded 3.13t leaves no markers (docs/free-threaded.md): an
        # exit read has no never-ran to make exact; what must hold is that
        # code run after the last round, in a child or a pool's workers, and
        # code never run, are not called dead
        for mode in ("fork", "pool", "monitor"):
            prof, cold = _exit_run(py, tree, mode)
            st = {f["qualname"]: f for f in cold["functions"]}
            for q in ("a", "b", "c", "never"):
                want = ("unknown",) if q == "never" else ("ran", "sampled", "unknown")
                expect(st[q]["status"] in want, "free-threaded, %s: %s is %s" % (mode, q, st[q]))
        return
    prof, cold = _exit_run(py, tree, "fork")
    st = {f["qualname"]: f for f in cold["functions"]}
    stats = prof.get("stats", {})
    expect(cold["exited_read_at_exit"] >= 1 and cold["exited_not_read_at_exit"] == 0 and
           not cold["exited_unread_processes"], "exits: %s; processes: %s; counters: %s" % (
               {k: v for k, v in cold.items() if "exit" in k},
               [{k: r.get(k) for k in ("pid", "cmdline", "exited", "unread", "evidence_final", "evidence_age")}
                for r in prof["processes"] if "main.py" in r.get("cmdline", "")],
               {k: v for k, v in stats.items() if "exit" in k or "round" in k}))
    expect(stats.get("exit_reads_children", 0) >= 1, "the child was not read at its exit: %s" %
           {k: v for k, v in stats.items() if "exit" in k})
    for q in ("a", "b"):
        expect(st[q]["status"] == "ran", "%s ran after the last round, read at the exit: %s" % (q, st[q]))
    for q in ("c", "never"):
        expect(st[q]["status"] == "never-ran", "%s: %s" % (q, st[q]))
    prof, cold = _exit_run(py, tree, "pool")
    st = {f["qualname"]: f for f in cold["functions"]}
    expect(st["a"]["status"] == "ran", "a ran in the pool's workers: %s (exits %s)" %
           (st["a"], {k: v for k, v in cold.items() if "exit" in k}))
    for q in ("b", "c", "never"):
        expect(st[q]["status"] == "never-ran", "pool: %s: %s (exits %s)" %
               (q, st[q], {k: v for k, v in cold.items() if "exit" in k}))
    prof, cold = _exit_run(py, tree, "monitor")
    st = {f["qualname"]: f for f in cold["functions"]}
    expect(st["c"]["status"] in ("ran", "unknown"), "c ran after monitoring was on: %s" % st["c"])
    if mm >= (3, 12):
        expect(st["never"]["status"] == "unknown" and cold["exited_not_read_at_exit"] >= 1,
               "monitoring after the last round: never is %s, exits %s" %
               (st["never"], {k: v for k, v in cold.items() if "exit" in k}))
    else:   # monitoring resets no marker before 3.12
        expect(st["c"]["status"] == "ran" and st["never"]["status"] == "never-ran", "3.8-3.11: %s" % st)


PER_INTERPRETER += [t_cold_exit_reads]


CHILD_PARENT = """
import multiprocessing as mp, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

def child(linger):
    import childonly            # only the child imports it
    childonly.used_in_child()
    time.sleep(linger)
    os._exit(0)                 # no atexit, no finalizers

if __name__ == "__main__":
    mp.set_start_method("fork")
    for linger in (0.0, 1.5):   # one leaves before any read, one after
        p = mp.Process(target=child, args=(linger,))
        p.start()
        p.join()
    print("ready", flush=True)
    time.sleep(60)
"""


def t_cold_short_lived_child(py):
    """A module imported only by a multiprocessing child that leaves with
    os._exit: its functions are never not-loaded or never-ran (the child may
    have run them after its last read), and what the child ran is not dead."""
    tree = os.path.join(TMP, "child%d" % time.monotonic_ns())
    os.makedirs(tree)
    with open(os.path.join(tree, "main.py"), "w") as f:
        f.write(CHILD_PARENT)
    with open(os.path.join(tree, "childonly.py"), "w") as f:
        f.write("def used_in_child():\n    return 1\n\n\ndef never_in_child():\n    return 2\n")
    out = os.path.join(TMP, "child.json")
    agent = subprocess.Popen([COLDBPF, "--all-python", "--evidence", "-F", "99", "-d", "30", "-o", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    p = None
    try:
        time.sleep(1.5)
        p = subprocess.Popen([py, os.path.join(tree, "main.py")], stdout=subprocess.PIPE, text=True)
        expect(p.stdout.readline().strip() == "ready", "main.py did not start")
        time.sleep(1.5)
        agent.send_signal(signal.SIGINT)
        _, err = agent.communicate(timeout=60)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        if p:
            p.kill()
            p.wait()
    expect(agent.returncode == 0, err)
    cp = run_coldbpf(["cold", "--src", tree, "--format", "json", out])
    expect(cp.returncode == 0, cp.stderr)
    res = json.loads(cp.stdout)
    st = {f["qualname"]: f for f in res["functions"]}
    expect(st["used_in_child"]["status"] in ("ran", "unknown"), "used_in_child: %s" % st["used_in_child"])
    expect(st["never_in_child"]["status"] == "unknown", "never_in_child: %s" % st["never_in_child"])
    expect(st["child"]["status"] in ("ran", "unknown"), "child: %s" % st["child"])


ONCE += [t_cold_short_lived_child]


DOCUTILS = "/usr/lib/python3/dist-packages/docutils"


def _defs_run_per_coverage(root, cov_json):
    """{(path, qualname, first): (kind, ran)} for every function and class of
    the files coverage.py saw: a function ran when a statement of its body
    executed, a class when its class statement did. Left out, as coverage
    cannot tell: one-line functions (it marks the line when the def runs) and
    bodies of only a docstring and pass (no line event on 3.12+)."""
    import ast
    with open(cov_json) as f:
        executed = {os.path.relpath(k, root): set(v["executed_lines"]) for k, v in json.load(f)["files"].items()
                    if k.startswith(root + "/")}
    out = {}
    for rel, lines in executed.items():
        tree = ast.parse(open(os.path.join(root, rel)).read())

        def walk(node, prefix):
            for ch in ast.iter_child_nodes(node):
                if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    q = prefix + ch.name
                    first = min([d.lineno for d in ch.decorator_list] + [ch.lineno])
                    kind = "class" if isinstance(ch, ast.ClassDef) else "function"
                    body = {b.lineno for b in ch.body}
                    if kind == "class":
                        # a class statement that executed ran its body (3.13 reports no
                        # line of a body that is only a docstring)
                        out[(rel, q, first)] = (kind, ch.lineno in lines or first in lines)
                    elif body != {ch.lineno} and not all(
                            isinstance(b, ast.Pass) or
                            (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)) for b in ch.body):
                        # (a body of only a docstring and pass has no line event on 3.12+)
                        out[(rel, q, first)] = (kind, bool(body & lines))
                    walk(ch, q + ("." if kind == "class" else ".<locals>."))
                else:
                    walk(ch, prefix)
        walk(tree, "")
    return out


def _docutils_vs_coverage(cmd, job, env, tmp, root, mm, ft=False):
    """cmd runs the interpreter (root: a chroot it runs in, else ""); job and
    tmp are paths as the target sees them."""
    data, out = os.path.join(tmp, "du.data"), os.path.join(tmp, "du.json")
    # --include at run time too: coverage 7 leaves installed packages out by default
    for c in (["run", "--data-file", data, "--include", DOCUTILS + "/*", job],
              ["json", "--data-file", data, "-o", out, "--include", DOCUTILS + "/*"]):
        cp = subprocess.run(cmd + ["-m", "coverage"] + c, env=env, capture_output=True, text=True, timeout=300,
                            cwd=None if root else TMP)
        expect(cp.returncode == 0, "coverage %s: %s" % (c[0], cp.stderr[-2000:]))
    with open(root + out) as f:     # the truth, in the host's view of the files
        cov = json.load(f)
    # coverage names files under its working directory relatively (chroot runs in /)
    cov["files"] = {root + os.path.join("/" if root else TMP, k): v for k, v in cov["files"].items()}
    with open(root + out, "w") as f:
        json.dump(cov, f)
    src = root + DOCUTILS
    truth = _defs_run_per_coverage(src, root + out)
    res = cold_on_ready(cmd + [job, "60"], src, "the docutils job", env=env)
    st = {(f["path"], f["qualname"], f["first"]): f["status"] for f in res["functions"]}
    ran = [k for k, (_, r) in truth.items() if r]
    notran = [k for k, (_, r) in truth.items() if not r]
    wrong_dead = [k for k in ran if st.get(k) in ("never-ran", "not-loaded")]
    wrong_ran = [k for k in notran if st.get(k) == "ran"]
    expect(not wrong_dead, "ran, called dead: %s" % wrong_dead[:10])
    expect(not wrong_ran, "never ran, called ran: %s" % wrong_ran[:10])
    said_ran = sum(st.get(k) in ("ran", "sampled") for k in ran)
    said_dead = sum(st.get(k) in ("never-ran", "not-loaded") for k in notran)
    unknown = sum(st.get(k) == "unknown" for k in truth)
    print("     docutils %d.%d: %d of %d that ran called ran, %d of %d that did not run called "
          "never-ran/not-loaded, %d unknown" % (mm + (said_ran, len(ran), said_dead, len(notran), unknown)),
          flush=True)
    expect(len(ran) >= 300, "coverage saw too little: %d" % len(ran))
    if ft:
        # free-threaded 3.13t: positive proof only (docs/free-threaded.md)
        dead = [k for k in truth if st.get(k) in ("never-ran", "not-loaded")]
        expect(not dead, "free-threaded: called dead: %s" % dead[:10])
        expect(said_ran > 0, "free-threaded: no live function or class proved anything of docutils")
    elif mm != (3, 12):
        expect(said_ran >= 0.95 * len(ran), "ran called ran: %d of %d" % (said_ran, len(ran)))
        expect(said_dead >= 0.95 * len(notran), "not run called dead: %d of %d" % (said_dead, len(notran)))


def t_cold_vs_coverage_docutils(label, py, mm):
    """Ground truth on a real library (Debian's python3-docutils, pure Python,
    run by every interpreter): a job renders documents and stays alive; cold
    on it against coverage.py on the same job. Nothing that ran is never-ran
    or not-loaded, nothing that did not run is ran; >= 95 % of what ran is
    ran (3.12: unknown allowed, counted), >= 95 % of what did not run is
    never-ran or not-loaded (3.12: unknown allowed)."""
    if py in CHROOTED:
        raise Skip("sid's own docutils 0.23 in its root: t_cold_vs_coverage_docutils_sid covers it")
    if not os.path.isdir(DOCUTILS):
        raise AssertionError("python3-docutils is missing (scripts/install-deps.sh installs it)")
    # Debian's pure-Python packages (docutils, coverage 6.5) on every interpreter
    env = dict(os.environ, PYTHONPATH="/usr/lib/python3/dist-packages")
    _docutils_vs_coverage([py], os.path.join(WL, "docjob", "job.py"), env, TMP, "", mm, is_ft(py))


def t_cold_vs_coverage_docutils_sid(py):
    """The same on Debian sid's python3.13, 3.14 and 3.15 in a chroot, with
    sid's own docutils and coverage.py."""
    root = debian_root("sid")
    job = in_root(root, os.path.join(WL, "docjob", "job.py"))
    for minor in (13, 14, 15):
        _docutils_vs_coverage(["chroot", root, "python3.%d" % minor], job, dict(os.environ), os.path.dirname(job),
                              root, (3, minor))


PER_INTERPRETER += [t_cold_vs_coverage_docutils]
ONCE += [t_cold_vs_coverage_docutils_sid]


DEPLOY_MAIN = '''import sys
import time
import mod

mod.kept()
print("ready", flush=True)
time.sleep(float(sys.argv[1]))
'''
DEPLOY_MOD_1 = '''def kept():
    return 1


def never_called():
    return 2


def removed_later():
    return 3
'''
# release 2: kept moved down, never_called moved, removed_later gone, new_fn new
DEPLOY_MOD_2 = '''import os


def new_fn():
    return os.getpid()


def kept():
    return 1


def never_called():
    return 2
'''


def t_cold_deploy_switch(py):
    """A deploy switches current -> releases/2 while the process started from
    releases/1 runs on, its files named through current/ (PYTHONPATH, as
    gunicorn's --pythonpath or a WSGI config give them). --src current then
    reads release 2: functions found by name on other lines are the running
    code's (version drift), a function only the new release has is unknown
    (no code object: it may run after the restart), never never-ran; one the
    new release dropped is running code not in the tree. A process that names
    its files by the resolved release (python current/app/main.py: CPython
    resolves the script's directory) runs code outside --src after the
    switch: the tree's functions are then not-loaded, never never-ran."""
    base = os.path.join(TMP, "deploy%d" % time.monotonic_ns())
    for rel, body in (("1", DEPLOY_MOD_1), ("2", DEPLOY_MOD_2)):
        os.makedirs(os.path.join(base, "releases", rel, "app"))
        with open(os.path.join(base, "releases", rel, "app", "main.py"), "w") as f:
            f.write(DEPLOY_MAIN)
        with open(os.path.join(base, "releases", rel, "app", "mod.py"), "w") as f:
            f.write(body)
    current = os.path.join(base, "current")
    os.symlink(os.path.join("releases", "1"), current)
    env = dict(os.environ, PYTHONPATH=os.path.join(current, "app"))
    p = subprocess.Popen([py, "-m", "main", "60"], stdout=subprocess.PIPE, text=True, env=env, cwd=base)
    q = subprocess.Popen([py, os.path.join(current, "app", "main.py"), "60"], stdout=subprocess.PIPE, text=True)
    try:
        expect(q.stdout.readline().strip() == "ready", "the resolved-path app did not start")
        expect(p.stdout.readline().strip() == "ready", "the app did not start")
        # the deploy: the link is replaced in one rename, as deploy tools do
        os.symlink(os.path.join("releases", "2"), current + ".new")
        os.rename(current + ".new", current)
        cp = run_coldbpf(["cold", "--src", current, "--format", "json", "-p", str(p.pid)])
        cpt = run_coldbpf(["cold", "--src", current, "-p", str(p.pid)])
        cpq = run_coldbpf(["cold", "--src", current, "--format", "json", "-p", str(q.pid)])
    finally:
        for x in (p, q):
            x.kill()
            x.wait()
    expect(cpq.returncode == 0, "cold failed: %s" % cpq.stderr)
    stq = {(f["path"], f["qualname"]): f["status"] for f in json.loads(cpq.stdout)["functions"]}
    expect(all(s == "not-loaded" for s in stq.values()), "resolved-path process, after the switch: %s" % stq)
    expect(cp.returncode == 0 and cpt.returncode == 0, "cold failed: %s %s" % (cp.stderr, cpt.stderr))
    res = json.loads(cp.stdout)
    st = {(f["path"], f["qualname"]): f["status"] for f in res["functions"]}
    expect(st.get(("app/mod.py", "kept")) == "ran", "kept, moved in release 2: %s" % st)
    expect(st.get(("app/mod.py", "never_called")) == "never-ran", "never_called, moved: %s" % st)
    expect(st.get(("app/mod.py", "new_fn")) == "unknown", "new in release 2, never loaded: %s" % st)
    expect(any("removed_later" in x for x in res["running_not_in_source"]),
           "the dropped function is not listed as running code not in the tree: %s" % res["running_not_in_source"])
    expect("removed_later" in cpt.stdout, "the text report does not show the drift: %s" % cpt.stdout[-800:])
    drift = {f["qualname"] for f in res["functions"] if f.get("drift")}
    expect(drift == {"kept", "never_called"}, "functions marked as another version's: %s" % drift)
    expect("2 function(s) matched by name on other lines" in cpt.stdout, "no drift line: %s" % cpt.stdout[-800:])
    print("     statuses %s; not in the tree: %s" % (sorted(st.items()), res["running_not_in_source"]))


ONCE += [t_cold_deploy_switch]
