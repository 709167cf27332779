/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one reader of files that a target names (a code object's co_filename:
 * source text for line previews and 3.8-3.10 qualified names). coldbpf runs
 * as root next to processes any user may start, and `compile(src,
 * "/etc/shadow", "exec")` is one line of Python, so a name from a target is
 * hostile input (docs/design.md, "What coldbpf trusts"). tfile__read reads
 * it only as the target itself could:
 *
 * - resolved inside the target's root (openat2 RESOLVE_IN_ROOT from
 *   /proc/PID/root; relative names from its working directory), never
 *   through a procfs magic link, never on the host's path;
 * - with the target's filesystem uid, gid and groups (from /proc/PID/status),
 *   switched per thread in a worker (raw setfsuid/setfsgid/setgroups: glibc
 *   would change every thread);
 * - opened O_PATH first: only a regular file on an ordinary filesystem
 *   (not proc, sys, debugfs, ...) is ever reopened for reading, so a FIFO,
 *   a socket or a device is never opened for I/O;
 * - read in that worker under a deadline (FUSE or NFS can hang a read): a
 *   hung read costs one worker, is counted, and never blocks the caller
 *   longer than the deadline.
 */
#ifndef COLDBPF_LIB_TFILE_H
#define COLDBPF_LIB_TFILE_H
#include <stddef.h>
#include <stdint.h>

#define TFILE_DEADLINE_MS 2000	/* a read that takes longer is abandoned */
#define TFILE_MAX_HUNG 4	/* workers stuck in a read; then reads fail at once */

/* Outcomes, counted since start (tfile__stats). */
struct tfile_stats {
	uint64_t reads;		/* files read */
	uint64_t refused;	/* not a regular file on an ordinary filesystem */
	uint64_t denied;	/* the target's user could not read it, or it is outside its root */
	uint64_t failed;	/* gone, unreadable, holds a NUL byte */
	uint64_t timeouts;	/* abandoned after the deadline */
	uint64_t hung;		/* workers still stuck in a read */
};

/* The file as process pid sees it and may read it, at most max bytes,
 * NUL-terminated. NULL for pseudo-files ("<frozen ...>", "<string>"),
 * refused, unreadable or too slow files and files holding a NUL byte (not
 * source). Thread-safe. Caller frees. */
char *tfile__read(int pid, const char *name, size_t max, size_t *len);
void tfile__stats(struct tfile_stats *out);
#endif
