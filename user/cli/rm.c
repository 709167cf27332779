// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* coldbpf rm: delete a definition that never ran (docs/cold.md). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cmd.h"
#include "deadcode/deadcode.h"
#include "lib/msg.h"
#include "deadcode/edit.h"

static const char rm_usage[] =
"Usage: coldbpf rm --src DIR [--not-loaded] KEY (--all-python | -p PID[,PID...] | PROFILE.json...)\n"
"\n"
"Delete the source lines of a function that never ran. KEY is PATH:QUALNAME,\n"
"PATH relative to DIR (as `cold` prints them). Refuses, writing nothing, when the\n"
"function's status is not never-ran (with --not-loaded, not-loaded too: no\n"
"profiled process loaded its module, but one elsewhere may), when the evidence\n"
"covers less than --min-window SECS (default 3600: the youngest process read had\n"
"run that long; give a smaller value to accept a shorter window), when KEY names\n"
"several definitions or none,\n"
"for lambdas and generator expressions, and when the file changed since the\n"
"evidence was read (the running code's lines differ from the file's, or the file\n"
"was modified meanwhile).\n"
"\n"
"Example:\n"
"  sudo coldbpf rm --src ./app app/legacy.py:Importer.run -p 1234\n";

int cmd__rm(int argc, char **argv)
{
	struct deadcode_args da = {};
	struct deadcode d = {};
	struct dc_entry *hit = NULL;
	const char *colon;
	char path[PATH_MAX * 2];
	struct stat st;
	int r = options__deadcode(argc, argv, &da, "rm", rm_usage, true), err = 1, nhits = 0;

	if (r)
		return r > 0 ? 0 : 1;
	colon = strchr(da.key, ':');
	if (!colon || colon == da.key || !colon[1]) {
		msg__err("a key is PATH:QUALNAME, relative to the source root (e.g. app/models.py:User.save)");
		goto cleanup;
	}
	/* the file as it is before the evidence is read: any change after aborts */
	if (!realpath(da.s.src, d.root)) {
		msg__err("--src %s: %s", da.s.src, strerror(errno));
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/%.*s", d.root, (int)(colon - da.key), da.key);
	if (lstat(path, &st)) {
		msg__err("%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (deadcode__collect(&d, &da.s))
		goto cleanup;
	for (size_t i = 0; i < d.n; i++) {
		size_t pl = strlen(d.e[i].path);

		if ((size_t)(colon - da.key) == pl && !strncmp(da.key, d.e[i].path, pl) &&
		    !strcmp(colon + 1, d.e[i].qualname)) {
			hit = &d.e[i];
			nhits++;
		}
	}
	if (!nhits) {
		msg__err("%s: no such definition under %s", da.key, d.root);
		goto cleanup;
	}
	if (nhits > 1) {
		msg__err("%s names %d definitions: nothing removed", da.key, nhits);
		goto cleanup;
	}
	if (hit->status != DC_NEVER && !(hit->status == DC_NOT_LOADED && da.not_loaded)) {
		msg__err("%s %s: only never-ran functions are removed%s", da.key, dc_status_names[hit->status],
			 hit->status == DC_NOT_LOADED ? " (not-loaded ones with --not-loaded: no profiled "
							"process loaded the module, one elsewhere may)" : "");
		goto cleanup;
	}
	if (d.window_unknown || d.window < da.min_window) {
		if (d.window_unknown || d.window < 0)
			msg__err("%s: how long the processes had run when read is not known: give --min-window 0 "
				 "to remove it anyway", da.key);
		else
			msg__err("%s: the evidence covers only %.0f s (the youngest process read had run that "
				 "long), less than --min-window %.0f: nothing removed", da.key, d.window, da.min_window);
		goto cleanup;
	}
	if (!strcmp(hit->kind, "lambda") || !strcmp(hit->kind, "genexpr")) {
		msg__err("%s is part of an expression: remove it by hand", da.key);
		goto cleanup;
	}
	if (hit->drifted) {
		msg__err("%s: the running code has it at other lines than the file: the file changed "
		       "since that code was loaded; nothing removed", da.key);
		goto cleanup;
	}
	if (edit__delete_lines(path, hit->first, hit->last, &st))
		goto cleanup;
	printf("removed %s (lines %d-%d of %s)\n", da.key, hit->first, hit->last, hit->path);
	err = 0;
cleanup:
	deadcode__free(&d);
	free(da.s.pids);
	return err;
}
