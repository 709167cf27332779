"""The <gc> frame (docs/usdt.md, "The <gc> frame"): samples taken inside a
garbage collection carry a synthetic <gc> leaf on top of the Python stack
that triggered it; its share of the samples is checked against the
workload's own CPU time inside gc.collect(), per interpreter, from the
markers (Debian's 3.11, sid's 3.13-3.15) or from the interpreter's GC state
(pyenv's 3.13, no markers); without --usdt gc there is none."""
import json
import os
import re
import signal
import subprocess
import time

from common import *  # noqa: F401,F403 - the tests' shared vocabulary
from t_usdt import sdt_notes, semaphores

GCSHARE = os.path.join(WL, "gcshare.py")
TOLERANCE = 4.0     # points: ~3 sigma of binomial noise at ~1,200 samples and a 33 % share


def gc_run(py, usdt="gc", cpu=2.5, extra=()):
    """gcshare.py under coldbpf -p: go once its GC markers are attached (their
    semaphores raised), or after 1.5 s without markers; stop coldbpf (SIGINT)
    when the workload is done. Returns (profile, truth, pid, profile path)."""
    go = os.path.join(TMP, "gcgo%d" % time.monotonic_ns())
    out = os.path.join(TMP, "gc%d.json" % time.monotonic_ns())
    truth = out + ".truth"
    w = subprocess.Popen([py, GCSHARE, str(cpu), go, truth], stdout=subprocess.PIPE, text=True)
    agent = None
    try:
        pid = int(w.stdout.readline())
        notes = {k: v for k, v in sdt_notes(pid).items() if k in ("gc__start", "gc__done")}
        agent = subprocess.Popen([COLDBPF, "-p", str(pid), "-F", "499", "-o", out, "--usdt", usdt] + list(extra),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 15
        t0 = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if agent.poll() is not None:
                break
            if notes and usdt == "gc":
                if all(v > 0 for v in semaphores(pid, notes).values()):
                    break
            elif time.monotonic() - t0 > 1.5:
                break
        open(go, "w").close()
        expect(w.stdout.readline().strip() == "done", "the workload did not finish")
        agent.send_signal(signal.SIGINT)
        so, se = agent.communicate(timeout=120)
        expect(agent.returncode == 0, "coldbpf failed: %s" % se)
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        w.kill()
        w.wait()
    with open(out) as f:
        prof = json.load(f)
    with open(truth) as f:
        t = json.load(f)
    return prof, t, pid, out, bool(notes)


def gc_samples(prof, pid):
    """({<gc> qualname: samples}, {parent qualname: samples}, all samples) of pid."""
    fn = prof["functions"]
    names, parents, total = {}, {}, 0
    for s in prof["stacks"]:
        if prof["processes"][s["proc"]]["pid"] != pid:
            continue
        total += s["count"]
        fr = s["frames"]
        if fr and fn[fr[-1][0]]["file"] == "<gc>":
            q = fn[fr[-1][0]]["qualname"]
            names[q] = names.get(q, 0) + s["count"]
            p = fn[fr[-2][0]]["qualname"] if len(fr) > 1 else None
            parents[p] = parents.get(p, 0) + s["count"]
    return names, parents, total


def t_gc_frame(label, py, mm):
    """--usdt gc: the <gc> frame's share of the samples is the workload's
    CPU share inside gc.collect() (time.thread_time around each call) within
    4 points, every <gc> frame sits on collect_here; <gc gen 2> from the
    markers, <gc> from 3.13+'s GC state without them; none before 3.13
    without markers (said nowhere as a loss: the frame is simply absent)."""
    prof, t, pid, out, markers = gc_run(py)
    names, parents, total = gc_samples(prof, pid)
    truth = 100.0 * t["collect_here"] / t["cpu"]
    share = 100.0 * sum(names.values()) / max(total, 1)
    msg = "%s: <gc> %s of %d samples = %.1f%%, truth %.1f%% (%d collections); parents %s" % (
        label, names, total, share, truth, t["collections"], parents)
    print("     " + msg)
    expect(total > 600, "too few samples: " + msg)
    expect(prof["stats"]["gc_samples"] == sum(names.values()), "gc_samples %d: %s" % (prof["stats"]["gc_samples"], msg))
    if not markers and (tuple(mm) < (3, 13) or is_ft(py)):
        expect(not names, "a <gc> frame without markers before 3.13 or free-threaded: " + msg)
        return
    expect(abs(share - truth) <= TOLERANCE, msg)
    expect(set(parents) == {"collect_here"}, "<gc> not on collect_here: " + msg)
    expect(set(names) == ({"<gc gen 2>"} if markers else {"<gc>"}), "names: " + msg)
    # every format shows it: folded and text (JSON above; pprof is the folded
    # stacks' locations by the same function table)
    cp = run_coldbpf(["report", out, "--format", "folded"])
    expect(cp.returncode == 0 and ";collect_here" in cp.stdout and
           any(l.rsplit(" ", 1)[0].endswith(";" + next(iter(names))) for l in cp.stdout.splitlines()),
           "folded lacks the <gc> frame:\n%s" % cp.stdout[:2000])
    cp = run_coldbpf(["report", out])
    expect(cp.returncode == 0 and next(iter(names)) in cp.stdout, "text lacks <gc>:\n%s" % cp.stdout[:3000])
    # the heatmap: the collections' samples on the line calling gc.collect()
    hd = out + ".html"
    cp = run_coldbpf(["html", "--src", WL, "-o", hd, out])
    expect(cp.returncode == 0, "html: %s" % cp.stderr)
    page = open(os.path.join(hd, "gcshare.py.html")).read()
    ln = marker_line(GCSHARE, "return gc.collect()")
    m = re.search(r'id="L%d".*?>(\d+) in GC<' % ln, page)
    expect(m and int(m.group(1)) == sum(names.values()), "heatmap line %d lacks %d in GC" % (ln, sum(names.values())))


def t_gc_frame_off(py):
    """Without --usdt gc (recording's default) no sample has a <gc> frame,
    on markers (Debian's 3.11) and on 3.13's GC state (pyenv), and the
    collections' samples stay on collect_here: its self share is the truth."""
    cands = ["/usr/bin/python3.11", os.path.join(pyenv_root() or "/nonexistent", "versions", "3.13.0", "bin",
                                                  "python3.13")]
    for p in [c for c in cands if os.path.exists(c)]:
        prof, t, pid, out, markers = gc_run(p, usdt="none", cpu=2.0)
        names, parents, total = gc_samples(prof, pid)
        expect(not names and prof["stats"]["gc_samples"] == 0, "%s: <gc> frames without --usdt gc: %s" % (p, names))
        ch = func_index(prof, "collect_here")
        share = 100.0 * self_samples(prof, ch, pid) / max(total, 1)
        truth = 100.0 * t["collect_here"] / t["cpu"]
        expect(abs(share - truth) <= TOLERANCE, "%s: collect_here self %.1f%%, truth %.1f%%" % (p, share, truth))


PER_INTERPRETER = [t_gc_frame]
ONCE = [t_gc_frame_off]
