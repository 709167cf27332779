"""Ground truth on real libraries from Debian packages, against coverage.py:
Flask (and Werkzeug) served by gunicorn with 2 workers, on every interpreter:
Debian 12's pure-Python packages on Debian's 3.11 and pyenv's 3.8-3.13,
Debian sid's own on sid's 3.13-3.15 in their root (tests/tools/mkroot.sh)."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from common import *  # noqa: F401,F403 - the tests' shared vocabulary
from t_deadcode import _defs_run_per_coverage

DIST = "/usr/lib/python3/dist-packages"
FLASK, WERKZEUG = os.path.join(DIST, "flask"), os.path.join(DIST, "werkzeug")
# what the test needs there, on the host and in the sid root
GT_NEEDS = ("flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "gunicorn", "coverage")

GT_APP = '''import functools

from flask import (Blueprint, Flask, abort, flash, g, get_flashed_messages, jsonify, redirect,
                   render_template_string, request, session, url_for)
from flask.views import MethodView

app = Flask(__name__)
app.secret_key = "not a secret"
admin = Blueprint("admin", __name__, url_prefix="/admin")


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        g.timed = True
        return fn(*a, **kw)
    return wrapper


@app.before_request
def before():
    g.seen = request.path


@app.after_request
def after(resp):
    resp.headers["X-Seen"] = g.get("seen", "")
    return resp


@app.route("/")
def index():
    return render_template_string("<p>{{ n }} {{ url_for('item', item_id=3) }}</p>", n=len(request.args))


@app.route("/item/<int:item_id>")
@timed
def item(item_id):
    if item_id > 100:
        abort(404)
    return jsonify(id=item_id, name="item%d" % item_id, tags=["a", "b"])


@app.route("/form", methods=["POST"])
def form():
    session["name"] = request.form.get("name", "")
    flash("saved")
    return redirect(url_for("index"))


@app.route("/me")
def me():
    return jsonify(name=session.get("name"), flashed=get_flashed_messages())


@app.errorhandler(404)
def not_found(e):
    return jsonify(error="not found"), 404


@app.route("/never")
def never_requested():
    return "never"


@app.route("/stream")
def never_streamed():
    def gen():
        yield "a"
    return app.response_class(gen())


class Things(MethodView):
    def get(self):
        return jsonify(things=[1, 2])

    def delete(self):
        return "", 204


app.add_url_rule("/things", view_func=Things.as_view("things"))


@admin.route("/")
def admin_home():
    return "admin"


@admin.route("/users")
def admin_users():
    return "users"


app.register_blueprint(admin)
'''

# the requests both runs send: (method, path, form or None, expected status)
GT_REQUESTS = [("GET", "/", None, 200), ("GET", "/?a=1&b=2", None, 200), ("GET", "/item/7", None, 200),
               ("GET", "/item/700", None, 404), ("GET", "/nowhere", None, 404), ("POST", "/form", {"name": "x"}, 200),
               ("GET", "/things", None, 200), ("GET", "/admin/", None, 200)]


def _drive(port):
    """Wait until gunicorn serves, then send GT_REQUESTS four times (the
    workers share the listening socket: either may take any), with a cookie
    jar so that /form's session is read by /me."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    base = "http://127.0.0.1:%d" % port
    for _ in range(150):
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as r:
                r.read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise AssertionError("gunicorn did not serve on port %d" % port)
    for _ in range(4):
        for method, path, form, want in GT_REQUESTS:
            data = urllib.parse.urlencode(form).encode() if form else None
            req = urllib.request.Request(base + path, data=data, method=method)
            try:
                with opener.open(req, timeout=10) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                e.read()
                status = e.code
            expect(status == want, "%s %s: %d, want %d" % (method, path, status, want))
        with opener.open(base + "/me", timeout=10) as r:
            expect(b'"x"' in r.read(), "the session did not keep the form's name")


