"""A CPython newer than tested (issue 11, item 3): a copy of Debian sid's
python3.15 whose _Py_DebugOffsets says 3.16.0 final is sampled best-effort,
with shares right and no never-ran; forged tables are refused."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from common import *  # noqa: F401,F403 - the tests' shared vocabulary

FUTURE_HEX = 0x031000f0     # 3.16.0 final
WARNING = "is newer than the versions coldbpf was tested with"


def _future_copies(d):
    """Copies of sid's python3.15 in d (under /tmp: the chroot sees the same
    path), patched in _Py_DebugOffsets: {name: path}. 'ok' says 3.16.0 final;
    the others are 3.16.0 too, with one thing forged."""
    root = os.environ.get("COLDBPF_ROOTS", "/var/cache/coldbpf/roots") + "/sid"
    src = os.path.join(root, "usr", "bin", "python3.15")
    if not os.path.exists(os.path.join(root, ".complete")) or not os.path.exists(src):
        expect(not CI, "no sid root with python3.15 under CI")
        raise Skip("no Debian sid root with python3.15 (tests/tools/mkroot.sh sid)")
    sec = subprocess.run(["readelf", "-S", "-W", src], capture_output=True, text=True, check=True).stdout
    m = re.search(r"\.PyRuntime\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)", sec)
    expect(m, "no .PyRuntime section in %s" % src)
    off = int(m.group(1), 16)
    # positions in 3.15's table (Include/internal/pycore_debug_offsets.h of 3.15.2)
    forged = {
        "ok": {},
        # interpreter_state.threads_head 8 bytes early (next_unique_id): the
        # table cannot tell, the live check does
        "threads": {72: -8},
        # thread_state.current_frame by 8: onto base_frame
        "frame": {208: 8},
        # code_object.size smaller than co_code_adaptive's offset
        "codesize": {376: None},
    }
    out = {}
    for name, patch in forged.items():
        path = os.path.join(d, "python3.16-%s" % name)
        shutil.copy2(src, path)
        with open(path, "r+b") as f:
            f.seek(off)
            head = f.read(896)
            expect(head[:8] == b"xdebugpy" and int.from_bytes(head[8:16], "little") >> 16 == 0x030f,
                   "%s: not a 3.15 _Py_DebugOffsets" % src)
            f.seek(off + 8)
            f.write(FUTURE_HEX.to_bytes(8, "little"))
            for pos, delta in patch.items():
                v = int.from_bytes(head[pos:pos + 8], "little")
                v = 200 if delta is None else v + delta
                f.seek(off + pos)
                f.write(v.to_bytes(8, "little"))
        wrapper = path + ".sh"
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec %s %s %s \"$@\"\n" %
                    (os.path.join(ROOT, "tests", "tools", "chroot-python"), root, path))
        os.chmod(wrapper, 0o755)
        out[name] = wrapper
    return out


def t_future_version(py):
    """3.16.0 final (a patched copy of sid's 3.15): sampled best-effort with one
    warning, marked in the profile and the report, shares within 3 points of
    the process's own thread CPU time, and `cold` calls nothing never-ran or
    not-loaded. Forged tables (threads_head moved by 8, current_frame moved
    by 8, a code object size below an offset used, pyenv's 3.13 table saying
    3.16) are refused naming the failed check, exit 1, no crash."""
    d = tempfile.mkdtemp(prefix="coldbpf-future-", dir="/tmp")
    try:
        fut = _future_copies(d)
        src = os.path.join(d, "src")
        os.makedirs(src)
        script = os.path.join(src, "ratio.py")
        shutil.copy2(os.path.join(WL, "ratio.py"), script)
        truth_file = os.path.join(d, "truth.json")
        out = os.path.join(d, "future.json")
        cp = run_coldbpf(["-F", "999", "--evidence", "-o", out, "--", fut["ok"], script, "4", truth_file],
                         timeout=120)
        expect(cp.returncode == 0, "coldbpf failed (%d): %s" % (cp.returncode, cp.stderr))
        with open(out) as f:
            prof = json.load(f)
        with open(truth_file) as f:
            tr = json.load(f)
        warn = [ln for ln in cp.stderr.splitlines() if WARNING in ln]
        expect(len(warn) == 1 and "CPython 3.16.0" in warn[0] and "best-effort" in warn[0],
               "want one best-effort warning: %s" % cp.stderr)
        procs = [p for p in prof["processes"] if p["python"].startswith("3.16")]
        expect(len(procs) == 1, "want the 3.16 process: %s" % prof["processes"])
        p = procs[0]
        expect(p["python"] == "3.16.0" and p.get("best_effort") is True and
               p["version_method"] == "debug-offsets-untested", "process entry: %s" % p)
        expect(re.search(r"^\s+%d\s+3\.16\.0 .*\[best-effort: newer than tested\]" % p["pid"], cp.stdout, re.M),
               "the report does not mark it:\n%s" % cp.stdout)
        idx = {n: func_index(prof, n, "ratio.py") for n in ("work_a", "work_b", "work_c")}
        expect(all(i is not None for i in idx.values()), "functions missing: %s" % idx)
        counts = {n: self_samples(prof, i) for n, i in idx.items()}
        total = sum(counts.values())
        expect(total >= 1500, "too few samples: %s" % counts)
        for n in idx:
            share = 100.0 * counts[n] / total
            want = 100.0 * tr[n] / sum(tr.values())
            expect(abs(share - want) <= 3, "%s self share %.1f%%, in-process truth %.1f%% +-3 (%s)" %
                   (n, share, want, counts))
        expect(not in_stacks(prof, "work_never"), "work_never ran?")
        # no evidence from it: nothing never-ran, nothing not-loaded
        cc = run_coldbpf(["cold", "--src", src, "--format", "json", out])
        expect(cc.returncode == 0, "cold failed: %s" % cc.stderr)
        res = json.loads(cc.stdout)
        st = {f["qualname"]: f["status"] for f in res["functions"]}
        expect(st.get("work_never") == "unknown", "work_never is %s: %s" % (st.get("work_never"), st))
        for n in ("work_a", "work_b", "work_c"):
            expect(st.get(n) in ("sampled", "ran"), "%s is %s" % (n, st.get(n)))
        expect(not [q for q, s in st.items() if s in ("never-ran", "not-loaded")], "claims without evidence: %s" % st)
        expect("newer than coldbpf was tested with" in cc.stderr, "cold does not say why: %s" % cc.stderr)

        # forged tables: refused, the check named, exit 1
        want = {"threads": r"fails the live check .*threads_head",
                "frame": r"thread_state offsets overlap",
                "codesize": r"outside the size its section states"}
        for name, pattern in want.items():
            t = subprocess.Popen([fut[name], "-c", "import time\nwhile True: time.sleep(0.05)"])
            try:
                time.sleep(0.5)
                expect(t.poll() is None, "%s: the patched interpreter did not run" % name)
                # the wrapper execs down to the interpreter: its PID is ours
                cr = run_coldbpf(["-d", "1", "-o", os.path.join(d, "x.json"), "-p", str(t.pid)], timeout=60)
            finally:
                t.kill()
                t.wait()
            expect(cr.returncode == 1, "%s: exit %d, want 1: %s" % (name, cr.returncode, cr.stderr))
            expect(re.search(pattern, cr.stderr), "%s: want /%s/: %s" % (name, pattern, cr.stderr))
            expect(len(cr.stderr.strip().splitlines()) == 1, "%s: one line: %s" % (name, cr.stderr))
            expect(WARNING not in cr.stderr, "%s: warned as if accepted" % name)

        # --all-python: the forged one listed as skipped, the good one profiled
        ts = [subprocess.Popen([fut["ok"], "-c", "while True: sum(range(100000))"]),
              subprocess.Popen([fut["threads"], "-c", "import time\nwhile True: time.sleep(0.05)"])]
        try:
            time.sleep(0.5)
            ca, pa = profile(["-d", "1.5", "--all-python"])
        finally:
            for t in ts:
                t.kill()
                t.wait()
        skipped = {s["pid"]: s for s in pa["skipped"]}
        expect(ts[1].pid in skipped and "fails the live check" in skipped[ts[1].pid]["reason"],
               "the forged process is not listed as refused: %s" % pa["skipped"])
        expect(proc_entry(pa, ts[1].pid) is None, "the forged process was profiled")
        good = proc_entry(pa, ts[0].pid)
        expect(good and good.get("best_effort") is True and good["samples"] > 0,
               "the good one under --all-python: %s" % good)
        expect(re.search(r"^\s+%d .*fails the live check" % ts[1].pid, ca.stdout, re.M),
               "summary lacks the refused PID:\n%s" % ca.stdout)

        # another version's table saying 3.16 (pyenv's libpython3.13: its
        # _Py_DebugOffsets has 3.13's layout, read at 3.15's positions)
        base = sorted(glob.glob(os.path.join(pyenv_root(), "versions", "3.13.*")))
        expect(base, "needs a pyenv 3.13")
        lib = os.path.join(d, "libpython3.13.so.1.0")
        shutil.copy2(os.path.join(base[0], "lib", "libpython3.13.so.1.0"), lib)
        sec = subprocess.run(["readelf", "-S", "-W", lib], capture_output=True, text=True, check=True).stdout
        off = int(re.search(r"\.PyRuntime\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)", sec).group(1), 16)
        with open(lib, "r+b") as f:
            f.seek(off + 8)
            f.write(FUTURE_HEX.to_bytes(8, "little"))
        t = subprocess.Popen([os.path.join(base[0], "bin", "python3.13"), "-c", "import time; time.sleep(30)"],
                             env=dict(os.environ, LD_LIBRARY_PATH=d, PYTHONHOME=base[0]))
        try:
            time.sleep(0.5)
            with open("/proc/%d/maps" % t.pid) as f:
                expect(lib in f.read(), "the patched libpython is not the one mapped")
            cr = run_coldbpf(["-d", "1", "-o", os.path.join(d, "x.json"), "-p", str(t.pid)], timeout=60)
        finally:
            t.kill()
            t.wait()
        expect(cr.returncode == 1 and re.search(r"CPython 3\.16 is newer than coldbpf knows and its "
                                                r"_Py_DebugOffsets, read as 3\.15's, fails a check", cr.stderr),
               "3.13's table as 3.16: exit %d: %s" % (cr.returncode, cr.stderr))
    finally:
        shutil.rmtree(d, ignore_errors=True)


ONCE = [t_future_version]
