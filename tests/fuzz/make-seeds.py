#!/usr/bin/python3
"""Write the fuzzers' seed corpora (tests/fuzz/corpus/<target>/) from the
repository's own test data. Run once when a fuzzer is added; the seeds are
committed. The ELF seed is a tiny shared object built here with gcc."""
import glob
import hashlib
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


if __name__ == "__main__":
    main()
