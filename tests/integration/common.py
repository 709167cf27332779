"""Shared by the integration tests: interpreters, running coldbpf, reading
profiles, assertions. Imported by run.py and the t_*.py modules."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.environ.get("COLDBPF", os.path.join(ROOT, "build", "coldbpf"))
WL = os.path.join(ROOT, "tests", "workloads")
CI = bool(os.environ.get("CI"))
TMP = tempfile.mkdtemp(prefix="coldbpf-it-")

results = {"passed": 0, "failed": 0, "skipped": 0}
failures = []


# --- interpreters -----------------------------------------------------------

def py_version(exe):
    out = subprocess.run([exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.strip() if out.returncode == 0 else None


def pyenv_root():
    return os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))


# wrapper path -> Debian root, for interpreters run in a chroot (tests/tools/chroot-python)
CHROOTED = {}


def sid_interpreters():
    """Wrappers that run Debian sid's python3.13, 3.14 and 3.15 in their root
    like a container (own mount namespace, the repository and /tmp bound
    in, so tests pass host paths). The root is made by `make test`
    (tests/tools/mkroot.sh); under CI a missing root is a failure."""
    cache = os.environ.get("COLDBPF_ROOTS", "/var/cache/coldbpf/roots")
    root = os.path.join(cache, "sid")
    if not os.path.exists(os.path.join(root, ".complete")):
        msg = "no Debian sid root at %s (tests/tools/mkroot.sh sid makes it)" % root
        if CI:
            raise SystemExit(msg)
        print("!! %s: sid's 3.13, 3.14 and 3.15 are not tested" % msg)
        return []
    d = os.path.join(TMP, "sid")
    os.makedirs(d, exist_ok=True)
    out = []
    for minor in (13, 14, 15):
        w = os.path.join(d, "python3.%d" % minor)
        with open(w, "w") as f:
            f.write("#!/bin/sh\nexec %s %s python3.%d \"$@\"\n" %
                    (os.path.join(ROOT, "tests", "tools", "chroot-python"), root, minor))
        os.chmod(w, 0o755)
        CHROOTED[w] = root
        out.append(w)
    return out


def bullseye_interpreter():
    """A wrapper running Debian bullseye's python3.9 (built with every static
    marker, function__entry firing once per call) in its root, like the sid
    ones; the USDT tests run on it (t_usdt). None outside CI when the root is
    missing (made by `make roots`); under CI a missing root is a failure."""
    root = debian_root("bullseye")
    d = os.path.join(TMP, "bullseye")
    os.makedirs(d, exist_ok=True)
    w = os.path.join(d, "python3.9")
    with open(w, "w") as f:
        f.write("#!/bin/sh\nexec %s %s python3.9 \"$@\"\n" %
                (os.path.join(ROOT, "tests", "tools", "chroot-python"), root))
    os.chmod(w, 0o755)
    CHROOTED[w] = root
    return w


# free-threaded interpreters (tests/tools/build-ft.sh): path -> (major, minor)
FT = {}
FT_VERSIONS = ("3.13",)   # 3.14t is refused (per-thread bytecode, co_tlbc): docs/free-threaded.md


def ft_interpreters():
    """Free-threaded CPythons built from Debian's source by
    tests/tools/build-ft.sh (make test builds them, cached outside the clone);
    under CI a missing build is a failure."""
    cache = os.environ.get("COLDBPF_FT", "/var/cache/coldbpf/ft")
    out = []
    for v in FT_VERSIONS:
        exe = os.path.join(cache, v + "t", "src", "python")
        if not (os.path.exists(os.path.join(cache, v + "t", ".complete")) and os.path.exists(exe)):
            msg = "no free-threaded %st at %s (tests/tools/build-ft.sh %s builds it)" % (v, exe, v)
            if CI:
                raise SystemExit(msg)
            print("!! %s: it is not tested" % msg)
            continue
        FT[exe] = tuple(int(x) for x in v.split("."))
        out.append(exe)
    return out


def is_ft(py):
    """A free-threaded build (no GIL; 3.13t never specializes)."""
    return py in FT


def discover_interpreters():
    """(label, path, (major, minor)) for every interpreter to test."""
    env = os.environ.get("COLDBPF_PYTHONS")
    if env:
        paths = [p for p in env.split(":") if p]
    else:
        paths = []
        if os.path.exists("/usr/bin/python3.11"):
            paths.append("/usr/bin/python3.11")
        for d in sorted(glob.glob(os.path.join(pyenv_root(), "versions", "*"))):
            m = re.match(r"^(\d+)\.(\d+)\.\d+$", os.path.basename(d))
            if not m or (int(m.group(1)), int(m.group(2))) < (3, 8):
                continue
            exe = os.path.join(d, "bin", "python%s.%s" % (m.group(1), m.group(2)))
            if os.path.exists(exe):
                paths.append(exe)
        paths += sid_interpreters()
        paths += ft_interpreters()
    out = []
    for p in paths:
        v = py_version(p)
        if not v:
            raise SystemExit("interpreter %s does not run" % p)
        mm = tuple(int(x) for x in v.split(".")[:2])
        if mm >= (3, 13) and p not in FT and subprocess.run(
                [p, "-c", "import sysconfig, sys; sys.exit(sysconfig.get_config_var('Py_GIL_DISABLED') != 1)"],
                timeout=30).returncode == 0:
            FT[p] = mm   # named in COLDBPF_PYTHONS
        kind = ("debian" if p.startswith("/usr/bin/") else
                "pyenv" if p.startswith(pyenv_root() + "/") else
                "sid" if p in CHROOTED else "ft" if p in FT else "other")
        out.append(("%s %s (%s)" % (kind, v, p), p, mm))
    return sorted(out, key=lambda t: (not t[1].startswith("/usr/bin/"), t[2]))


def unsupported_interpreters():
    """pyenv CPythons older than 3.8, which coldbpf must refuse by name."""
    out = []
    for d in sorted(glob.glob(os.path.join(pyenv_root(), "versions", "*"))):
        m = re.match(r"^(\d+)\.(\d+)\.\d+$", os.path.basename(d))
        if m and (int(m.group(1)), int(m.group(2))) < (3, 8):
            exe = os.path.join(d, "bin", "python%s.%s" % (m.group(1), m.group(2)))
            if os.path.exists(exe):
                out.append(("%s.%s" % (m.group(1), m.group(2)), exe))
    return out


# --- helpers ------------------------------------------------------------------

class Skip(Exception):
    pass


def debian_root(suite):
    """The Debian root made by tests/tools/mkroot.sh (make test makes it), or
    Skip outside CI / fail under CI when it is missing."""
    cache = os.environ.get("COLDBPF_ROOTS", "/var/cache/coldbpf/roots")
    root = os.path.join(cache, suite)
    if os.path.exists(os.path.join(root, ".complete")):
        return root
    msg = "no Debian %s root at %s (tests/tools/mkroot.sh %s makes it)" % (suite, root, suite)
    if CI:
        raise AssertionError(msg)
    raise Skip(msg)


def in_root(root, path, with_dir=False):
    """Copy a workload (with_dir: and the .py files beside it, its modules)
    into root's /tmp; returns its path as the target sees it."""
    d = os.path.join(root, "tmp", "coldbpf-wl")
    os.makedirs(d, exist_ok=True)
    for f in (glob.glob(os.path.join(os.path.dirname(path), "*.py")) if with_dir else [path]):
        shutil.copy(f, d)
    return os.path.join("/tmp/coldbpf-wl", os.path.basename(path))


