// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/classify.h"
#include "cpython/pylive.h"
#include "lib/msg.h"
#include "lib/alloc.h"
#include "lib/htab.h"
#include "lib/file.h"
#include "lib/procfs.h"
#include "lib/str.h"
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct elfcache_entry {
	uint64_t dev, ino;
	int ok;			/* elfinfo__read succeeded */
	int open_errno;		/* when it could not open the file */
	bool row_warned;	/* its _Py_DebugOffsets vs the table: said once */
	bool future_warned;	/* newer than tested, sampled best-effort: said once */
	struct elfinfo info;
};

struct classifier {
	bool quiet;		/* no warnings (a check before the classifier that runs) */
	struct htab idx;	/* hash(dev, ino) -> entry index + 1 */
	struct elfcache_entry *ents;
	size_t n, cap;
};

struct classifier *classifier__new(void)
{
	struct classifier *d = xcalloc(1, sizeof(*d));

	htab__init(&d->idx);
	return d;
}

void classifier__quiet(struct classifier *d)
{
	d->quiet = true;
}

void classifier__free(struct classifier *d)
{
	if (!d)
		return;
	htab__free(&d->idx);
	free(d->ents);
	free(d);
}

struct elf_probe {
	const struct classifier *d;
	uint64_t dev, ino;
};

static bool same_file(uint64_t val, const void *probe)
{
	const struct elf_probe *p = probe;
	const struct elfcache_entry *e = &p->d->ents[val - 1];

	return e->dev == p->dev && e->ino == p->ino;
}

static struct elfcache_entry *elf_get(struct classifier *d, uint64_t dev, uint64_t ino,
					     const char *open_path)
{
	struct elf_probe pr = { d, dev, ino };
	uint64_t h = hash__u64(dev * 0x9e3779b97f4a7c15ULL ^ ino), *v;
	struct elfcache_entry *e;

	int r;

	v = htab__find(&d->idx, h, same_file, &pr);
	if (v)
		return &d->ents[*v - 1];
	ARRAY_RESERVE(d->ents, d->n, d->cap, 16);
	e = &d->ents[d->n];
	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->ino = ino;
	r = elfinfo__read(open_path, &e->info);
	e->ok = r == 0;
	e->open_errno = r == -1 ? errno : 0;
	if (r == -1)
		return e;	/* not cached: the process may have exited under us; the file is fine */
	d->n++;
	htab__add(&d->idx, h, d->n);
	return e;
}

struct mapping {
	uint64_t start, end, off, dev, ino;
	char perms[5];
	char path[PATH_MAX];
};

static int parse_maps_line(const char *line, struct mapping *m)
{
	unsigned int maj, min;
	unsigned long long ino;
	int pos = 0;

	m->path[0] = 0;
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %llu %n", &m->start,
		   &m->end, m->perms, &m->off, &maj, &min, &ino, &pos) < 7)
		return -1;
	m->dev = ((uint64_t)maj << 32) | min;
	m->ino = ino;
	if (pos > 0) {
		snprintf(m->path, sizeof(m->path), "%s", line + pos);
		m->path[strcspn(m->path, "\n")] = 0;
	}
	return 0;
}