# gunicorn's config (outside every --src): a worker says it is ready to serve,
# its app loaded, at the end of its init (gunicorn/workers/base.py, init_process)
GT_CONF = """import os


def post_worker_init(worker):
    open(os.path.join(os.environ["GT_READY"], str(worker.pid)), "w").close()
"""


def _gunicorn(cmd, base, tree, env, log, preload):
    """Start gunicorn with 2 workers; (port, master) once both workers are
    ready to serve."""
    port = free_port()
    ready = tempfile.mkdtemp(prefix="ready", dir=base)
    conf = os.path.join(base, "gunicorn.conf.py")
    with open(conf, "w") as f:
        f.write(GT_CONF)
    g = subprocess.Popen(cmd + ["-c", conf, "-w", "2", "-b", "127.0.0.1:%d" % port, "--chdir", tree] +
                         (["--preload"] if preload else []) + ["app:app"],
                         env=dict(env, GT_READY=ready), stdout=log, stderr=subprocess.STDOUT, cwd=tree)
    try:
        deadline = time.monotonic() + 30
        while len(os.listdir(ready)) < 2:
            expect(g.poll() is None and time.monotonic() < deadline, "gunicorn's 2 workers did not boot (exit %s): %s"
                   % (g.poll(), open(log.name).read()[-2000:]))
            time.sleep(0.05)
        workers = sorted(int(n) for n in os.listdir(ready))
        expect(workers == sorted(_children(g.pid)), "ready workers %s, the master's children %s" %
               (workers, _children(g.pid)))
    except BaseException:
        _stop(g)
        raise
    return port, g


def _children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(c) for c in f.read().split()]


def _stop(p, timeout=30):
    """SIGTERM to the master: a graceful shutdown; workers exit through sys.exit (atexit runs)."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _coverage_truth(py, root, base, tree, env, roots, preload):
    """Run gunicorn under coverage.py (master and forked workers each write a
    parallel data file at exit), send the requests, stop it gracefully; the
    truth {root: {(path, qualname, first): (kind, ran)}}. roots are the
    target's paths; root is the chroot py runs in ("" for none): the truth
    names the host's view of the files (root + path; the app's tree in /tmp
    is at the same path in both)."""
    cov = os.path.join(base, "cov-preload" if preload else "cov")
    os.makedirs(cov)
    rc = os.path.join(cov, "coveragerc")
    with open(rc, "w") as f:
        # source= (not include=): files no process imported are reported too, as not run
        f.write("[run]\nparallel = True\nconcurrency = thread\ndata_file = %s\nsource =\n%s\n" %
                (os.path.join(cov, ".coverage"), "".join("    %s\n" % r for r in roots)))
    log = open(os.path.join(cov, "gunicorn.log"), "w")
    port, g = _gunicorn([py, "-m", "coverage", "run", "--rcfile", rc, "-m", "gunicorn"], base, tree, env, log, preload)
    try:
        _drive(port)
        workers = _children(g.pid)
    finally:
        _stop(g)
        log.close()
    expect(g.returncode == 0, "gunicorn under coverage exited %s: %s" % (g.returncode, open(log.name).read()[-2000:]))
    parts = [n for n in os.listdir(cov) if n.startswith(".coverage.")]
    # .coverage.HOST.PID.RANDOM (coverage 6), .coverage.HOST.pidPID.XRANDOMx[.more] (7)
    pids = {int(m.group(1) or m.group(2)) for m in (re.match(r"\.coverage\.(?:.*\.pid(\d+)\.X|.*\.(\d+)\.\d+$)", n)
                                                    for n in parts) if m}
    expect(pids >= set(workers) | {g.pid}, "coverage data of master %d and workers %s missing: %s" %
           (g.pid, workers, parts))
    out = os.path.join(cov, "cov.json")
    for c in (["combine"], ["json", "-o", out]):
        cp = subprocess.run([py, "-m", "coverage"] + c + ["--rcfile", rc], env=env, capture_output=True,
                            text=True, timeout=120, cwd=cov)
        expect(cp.returncode == 0, "coverage %s: %s" % (c[0], cp.stderr[-2000:]))
    with open(out) as f:
        cj = json.load(f)
    files = cj["files"]
    expect(all(os.path.isabs(k) for k in files), "coverage named files relatively: %s" % list(files)[:5])
    if root:
        cj["files"] = {(root + k if k.startswith(DIST + "/") else k): v for k, v in files.items()}
        with open(out, "w") as f:
            json.dump(cj, f)
    return {_host(root, r): _defs_run_per_coverage(_host(root, r), out) for r in roots}


def _host(root, path):
    """The host's view of a target's path (the app's tree in /tmp is bound at
    the same path in the chroot: tests/tools/chroot-python)."""
    return root + path if path.startswith(DIST + "/") else path


def _cold(root, pids):
    """cold's report; its notes (a partial scan, ...) printed."""
    cp = run_coldbpf(["cold", "--src", root, "--format", "json", "-p", ",".join(map(str, pids))])
    expect(cp.returncode == 0, "cold --src %s failed: %s" % (root, cp.stderr))
    for line in cp.stderr.splitlines():
        print("     cold --src %s: %s" % (root, line), flush=True)
    return json.loads(cp.stdout)


