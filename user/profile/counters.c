// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "profile/counters.h"
#include <stddef.h>

static const struct counter_info counters[CTR_NR] = {
	[CB_STAT_SAMPLES] = { "samples", CTR_KIND_COUNT, "perf samples seen by the BPF program" },
	[CB_STAT_PY_SAMPLES] = { "python_samples", CTR_KIND_COUNT, "samples in a profiled CPython process" },
	[CB_STAT_RECORDED] = { "recorded", CTR_KIND_COUNT, "samples recorded as a Python stack" },
	[CB_STAT_TRUNCATED] = { "truncated", CTR_KIND_COUNT,
				"recorded stacks deeper than --max-depth (root-most frames dropped)" },
	[CB_STAT_NS] = { "bpf_python_ns", CTR_KIND_NS, "ns the BPF program spent on the timed Python samples" },
	[CB_STAT_TIMED] = { "timed_samples", CTR_KIND_COUNT,
			    "Python samples timed inside the program (1 in 8, at random)" },
	[CB_STAT_CACHE_HIT] = { "thread_cache_hits", CTR_KIND_COUNT, "thread-state cache hits" },
	[CB_STAT_FRAME_READS] = { "frame_window_reads", CTR_KIND_COUNT, "frame-window reads of recorded stacks" },
	[CB_ERR_READ_RUNTIME] = { "err_read_runtime", CTR_KIND_LOSS, "reading _PyRuntime or the interpreter failed" },
	[CB_ERR_NO_INTERP] = { "err_no_interpreter", CTR_KIND_OUTCOME, "runtime not initialised" },
	[CB_ERR_NO_THREAD] = { "err_no_thread_state", CTR_KIND_OUTCOME, "thread without a PyThreadState" },
	[CB_ERR_THREAD_LIMIT] = { "err_thread_walk_limit", CTR_KIND_LOSS, "thread and interpreter lists longer than the walk bound (4096 steps)" },
	[CB_ERR_READ_TSTATE] = { "err_read_thread_state", CTR_KIND_LOSS, "reading the thread state failed" },
	[CB_ERR_READ_FRAME] = { "err_read_frame", CTR_KIND_LOSS, "reading a frame failed" },
	[CB_ERR_NO_FRAMES] = { "err_no_python_frames", CTR_KIND_OUTCOME, "thread state without Python frames" },
	[CB_ERR_STACKS_FULL] = { "err_stacks_map_full", CTR_KIND_LOSS, "stacks map full: sample dropped" },
	[CB_ERR_COUNTS_FULL] = { "err_counts_map_full", CTR_KIND_LOSS, "counts map full: sample dropped" },
	[CB_ERR_EVENTS_FULL] = { "err_ringbuf_full", CTR_KIND_LOSS,
				 "ring buffer full (the stack was symbolized at the next drain)" },
	[CB_ERR_STACK_QUOTA] = { "err_stack_quota", CTR_KIND_LOSS,
				 "a process held its share of the stacks map (1/8): sample dropped, counted per process" },
	[CB_STAT_INTERP_GUESS] = { "samples_interpreter_guessed", CTR_KIND_COUNT,
				   "samples of a thread with thread states in several interpreters, none provably "
				   "current (GIL released): the newest interpreter's was taken" },
	[CB_STAT_UREADS] = { "user_reads", CTR_KIND_COUNT,
			     "reads of target memory by the BPF program (every Python sample)" },
	[CB_STAT_UBYTES] = { "user_read_bytes", CTR_KIND_COUNT, "bytes of target memory those reads copied" },
	[CB_STAT_GC] = { "gc_samples", CTR_KIND_COUNT,
			 "samples recorded inside a garbage collection (a <gc> frame; --usdt gc)" },
	[CB_STAT_SPLIT] = { "split_timed_samples", CTR_KIND_COUNT,
			    "recorded Python samples timed in parts inside the program (1 in 8, at random)" },
	[CB_STAT_NS_TSTATE] = { "bpf_thread_state_ns", CTR_KIND_NS,
				"ns of those samples spent finding and reading the thread state" },
	[CB_STAT_NS_WALK] = { "bpf_walk_ns", CTR_KIND_NS, "ns of those samples spent walking the frames" },
	[CB_STAT_NS_MAPS] = { "bpf_maps_ns", CTR_KIND_NS,
			      "ns of those samples spent storing the stack and counting it" },
	[CTR_UNRESOLVED_FRAMES] = { "unresolved_frames", CTR_KIND_LOSS,
				    "sampled frames whose code object could not be read" },
	[CTR_STACKS_LOST] = { "stacks_lost", CTR_KIND_LOSS,
			      "samples whose stack had left the stacks map before it was read" },
	[CTR_SAMPLES_AFTER_EXIT] = { "samples_after_exit", CTR_KIND_LOSS,
				     "samples of a process already retired (it exec'd, or its PID came back)" },
	[CTR_SAMPLES_BEFORE_CLASSIFIED] = { "samples_before_classified", CTR_KIND_LOSS,
					    "samples of a profiled process taken between its exec and its classification" },
	[CTR_SRC_READ] = { "source_files_read", CTR_KIND_COUNT, "source files read as their target's user" },
	[CTR_SRC_REFUSED] = { "source_files_refused", CTR_KIND_LOSS,
			      "files named by a target that are not regular files on an ordinary filesystem" },
	[CTR_SRC_DENIED] = { "source_files_denied", CTR_KIND_LOSS,
			     "files the target's user could not read, or outside its root" },
	[CTR_SRC_FAILED] = { "source_files_unreadable", CTR_KIND_LOSS, "source files gone, unreadable or binary" },
	[CTR_SRC_TIMEOUTS] = { "source_reads_timed_out", CTR_KIND_LOSS,
			       "source reads abandoned at their deadline (a hung filesystem)" },
	[CTR_EVIDENCE_ROUNDS] = { "evidence_rounds", CTR_KIND_COUNT, "execution evidence rounds (--evidence)" },
	[CTR_EVIDENCE_NS] = { "evidence_ns", CTR_KIND_NS, "wall time of the evidence rounds, in their worker thread" },
	[CTR_EVIDENCE_BYTES] = { "evidence_bytes_read", CTR_KIND_COUNT, "bytes of target memory the evidence rounds read" },
	[CTR_EVIDENCE_SKIPPED] = { "evidence_bytes_skipped", CTR_KIND_COUNT,
				   "bytes of target memory not resident (never touched or swapped out), not read" },
	[CTR_EXIT_READ] = { "exit_reads", CTR_KIND_COUNT, "exited processes whose never-ran markers were read at their exit" },
	[CTR_EXIT_UNREAD] = { "exits_unread", CTR_KIND_LOSS,
			      "exited processes not read at their exit: their never-ran claims became unknown" },
	[CTR_EXIT_INCOMPLETE] = { "exit_reads_incomplete", CTR_KIND_LOSS,
				  "exit reads after monitoring was switched on or a module was imported since the last round" },
	[CTR_EXIT_CHILDREN] = { "exit_reads_children", CTR_KIND_COUNT,
				"forked children seen only at their exit, read there" },
	[CTR_EXIT_NS] = { "exit_read_ns", CTR_KIND_NS, "BPF time of the exit reads, in the exiting processes" },
	[CTR_EXIT_EVENTS_LOST] = { "exit_events_lost", CTR_KIND_LOSS, "exit-read events that did not fit the ring buffer" },
	[CTR_THREADS_MERGED] = { "samples_threads_merged", CTR_KIND_COUNT,
				  "samples of threads beyond a process's first 256, kept under thread id 0" },
	[CTR_SYMBOLS_EVICTED] = { "symbols_evicted", CTR_KIND_COUNT,
				   "symbol-table entries evicted at the per-process bound (read again if sampled again)" },
	[CTR_PROCS_FOLDED] = { "processes_folded", CTR_KIND_COUNT,
				"exited processes folded into one entry per program (profile bounded under churn)" },
	[CTR_PROCS_FILTERED] = { "processes_filtered", CTR_KIND_COUNT,
				  "processes left out by the --include/--exclude filters (each look at one)" },
	[CTR_SKIPPED_UNLISTED] = { "skipped_unlisted", CTR_KIND_COUNT,
				   "processes skipped but not listed (the list keeps 256)" },
	[CTR_USDT_PROCS] = { "usdt_processes", CTR_KIND_COUNT,
			     "processes whose CPython static markers were attached (--usdt: GC pauses, imports)" },
	[CTR_USDT_PROBES] = { "usdt_probes", CTR_KIND_COUNT,
			      "marker call sites attached (uprobes; each raises its marker's semaphore while attached)" },
	[CTR_USDT_NO_MARKERS] = { "usdt_no_markers", CTR_KIND_COUNT,
				  "processes whose interpreter has no static markers (not built --with-dtrace): sampled only" },
	[CTR_USDT_FAILED] = { "usdt_attach_failed", CTR_KIND_LOSS,
			      "processes whose markers could not be attached (the error is in the profile, -v says it)" },
	[CTR_USDT_LIMIT] = { "usdt_attach_limit", CTR_KIND_LOSS,
			     "processes not attached: 1024 processes had markers attached already" },
	[CTR_USDT_OFF] = { "usdt_off", CTR_KIND_COUNT,
			   "processes whose markers were kept off (--usdt-exclude, or COLDBPF_USDT=off in their "
			   "environment): sampled only" },
	[CTR_USDT_ATTACH_NS] = { "usdt_attach_ns", CTR_KIND_NS, "agent time attaching and detaching markers" },
	[CTR_USDT_GC_UNPAIRED] = { "usdt_gc_unpaired", CTR_KIND_COUNT,
				   "gc__done seen without its gc__start (attached during a collection): not counted" },
	[CTR_USDT_IMPORT_UNPAIRED] = { "usdt_import_unpaired", CTR_KIND_COUNT,
				       "imports finished without their start seen (attached during an import): not counted" },
	[CTR_USDT_IMPORT_DEEP] = { "usdt_imports_too_deep", CTR_KIND_LOSS,
				   "imports nested more than 32 deep: counted, not timed" },
	[CTR_USDT_EVENTS_LOST] = { "usdt_events_lost", CTR_KIND_LOSS,
				   "import events that did not fit the ring buffer: counted, missing from the slowest" },
	[CTR_AUDIT_LOST] = { "audit_events_lost", CTR_KIND_LOSS,
			     "audit events that did not fit the ring buffer (coldbpf audit): counted, not shown" },
	[CTR_USDT_UNOWNED] = { "usdt_events_unowned", CTR_KIND_COUNT,
			       "marker hits of a process whose probes were being detached: not counted" },
	[CTR_CALLS_LOST] = { "calls_lost", CTR_KIND_LOSS,
			     "calls of a function not counted: the calls map (65,536 process x code pairs) was full" },
	[CTR_CALLS_UNREAD] = { "calls_unread", CTR_KIND_LOSS,
			       "function__entry hits whose thread state or frame could not be read: not counted" },
	[CTR_CALLS_RESUMES] = { "calls_resumes", CTR_KIND_COUNT,
				"function__entry hits of a resumed generator or coroutine: not calls" },
};

