/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The thread that attaches and detaches USDT markers (collect/usdt.c). A
 * uprobe's detach waits for an RCU tasks-trace grace period under the
 * kernel's global event_mutex: ~0.1 s per call site on this kernel
 * (docs/usdt.md), so the collect thread only posts jobs and reads results;
 * every libbpf USDT call (attach, detach) runs here, in order, which also
 * keeps libbpf's per-object USDT bookkeeping on one thread.
 */
#ifndef COLDBPF_COLLECT_USDTWORK_H
#define COLDBPF_COLLECT_USDTWORK_H
#include <stddef.h>
#include <stdint.h>
#include "cpython/elfinfo.h"

struct bpf_program;
struct usdtwork;

enum { UW_ATTACH = 1, UW_DETACH };

struct usdt_job {
	int op;			/* UW_* */
	uint64_t gen;		/* names one attachment */
	int pid;
	uint32_t markers;	/* UW_ATTACH: 1 << PYM_* to attach */
	char path[128];		/* UW_ATTACH: the interpreter file, /proc/PID/map_files/... */
};

struct usdt_result {
	int op;
	uint64_t gen;
	int err;		/* 0, or the errno of a failed attach; ENOENT: a detach
				 * of nothing (its attach had failed) */
	char why[160];		/* ... which marker and why */
	size_t links;		/* markers attached */
	double secs;		/* the job's wall time */
};

/* progs[m]: the program of marker m, NULL for markers never attached. */
struct usdtwork *usdtwork__start(struct bpf_program *const progs[PYM_NR]);
void usdtwork__post(struct usdtwork *w, const struct usdt_job *j);
/* Results since the last call (a malloc'ed array the caller frees). */
size_t usdtwork__results(struct usdtwork *w, struct usdt_result **out);
/* Jobs posted and not finished. */
size_t usdtwork__pending(struct usdtwork *w);
/* Finish every job, detach everything still attached, join (results stay
 * readable). */
void usdtwork__stop(struct usdtwork *w);
void usdtwork__free(struct usdtwork *w);
#endif
