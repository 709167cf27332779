#!/usr/bin/python3
"""coldbpf integration tests: load the real BPF sampler and profile real
CPython processes, on every installed interpreter.

Interpreters: $COLDBPF_PYTHONS (colon-separated paths) or, by default,
Debian's /usr/bin/python3.11 and every pyenv CPython 3.8+ under $PYENV_ROOT.
BPF tests skip only when coldbpf lacks BPF privileges altogether and $CI is
unset, and say so loudly; a program that fails to load fails them, as does
any failure under CI. The tests live in t_*.py (helpers: common.py). Ends
with the line 'N passed, N failed, N skipped'.
"""
import shutil
import sys
import time
import traceback

from common import CI, TMP, Skip, bpf_check, discover_interpreters, failures, results
import t_deadcode
import t_future
import t_gc
import t_groundtruth
import t_hardening
import t_imports
import t_lines
import t_period
import t_pprof
import t_sampling
import t_serve
import t_usdt
import t_usdtleak

# one list per kind, in the order they run; a module per area (t_*.py)
PER_INTERPRETER = (t_sampling.PER_INTERPRETER + t_deadcode.PER_INTERPRETER + t_groundtruth.PER_INTERPRETER +
                   t_usdt.PER_INTERPRETER + t_gc.PER_INTERPRETER + t_lines.PER_INTERPRETER)
ONCE = (t_sampling.ONCE + t_deadcode.ONCE + t_hardening.ONCE + t_groundtruth.ONCE + t_pprof.ONCE +
        t_serve.ONCE + t_usdt.ONCE + t_usdtleak.ONCE + t_imports.ONCE + t_gc.ONCE + t_lines.ONCE + t_period.ONCE +
        t_future.ONCE)
NO_BPF = t_sampling.NO_BPF + t_lines.NO_BPF

# --- driver ----------------------------------------------------------------------

def run_test(name, fn, *args):
    t0 = time.monotonic()
    try:
        fn(*args)
    except Skip as e:
        results["skipped"] += 1
        print("SKIP %-40s %s" % (name, e), flush=True)
        return
    except Exception as e:  # noqa: BLE001 - a test failure of any kind
        results["failed"] += 1
        failures.append(name)
        print("FAIL %-40s %.1fs\n     %s" % (name, time.monotonic() - t0,
                                         str(e).replace("\n", "\n     ")), flush=True)
        if not isinstance(e, AssertionError):
            traceback.print_exc()
        return
    results["passed"] += 1
    print("ok   %-40s %.1fs" % (name, time.monotonic() - t0), flush=True)


def main():
    only = sys.argv[1:]
    interps = discover_interpreters()
    if not interps:
        print("no CPython interpreters found: set COLDBPF_PYTHONS")
        return 1
    for fn in NO_BPF:
        if not only or any(o in fn.__name__ for o in only):
            run_test(fn.__name__, fn, interps)
    why, may_skip = bpf_check()
    if why:
        if CI or not may_skip:
            print("FAIL: BPF does not work%s: %s" % (" under CI" if CI else "", why))
            print("%d passed, %d failed" % (results["passed"], results["failed"] + 1))
            return 1
        print("!" * 72)
        print("!! SKIPPING every BPF integration test: no BPF privileges here:")
        print("!!   %s" % why)
        print("!! (under CI this is a failure)")
        print("!" * 72)
        n = len(interps) * len(PER_INTERPRETER) + len(ONCE)
        print("%d passed, %d failed, %d skipped" % (results["passed"], results["failed"], n))
        return 1 if results["failed"] else 0
    print("interpreters under test:")
    for label, _, _ in interps:
        print("  %s" % label)
    tested = set()
    for label, py, mm in interps:
        print("== %s" % label, flush=True)
        for fn in PER_INTERPRETER:
            name = "%s[%d.%d:%s]" % (fn.__name__, mm[0], mm[1], label.split()[0])
            if only and not any(o in name for o in only):
                continue
            run_test(name, fn, label, py, mm)
            tested.add(py)
    main_py = interps[0][1]
    print("== once (with %s)" % main_py, flush=True)
    for fn in ONCE:
        if only and not any(o in fn.__name__ for o in only):
            continue
        run_test(fn.__name__, fn, main_py)
    missing = [label for label, py, _ in interps if py not in tested]
    if missing and not only:
        results["failed"] += 1
        print("FAIL interpreters not exercised: %s" % missing)
    print("interpreters exercised: %d of %d" % (len(tested), len(interps)))
    if failures:
        print("failed: %s" % " ".join(failures))
    print("%d passed, %d failed, %d skipped" % (results["passed"], results["failed"],
                                                results["skipped"]))
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
