// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/mem.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "lib/alloc.h"

/* One image per process at most, for tests and the recorder only. */
static const struct memimage *img_src;
static int img_src_pid;
static struct memimage *img_rec;
static int img_rec_pid;

void mem__use_image(int pid, const struct memimage *img)
{
	img_src = img;
	img_src_pid = pid;
}

void mem__record(int pid, struct memimage *img)
{
	img_rec = img;
	img_rec_pid = pid;
}

static void add_region(struct memimage *m, uint64_t addr, const void *data, uint64_t len)
{
	struct memregion *r;

	if (m->nregions == m->capregions) {
		m->capregions = m->capregions ? m->capregions * 2 : 64;
		m->regions = xrealloc(m->regions, m->capregions, sizeof(*m->regions));
	}
	r = &m->regions[m->nregions++];
	r->addr = addr;
	r->len = len;
	r->data = xcalloc(len, 1);
	memcpy(r->data, data, len);
}

static int image_read(const struct memimage *m, uint64_t addr, void *buf, size_t len)
{
	/* regions are disjoint after save/load; a read must fit inside one */
	for (size_t i = 0; i < m->nregions; i++) {
		const struct memregion *r = &m->regions[i];

		if (addr >= r->addr && addr + len <= r->addr + r->len) {
			memcpy(buf, r->data + (addr - r->addr), len);
			return 0;
		}
	}
	return -1;
}

int mem__read(int pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	if (!len)
		return 0;
	if (!addr || addr + len < addr)
		return -1;
	if (img_src && pid == img_src_pid)
		return image_read(img_src, addr, buf, len);
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)len)
		return -1;
	if (img_rec && pid == img_rec_pid)
		add_region(img_rec, addr, buf, len);
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	const struct memregion *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sort and merge overlapping or touching regions (later bytes are the same memory). */
static void coalesce(struct memimage *m)
{
	size_t k = 0;

	if (!m->nregions)
		return;
	qsort(m->regions, m->nregions, sizeof(*m->regions), cmp_region);
	for (size_t i = 1; i < m->nregions; i++) {
		struct memregion *a = &m->regions[k], *b = &m->regions[i];

		if (b->addr <= a->addr + a->len) {
			uint64_t end = b->addr + b->len > a->addr + a->len ? b->addr + b->len : a->addr + a->len;

			a->data = xrealloc(a->data, end - a->addr, 1);
			memcpy(a->data + (b->addr - a->addr), b->data, b->len);
			a->len = end - a->addr;
			free(b->data);
		} else {
			m->regions[++k] = *b;
		}
	}
	m->nregions = k + 1;
}

int memimage__save(struct memimage *m, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	coalesce(m);
	fprintf(f, "coldbpf-memimage 1\npython %s\n", m->python);
	fprintf(f, "runtime 0x%" PRIx64 "\ntypes 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", m->runtime,
		m->code_type, m->unicode_type, m->bytes_type);
	for (size_t i = 0; i < m->nexpect; i++)
		fprintf(f, "frame %s\n", m->expect[i]);
	for (size_t i = 0; i < m->nregions; i++) {
		fprintf(f, "region 0x%" PRIx64 " %" PRIu64 " ", m->regions[i].addr, m->regions[i].len);
		for (uint64_t j = 0; j < m->regions[i].len; j++)
			fprintf(f, "%02x", m->regions[i].data[j]);
		fputc('\n', f);
	}
	return fclose(f) ? -1 : 0;
}

struct memimage *memimage__load(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	struct memimage *m;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;

	if (!f) {
		snprintf(err, errsz, "%s: cannot open", path);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	while ((n = getline(&line, &cap, f)) > 0) {
		uint64_t addr, len;
		int pos = 0;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (lineno == 1 && strcmp(line, "coldbpf-memimage 1"))
			goto bad;
		else if (!strncmp(line, "python ", 7))
			snprintf(m->python, sizeof(m->python), "%.20s", line + 7);
		else if (!strncmp(line, "runtime ", 8))
			m->runtime = strtoull(line + 8, NULL, 16);
		else if (!strncmp(line, "types ", 6)) {
			if (sscanf(line + 6, "%" SCNx64 " %" SCNx64 " %" SCNx64, &m->code_type,
				   &m->unicode_type, &m->bytes_type) != 3)
				goto bad;
		} else if (!strncmp(line, "frame ", 6)) {
			m->expect = xrealloc(m->expect, m->nexpect + 1, sizeof(char *));
			m->expect[m->nexpect++] = xstrdup(line + 6);
		} else if (!strncmp(line, "region ", 7)) {
			uint8_t *data;

			if (sscanf(line + 7, "%" SCNx64 " %" SCNu64 " %n", &addr, &len, &pos) != 2 ||
			    strlen(line + 7 + pos) != len * 2 || len > (64 << 20))
				goto bad;
			data = xcalloc(len ? len : 1, 1);
			for (uint64_t j = 0; j < len; j++) {
				unsigned v;

				sscanf(line + 7 + pos + 2 * j, "%2x", &v);
				data[j] = v;
			}
			add_region(m, addr, data, len);
			free(data);
		} else if (lineno > 1) {
			goto bad;
		}
	}
	free(line);
	fclose(f);
	return m;
bad:
	snprintf(err, errsz, "%s:%d: not a coldbpf memory image line", path, lineno);
	free(line);
	fclose(f);
	memimage__free(m);
	return NULL;
}

void memimage__free(struct memimage *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nregions; i++)
		free(m->regions[i].data);
	for (size_t i = 0; i < m->nexpect; i++)
		free(m->expect[i]);
	free(m->regions);
	free(m->expect);
	free(m);
}
