// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The status of every inventory entry, from what the sources matched onto it. */
#include "deadcode/deadcode.h"
#include <string.h>

void status__decide(struct deadcode *d)
{
	/* A class body's code object is freed once it has run, but the code
	 * objects of its methods live only because it ran: a live code object
	 * nested in a class proves the class body ran. */
	for (size_t i = 0; i < d->n; i++) {
		size_t ql = strlen(d->e[i].qualname);

		if (strcmp(d->e[i].kind, "class") || d->e[i].ran)
			continue;
		for (size_t k = 0; k < d->n; k++)
			if (k != i && d->e[k].matched && !strcmp(d->e[k].path, d->e[i].path) &&
			    !strncmp(d->e[k].qualname, d->e[i].qualname, ql) && d->e[k].qualname[ql] == '.') {
				d->e[i].ran = true;
				break;
			}
	}
	for (size_t i = 0; i < d->n; i++) {
		struct dc_entry *e = &d->e[i];

		if (e->ran)
			e->status = DC_RAN;
		else if (e->samples)
			e->status = DC_SAMPLED;
		else if (d->incomplete || e->unknown)
			e->status = DC_UNKNOWN;	/* a source without evidence for it may have run it */
		else if (e->never)
			e->status = DC_NEVER;
		else if (!d->imported[inventory__path_index(d, e->path)] && !d->partial)
			e->status = DC_NEVER;	/* no profiled process imported its module */
		else
			e->status = DC_UNKNOWN;
	}
}
