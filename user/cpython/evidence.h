/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * "Has this code run since the process started?", read from outside at zero
 * cost to the target: every live code object is found by scanning the
 * process's writable mappings for objects whose type is PyCode_Type
 * (validated field by field), and each version's marker is read
 * (shared/docs/cpython-internals.md §5, docs/cold.md). Read-only.
 */
#ifndef COLDBPF_CPYTHON_EVIDENCE_H
#define COLDBPF_CPYTHON_EVIDENCE_H
#include <stdint.h>
#include <stdbool.h>
#include "cpython/pylayout.h"
#include "lib/htab.h"

enum ev_status {
	EV_UNKNOWN = 0,	/* the version leaves no evidence for this code object */
	EV_RAN = 1,	/* exact: it has run */
	EV_NEVER = 2,	/* exact: it has not run since the process started */
};

/* ev_code.flags */
#define EV_C_FUNC 0x1	/* a live function object runs this code: the
			 * definition executed, so its enclosing code ran */
#define EV_C_CLASS 0x2	/* not a code object: a live class (heap type) of this
			 * file and qualified name, firstline -1: its body ran */

struct ev_lines;

struct ev_code {
	const char *file;	/* co_filename as the process has it (one copy per file: ev_scan.files) */
	char *qualname;	/* co_qualname, or co_name before 3.11 */
	int firstline;
	uint8_t status;
	uint8_t flags;	/* EV_C_* */
	struct ev_lines *lines;	/* evidence__scan_lines: per-line statuses of code that ran, or NULL */
	bool lines_weak;	/* a copy ran, or may have, without line evidence: no line is never-ran */
};

/* A code object whose lines a full round called never-ran in part, read
 * again at the end of the round (cpython/evlines.h). */
struct ev_lpend {
	uint64_t addr, file, name;
	int32_t first;
	uint32_t code;
};
/* Line entries kept per process (8 bytes each) */
#define EV_MAX_LINES (2u << 20)

/* The bytes in the target that say "never ran" (an exit read compares them:
 * include/exitprobe.h). len 0: none. */
struct ev_probe {
	uint64_t addr, value;	/* value: len bytes, little-endian, zero-extended */
	uint8_t len;		/* 1..8 */
};

/* A code object reported never-ran, watched by later rounds (its identity:
 * the same file and name objects and first line at the same address). */
struct ev_watch {
	uint64_t addr, file, name;
	int32_t first;
	uint32_t code;	/* index into codes */
	struct ev_probe probe;	/* its marker as the last round read it */
};

/* Guard probes of a round, read before its markers: a change after the round
 * means monitoring was switched on (EV_G_INSTR: the never-ran markers prove
 * nothing any more) or a module was imported (EV_G_MODULES: code the round
 * did not see may have run). */
enum ev_guard { EV_G_INSTR = 1, EV_G_MODULES = 2 };
#define EV_MAX_GUARDS 64
struct ev_guardp {
	struct ev_probe p;
	uint8_t kind;	/* enum ev_guard */
};

/* Distinct code objects kept per process: code generated per request must
 * not grow the evidence without bound. Past it, new ones are not recorded
 * and the scan is partial (nothing is concluded from their absence). */
#define EV_MAX_CODES 65536

struct ev_range {
	uint64_t start, end;
};

/* Metaclasses (heap types that subclass type: ABCMeta, EnumType, a Django
 * ModelBase) of a process: a class they made has them as its type, not
 * PyType_Type. A small open-addressed set, looked up for every word a scan
 * reads. */
#define EV_META_SLOTS 256
#define EV_META_MAX 128
struct ev_metas {
	uint64_t slot[EV_META_SLOTS];	/* 0: empty */
	unsigned n;
};
static inline bool ev_metas__has(const struct ev_metas *m, uint64_t a)
{
	for (unsigned i = (a >> 4) % EV_META_SLOTS, k = 0; m->slot[i] && k < EV_META_SLOTS; i = (i + 1) % EV_META_SLOTS, k++)
		if (m->slot[i] == a)
			return true;
	return false;
}
static inline bool ev_metas__add(struct ev_metas *m, uint64_t a)
{
	unsigned i = (a >> 4) % EV_META_SLOTS;

	if (!a || m->n >= EV_META_MAX || ev_metas__has(m, a))
		return false;
	while (m->slot[i])
		i = (i + 1) % EV_META_SLOTS;
	m->slot[i] = a;
	m->n++;
	return true;
}

