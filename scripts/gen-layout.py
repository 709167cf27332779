#!/usr/bin/python3
"""Regenerate coldbpf's CPython layout table rows from an interpreter's headers.

    scripts/gen-layout.py PYTHON...            print the row of each interpreter
    scripts/gen-layout.py --write PYTHON...    also replace those rows in user/cpython/pylayout_table.h
    scripts/gen-layout.py --check PYTHON...    exit 1 when a row differs from the committed one

PYTHON may be chroot:ROOT:NAME for an interpreter of a Debian root
(tests/tools/mkroot.sh), e.g. chroot:/var/cache/coldbpf/roots/sid:python3.15,
or an interpreter run from its build tree (tests/tools/build-ft.sh). A
free-threaded build (--disable-gil) gets an FTROW of its own: its object
header is 16 bytes longer, so every object's fields move.

Each row comes from offsetof()/sizeof() in a small C program compiled with
-DPy_BUILD_CORE against the interpreter's own include directory (internal
headers included), so a patch release that moves a field shows up as a diff.
Values that are not offsets (owner value of C-stack frames, tagging, table
format) come from the same headers' enums or from the version.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(ROOT, "user", "cpython", "pylayout_table.h")
FIELDS = ["minor", "rt_interp_head", "interp_threads", "ts_next", "ts_thread_id", "ts_frame",
          "cframe_current", "f_back", "f_code", "f_lasti", "f_owner", "owner_skip", "iptr",
          "code_adaptive", "tagged", "lt", "code_size", "co_firstlineno", "co_filename",
          "co_name", "co_qualname", "co_linetable", "str_ascii_data", "str_compact_data",
          "interp_next", "interp_id", "ts_status", "rt_tstate_current", "interp_modules"]


def interp_info(py):
    root, cmd = "", [py]
    if py.startswith("chroot:"):     # chroot:ROOT:NAME, an interpreter of a Debian root
        _, root, name = py.split(":", 2)
        cmd = ["chroot", root, name]
    # a build tree's interpreter: Include/ in the source, pyconfig.h in the build
    out = subprocess.run(cmd + ["-c", "import sys, sysconfig; v = sys.version_info; "
                          "print('%d %d %d' % v[:3]); "
                          "b = sysconfig.is_python_build(); "
                          "print(sysconfig.get_config_var('srcdir') + '/Include' if b "
                          "else sysconfig.get_paths()['include']); "
                          "print(int(bool(sysconfig.get_config_var('Py_GIL_DISABLED')))); "
                          "print(sysconfig.get_config_var('srcdir') if b else '')"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    major, minor, micro = (int(x) for x in out[0].split())
    return major, minor, micro, root + out[1], out[2] == "1", root, out[3]


def c_program(minor):
    inc = ['#define Py_BUILD_CORE 1', '#include <stddef.h>', '#include <stdio.h>', '#include "Python.h"']
    if minor <= 10:
        inc += ['#include "frameobject.h"', '#include "internal/pycore_pystate.h"']
        if minor >= 9:
            inc += ['#include "internal/pycore_interp.h"', '#include "internal/pycore_runtime.h"']
    else:
        inc += ['#include "internal/pycore_frame.h"', '#include "internal/pycore_interp.h"',
                '#include "internal/pycore_runtime.h"']
    N = "0xffff"
    f = {}
    f["rt_interp_head"] = "offsetof(_PyRuntimeState, interpreters.head)"
    f["interp_threads"] = ("offsetof(PyInterpreterState, tstate_head)" if minor <= 10
                           else "offsetof(PyInterpreterState, threads.head)")
    f["ts_next"] = "offsetof(PyThreadState, next)"
    f["ts_thread_id"] = "offsetof(PyThreadState, thread_id)"
    f["ts_frame"] = {True: "offsetof(PyThreadState, frame)"}.get(minor <= 10) or (
        "offsetof(PyThreadState, cframe)" if minor <= 12 else "offsetof(PyThreadState, current_frame)")
    f["cframe_current"] = "offsetof(_PyCFrame, current_frame)" if minor in (11, 12) else N
    if minor <= 10:
        f["f_back"] = "offsetof(PyFrameObject, f_back)"
        f["f_code"] = "offsetof(PyFrameObject, f_code)"
        f["f_lasti"] = "offsetof(PyFrameObject, f_lasti)"
        f["f_owner"] = N
    else:
        f["f_back"] = "offsetof(_PyInterpreterFrame, previous)"
        f["f_code"] = "offsetof(_PyInterpreterFrame, %s)" % ("f_code" if minor <= 12 else "f_executable")
        f["f_lasti"] = "offsetof(_PyInterpreterFrame, %s)" % ("prev_instr" if minor <= 12 else "instr_ptr")
        f["f_owner"] = "offsetof(_PyInterpreterFrame, owner)"
    # first owner value that is not a Python function's frame
    f["owner_skip"] = ("0" if minor <= 11 else "FRAME_OWNED_BY_CSTACK" if minor <= 13
                       else "FRAME_OWNED_BY_INTERPRETER")
    f["iptr"] = "1" if minor >= 11 else "0"
    f["code_adaptive"] = "offsetof(PyCodeObject, co_code_adaptive)" if minor >= 11 else "0"
    f["tagged"] = "1" if minor >= 14 else "0"
    f["code_size"] = "sizeof(PyCodeObject)"
    f["co_firstlineno"] = "offsetof(PyCodeObject, co_firstlineno)"
    f["co_filename"] = "offsetof(PyCodeObject, co_filename)"
    f["co_name"] = "offsetof(PyCodeObject, co_name)"
    f["co_qualname"] = "offsetof(PyCodeObject, co_qualname)" if minor >= 11 else N
    f["co_linetable"] = "offsetof(PyCodeObject, %s)" % ("co_lnotab" if minor <= 9 else "co_linetable")
    f["str_ascii_data"] = "sizeof(PyASCIIObject)"
    f["str_compact_data"] = "sizeof(PyCompactUnicodeObject)"
    # subinterpreters: the interpreter list, and which thread state is current
    f["interp_next"] = "offsetof(PyInterpreterState, next)"
    f["interp_id"] = "offsetof(PyInterpreterState, id)"
    f["ts_status"] = "offsetof(PyThreadState, _status)" if minor >= 12 else N
    f["rt_tstate_current"] = "offsetof(_PyRuntimeState, gilstate.tstate_current)" if minor <= 11 else N
    # sys.modules (exit reads: a module imported after the last read)
    f["interp_modules"] = "offsetof(PyInterpreterState, %s)" % ("modules" if minor <= 11 else "imports.modules")
    body = "\n".join('    printf("%%lu, ", (unsigned long)(%s));' % f[k] for k in FIELDS[1:] if k != "lt")
    return "\n".join(inc) + "\nint main(void)\n{\n" + body + '\n    printf("\\n");\n    return 0;\n}\n'


def row(py):
    major, minor, micro, include, ft, root, builddir = interp_info(py)
    if (major, minor) < (3, 8) or (ft and minor != 13):
        raise SystemExit("%s: CPython %d.%d%s has no table row" % (py, major, minor, "t" if ft else ""))
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "l.c"), os.path.join(d, "l")
        with open(src, "w") as fh:
            fh.write(c_program(minor))
        extra = []
        if root:
            # Debian's pyconfig.h includes <x86_64-linux-gnu/python3.X/pyconfig.h>: point
            # at the root's copy without taking the root's libc headers
            arch = subprocess.run(["cc", "-print-multiarch"], capture_output=True, text=True).stdout.strip()
            link = os.path.join(d, "inc", arch)
            os.makedirs(link)
            os.symlink(os.path.join(root, "usr", "include", arch, "python%d.%d" % (major, minor)),
                       os.path.join(link, "python%d.%d" % (major, minor)))
            extra = ["-I", os.path.join(d, "inc")]
        if builddir:
            extra += ["-I", builddir]   # pyconfig.h of a build tree
        subprocess.run(["cc", "-w", "-I", include, "-I", os.path.join(include, "internal")] + extra + [src,
                        "-o", exe], check=True)
        vals = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split(",")
    vals = [int(v) for v in vals if v.strip()]
    names = [k for k in FIELDS[1:] if k != "lt"]
    d = dict(zip(names, vals))
    d["minor"] = minor
    d["lt"] = "LT_LNOTAB" if minor <= 9 else "LT_LINETABLE310" if minor == 10 else "LT_LOCATIONS"
    cells = []
    for k in FIELDS:
        v = d[k]
        cells.append("N" if v == 0xffff else str(v))
    return ((minor, ft), "%d.%d.%d%s" % (major, minor, micro, "t" if ft else ""),
            "%s(%s)" % ("FTROW" if ft else "ROW", ", ".join(cells)))


def committed():
    rows = {}
    with open(TABLE) as fh:
        for line in fh:
            m = re.match(r"^(FT)?ROW\((\d+),", line)
            if m:
                rows[(int(m.group(2)), bool(m.group(1)))] = line.strip()
    return rows


def main(argv):
    mode = None
    if argv and argv[0] in ("--write", "--check"):
        mode, argv = argv[0], argv[1:]
    if not argv:
        raise SystemExit(__doc__)
    have, bad = committed(), 0
    for py in argv:
        minor, ver, r = row(py)
        same = have.get(minor) == r
        print("%-9s %s  %s" % (ver, r, "same" if same else "DIFFERS from committed: %s" % have.get(minor)))
        if mode == "--write" and not same:
            with open(TABLE) as fh:
                text = fh.read()
            if minor in have:
                text = text.replace(have[minor], r)
            else:
                text = text.replace("/* end of rows */", r + "\n/* end of rows */")
            with open(TABLE, "w") as fh:
                fh.write(text)
        bad += not same
    return 1 if (mode == "--check" and bad) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
