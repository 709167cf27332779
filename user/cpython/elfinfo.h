/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What coldbpf needs from a python executable or libpython, read from its file. */
#ifndef COLDBPF_CPYTHON_ELFINFO_H
#define COLDBPF_CPYTHON_ELFINFO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_RUNTIME_HEAD 1024	/* bytes of _PyRuntime kept (holds _Py_DebugOffsets) */

/* CPython's static markers (SDT notes of provider "python", a build
 * --with-dtrace; docs/usdt.md): bit (1 << PYM_*) of elfinfo.markers */
enum py_marker {
	PYM_FUNCTION_ENTRY,
	PYM_FUNCTION_RETURN,
	PYM_LINE,		/* never attached: it crashes 3.11 */
	PYM_GC_START,
	PYM_GC_DONE,
	PYM_IMPORT_START,	/* import__find__load__start */
	PYM_IMPORT_DONE,	/* import__find__load__done */
	PYM_AUDIT,
	PYM_NR,
};

struct elfinfo {
	bool is_python;		/* defines Py_Initialize or _PyRuntime */
	uint64_t first_load;	/* lowest PT_LOAD p_vaddr, page aligned */
	/* link-time addresses (add the load bias); 0 when absent */
	uint64_t runtime;	/* _PyRuntime */
	uint64_t code_type;	/* PyCode_Type */
	uint64_t unicode_type;	/* PyUnicode_Type */
	uint64_t function_type;	/* PyFunction_Type */
	uint64_t type_type;	/* PyType_Type */
	uint64_t bytes_type;	/* PyBytes_Type */
	/* for audit events' arguments: PyLong_Type, PyBool_Type, PyTuple_Type,
	 * PyList_Type, _Py_NoneStruct */
	uint64_t long_type, bool_type, tuple_type, list_type, none;
	bool has_py_version;
	uint64_t py_version;	/* value of Py_Version (3.11+) */
	size_t runtime_head_len;
	uint8_t runtime_head[ELF_RUNTIME_HEAD];	/* initial bytes of _PyRuntime */
	char version_string[32];	/* a "3.X.Y" string found in .rodata, or "" */
	uint32_t markers;	/* 1 << PYM_* of each marker found in .note.stapsdt */
};

/* 0 on success; -1 when the file could not be opened (the process may have
 * exited: worth trying again later); -2 when it is not a regular file or not
 * an ELF we understand (a fact about the file). */
int elfinfo__read(const char *path, struct elfinfo *out);
/* The marker's name as the notes spell it ("gc__start"), or NULL. */
const char *elfinfo__marker_name(int m);
/* Markers of a mask, comma-separated, into buf ("" when none). */
void elfinfo__marker_list(uint32_t mask, char *buf, size_t sz);
#endif
