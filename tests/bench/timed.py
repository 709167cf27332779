"""timed.py OUT SCRIPT [ARGS...]: run SCRIPT as __main__ and write its wall
and process CPU seconds to OUT (JSON), measured inside the process, so that a
profiler's start-up and exit are not counted as the workload's."""
import json
import runpy
import sys
import time


def main():
    out, script = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:]
    w, c = time.perf_counter(), time.process_time()
    runpy.run_path(script, run_name="__main__")
    with open(out, "w") as f:
        json.dump({"wall": time.perf_counter() - w, "cpu": time.process_time() - c}, f)


if __name__ == "__main__":
    main()