def free_port():
    """A TCP port free on 127.0.0.1 now."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_coldbpf(args, timeout=120, **kw):
    return subprocess.run([COLDBPF] + args, capture_output=True, text=True, timeout=timeout, **kw)


def profile(args, timeout=120):
    """Run coldbpf with -o and return (completed process, profile dict)."""
    out = os.path.join(TMP, "p%d.json" % time.monotonic_ns())
    cp = run_coldbpf(["-o", out] + args, timeout=timeout)
    if cp.returncode != 0:
        raise AssertionError("coldbpf %s failed (%d): %s" % (" ".join(args), cp.returncode,
                                                             cp.stderr.strip()))
    with open(out) as f:
        return cp, json.load(f)


def proc_cpu(pid):
    """A process's CPU seconds so far (user + system, /proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def func_index(prof, qualname, file_suffix=None):
    for i, f in enumerate(prof["functions"]):
        if f["qualname"] == qualname and (file_suffix is None or f["file"].endswith(file_suffix)):
            return i
    return None


def in_stacks(prof, qualname):
    """Whether any sampled stack has a frame of a function named qualname (the
    functions table also lists every live code object, for `cold`)."""
    idx = {i for i, f in enumerate(prof["functions"]) if f["qualname"] == qualname}
    return any(f in idx for s in prof["stacks"] for f, _ in s["frames"])


