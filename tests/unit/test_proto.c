// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* lib/proto (protobuf writer and bounded reader) and lib/gzip. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "lib/gzip.h"
#include "lib/proto.h"

static int read_one(const uint8_t *b, size_t n, struct proto_field *f)
{
	struct proto_reader r;

	proto__reader(&r, b, n);
	return proto__next(&r, f);
}

Test(proto, varints_round_trip_and_their_sizes)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, 1ULL << 63, UINT64_MAX,
					 (uint64_t)-1LL, (uint64_t)INT64_MIN };
	static const size_t sizes[] = { 1, 1, 1, 2, 2, 2, 3, 5, 10, 10, 10, 10 };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct proto_buf w = {};
		struct proto_field f;

		proto__put_uint(&w, 5, vals[i]);
		cr_assert_eq(w.n, 1 + sizes[i], "%zu: %zu bytes", i, w.n);
		cr_assert_eq(read_one(w.b, w.n, &f), 1);
		cr_assert_eq(f.num, 5);
		cr_assert_eq(f.wire, PROTO_VARINT);
		cr_assert_eq(f.u, vals[i]);
		proto__free_buf(&w);
	}
}

Test(proto, malformed_input_is_refused)
{
	struct proto_field f;
	/* 11 bytes of varint; a 10th byte above 1 overflows 64 bits */
	static const uint8_t overlong[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t overflow[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	static const uint8_t max64[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t too_long[] = { 0x0a, 0x05, 'a', 'b' };	/* 5 bytes announced, 2 there */
	static const uint8_t huge_len[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f };
	static const uint8_t group[] = { 0x0b, 0x0c };	/* start group, end group */
	static const uint8_t field0[] = { 0x00, 0x01 };
	static const uint8_t wire6[] = { 0x0e };
	static const uint8_t short_i64[] = { 0x09, 1, 2, 3 };
	static const uint8_t cut_key[] = { 0x80 };

	cr_assert_eq(read_one(overlong, sizeof(overlong), &f), -1);
	cr_assert_eq(read_one(overflow, sizeof(overflow), &f), -1);
	cr_assert_eq(read_one(max64, sizeof(max64), &f), 1);
	cr_assert_eq(f.u, UINT64_MAX);
	cr_assert_eq(read_one(too_long, sizeof(too_long), &f), -1);
	cr_assert_eq(read_one(huge_len, sizeof(huge_len), &f), -1);
	cr_assert_eq(read_one(group, sizeof(group), &f), -1);
	cr_assert_eq(read_one(field0, sizeof(field0), &f), -1);
	cr_assert_eq(read_one(wire6, sizeof(wire6), &f), -1);
	cr_assert_eq(read_one(short_i64, sizeof(short_i64), &f), -1);
	cr_assert_eq(read_one(cut_key, sizeof(cut_key), &f), -1);
	cr_assert_eq(read_one(NULL, 0, &f), 0, "an empty message is a message");
}

Test(proto, nested_messages_lengths_and_depth)
{
	struct proto_buf w = {};
	struct proto_reader r, sub[PROTO_MAX_DEPTH + 4];
	struct proto_field f;
	char big[20000];
	size_t marks[PROTO_MAX_DEPTH + 4];
	int depth = 0;

	memset(big, 'x', sizeof(big));
	/* lengths of 1, 2 and 3 bytes: close moves the body */
	for (size_t n = 0; n < 3; n++) {
		size_t len = n == 0 ? 100 : n == 1 ? 1000 : 20000, m = proto__open(&w, 1);

		proto__put_bytes(&w, 2, big, len - 4);
		proto__close(&w, m);
	}
	proto__reader(&r, w.b, w.n);
	for (size_t n = 0; n < 3; n++) {
		struct proto_field g;

		cr_assert_eq(proto__next(&r, &f), 1);
		cr_assert_eq(proto__enter(&r, &f, &sub[0]), 0);
		cr_assert_eq(proto__next(&sub[0], &g), 1);
		cr_assert_eq(g.num, 2);
		cr_assert_eq(g.len, (n == 0 ? 100 : n == 1 ? 1000 : 20000) - 4);
		cr_assert_eq(proto__next(&sub[0], &g), 0, "the body ends where its length says");
	}
	cr_assert_eq(proto__next(&r, &f), 0);
	proto__free_buf(&w);

	/* PROTO_MAX_DEPTH + 2 levels: entered down to the limit, not below */
	for (int i = 0; i < PROTO_MAX_DEPTH + 2; i++)
		marks[i] = proto__open(&w, 1);
	proto__put_uint(&w, 2, 7);
	for (int i = PROTO_MAX_DEPTH + 1; i >= 0; i--)
		proto__close(&w, marks[i]);
	proto__reader(&r, w.b, w.n);
	sub[0] = r;
	while (proto__next(&sub[depth], &f) == 1 && f.wire == PROTO_LEN) {
		if (proto__enter(&sub[depth], &f, &sub[depth + 1]))
			break;
		depth++;
	}
	cr_assert_eq(depth, PROTO_MAX_DEPTH);
	proto__free_buf(&w);
}

Test(proto, repeated_fields_packed_or_not)
{
	static const uint64_t v[] = { 1, 300, 0, UINT64_MAX };
	struct proto_buf w = {};
	struct proto_reader r;
	struct proto_field f;
	struct proto_repeated it;
	uint64_t got[8], x;
	size_t n = 0;

	proto__put_packed(&w, 1, v, 4);
	for (int i = 0; i < 4; i++)
		proto__put_uint(&w, 1, v[i]);
	proto__put_packed(&w, 1, v, 0);	/* nothing */
	proto__reader(&r, w.b, w.n);
	while (proto__next(&r, &f) == 1) {
		cr_assert_eq(proto__repeated(&r, &f, &it), 0);
		while (proto__next_repeated(&it, &x) == 1)
			got[n++] = x;
	}
	cr_assert_eq(n, 8);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(got[i], v[i % 4]);
	/* a packed run cut inside a varint */
	w.b[1] = 2;
	w.b[3] = 0xac;	/* 300's first byte, its second cut off */
	proto__reader(&r, w.b, 4);
	cr_assert_eq(proto__next(&r, &f), 1);
	cr_assert_eq(proto__repeated(&r, &f, &it), 0);
	cr_assert_eq(proto__next_repeated(&it, &x), 1);
	cr_assert_eq(proto__next_repeated(&it, &x), -1);
	proto__free_buf(&w);
}

Test(gzip, round_trip_members_and_bounds)
{
	size_t n = 300000, len, len2, plen;
	uint8_t *in = malloc(n), *z, *z2, *out, *both;
	char why[128];

	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)(i * 7 / 13);
	cr_assert_eq(gzip__compress(in, n, &z, &len), 0);
	cr_assert(len < n / 10, "compressed to %zu", len);
	cr_assert_eq(z[0], 0x1f);
	cr_assert_eq(z[1], 0x8b);
	cr_assert_eq(gzip__decompress(z, len, 1 << 20, &out, &plen, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(plen, n);
	cr_assert_eq(memcmp(out, in, n), 0);
	free(out);
	/* two members: one stream; bytes after the last member are ignored */
	cr_assert_eq(gzip__compress("abc", 3, &z2, &len2), 0);
	both = malloc(len + len2 + 2);
	memcpy(both, z, len);
	memcpy(both + len, z2, len2);
	memcpy(both + len + len2, "\0\0", 2);
	cr_assert_eq(gzip__decompress(both, len + len2 + 2, 1 << 20, &out, &plen, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(plen, n + 3);
	cr_assert_eq(memcmp(out + n, "abc", 3), 0);
	free(out);
	/* bounded: a bomb stops at the limit */
	cr_assert_eq(gzip__decompress(z, len, 100000, &out, &plen, why, sizeof(why)), -1);
	cr_assert(strstr(why, "larger than"), "%s", why);
	cr_assert_null(out);
	/* truncated, corrupt */
	cr_assert_eq(gzip__decompress(z, len / 2, 1 << 20, &out, &plen, why, sizeof(why)), -1);
	cr_assert_str_eq(why, "truncated");
	z[len / 2] ^= 0xff;
	z[len / 2 + 1] ^= 0x55;
	cr_assert_eq(gzip__decompress(z, len, 1 << 20, &out, &plen, why, sizeof(why)), -1);
	free(in);
	free(z);
	free(z2);
	free(both);
}
