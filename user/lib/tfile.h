/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one reader of files that a target names (a code object's co_filename:
 * source text for line previews and for 3.8-3.10 qualified names). Every
 * such read in coldbpf goes through tfile__read, so how a target's file is
 * resolved and opened is decided here and nowhere else (docs/design.md,
 * "Files named by a target").
 *
 * Today: the name is resolved through /proc/PID/root (absolute names, so
 * containers work) or /proc/PID/cwd (relative names).
 */
#ifndef COLDBPF_LIB_TFILE_H
#define COLDBPF_LIB_TFILE_H
#include <stdbool.h>
#include <stddef.h>

enum tfile_flags {
	TFILE_HOST_FALLBACK = 1,	/* display only: once the process is gone, try the host's path */
};

/* The file as process pid sees it, at most max bytes, NUL-terminated.
 * NULL for pseudo-files ("<frozen ...>", "<string>"), unreadable files and
 * files holding a NUL byte (not source). Caller frees. */
char *tfile__read(int pid, const char *name, size_t max, size_t *len, unsigned flags);
#endif
