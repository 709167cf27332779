// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-version layout tables. Offsets are x86-64, default (GIL) builds, from
 * offsetof() over each version's headers (shared/docs/cpython-internals.md
 * §1-§3). From 3.13 on, _Py_DebugOffsets in the interpreter itself is the
 * source of truth (offsets move between patch releases); the table rows for
 * 3.13/3.14 only serve as a cross-check.
 */
#include "pylayout.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct table_row {
	int minor;
	uint16_t rt_interp_head, interp_threads, ts_next, ts_thread_id, ts_frame;
	uint16_t cframe_current;	/* PY_NO_FIELD: tstate points at the frame itself */
	uint16_t f_back, f_code, f_lasti, f_owner;
	uint8_t owner_skip;		/* 0: no C-stack frames to skip */
	bool iptr;			/* position is an instruction pointer */
	uint16_t code_adaptive;
	bool tagged;			/* 3.14: f_executable is a tagged _PyStackRef */
	enum lt_kind lt;
	uint16_t code_size, co_firstlineno, co_filename, co_name, co_qualname, co_linetable;
	uint16_t str_ascii_data, str_compact_data;
};

#define N PY_NO_FIELD
static const struct table_row rows[] = {
	/* 3.8/3.9: heap PyFrameObject, f_lasti in bytes, co_lnotab */
	{ 8, 32, 8, 8, 176, 24, N, 24, 32, 104, N, 0, false, 0, false, LT_LNOTAB,
	  176, 40, 104, 112, N, 120, 48, 72 },
	{ 9, 32, 8, 8, 176, 24, N, 24, 32, 104, N, 0, false, 0, false, LT_LNOTAB,
	  176, 40, 104, 112, N, 120, 48, 72 },
	/* 3.10: f_lasti in code units, co_linetable (3.10 format) */
	{ 10, 32, 8, 8, 176, 24, N, 24, 32, 96, N, 0, false, 0, false, LT_LINETABLE310,
	  176, 40, 104, 112, N, 120, 48, 72 },
	/* 3.11: tstate->cframe->current_frame, _PyInterpreterFrame, prev_instr */
	{ 11, 40, 16, 8, 152, 56, 8, 48, 32, 56, 69, 0, true, 184, false, LT_LOCATIONS,
	  192, 72, 112, 120, 128, 136, 48, 72 },
	/* 3.12: skip FRAME_OWNED_BY_CSTACK (3) shim frames */
	{ 12, 40, 72, 8, 136, 56, 0, 8, 0, 56, 70, 3, true, 192, false, LT_LOCATIONS,
	  200, 68, 112, 120, 128, 136, 40, 56 },
	/* 3.13.0: tstate->current_frame, instr_ptr, f_executable */
	{ 13, 632, 7344, 8, 152, 72, N, 8, 0, 56, 70, 3, true, 200, false, LT_LOCATIONS,
	  208, 68, 112, 120, 128, 136, 40, 56 },
	/* 3.14.7: owner 3 = INTERPRETER, 4 = CSTACK; tagged f_executable */
	{ 14, 808, 7344, 8, 152, 72, N, 8, 0, 56, 74, 3, true, 208, true, LT_LOCATIONS,
	  216, 68, 112, 120, 128, 136, 40, 56 },
};
#undef N

static uint16_t _frame_read(const struct cb_layout *b)
{
	uint16_t m = b->f_back + 8;

	if (b->f_code + 8 > m)
		m = b->f_code + 8;
	if (b->f_lasti + 8 > m)
		m = b->f_lasti + 8;
	if ((b->flags & CB_LF_OWNER) && b->f_owner + 1 > m)
		m = b->f_owner + 1;
	return (m + 7) & ~7;
}

static void _common(struct pylayout *o)
{
	o->ob_type = 8;
	o->str_length = 16;
	o->str_state = 32;
	o->bytes_size = 16;
	o->bytes_sval = 32;
}

int pylayout__from_table(int major, int minor, struct pylayout *o)
{
	const struct table_row *r = NULL;

	if (major != 3)
		return -1;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].minor == minor)
			r = &rows[i];
	if (!r)
		return -1;
	memset(o, 0, sizeof(*o));
	o->major = 3;
	o->minor = minor;
	_common(o);
	o->bpf.rt_interp_head = r->rt_interp_head;
	o->bpf.interp_threads = r->interp_threads;
	o->bpf.ts_next = r->ts_next;
	o->bpf.ts_thread_id = r->ts_thread_id;
	o->bpf.ts_frame = r->ts_frame;
	if (r->cframe_current != PY_NO_FIELD) {
		o->bpf.flags |= CB_LF_CFRAME;
		o->bpf.cframe_current = r->cframe_current;
	}
	o->bpf.f_back = r->f_back;
	o->bpf.f_code = r->f_code;
	o->bpf.f_lasti = r->f_lasti;
	if (r->owner_skip) {
		o->bpf.flags |= CB_LF_OWNER;
		o->bpf.f_owner = r->f_owner;
		o->bpf.owner_skip = r->owner_skip;
	}
	if (r->iptr) {
		o->bpf.flags |= CB_LF_IPTR;
		o->bpf.code_adaptive = r->code_adaptive;
	}
	o->bpf.code_mask = r->tagged ? ~3ULL : ~0ULL;
	o->bpf.frame_read = _frame_read(&o->bpf);
	o->lt_kind = r->lt;
	o->code_read = r->code_size;
	o->co_firstlineno = r->co_firstlineno;
	o->co_filename = r->co_filename;
	o->co_name = r->co_name;
	o->co_qualname = r->co_qualname;
	o->co_linetable = r->co_linetable;
	o->str_ascii_data = r->str_ascii_data;
	o->str_compact_data = r->str_compact_data;
	return 0;
}

