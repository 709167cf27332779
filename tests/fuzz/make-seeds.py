#!/usr/bin/python3
"""Write the fuzzers' seed corpora (tests/fuzz/corpus/<target>/) from the
repository's own test data. Run once when a fuzzer is added; the seeds are
committed. The ELF seed is a tiny shared object built here with gcc; the
pprof seeds are written by build/coldbpf (and merged by `go tool pprof`
when it is installed)."""
import glob
import gzip
import hashlib
import json
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def memimage(path):
    regions, runtime = [], None
    for line in open(path):
        if line.startswith("runtime "):
            runtime = int(line.split()[1], 16)
        elif line.startswith("region "):
            _, addr, n, hexdata = line.split()
            regions.append((int(addr, 16), bytes.fromhex(hexdata)))
    return runtime, regions


def main():
    # _Py_DebugOffsets: the start of _PyRuntime in the 3.13 and 3.14 images
    for path in glob.glob(os.path.join(ROOT, "tests", "data", "memimage-3.1[34]*.txt")):
        runtime, regions = memimage(path)
        for addr, data in regions:
            if addr <= runtime < addr + len(data):
                put("fuzz_debug_offsets", data[runtime - addr:runtime - addr + 1024])
    # line tables: [first line][lasti][kind][table], a few per version
    kinds = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "linetables-*.txt"))):
        kind = None
        for line in open(path):
            m = re.match(r"# CPython \S+ kind (\d)", line)
            if m:
                kind = int(m.group(1))
                continue
            parts = line.split()
            if parts[:1] == ["code"] and kind and kinds.get(path, 0) < 4 and parts[3] != "-":
                kinds[path] = kinds.get(path, 0) + 1
                first = int(parts[2])
                put("fuzz_linetable", first.to_bytes(4, "little") + (7).to_bytes(4, "little") +
                    bytes([kind - 1]) + bytes.fromhex(parts[3]))
    # line evidence: [minor - 11][flags][len bc, lt, exc: u16 each][bc][lt][exc] of the
    # recorded runs (tests/data/lines-*.txt)
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "lines-3.*.txt"))):
        minor = int(re.search(r"lines-3\.(\d+)", path).group(1))
        cur = {}
        for line in open(path):
            k, _, v = line.strip().partition(" ")
            if k in ("bc", "lt", "exc"):
                cur[k] = bytes.fromhex(v)
            if k == "exc":
                bc, lt, exc = cur["bc"], cur["lt"], cur["exc"]
                put("fuzz_evlines", bytes([minor - 11, 1]) + len(bc).to_bytes(2, "little") +
                    len(lt).to_bytes(2, "little") + len(exc).to_bytes(2, "little") + bc + lt + exc)
    # sources for qualified names
    src = open(os.path.join(ROOT, "tests", "data", "qualname_cases.py"), "rb").read()
    for first in (1, 5, 12, 30):
        put("fuzz_qualname", bytes([first]) + src)
    # profiles: the committed older ones
    for path in glob.glob(os.path.join(ROOT, "tests", "data", "profiles", "*.json")):
        put("fuzz_profile", open(path, "rb").read())
    put("fuzz_ignorefile", b"# comment\nfile app/generated/*.py\nkey app/x.py:A.b\n  key app/y.py:f  # trailing\n")
    put("fuzz_ignorefile", b"file\nkey nocolon\nbogus\n")
    # a tiny interpreter-shaped ELF
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "py.c")
        with open(c, "w") as f:
            f.write('char _PyRuntime[1024] = "xdebugpy";\nlong PyCode_Type[32], PyUnicode_Type[32], '
                    'PyBytes_Type[32];\nconst unsigned long Py_Version = 0x030b07f0;\n'
                    'const char version[] = "3.11.7";\nint Py_Initialize(void) { return 0; }\n')
        so = os.path.join(d, "libpython3.11.so")
        subprocess.run(["gcc", "-shared", "-fPIC", "-nostdlib", "-Os", "-s", "-o", so, c], check=True)
        put("fuzz_elf", open(so, "rb").read())
    for n in (1, 64, 512, 4096):
        put("fuzz_target_memory", bytes([n % 7]) + bytes(n))
    # environments: the first byte is the read size
    put("fuzz_environ", b"\x04PATH=/bin\0COLDBPF_USDT=off\0HOME=/\0")
    put("fuzz_environ", b"\x01COLDBPF_USDT=on\0COLDBPF_USDT=off")
    pprof_seeds()


