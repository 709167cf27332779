// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Version detection and layout resolution. */
#include <criterion/criterion.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "cpython/pylayout.h"

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
	buf[16] = 1;
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "free-threaded CPython 3.13t"), "%s", why);
	dbg313(buf);
	put_bytes(buf, 8, 0x031000a1);
	cr_assert_eq(pylayout__from_debug_offsets(buf, 1024, &d, why, sizeof(why)), -1);
	cr_assert(strstr(why, "CPython 3.16 is not supported"), "%s", why);
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
	cr_assert_eq(pylayout__resolve(&e, "/usr/lib/libpython3.13t.so.1.0", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "free-threaded CPython 3.13t is not supported"), "%s", why);
	cr_assert_eq(pylayout__resolve(&e, "/usr/local/bin/python3.14t", &l, why, sizeof(why)), -1);
	cr_assert(strstr(why, "free-threaded CPython 3.14t"), "%s", why);
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
