"""PEP 810 (3.15+): an explicit lazy import runs when the name is first
used, not at the statement. Workload of t_usdt_lazy_import:

    lazyimp.py DIR GO1 GO2

Writes DIR/cblazymod.py (its import sleeps 20 ms), prints its PID, waits
for GO1, runs `lazy import cblazymod` and prints whether the module is in
sys.modules; waits for GO2, uses it, prints whether it is there now; then
sleeps until killed."""
import os
import sys
import time

d, go1, go2 = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, "cblazymod.py"), "w") as f:
    f.write("import time\ntime.sleep(0.02)\nVALUE = 42\n")
sys.path.insert(0, d)
print(os.getpid(), flush=True)
while not os.path.exists(go1):
    time.sleep(0.01)
lazy import cblazymod
print("after-statement", "cblazymod" in sys.modules, flush=True)
while not os.path.exists(go2):
    time.sleep(0.01)
v = cblazymod.VALUE
print("after-use", "cblazymod" in sys.modules, v, flush=True)
time.sleep(600)
