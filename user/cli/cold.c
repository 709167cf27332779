// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* coldbpf cold: which definitions under a source tree never ran (docs/cold.md). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cmd.h"
#include "deadcode/deadcode.h"
#include "lib/msg.h"

static const char cold_usage[] =
"Usage: coldbpf cold --src DIR (--all-python | -p PID[,PID...] | PROFILE...)\n"
"                    [--lines] [--format text|tsv|json] [-o FILE] [--python PYTHON]\n"
"\n"
"List every function, method, lambda, generator expression and class body under\n"
"DIR with whether it ran: 'ran' (exact evidence from CPython's code objects),\n"
"'sampled' (seen in samples), 'never-ran' (exact evidence it has not run since the\n"
"process started, or its module was never imported), 'unknown' (no evidence:\n"
"never reported as dead). Several processes and profiles combine: ran anywhere\n"
"means ran. Live processes need root (CAP_SYS_PTRACE); they are only read.\n"
"\n"
"  --src DIR         the source tree (its .coldbpf-ignore is honoured)\n"
"  -a, --all-python  every CPython process on the machine\n"
"  -p PID[,PID]      these processes\n"
"  PROFILE           profiles saved by `coldbpf ... -o` (evidence and samples),\n"
"                    or pprof files, also merged ones (docs/pprof.md)\n"
"  --lines           inside functions that ran, which lines and branches never\n"
"                    ran (CPython 3.12+; 3.11: which ran; live processes, or\n"
"                    profiles recorded with --evidence-lines, and pprof files\n"
"                    made from them, merged or not):\n"
"                    text lists never-ran blocks, biggest first; tsv has one row\n"
"                    per line (status path qualname line reason); json adds\n"
"                    lines and branches to each function (docs/cold.md, \"Lines\")\n"
"  --format F        text (default), tsv or json\n"
"  -o FILE           write there instead of stdout\n"
"  --python PYTHON   interpreter for the source inventory (default python3, 3.8+)\n"
"\n"
"Examples:\n"
"  sudo coldbpf cold --src ./app --all-python\n"
"  sudo coldbpf cold --src ./app -p 1234 --format tsv -o cold.tsv\n"
"  sudo coldbpf cold --src ./app -p 1234 --lines\n"
"  coldbpf cold --src ./app host1.json host2.json\n"
"  coldbpf cold --src ./app fleet.pb.gz         # go tool pprof -proto h1.pb.gz h2.pb.gz\n";

int cmd__cold(int argc, char **argv)
{
	struct deadcode_args da = {};
	struct deadcode d = {};
	int r = options__deadcode(argc, argv, &da, "cold", cold_usage, false), err = 1;

	if (r)
		return r > 0 ? 0 : 1;
	if (deadcode__collect(&d, &da.s))
		goto cleanup;
	deadcode__sort(&d);
	if (format__write(format__find(OUT_DEADCODE, da.format), &d, NULL, da.output))
		goto cleanup;
	err = 0;
cleanup:
	deadcode__free(&d);
	free(da.s.pids);
	return err;
}
