/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pprof profiles read back into a struct profile (docs/pprof.md): coldbpf's
 * own (output/pprof.c) and those merged or rewritten by other tools (`go
 * tool pprof -proto a.pb.gz b.pb.gz`, a pprof backend): string table order
 * and ids are free, samples may be merged, sample types and fields coldbpf
 * does not know are skipped. CPU samples become stacks of processes named
 * by their labels; evidence samples become entries that stand for the
 * merged evidence (pproc.merged: per program, its functions' statuses and
 * exits; one for the processes read alive; profile/pprofev.c), so that
 * deadcode/match.c applies the rules of docs/cold.md to them unchanged.
 * Everything read is bounded, with a one-line error.
 */
#ifndef COLDBPF_PROFILE_PPROFREAD_H
#define COLDBPF_PROFILE_PPROFREAD_H
#include <stddef.h>
#include "profile/profile.h"

#define PPROF_MAX_BYTES (256u << 20)	/* a file, and the protobuf once decompressed */
#define PPROF_EVIDENCE_CMD "[coldbpf evidence]"	/* the command line of entries of no one program */

/* A pprof profile in memory, gzip-compressed or raw; name is for messages.
 * NULL with a one-line reason in err. */
struct profile *profile__from_pprof(const void *data, size_t len, const char *name, char *err, size_t errsz);
/* The same from a file (at most PPROF_MAX_BYTES). */
struct profile *profile__load_pprof(const char *path, char *err, size_t errsz);
#endif
