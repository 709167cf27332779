/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Protocol buffers, the part pprof needs (output/pprof.c writes,
 * profile/pprofread.c reads; docs/pprof.md): varints, fixed 64- and 32-bit
 * values and length-delimited fields (bytes, strings, nested messages,
 * packed repeated varints). Our own, not libprotobuf-c: the pprof schema is
 * ten messages, which take less code by hand than a generated file plus a
 * runtime library, and this is small enough to read whole and is fuzzed
 * (tests/fuzz/fuzz_pprof.c).
 *
 * The reader allocates nothing and trusts nothing: every length is checked
 * against the bytes that are left, a varint longer than 10 bytes or
 * overflowing 64 bits is malformed, groups (wire types 3 and 4) are
 * refused, and nested messages are entered one level at a time, at most
 * PROTO_MAX_DEPTH deep. A field of a wire type the caller did not expect is
 * the caller's to skip (unknown fields are skipped by simply not looking at
 * them).
 */
#ifndef COLDBPF_LIB_PROTO_H
#define COLDBPF_LIB_PROTO_H
#include <stddef.h>
#include <stdint.h>

enum proto_wire { PROTO_VARINT = 0, PROTO_I64 = 1, PROTO_LEN = 2, PROTO_I32 = 5 };

#define PROTO_MAX_DEPTH 16
#define PROTO_MAX_FIELD ((1u << 29) - 1)

/* --- writing: a growing buffer (allocation cannot fail: lib/alloc.h) --- */
struct proto_buf {
	uint8_t *b;
	size_t n, cap;
};

void proto__put_varint(struct proto_buf *w, uint64_t v);
void proto__put_key(struct proto_buf *w, uint32_t field, enum proto_wire t);
/* A varint field: uint64, int64 (a negative one takes 10 bytes, as in
 * protobuf) or bool. Written even when 0: leaving defaults out is the
 * caller's choice. */
void proto__put_uint(struct proto_buf *w, uint32_t field, uint64_t v);
void proto__put_fixed64(struct proto_buf *w, uint32_t field, uint64_t v);
void proto__put_bytes(struct proto_buf *w, uint32_t field, const void *p, size_t n);
/* Repeated varints, packed into one length-delimited field (nothing when n == 0). */
void proto__put_packed(struct proto_buf *w, uint32_t field, const uint64_t *v, size_t n);
/* A nested message: open returns a mark, the fields follow, close writes
 * the length before them. Marks nest. */
size_t proto__open(struct proto_buf *w, uint32_t field);
void proto__close(struct proto_buf *w, size_t mark);
/* Release the buffer (it is empty and usable again). */
void proto__free_buf(struct proto_buf *w);

/* --- reading: no allocation, every length bounded --- */
struct proto_reader {
	const uint8_t *p, *end;
	const uint8_t *base;	/* the whole input, for offsets in messages */
	unsigned depth;
};

struct proto_field {
	uint32_t num;
	enum proto_wire wire;
	uint64_t u;		/* PROTO_VARINT, PROTO_I64, PROTO_I32 */
	const uint8_t *data;	/* PROTO_LEN: the bytes, inside the input */
	size_t len;
};

void proto__reader(struct proto_reader *r, const void *data, size_t len);
/* The next field: 1, 0 at the end of the message, -1 when malformed (the
 * reader is then left where the bad field starts: proto__offset). */
int proto__next(struct proto_reader *r, struct proto_field *f);
/* A length-delimited field as a message one level down: 0, or -1 when that
 * would be deeper than PROTO_MAX_DEPTH or f is not length-delimited. */
int proto__enter(const struct proto_reader *r, const struct proto_field *f, struct proto_reader *sub);
/* The varints of a packed repeated field, from a reader over its bytes
 * (proto__enter): 1, 0 at the end, -1 when malformed. */
int proto__next_packed(struct proto_reader *r, uint64_t *v);
/* The values of a repeated varint field, packed or not: proto__repeated
 * on each of its fields (0, or -1 when of another wire type or too deep),
 * then proto__next_repeated until it returns 0 (-1: malformed). */
struct proto_repeated {
	struct proto_reader packed;
	uint64_t one;
	int left;	/* unpacked: 1 until read; packed: -1 */
};
int proto__repeated(const struct proto_reader *r, const struct proto_field *f, struct proto_repeated *it);
int proto__next_repeated(struct proto_repeated *it, uint64_t *v);
/* Where r stands, in bytes from the start of the whole input. */
size_t proto__offset(const struct proto_reader *r);
#endif