static uint64_t _u64(const uint8_t *buf, size_t pos)
{
	uint64_t v;

	memcpy(&v, buf + pos, 8);
	return v;
}

/* Byte positions of the entries coldbpf uses inside _Py_DebugOffsets; the
 * table's own layout differs per minor version (Include/internal/
 * pycore_runtime.h in 3.13, pycore_debug_offsets.h in 3.14). */
struct dbg_pos {
	int minor;
	uint16_t size, interp_head, threads_head, ts_next, ts_frame, ts_thread_id;
	uint16_t f_previous, f_executable, f_instr_ptr, f_owner;
	uint16_t co_filename, co_name, co_qualname, co_linetable, co_firstlineno, co_adaptive;
	uint16_t ob_type, bytes_sval, str_state, str_length, str_ascii_size;
};

static const struct dbg_pos dbg_rows[] = {
	{ 13, 584, 40, 72, 168, 184, 192, 232, 240, 248, 264,
	  280, 288, 296, 304, 312, 344, 360, 528, 544, 552, 560 },
	{ 14, 760, 40, 72, 192, 208, 216, 256, 264, 272, 288,
	  320, 328, 336, 344, 352, 384, 408, 608, 624, 632, 640 },
};

int pylayout__from_debug_offsets(const uint8_t *buf, size_t len, struct pylayout *o,
				 char *why, size_t whysz)
{
	const struct dbg_pos *p = NULL;
	uint64_t hex;
	int minor;

	if (len < 24 || memcmp(buf, "xdebugpy", 8)) {
		snprintf(why, whysz, "no _Py_DebugOffsets cookie");
		return -1;
	}
	hex = _u64(buf, 8);
	minor = (hex >> 16) & 0xff;
	if ((hex >> 24) != 3) {
		snprintf(why, whysz, "_Py_DebugOffsets names CPython %d.%d", (int)(hex >> 24), minor);
		return -1;
	}
	for (size_t i = 0; i < sizeof(dbg_rows) / sizeof(dbg_rows[0]); i++)
		if (dbg_rows[i].minor == minor)
			p = &dbg_rows[i];
	if (!p) {
		snprintf(why, whysz, "CPython 3.%d is not supported (its _Py_DebugOffsets layout is unknown; "
			 "coldbpf supports 3.8-3.14)", minor);
		return -1;
	}
	if (len < p->size) {
		snprintf(why, whysz, "_Py_DebugOffsets truncated");
		return -1;
	}
	if (_u64(buf, 16) & 0xff) {
		snprintf(why, whysz, "free-threaded CPython 3.%dt is not supported yet", minor);
		return -1;
	}
	/* start from the table row for the flags that _Py_DebugOffsets does not
	 * carry (owner values, tagging), then take every offset it does carry */
	if (pylayout__from_table(3, minor, o)) {
		snprintf(why, whysz, "CPython 3.%d has no layout row", minor);
		return -1;
	}
	o->bpf.rt_interp_head = _u64(buf, p->interp_head);
	o->bpf.interp_threads = _u64(buf, p->threads_head);
	o->bpf.ts_next = _u64(buf, p->ts_next);
	o->bpf.ts_frame = _u64(buf, p->ts_frame);
	o->bpf.ts_thread_id = _u64(buf, p->ts_thread_id);
	o->bpf.f_back = _u64(buf, p->f_previous);
	o->bpf.f_code = _u64(buf, p->f_executable);
	o->bpf.f_lasti = _u64(buf, p->f_instr_ptr);
	o->bpf.f_owner = _u64(buf, p->f_owner);
	o->bpf.code_adaptive = _u64(buf, p->co_adaptive);
	o->co_filename = _u64(buf, p->co_filename);
	o->co_name = _u64(buf, p->co_name);
	o->co_qualname = _u64(buf, p->co_qualname);
	o->co_linetable = _u64(buf, p->co_linetable);
	o->co_firstlineno = _u64(buf, p->co_firstlineno);
	o->ob_type = _u64(buf, p->ob_type);
	o->bytes_sval = _u64(buf, p->bytes_sval);
	o->str_state = _u64(buf, p->str_state);
	o->str_length = _u64(buf, p->str_length);
	o->str_ascii_data = _u64(buf, p->str_ascii_size);
	o->str_compact_data = o->str_ascii_data + 16;	/* + utf8_length, utf8 */
	o->micro = (hex >> 8) & 0xff;
	/* hostile or garbage tables must not steer reads outside a frame */
	if (o->bpf.f_back >= CB_FRAME_READ_MAX - 8 || o->bpf.f_code >= CB_FRAME_READ_MAX - 8 ||
	    o->bpf.f_lasti >= CB_FRAME_READ_MAX - 8 || o->bpf.f_owner >= CB_FRAME_READ_MAX ||
	    o->co_filename > 512 || o->co_name > 512 || o->co_qualname > 512 ||
	    o->co_linetable > 512 || o->co_firstlineno > 512 || o->bpf.code_adaptive > 512 ||
	    o->str_ascii_data > 128 || o->bytes_sval > 128 ||
	    abs((int)o->bpf.ts_thread_id - (int)o->bpf.ts_frame) + 8 > CB_TSTATE_SPAN) {
		snprintf(why, whysz, "implausible _Py_DebugOffsets values");
		return -1;
	}
	o->bpf.frame_read = _frame_read(&o->bpf);
	o->code_read = o->bpf.code_adaptive;
	if (o->co_firstlineno + 4 > o->code_read)
		o->code_read = o->co_firstlineno + 4;
	return 0;
}

