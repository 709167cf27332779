/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPython objects read out of a target: str (every compact kind, to UTF-8)
 * and bytes. Type pointers are checked when the layout knows them; lengths
 * are bounded before anything is allocated or read.
 */
#ifndef COLDBPF_CPYTHON_PYOBJ_H
#define COLDBPF_CPYTHON_PYOBJ_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "cpython/pylayout.h"

#define PYOBJ_MAX_STR 4096	/* characters of a name or file name */

/* The str at addr as UTF-8 into out (truncated to outsz - 1 bytes on a
 * whole character). 0, or -1 when it is not a compact str or unreadable. */
int pyobj__read_str(int pid, const struct pylayout *l, uint64_t addr, char *out, size_t outsz);
/* Does the object header hdr (at least l->ob_type + 8 bytes, at most 72) look like a
 * live object's? Default builds: ob_refcnt is positive and small, or
 * immortal (3.12+: low 32 bits all ones); a freed block holds an allocator
 * pointer there. Free-threaded builds split the count (Include/object.h):
 * ob_ref_local (32 bits, UINT32_MAX when immortal) and ob_ref_shared (its
 * low 2 bits are flags); a live object has one of them positive. */
bool pyobj__live(const struct pylayout *l, const uint8_t *hdr);
/* The bytes object at addr (at most max bytes): 0 with a malloc'd *out. */
int pyobj__read_bytes(int pid, const struct pylayout *l, uint64_t addr, uint32_t max, uint8_t **out,
		      uint32_t *outlen);
#endif