def _compare(name, truth, res, mm, ft=False):
    """Print the numbers; the failures (strings) against the thresholds. On
    3.12 a definition may be unknown for want of evidence (no LOAD_GLOBAL,
    LOAD_ATTR or STORE_ATTR before its first jump: docs/cold.md, "Evidence
    per version"): those count towards neither side's wrong answers and,
    printed with their number, stand in for ran or never-ran in the 95 %
    thresholds; everywhere else unknown counts against them. A free-threaded
    3.13t (ft) leaves no markers (docs/free-threaded.md): no thresholds, but
    nothing may be never-ran or not-loaded, and live functions and classes
    must still prove some of what ran."""
    st = {(f["path"], f["qualname"], f["first"]): f for f in res["functions"]}
    ran = sorted(k for k, (_, r) in truth.items() if r)
    notran = sorted(k for k, (_, r) in truth.items() if not r)

    def status(k):
        return st[k]["status"] if k in st else "absent"

    def counts(keys):
        c = {}
        for k in keys:
            s = status(k) + (" (%s)" % st[k].get("why") if status(k) == "unknown" else "")
            c[s] = c.get(s, 0) + 1
        return ", ".join("%s %d" % kv for kv in sorted(c.items()))

    said_ran = sum(status(k) in ("ran", "sampled") for k in ran)
    said_dead = sum(status(k) in ("never-ran", "not-loaded") for k in notran)
    unk_ran = sum(status(k) == "unknown" for k in ran)
    unk_notran = sum(status(k) == "unknown" for k in notran)
    if mm == (3, 12):
        noev = [k for k in truth if status(k) == "unknown" and st[k].get("why") == "no-evidence"]
        ok_ran = said_ran + sum(truth[k][1] for k in noev)
        ok_dead = said_dead + sum(not truth[k][1] for k in noev)
    else:
        ok_ran, ok_dead = said_ran, said_dead
    print("     %s: %d definitions in coverage's truth; ran %d: %s; did not run %d: %s" %
          (name, len(truth), len(ran), counts(ran), len(notran), counts(notran)), flush=True)
    print("     %s: ran called ran/sampled %d of %d (%.1f %%); not run called never-ran/not-loaded %d of %d "
          "(%.1f %%)" % (name, said_ran, len(ran), 100.0 * said_ran / max(1, len(ran)), said_dead, len(notran),
                         100.0 * said_dead / max(1, len(notran))), flush=True)
    print("     %s: unknown: %d of the %d that ran, %d of the %d that did not run%s" %
          (name, unk_ran, len(ran), unk_notran, len(notran),
           "; with 3.12's no-evidence unknowns: %d of %d (%.1f %%) and %d of %d (%.1f %%)" %
           (ok_ran, len(ran), 100.0 * ok_ran / max(1, len(ran)), ok_dead, len(notran),
            100.0 * ok_dead / max(1, len(notran))) if mm == (3, 12) else ""), flush=True)
    unknown = ["%s:%s(%s, %s)" % (k[0], k[1], "ran" if r else "not run", st[k].get("why"))
               for k, (_, r) in sorted(truth.items()) if status(k) == "unknown"]
    if unknown:
        print("     %s: the unknowns: %s" % (name, " ".join(unknown[:40]) +
                                             (" ... (%d more)" % (len(unknown) - 40) if len(unknown) > 40 else "")),
              flush=True)
    bad = []
    absent = [k for k in truth if k not in st]
    wrong_dead = [k for k in ran if status(k) in ("never-ran", "not-loaded")]
    wrong_ran = [k for k in notran if status(k) in ("ran", "sampled")]
    if absent:
        bad.append("%s: %d definitions of the truth not in cold's inventory (a naming mismatch): %s" %
                   (name, len(absent), sorted(absent)[:10]))
    if wrong_dead:
        bad.append("%s: %d ran, called dead: %s" % (name, len(wrong_dead), [(k, status(k)) for k in wrong_dead[:10]]))
    if wrong_ran:
        bad.append("%s: %d did not run, called ran: %s" %
                   (name, len(wrong_ran), [(k, st[k]) for k in wrong_ran[:10]]))
    if ft:
        dead = [k for k in truth if status(k) in ("never-ran", "not-loaded")]
        if dead:
            bad.append("%s: free-threaded, %d called never-ran/not-loaded: %s" % (name, len(dead), dead[:10]))
        if ran and not said_ran:
            bad.append("%s: free-threaded: none of the %d that ran called ran (live functions and classes prove "
                       "some)" % (name, len(ran)))
        return bad
    if ok_ran < 0.95 * len(ran):
        bad.append("%s: ran called ran/sampled: %d of %d; the others: %s" %
                   (name, ok_ran, len(ran),
                    [(k, st.get(k)) for k in ran if status(k) not in ("ran", "sampled")][:10]))
    if ok_dead < 0.95 * len(notran):
        bad.append("%s: not run called never-ran/not-loaded: %d of %d; the others: %s" %
                   (name, ok_dead, len(notran),
                    [(k, st.get(k)) for k in notran if status(k) not in ("never-ran", "not-loaded")][:10]))
    return bad


