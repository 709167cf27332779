"""A job on a real library: renders a few reStructuredText documents with
docutils (Debian's python3-docutils) and stays alive (SECONDS) for a scan.
t_cold_vs_coverage_docutils checks cold against coverage.py on it."""
import sys, time
from docutils.core import publish_string
DOCS = [
"""Title\n=====\n\nSome *emphasis* and **strong** text, a `link <http://example.com>`_.\n\n- item one\n- item two\n\n.. note:: A note.\n\n::\n\n    code block\n""",
"""Section\n-------\n\n1. first\n2. second\n\n+-----+-----+\n| a   | b   |\n+-----+-----+\n\n.. [1] A footnote.\n\nText [1]_.\n""",
]
for d in DOCS:
    publish_string(d, writer_name="html")
print("ready", flush=True)
if len(sys.argv) > 1:
    time.sleep(float(sys.argv[1]))
