"""Lines: never-ran lines and branches inside functions that ran (docs/cold.md,
"Lines"), per interpreter, with the traps that must never give never-ran."""
import glob
import json
import os
import re
import subprocess
import sys

from common import *  # noqa: F401,F403 - the tests' shared vocabulary

LINES = os.path.join(WL, "lines")
SUBJECT = os.path.join(LINES, "subject.py")


def _marks():
    """{line: 'R' or 'N'} from subject.py's trailing markers."""
    out = {}
    for n, text in enumerate(open(SUBJECT), 1):
        m = re.search(r"#([RN])\s*$", text)
        if m:
            out[n] = m.group(1)
    return out


def _cold_lines(py, mode, fmt="json"):
    """serve.py MODE under py, read by cold --lines: the parsed JSON or the text."""
    p = subprocess.Popen([py, os.path.join(LINES, "serve.py")] + ([mode] if mode else []),
                         stdout=subprocess.PIPE, text=True)
    try:
        expect(p.stdout.readline().strip() == "READY", "serve.py %s did not start" % mode)
        cp = run_coldbpf(["cold", "--src", LINES, "--lines", "--format", fmt, "-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    expect(cp.returncode == 0, "cold --lines failed: %s" % cp.stderr)
    return json.loads(cp.stdout) if fmt == "json" else cp.stdout


def _by_function(res):
    """{qualname: {line: (status, reason)}} and {qualname: branches}."""
    lines, branches = {}, {}
    for f in res["functions"]:
        if f["path"] != "subject.py":
            continue
        if "line_status" in f:
            expect(f["status"] == "ran", "%s has lines but is %s" % (f["qualname"], f["status"]))
            lines[f["qualname"]] = {ln: (st, why) for ln, st, why in f["line_status"]}
            branches[f["qualname"]] = f["branches"]
    return lines, branches


def _sound(mm, mode, lines, branches, marks):
    """Nothing that ran is never-ran, nothing that never ran is ran: the
    never-run lines found, and those that could have been."""
    found = total = 0
    for q, ls in lines.items():
        for ln, (st, why) in ls.items():
            want = marks.get(ln)
            expect(not (st == "never-ran" and want == "R"),
                   "%s %s: %s line %d ran, but is never-ran (%s)" % (mm, mode, q, ln, why))
            expect(not (st == "ran" and want == "N"),
                   "%s %s: %s line %d never ran, but is ran (%s)" % (mm, mode, q, ln, why))
            expect(why != "inconsistent", "%s %s: %s line %d inconsistent" % (mm, mode, q, ln))
            if want == "N":
                total += 1
                found += st == "never-ran"
        for b in branches.get(q, []):
            expect(marks.get(b["line"]) == "R", "%s %s: %s: branch at %d, a line that never ran" %
                   (mm, mode, q, b["line"]))
            expect(marks.get(b["to"]) != "R", "%s %s: %s: branch at %d never taken to %d, which ran" %
                   (mm, mode, q, b["line"], b["to"]))
    return found, total


def t_lines(label, py, mm):
    """cold --lines per version: never-ran lines and branches of hand-made
    functions with known runs (3.12+: most found, none wrong), a LOAD_ATTR
    driven through a failed re-specialization (ran), cProfile and settrace
    switched on and off (instrumented code: nothing never-ran), 3.11 positive
    only (a function run 3 times stays below warm-up), 3.8-3.10 no lines."""
    marks = _marks()
    res = _cold_lines(py, "three" if mm == (3, 11) else "")
    lines, branches = _by_function(res)
    status = {f["qualname"]: f["status"] for f in res["functions"] if f["path"] == "subject.py"}
    # function level: a generator suspended at its first yield, and a function
    # that raised before its first LOAD_GLOBAL / LOAD_ATTR, ran (3.12's witness
    # rule once called the generator never-ran)
    for q in ("suspended", "unbound", "branchy"):
        expect(status.get(q) in ("ran", "unknown"), "%s: %s is %s, it ran" % (mm, q, status.get(q)))
    if is_ft(py):
        # free-threaded 3.13t: no specialization, so no cache or counter is
        # ever written: no line evidence (docs/free-threaded.md)
        dead = {q: [ln for ln, (st, _) in ls.items() if st == "never-ran"] for q, ls in lines.items()}
        expect(not any(dead.values()) and not any(branches.values()),
               "free-threaded: never-ran lines %s, branches %s" % (dead, branches))
        expect(not [q for q, st in status.items() if st in ("never-ran", "not-loaded")],
               "free-threaded: functions called dead: %s" % status)
        return
    if mm < (3, 11):
        expect(not lines, "%s: line statuses on a version without caches: %s" % (mm, sorted(lines)))
        return
    expect({"branchy", "loops", "guarded", "poly", "Box.add"} <= set(lines),
           "%s: functions that ran have no lines: %s" % (mm, sorted(lines)))
    found, total = _sound(mm, "plain", lines, branches, marks)
    print("     %s plain: %d of %d never-run lines of functions that ran found never-ran; %d branches"
          % (label.split()[1], found, total, sum(len(b) for b in branches.values())))
    # the re-specialization trap: every line of poly ran
    for ln, (st, why) in lines["poly"].items():
        expect(st != "never-ran", "%s: poly line %d is never-ran after a failed re-specialization" % (mm, ln))
    if mm == (3, 11):
        expect(found == 0, "3.11 claims never-ran lines")
        expect(any(st == "ran" for st, _ in lines["branchy"].values()), "3.11: no ran line in branchy")
        expect(all(st != "never-ran" and (st == "ran" or why in ("pre-quickening", "positive-only"))
                   for st, why in lines.get("three_times", {}).values()),
               "3.11: three_times (3 runs, below warm-up): %s" % lines.get("three_times"))
        return
    expect(total >= 15 and found * 10 >= total * 6, "%s: only %d of %d never-run lines found" % (mm, found, total))
    by_line = {(q, b["line"]): b for q, bs in branches.items() for b in bs}
    expect(("branchy", 26) in by_line, "%s: branchy's untaken `if x > 100` side not reported: %s" %
           (mm, branches.get("branchy")))
    text = _cold_lines(py, "", "text")
    expect(re.search(r"subject\.py:27-29\s+branchy\s+block-untouched", text),
           "%s: the text lists no never-ran block subject.py:27-29 of branchy:\n%s" % (mm, text))
    # the HTML view marks them
    p = subprocess.Popen([py, os.path.join(LINES, "serve.py")], stdout=subprocess.PIPE, text=True)
    out = os.path.join(TMP, "lines-html-%d%d" % mm)
    try:
        expect(p.stdout.readline().strip() == "READY", "serve.py did not start")
        cp = run_coldbpf(["html", "--src", LINES, "--lines", "-o", out, "-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    expect(cp.returncode == 0, "html --lines: %s" % cp.stderr)
    page = open(os.path.join(out, "subject.py.html")).read()
    expect('<tr id="L28" class="deadline">' in page and '<tr id="L25">' in page,
           "%s: the HTML does not mark branchy's never-ran line 28 alone" % (mm,))
    tsv = _cold_lines(py, "", "tsv").splitlines()
    expect(tsv[0] == "status\tpath\tqualname\tline\treason", "tsv header: %s" % tsv[0])
    expect("never-ran\tsubject.py\tbranchy\t28\tblock-untouched" in tsv, "tsv has no never-ran row for line 28")
    for mode, hit, untouched in (("cprofile", ("branchy", "uses_box"), "guarded"),
                                 ("settrace", ("loops", "guarded"), "branchy")):
        res = _cold_lines(py, mode)
        status = {f["qualname"]: f["status"] for f in res["functions"] if f["path"] == "subject.py"}
        lines, branches = _by_function(res)
        _sound(mm, mode, lines, branches, marks)
        for q in hit:
            # instrumented, then de-instrumented: the warm-up counters are
            # back. The function may be unknown (3.13+: RESUME is back too);
            # if it is ran, no line of it is never-ran
            ls = lines.get(q, {})
            expect(status.get(q) in ("ran", "unknown"), "%s %s: %s is %s" % (mm, mode, q, status.get(q)))
            expect(all(st != "never-ran" for st, _ in ls.values()),
                   "%s %s: %s was instrumented and de-instrumented, yet has never-ran lines: %s" %
                   (mm, mode, q, ls))
            expect(not ls or any(why == "instrumented" for _, why in ls.values()),
                   "%s %s: %s: no line says instrumented: %s" % (mm, mode, q, ls))
        # code monitoring never touched keeps its evidence
        expect(any(st == "never-ran" for st, _ in lines.get(untouched, {}).values()),
               "%s %s: %s, never instrumented, lost its never-ran lines: %s" % (mm, mode, untouched,
                                                                                lines.get(untouched)))


PER_INTERPRETER = [t_lines]
ONCE = []


DOCUTILS = "/usr/lib/python3/dist-packages/docutils"


def _lines_vs_coverage(cmd, job, env, tmp, root, mm):
    """coverage.py's line data of the docutils job against cold --lines on a
    separate run of it: no line coverage saw executing is never-ran; the
    share of lines it saw not executing, inside functions that ran, that
    cold proves never-ran. cmd runs the interpreter (root: its chroot)."""
    data, out = os.path.join(tmp, "dul.data"), os.path.join(tmp, "dul.json")
    for c in (["run", "--data-file", data, "--include", DOCUTILS + "/*", job],
              ["json", "--data-file", data, "-o", out, "--include", DOCUTILS + "/*"]):
        cp = subprocess.run(cmd + ["-m", "coverage"] + c, env=env, capture_output=True, text=True, timeout=300,
                            cwd=None if root else TMP)
        expect(cp.returncode == 0, "coverage %s: %s" % (c[0], cp.stderr[-2000:]))
    with open(root + out) as f:
        cov = json.load(f)["files"]
    base = "/" if root else TMP
    cov = {os.path.relpath(os.path.join(base, k), DOCUTILS): v for k, v in cov.items()}
    src = root + DOCUTILS
    p = subprocess.Popen(cmd + [job, "60"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        expect(p.stdout.readline().strip() == "ready", "the docutils job did not start")
        cp = run_coldbpf(["cold", "--src", src, "--lines", "--format", "json", "-p", str(p.pid)], timeout=300)
    finally:
        p.kill()
        p.wait()
    expect(cp.returncode == 0, "cold --lines failed: %s" % cp.stderr)
    res = json.loads(cp.stdout)
    wrong, wrong_ran, proven, missing, ran_ok, executed, funcs = [], [], 0, 0, 0, 0, 0
    for f in res["functions"]:
        c = cov.get(f["path"])
        if "line_status" not in f or not c:
            continue
        funcs += 1
        ex, miss = set(c["executed_lines"]), set(c["missing_lines"])
        for ln, st, why in f["line_status"]:
            if ln in ex:
                executed += 1
                ran_ok += st == "ran"
                if st == "never-ran":
                    wrong.append("%s:%d %s (%s)" % (f["path"], ln, f["qualname"], why))
            elif ln in miss:
                missing += 1
                proven += st == "never-ran"
                if st == "ran":
                    wrong_ran.append("%s:%d %s (%s)" % (f["path"], ln, f["qualname"], why))
    print("     docutils %d.%d lines: %d functions that ran; of %d lines coverage saw executing, %d ran, "
          "0 never-ran expected (%d); of %d it saw not executing, %d (%.0f %%) never-ran"
          % (mm + (funcs, executed, ran_ok, len(wrong), missing, proven, 100.0 * proven / max(missing, 1))),
          flush=True)
    expect(not wrong, "%d lines coverage saw executing are never-ran: %s" % (len(wrong), wrong[:10]))
    expect(not wrong_ran, "%d lines coverage saw not executing are ran: %s" % (len(wrong_ran), wrong_ran[:10]))
    if is_ft(cmd[0]):
        # free-threaded 3.13t: no line evidence (docs/free-threaded.md)
        expect(proven == 0, "free-threaded: %d lines called never-ran" % proven)
        return proven, missing
    expect(funcs >= 200 and missing >= 200, "too little to compare: %d functions, %d lines" % (funcs, missing))
    return proven, missing


def t_lines_vs_coverage_docutils(label, py, mm):
    """Ground truth for lines on a real library (Debian's python3-docutils):
    coverage.py's line data from one run of a job, cold --lines on another.
    No line coverage saw executing is never-ran; at least 60 % of the lines
    it saw not executing inside functions that ran are proven never-ran.
    Free-threaded 3.13t writes no inline cache (no specialization): no line
    may be called never-ran there (docs/free-threaded.md)."""
    if mm < (3, 12) or py in CHROOTED:
        raise Skip("lines need 3.12+; sid's interpreters: t_lines_vs_coverage_docutils_sid")
    if not os.path.isdir(DOCUTILS):
        raise AssertionError("python3-docutils is missing (scripts/install-deps.sh installs it)")
    env = dict(os.environ, PYTHONPATH="/usr/lib/python3/dist-packages")
    proven, missing = _lines_vs_coverage([py], os.path.join(WL, "docjob", "job.py"), env, TMP, "", mm)
    if is_ft(py):
        return
    expect(proven * 10 >= missing * 6, "only %d of %d not-executed lines proven never-ran" % (proven, missing))


PER_INTERPRETER += [t_lines_vs_coverage_docutils]


def t_lines_vs_coverage_docutils_sid(py):
    """The same on Debian sid's python3.13, 3.14 and 3.15 in a chroot, with
    sid's own docutils and coverage.py."""
    root = debian_root("sid")
    job = in_root(root, os.path.join(WL, "docjob", "job.py"))
    for minor in (13, 14, 15):
        proven, missing = _lines_vs_coverage(["chroot", root, "python3.%d" % minor], job, dict(os.environ),
                                             os.path.dirname(job), root, (3, minor))
        expect(proven * 10 >= missing * 6, "3.%d: only %d of %d not-executed lines proven never-ran" %
               (minor, proven, missing))


ONCE += [t_lines_vs_coverage_docutils_sid]


def t_lines_profiles(py):
    """--evidence-lines saves per-line statuses in the profile: cold --lines on
    the file gives the live answer; a profile from plain --evidence, alone or
    beside it, gives no never-ran line; a corrupt "lines" is refused."""
    if tuple(int(x) for x in py_version(py).split(".")[:2]) < (3, 12):     # the suite's first interpreter may be 3.11: take a 3.12+ one
        newer = sorted(glob.glob(os.path.join(pyenv_root(), "versions", "3.1[2-9].*", "bin", "python3.1[2-9]")))
        expect(newer, "no CPython 3.12+ under pyenv for the line evidence")
        py = newer[-1]
    p = subprocess.Popen([py, os.path.join(LINES, "serve.py")], stdout=subprocess.PIPE, text=True)
    try:
        expect(p.stdout.readline().strip() == "READY", "serve.py did not start")
        _, pl = profile(["--evidence-lines", "-F", "99", "-d", "1.5", "-p", str(p.pid)])
        _, pe = profile(["--evidence", "-F", "99", "-d", "1.5", "-p", str(p.pid)])
        cp = run_coldbpf(["cold", "--src", LINES, "--lines", "--format", "json", "-p", str(p.pid)])
    finally:
        p.kill()
        p.wait()
    expect(cp.returncode == 0, cp.stderr)
    live, _ = _by_function(json.loads(cp.stdout))
    files = sorted(glob.glob(os.path.join(TMP, "p*.json")), key=os.path.getmtime)[-2:]
    expect(any("lines" in e for e in pl["evidence"]), "no lines in a --evidence-lines profile")
    expect(not any("lines" in e for e in pe["evidence"]), "lines in a plain --evidence profile")

    def offline(args):
        c = run_coldbpf(["cold", "--src", LINES, "--lines", "--format", "json"] + args)
        expect(c.returncode == 0, c.stderr)
        return _by_function(json.loads(c.stdout))[0]
    saved = offline([files[0]])
    never = lambda ls: {(q, ln) for q, m in ls.items() for ln, (st, _) in m.items() if st == "never-ran"}
    expect(never(saved) == never(live) and never(live), "offline never-ran lines %s, live %s" %
           (sorted(never(saved)), sorted(never(live))))
    expect(not never(offline([files[1]])), "never-ran lines from a profile without line evidence")
    expect(not never(offline(files)), "never-ran lines where one profile has no line evidence")
    bad = os.path.join(TMP, "badlines.json")
    for e in pl["evidence"]:
        if "lines" in e:
            e["lines"][0][1] = [[5, 2, 3], [4, 2, 3]]   # lines must increase
    with open(bad, "w") as f:
        json.dump(pl, f)
    c = run_coldbpf(["cold", "--src", LINES, "--lines", bad])
    expect(c.returncode == 1 and "\"lines\" is malformed" in c.stderr, c.stderr)


ONCE += [t_lines_profiles]


def t_opcache_tables(interps):
    """The committed opcode table (user/cpython/opcache_table.h) equals what every
    installed 3.11+ interpreter gives, and each one's live check passes: its whole
    stdlib compiled and never run holds exactly the table's initial caches, jump
    targets agree with dis, a function run once has every counter touched."""
    specs = []
    for _, py, mm in interps:
        # not a free-threaded 3.13t: it never specializes, its caches are
        # never read (no line evidence there: docs/free-threaded.md), and its
        # in-tree build has no installed headers for the generator
        if mm >= (3, 11) and not is_ft(py):
            specs.append("chroot:%s:python%d.%d" % (CHROOTED[py], mm[0], mm[1]) if py in CHROOTED else py)
    cp = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-opcache.py"), "--check"] + specs,
                        capture_output=True, text=True, timeout=600)
    for line in cp.stdout.splitlines():
        print("     " + line)
    expect(cp.returncode == 0, "opcode table differs or its live check failed:\n%s%s" % (cp.stdout, cp.stderr))
    expect(cp.stdout.count("0 problems; same") == len(specs), "not every interpreter was checked")


NO_BPF = [t_opcache_tables]


def t_lines_vs_coverage_generated(label, py, mm):
    """Ground truth on generated code (tests/workloads/lines/genprog.py: 300
    random functions per seed with nested branches, loops with break and
    continue, try/except/finally, with, early returns, raises, generators left
    suspended, comprehensions), called with seeded arguments: coverage.py's line
    data of one run against cold --lines on another. No line coverage saw
    executing is never-ran; none at all on free-threaded 3.13t (no line
    evidence there: docs/free-threaded.md)."""
    if mm < (3, 12):
        raise Skip("lines need 3.12+")
    env = dict(os.environ, PYTHONPATH="/usr/lib/python3/dist-packages")
    # more seeds: COLDBPF_GENPROG_SEEDS=3,4,5
    for seed in [int(x) for x in os.environ.get("COLDBPF_GENPROG_SEEDS", "1,2").split(",")]:
        d = os.path.join(TMP, "genprog-%d-%d%d" % (seed, mm[0], mm[1]))
        os.makedirs(d, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(LINES, "genprog.py"), str(seed), "300", d], check=True)
        job, data, out = os.path.join(d, "gen_job.py"), os.path.join(d, "cov.data"), os.path.join(d, "cov.json")
        for c in (["run", "--data-file", data, "--include", d + "/gen_mod.py", job],
                  ["json", "--data-file", data, "-o", out, "--include", d + "/gen_mod.py"]):
            cp = subprocess.run([py, "-m", "coverage"] + c, env=env, capture_output=True, text=True, timeout=300,
                                cwd=d)
            expect(cp.returncode == 0, "coverage %s: %s" % (c[0], cp.stderr[-2000:]))
        cov = [v for k, v in json.load(open(out))["files"].items() if k.endswith("gen_mod.py")]
        expect(len(cov) == 1, "coverage saw no gen_mod.py")
        ex, miss = set(cov[0]["executed_lines"]), set(cov[0]["missing_lines"])
        p = subprocess.Popen([py, job, "60"], stdout=subprocess.PIPE, text=True, env=env)
        try:
            expect(p.stdout.readline().strip() == "ready", "the generated job did not start")
            cp = run_coldbpf(["cold", "--src", d, "--lines", "--format", "json", "-p", str(p.pid)])
        finally:
            p.kill()
            p.wait()
        expect(cp.returncode == 0, cp.stderr)
        wrong, wrong_ran, proven, missing, funcs = [], [], 0, 0, 0
        for f in json.loads(cp.stdout)["functions"]:
            if f["path"] != "gen_mod.py" or "line_status" not in f:
                continue
            funcs += 1
            for ln, st, why in f["line_status"]:
                if ln in ex and st == "never-ran":
                    wrong.append("%s line %d (%s)" % (f["qualname"], ln, why))
                elif ln in miss:
                    missing += 1
                    proven += st == "never-ran"
                    if st == "ran":
                        wrong_ran.append("%s line %d (%s)" % (f["qualname"], ln, why))
        print("     generated seed %d on %d.%d: %d functions that ran; %d lines coverage saw not executing, %d "
              "(%.0f %%) never-ran; %d executed lines called never-ran, %d not executed called ran" %
              (seed, mm[0], mm[1], funcs, missing, proven, 100.0 * proven / max(missing, 1), len(wrong),
               len(wrong_ran)), flush=True)
        expect(not wrong, "seed %d: lines coverage saw executing are never-ran: %s" % (seed, wrong[:10]))
        expect(not wrong_ran, "seed %d: lines coverage saw not executing are ran: %s" % (seed, wrong_ran[:10]))
        if is_ft(py):
            expect(proven == 0, "free-threaded: %d lines called never-ran" % proven)
            continue
        expect(funcs >= 100 and missing >= 100, "too little to compare: %d functions, %d lines" % (funcs, missing))


PER_INTERPRETER += [t_lines_vs_coverage_generated]
