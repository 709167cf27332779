// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "profile/pusdt.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"

static const char *const status_names[] = {
	[PU_ATTACHED] = "attached",
	[PU_NO_MARKERS] = "no-markers",
	[PU_FAILED] = "failed",
	[PU_LIMIT] = "limit",
	[PU_PENDING] = "pending",
	[PU_NOT_NEEDED] = "not-needed",
	[PU_OFF] = "off",
};

static const struct {
	const char *name;
	unsigned bit;
} features[] = { { "gc", PU_GC }, { "import", PU_IMPORT } };

struct pusdt *pusdt__new(uint8_t status, uint8_t feats, const char *why)
{
	struct pusdt *u = xcalloc(1, sizeof(*u));

	u->status = status;
	u->features = feats;
	u->why = why && *why ? xstrdup(why) : NULL;
	return u;
}

void pusdt__free(struct pusdt *u)
{
	if (!u)
		return;
	for (uint32_t i = 0; i < u->nslow; i++)
		free(u->slow[i].name);
	free(u->why);
	free(u->calls);
	free(u);
}

void pusdt__clear_calls(struct pusdt *u)
{
	u->ncalls = 0;
}

void pusdt__add_calls(struct pusdt *u, uint32_t func, uint64_t n)
{
	/* a process calls a few thousand functions: a linear search is cheap
	 * beside the map read that feeds it, once per drain */
	for (uint32_t i = 0; i < u->ncalls; i++)
		if (u->calls[i].func == func) {
			u->calls[i].calls += n;
			return;
		}
	ARRAY_RESERVE(u->calls, u->ncalls, u->capcalls, 64);
	u->calls[u->ncalls].func = func;
	u->calls[u->ncalls++].calls = n;
}

uint64_t pusdt__total_calls(const struct pusdt *u)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < u->ncalls; i++)
		n += u->calls[i].calls;
	return n;
}

const char *pusdt__calls_why(int st)
{
	return st == PC_NO_FIRE ? "function__entry does not fire" :
	       st == PC_NO_MARKER ? "no function__entry marker" :
	       st == PC_NO_MARKERS ? "no markers: interpreter built without --with-dtrace" : NULL;
}

void pusdt__set_counts(struct pusdt *u, const struct cb_uproc *c)
{
	memcpy(u->gc_count, c->gc_count, sizeof(u->gc_count));
	memcpy(u->gc_ns, c->gc_ns, sizeof(u->gc_ns));
	memcpy(u->gc_max_ns, c->gc_max_ns, sizeof(u->gc_max_ns));
	memcpy(u->gc_hist, c->gc_hist, sizeof(u->gc_hist));
	u->gc_collected = c->gc_collected;
	u->imports = c->imports;
	u->imports_failed = c->imports_failed;
	u->import_ns = c->import_ns;
}

void pusdt__add_import(struct pusdt *u, const char *name, uint64_t ns)
{
	uint32_t at = u->nslow;

	while (at > 0 && u->slow[at - 1].ns < ns)
		at--;
	if (at >= PUSDT_SLOWEST)
		return;
	if (u->nslow == PUSDT_SLOWEST)
		free(u->slow[--u->nslow].name);	/* the fastest of the kept goes */
	memmove(&u->slow[at + 1], &u->slow[at], (u->nslow - at) * sizeof(u->slow[0]));
	u->slow[at].name = strndup(name ? name : "", PUSDT_NAME_MAX);
	if (!u->slow[at].name)
		u->slow[at].name = xstrdup("");
	u->slow[at].ns = ns;
	u->nslow++;
}

void pusdt__merge(struct pusdt *into, const struct pusdt *from)
{
	for (int g = 0; g < PUSDT_GENS; g++) {
		into->gc_count[g] += from->gc_count[g];
		into->gc_ns[g] += from->gc_ns[g];
		if (from->gc_max_ns[g] > into->gc_max_ns[g])
			into->gc_max_ns[g] = from->gc_max_ns[g];
	}
	for (int b = 0; b < PUSDT_BUCKETS; b++)
		into->gc_hist[b] += from->gc_hist[b];
	into->gc_collected += from->gc_collected;
	into->imports += from->imports;
	into->imports_failed += from->imports_failed;
	into->import_ns += from->import_ns;
	into->features |= from->features;
	if (from->status == PU_ATTACHED || !into->status)
		into->status = from->status;	/* a folded entry: attached if any was */
	for (uint32_t i = 0; i < from->nslow; i++)
		pusdt__add_import(into, from->slow[i].name, from->slow[i].ns);
	if (from->calls_status == PC_COUNTED || !into->calls_status)
		into->calls_status = from->calls_status;
	for (uint32_t i = 0; i < from->ncalls; i++)
		pusdt__add_calls(into, from->calls[i].func, from->calls[i].calls);
}

