#!/usr/bin/python3
"""Regenerate coldbpf's per-version opcode table (user/cpython/opcache_table.h):
for every opcode of CPython 3.11-3.15, its inline cache entries, what its first
cache entry holds in code that never ran, whether it is a specialized form that
only execution writes, and its control flow (jumps, exits, cannot-raise).

    scripts/gen-opcache.py PYTHON...            print the rows of each interpreter
    scripts/gen-opcache.py --write PYTHON...    also replace its rows in the table
    scripts/gen-opcache.py --check PYTHON...    exit 1 when the rows differ from the
                                                committed ones or the live check fails

PYTHON may be chroot:ROOT:NAME for an interpreter of a Debian root (as for
scripts/gen-layout.py).

Where each fact comes from (docs/cold.md, "Lines"):
- cache entries, families and jumps: the interpreter's own opcode metadata
  (Lib/opcode.py, Lib/_opcode_metadata.py, generated from Python/bytecodes.c);
- the warm-up counter: adaptive_counter_warmup() of Include/internal/pycore_code.h
  (and pycore_backoff.h), compiled against the interpreter's own headers;
- which families start with what (_PyCode_Quicken, Python/specialize.c): conditional
  jumps (3.13+) with the branch history 0x5555, JUMP_BACKWARD (3.13+) with the JIT
  counter, 3.15's RESUME with its own counter; every other cache-bearing opcode of a
  specializing family with the warm-up counter. 3.11 quickens only after warm-up and
  then leaves its counters at 0 (its adaptive opcodes are written by quickening).
The live check then compiles the interpreter's whole standard library without
running it and requires every cache-bearing instruction to hold exactly the
table's initial state, no run-only opcode to appear, every jump target computed
the table's way to be one dis computes, and a straight-line function run once to
have every counter-bearing instruction touched.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(ROOT, "user", "cpython", "opcache_table.h")

# Run inside the interpreter: its metadata and the live check, as JSON.
PROBE = r'''
import dis, json, opcode, os, sys, sysconfig
v = sys.version_info
allmap = dict(getattr(dis, "_all_opmap", None) or {})
try:
    import _opcode_metadata as m
    allmap.update(m.opmap); allmap.update(m._specialized_opmap)
except ImportError:
    pass
allmap.update(opcode.opmap)
for fam in opcode._specializations.values():
    for s in fam:
        if s in getattr(opcode, "_specialized_opmap", {}):
            allmap[s] = opcode._specialized_opmap[s]
if v[:2] <= (3, 12):
    for i, name in enumerate(opcode.opname):
        if not name.startswith("<"):
            allmap.setdefault(name, i)
    for s in getattr(opcode, "_specialized_instructions", []):
        pass
ice = opcode._inline_cache_entries
if hasattr(ice, "items"):
    caches = {k: n for k, n in ice.items()}
else:
    caches = {opcode.opname[i]: n for i, n in enumerate(ice) if n}
jumps = sorted(opcode.opname[o] for o in (getattr(opcode, "hasjump", None) or opcode.hasjrel + opcode.hasjabs)
               if o < 256)
out = {"minor": v[1], "micro": v[2], "opmap": {k: c for k, c in allmap.items() if c < 256},
       "caches": caches, "families": {k: list(s) for k, s in opcode._specializations.items()},
       "jumps": jumps}
if v[:2] == (3, 11):
    out["families"] = {k: list(s) for k, s in opcode._specializations.items()}
    out["spec"] = list(opcode._specialized_instructions)
print(json.dumps(out))
'''

# The live check, run inside the interpreter with the table's rows as JSON on stdin.
CHECK = r'''
import dis, json, os, sys, sysconfig
rows = json.load(sys.stdin)
T = {int(k): r for k, r in rows["ops"].items()}
warm = rows["warmup"]
minor = sys.version_info[1]
bad = []
def units(co):
    raw = co._co_code_adaptive
    return [(raw[2*i], raw[2*i+1], raw[2*i] | raw[2*i+1] << 8) for i in range(len(raw) // 2)]
def init_ok(op, first):
    r = T.get(op)
    if not r or not r["caches"]:
        return True
    k = r["kind"]
    return {"COUNTER": first == warm, "BRANCH": first == 0x5555, "QUICK11": first == 0}.get(k, True)
def targets(u, i, r, oparg):
    nxt = i + 1 + r["caches"]
    return nxt - oparg if r["back"] else nxt + oparg
def walk(co, seen_jumps):
    u = units(co)
    dt = {}
    for ins in dis.get_instructions(co):
        t = getattr(ins, "jump_target", None)
        if t is None and ins.opcode in dis.hasjrel + getattr(dis, "hasjabs", []):
            t = ins.argval
        if t is not None:
            dt[ins.offset // 2] = t // 2
    i, oparg = 0, 0
    while i < len(u):
        op, arg, _ = u[i]
        r = T.get(op, {"caches": 0, "spec": 0, "kind": "", "back": 0, "jump": 0})
        oparg = oparg << 8 | arg
        if r["spec"]:
            bad.append("%s: run-only opcode %d in code that never ran" % (co.co_qualname if minor >= 11 else co.co_name, op))
        if r["caches"] and any(u[k][2] for k in range(i + 2, min(i + 1 + r["caches"], len(u)))):
            bad.append("%s@%d: opcode %d has non-zero cache entries after the first" % (co.co_name, i, op))
        if r["caches"] and i + 1 < len(u) and not init_ok(op, u[i + 1][2]):
            bad.append("%s@%d: opcode %d starts with 0x%04x" % (co.co_name, i, op, u[i + 1][2]))
        if r["jump"] and i in dt:
            t = targets(u, i, r, oparg)
            ok = t == dt[i] or (r["multi"] and t <= dt[i] <= t + 2)
            if not ok:
                bad.append("%s@%d: opcode %d jumps to %d, dis says %d" % (co.co_name, i, op, t, dt[i]))
            seen_jumps.add(op)
        if op != rows["extended_arg"]:
            oparg = 0
        i += 1 + r["caches"]
    for c in co.co_consts:
        if hasattr(c, "co_code"):
            walk(c, seen_jumps)
n = 0
seen = set()
lib = sysconfig.get_paths()["stdlib"]
for dp, dn, fn in os.walk(lib):
    dn[:] = [d for d in dn if d not in ("site-packages", "dist-packages", "test", "tests", "idlelib")]
    for f in fn:
        if f.endswith(".py"):
            try:
                src = open(os.path.join(dp, f), "rb").read()
                co = compile(src, os.path.join(dp, f), "exec")
            except (SyntaxError, ValueError, UnicodeDecodeError, OSError):
                continue
            walk(co, seen)
            n += 1
def straight(a, b):
    x = a + b
    y = [a, b]
    z = y[0]
    s = str(a)
    t = len(y)
    return (x, z, s, t, sys.maxsize)
if minor >= 12:
    straight(1, 2)
    u = units(straight.__code__)
    i = 0
    while i < len(u):
        r = T.get(u[i][0], {"caches": 0, "kind": ""})
        if r["caches"] and r["kind"] == "COUNTER" and not r["spec"] and u[i + 1][2] == warm:
            bad.append("straight@%d: opcode %d ran once and still holds the warm-up counter" % (i, u[i][0]))
        i += 1 + r["caches"]
print(json.dumps({"files": n, "bad": bad[:20], "nbad": len(bad), "jumps": sorted(seen)}))
'''

NORAISE = {"NOP", "CACHE", "EXTENDED_ARG", "LOAD_FAST", "LOAD_CONST", "LOAD_CONST_IMMORTAL", "LOAD_CONST_MORTAL",
           "LOAD_SMALL_INT", "COPY", "SWAP", "PUSH_NULL", "NOT_TAKEN", "LOAD_FAST_BORROW",
           "LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW", "LOAD_FAST__LOAD_FAST",
           "LOAD_FAST__LOAD_CONST", "LOAD_CONST__LOAD_FAST"}
# without a fall-through to the next instruction
NOFALL = {"RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE", "JUMP_FORWARD", "JUMP_BACKWARD",
          "JUMP_BACKWARD_NO_INTERRUPT"}
# conditional jumps whose taken side is exactly the target (branch reports)
CONDJUMP = re.compile(r"^POP_JUMP_(FORWARD_|BACKWARD_)?IF_")
# jumps whose runtime target may lie one or two units past the one dis shows
# (FOR_ITER and SEND skip END_FOR / END_SEND on some versions)
MULTI = {"FOR_ITER", "SEND", "END_ASYNC_FOR"}


def interp(py):
    if py.startswith("chroot:"):
        _, root, name = py.split(":", 2)
        return ["chroot", root, name], root
    return [py], ""


def run_py(cmd, code, stdin=None):
    return subprocess.run(cmd + ["-I", "-c", code], input=stdin, capture_output=True, text=True,
                          check=True).stdout


def warmup(cmd, root, minor):
    """adaptive_counter_warmup() from the interpreter's own headers."""
    if minor <= 11:
        return 0
    inc = run_py(cmd, "import sysconfig; print(sysconfig.get_paths()['include'])").strip()
    field = {12: "", 13: ".as_counter"}.get(minor, ".value_and_backoff")
    prog = ('#define Py_BUILD_CORE 1\n#include <stdio.h>\n#include "Python.h"\n'
            '#include "internal/pycore_code.h"\n'
            'int main(void) { printf("%%u\\n", (unsigned)adaptive_counter_warmup()%s); return 0; }\n' % field)
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "w.c"), os.path.join(d, "w")
        with open(src, "w") as fh:
            fh.write(prog)
        extra = []
        if root:
            arch = subprocess.run(["cc", "-print-multiarch"], capture_output=True, text=True).stdout.strip()
            link = os.path.join(d, "inc", arch)
            os.makedirs(link)
            os.symlink(os.path.join(root, "usr", "include", arch, "python3.%d" % minor),
                       os.path.join(link, "python3.%d" % minor))
            extra = ["-I", os.path.join(d, "inc")]
        subprocess.run(["cc", "-w", "-I", root + inc, "-I", os.path.join(root + inc, "internal")] + extra +
                       [src, "-o", exe], check=True)
        return int(subprocess.run([exe], capture_output=True, text=True, check=True).stdout)


