"""coldbpf audit's workload (tests/integration/t_usdt.py t_audit): says
"ready"; on each line "go" opens a known file, starts a subprocess,
connects a socket and raises events of its own with one argument of each
kind, then says "done"; leaves on any other line."""
import socket
import subprocess
import sys

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
# 3.8/3.9 import _bootlocale at the first text open() (an open event of its
# own): done before "ready", so each round's events are the same
open(sys.argv[1]).close()
print("ready", flush=True)
while sys.stdin.readline().strip() == "go":
    open(sys.argv[1]).close()
    subprocess.Popen(["/bin/true", "arg-one"]).wait()
    c = socket.socket()
    c.connect(("127.0.0.1", srv.getsockname()[1]))
    c.close()
    sys.audit("coldbpf.kinds", "h\u00e9llo \u20ac \U0001f600", b"\x00\x01", -7, 2**40, True, None)
    sys.audit("coldbpf.seq", (1, "x", None), ["a" * 200], 10**30)
    print("done", flush=True)