uint64_t pusdt__collections(const struct pusdt *u)
{
	uint64_t n = 0;

	for (int g = 0; g < PUSDT_GENS; g++)
		n += u->gc_count[g];
	return n;
}

uint64_t pusdt__pause_ns(const struct pusdt *u)
{
	uint64_t n = 0;

	for (int g = 0; g < PUSDT_GENS; g++)
		n += u->gc_ns[g];
	return n;
}

const char *pusdt__status_name(int status)
{
	return status > 0 && status < (int)(sizeof(status_names) / sizeof(status_names[0])) ? status_names[status]
											    : NULL;
}

int pusdt__status_parse(const char *s)
{
	for (int i = 1; s && i < (int)(sizeof(status_names) / sizeof(status_names[0])); i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

void pusdt__features_list(unsigned feats, char *buf, size_t sz)
{
	size_t o = 0;

	if (sz)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]) && sz; i++)
		if (feats & features[i].bit) {
			int n = snprintf(buf + o, sz - o, "%s%s", o ? "," : "", features[i].name);

			if (n < 0 || (size_t)n >= sz - o)
				break;
			o += n;
		}
}

int pusdt__features_parse(const char *s)
{
	int out = 0;

	if (!s || !strcmp(s, "none") || !*s)
		return 0;
	while (*s) {
		size_t len = strcspn(s, ","), i;

		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (strlen(features[i].name) == len && !strncmp(s, features[i].name, len))
				break;
		if (i == sizeof(features) / sizeof(features[0]))
			return -1;
		out |= features[i].bit;
		s += len;
		if (*s == ',' && *++s == 0)
			return -1;	/* a trailing comma */
	}
	return out;
}

static json_t *u64_array(const uint64_t *v, size_t n, bool trim)
{
	json_t *a = json_array();

	while (trim && n > 0 && !v[n - 1])
		n--;	/* a histogram's empty tail */
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

json_t *pusdt__to_json(const struct pusdt *u)
{
	json_t *o = json_object(), *gc = json_object(), *im = json_object(), *slow = json_array();
	char feats[64];

	json_object_set_new(o, "status", json_string(pusdt__status_name(u->status) ? pusdt__status_name(u->status)
										   : "failed"));
	pusdt__features_list(u->features, feats, sizeof(feats));
	json_object_set_new(o, "features", json_string(feats));
	if (u->why)
		json_object_set_new(o, "why", json_string(u->why));
	json_object_set_new(gc, "collections", u64_array(u->gc_count, PUSDT_GENS, false));
	json_object_set_new(gc, "pause_ns", u64_array(u->gc_ns, PUSDT_GENS, false));
	json_object_set_new(gc, "max_pause_ns", u64_array(u->gc_max_ns, PUSDT_GENS, false));
	json_object_set_new(gc, "collected", json_integer((json_int_t)u->gc_collected));
	json_object_set_new(gc, "pause_log2_ns", u64_array(u->gc_hist, PUSDT_BUCKETS, true));
	json_object_set_new(o, "gc", gc);
	json_object_set_new(im, "count", json_integer((json_int_t)u->imports));
	json_object_set_new(im, "failed", json_integer((json_int_t)u->imports_failed));
	json_object_set_new(im, "ns", json_integer((json_int_t)u->import_ns));
	for (uint32_t i = 0; i < u->nslow; i++)
		json_array_append_new(slow, json_pack("{s:s,s:I}", "module", u->slow[i].name, "ns",
						      (json_int_t)u->slow[i].ns));
	json_object_set_new(im, "slowest", slow);
	json_object_set_new(o, "imports", im);
	if (u->calls_status) {
		static const char *const cs[] = { [PC_COUNTED] = "counted", [PC_NO_FIRE] = "no-fire",
						  [PC_NO_MARKER] = "no-marker", [PC_NO_MARKERS] = "no-markers" };
		json_t *calls = json_array();

		json_object_set_new(o, "calls_status", json_string(u->calls_status <= PC_NO_MARKERS ? cs[u->calls_status] : "?"));
		for (uint32_t i = 0; i < u->ncalls; i++)
			json_array_append_new(calls, json_pack("[I,I]", (json_int_t)u->calls[i].func,
							       (json_int_t)u->calls[i].calls));
		json_object_set_new(o, "calls", calls);
	}
	return o;
}

static int get_u64(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return 0;	/* absent: 0 */
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int get_u64s(json_t *o, const char *k, uint64_t *out, size_t max)
{
	json_t *a = json_object_get(o, k), *v;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max)
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return -1;
		out[i] = json_integer_value(v);
	}
	return 0;
}