def rows_of(meta, warm):
    minor = meta["minor"]
    opmap = meta["opmap"]
    name_of = {c: n for n, c in opmap.items()}
    base_of = {}
    for base, specs in meta["families"].items():
        for s in specs:
            base_of[s] = base
    caches = meta["caches"]
    jumps = set(meta["jumps"])
    ops = {}
    for code in range(256):
        name = name_of.get(code)
        if name is None:
            continue
        base = base_of.get(name, name)
        nc = caches.get(base, 0)
        kind = ""
        if nc:
            if minor == 11:
                # quickening writes the adaptive opcode; its counter starts at 0
                kind = "QUICK11" if base in meta["families"] else "OTHER"
            elif CONDJUMP.match(base) and minor >= 13:
                kind = "BRANCH"
            elif base == "JUMP_BACKWARD" or base == "RESUME":
                kind = "OTHER"	# a JIT counter: no evidence either way
            elif base in meta["families"]:
                kind = "COUNTER"
            else:
                kind = "OTHER"
        # run-only: a specialized form of a cache-bearing family (written by
        # executing the generic one), 3.13+'s RESUME_CHECK, 3.14+'s
        # JUMP_BACKWARD_NO_JIT/_JIT; 3.11's *_ADAPTIVE forms and 3.11/3.12's
        # superinstructions are written by quickening
        spec = 0
        if name != base and nc and not name.endswith("_ADAPTIVE"):
            spec = 1
        if name == "RESUME_CHECK" or (minor >= 14 and base == "JUMP_BACKWARD" and name != base):
            spec = 1
        jump = base in jumps or name in jumps
        back = "BACKWARD" in base or base == "END_ASYNC_FOR"
        flags = []
        if spec:
            flags.append("OPF_SPEC")
        if jump:
            flags.append("OPF_JUMP")
            if back:
                flags.append("OPF_BACK")
            if base in MULTI:
                flags.append("OPF_MULTI")
            if CONDJUMP.match(base):
                flags.append("OPF_COND")
        if base in NOFALL or name in NOFALL:
            flags.append("OPF_NOFALL")
        if name in NORAISE and not (minor == 11 and name.startswith("LOAD_FAST")):
            flags.append("OPF_NORAISE")
        if name.startswith("INSTRUMENTED_"):
            flags.append("OPF_INSTR")
        if name == "EXTENDED_ARG":
            flags.append("OPF_EXTARG")
        if not (nc or flags):
            continue
        ops[code] = {"name": name, "caches": nc, "kind": kind, "spec": spec, "jump": int(jump),
                     "back": int(back), "multi": int(base in MULTI), "flags": flags,
                     "base": opmap.get(base, code)}
    return ops