/* "libpython3.11.so.1.0", "python3.11", "libpython3.7m.so" -> 3, 11 */
static int _version_from_name(const char *path, int *major, int *minor)
{
	const char *b = strrchr(path, '/'), *p;

	b = b ? b + 1 : path;
	p = strstr(b, "python");
	if (!p)
		return -1;
	p += 6;
	if (sscanf(p, "%d.%d", major, minor) != 2)
		return -1;
	return 0;
}

int pylayout__resolve(const struct elfinfo *e, const char *filename, struct pylayout *o,
		      char *why, size_t whysz)
{
	int major = 0, minor = 0, micro = -1;
	const char *method = NULL;
	char sub[160];

	/* 1. _Py_DebugOffsets cookie at the start of _PyRuntime (3.13+) */
	if (e->runtime_head_len >= 8 && !memcmp(e->runtime_head, "xdebugpy", 8)) {
		if (pylayout__from_debug_offsets(e->runtime_head, e->runtime_head_len, o, why, whysz))
			return -1;
		method = "debug-offsets";
		major = o->major;
		minor = o->minor;
		micro = o->micro;
		goto done;
	}
	/* 2. Py_Version (3.11+): PY_VERSION_HEX */
	if (e->has_py_version && (e->py_version >> 24) >= 2) {
		major = e->py_version >> 24;
		minor = (e->py_version >> 16) & 0xff;
		micro = (e->py_version >> 8) & 0xff;
		method = "Py_Version";
	} else if (!_version_from_name(filename, &major, &minor)) {
		/* 3. the executable's or library's name */
		method = "file-name";
	} else if (e->version_string[0] &&
		   sscanf(e->version_string, "%d.%d.%d", &major, &minor, &micro) >= 2) {
		/* 4. PY_VERSION string in .rodata */
		method = "version-string";
	} else {
		snprintf(why, whysz, "cannot tell which CPython version this is");
		return -1;
	}
	if (major != 3 || minor < 8 || minor > 14) {
		snprintf(why, whysz, "CPython %d.%d is not supported (coldbpf supports 3.8-3.14)",
			 major, minor);
		return -1;
	}
	if (minor >= 13) {
		/* 3.13+ without a readable cookie: offsets move between patch releases */
		snprintf(why, whysz, "CPython %d.%d without readable _Py_DebugOffsets", major, minor);
		return -1;
	}
	if (pylayout__from_table(major, minor, o)) {
		snprintf(why, whysz, "CPython %d.%d has no layout table", major, minor);
		return -1;
	}
	if (!e->runtime) {
		snprintf(why, whysz, "CPython %d.%d without a _PyRuntime symbol", major, minor);
		return -1;
	}
done:
	o->major = major;
	o->minor = minor;
	o->micro = micro;
	o->method = method;
	if (micro >= 0)
		snprintf(o->version, sizeof(o->version), "%d.%d.%d", major, minor, micro);
	else
		snprintf(o->version, sizeof(o->version), "%d.%d", major, minor);
	if (e->version_string[0] && micro < 0 &&
	    sscanf(e->version_string, "%d.%d.%d", &major, &minor, &micro) == 3 &&
	    major == o->major && minor == o->minor) {
		snprintf(sub, sizeof(sub), "%s", e->version_string);
		snprintf(o->version, sizeof(o->version), "%.23s", sub);
	}
	return 0;
}
