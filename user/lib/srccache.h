/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Source files of targets, read once through lib/tfile.h and kept with
 * their lines. One cache per reader context (a process's symbol table, one
 * evidence scan, the agent's line previews), keyed by the name the target
 * uses; at most max_files are kept (the oldest read is dropped first).
 */
#ifndef COLDBPF_LIB_SRCCACHE_H
#define COLDBPF_LIB_SRCCACHE_H
#include <stddef.h>

struct srcfile {
	char *name;	/* as the target names it */
	char *data;	/* the whole file; NULL when unreadable */
	size_t len;
	size_t *line_off;	/* offset of each line in data (computed on first use) */
	size_t nlines;
};

struct srccache;

/* max_files 0: unbounded; max_bytes: read of one file. */
struct srccache *srccache__new(size_t max_files, size_t max_bytes);
void srccache__free(struct srccache *c);
/* The file named name, read through pid's view when not cached. Never NULL;
 * valid until the next srccache__get. */
const struct srcfile *srccache__get(struct srccache *c, int pid, const char *name);
/* Line (1-based) without leading blanks and trailing CR/spaces, at most
 * outsz - 1 bytes; 0, or -1 when unknown. */
int srccache__line(struct srccache *c, int pid, const char *name, int line, char *out, size_t outsz);
#endif
