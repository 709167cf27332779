// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Version detection and layout resolution. */
#include <criterion/criterion.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "cpython/pylayout.h"
#include "cpython/pyobj.h"

static void put_bytes(uint8_t *buf, size_t pos, uint64_t v)
{
	memcpy(buf + pos, &v, 8);
}

Test(layout, table_rows_are_consistent)
{
	for (int minor = 8; minor <= 14; minor++) {
		struct pylayout l;

		cr_assert_eq(pylayout__from_table(3, minor, &l), 0, "3.%d", minor);
		cr_assert_leq(l.bpf.frame_read, CB_FRAME_READ_MAX);
		cr_assert_leq(abs((int)l.bpf.ts_thread_id - (int)l.bpf.ts_frame) + 8, CB_TSTATE_SPAN,
			      "3.%d: one read covers thread_id and the frame pointer", minor);
		cr_assert_eq(l.bpf.frame_read % 8, 0);
		cr_assert_eq(!!(l.bpf.flags & CB_LF_IPTR), minor >= 11, "3.%d frame model", minor);
		cr_assert_eq(l.co_qualname != PY_NO_FIELD, minor >= 11, "3.%d qualname", minor);
		cr_assert_eq(l.lt_kind, minor < 10 ? LT_LNOTAB : minor == 10 ? LT_LINETABLE310 : LT_LOCATIONS);
		cr_assert_eq(l.bpf.code_mask, minor == 14 ? ~3ULL : ~0ULL);
		cr_assert_eq(!!(l.bpf.flags & CB_LF_OWNER), minor >= 12, "C-stack frames from 3.12");
	}
	struct pylayout l;
	cr_assert_eq(pylayout__from_table(3, 7, &l), -1);
	cr_assert_eq(pylayout__from_table(2, 7, &l), -1);
	cr_assert_eq(pylayout__from_table(3, 16, &l), -1);
}

/* A _Py_DebugOffsets image for 3.13 with the values 3.13.0 reports. */
static size_t dbg313(uint8_t *buf)
{
	memset(buf, 0, 1024);
	memcpy(buf, "xdebugpy", 8);
	put_bytes(buf, 8, 0x030d00f0);
	put_bytes(buf, 40, 632);
	put_bytes(buf, 56, 7272);
	put_bytes(buf, 64, 7264);
	put_bytes(buf, 72, 7344);
	put_bytes(buf, 168, 8);
	put_bytes(buf, 184, 72);
	put_bytes(buf, 192, 152);
	put_bytes(buf, 216, 32);
	put_bytes(buf, 232, 8);
	put_bytes(buf, 240, 0);
	put_bytes(buf, 248, 56);
	put_bytes(buf, 264, 70);
	put_bytes(buf, 280, 112);
	put_bytes(buf, 288, 120);
	put_bytes(buf, 296, 128);
	put_bytes(buf, 304, 136);
	put_bytes(buf, 312, 68);
	put_bytes(buf, 344, 200);
	put_bytes(buf, 360, 8);
	put_bytes(buf, 528, 32);
	put_bytes(buf, 544, 32);
	put_bytes(buf, 552, 16);
	put_bytes(buf, 560, 40);
	put_bytes(buf, 88, 7656);	/* imports_modules */
	/* the sections' own sizes */
	put_bytes(buf, 48, 194984);	/* interpreter state */
	put_bytes(buf, 152, 400);	/* thread state */
	put_bytes(buf, 224, 80);	/* interpreter frame */
	put_bytes(buf, 272, 216);	/* code object */
	return 1024;
}

