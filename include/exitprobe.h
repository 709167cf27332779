/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Structures shared by bpf/exitread.bpf.c and user/collect/exitread.c:
 * reading a process's never-ran markers at its exit (docs/design.md,
 * "Reading a process at its exit"). Only __u8..__u64 types, no includes.
 *
 * After each evidence round the agent publishes, per process, a probe set:
 * (address, length, value) of every marker its round called never-ran, and
 * guard probes (what would make those claims worthless or incomplete). When
 * the process's last thread exits (its memory still mapped), or when it
 * calls exec (then unread), the BPF program reads every probe once and reports which
 * changed and which could not be read.
 */
#ifndef COLDBPF_EXITPROBE_H
#define COLDBPF_EXITPROBE_H

#define CB_XPROBES	(1 << 18)	/* probe slots, all processes together */
#define CB_XSET_MAX	16384		/* probes of one process (guards included) */
#define CB_XWATCH_MAX	8192		/* processes (and forked children) watched */

struct cb_xprobe {
	__u64 addr;	/* in the target */
	__u64 value;	/* the bytes read by the round, little-endian, zero-extended */
	__u32 len;	/* 1..8 */
	__u32 pad;
};
_Static_assert(sizeof(struct cb_xprobe) == 24, "cb_xprobe crosses the BPF boundary");

/* tgid -> its probe set: probes [start, start + n) of the xprobes map */
struct cb_xwatch {
	__u64 gen;	/* the set's id (0: no set: a forked child of a process without one) */
	__u32 start;
	__u32 n;
};
_Static_assert(sizeof(struct cb_xwatch) == 16, "cb_xwatch crosses the BPF boundary");

enum cb_xevent_type {
	CB_XEV_EXIT = 1,	/* the last thread exits, or the process calls exec: probes read */
	CB_XEV_FORK = 2,	/* a watched process forked: the child inherits the set */
	CB_XEV_EXEC_UNREAD = 3,	/* exec with several threads alive: not read */
};

/* CB_XEV_FORK, CB_XEV_EXEC_UNREAD */
struct cb_xnote {
	__u32 type;
	__u32 tgid;
	__u32 parent;
	__u32 pad;
	__u64 gen;
};
_Static_assert(sizeof(struct cb_xnote) == 24, "cb_xnote crosses the BPF boundary");

/* CB_XEV_EXIT: bit i of changed/failed is probe i of the set */
struct cb_xevent {
	__u32 type;
	__u32 tgid;
	__u32 n;	/* probes read */
	__u32 exec;	/* 1: read at exec, not exit (not used yet) */
	__u64 gen;
	__u64 ns;	/* time the reads took */
	__u64 changed[CB_XSET_MAX / 64];
	__u64 failed[CB_XSET_MAX / 64];
};
_Static_assert(sizeof(struct cb_xevent) == 32 + 2 * CB_XSET_MAX / 8, "cb_xevent crosses the BPF boundary");

/* exit-read counters (per-CPU array, read by collect/exitread.c) */
enum cb_xstat {
	CB_XSTAT_EXITS = 0,	/* watched processes whose probes were read */
	CB_XSTAT_LOST,		/* ... whose event did not fit the ring buffer */
	CB_XSTAT_FORKS,		/* forked children that inherited a set */
	CB_XSTAT_WATCH_FULL,	/* forked children not watched: the map was full */
	CB_XSTAT_NR,
};
#endif
