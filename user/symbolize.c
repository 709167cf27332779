// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "symbolize.h"
#include "memread.h"
#include "procs.h"
#include "qualname.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRC_CACHE 8		/* source files kept for 3.8-3.10 qualified names */
#define SRC_MAX (4 << 20)

struct srccache {
	char *path;
	char *data;	/* NULL: unreadable */
	size_t len;
};

struct symtab {
	struct srccache src[SRC_CACHE];
	unsigned src_next;
	int pid;
	bool frozen;
	const struct pylayout *l;
	struct u64map idx;	/* code addr -> index + 1 */
	struct codeinfo *codes;
	size_t n, cap;
};

struct symtab *symtab__new(int pid, const struct pylayout *l)
{
	struct symtab *s = xcalloc(1, sizeof(*s));

	s->pid = pid;
	s->l = l;
	u64map__init(&s->idx);
	return s;
}

void symtab__free(struct symtab *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->codes[i].lt);
	for (int i = 0; i < SRC_CACHE; i++) {
		free(s->src[i].path);
		free(s->src[i].data);
	}
	free(s->codes);
	u64map__free(&s->idx);
	free(s);
}

void symtab__freeze(struct symtab *s)
{
	s->frozen = true;
}

static size_t _put_utf8(char *out, size_t o, size_t outsz, uint32_t c)
{
	char tmp[4];
	size_t n;

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		tmp[0] = c;
		n = 1;
	} else if (c < 0x800) {
		tmp[0] = 0xc0 | (c >> 6);
		tmp[1] = 0x80 | (c & 0x3f);
		n = 2;
	} else if (c < 0x10000) {
		tmp[0] = 0xe0 | (c >> 12);
		tmp[1] = 0x80 | ((c >> 6) & 0x3f);
		tmp[2] = 0x80 | (c & 0x3f);
		n = 3;
	} else {
		tmp[0] = 0xf0 | (c >> 18);
		tmp[1] = 0x80 | ((c >> 12) & 0x3f);
		tmp[2] = 0x80 | ((c >> 6) & 0x3f);
		tmp[3] = 0x80 | (c & 0x3f);
		n = 4;
	}
	if (o + n >= outsz)
		return o;
	memcpy(out + o, tmp, n);
	return o + n;
}

int py_read_str(int pid, const struct pylayout *l, uint64_t addr, char *out, size_t outsz)
{
	uint8_t hdr[128], *data;
	uint64_t type, len;
	uint32_t state, kind;
	size_t o = 0, off;

	out[0] = 0;
	if (!addr || mem_read(pid, addr, hdr, sizeof(hdr)))
		return -1;
	memcpy(&type, hdr + l->ob_type, 8);
	if (l->unicode_type && type != l->unicode_type)
		return -1;
	memcpy(&len, hdr + l->str_length, 8);
	memcpy(&state, hdr + l->str_state, 4);
	kind = (state >> 2) & 7;
	if (!(state & 0x20) || len > SYM_MAX_STR || (kind != 1 && kind != 2 && kind != 4))
		return -1;	/* only compact strings: names and file names always are */
	if ((state & 0x40) && kind != 1)
		return -1;
	off = (state & 0x40) ? l->str_ascii_data : l->str_compact_data;
	data = malloc(len * kind + 1);
	if (!data)
		return -1;
	if (mem_read(pid, addr + off, data, len * kind)) {
		free(data);
		return -1;
	}
	for (uint64_t i = 0; i < len; i++) {
		uint32_t c;

		if (kind == 1)
			c = data[i];
		else if (kind == 2)
			c = data[2 * i] | (data[2 * i + 1] << 8);
		else
			memcpy(&c, data + 4 * i, 4);
		o = _put_utf8(out, o, outsz, c);
	}
	out[o] = 0;
	free(data);
	return 0;
}

static int _read_bytes(int pid, const struct pylayout *l, uint64_t addr, uint8_t **out,
		       uint32_t *outlen)
{
	uint8_t hdr[64];
	uint64_t type, size;

	if (!addr || mem_read(pid, addr, hdr, sizeof(hdr)))
		return -1;
	memcpy(&type, hdr + l->ob_type, 8);
	if (l->bytes_type && type != l->bytes_type)
		return -1;
	memcpy(&size, hdr + l->bytes_size, 8);
	if (size > SYM_MAX_LINETABLE)
		return -1;
	*out = malloc(size + 1);
	if (!*out)
		return -1;
	if (mem_read(pid, addr + l->bytes_sval, *out, size)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = size;
	return 0;
}

static uint64_t _field(const uint8_t *buf, uint16_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, 8);
	return v;
}