struct pusdt *pusdt__from_json(json_t *o)
{
	json_t *gc = json_object_get(o, "gc"), *im = json_object_get(o, "imports"), *slow, *v;
	json_t *st = json_object_get(o, "status"), *fe = json_object_get(o, "features"), *why = json_object_get(o, "why");
	int status = json_is_string(st) ? pusdt__status_parse(json_string_value(st)) : -1;
	int feats = json_is_string(fe) ? pusdt__features_parse(json_string_value(fe)) : -1;
	struct pusdt *u;
	size_t i;

	if (!json_is_object(o) || status < 0 || feats < 0 || (why && !json_is_string(why)) ||
	    (gc && !json_is_object(gc)) || (im && !json_is_object(im)))
		return NULL;
	u = pusdt__new(status, feats, why ? json_string_value(why) : NULL);
	if (gc && (get_u64s(gc, "collections", u->gc_count, PUSDT_GENS) ||
		   get_u64s(gc, "pause_ns", u->gc_ns, PUSDT_GENS) ||
		   get_u64s(gc, "max_pause_ns", u->gc_max_ns, PUSDT_GENS) ||
		   get_u64(gc, "collected", &u->gc_collected) ||
		   get_u64s(gc, "pause_log2_ns", u->gc_hist, PUSDT_BUCKETS)))
		goto bad;
	if (im && (get_u64(im, "count", &u->imports) || get_u64(im, "failed", &u->imports_failed) ||
		   get_u64(im, "ns", &u->import_ns)))
		goto bad;
	slow = im ? json_object_get(im, "slowest") : NULL;
	if (slow && (!json_is_array(slow) || json_array_size(slow) > PUSDT_SLOWEST))
		goto bad;
	json_array_foreach(slow, i, v) {
		json_t *m = json_object_get(v, "module"), *ns = json_object_get(v, "ns");

		if (!json_is_string(m) || !json_is_integer(ns) || json_integer_value(ns) < 0)
			goto bad;
		pusdt__add_import(u, json_string_value(m), json_integer_value(ns));
	}
	if (json_object_get(o, "calls_status")) {
		const char *cs = json_string_value(json_object_get(o, "calls_status"));
		json_t *calls = json_object_get(o, "calls");

		u->calls_status = !cs ? 0 : !strcmp(cs, "counted") ? PC_COUNTED : !strcmp(cs, "no-fire") ? PC_NO_FIRE :
				  !strcmp(cs, "no-marker") ? PC_NO_MARKER : !strcmp(cs, "no-markers") ? PC_NO_MARKERS : 0;
		if (!u->calls_status || (calls && !json_is_array(calls)))
			goto bad;
		/* function indices are checked against the profile's by the caller */
		json_array_foreach(calls, i, v) {
			json_t *f = json_array_get(v, 0), *n = json_array_get(v, 1);

			if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(f) || !json_is_integer(n) ||
			    json_integer_value(f) < 0 || json_integer_value(f) > UINT32_MAX || json_integer_value(n) < 0)
				goto bad;
			pusdt__add_calls(u, json_integer_value(f), json_integer_value(n));
		}
	}
	return u;
bad:
	pusdt__free(u);
	return NULL;
}
