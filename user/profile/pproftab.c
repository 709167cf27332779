// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A pprof Profile's tables (profile/pproftab.h), in passes over the
 * message: counts (every one bounded before anything is allocated), then
 * strings, sample types and functions, then locations (they name
 * functions).
 */
#include "profile/pproftab.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "profile/pprofschema.h"

int pprof_tab__fail(struct pprof_tab *t, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(t->err, t->errsz, "%s: ", t->name);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < t->errsz)
		vsnprintf(t->err + n, t->errsz - n, fmt, ap);
	va_end(ap);
	return -1;
}

int pprof_tab__malformed(struct pprof_tab *t, const struct proto_reader *r, const char *what)
{
	return pprof_tab__fail(t, "not a valid pprof profile: malformed %s at byte %zu", what, proto__offset(r));
}

bool pprof_tab__str_is(const struct pprof_tab *t, uint64_t i, const char *s)
{
	size_t n = strlen(s);

	return i < t->nstrs && t->strs[i].len == n && !memcmp(t->strs[i].s, s, n);
}

const struct pprof_loc *pprof_tab__loc(const struct pprof_tab *t, uint64_t id)
{
	uint64_t *v = htab__get(&t->loc_idx, id);

	return v ? &t->locs[*v - 1] : NULL;
}

/* One more of a repeated field: 0, or -1 past max. */
static int one_more(struct pprof_tab *t, size_t *n, size_t max, const char *what)
{
	if (++*n <= max)
		return 0;
	return pprof_tab__fail(t, "more than %zu %s", max, what);
}

/* Pass 1: count the repeated fields, read the scalar ones. */
static int count_fields(struct pprof_tab *t)
{
	struct proto_reader r, sub;
	struct proto_field f, g;
	int k, err = 0;

	proto__reader(&r, t->data, t->len);
	while (!err && (k = proto__next(&r, &f)) > 0) {
		bool msg = f.num <= PB_PROFILE_STRING_TABLE || f.num == PB_PROFILE_PERIOD_TYPE;
		bool scalar = f.num >= PB_PROFILE_DROP_FRAMES && f.num <= PB_PROFILE_DEFAULT_SAMPLE_TYPE && !msg &&
			      f.num != PB_PROFILE_COMMENT;

		if ((msg && f.wire != PROTO_LEN) || (scalar && f.wire != PROTO_VARINT))
			return pprof_tab__fail(t, "not a valid pprof profile: field %u has wire type %d", f.num, f.wire);
		switch (f.num) {
		case PB_PROFILE_SAMPLE_TYPE: err = one_more(t, &t->ntypes, PPROF_MAX_TYPES, "sample types"); break;
		case PB_PROFILE_SAMPLE: err = one_more(t, &t->nsamples, PPROF_MAX_SAMPLES, "samples"); break;
		case PB_PROFILE_LOCATION: err = one_more(t, &t->nlocs, PPROF_MAX_LOCATIONS, "locations"); break;
		case PB_PROFILE_FUNCTION: err = one_more(t, &t->nfns, PPROF_MAX_FUNCTIONS, "functions"); break;
		case PB_PROFILE_STRING_TABLE:
			err = one_more(t, &t->nstrs, PPROF_MAX_STRINGS, "strings");
			if (!err && f.len > PPROF_MAX_STRING_LEN)
				return pprof_tab__fail(t, "string %zu is %zu bytes long (at most %d)", t->nstrs - 1,
						       f.len, PPROF_MAX_STRING_LEN);
			break;
		case PB_PROFILE_TIME_NANOS: t->time_nanos = f.u; break;
		case PB_PROFILE_DURATION_NANOS: t->duration_nanos = f.u; break;
		case PB_PROFILE_PERIOD: t->period = f.u; break;
		case PB_PROFILE_DEFAULT_SAMPLE_TYPE: t->default_type = f.u; break;
		case PB_PROFILE_PERIOD_TYPE:
			if (proto__enter(&r, &f, &sub))
				return pprof_tab__malformed(t, &r, "period type");
			while ((k = proto__next(&sub, &g)) > 0)
				if (g.num == PB_VALUETYPE_UNIT && g.wire == PROTO_VARINT)
					t->period_unit = g.u;
			if (k < 0)
				return pprof_tab__malformed(t, &sub, "period type");
			break;
		}
	}
	if (err)
		return -1;
	if (k < 0)
		return pprof_tab__malformed(t, &r, "field");
	if (!t->nstrs)
		return pprof_tab__fail(t, "not a pprof profile: no string table");
	if (!t->ntypes)
		return pprof_tab__fail(t, "not a pprof profile: no sample types");
	return 0;
}

