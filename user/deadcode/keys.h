/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The keys under which inventory entries are found (deadcode/ internal). */
#ifndef COLDBPF_DEADCODE_KEYS_H
#define COLDBPF_DEADCODE_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "deadcode/deadcode.h"

enum dc_key_kind {
	DC_KEY_EXACT,	/* path, qualname, first line */
	DC_KEY_FIRST,	/* path, first line */
	DC_KEY_NAME,	/* path, qualname */
	DC_KEY_LAST,	/* path, last component of the qualname */
};

struct dc_key {
	enum dc_key_kind kind;
	const char *path;
	const char *name;	/* qualname, or its last component */
	int first;
};

struct dc_key_probe {
	const struct deadcode *d;
	struct dc_key k;
};

/* The part of a qualified name after its last dot. */
const char *dc_key__last_component(const char *qualname);
const struct dc_key *dc_key__exact(struct dc_key *k, const char *path, const char *qualname, int first);
const struct dc_key *dc_key__first(struct dc_key *k, const char *path, int first);
const struct dc_key *dc_key__name(struct dc_key *k, const char *path, const char *qualname);
const struct dc_key *dc_key__last(struct dc_key *k, const char *path, const char *qualname);
uint64_t dc_key__hash(const struct dc_key *k);
/* htab_eq_fn: does entry (val & ~DC_AMBIGUOUS) - 1 have the probe's key? */
bool dc_key__same(uint64_t val, const void *probe);
/* The entry indexed under k in t (an index of d); NULL when none, or when
 * several share the key (DC_AMBIGUOUS). */
struct dc_entry *dc_key__entry(struct deadcode *d, const struct htab *t, const struct dc_key *k);
#endif
