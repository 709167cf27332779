#!/usr/bin/python3
"""make bench (part): dead-code evidence of a real, large application. A
Sphinx job (Debian's python3-sphinx: sphinx, docutils, jinja2, pygments,
babel, ...) builds a small project, then stays alive; `coldbpf cold --src
/usr/lib/python3/dist-packages -p PID` reads its evidence. Prints the live
code objects, the inventory, the time and bytes of the scan, and coldbpf's
peak memory (from /usr/bin/time -v)."""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.environ.get("COLDBPF", os.path.join(ROOT, "build", "coldbpf"))
PY = os.environ.get("BENCH_PY", "/usr/bin/python3.11")
SRC = "/usr/lib/python3/dist-packages"

JOB = r"""
import os, sys, time
from sphinx.cmd.build import build_main
src, out = sys.argv[1], sys.argv[2]
os.makedirs(src, exist_ok=True)
with open(os.path.join(src, "conf.py"), "w") as f:
    f.write("project = 'bench'\nextensions = ['sphinx.ext.autodoc', 'sphinx.ext.viewcode', "
            "'sphinx.ext.intersphinx', 'sphinx.ext.todo', 'sphinx.ext.napoleon', 'sphinx.ext.autosummary', "
            "'sphinx.ext.doctest', 'sphinx.ext.graphviz', 'sphinx.ext.mathjax', 'sphinx.ext.coverage', "
            "'sphinx.ext.inheritance_diagram', 'sphinx.ext.duration', 'sphinx.ext.extlinks', "
            "'sphinx.ext.ifconfig', 'sphinx.ext.imgmath', 'sphinx.ext.githubpages']\n")
with open(os.path.join(src, "index.rst"), "w") as f:
    f.write("Bench\n=====\n\n.. toctree::\n\n   page\n\n.. automodule:: json\n   :members:\n")
with open(os.path.join(src, "page.rst"), "w") as f:
    f.write("Page\n----\n\n.. code-block:: python\n\n   print('x')\n\n.. note:: hello\n\n.. todo:: later\n\n"
            ".. cpp:function:: int f(const std::vector<int>& v)\n\n.. c:function:: int g(char *s)\n\n"
            ".. py:function:: h(a, b=1)\n\n.. js:function:: k(x)\n")
build_main(["-q", "-b", "html", src, out])
for b in ("text", "latex", "man", "epub", "texinfo", "singlehtml", "xml"):
    build_main(["-q", "-b", b, src, out + "-" + b])
# what a service process typically also holds
import asyncio, unittest, pydoc, http.server, xml.dom.minidom, email.mime.multipart  # noqa: E401,F401
import logging.handlers, multiprocessing.pool, concurrent.futures, argparse, sqlite3  # noqa: E401,F401
print("ready", flush=True)
time.sleep(300)
"""


def main():
    try:
        import sphinx  # noqa: F401  (in the interpreter below, really)
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as d:
        job = os.path.join(d, "job.py")
        with open(job, "w") as f:
            f.write(JOB)
        p = subprocess.Popen([PY, job, os.path.join(d, "src"), os.path.join(d, "out")],
                             stdout=subprocess.PIPE, text=True)
        try:
            if p.stdout.readline().strip() != "ready":
                raise SystemExit("evidence_app: the Sphinx job did not start (python3-sphinx installed?)")
            t0 = time.monotonic()
            cp = subprocess.run(["/usr/bin/time", "-v", COLDBPF, "cold", "-v", "--src", SRC, "--format", "json",
                                 "-p", str(p.pid)], capture_output=True, text=True, timeout=600)
            wall = time.monotonic() - t0
        finally:
            p.kill()
            p.wait()
    if cp.returncode:
        raise SystemExit("evidence_app: cold failed: %s" % cp.stderr[-2000:])
    err = cp.stderr
    codes = re.search(r"(\d+) code objects", err)
    mb = re.search(r"([\d.]+) MB read, ([\d.]+) MB not resident", err)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    import json
    res = json.loads(cp.stdout)
    tot = res["totals"]
    inv = sum(v["functions"] for v in tot.values())
    print("evidence of a Sphinx job (%s): %s live code objects, %.1f MB read (%.1f MB not resident skipped)"
          % (PY, codes.group(1) if codes else "?", float(mb.group(1)) if mb else -1,
             float(mb.group(2)) if mb else -1))
    print("  cold --src %s: %d definitions in the inventory; ran %d, never-ran %d, not-loaded %d, unknown %d"
          % (SRC, inv, tot["ran"]["functions"], tot["never-ran"]["functions"], tot["not-loaded"]["functions"],
             tot["unknown"]["functions"]))
    print("  wall %.1f s (inventory of the whole tree included), coldbpf peak RSS %.1f MB"
          % (wall, int(rss.group(1)) / 1024.0 if rss else -1))
    scan = re.search(r"evidence scan ([\d.]+) s", err)
    if scan:
        print("  the scan alone: %s s" % scan.group(1))


if __name__ == "__main__":
    main()