/* The lower bound of bucket b (include/sampler.h, cb_ns_bucket). */
static double bucket_lo(int b)
{
	return (double)(1ULL << (CB_NS_MIN_LOG2 + b / 4)) * (1.0 + (b % 4) / 4.0);
}

double counter__ns_median(const uint64_t hist[CB_NS_BUCKETS])
{
	uint64_t total = 0, seen = 0;

	for (int b = 0; b < CB_NS_BUCKETS; b++)
		total += hist[b];
	if (!total)
		return 0;
	for (int b = 0; b < CB_NS_BUCKETS; b++) {
		double lo = bucket_lo(b), hi = b + 1 < CB_NS_BUCKETS ? bucket_lo(b + 1) : lo * 1.25;

		if (2 * (seen + hist[b]) >= total) {
			/* linear inside the bucket */
			double part = hist[b] ? (total / 2.0 - seen) / hist[b] : 0;

			return lo + (hi - lo) * (part < 0 ? 0 : part);
		}
		seen += hist[b];
	}
	return bucket_lo(CB_NS_BUCKETS - 1);
}

const struct counter_info *counter__info(int idx)
{
	return idx >= 0 && idx < CTR_NR && counters[idx].name ? &counters[idx] : NULL;
}

const char *counter__name(int idx)
{
	const struct counter_info *c = counter__info(idx);

	return c ? c->name : NULL;
}
