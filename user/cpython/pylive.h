/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live check of a CPython newer than coldbpf knows (pylayout.future):
 * the offsets its _Py_DebugOffsets gave must describe the running process
 * before a sample is taken (docs/design.md, "Versions newer than tested").
 * Read-only (process_vm_readv through lib/mem); everything read is bounded.
 */
#ifndef COLDBPF_CPYTHON_PYLIVE_H
#define COLDBPF_CPYTHON_PYLIVE_H
#include <stdbool.h>
#include <stddef.h>
#include "cpython/pylayout.h"

enum pylive {
	PYLIVE_OK = 0,		/* every check held, on at least one Python frame */
	PYLIVE_FAIL,		/* a check failed: why names it */
	PYLIVE_NOT_YET,		/* no interpreter, thread or Python frame to check yet */
};

struct pylive_stats {
	unsigned threads;	/* thread states whose interp pointed back */
	unsigned frames;	/* thread-owned frames found inside their data stack */
	unsigned codes;		/* code objects with the code type */
};

/* Check pid against l (bpf.runtime_addr set): the interpreter list leads
 * to thread states that point back at their interpreter; each thread's
 * frames lie inside its data-stack chunks (chunk->size agreeing with
 * datastack_limit); every frame's code object has the code type (l->code_type
 * when the file exports PyCode_Type, else the type whose tp_name is "code",
 * the same for all). A few attempts: the process runs while it is read.
 * settled: the process is past its start (PYLIVE_SETTLED_SECS old), so an
 * empty interpreter or thread list fails instead of being early; a thread
 * list without a Python frame stays PYLIVE_NOT_YET (a C REPL waiting). */
#define PYLIVE_SETTLED_SECS 2.0
enum pylive pylive__verify(int pid, const struct pylayout *l, bool settled, struct pylive_stats *st, char *why,
			   size_t whysz);
#endif
