/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * "Has this code run since the process started?", read from outside at zero
 * cost to the target: every live code object is found by scanning the
 * process's writable mappings for objects whose type is PyCode_Type
 * (validated field by field), and each version's marker is read
 * (shared/docs/cpython-internals.md §5, docs/cold.md). Read-only.
 */
#ifndef COLDBPF_CPYTHON_EVIDENCE_H
#define COLDBPF_CPYTHON_EVIDENCE_H
#include <stdint.h>
#include "cpython/pylayout.h"

enum ev_status {
	EV_UNKNOWN = 0,	/* the version leaves no evidence for this code object */
	EV_RAN = 1,	/* exact: it has run */
	EV_NEVER = 2,	/* exact: it has not run since the process started */
};

struct ev_code {
	char *file;	/* co_filename as the process has it */
	char *qualname;	/* co_qualname, or co_name before 3.11 */
	int firstline;
	uint8_t status;
};

struct ev_scan {
	struct ev_code *codes;
	size_t n, cap;
	uint64_t bytes_read;	/* for the benchmark */
	uint64_t candidates;	/* words equal to &PyCode_Type */
};

/* Scan pid. 0, or -1 with why (process gone, version without evidence
 * support). Codes that appear several times are merged (ran wins). */
int evidence__scan(int pid, const struct pylayout *l, struct ev_scan *out, char *why, size_t whysz);
void ev_scan__free(struct ev_scan *s);
/* Status of one code object from its header bytes and its bytecode (exposed
 * for tests). code is the first l->code_read bytes; bc the adaptive bytecode
 * (3.11+; n code units) or NULL. */
enum ev_status evidence__status(const struct pylayout *l, const uint8_t *code, const uint8_t *bc,
				size_t units);
const char *evidence__status_name(enum ev_status s);
#endif
