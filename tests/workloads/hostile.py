"""A target that names other files as its code's file names (a root-only
file, a FIFO, a device, a link into /proc, ...): each name gets a hot function
compiled "from" it. Runs $SECS seconds (default 8) after printing 'ready'."""
import os
import sys
import time

funcs = []
for i, name in enumerate(sys.argv[1:]):
    src = ("def hot_%d(n):\n"
           "    s = 0\n"
           "    for i in range(n):\n"
           "        s += i\n"
           "    return s\n" % i)
    ns = {}
    exec(compile(src, name, "exec"), ns)
    funcs.append(ns["hot_%d" % i])
print("ready", flush=True)
end = time.time() + float(os.environ.get("SECS", "8"))
while time.time() < end:
    for f in funcs:
        f(20000)