# a profile with every kind of evidence entry: alive, read at exit, late,
# not read at exit, unread exits, a relative file, a class, a subinterpreter
EVIDENCE_PROFILE = {
    "format": "coldbpf-profile", "version": 1, "started": "2026-01-02T03:04:05Z", "duration_s": 3.0,
    "frequency_hz": 99, "max_depth": 128,
    "processes": [
        {"pid": 10, "comm": "python3", "cmdline": "python3 /app/main.py -x", "python": "3.11.2", "samples": 0,
         "exited": False, "evidence_age_s": 4000.5, "cwd": "/app"},
        {"pid": 11, "comm": "python3", "cmdline": "python3 /app/main.py", "python": "3.11.2", "samples": 0,
         "exited": True, "evidence_final": True, "evidence_late": True},
        {"pid": 12, "comm": "python3", "cmdline": "python3 /app/main.py", "python": "3.11.2", "samples": 0,
         "exited": True, "unread": 2}],
    "functions": [{"file": "/app/main.py", "qualname": "main", "firstline": 1},
                  {"file": "/app/work.py", "qualname": "Worker.run", "firstline": 5},
                  {"file": "/app/work.py", "qualname": "Worker", "firstline": -1},
                  {"file": "lib.py", "qualname": "never", "firstline": 9}],
    "stacks": [{"proc": 0, "tid": 10, "count": 40, "truncated": False, "frames": [[0, 2], [1, 7]]},
               {"proc": 0, "tid": 13, "count": 3, "truncated": True, "interp": 2, "frames": [[0, 3]]}],
    "sources": [], "skipped": [],
    "evidence": [{"proc": 0, "codes": [[0, 1], [1, 1, 1], [2, 1, 2], [3, 2]], "partial": True,
                  "lines": [[1, [[5, 1, 1], [6, 2, 3], [7, 0, 6], [8, 2, 4]], [[5, 1, 6]]]]},
                 {"proc": 1, "codes": [[1, 1], [3, 2]], "lines": [[0, [[5, 1, 1], [6, 1, 2], [9, 2, 3]], []]]},
                 {"proc": 2, "codes": [[3, 2]]}],
}


def pprof_seeds():
    coldbpf = os.path.join(ROOT, "build", "coldbpf")
    if not os.path.exists(coldbpf):
        raise SystemExit("make-seeds: build/coldbpf is needed for the pprof seeds (make)")
    with tempfile.TemporaryDirectory() as d:
        ev = os.path.join(d, "ev.json")
        with open(ev, "w") as f:
            json.dump(EVIDENCE_PROFILE, f)
        outs = []
        for i, src in enumerate(glob.glob(os.path.join(ROOT, "tests", "data", "profiles", "*.json")) + [ev]):
            out = os.path.join(d, "%d.pb.gz" % i)
            subprocess.run([coldbpf, "report", src, "--format", "pprof", "-o", out], check=True)
            outs.append(out)
            data = open(out, "rb").read()
            put("fuzz_pprof", data)
            put("fuzz_pprof", gzip.decompress(data))
        env = dict(os.environ, HOME=d, GOCACHE=os.path.join(d, "go"))
        try:
            merged = subprocess.run(["go", "tool", "pprof", "-proto"] + outs, env=env, check=True,
                                    capture_output=True).stdout
            put("fuzz_pprof", gzip.decompress(merged))
        except (OSError, subprocess.CalledProcessError):
            print("make-seeds: no go tool pprof: no merged pprof seed")


if __name__ == "__main__":
    main()