APP_RAN = ("index", "item", "timed.<locals>.wrapper", "form", "me", "not_found", "Things.get", "admin_home")
APP_NOT_RAN = ("never_requested", "never_streamed", "never_streamed.<locals>.gen", "Things.delete", "admin_users")


def _flask_mode(py, root, kind, base, tree, env, mm, preload):
    """One gunicorn mode: the truth under coverage.py, then cold on a fresh
    gunicorn that served the same requests; the failures (strings)."""
    mode = "--preload" if preload else "default"
    roots = [FLASK, WERKZEUG, tree]
    truth = _coverage_truth(py, root, base, tree, env, roots, preload)
    flask, werkzeug = root + FLASK, root + WERKZEUG
    app_truth = {k[1]: r for k, (_, r) in truth[tree].items()}
    for q in APP_RAN:
        expect(app_truth.get(q), "%s: coverage did not see %s run in a worker: %s" % (mode, q, app_truth))
    for q in APP_NOT_RAN:
        expect(app_truth.get(q) is False, "%s: coverage saw %s run: %s" % (mode, q, app_truth))
    expect(sum(r for _, r in truth[flask].values()) >= 150, "%s: coverage saw too little of flask run" % mode)
    log = open(os.path.join(base, "gunicorn%s.log" % ("-preload" if preload else "")), "w")
    port, g = _gunicorn([py, "-m", "gunicorn"], base, tree, env, log, preload)
    try:
        _drive(port)
        pids = [g.pid] + _children(g.pid)
        expect(len(pids) == 3, "%s: gunicorn's processes: %s" % (mode, pids))
        res = {r: _cold(r, pids) for r in (flask, werkzeug, tree)}
        alive = [p for p in pids if os.path.exists("/proc/%d" % p)]
    finally:
        _stop(g)
        log.close()
    expect(alive == pids, "%s: a gunicorn process exited during the reads: %s of %s" % (mode, alive, pids))
    bad = []
    for r, name in ((flask, "flask"), (werkzeug, "werkzeug"), (tree, "app")):
        expect(res[r]["evidence_processes"] == 3, "%s %s: evidence from %s processes" %
               (mode, name, res[r]["evidence_processes"]))
        bad += _compare("%s %s %d.%d %s" % (name, kind, mm[0], mm[1], mode), truth[r], res[r], mm, is_ft(py))
    return bad


