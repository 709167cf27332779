/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-process symbol table: code object address -> (file, qualified name,
 * first line), interned by the caller into its own id (the profile's
 * function index: cpython/ knows no profile), and the line table, read with
 * process_vm_readv and cached. A cached entry is
 * re-validated once per drain epoch: if the object at that address no
 * longer has the same filename/name/line-table pointers, the address was
 * reused by another code object and the entry is read again.
 */
#ifndef COLDBPF_CPYTHON_SYMTAB_H
#define COLDBPF_CPYTHON_SYMTAB_H
#include <stdint.h>
#include <stdbool.h>
#include "cpython/pylayout.h"
#include "cpython/pyobj.h"

#define SYM_MAX_STR	PYOBJ_MAX_STR	/* characters of a name or file name */
#define SYM_MAX_LINETABLE (1 << 20)	/* bytes of a line table */
/* Per process, at most SYM_MAX_CODES entries and SYM_MAX_LT_BYTES of line
 * tables (code generated per request must not grow the agent): past either,
 * entries not used in the last SYM_KEEP_EPOCHS drains are evicted (all of
 * them when that frees too little); an evicted code object is read again
 * when it is sampled again. */
#define SYM_MAX_CODES	16384
#define SYM_MAX_LT_BYTES (4u << 20)
#define SYM_KEEP_EPOCHS	8

struct codeinfo {
	uint64_t addr;
	uint32_t func;		/* the caller's id for (file, qualname, firstline) */
	int firstlineno;
	uint8_t *lt;		/* line table bytes */
	uint32_t ltlen;
	uint32_t epoch;		/* drain epoch it was last validated in */
	uint64_t id[4];		/* filename, name, linetable pointers, firstlineno */
	bool valid;		/* false: not a readable code object */
};

struct symtab;

/* Gives the caller's id of a function; called once per code object read. */
typedef uint32_t (*symtab_intern_fn)(void *ctx, const char *file, const char *qualname, int firstline);

struct symtab *symtab__new(int pid, const struct pylayout *l, symtab_intern_fn intern, void *ctx);
void symtab__free(struct symtab *s);
/* The code object at addr, read or re-validated for this epoch. Never NULL:
 * an unreadable object gives an entry with valid == false. */
const struct codeinfo *symtab__resolve(struct symtab *s, uint64_t addr, uint32_t epoch);
/* Line for lasti in that code object (-1 when unknown). */
int symtab__line(const struct symtab *s, const struct codeinfo *ci, int lasti);
/* Entries evicted so far (for the agent's counters). */
uint64_t symtab__evicted(const struct symtab *s);
/* Process gone: stop reading, keep what was resolved. */
void symtab__freeze(struct symtab *s);
#endif