def render(minor, micro, warm, ops, opmap):
    valid = [0, 0, 0, 0]
    for c in opmap.values():
        valid[c // 64] |= 1 << (c % 64)
    lines = ["/* 3.%d (generated from CPython 3.%d.%d) */" % (minor, minor, micro),
             "OPV(%d, 0x%04x, %s)" % (minor, warm, ", ".join("0x%016xULL" % w for w in valid))]
    for code, r in sorted(ops.items()):
        lines.append("OPC(%d, %d, %d, OPK_%s, %s, %d) /* %s */" % (
            minor, code, r["caches"], r["kind"] or "NONE", " | ".join(r["flags"]) or "0", r["base"], r["name"]))
    return lines


def committed():
    by = {}
    if os.path.exists(TABLE):
        for line in open(TABLE):
            m = re.match(r"^(?:OPV|OPC)\((\d+),", line) or re.match(r"^/\* 3\.(\d+) \(generated", line)
            if m:
                by.setdefault(int(m.group(1)), []).append(line.rstrip("\n"))
    return by


def write(by):
    head = ["/* Generated by scripts/gen-opcache.py: per CPython minor version, the opcodes with",
            " * inline caches, run-only forms or control flow.",
            " * OPV(minor, warm-up counter, bitmap of valid opcodes as 4 words);",
            " * OPC(minor, opcode, cache entries, kind of the first entry, flags, base opcode). */"]
    body = []
    for minor in sorted(by):
        body += by[minor]
    with open(TABLE, "w") as fh:
        fh.write("\n".join(head + body) + "\n")


def main(argv):
    mode = None
    if argv and argv[0] in ("--write", "--check"):
        mode, argv = argv[0], argv[1:]
    if not argv:
        raise SystemExit(__doc__)
    have, bad = committed(), 0
    for py in argv:
        cmd, root = interp(py)
        meta = json.loads(run_py(cmd, PROBE))
        minor = meta["minor"]
        warm = warmup(cmd, root, minor)
        ops = rows_of(meta, warm)
        lines = render(minor, meta["micro"], warm, ops, meta["opmap"])
        rows = {"warmup": warm, "extended_arg": meta["opmap"]["EXTENDED_ARG"],
                "ops": {str(c): r for c, r in ops.items()}}
        live = json.loads(run_py(cmd, CHECK, json.dumps(rows)))
        # the generated-from line names the micro version: compare the rows only
        same = have.get(minor, [None])[1:] == lines[1:]
        print("3.%d.%d: %d rows, warm-up 0x%04x; live check: %d stdlib files, %d jump opcodes checked, %d problems%s; %s" % (
            minor, meta["micro"], len(ops), warm, live["files"], len(live["jumps"]), live["nbad"],
            "".join("\n    " + b for b in live["bad"]), "same" if same else "DIFFERS from committed"))
        bad += (not same) + (live["nbad"] > 0)
        if mode == "--write" and not live["nbad"]:
            have[minor] = lines
            write(have)
    return 1 if (mode == "--check" and bad) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