int pprof_tab__msg(struct pprof_tab *t, const struct proto_reader *r, const struct proto_field *mf, uint64_t *out,
		   size_t n, uint32_t strmask, const char *what)
{
	struct proto_reader sub;
	struct proto_field f;
	int k;

	memset(out, 0, (n + 1) * sizeof(*out));
	if (proto__enter(r, mf, &sub))
		return pprof_tab__malformed(t, r, what);
	while ((k = proto__next(&sub, &f)) > 0) {
		if (f.num > n || f.wire != PROTO_VARINT)
			continue;	/* unknown fields, and repeated ones the caller reads */
		out[f.num] = f.u;
		if ((strmask >> f.num & 1) && f.u >= t->nstrs)
			return pprof_tab__fail(t, "not a valid pprof profile: %s names string %" PRIu64 " of %zu",
					       what, f.u, t->nstrs);
	}
	return k < 0 ? pprof_tab__malformed(t, &sub, what) : 0;
}

/* Pass 2: strings, sample types, functions. */
static int read_tables(struct pprof_tab *t)
{
	struct proto_reader r;
	struct proto_field f;
	size_t s = 0, ty = 0, fn = 0;
	uint64_t v[8], *slot;
	bool isnew;

	t->strs = xcalloc(t->nstrs, sizeof(*t->strs));
	t->types = xcalloc(t->ntypes, sizeof(*t->types));
	t->fns = xcalloc(t->nfns + 1, sizeof(*t->fns));
	proto__reader(&r, t->data, t->len);
	while (proto__next(&r, &f) > 0)
		if (f.num == PB_PROFILE_STRING_TABLE)
			t->strs[s++] = (struct pprof_str){ f.data, f.len };
	if (t->strs[0].len)
		return pprof_tab__fail(t, "not a valid pprof profile: string_table[0] is not empty");
	proto__reader(&r, t->data, t->len);
	while (proto__next(&r, &f) > 0) {
		if (f.num == PB_PROFILE_SAMPLE_TYPE) {
			if (pprof_tab__msg(t, &r, &f, v, 2, 1 << PB_VALUETYPE_TYPE | 1 << PB_VALUETYPE_UNIT,
					   "sample type"))
				return -1;
			t->types[ty][0] = v[PB_VALUETYPE_TYPE];
			t->types[ty++][1] = v[PB_VALUETYPE_UNIT];
		} else if (f.num == PB_PROFILE_FUNCTION) {
			if (pprof_tab__msg(t, &r, &f, v, 5,
					   1 << PB_FUNCTION_NAME | 1 << PB_FUNCTION_SYSTEM_NAME | 1 << PB_FUNCTION_FILENAME,
					   "function"))
				return -1;
			if (!v[PB_FUNCTION_ID] || (slot = htab__put(&t->fn_idx, v[PB_FUNCTION_ID], &isnew), !isnew))
				return pprof_tab__fail(t, "not a valid pprof profile: function id %" PRIu64
						       " is 0 or repeated", v[PB_FUNCTION_ID]);
			*slot = fn + 1;
			t->fns[fn++] = (struct pprof_fn){
				v[PB_FUNCTION_ID], v[PB_FUNCTION_NAME] ? v[PB_FUNCTION_NAME] : v[PB_FUNCTION_SYSTEM_NAME],
				v[PB_FUNCTION_FILENAME], (int64_t)v[PB_FUNCTION_START_LINE] };
		}
	}
	if (t->default_type >= t->nstrs || t->period_unit >= t->nstrs)
		return pprof_tab__fail(t, "not a valid pprof profile: a string index is out of range");
	return 0;
}