Test(layout, debug_offsets_match_the_313_table)
{
	uint8_t buf[1024];
	struct pylayout d, t;
	char why[200];

	cr_assert_eq(pylayout__from_debug_offsets(buf, dbg313(buf), &d, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pylayout__from_table(3, 13, &t), 0);
	cr_assert_eq(memcmp(&d.bpf, &t.bpf, sizeof(d.bpf)), 0, "BPF layout differs from the table");
	cr_assert_eq(d.co_filename, t.co_filename);
	cr_assert_eq(d.co_qualname, t.co_qualname);
	cr_assert_eq(d.co_firstlineno, t.co_firstlineno);
	cr_assert_eq(d.str_ascii_data, t.str_ascii_data);
	cr_assert_eq(d.micro, 0);
	cr_assert_eq(d.row_ncompared, 24);
	cr_assert_eq(d.row_ndiff, 0, "%s", d.row_diff);
}

/* The interpreter's offsets against the committed row: a field that moved
 * (a patch release) is used and named; a wholesale difference is refused. */
/* The free-threaded 3.13t's _Py_DebugOffsets as tests/tools/build-ft.sh's
 * 3.13.15t reports them: the object header is 16 bytes longer, so code
 * object, str and ob_type offsets move; frames and thread states do not. */
static size_t dbg313t(uint8_t *buf)
{
	dbg313(buf);
	put_bytes(buf, 16, 1);		/* free_threaded */
	put_bytes(buf, 48, 215616);
	put_bytes(buf, 88, 7664);
	put_bytes(buf, 152, 312);
	put_bytes(buf, 272, 224);
	put_bytes(buf, 280, 128);
	put_bytes(buf, 288, 136);
	put_bytes(buf, 296, 144);
	put_bytes(buf, 304, 152);
	put_bytes(buf, 312, 84);
	put_bytes(buf, 344, 216);
	put_bytes(buf, 360, 24);
	put_bytes(buf, 528, 48);
	put_bytes(buf, 544, 48);
	put_bytes(buf, 552, 32);
	put_bytes(buf, 560, 56);
	return 1024;
}

Test(layout, debug_offsets_free_threaded_313t)
{
	uint8_t buf[1024];
	struct pylayout d, t, g;
	char why[200];

	cr_assert_eq(pylayout__from_debug_offsets(buf, dbg313t(buf), &d, why, sizeof(why)), 0, "%s", why);
	cr_assert(d.ft);
	cr_assert_eq(pylayout__from_table_ft(3, 13, &t), 0);
	cr_assert(t.ft);
	cr_assert_eq(memcmp(&d.bpf, &t.bpf, sizeof(d.bpf)), 0, "BPF layout differs from the 3.13t row");
	cr_assert_eq(d.row_ndiff, 0, "%s", d.row_diff);
	cr_assert_eq(d.ob_type, 24);
	cr_assert_eq(d.bytes_size, 32, "ob_size follows ob_type");
	cr_assert_eq(d.bytes_sval, t.bytes_sval);
	cr_assert_eq(d.str_length, t.str_length);
	cr_assert_eq(d.str_state, t.str_state);
	cr_assert_eq(d.code_read, 216, "up to co_code_adaptive");
	/* frames and thread states are a default build's: the walker is the same */
	cr_assert_eq(pylayout__from_table(3, 13, &g), 0);
	cr_assert(!g.ft);
	cr_assert_eq(g.bpf.f_code, t.bpf.f_code);
	cr_assert_eq(g.bpf.ts_frame, t.bpf.ts_frame);
	cr_assert_eq(g.bpf.code_mask, ~0ULL, "3.13t's f_executable is a plain pointer");
	cr_assert_eq(g.ob_type + PY_FT_HEADER_EXTRA, t.ob_type);
	cr_assert_eq(g.co_filename + PY_FT_HEADER_EXTRA, t.co_filename);
	/* only 3.13 has a free-threaded row */
	cr_assert_eq(pylayout__from_table_ft(3, 14, &t), -1);
	cr_assert_eq(pylayout__from_table_ft(3, 12, &t), -1);
}

/* The object header's liveness: a default build's ob_refcnt, a free-threaded
 * build's split counts (a freed block holds an allocator pointer instead). */
Test(layout, object_liveness)
{
	struct pylayout g, t;
	uint8_t h[64] = { 0 };

	cr_assert_eq(pylayout__from_table(3, 13, &g), 0);
	cr_assert_eq(pylayout__from_table_ft(3, 13, &t), 0);
	put_bytes(h, 0, 3);
	cr_assert(pyobj__live(&g, h));
	put_bytes(h, 0, 0x7f12345678a0ULL);	/* a free-list pointer */
	cr_assert(!pyobj__live(&g, h));
	put_bytes(h, 0, 0xffffffffULL);		/* immortal */
	cr_assert(pyobj__live(&g, h));
	memset(h, 0, sizeof(h));
	put_bytes(h, 0, 0x7f12345678a0ULL);	/* ob_tid: the owning thread */
	cr_assert(!pyobj__live(&t, h), "both counts 0: freed");
	h[12] = 2;				/* ob_ref_local */
	cr_assert(pyobj__live(&t, h));
	memset(h + 12, 0xff, 4);		/* immortal */
	cr_assert(pyobj__live(&t, h));
	memset(h + 12, 0, 4);
	put_bytes(h, 16, 5 << 2);		/* ob_ref_shared: 5, flags 0 */
	cr_assert(pyobj__live(&t, h));
	put_bytes(h, 16, 0x7f12345678a0ULL);	/* not a count */
	cr_assert(!pyobj__live(&t, h));
}

Test(layout, debug_offsets_cross_check)
{
	uint8_t buf[1024];
	struct pylayout d;
	char why[200];

	dbg313(buf);
	put_bytes(buf, 184, 88);	/* ts_frame moved by 16 */
	put_bytes(buf, 288, 104);	/* co_name */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(d.bpf.ts_frame, 88, "the interpreter's own value is used");
	cr_assert_eq(d.row_ndiff, 2);
	cr_assert_str_eq(d.row_diff, "ts_frame 88 (table 72), co_name 104 (table 120)");
	dbg313(buf);
	/* 13 of 24 offsets elsewhere: not 3.13's layout */
	static const uint16_t pos[] = { 280, 288, 296, 304, 312, 360, 528, 544, 552, 560, 232, 240, 248 };
	static const uint16_t val[] = { 104, 96, 88, 80, 60, 16, 40, 24, 24, 48, 16, 24, 48 };
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++)
		put_bytes(buf, pos[i], val[i]);
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "disagrees with CPython 3.13's layout in 13 of 24 offsets"), "%s", why);
	put_bytes(buf, 248, 56);	/* 12 of 24: still a patch release's worth */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(d.row_ndiff, 12);
}