struct ev_scan {
	struct ev_code *codes;
	size_t n, cap;
	/* of the last round */
	uint64_t bytes_read;	/* memory copied from the target */
	uint64_t bytes_skipped;	/* not resident (never touched, or swapped out): not read */
	uint64_t bytes_swapped;	/* ... of them swapped out */
	uint64_t candidates;	/* words equal to &PyCode_Type */
	uint64_t markers_reread;	/* watched code objects read again (evidence__update) */
	bool full;		/* the last round read every writable mapping */
	/* swapped-out pages were skipped in some round, or more than
	 * EV_MAX_CODES were found: a code object was not recorded, so "no code
	 * of this module is loaded" is not proven */
	bool partial;
	/* kept for evidence__update */
	struct htab seen;	/* (file, qualname, first) -> index + 1 into codes */
	struct htab file_idx;	/* hash(file name) -> index + 1 into files */
	char **files;		/* the file names of codes, each once */
	size_t nfiles, capfiles;
	struct ev_watch *watch;
	size_t nwatch, capwatch;
	struct ev_range *ranges;	/* writable mappings read (merged, sorted) */
	size_t nranges, capranges;
	struct ev_metas metas;	/* metaclasses found so far (kept from round to round) */
	struct ev_guardp guards[EV_MAX_GUARDS];	/* of the last round */
	size_t nguards;
	bool guards_complete;	/* every interpreter's guards were read */
	/* lines (evidence__scan_lines; full rounds only) */
	bool want_lines;
	size_t nlines;		/* line entries held */
	bool lines_capped;	/* EV_MAX_LINES reached: later code objects have none */
	struct ev_lpend *lpend;
	size_t nlpend, caplpend;
};

/* A full round: scan every writable mapping of pid, skipping pages that are
 * not resident (/proc/PID/pagemap: a scan never pulls a swapped heap back
 * in). 0, or -1 with why (process gone, version without evidence support).
 * Codes that appear several times are merged (ran wins, then unknown). */
int evidence__scan(int pid, const struct pylayout *l, struct ev_scan *out, char *why, size_t whysz);
/* The same, with per-line statuses of every code object that ran (3.11+:
 * ev_code.lines; docs/cold.md, "Lines"). */
int evidence__scan_lines(int pid, const struct pylayout *l, struct ev_scan *out, char *why, size_t whysz);
/* A later, cheaper round on the result of a full one: re-read only the
 * watched (never-ran) code objects, and scan only writable memory that was
 * not mapped at the last full round. A watched object that is gone turns
 * its code unknown (it may have run before it went). New code objects in
 * memory read before are found by the next full round. 0, or -1 with why. */
int evidence__update(int pid, const struct pylayout *l, struct ev_scan *s, char *why, size_t whysz);
void ev_scan__free(struct ev_scan *s);
/* Record a code object (or a class: EV_C_CLASS) in s, merged with an
 * earlier one of the same file, name and first line; its index, UINT32_MAX
 * past EV_MAX_CODES (the scan is then partial). */
uint32_t ev_scan__add(struct ev_scan *s, const char *file, const char *name, int first, enum ev_status st);
/* evidence__status flags */
#define EV_F_MONITORED 0x1	/* monitoring or tracing was on in the process at
				 * some time (an interpreter's instrumentation
				 * version is not 0) */

/* Status of one code object from its header bytes and its bytecode (exposed
 * for tests). code is the first l->code_read bytes; bc the adaptive bytecode
 * (3.11+; n code units) or NULL. The rules, with the CPython sources they
 * rest on, are in docs/cold.md ("Soundness"). */
enum ev_status evidence__status(const struct pylayout *l, const uint8_t *code, const uint8_t *bc,
				size_t units, unsigned flags);
/* The marker that says code object addr (header code, bytecode bc) never
 * ran, as bytes to compare later: false when the version has none. */
bool evidence__probe(const struct pylayout *l, uint64_t addr, const uint8_t *code, const uint8_t *bc,
		     size_t units, struct ev_probe *p);
/* 3.12+: monitoring instrumented this code object at some time. */
bool evidence__instrumented(const struct pylayout *l, const uint8_t *code);
/* Per-version evidence facts: offsets (EV_NO_FIELD when the version has no
 * such field) and opcodes, from each version's headers (PyCodeObject of the
 * default build, checked with offsetof by the same method as the layout
 * rows). NULL for a version without evidence support. */
#define EV_NO_FIELD 0xffff
struct ev_facts {
	int minor;
	uint16_t marker;	/* co_opcache_flag (3.8-3.10) / co_warmup (3.11) */
	uint16_t firsttraceable;	/* _co_firsttraceable (3.11+) */
	uint8_t resume, resume_check, resume_instr;	/* 3.13+ opcodes */
	/* 3.12+: PyCodeObject._co_instrumentation_version and _co_monitoring
	 * (Include/cpython/code.h), and the interpreter's global instrumentation
	 * version (3.12 PyInterpreterState.monitoring_version, 3.13+
	 * .ceval.instrumentation_version) */
	uint16_t co_instr_version, co_monitoring, interp_instr_version;
	uint16_t func_code, func_module;	/* PyFunctionObject */
	uint16_t ht_qualname;	/* PyHeapTypeObject */
	uint16_t func_name;	/* PyFunctionObject: func_qualname (3.11+), func_name before */
};
const struct ev_facts *evidence__facts(int minor);
const char *evidence__status_name(enum ev_status s);
#endif
