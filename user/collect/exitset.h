/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One published exit-read probe set (collect/exitread.h) and what an exit
 * read of it says: the statuses of the codes it was published with, after
 * the markers that changed (ran), could not be read (unknown) or stayed
 * (never-ran, now for the process's whole life).
 */
#ifndef COLDBPF_COLLECT_EXITSET_H
#define COLDBPF_COLLECT_EXITSET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "cpython/evidence.h"
#include "exitprobe.h"

struct pevcode;

/* One published probe set: guards first, then markers. */
struct xset {
	uint64_t gen;
	uint32_t start, n, nguards;
	uint8_t gkind[EV_MAX_GUARDS];
	bool complete;		/* every interpreter's guards are in it */
	uint32_t *code;		/* per marker: index into codes */
	uint32_t *probed;	/* per code: its markers in the set */
	struct pevcode *codes;	/* the evidence it was published with */
	size_t ncodes;
	int pid;		/* its owner */
	uint64_t starttime;
	uint32_t proc;
	char *comm, *cmdline, *python, *method, *root, *cwd;	/* for children seen only at exit */
	int refs;		/* the owner (while current) and the children that inherited it */
	bool current;
	double retire_at;
};

void xset__free(struct xset *s);
char *xset__dup(const char *s);
/* The statuses after exit read ev of s (*out, *nout; changed_only: only the
 * codes the read proved ran that s did not have as ran); false when the read
 * proves nothing (monitoring switched on since, a guard missing). *late: a
 * module was imported since the round. */
bool xset__result(const struct xset *s, const struct cb_xevent *ev, struct pevcode **out, bool *late,
		  bool changed_only, size_t *nout);
#endif
