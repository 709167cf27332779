"""Record the adaptive bytecode of real code objects after a known run, with the
truth of which lines ran, as a fixture for tests/unit/test_evlines.c.

    python3.X tests/tools/gen_lines.py > tests/data/lines-3.X.txt

Runs tests/workloads/lines/subject.py's run() (and three_times() three times:
on 3.11 that stays below warm-up), then writes per code object that ran
'code QUALNAME FIRSTLINE', 'bc HEX' (_co_code_adaptive), 'lt HEX'
(co_linetable), 'exc HEX' (co_exceptiontable), and per marked source line
'expect LINE R|N' (R: runs, N: never runs). No tracing or monitoring is used.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SUBJECT = os.path.join(HERE, "..", "workloads", "lines", "subject.py")
sys.path.insert(0, os.path.dirname(SUBJECT))
import subject  # noqa: E402

subject.run()
for _ in range(3):
    subject.three_times(1)
print("minor %d" % sys.version_info[1])
for n, text in enumerate(open(SUBJECT), 1):
    m = re.search(r"#([RN])\s*$", text)
    if m:
        print("expect %d %s" % (n, m.group(1)))


objs = [subject.Box.add, subject.branchy, subject.loops, subject.guarded, subject.with_nested, subject.gen,
        subject.uses_box, subject.poly, subject.three_times, subject.unbound, subject.suspended]
for f in objs:
    co = f.__code__
    print("code %s %d" % (co.co_qualname if hasattr(co, "co_qualname") else co.co_name, co.co_firstlineno))
    print("bc %s" % co._co_code_adaptive.hex())
    print("lt %s" % co.co_linetable.hex())
    print("exc %s" % co.co_exceptiontable.hex())
