// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Protocol buffers: the writer and the bounded reader (lib/proto.h). */
#include "lib/proto.h"
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"

static void reserve(struct proto_buf *w, size_t more)
{
	size_t cap = w->cap ? w->cap : 256;

	if (w->n + more <= w->cap)
		return;
	while (cap < w->n + more)
		cap *= 2;
	w->b = xrealloc(w->b, cap, 1);
	w->cap = cap;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t encode_varint(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

void proto__put_varint(struct proto_buf *w, uint64_t v)
{
	reserve(w, 10);
	w->n += encode_varint(w->b + w->n, v);
}

void proto__put_key(struct proto_buf *w, uint32_t field, enum proto_wire t)
{
	proto__put_varint(w, ((uint64_t)field << 3) | t);
}

void proto__put_uint(struct proto_buf *w, uint32_t field, uint64_t v)
{
	proto__put_key(w, field, PROTO_VARINT);
	proto__put_varint(w, v);
}

void proto__put_fixed64(struct proto_buf *w, uint32_t field, uint64_t v)
{
	proto__put_key(w, field, PROTO_I64);
	reserve(w, 8);
	for (int i = 0; i < 8; i++)
		w->b[w->n++] = (uint8_t)(v >> (8 * i));
}

void proto__put_bytes(struct proto_buf *w, uint32_t field, const void *p, size_t n)
{
	proto__put_key(w, field, PROTO_LEN);
	proto__put_varint(w, n);
	reserve(w, n);
	if (n)
		memcpy(w->b + w->n, p, n);
	w->n += n;
}

void proto__put_packed(struct proto_buf *w, uint32_t field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		len += varint_len(v[i]);
	proto__put_key(w, field, PROTO_LEN);
	proto__put_varint(w, len);
	reserve(w, len);
	for (size_t i = 0; i < n; i++)
		w->n += encode_varint(w->b + w->n, v[i]);
}

/* One byte is reserved for the length; close moves the body when the
 * length needs more (messages are mostly short: a line, a label). */
size_t proto__open(struct proto_buf *w, uint32_t field)
{
	proto__put_key(w, field, PROTO_LEN);
	reserve(w, 1);
	w->b[w->n++] = 0;
	return w->n;
}

void proto__close(struct proto_buf *w, size_t mark)
{
	size_t len = w->n - mark, k = varint_len(len);

	if (k > 1) {
		reserve(w, k - 1);
		memmove(w->b + mark + k - 1, w->b + mark, len);
		w->n += k - 1;
	}
	encode_varint(w->b + mark - 1, len);
}

void proto__free_buf(struct proto_buf *w)
{
	free(w->b);
	memset(w, 0, sizeof(*w));
}

void proto__reader(struct proto_reader *r, const void *data, size_t len)
{
	r->base = r->p = data;
	r->end = r->p + len;
	r->depth = 0;
}

/* At most 10 bytes; the 10th may only hold the 64th bit. */
static int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;

	for (int i = 0; i < 10; i++) {
		if (p >= end)
			return -1;
		if (i == 9 && *p > 1)
			return -1;
		x |= (uint64_t)(*p & 0x7f) << (7 * i);
		if (!(*p++ & 0x80)) {
			*v = x;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

int proto__next(struct proto_reader *r, struct proto_field *f)
{
	const uint8_t *p = r->p;
	uint64_t key, v;

	if (p >= r->end)
		return 0;
	if (get_varint(&p, r->end, &key) || key >> 3 == 0 || key >> 3 > PROTO_MAX_FIELD)
		return -1;
	f->num = key >> 3;
	f->wire = key & 7;
	f->data = NULL;
	f->len = 0;
	f->u = 0;
	switch (f->wire) {
	case PROTO_VARINT:
		if (get_varint(&p, r->end, &f->u))
			return -1;
		break;
	case PROTO_I64:
	case PROTO_I32: {
		size_t n = f->wire == PROTO_I64 ? 8 : 4;

		if ((size_t)(r->end - p) < n)
			return -1;
		for (size_t i = 0; i < n; i++)
			f->u |= (uint64_t)p[i] << (8 * i);
		p += n;
		break;
	}
	case PROTO_LEN:
		if (get_varint(&p, r->end, &v) || v > (uint64_t)(r->end - p))
			return -1;
		f->data = p;
		f->len = v;
		p += v;
		break;
	default:	/* groups (3, 4) and the undefined 6, 7 */
		return -1;
	}
	r->p = p;
	return 1;
}

int proto__enter(const struct proto_reader *r, const struct proto_field *f, struct proto_reader *sub)
{
	if (f->wire != PROTO_LEN || r->depth + 1 > PROTO_MAX_DEPTH)
		return -1;
	sub->base = r->base;
	sub->p = f->data;
	sub->end = f->data + f->len;
	sub->depth = r->depth + 1;
	return 0;
}

int proto__next_packed(struct proto_reader *r, uint64_t *v)
{
	if (r->p >= r->end)
		return 0;
	return get_varint(&r->p, r->end, v) ? -1 : 1;
}

int proto__repeated(const struct proto_reader *r, const struct proto_field *f, struct proto_repeated *it)
{
	it->one = f->u;
	it->left = f->wire == PROTO_LEN ? -1 : 1;
	if (f->wire == PROTO_LEN)
		return proto__enter(r, f, &it->packed);
	return f->wire == PROTO_VARINT ? 0 : -1;
}

int proto__next_repeated(struct proto_repeated *it, uint64_t *v)
{
	if (it->left < 0)
		return proto__next_packed(&it->packed, v);
	if (!it->left)
		return 0;
	it->left = 0;
	*v = it->one;
	return 1;
}

size_t proto__offset(const struct proto_reader *r)
{
	return r->p - r->base;
}
