"""coldbpf as root next to hostile processes: files a target names are read
only as that target's user could, inside its root, and only when they are
regular files on ordinary filesystems (lib/tfile.c)."""
import json
import os
import secrets
import shutil
import stat
import subprocess
import time

from common import *  # noqa: F401,F403 - the tests' shared vocabulary

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def start_ready(cmd, **kw):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    line = p.stdout.readline()
    if "ready" not in line:
        p.kill()
        raise AssertionError("target did not start: %s %s" % (line, p.stderr.read()))
    return p


def t_hostile_file_names(py):
    """A target running as nobody names /etc/shadow, a root-only file, a FIFO,
    /dev/zero and a link to /proc/self/environ: coldbpf neither hangs nor
    shows a byte of them, and counts what it refused."""
    os.chmod(TMP, 0o755)	# the target, user nobody, runs a script from here
    d = os.path.join(TMP, "hostile%d" % time.monotonic_ns())
    os.makedirs(d)
    os.chmod(d, 0o755)
    secret = "SECRET-%s" % secrets.token_hex(8)
    rootonly = os.path.join(d, "rootonly.py")
    with open(rootonly, "w") as f:
        f.write(("%s = 1\n" % secret) * 10)
    os.chmod(rootonly, 0o600)
    fifo = os.path.join(d, "fifo.py")
    os.mkfifo(fifo, 0o666)
    link = os.path.join(d, "environ.py")
    os.symlink("/proc/self/environ", link)
    names = ["/etc/shadow", rootonly, fifo, "/dev/zero", link]
    with open("/etc/shadow") as f:
        shadow = [l.strip() for l in f if l.strip()]
    script = os.path.join(d, "hostile.py")	# readable by nobody wherever the clone is
    shutil.copy(os.path.join(WL, "hostile.py"), script)
    os.chmod(script, 0o644)
    env = dict(os.environ, SECS="10", COLDBPF_SECRET=secret)
    target = start_ready(NOBODY + [py, script] + names, env=env, cwd=d)
    try:
        out = os.path.join(d, "prof.json")
        t0 = time.monotonic()
        cp = run_coldbpf(["-p", str(target.pid), "-d", "3", "-F", "499", "--lines", "--top", "50",
                          "--stats", "-o", out], timeout=60)
        took = time.monotonic() - t0
    finally:
        target.kill()
        target.wait()
    expect(cp.returncode == 0, "coldbpf failed: %s" % cp.stderr)
    expect(took < 20, "coldbpf took %.1f s: something blocked" % took)
    with open(out) as f:
        text = f.read()
    prof = json.loads(text)
    for i in range(len(names)):
        expect(in_stacks(prof, "hot_%d" % i), "hot_%d (file %s) not sampled" % (i, names[i]))
    rep = run_coldbpf(["report", out, "--lines", "--top", "50"]).stdout
    for where, blob in (("output", cp.stdout + cp.stderr), ("profile", text), ("report", rep)):
        expect(secret not in blob, "the root-only file's text is in the %s" % where)
        for line in shadow:
            expect(line not in blob, "a line of /etc/shadow is in the %s" % where)
    expect(not any(s["file"] in names for s in prof["sources"]),
           "source text recorded for a hostile name: %s" % prof["sources"])
    st = prof["stats"]
    expect(st["source_files_denied"] >= 2, "denied reads not counted: %s" % st)
    expect(st["source_files_refused"] >= 3, "refused files not counted: %s" % st)
    expect("source_files_refused" in cp.stdout, "--stats does not show the refusals")


def t_source_from_target_mount_namespace(py):
    """A target in its own mount namespace: its source line comes from its
    file, not from the host's file at the same path."""
    d = os.path.join(TMP, "mntns%d" % time.monotonic_ns())
    os.makedirs(os.path.join(d, "ns"))
    body = ("import time\nend = time.time() + 8\nprint('ready', flush=True)\n"
            "while time.time() < end:\n    x = sum(range(1000))  # %s\n")
    with open(os.path.join(d, "ns", "app.py"), "w") as f:
        f.write(body % "HOST-COPY")
    script = ("mount -t tmpfs none %s/ns && printf '%%s' \"$APP\" > %s/ns/app.py && exec %s %s/ns/app.py"
              % (d, d, py, d))
    env = dict(os.environ, APP=body % "NAMESPACE-COPY")
    target = start_ready(["unshare", "-m", "--propagation", "private", "sh", "-c", script], env=env)
    try:
        cp, prof = profile(["-p", str(target.pid), "-d", "2", "-F", "499", "--lines"])
    finally:
        target.kill()
        target.wait()
    texts = [s["text"] for s in prof["sources"] if s["file"].endswith("/ns/app.py")]
    expect(any("NAMESPACE-COPY" in t for t in texts), "the target's own file was not read: %s" % texts)
    expect(not any("HOST-COPY" in t for t in texts), "the host's file was read: %s" % texts)


ONCE = [t_hostile_file_names, t_source_from_target_mount_namespace]