def self_samples(prof, fidx, pid=None):
    return sum(s["count"] for s in prof["stacks"]
               if s["frames"] and s["frames"][-1][0] == fidx and
               (pid is None or prof["processes"][s["proc"]]["pid"] == pid))


def line_samples(prof, fidx):
    """{line: self samples} of one function."""
    out = {}
    for s in prof["stacks"]:
        if s["frames"] and s["frames"][-1][0] == fidx:
            ln = s["frames"][-1][1]
            out[ln] = out.get(ln, 0) + s["count"]
    return out


def marker_line(path, marker):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return i
    raise AssertionError("no %s in %s" % (marker, path))


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def method_name(mm, cls, meth):
    # 3.11+: co_qualname; 3.8-3.10: rebuilt from the source (docs/coldbpf.md, "Names")
    return "%s.%s" % (cls, meth)


def proc_entry(prof, pid):
    for p in prof["processes"]:
        if p["pid"] == pid:
            return p
    return None


# --- BPF availability -----------------------------------------------------

def bpf_check():
    """(None, None) when BPF works; else (reason, may_skip). Only the complete
    absence of BPF privileges may skip (and only outside CI): a program that
    fails to load, a missing build or any other error is a failure."""
    if not os.path.exists(COLDBPF):
        return "%s is not built" % COLDBPF, False
    cp = run_coldbpf(["-d", "0.3", "--top", "1", "--", "/bin/true"], timeout=60)
    if cp.returncode != 0:
        why = cp.stderr.strip() or "coldbpf exited %d" % cp.returncode
        return why, "missing capabilit" in why
    return None, None


# --- containers -------------------------------------------------------------

class Container:
    """NAME (e.g. python3.14) of a Debian root run like a container by
    tests/tools/container-python: PID 1 of its own PID namespace, its own
    /proc, chrooted, nothing of the host bound in. .pid is its host PID,
    .nspid its PID in the namespace (1); .proc the unshare process; its
    stderr goes to .errfile (unshare complains when its child is killed)."""

    def __init__(self, root, name, args, **popen):
        self.errfile = os.path.join(TMP, "ct-%d.err" % time.monotonic_ns())
        with open(self.errfile, "w") as err:
            self.proc = subprocess.Popen([os.path.join(ROOT, "tests", "tools", "container-python"), root, name] +
                                         list(args), stderr=err, **popen)
        self.pid = None
        deadline = time.monotonic() + 20
        me = self.proc.pid
        while time.monotonic() < deadline and self.pid is None:
            try:
                with open("/proc/%d/task/%d/children" % (me, me)) as f:
                    kids = [int(k) for k in f.read().split()]
                for k in kids:
                    with open("/proc/%d/cmdline" % k, "rb") as f:
                        if f.read().split(b"\0")[0] == name.encode():
                            self.pid = k
            except (OSError, ValueError):
                pass
            if self.pid is None:
                time.sleep(0.02)
        if self.pid is None:
            self.kill()
            with open(self.errfile) as f:
                raise AssertionError("container-python %s did not start: %s" % (name, f.read()))
        with open("/proc/%d/status" % self.pid) as f:
            ns = [ln for ln in f if ln.startswith("NSpid:")][0].split()[1:]
        self.nspid = int(ns[-1])

    def kill(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)   # PID 1 of its namespace: the namespace goes
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def container_dir(root, files):
    """A fresh directory inside root's own /tmp with copies of files (paths
    or directories); returns its path as a container sees it."""
    inside = "/tmp/coldbpf-ct-%d-%d" % (os.getpid(), time.monotonic_ns())
    os.makedirs(root + inside)
    for f in files:
        if os.path.isdir(f):
            shutil.copytree(f, os.path.join(root + inside, os.path.basename(f)),
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(f, root + inside)
    return inside
