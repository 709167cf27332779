/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one attach layer: every BPF program of every feature is attached and
 * detached here (perf events per CPU, tracepoints, and CPython's USDT
 * markers per process, with the same bookkeeping). A struct attach holds what one
 * feature attached, so a feature that fails to attach is detached on its own
 * and never takes sampling down with it (docs/design.md, "Features").
 */
#ifndef COLDBPF_COLLECT_ATTACH_H
#define COLDBPF_COLLECT_ATTACH_H
#include <stddef.h>

struct bpf_program;
struct bpf_link;

struct attach {
	const char *feature;	/* for messages: "sampling", "exec events" */
	struct bpf_link **links;
	int *fds;		/* perf event fds, -1 where none */
	size_t n, cap;
	int cpus;		/* CPUs sampled by attach__perf_events */
};

void attach__init(struct attach *a, const char *feature);
/* A cpu-clock perf event at hz on every online CPU, each running prog; with
 * fixed_ns > 0 in period mode (that many ns, changed later with
 * PERF_EVENT_IOC_PERIOD: collect/period.h), else in frequency mode.
 * 0, or -1 after a message (what was attached stays until attach__free). */
int attach__perf_events(struct attach *a, struct bpf_program *prog, int hz, unsigned long long period_ns);
/* A program whose section names its attach point (raw_tp/...). */
int attach__program(struct attach *a, struct bpf_program *prog);
/* prog on every call site of the static marker provider:name in binary,
 * for process pid only (libbpf's USDT support: one uprobe per call site,
 * each raising the marker's semaphore in pid's memory through the kernel's
 * ref_ctr_offset while attached). 0, or -errno (no message: the caller
 * counts and names failures). */
int attach__usdt(struct attach *a, struct bpf_program *prog, int pid, const char *binary, const char *provider,
		 const char *name);
/* Detach everything (links, then perf events): every semaphore a USDT link
 * raised goes back down. */
void attach__free(struct attach *a);
#endif