Test(layout, debug_offsets_refusals)
{
	uint8_t buf[1024];
	struct pylayout d;
	char why[200];

	dbg313(buf);
	put_bytes(buf, 8, 0x030e00f0);	/* 3.14t: per-thread bytecode copies, refused */
	buf[16] = 1;
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "free-threaded CPython 3.14t is not supported yet"), "%s", why);
	dbg313(buf);
	put_bytes(buf, 8, 0x031000a1);	/* a newer minor's pre-release: not even tried */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "CPython 3.16.0 pre-release (a1) is not supported"), "%s", why);
	put_bytes(buf, 8, 0x031000f0);	/* its final release, but a 3.13 table read as 3.15's */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "newer than coldbpf knows") || strstr(why, "disagrees with") ||
		  strstr(why, "outside the size") || strstr(why, "implausible"), "%s", why);
	put_bytes(buf, 8, 0x030f00b2);	/* a 3.15 beta: its layout moved until the release */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "3.15.0 pre-release (b2)"), "%s", why);
	dbg313(buf);
	put_bytes(buf, 152, 100);	/* the thread state says it is smaller than thread_id's offset */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "outside the size its section states"), "%s", why);
	dbg313(buf);
	put_bytes(buf, 232, 5000);	/* hostile: an offset outside any frame */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "outside the size its section states"), "%s", why);
	put_bytes(buf, 224, 8000);	/* ... even when the frame claims to be that big */
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "implausible"), "%s", why);
	cr_assert_eq(pylayout__from_debug_offsets(buf, 100, &d, why, sizeof(why)), -1);
}