def t_cold_flask_gunicorn_vs_coverage(label, py, mm):
    """Ground truth on a web framework under its real server: Flask and
    Werkzeug (and a small app) served by gunicorn, 2 forked workers; the same
    requests under coverage.py (master and workers each write their data at
    a graceful exit) and under cold, read live from the master and both
    workers before the stop. Twice: the app imported in each worker
    (gunicorn's default) and in the master before the fork (--preload).
    Debian 12's packages (Flask 2.2, Werkzeug 2.2, gunicorn 20.1, coverage
    6.5: pure Python but for markupsafe's and coverage's C parts, built for
    3.11 only; elsewhere markupsafe falls back to Python and coverage to its
    Python tracer) on Debian's 3.11 and pyenv's 3.8-3.13 (PYTHONPATH); on
    sid's 3.13-3.15, in their root through the chroot wrapper (a mount
    namespace of their own), sid's own (Flask 3.1, Werkzeug 3.1, gunicorn
    26, coverage 7: sys.monitoring on 3.14+, its Python tracer on 3.13),
    --src the host's view of them.
    Nothing that ran is never-ran or not-loaded, nothing that did not run is
    ran; >= 95 % of what ran is ran, >= 95 % of what did not run is never-ran
    or not-loaded (3.12: unknown for want of evidence stands in, counted and
    printed). The unknowns are printed with their truth: functions deleted
    after their one call at import (werkzeug's _find_exceptions), definitions
    in branches not taken (fallbacks for missing modules, TYPE_CHECKING), and
    on 3.12 code with no witness instruction."""
    root = CHROOTED.get(py, "")
    kind = label.split()[0]
    if root:
        missing = [n for n in GT_NEEDS if not os.path.exists(os.path.join(root + DIST, n))]
        if missing:
            msg = ("the sid root %s lacks %s: `make roots` (tests/tools/mkroot.sh sid) installs gunicorn and "
                   "python3-flask there" % (root, ", ".join(missing)))
            if CI:
                raise AssertionError(msg)
            raise Skip(msg)
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
    else:
        for n in GT_NEEDS:
            expect(os.path.exists(os.path.join(DIST, n)), "%s is missing (scripts/install-deps.sh installs it)" %
                   os.path.join(DIST, n))
        # Debian 12's pure-Python packages on every interpreter (Debian's own finds them anyway)
        env = dict(os.environ, PYTHONPATH=DIST)
    # the same string hashes in every run (set and dict orders, hence code paths)
    env.update(PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    base = os.path.join(TMP, "gt-flask%d" % time.monotonic_ns())
    tree = os.path.join(base, "app")
    os.makedirs(tree)
    with open(os.path.join(tree, "app.py"), "w") as f:
        f.write(GT_APP)
    bad = []
    for preload in (False, True):
        bad += _flask_mode(py, root, kind, base, tree, env, mm, preload)
    expect(not bad, "\n".join(bad))


PER_INTERPRETER = [t_cold_flask_gunicorn_vs_coverage]
ONCE = []