/* Lowest mapping of the file with offset 0: base for the load bias. */
static uint64_t file_base(const char *maps, const struct mapping *f)
{
	uint64_t base = UINT64_MAX;
	const char *line = maps;

	while (line && *line) {
		struct mapping m;

		if (!parse_maps_line(line, &m) && m.dev == f->dev && m.ino == f->ino && m.off == 0 &&
		    m.start < base)
			base = m.start;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return base;
}

/* A CPython newer than tested (layout.future): sampled only when the live
 * process agrees with its offsets (cpython/pylive.c), with one warning per
 * interpreter file; refused naming the check that failed; left for a later
 * look (CL_NOT_PYTHON, why set) while it runs no Python frame yet. Its
 * markers are not used: their arguments' layouts are version knowledge. */
static enum classify future(struct classifier *d, struct elfcache_entry *e, int pid, const struct mapping *m,
			    struct pyproc_info *out, char *why, size_t whysz)
{
	struct pylive_stats st;
	char reason[200], path[300];

	out->markers = 0;
	switch (pylive__verify(pid, &out->layout, procfs__age(out->starttime) >= PYLIVE_SETTLED_SECS, &st, reason,
			       sizeof(reason))) {
	case PYLIVE_OK:
		break;
	case PYLIVE_NOT_YET:
		snprintf(why, whysz, "PID %d (%s): CPython %s is newer than tested and cannot be checked yet: %s",
			 pid, out->comm, out->layout.version, reason);
		return CL_NOT_PYTHON;
	default:
		snprintf(why, whysz, "PID %d (%s): CPython %s is newer than coldbpf knows and fails the live check "
			 "of its _Py_DebugOffsets: %s", pid, out->comm, out->layout.version, reason);
		return CL_UNSUPPORTED;
	}
	if (!e->future_warned && !d->quiet) {
		e->future_warned = true;
		str__sanitize(m->path, path, sizeof(path));
		msg__err("warning: %s (CPython %s, PID %d) is newer than the versions coldbpf was tested with "
			 "(3.8-3.%d); its _Py_DebugOffsets, read as 3.%d's (%u of %u offsets differ from its row), "
			 "passed the checks (%u threads, %u frames, %u code objects), so it is read best-effort: "
			 "sampled shares may be wrong, and no evidence says never-ran", path, out->layout.version, pid,
			 out->layout.known_minor, out->layout.known_minor, out->layout.row_ndiff,
			 out->layout.row_ncompared, st.threads, st.frames, st.codes);
	}
	return CL_PYTHON;
}

enum classify classifier__classify(struct classifier *d, int pid, struct pyproc_info *out,
				  char *why, size_t whysz)
{
	char path[128], *maps;
	const char *line;
	enum classify res = CL_NOT_PYTHON;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	why[0] = 0;
	if (procfs__starttime(pid, &out->starttime)) {
		snprintf(why, whysz, "no process with PID %d", pid);
		return CL_GONE;
	}
	procfs__comm(pid, out->comm, sizeof(out->comm));
	procfs__cmdline(pid, out->cmdline, sizeof(out->cmdline));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = file__read(path, 64 << 20, NULL);
	if (!maps) {
		if (errno == EACCES || errno == EPERM) {
			snprintf(why, whysz, "cannot read /proc/%d/maps: %s", pid, strerror(errno));
			return CL_ERROR;
		}
		snprintf(why, whysz, "no process with PID %d", pid);
		return CL_GONE;
	}
	if (!*maps) {
		/* kernel threads and zombies have no mappings */
		snprintf(why, whysz, "PID %d (%s) is not a CPython process", pid, out->comm);
		free(maps);
		return CL_NOT_PYTHON;
	}

	for (line = maps; line && *line;) {
		struct mapping m;
		struct elfcache_entry *e;
		char mf[128];

		if (!parse_maps_line(line, &m) && m.ino && m.path[0] == '/' && m.perms[2] == 'x') {
			/* map_files reaches the file even inside another mount namespace */
			snprintf(mf, sizeof(mf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid,
				 m.start, m.end);
			e = elf_get(d, m.dev, m.ino, mf);
			if (!e->ok && (e->open_errno == EPERM || e->open_errno == EACCES) &&
			    strstr(m.path, "python")) {
				/* never silent: a CPython we may not read is an error, not "no CPython" */
				snprintf(why, whysz, "cannot read the interpreter of PID %d (%s): %s (/proc/PID/map_files "
					 "needs CAP_CHECKPOINT_RESTORE)", pid, out->comm, strerror(e->open_errno));
				res = CL_ERROR;
			}
			if (e->ok && e->info.is_python) {
				char reason[200];
				uint64_t base = file_base(maps, &m), bias;

				if (pylayout__resolve(&e->info, m.path, &out->layout, reason,
						      sizeof(reason))) {
					snprintf(why, whysz, "PID %d (%s): %s", pid, out->comm, reason);
					res = CL_UNSUPPORTED;
					/* keep looking: an embedder may map two runtimes */
				} else if (base != UINT64_MAX) {
					bias = base - e->info.first_load;
					out->layout.bpf.runtime_addr = e->info.runtime + bias;
					out->layout.code_type = e->info.code_type ? e->info.code_type + bias : 0;
					out->layout.unicode_type =
						e->info.unicode_type ? e->info.unicode_type + bias : 0;
					out->layout.bytes_type =
						e->info.bytes_type ? e->info.bytes_type + bias : 0;
					out->layout.function_type =
						e->info.function_type ? e->info.function_type + bias : 0;
					out->layout.type_type =
						e->info.type_type ? e->info.type_type + bias : 0;
#define BIASED(f) out->layout.f = e->info.f ? e->info.f + bias : 0
					BIASED(long_type);
					BIASED(bool_type);
					BIASED(tuple_type);
					BIASED(list_type);
					BIASED(none);
#undef BIASED
					snprintf(out->binary, sizeof(out->binary), "%.255s", m.path);
					snprintf(out->map_file, sizeof(out->map_file), "%s", mf);
					out->markers = e->info.markers;
					if (out->layout.row_ndiff && !out->layout.future && !e->row_warned && !d->quiet) {
						/* once per interpreter file: every process of it says the same;
						 * the path is the target's to choose: escaped */
						char path[300];

						e->row_warned = true;
						str__sanitize(m.path, path, sizeof(path));
						msg__err("warning: %s (CPython %s, PID %d): its _Py_DebugOffsets differ from "
							 "coldbpf's table for 3.%d in %u of %u offsets: %s; its own are used "
							 "(scripts/gen-layout.py makes the row)", path, out->layout.version,
							 pid, out->layout.minor, out->layout.row_ndiff,
							 out->layout.row_ncompared, out->layout.row_diff);
					}
					res = CL_PYTHON;
					if (out->layout.future)
						res = future(d, e, pid, &m, out, why, whysz);
					break;
				}
			}
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	free(maps);
	if (res == CL_NOT_PYTHON && !why[0])
		snprintf(why, whysz, "PID %d (%s) is not a CPython process", pid, out->comm);
	return res;
}
