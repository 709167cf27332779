/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What CPython's static markers told about one process (docs/usdt.md): its
 * GC pauses (collections per generation, pause totals and maxima, a log2
 * histogram) and its imports (count, time, the slowest ones by name), and
 * whether its markers could be attached at all. Hangs off struct pproc
 * (NULL: no USDT feature was on); saved in the JSON profile under
 * "usdt", merged when exited processes are folded per program.
 */
#ifndef COLDBPF_PROFILE_PUSDT_H
#define COLDBPF_PROFILE_PUSDT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "usdtprobe.h"

#define PUSDT_GENS CB_GC_GENS
#define PUSDT_BUCKETS CB_GC_BUCKETS	/* bucket i: pauses in [2^i, 2^(i+1)) ns */
#define PUSDT_SLOWEST 10		/* slowest imports kept per process */
#define PUSDT_NAME_MAX (CB_IMPORT_NAME - 1)

/* features (bits of pusdt.features, and of the --usdt option) */
enum {
	PU_GC = 1,
	PU_IMPORT = 2,
	PU_AUDIT = 4,	/* `coldbpf audit` only: never by --usdt */
	PU_CALLS = 8,	/* --calls: exact call counts (function__entry), never by --usdt */
};

/* --calls, per process (pusdt.calls_status) */
enum pusdt_calls {
	PC_OFF = 0,		/* not asked for */
	PC_COUNTED,		/* function__entry attached: calls[] are exact */
	PC_NO_FIRE,		/* 3.11-3.14 with the marker: it does not fire for most calls */
	PC_NO_MARKER,		/* the interpreter has no function__entry marker */
	PC_NO_MARKERS,		/* ... nor any other (built without --with-dtrace) */
};

struct pcall {
	uint32_t func;		/* index into the profile's functions */
	uint64_t calls;		/* first entries (a resumed generator is not a call) */
};

enum pusdt_status {
	PU_ATTACHED = 1,	/* every feature asked for whose markers exist */
	PU_NO_MARKERS,		/* its interpreter has no markers (not built --with-dtrace) */
	PU_FAILED,		/* markers there, attaching failed (why says) */
	PU_LIMIT,		/* CB_USDT_PROCS processes had probes already */
	PU_PENDING,		/* being attached when the process was retired (it exited first) */
	PU_NOT_NEEDED,		/* it has markers, but none of a feature asked for (--calls on 3.11-3.14) */
	PU_OFF,			/* kept off it: --usdt-exclude, or its COLDBPF_USDT=off (why says) */
};

struct pimport {
	char *name;
	uint64_t ns;		/* start to done, nested imports included */
};

struct pusdt {
	uint8_t status;		/* enum pusdt_status; a folded entry: attached if any was */
	uint8_t features;	/* PU_* attached */
	char *why;		/* PU_FAILED: the error */
	uint64_t gc_count[PUSDT_GENS], gc_ns[PUSDT_GENS], gc_max_ns[PUSDT_GENS];
	uint64_t gc_collected;
	uint64_t gc_hist[PUSDT_BUCKETS];
	uint64_t imports, imports_failed, import_ns;
	struct pimport slow[PUSDT_SLOWEST];	/* slowest first */
	uint32_t nslow;
	uint8_t calls_status;	/* enum pusdt_calls */
	struct pcall *calls;	/* PC_COUNTED: per function, in no order */
	uint32_t ncalls, capcalls;
};

struct pusdt *pusdt__new(uint8_t status, uint8_t features, const char *why);
void pusdt__free(struct pusdt *u);
/* Counts and times from the BPF aggregate (they replace the old ones). */
void pusdt__set_counts(struct pusdt *u, const struct cb_uproc *c);
/* One finished import: kept if among the PUSDT_SLOWEST. */
void pusdt__add_import(struct pusdt *u, const char *name, uint64_t ns);
/* --calls: n more calls of func (the agent rebuilds them after pusdt__clear_calls). */
void pusdt__clear_calls(struct pusdt *u);
void pusdt__add_calls(struct pusdt *u, uint32_t func, uint64_t n);
uint64_t pusdt__total_calls(const struct pusdt *u);
/* "does not fire" / "has no marker" for PC_NO_FIRE / PC_NO_MARKER, else NULL */
const char *pusdt__calls_why(int calls_status);
/* Add from's counts, histogram and slowest imports to into. */
void pusdt__merge(struct pusdt *into, const struct pusdt *from);
uint64_t pusdt__collections(const struct pusdt *u);
uint64_t pusdt__pause_ns(const struct pusdt *u);
/* The profile file's "usdt" object (docs/profile-format.md) / read back:
 * NULL when malformed (every count and length bounded). */
struct json_t;
struct json_t *pusdt__to_json(const struct pusdt *u);
struct pusdt *pusdt__from_json(struct json_t *o);
/* "attached", "no-markers", "failed", "limit", "pending", "not-needed", "off" (NULL for
 * another value). */
const char *pusdt__status_name(int status);
int pusdt__status_parse(const char *s);
/* "gc,import" into buf. */
void pusdt__features_list(unsigned features, char *buf, size_t sz);
/* "gc,import" / "none" / "" -> PU_* bits; -1 when a name is unknown. */
int pusdt__features_parse(const char *s);
#endif
