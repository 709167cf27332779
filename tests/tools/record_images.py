#!/usr/bin/python3
"""Regenerate tests/data/memimage-3.X.txt from every installed CPython (root):
run tests/workloads/image_subject.py, wait for it to stop itself, record.

    make images            (or: tests/tools/record_images.py PYTHON...)

PYTHON may be chroot:ROOT:NAME for an interpreter inside a Debian root
(tests/tools/mkroot.sh), e.g. chroot:/var/cache/coldbpf/roots/sid:python3.14.
"""
import shutil
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))


def state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def record(py, out_dir):
    root, cmd = "", [py]
    if py.startswith("chroot:"):
        _, root, name = py.split(":", 2)
        cmd = ["chroot", root, name]
    v = subprocess.run(cmd + ["-c", "import sys, sysconfig; print('%d.%d' % sys.version_info[:2] + "
                              "('t' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''))"],
                       capture_output=True, text=True, check=True).stdout.strip()
    tag = v + ("-debian" if py.startswith("/usr/bin/") else "")   # 3.13t: free-threaded
    with tempfile.TemporaryDirectory(dir=(root + "/tmp") if root else None) as d:
        inside = d[len(root):] if root else d   # the same directory as the target sees it
        subject = os.path.join(d, "image_subject.py")
        shutil.copy(os.path.join(ROOT, "tests", "workloads", "image_subject.py"), subject)
        expect = os.path.join(d, "expect")
        p = subprocess.Popen(cmd + [os.path.join(inside, "image_subject.py"),
                                    os.path.join(inside, "expect")], cwd=d)
        try:
            for _ in range(200):
                if state(p.pid) == "T":
                    break
                time.sleep(0.05)
            else:
                raise SystemExit("%s did not stop" % py)
            out = os.path.join(out_dir, "memimage-%s.txt" % tag)
            subprocess.run([os.path.join(ROOT, "build", "record-image"), str(p.pid), expect, out],
                           check=True)
        finally:
            p.kill()
            p.wait()


def main():
    pys = sys.argv[1:]
    if not pys:
        from run import discover_interpreters  # the integration suite's list
        from common import CHROOTED
        # sid's interpreters only when named (chroot:ROOT:NAME): their tags would
        # overwrite pyenv's images of the same minor
        pys = [py for _, py, _ in discover_interpreters() if py not in CHROOTED]
    for py in pys:
        record(py, os.path.join(ROOT, "tests", "data"))


if __name__ == "__main__":
    main()
