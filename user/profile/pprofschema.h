/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What coldbpf's pprof writer (output/pprof.c) and reader
 * (profile/pprofread.c) share: the field numbers of
 * perftools.profiles.Profile (github.com/google/pprof, proto/profile.proto)
 * and coldbpf's sample types. docs/pprof.md says what each one means and
 * how they add up when profiles are merged.
 */
#ifndef COLDBPF_PROFILE_PPROFSCHEMA_H
#define COLDBPF_PROFILE_PPROFSCHEMA_H

/* message Profile */
enum {
	PB_PROFILE_SAMPLE_TYPE = 1,
	PB_PROFILE_SAMPLE = 2,
	PB_PROFILE_MAPPING = 3,
	PB_PROFILE_LOCATION = 4,
	PB_PROFILE_FUNCTION = 5,
	PB_PROFILE_STRING_TABLE = 6,
	PB_PROFILE_DROP_FRAMES = 7,
	PB_PROFILE_KEEP_FRAMES = 8,
	PB_PROFILE_TIME_NANOS = 9,
	PB_PROFILE_DURATION_NANOS = 10,
	PB_PROFILE_PERIOD_TYPE = 11,
	PB_PROFILE_PERIOD = 12,
	PB_PROFILE_COMMENT = 13,
	PB_PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};
/* message ValueType */
enum { PB_VALUETYPE_TYPE = 1, PB_VALUETYPE_UNIT = 2 };
/* message Sample */
enum { PB_SAMPLE_LOCATION_ID = 1, PB_SAMPLE_VALUE = 2, PB_SAMPLE_LABEL = 3 };
/* message Label */
enum { PB_LABEL_KEY = 1, PB_LABEL_STR = 2, PB_LABEL_NUM = 3, PB_LABEL_NUM_UNIT = 4 };
/* message Location */
enum { PB_LOCATION_ID = 1, PB_LOCATION_MAPPING_ID = 2, PB_LOCATION_ADDRESS = 3, PB_LOCATION_LINE = 4 };
/* message Line */
enum { PB_LINE_FUNCTION_ID = 1, PB_LINE_LINE = 2 };
/* message Function */
enum {
	PB_FUNCTION_ID = 1,
	PB_FUNCTION_NAME = 2,
	PB_FUNCTION_SYSTEM_NAME = 3,
	PB_FUNCTION_FILENAME = 4,
	PB_FUNCTION_START_LINE = 5,
};

/* coldbpf's sample types, in this order. CPU samples carry the first two,
 * evidence samples the others (docs/pprof.md, "Sample types"). */
enum pprof_col {
	PC_SAMPLES,		/* samples/count */
	PC_CPU,			/* cpu/nanoseconds: samples x period */
	/* per function and profile: exactly one of the three is 1 */
	PC_EV_RAN,
	PC_EV_NEVER,
	PC_EV_UNKNOWN,
	PC_EV_FUNCTION_OBJECT,	/* a live function object runs its code (EV_C_FUNC) */
	PC_EV_CLASS,		/* a live class, not a code object (EV_C_CLASS) */
	PC_EV_LATE_LOADED,	/* every late exit of the profile had loaded its file */
	/* per profile, on the "[coldbpf evidence]" sample */
	PC_EV_PROFILES,		/* 1: k when k copies of one profile were summed */
	PC_EV_PROCESSES,	/* processes read alive */
	PC_EV_WINDOW_SECONDS,	/* the youngest one's age when read (0: unknown) */
	PC_EV_UNREAD_EXITS,	/* exited before any read, or not read at their exit */
	PC_EV_EXITS,		/* processes with evidence that exited */
	PC_EV_EXITS_READ,	/* ... read at their exit */
	PC_EV_LATE_EXITS,	/* ... of which imported modules after their last round */
	PC_EV_PARTIAL,		/* processes whose scan skipped memory */
	PC_EV_INCOMPLETE,	/* 1: the profile carries no evidence (recorded without it), or a best-effort process */
	/* per-line evidence (docs/pprof.md, "Lines"): on a function's sample,
	 * 1 when its status is ran and its line samples are given */
	PC_EV_LINES,
	/* on a line's sample (per function, line and program): exactly one is 1 */
	PC_EV_LINE_RAN,
	PC_EV_LINE_NEVER,
	PC_EV_LINE_UNKNOWN,
	/* on a conditional jump's line: 1, one side of it never taken */
	PC_EV_BRANCH_NEVER,
	PC_NR
};

static const char *const pprof_cols[PC_NR][2] = {
	[PC_SAMPLES] = { "samples", "count" },
	[PC_CPU] = { "cpu", "nanoseconds" },
	[PC_EV_RAN] = { "ev_ran", "count" },
	[PC_EV_NEVER] = { "ev_never", "count" },
	[PC_EV_UNKNOWN] = { "ev_unknown", "count" },
	[PC_EV_FUNCTION_OBJECT] = { "ev_function_object", "count" },
	[PC_EV_CLASS] = { "ev_class", "count" },
	[PC_EV_LATE_LOADED] = { "ev_late_loaded", "count" },
	[PC_EV_PROFILES] = { "ev_profiles", "count" },
	[PC_EV_PROCESSES] = { "ev_processes", "count" },
	[PC_EV_WINDOW_SECONDS] = { "ev_window_seconds", "seconds" },
	[PC_EV_UNREAD_EXITS] = { "ev_unread_exits", "count" },
	[PC_EV_EXITS] = { "ev_exits", "count" },
	[PC_EV_EXITS_READ] = { "ev_exits_read", "count" },
	[PC_EV_LATE_EXITS] = { "ev_late_exits", "count" },
	[PC_EV_PARTIAL] = { "ev_partial", "count" },
	[PC_EV_INCOMPLETE] = { "ev_incomplete", "count" },
	[PC_EV_LINES] = { "ev_lines", "count" },
	[PC_EV_LINE_RAN] = { "ev_line_ran", "count" },
	[PC_EV_LINE_NEVER] = { "ev_line_never", "count" },
	[PC_EV_LINE_UNKNOWN] = { "ev_line_unknown", "count" },
	[PC_EV_BRANCH_NEVER] = { "ev_branch_never", "count" },
};

/* The function of the per-profile evidence sample (file name ""). */
#define PPROF_EVIDENCE_FUNC "[coldbpf evidence]"
/* Its labels: the host name, and a random id of the profile, which keeps
 * two profiles of one host apart when merged. */
#define PPROF_LABEL_HOST "host"
#define PPROF_LABEL_PROFILE "profile_id"
/* The labels of CPU samples */
#define PPROF_LABEL_PROCESS "process"	/* the program: executable and script */
#define PPROF_LABEL_PID "pid"
#define PPROF_LABEL_THREAD "thread"
#define PPROF_LABEL_INTERP "interp"	/* a subinterpreter's id (absent: the main one) */
#define PPROF_LABEL_TRUNCATED "truncated"	/* 1: deeper than --max-depth */
/* The labels of line evidence: why a line has its status (evlines__reason_name),
 * and of a branch: the side never taken ("jump", "fall-through") and that
 * side's first line (-1: none) */
#define PPROF_LABEL_REASON "reason"
#define PPROF_LABEL_SIDE "branch_never"
#define PPROF_LABEL_TO "branch_to"
#define PPROF_SIDE_JUMP "jump"
#define PPROF_SIDE_FALL "fall-through"
#endif
