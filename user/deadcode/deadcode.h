/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Dead code under a source tree (docs/cold.md):
 *
 *   inventory (inventory.c: every definition, from Python's own ast)
 *     x evidence (match.c: live processes through cpython/evidence.h, or
 *       saved profiles)
 *     x samples (match.c: saved profiles)
 *   -> one status per definition (status.c): ran, sampled, never-ran,
 *      not-loaded, unknown (docs/cold.md, "Statuses" and "Soundness").
 *
 * The result is a struct deadcode that outputs (output/coldlist.c,
 * output/html.c) render and `coldbpf rm` (edit.c) acts on. It never writes
 * to a target and reads target memory only through cpython/.
 */
#ifndef COLDBPF_DEADCODE_H
#define COLDBPF_DEADCODE_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/htab.h"

struct classifier;
struct ignorefile;

enum dc_status { DC_RAN, DC_SAMPLED, DC_NEVER, DC_NOT_LOADED, DC_UNKNOWN, DC_NR };

/* why an entry is unknown (dc_entry.why), for the reports */
enum dc_why {
	DC_WHY_NONE,
	DC_WHY_NO_EVIDENCE,	/* a live copy whose version or state leaves no proof */
	DC_WHY_EXITED,		/* a process that loaded it exited after its evidence was read */
	DC_WHY_INCOMPLETE,	/* a source ran code without evidence (a profile without --evidence) */
	DC_WHY_PARTIAL,		/* memory skipped (swapped out): its module may be loaded */
	DC_WHY_NR
};

struct dc_entry {
	char *path;	/* relative to the source root */
	char *qualname;
	int first, last, lines;	/* lines: own lines, nested definitions excluded */
	char kind[12];	/* function, class, lambda, genexpr, ... (the inventory's) */
	/* accumulated over every evidence source */
	bool ran, never, matched;
	bool unknown;	/* some source holds a live copy without evidence: it may have run */
	bool exited_unread;	/* ... or a never-ran copy in a process that exited later */
	bool has_func;	/* a live function object runs it: its enclosing definition ran */
	bool drifted;	/* matched by name only: the running code's lines differ */
	/* --lines: per-line statuses of its code where it ran, merged over the
	 * sources (cpython/evlines.h); kept for DC_RAN entries only; lines above counts them */
	struct ev_lines *linestat;
	bool lines_weak;	/* a source holds a copy that may have run without lines: no line is never-ran */
	uint64_t samples;
	enum dc_status status;
	enum dc_why why;	/* DC_UNKNOWN: the reason */
};

struct deadcode {
	char root[PATH_MAX];		/* --src, resolved (realpath) */
	char root_given[PATH_MAX];	/* --src made absolute, symlinks kept (a `current`
					 * link: processes name files through it) */
	/* --src given as a target's view (a path inside a container or chroot
	 * that the host does not have): the process whose root holds it; the
	 * inventory runs inside that root as that process's user. 0: host view */
	int view_pid;
	struct dc_entry *e;
	size_t n, cap;
	char **errors;		/* files the inventory could not read or parse */
	size_t nerrors;
	char **paths;		/* distinct inventory paths (owned by entries) */
	size_t npaths, cappaths;
	bool *imported;		/* per path: some process has code from it */
	bool *imported_exited;	/* ... some process that exited during the run had */
	/* ... some process read at its exit may have loaded after its last
	 * round (it imported modules since): never-ran is not proven there */
	bool *late;
	struct htab path_idx;	/* hash(path) -> path index + 1 */
	struct htab exact;	/* (path, qualname, first) -> entry + 1 */
	struct htab byfirst;	/* (path, first) -> entry + 1, the first one */
	struct htab byname;	/* (path, qualname) -> entry + 1 | DC_AMBIGUOUS */
	struct htab bylast;	/* (path, last name component) -> entry + 1 | DC_AMBIGUOUS */
	char **drift;		/* running code with no inventory entry: "path\tqualname\tfirst" */
	size_t ndrift, capdrift;
	struct htab drift_idx;	/* hash(drift line) -> drift index + 1 */
	int sources;		/* evidence sources used */
	size_t exits;		/* processes with evidence that exited during their run */
	size_t exits_read;	/* ... read at their exit: their claims hold */
	size_t exits_late;	/* ... of which imported modules after their last round */
	/* processes of a program that runs code of the tree, which exited
	 * before any evidence read: nothing is never-ran */
	size_t unread_exits;
	/* ... which exited after a read, but were not read at their exit: they
	 * may have imported and run any code since; nothing is never-ran */
	size_t unfinal_exits;
	/* the window never-ran speaks of: the shortest time a process with
	 * evidence (alive at its read) had run when it was read, in s; < 0 when
	 * no source said, or a source's age is unknown (an older profile) */
	double window;
	size_t window_procs;	/* processes it was taken over */
	bool window_unknown;
	bool incomplete;	/* a source ran code without evidence: nothing is never-ran */
	bool partial;		/* a scan skipped swapped-out memory: "module not imported" is not proven */
	bool ft_noted;		/* the note on free-threaded evidence was printed */
	bool lines;		/* --lines: per-line statuses were read (dc_entry.lines) */
	const struct ignorefile *ig;
	struct ignorefile *own_ig;	/* deadcode__inventory's, freed with d */
	size_t in_tree;		/* code objects that mapped into the tree */
	struct htab line_samples;	/* (path index << 32 | line) -> leaf samples */
	/* ... of which inside a garbage collection: a <gc> leaf is counted on
	 * the line under it, the one that triggered the collection */
	struct htab line_gc;
	uint64_t total_samples;
	uint64_t gc_samples;	/* samples with a <gc> leaf (--usdt gc) */
};

#define DC_AMBIGUOUS (1ULL << 63)	/* several entries share the name: no drift match */

/* Where evidence comes from: exactly one of all, pids, profiles. */
struct profile;

struct dc_sources {
	const char *src;	/* the source tree */
	const char *python;	/* interpreter for the inventory helper */
	bool all;		/* every CPython process */
	int *pids;
	size_t npids;
	char **profiles;	/* saved profiles (JSON) */
	size_t nprofiles;
	bool lines;		/* --lines: read per-line statuses too (docs/cold.md, "Lines") */
};

extern const char *const dc_status_names[DC_NR];
extern const char *const dc_why_names[DC_WHY_NR];

/* Inventory, evidence, decision. 0, or -1 after a one-line message. */
int deadcode__collect(struct deadcode *d, const struct dc_sources *s);
void deadcode__free(struct deadcode *d);
/* Dead first, biggest first; then unknown, sampled, ran. */
void deadcode__sort(struct deadcode *d);
/* Leaf samples of a line of the path with that index. */
uint64_t deadcode__line_samples(const struct deadcode *d, size_t path_index, int line);
/* ... of them, those inside a garbage collection it triggered */
uint64_t deadcode__line_gc_samples(const struct deadcode *d, size_t path_index, int line);

/* inventory.c: run the helper (deadcode/inventory.py) over d->root. */
int inventory__run(struct deadcode *d, const char *python, const struct ignorefile *ig);
int inventory__path_index(const struct deadcode *d, const char *path);

/* match.c: evidence and samples of one source into the entries. */
int match__pid(struct deadcode *d, struct classifier *cl, int pid, bool quiet);
int match__profile(struct deadcode *d, const char *path);
/* ... of a profile in memory (path: its name for notes; NULL: no notes). */
void match__profile_data(struct deadcode *d, const struct profile *p, const char *path);

/* live.c: a long-running caller (coldbpf serve --src) keeps the inventory
 * and matches the live profile again and again. */
/* The inventory of src (host view) alone. 0, or -1 after a message. */
int deadcode__inventory(struct deadcode *d, const char *src, const char *python);
/* Statuses from profile p: the evidence matched before is forgotten first. */
void deadcode__decide_profile(struct deadcode *d, const struct profile *p);
/* The same over several profiles at once (serve: the live one and the
 * --state-dir state's), as `coldbpf cold` combines files. */
void deadcode__decide_profiles(struct deadcode *d, const struct profile *const *ps, size_t n);

/* status.c: every entry's status from what was matched. */
void status__decide(struct deadcode *d);
#endif
