// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* coldbpf html: the heatmap of a source tree as HTML pages (output/html.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cmd.h"
#include "deadcode/deadcode.h"
#include "lib/file.h"
#include "lib/msg.h"

static const char html_usage[] =
"Usage: coldbpf html --src DIR -o OUTDIR [--lines] (PROFILE... | --all-python | -p PID[,PID...])\n"
"\n"
"Write a self-contained HTML heatmap of DIR: an index of files with their share of\n"
"samples and their dead lines, and a page per file with every source line, its\n"
"samples on a colour scale, never-ran definitions marked, and the hottest functions\n"
"linked. Samples come from profiles (coldbpf ... -o FILE, or pprof files,\n"
"docs/pprof.md); live processes give execution evidence only. Open\n"
"OUTDIR/index.html; no network is needed. With --lines, lines that never ran\n"
"inside functions that ran are marked too (CPython 3.12+; live processes or\n"
"profiles recorded with --evidence-lines, or pprof files made from them;\n"
"docs/cold.md, \"Lines\").\n"
"\n"
"Example:\n"
"  sudo coldbpf --all-python -d 300 -o prof.json && coldbpf html --src ./app -o heat prof.json\n";

int cmd__html(int argc, char **argv)
{
	struct deadcode_args da = {};
	struct deadcode d = {};
	int r = options__deadcode(argc, argv, &da, "html", html_usage, false), err = 1;

	if (r)
		return r > 0 ? 0 : 1;
	if (!da.output) {
		msg__err("html needs -o OUTDIR");
		goto cleanup;
	}
	if (file__make_dir(da.output))
		goto cleanup;
	if (deadcode__collect(&d, &da.s))
		goto cleanup;
	if (d.view_pid) {	/* its pages quote source lines, read from the host's tree */
		msg__err("html needs --src as this host sees the tree (e.g. /proc/%d/root%s), not the process's view",
			 d.view_pid, d.root);
		goto cleanup;
	}
	deadcode__sort(&d);
	if (format__write(format__find(OUT_DEADCODE, "html"), &d, NULL, da.output))
		goto cleanup;
	printf("wrote %s/index.html (%zu file pages)\n", da.output, d.npaths);
	err = 0;
cleanup:
	deadcode__free(&d);
	free(da.s.pids);
	return err;
}