Test(layout, version_detection_order)
{
	struct elfinfo e;
	struct pylayout l;
	char why[200];

	memset(&e, 0, sizeof(e));
	e.is_python = true;
	e.runtime = 0x1000;
	/* Py_Version beats the file name */
	e.has_py_version = true;
	e.py_version = 0x030b02f0;
	cr_assert_eq(pylayout__resolve(&e, "/usr/lib/libpython3.12.so", &l, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(l.version, "3.11.2");
	cr_assert_str_eq(l.method, "Py_Version");
	/* then the name, refined by a version string */
	e.has_py_version = false;
	snprintf(e.version_string, sizeof(e.version_string), "3.9.18");
	cr_assert_eq(pylayout__resolve(&e, "/x/lib/libpython3.9.so.1.0", &l, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(l.method, "file-name");
	cr_assert_str_eq(l.version, "3.9.18");
	/* then the version string alone */
	cr_assert_eq(pylayout__resolve(&e, "/usr/bin/uwsgi", &l, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(l.method, "version-string");
	cr_assert_eq(l.minor, 9);
	/* the debug-offsets cookie beats everything */
	e.runtime_head_len = dbg313(e.runtime_head);
	cr_assert_eq(pylayout__resolve(&e, "/usr/bin/python3.9", &l, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(l.method, "debug-offsets");
	cr_assert_str_eq(l.version, "3.13.0");
}

Test(layout, unsupported_versions_are_named)
{
	struct elfinfo e;
	struct pylayout l;
	char why[200];

	memset(&e, 0, sizeof(e));
	e.is_python = true;
	cr_assert_eq(pylayout__resolve(&e, "/usr/lib/libpython2.7.so.1.0", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "CPython 2.7 is not supported"), "%s", why);
	e.runtime = 0x1000;
	cr_assert_eq(pylayout__resolve(&e, "/opt/lib/libpython3.7m.so", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "CPython 3.7 is not supported"), "%s", why);
	e.has_py_version = true;
	e.py_version = 0x03100000;
	cr_assert_eq(pylayout__resolve(&e, "/x/python", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "CPython 3.16 is not supported"), "%s", why);
	e.py_version = 0x030d00f0;
	/* named free-threaded: only _Py_DebugOffsets can say which header it has */
	cr_assert_eq(pylayout__resolve(&e, "/usr/lib/libpython3.13t.so.1.0", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "free-threaded CPython 3.13t without readable _Py_DebugOffsets"), "%s", why);
	cr_assert_eq(pylayout__resolve(&e, "/usr/local/bin/python3.14t", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "free-threaded CPython 3.14t"), "%s", why);
	/* named free-threaded, but the interpreter says it has a GIL */
	e.runtime_head_len = dbg313(e.runtime_head);
	cr_assert_eq(pylayout__resolve(&e, "/usr/lib/libpython3.13t.so.1.0", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "its _Py_DebugOffsets says it has a GIL"), "%s", why);
	dbg313t(e.runtime_head);
	cr_assert_eq(pylayout__resolve(&e, "/usr/lib/libpython3.13t.so.1.0", &l, why, sizeof(why)), 0, "%s", why);
	cr_assert(l.ft && !strcmp(l.version, "3.13.0t"), "%s", l.version);
	e.runtime_head_len = 0;
	e.has_py_version = false;
	cr_assert_eq(pylayout__resolve(&e, "/usr/bin/uwsgi", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "cannot tell which CPython version"), "%s", why);
}

Test(layout, real_interpreter_files)
{
	/* whatever CPythons this machine has: their ELF facts must resolve */
	static const char *const files[] = {
		"/usr/bin/python3.11",
		"/root/.pyenv/versions/3.8.18/lib/libpython3.8.so.1.0",
		"/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0",
		"/root/.pyenv/versions/3.13.0/lib/libpython3.13.so.1.0",
	};
	int seen = 0;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct elfinfo e;
		struct pylayout l;
		char why[200];

		if (elfinfo__read(files[i], &e))
			continue;
		seen++;
		cr_assert(e.is_python && e.runtime && e.code_type && e.unicode_type, "%s", files[i]);
		cr_assert_eq(pylayout__resolve(&e, files[i], &l, why, sizeof(why)), 0, "%s: %s", files[i], why);
		cr_assert(strchr(strchr(l.version, '.') + 1, '.'), "%s: no micro version in %s", files[i],
			  l.version);
	}
	cr_log_info("%d interpreter files checked", seen);
}
