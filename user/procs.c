// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "procs.h"
#include "util.h"
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
	struct elfinfo info;
};

struct discovery {
	struct u64map idx;	/* hash(dev, ino) -> entry index + 1 */
	struct elfcache_entry *ents;
	size_t n, cap;
};

struct discovery *discovery__new(void)
{
	struct discovery *d = xcalloc(1, sizeof(*d));

	u64map__init(&d->idx);
	return d;
}

void discovery__free(struct discovery *d)
{
	if (!d)
		return;
	u64map__free(&d->idx);
	free(d->ents);
	free(d);
}

static const struct elfcache_entry *_elf_get(struct discovery *d, uint64_t dev, uint64_t ino,
					     const char *open_path)
{
	uint64_t h = hash_u64(dev * 0x9e3779b97f4a7c15ULL ^ ino), *v;
	struct elfcache_entry *e;

	for (;; h++) {
		v = u64map__get(&d->idx, h);
		if (!v)
			break;
		e = &d->ents[*v - 1];
		if (e->dev == dev && e->ino == ino)
			return e;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->ents = xrealloc(d->ents, d->cap, sizeof(*d->ents));
	}
	e = &d->ents[d->n++];
	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->ino = ino;
	e->ok = elfinfo__read(open_path, &e->info) == 0;
	*u64map__put(&d->idx, h, NULL) = d->n;
	return e;
}

int proc_starttime(int pid, uint64_t *out)
{
	char path[64], *buf, *p;
	unsigned long long st;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = read_file_str(path, 8192, NULL);
	if (!buf)
		return -1;
	/* comm may contain spaces and parentheses: fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			 "%*d %*d %llu", &st) != 1) {
		free(buf);
		return -1;
	}
	*out = st;
	free(buf);
	return 0;
}

int proc_ppid(int pid)
{
	char path[64], *buf, *p;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = read_file_str(path, 8192, NULL);
	if (!buf)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
		ppid = -1;
	free(buf);
	return ppid;
}

void proc_comm(int pid, char *buf, size_t sz)
{
	char path[64], *s;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	s = read_file_str(path, 256, NULL);
	if (!s) {
		snprintf(buf, sz, "?");
		return;
	}
	s[strcspn(s, "\n")] = 0;
	sanitize_text(s, buf, sz);
	free(s);
}

void proc_cmdline(int pid, char *buf, size_t sz)
{
	char path[64], *s;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	s = read_file_str(path, 65536, &n);
	if (!s || !n) {
		free(s);
		proc_comm(pid, buf, sz);
		return;
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (!s[i])
			s[i] = ' ';
	sanitize_text(s, buf, sz);
	free(s);
}

bool proc_alive(int pid, uint64_t starttime)
{
	char path[64], *buf, *p, state = 0;
	unsigned long long st = 0;
	bool alive;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = read_file_str(path, 8192, NULL);
	if (!buf)
		return false;
	p = strrchr(buf, ')');
	alive = p && sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			    "%*d %*d %*d %llu", &state, &st) == 2 &&
		st == starttime && state != 'Z' && state != 'X';	/* a zombie has exited */
	free(buf);
	return alive;
}

struct mapping {
	uint64_t start, end, off, dev, ino;
	char perms[5];
	char path[PATH_MAX];
};

static int _parse_maps_line(const char *line, struct mapping *m)
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
static uint64_t _file_base(const char *maps, const struct mapping *f)
{
	uint64_t base = UINT64_MAX;
	const char *line = maps;

	while (line && *line) {
		struct mapping m;

		if (!_parse_maps_line(line, &m) && m.dev == f->dev && m.ino == f->ino && m.off == 0 &&
		    m.start < base)
			base = m.start;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return base;
}

enum classify discovery__classify(struct discovery *d, int pid, struct pyproc_info *out,
				  char *why, size_t whysz)
{
	char path[128], *maps;
	const char *line;
	enum classify res = CL_NOT_PYTHON;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	why[0] = 0;
	if (proc_starttime(pid, &out->starttime)) {
		snprintf(why, whysz, "no process with PID %d", pid);
		return CL_GONE;
	}
	proc_comm(pid, out->comm, sizeof(out->comm));
	proc_cmdline(pid, out->cmdline, sizeof(out->cmdline));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = read_file_str(path, 64 << 20, NULL);
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
		const struct elfcache_entry *e;
		char mf[128];

		if (!_parse_maps_line(line, &m) && m.ino && m.path[0] == '/' && m.perms[2] == 'x') {
			/* map_files reaches the file even inside another mount namespace */
			snprintf(mf, sizeof(mf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid,
				 m.start, m.end);
			e = _elf_get(d, m.dev, m.ino, mf);
			if (e->ok && e->info.is_python) {
				char reason[200];
				uint64_t base = _file_base(maps, &m), bias;

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
					snprintf(out->binary, sizeof(out->binary), "%.255s", m.path);
					res = CL_PYTHON;
					break;
				}
			}
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	free(maps);
	if (res == CL_NOT_PYTHON)
		snprintf(why, whysz, "PID %d (%s) is not a CPython process", pid, out->comm);
	return res;
}

char *proc_read_file(int pid, const char *file, size_t max, size_t *len, bool host_fallback)
{
	char path[PATH_MAX + 64];
	char *data;

	if (!file[0] || file[0] == '<')
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/%s/%s", pid, file[0] == '/' ? "root" : "cwd", file);
	data = read_file_str(path, max, len);
	if (!data && host_fallback && file[0] == '/')
		data = read_file_str(file, max, len);
	if (data && memchr(data, 0, *len)) {
		free(data);
		data = NULL;
	}
	return data;
}
