// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The status of every inventory entry, from what the sources matched onto
 * it: the one place where the soundness rules of docs/cold.md ("Soundness")
 * turn evidence into ran / sampled / never-ran / not-loaded / unknown.
 */
#include "deadcode/deadcode.h"
#include <stdio.h>
#include <string.h>
#include "deadcode/keys.h"
#include <stdlib.h>
#include "cpython/evlines.h"

/* The definition enclosing qualname q: "C.m" -> "C", "f.<locals>.g" -> "f";
 * false at the top level. */
static bool parent_of(const char *q, char *out, size_t outsz)
{
	const char *dot = strrchr(q, '.');
	size_t n;

	if (!dot)
		return false;
	n = dot - q;
	if (n >= 9 && !strncmp(dot - 9, ".<locals>", 9))
		n -= 9;
	if (!n || n >= outsz)
		return false;
	memcpy(out, q, n);
	out[n] = 0;
	return true;
}

/*
 * A live function object of a definition means its `def` statement
 * executed, so the body enclosing it ran, and so did every body enclosing
 * that one. Code objects alone prove nothing of the kind: a nested code
 * object is a constant of its parent's code object and lives as long as
 * it does, whether the parent ran or not (a class defined inside a function
 * that never ran has live method code objects). A class body's own code
 * object is freed once the class exists, so this is how classes are shown
 * to have run.
 */
static void enclosing_ran(struct deadcode *d)
{
	char q[1024], p[1024];

	for (size_t i = 0; i < d->n; i++) {
		if (!d->e[i].has_func)
			continue;
		snprintf(q, sizeof(q), "%s", d->e[i].qualname);
		while (parent_of(q, p, sizeof(p))) {
			struct dc_key k;
			struct dc_entry *e = dc_key__entry(d, &d->byname, dc_key__name(&k, d->e[i].path, p));

			if (!e)
				break;	/* not in the inventory, or ambiguous: no claim */
			e->ran = true;
			snprintf(q, sizeof(q), "%s", p);
		}
	}
}

void status__decide(struct deadcode *d)
{
	enclosing_ran(d);
	for (size_t i = 0; i < d->n; i++) {
		struct dc_entry *e = &d->e[i];
		int pi = inventory__path_index(d, e->path);

		e->why = DC_WHY_NONE;
		if (e->ran)
			e->status = DC_RAN;
		else if (e->samples)
			e->status = DC_SAMPLED;	/* sampled but not proven by evidence */
		else if (d->incomplete)
			e->status = DC_UNKNOWN, e->why = DC_WHY_INCOMPLETE;
		else if (d->unread_exits || d->unfinal_exits)
			/* a process of the service exited before it was read, or
			 * after a read but not at its exit */
			e->status = DC_UNKNOWN, e->why = DC_WHY_EXITED;
		else if (e->unknown)
			e->status = DC_UNKNOWN, e->why = DC_WHY_NO_EVIDENCE;
		else if (e->exited_unread || (!e->never && d->imported_exited[pi]) || d->late[pi])
			/* a process that loaded it exited after its last read, or
			 * may have loaded it after its last round */
			e->status = DC_UNKNOWN, e->why = DC_WHY_EXITED;
		else if (e->never)
			e->status = DC_NEVER;
		else if (!d->imported[pi])
			/* no profiled process loaded its module: it may run elsewhere,
			 * unless a scan skipped memory where its code may be */
			e->status = d->partial ? DC_UNKNOWN : DC_NOT_LOADED,
			e->why = d->partial ? DC_WHY_PARTIAL : DC_WHY_NONE;
		else
			/* loaded, but no live code object: a class body, or code freed */
			e->status = DC_UNKNOWN, e->why = DC_WHY_NO_EVIDENCE;
		if (e->status != DC_RAN || !e->linestat) {
			free(e->linestat);	/* lines are told of functions that ran */
			e->linestat = NULL;
		} else if (d->incomplete || d->unread_exits || d->unfinal_exits || e->exited_unread || e->lines_weak) {
			/* a process may have run any code since its read (as above) */
			struct ev_lines *w = evlines__weaken(e->linestat, e->lines_weak && !d->incomplete &&
								!d->unread_exits && !d->unfinal_exits &&
								!e->exited_unread ? EVL_R_OTHER_COPY : EVL_R_EXITED);

			free(e->linestat);
			e->linestat = w;
		}
	}
}
