/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evidence that needs no marker (cpython/ internal, used by evscan.c): a
 * round's view of the process before markers are read (was monitoring ever
 * on; which code has a frame on a thread's stack), the function objects it
 * meets while scanning (their definitions executed) and the classes (heap
 * type objects: their bodies ran).
 */
#ifndef COLDBPF_CPYTHON_EVPROOF_H
#define COLDBPF_CPYTHON_EVPROOF_H
#include <stdint.h>
#include "cpython/evidence.h"
#include "lib/htab.h"

/* What one round knows besides the markers (freed by evproof__end). */
struct evround_ctx {
	unsigned flags;		/* EV_F_* for evidence__status */
	struct htab on_stack;	/* code addresses with a frame on a thread's stack */
	struct htab at;		/* code address -> index + 1 into codes (this round) */
	struct htab func_code;	/* func_code -> func_module of every live function object */
	struct htab code_name;	/* code address -> its co_qualname (co_name before 3.11) pointer */
	/* live function objects whose own name is their code's (not one copied
	 * by functools.wraps): they tell which file a module name stands for */
	struct evfunc { uint64_t code, module, name; } *funcs;
	size_t nfuncs, capfuncs;
	struct evtype { uint64_t qualname, dict; } *types;	/* live heap types */
	const struct ev_metas *metas;	/* the scan's known metaclasses */
	struct ev_metas newmetas;	/* ... found this round */
	bool meta_only;		/* a second pass: instances of newmetas only */
	size_t ntypes, captypes;
};

#define EV_MAX_TYPES 16384	/* classes looked at per round */
#define EV_MAX_FUNCS (1 << 20)	/* function objects looked at per round */

/* Before a round: the monitoring flag, the code on threads' stacks, and
 * s's guard probes. */
void evproof__begin(int pid, const struct pylayout *l, struct evround_ctx *r, struct ev_scan *s);
/* A function object met at chunk offset o (target address a + o; have:
 * bytes of chunk read): remember its code pointer. */
void evproof__function(int pid, const struct pylayout *l, uint64_t a, const uint8_t *chunk, uint64_t have,
		       uint64_t o, struct evround_ctx *r);
/* A type object (ob_type is PyType_Type or a known metaclass) met the same
 * way: remember a heap type's qualified name and dict, and a new
 * metaclass. */
void evproof__type(int pid, const struct pylayout *l, uint64_t a, const uint8_t *chunk, uint64_t have,
		   uint64_t o, struct evround_ctx *r);
/* After a round: mark codes with a live function object (EV_C_FUNC), record
 * the live classes whose module is known (EV_C_CLASS), free. */
void evproof__end(int pid, const struct pylayout *l, struct ev_scan *s, struct evround_ctx *r);
#endif
