/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-process symbol table: code object address -> profile function and
 * line table, read with process_vm_readv and cached. A cached entry is
 * re-validated once per drain epoch: if the object at that address no
 * longer has the same filename/name/line-table pointers, the address was
 * reused by another code object and the entry is read again.
 */
#ifndef COLDBPF_SYMBOLIZE_H
#define COLDBPF_SYMBOLIZE_H
#include <stdint.h>
#include "profile.h"
#include "pylayout.h"

#define SYM_MAX_STR	4096		/* characters of a name or file name */
#define SYM_MAX_LINETABLE (1 << 20)	/* bytes of a line table */

struct codeinfo {
	uint64_t addr;
	uint32_t func;		/* profile function index */
	int firstlineno;
	uint8_t *lt;		/* line table bytes */
	uint32_t ltlen;
	uint32_t epoch;		/* drain epoch it was last validated in */
	uint64_t id[4];		/* filename, name, linetable pointers, firstlineno */
	bool valid;		/* false: not a readable code object */
};

struct symtab;

struct symtab *symtab__new(int pid, const struct pylayout *l);
void symtab__free(struct symtab *s);
/* The code object at addr, read or re-validated for this epoch. Never NULL:
 * an unreadable object gives an entry with valid == false. */
const struct codeinfo *symtab__resolve(struct symtab *s, struct profile *p, uint64_t addr,
				       uint32_t epoch);
/* Line for lasti in that code object (-1 when unknown). */
int symtab__line(const struct symtab *s, const struct codeinfo *ci, int lasti);
/* Process gone: stop reading, keep what was resolved. */
void symtab__freeze(struct symtab *s);

/* Read a str object into UTF-8; exposed for tests. 0 on success. */
int py_read_str(int pid, const struct pylayout *l, uint64_t addr, char *out, size_t outsz);
#endif
