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

/*
 * Audit events (`coldbpf audit`): the marker audit(event, args) fires in
 * sys.audit() and PySys_Audit() with the event's name and its argument
 * tuple, which is gone once the probe returns: the program decodes the
 * arguments at the probe, by the type of each object (addresses per
 * process, from its interpreter's symbols) and the version's layouts.
 */
#define CB_AUDIT_EVENT	64	/* bytes of an event name kept */
#define CB_AUDIT_ARGS	6	/* arguments decoded */
#define CB_AUDIT_ITEMS	4	/* items of a tuple or list argument decoded */
#define CB_AUDIT_STR	96	/* bytes of a str or bytes value kept */

enum cb_audit_kind {
	CB_AK_UNREAD = 0,	/* the object could not be read */
	CB_AK_STR,		/* s: the string's bytes, width 1, 2 or 4 (latin-1 / UCS-2 / UCS-4) */
	CB_AK_BYTES,
	CB_AK_INT,		/* num (an int of at most two 30-bit digits) */
	CB_AK_BIGINT,		/* a larger int: not decoded */
	CB_AK_BOOL,		/* num 0 or 1 */
	CB_AK_NONE,
	CB_AK_OTHER,		/* another type: not decoded */
	CB_AK_TUPLE,		/* items[] below (up to CB_AUDIT_ITEMS), len the tuple's */
	CB_AK_LIST,
};

/* Per process: where its objects keep what the decoder reads. */
struct cb_audit_cfg {
	__u64 unicode_type, bytes_type, long_type, bool_type, tuple_type, list_type, none;
	__u16 str_length, str_state;	/* PyASCIIObject's length and state */
	__u16 str_ascii_data;		/* compact ASCII: data after PyASCIIObject */
	__u16 str_compact_data;		/* compact non-ASCII: after PyCompactUnicodeObject */
	__u16 tuple_items;		/* PyTupleObject.ob_item (3.14+: after ob_hash) */
	__u16 long_lv_tag;		/* 3.12+: digits count in lv_tag >> 3, sign in its low bits */
	__u16 pad[2];
};
_Static_assert(sizeof(struct cb_audit_cfg) == 7 * 8 + 16, "cb_audit_cfg crosses the BPF boundary");

struct cb_aitem {
	__u8 kind;		/* enum cb_audit_kind */
	__u8 width;		/* CB_AK_STR: bytes per character */
	__u8 trunc;		/* the value was longer than s */
	__u8 pad;
	__u32 len;		/* str: characters; bytes: bytes; tuple/list: items (saturated) */
	__s64 num;
	char s[CB_AUDIT_STR];
};
_Static_assert(sizeof(struct cb_aitem) == 16 + CB_AUDIT_STR, "cb_aitem crosses the BPF boundary");

/* an argument: one value, or a tuple's or list's first items (items[1..]) */
struct cb_aarg {
	struct cb_aitem v;
	struct cb_aitem items[CB_AUDIT_ITEMS];
};

struct cb_uaudit {
	__u32 tgid, tid;
	__u64 ns;		/* bpf_ktime_get_ns() */
	__u32 nargs;		/* the tuple's length (args decoded: at most CB_AUDIT_ARGS) */
	__u32 pad;
	char event[CB_AUDIT_EVENT];
	struct cb_aarg args[CB_AUDIT_ARGS];
};

/*
 * Exact call counts (--calls, docs/usdt.md "Calls"): the marker
 * function__entry(filename, funcname, line) fires when a frame starts to
 * run, and also when a generator or coroutine resumes; its line is the
 * current one. The program keys on the code object of the thread's current
 * frame (the same layout the sampler follows, struct cb_layout, written per
 * process into calls_layout by the agent) and counts first entries only:
 * before 3.11 f_lasti < 0 (no instruction ran yet); from 3.11 the frame's
 * instruction pointer at the code's first instruction (CB_LF_IPTR). Counts
 * only grow while the process is attached; the agent reads them and deletes
 * a process's keys when it retires it.
 */
#define CB_CALLS_MAX	65536	/* (process, code object) pairs counted at once */

struct cb_call_key {
	__u32 tgid;
	__u32 pad;
	__u64 code;		/* the code object's address */
};
_Static_assert(sizeof(struct cb_call_key) == 16, "cb_call_key crosses the BPF boundary");

/* per-CPU counters of the USDT programs (read by collect/usdt.c) */
enum cb_ustat {
	CB_USTAT_GC_UNPAIRED = 0,	/* gc__done without its gc__start (attached mid-collection) */
	CB_USTAT_IMPORT_UNPAIRED,	/* import done without its start (attached mid-import) */
	CB_USTAT_IMPORT_DEEP,		/* imports nested deeper than CB_IMPORT_DEPTH: not timed */
	CB_USTAT_EVENTS_LOST,		/* import events that did not fit the ring buffer */
	CB_USTAT_PROCS_FULL,		/* events of a process without room in the map */
	CB_USTAT_AUDIT_LOST,		/* audit events that did not fit the ring buffer */
	CB_USTAT_CALLS_FULL,		/* calls of a new (process, code) pair: the calls map was full */
	CB_USTAT_CALLS_UNREAD,		/* function__entry whose thread state or frame could not be read */
	CB_USTAT_CALLS_RESUMED,		/* function__entry of a resumed generator/coroutine: not a call */
	CB_USTAT_NR,
};
#endif