/* One Line of location l: its function must be there (0: no function, skipped). */
static int read_line(struct pprof_tab *t, struct pprof_loc *l, const struct proto_reader *r,
		     const struct proto_field *f)
{
	uint64_t v[3], *fi;

	if (pprof_tab__msg(t, r, f, v, 2, 0, "line"))
		return -1;
	if (!v[PB_LINE_FUNCTION_ID])
		return 0;
	if (!(fi = htab__get(&t->fn_idx, v[PB_LINE_FUNCTION_ID])))
		return pprof_tab__fail(t, "not a valid pprof profile: a location names function %" PRIu64
				       ", which is not there", v[PB_LINE_FUNCTION_ID]);
	if (++l->nlines > PPROF_MAX_LINES)
		return pprof_tab__fail(t, "a location has more than %d lines", PPROF_MAX_LINES);
	ARRAY_RESERVE(t->lines, t->nlines, t->caplines, 1024);
	t->lines[t->nlines++] = (struct pprof_line){
		*fi - 1, (int64_t)v[PB_LINE_LINE] > 0 && (int64_t)v[PB_LINE_LINE] <= INT32_MAX ? (int32_t)v[PB_LINE_LINE] : -1 };
	return 0;
}

/* Pass 3: locations and their lines. */
static int read_locations(struct pprof_tab *t)
{
	struct proto_reader r, sub;
	struct proto_field f, g;
	size_t n = 0;
	uint64_t *slot;
	bool isnew;
	int k;

	t->locs = xcalloc(t->nlocs + 1, sizeof(*t->locs));
	proto__reader(&r, t->data, t->len);
	while (proto__next(&r, &f) > 0) {
		struct pprof_loc *l = &t->locs[n];

		if (f.num != PB_PROFILE_LOCATION)
			continue;
		if (proto__enter(&r, &f, &sub))
			return pprof_tab__malformed(t, &r, "location");
		l->line0 = t->nlines;
		while ((k = proto__next(&sub, &g)) > 0) {
			if (g.num == PB_LOCATION_ID && g.wire == PROTO_VARINT)
				l->id = g.u;
			else if (g.num == PB_LOCATION_ADDRESS && g.wire == PROTO_VARINT)
				l->addr = g.u;
			else if (g.num == PB_LOCATION_LINE && g.wire == PROTO_LEN && read_line(t, l, &sub, &g))
				return -1;
		}
		if (k < 0)
			return pprof_tab__malformed(t, &sub, "location");
		if (!l->id || (slot = htab__put(&t->loc_idx, l->id, &isnew), !isnew))
			return pprof_tab__fail(t, "not a valid pprof profile: location id %" PRIu64 " is 0 or repeated",
					       l->id);
		*slot = ++n;
	}
	return 0;
}

int pprof_tab__read(struct pprof_tab *t, const void *data, size_t len, const char *name, char *err, size_t errsz)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->err = err;
	t->errsz = errsz;
	t->data = data;
	t->len = len;
	return count_fields(t) || read_tables(t) || read_locations(t) ? -1 : 0;
}

void pprof_tab__free(struct pprof_tab *t)
{
	free(t->strs);
	free(t->types);
	free(t->fns);
	free(t->locs);
	free(t->lines);
	htab__free(&t->fn_idx);
	htab__free(&t->loc_idx);
	memset(t, 0, sizeof(*t));
}
