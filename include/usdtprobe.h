/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Structures shared by bpf/usdt.bpf.c and user/collect/usdt.c: CPython's
 * static markers (USDT probes) for GC pauses and imports (docs/usdt.md).
 * Only __u8..__u64 types, no includes.
 *
 * Per process (tgid) the program keeps one struct cb_uproc: collections per
 * generation, a log2 histogram of their pauses, imports and the time spent
 * in them. Each finished import is also sent on a ring buffer with its
 * module name, for the slowest ones.
 */
#ifndef COLDBPF_USDTPROBE_H
#define COLDBPF_USDTPROBE_H

#define CB_USDT_PROCS	1024	/* processes with probes attached at once */
#define CB_USDT_SPECS	8192	/* libbpf's USDT argument specs (one per call site and attach) */
#define CB_GC_GENS	4	/* generations 0, 1, 2; 3: any other value */
#define CB_GC_BUCKETS	40	/* bucket i: pauses in [2^i, 2^(i+1)) ns; the last one open */
#define CB_IMPORT_DEPTH	32	/* nested imports timed per thread */
#define CB_IMPORT_NAME	128	/* bytes of a module name kept (with its NUL) */

struct cb_uproc {
	__u64 gc_count[CB_GC_GENS];	/* collections per generation */
	__u64 gc_ns[CB_GC_GENS];	/* ... their pauses, summed */
	__u64 gc_max_ns[CB_GC_GENS];	/* ... the longest */
	__u64 gc_collected;	/* gc__done's argument: objects collected (+ uncollectable) */
	__u64 gc_hist[CB_GC_BUCKETS];
	__u64 imports;		/* import__find__load__done seen after its start */
	__u64 imports_failed;	/* ... whose module was not found or raised */
	__u64 import_ns;	/* time in imports, outermost ones only (nested ones are inside) */
};
_Static_assert(sizeof(struct cb_uproc) == 8 * (3 * CB_GC_GENS + 1 + CB_GC_BUCKETS + 3),
	       "cb_uproc crosses the BPF boundary");

/* one finished import (ring buffer) */
struct cb_uimport {
	__u32 tgid;
	__u32 depth;		/* 0: an outermost import */
	__u64 ns;		/* start to done, nested imports included */
	__u32 found;		/* import__find__load__done's second argument */
	__u32 pad;
	char name[CB_IMPORT_NAME];
};
_Static_assert(sizeof(struct cb_uimport) == 24 + CB_IMPORT_NAME, "cb_uimport crosses the BPF boundary");

/* per-CPU counters of the USDT programs (read by collect/usdt.c) */
enum cb_ustat {
	CB_USTAT_GC_UNPAIRED = 0,	/* gc__done without its gc__start (attached mid-collection) */
	CB_USTAT_IMPORT_UNPAIRED,	/* import done without its start (attached mid-import) */
	CB_USTAT_IMPORT_DEEP,		/* imports nested deeper than CB_IMPORT_DEPTH: not timed */
	CB_USTAT_EVENTS_LOST,		/* import events that did not fit the ring buffer */
	CB_USTAT_PROCS_FULL,		/* events of a process without room in the map */
	CB_USTAT_NR,
};
#endif