/* Read the identity of the object at addr; -1 if it is not a code object. */
static int _read_ident(struct symtab *s, uint64_t addr, uint8_t *buf, uint64_t id[4])
{
	const struct pylayout *l = s->l;
	int32_t first;

	if (mem_read(s->pid, addr, buf, l->code_read))
		return -1;
	if (l->code_type && _field(buf, l->ob_type) != l->code_type)
		return -1;
	memcpy(&first, buf + l->co_firstlineno, 4);
	id[0] = _field(buf, l->co_filename);
	id[1] = _field(buf, l->co_qualname != PY_NO_FIELD ? l->co_qualname : l->co_name);
	id[2] = _field(buf, l->co_linetable);
	id[3] = (uint32_t)first;
	return first < 0 ? -1 : 0;
}

/* The source as the process sees it (its root and cwd), cached. */
static const struct srccache *_source(struct symtab *s, const char *file)
{
	struct srccache *c;

	for (int i = 0; i < SRC_CACHE; i++)
		if (s->src[i].path && !strcmp(s->src[i].path, file))
			return &s->src[i];
	c = &s->src[s->src_next++ % SRC_CACHE];
	free(c->path);
	free(c->data);
	c->path = xstrdup(file);
	c->len = 0;
	c->data = proc_read_file(s->pid, file, SRC_MAX, &c->len, false);
	return c;
}

static void _fill(struct symtab *s, struct profile *p, struct codeinfo *ci, const uint8_t *buf)
{
	const struct pylayout *l = s->l;
	char file[SYM_MAX_STR + 1], name[SYM_MAX_STR + 1];

	free(ci->lt);
	ci->lt = NULL;
	ci->ltlen = 0;
	ci->firstlineno = (int32_t)ci->id[3];
	if (py_read_str(s->pid, l, ci->id[0], file, sizeof(file)))
		snprintf(file, sizeof(file), "<unknown file>");
	if (py_read_str(s->pid, l, ci->id[1], name, sizeof(name))) {
		snprintf(name, sizeof(name), "<unknown>");
	} else if (l->co_qualname == PY_NO_FIELD) {
		/* 3.8-3.10: rebuild the qualified name from the source, when it shows
		 * co_name defined at co_firstlineno; else co_name stays */
		const struct srccache *c = _source(s, file);
		char q[SYM_MAX_STR + 1];

		if (c->data && !qualname_from_source(c->data, c->len, ci->firstlineno, name, q, sizeof(q)))
			snprintf(name, sizeof(name), "%s", q);
	}
	_read_bytes(s->pid, l, ci->id[2], &ci->lt, &ci->ltlen);
	ci->func = profile__func(p, file, name, ci->firstlineno);
	ci->valid = true;
}

const struct codeinfo *symtab__resolve(struct symtab *s, struct profile *p, uint64_t addr,
				       uint32_t epoch)
{
	uint8_t buf[1024];
	uint64_t *v, id[4];
	struct codeinfo *ci;
	bool isnew;

	v = u64map__put(&s->idx, addr, &isnew);
	if (isnew) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->codes = xrealloc(s->codes, s->cap, sizeof(*s->codes));
		}
		ci = &s->codes[s->n++];
		memset(ci, 0, sizeof(*ci));
		ci->addr = addr;
		*v = s->n;
	} else {
		ci = &s->codes[*v - 1];
		if (ci->epoch == epoch || s->frozen)
			return ci;
	}
	ci->epoch = epoch;
	if (s->frozen)
		return ci;
	if (s->l->code_read > sizeof(buf) || _read_ident(s, addr, buf, id)) {
		/* gone or not a code object: keep what we had, if anything */
		return ci;
	}
	if (!ci->valid || memcmp(id, ci->id, sizeof(id))) {
		memcpy(ci->id, id, sizeof(id));
		_fill(s, p, ci, buf);
	}
	return ci;
}

int symtab__line(const struct symtab *s, const struct codeinfo *ci, int lasti)
{
	if (!ci->valid)
		return -1;
	if (!ci->lt)
		return lasti < 0 ? ci->firstlineno : -1;
	return lt_line(s->l->lt_kind, ci->lt, ci->ltlen, ci->firstlineno, lasti);
}
