// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The dead-code statuses of a profile held in memory, again and again over
 * one inventory (deadcode.h: deadcode__inventory, deadcode__decide_profile). */
#include "deadcode/deadcode.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deadcode/ignorefile.h"
#include "lib/alloc.h"
#include "lib/msg.h"

int deadcode__inventory(struct deadcode *d, const char *src, const char *python)
{
	if (!realpath(src, d->root)) {
		msg__err("--src %s: %s", src, strerror(errno));
		return -1;
	}
	snprintf(d->root_given, sizeof(d->root_given), "%s", src[0] == '/' ? src : d->root);
	d->own_ig = ignorefile__load(d->root);
	if (!d->own_ig)
		return -1;
	d->ig = d->own_ig;
	if (inventory__run(d, python ? python : "python3", d->own_ig))
		return -1;
	d->imported = xcalloc(d->npaths + 1, sizeof(bool));
	d->imported_exited = xcalloc(d->npaths + 1, sizeof(bool));
	d->late = xcalloc(d->npaths + 1, sizeof(bool));
	d->window = -1;
	return 0;
}

/* Everything matched from evidence and samples goes; the inventory stays. */
static void forget(struct deadcode *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct dc_entry *e = &d->e[i];

		e->ran = e->never = e->matched = e->unknown = e->exited_unread = e->has_func = e->drifted = false;
		e->samples = 0;
		e->status = DC_UNKNOWN;
		e->why = DC_WHY_NONE;
	}
	memset(d->imported, 0, d->npaths + 1);
	memset(d->imported_exited, 0, d->npaths + 1);
	memset(d->late, 0, d->npaths + 1);
	for (size_t i = 0; i < d->ndrift; i++)
		free(d->drift[i]);
	d->ndrift = 0;
	htab__free(&d->drift_idx);
	htab__free(&d->line_samples);
	htab__free(&d->line_gc);
	d->sources = 0;
	d->exits = d->exits_read = d->exits_late = d->unread_exits = d->unfinal_exits = 0;
	d->window = -1;
	d->window_procs = 0;
	d->window_unknown = d->incomplete = d->partial = false;
	d->in_tree = 0;
	d->total_samples = 0;
	d->gc_samples = 0;
}

void deadcode__decide_profile(struct deadcode *d, const struct profile *p)
{
	forget(d);
	match__profile_data(d, p, NULL);
	status__decide(d);
}

void deadcode__decide_profiles(struct deadcode *d, const struct profile *const *ps, size_t n)
{
	forget(d);
	for (size_t i = 0; i < n; i++)
		match__profile_data(d, ps[i], NULL);
	status__decide(d);
}
