/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Everything coldbpf knows about one CPython version's memory layout.
 * Version knowledge lives only here: pylayout__resolve() turns an ELF's
 * facts into a struct pylayout, whose .bpf part goes to the BPF walker.
 */
#ifndef COLDBPF_CPYTHON_PYLAYOUT_H
#define COLDBPF_CPYTHON_PYLAYOUT_H
#include <stdbool.h>
#include <stdint.h>
#include "cpython/elfinfo.h"
#include "cpython/linetable.h"
#include <linux/types.h>
#include "sampler.h"

#define PY_NO_FIELD 0xffff
/* bytes a free-threaded build's object header adds (32 instead of 16) */
#define PY_FT_HEADER_EXTRA 16

struct pylayout {
	int major, minor, micro;
	const char *method;	/* how the version was found */
	char version[24];	/* "3.11.2" or "3.11"; "3.13.5t" when free-threaded */
	bool ft;		/* free-threaded (--disable-gil, PEP 703): no GIL, object
				 * header of 32 bytes, no specialization in 3.13t */
	struct cb_layout bpf;	/* runtime_addr filled by the caller */

	/* symbolizer: PyCodeObject */
	enum lt_kind lt_kind;
	uint16_t code_read;	/* bytes of the code object to read */
	uint16_t ob_type;
	uint16_t co_firstlineno;
	uint16_t co_filename;
	uint16_t co_name;
	uint16_t co_qualname;	/* PY_NO_FIELD before 3.11 */
	uint16_t co_linetable;	/* co_lnotab (3.8/3.9) or co_linetable */
	/* str / bytes */
	uint16_t str_length;
	uint16_t str_state;
	uint16_t str_ascii_data;	/* sizeof(PyASCIIObject) */
	uint16_t str_compact_data;	/* sizeof(PyCompactUnicodeObject) */
	uint16_t bytes_size;
	uint16_t bytes_sval;
	/* PyInterpreterState: sys.modules (interp->modules, ->imports.modules) */
	uint16_t interp_modules;
	/* 3.13+: the offsets where the interpreter's _Py_DebugOffsets differ
	 * from the committed row for its version (row_ndiff of row_ncompared;
	 * row_diff says which, "ts_frame 216 (table 208), ..."; truncated).
	 * The interpreter's own values are used; the row still supplies what
	 * _Py_DebugOffsets does not carry (owner values, tagging, the active
	 * bit), so a difference is reported, and a wholesale one refused. */
	uint8_t row_ndiff, row_ncompared;
	/* A final release newer than the newest row (3.16+): its
	 * _Py_DebugOffsets read at the newest row's (known_minor) positions,
	 * which the table proved (pylayout.c, future_check); sampled
	 * best-effort only after the live check (cpython/pylive.c) passes.
	 * ts_interp_off, ts_datastack (chunk, top, limit), tp_name and ts_size
	 * are for that check. minor stays the process's own: no opcode table
	 * knows it, so no evidence says never-ran. */
	bool future;
	int known_minor;
	uint16_t ts_interp_off, ts_datastack, tp_name, ts_size;
	char row_diff[160];
	/* type objects in the target (load bias applied), 0 when unknown */
	uint64_t code_type, unicode_type, bytes_type, function_type, type_type;
	uint64_t long_type, bool_type, tuple_type, list_type, none;	/* audit arguments */
};

/* Resolve the layout of an interpreter from its ELF facts and the file's
 * name. Returns 0, or -1 with why filled ("CPython 2.7 is not supported"). */
int pylayout__resolve(const struct elfinfo *e, const char *filename, struct pylayout *out,
		      char *why, size_t whysz);

/* Layout from the committed tables for major.minor (3.8-3.12 primarily;
 * 3.13/3.14 rows are the cross-check for _Py_DebugOffsets). -1 if unknown. */
int pylayout__from_table(int major, int minor, struct pylayout *out);

/* The same for a free-threaded build's row (3.13t). -1 if unknown. */
int pylayout__from_table_ft(int major, int minor, struct pylayout *out);

/* Layout from a _Py_DebugOffsets image (3.13+; free-threaded 3.13t too,
 * out->ft set). -1 with why on failure. */
int pylayout__from_debug_offsets(const uint8_t *buf, size_t len, struct pylayout *out,
				 char *why, size_t whysz);
/* version_method of a process whose CPython is newer than tested (future) */
#define PYLAYOUT_METHOD_FUTURE "debug-offsets-untested"
#endif
