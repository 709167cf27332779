// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/bpfobj.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/msg.h"
#include "sampler.skel.h"

static __thread bool quiet;	/* per thread: the USDT worker attaches */

void bpfobj__quiet(bool on)
{
	quiet = on;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && msg_verbose < 2)
		return 0;
	if (!msg_verbose && (level != LIBBPF_WARN || quiet))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The kernel features the sampler uses, probed (not guessed from the
 * version: distributions backport), so that a missing one is named. */
static int probe_kernel(void)
{
	static const struct {
		enum bpf_func_id helper;
		const char *what;
	} helpers[] = {
		{ BPF_FUNC_loop, "bpf_loop (Linux 5.17): the frame walk" },
		{ BPF_FUNC_get_current_task_btf, "bpf_get_current_task_btf (Linux 5.11): the thread's FS base" },
		{ BPF_FUNC_probe_read_user, "bpf_probe_read_user (Linux 5.5): reading Python frames" },
		{ BPF_FUNC_ringbuf_output, "bpf_ringbuf_output (Linux 5.8): new-stack events" },
		{ BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns" },
	};
	int r;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		msg__err("this kernel has no BTF (/sys/kernel/btf/vmlinux): coldbpf needs CONFIG_DEBUG_INFO_BTF");
		return -1;
	}
	r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_PERF_EVENT, NULL);
	if (r == 0) {
		msg__err("this kernel cannot run BPF programs on perf events");
		return -1;
	}
	if (r < 0)
		return 0;	/* cannot probe (privileges, old libbpf): let the load say what fails */
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 0) {
		msg__err("this kernel lacks BPF ring buffers (Linux 5.8)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_PERF_EVENT, helpers[i].helper, NULL) == 0) {
			msg__err("this kernel lacks the BPF helper %s", helpers[i].what);
			return -1;
		}
	return 0;
}

static size_t quota_bytes(void)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (CB_SLOTS * sizeof(struct cb_quota) + page - 1) / page * page;
}

int bpfobj__load(struct bpfobj *b, int max_depth, unsigned bench_stage, bool bench)
{
	memset(b, 0, sizeof(*b));
	libbpf_set_print(libbpf_print);
	if (probe_kernel())
		return -1;
	b->skel = sampler__open();
	if (!b->skel) {
		msg__err("cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	/* load-time settings: rodata and map sizes, between open and load */
	b->skel->rodata->bench = bench;
	b->skel->rodata->max_depth = max_depth;
	b->stack_value_size = offsetof(struct cb_stack, frames) + max_depth * sizeof(struct cb_frame);
	bpf_map__set_value_size(b->skel->maps.stacks, b->stack_value_size);
	/* -vv: the verifier's statistics (instructions processed, states) */
	if (msg_verbose >= 2)
		bpf_program__set_log_level(b->skel->progs.cb_sample, 4);
	/* -vv: the verifier's statistics (instructions processed, states) */
	if (msg_verbose >= 2)
		bpf_program__set_log_level(b->skel->progs.cb_sample, 4);
	if (sampler__load(b->skel)) {
		msg__err("cannot load the BPF sampler: %s (is this Linux >= 5.17 with BTF? run with -v)",
			 strerror(errno));
		return -1;
	}
	b->py_procs_fd = bpf_map__fd(b->skel->maps.py_procs);
	b->stacks_fd = bpf_map__fd(b->skel->maps.stacks);
	b->counts_fd[0] = bpf_map__fd(b->skel->maps.counts0);
	b->counts_fd[1] = bpf_map__fd(b->skel->maps.counts1);
	b->counts_gen = &b->skel->bss->counts_gen;
	b->stacks_epoch = &b->skel->bss->stacks_epoch;
	b->bench_stage = &b->skel->bss->bench_stage;
	*b->bench_stage = bench_stage;
	b->events_fd = bpf_map__fd(b->skel->maps.events);
	b->fresh_fd = bpf_map__fd(b->skel->maps.fresh);
	b->gc_starts_fd = bpf_map__fd(b->skel->maps.gc_starts);
	b->quota = mmap(NULL, quota_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(b->skel->maps.quota), 0);
	if (b->quota == MAP_FAILED) {
		b->quota = NULL;
		msg__err("cannot map the BPF quota map: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Entries [from, from + n) of the per-CPU stats map, summed over CPUs. */
static void sum_stats(const struct bpfobj *b, uint32_t from, uint32_t n, uint64_t *out)
{
	int fd = bpf_map__fd(b->skel->maps.stats);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = xcalloc(ncpu > 0 ? ncpu : 1, sizeof(uint64_t));

	for (uint32_t k = 0; k < n; k++) {
		uint64_t sum = 0;
		uint32_t key = from + k;

		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
		out[k] = sum;
	}
	free(vals);
}

void bpfobj__read_stats(const struct bpfobj *b, uint64_t counters[CTR_NR])
{
	sum_stats(b, 0, CB_STAT_NR, counters);
}

void bpfobj__read_ns_hist(const struct bpfobj *b, uint64_t hist[CB_NS_BUCKETS])
{
	sum_stats(b, CB_STAT_NR, CB_NS_BUCKETS, hist);
}

void bpfobj__free(struct bpfobj *b)
{
	if (b->quota)
		munmap(b->quota, quota_bytes());
	b->quota = NULL;
	sampler__destroy(b->skel);
	b->skel = NULL;
}
