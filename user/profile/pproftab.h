/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tables of a pprof Profile message, decoded and checked before any
 * sample is looked at (profile/pprofread.c reads the samples): the string
 * table, sample types, functions, locations with their lines, and the
 * scalar fields. Fields may come in any order and ids are free, as tools
 * that merge profiles renumber them; every id a table names must exist,
 * and every count and string length is bounded, with a one-line error.
 * Strings stay in the input; nothing is copied.
 */
#ifndef COLDBPF_PROFILE_PPROFTAB_H
#define COLDBPF_PROFILE_PPROFTAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/htab.h"
#include "lib/proto.h"

#define PPROF_MAX_STRINGS (1u << 22)
#define PPROF_MAX_STRING_LEN 65536
#define PPROF_MAX_TYPES 64
#define PPROF_MAX_FUNCTIONS (1u << 22)
#define PPROF_MAX_LOCATIONS (1u << 22)
#define PPROF_MAX_LINES 1024	/* per location (inlined frames) */
#define PPROF_MAX_SAMPLES (1u << 24)

struct pprof_str {
	const uint8_t *s;
	uint32_t len;
};

struct pprof_fn {
	uint64_t id, name, file;	/* name: system_name when name is "" */
	int64_t start;
};

struct pprof_loc {
	uint64_t id, addr;
	uint32_t line0, nlines;	/* into lines, innermost first */
};

struct pprof_line {
	uint32_t fn;	/* index into fns */
	int32_t line;	/* -1: none */
};

struct pprof_tab {
	const char *name;	/* for messages */
	char *err;
	size_t errsz;
	const uint8_t *data;	/* the protobuf */
	size_t len;
	struct pprof_str *strs;
	size_t nstrs;
	uint64_t (*types)[2];	/* (type, unit) string indices */
	size_t ntypes;
	struct pprof_fn *fns;
	size_t nfns;
	struct pprof_loc *locs;
	size_t nlocs;
	struct pprof_line *lines;
	size_t nlines, caplines;
	size_t nsamples;
	struct htab fn_idx, loc_idx;	/* id -> index + 1 */
	uint64_t time_nanos, duration_nanos, period, period_unit, default_type;
};

/* Decode the tables of data (raw protobuf; it must outlive t). 0, or -1
 * with "name: reason" in err. t is to be freed either way. */
int pprof_tab__read(struct pprof_tab *t, const void *data, size_t len, const char *name, char *err, size_t errsz);
void pprof_tab__free(struct pprof_tab *t);
/* -1 after "name: <printf>" in t->err. */
int pprof_tab__fail(struct pprof_tab *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -1 after "name: not a valid pprof profile: malformed <what> at byte N". */
int pprof_tab__malformed(struct pprof_tab *t, const struct proto_reader *r, const char *what);
/* A message's varint fields 1..n into out[1..n] (out[0] unused), the
 * fields in strmask (1 << field) checked as string indices. 0, or -1. */
int pprof_tab__msg(struct pprof_tab *t, const struct proto_reader *r, const struct proto_field *f, uint64_t *out,
		   size_t n, uint32_t strmask, const char *what);
bool pprof_tab__str_is(const struct pprof_tab *t, uint64_t i, const char *s);
/* The location with that id, or NULL. */
const struct pprof_loc *pprof_tab__loc(const struct pprof_tab *t, uint64_t id);
#endif
