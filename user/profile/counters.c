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
};

const struct counter_info *counter__info(int idx)
{
	return idx >= 0 && idx < CTR_NR && counters[idx].name ? &counters[idx] : NULL;
}

const char *counter__name(int idx)
{
	const struct counter_info *c = counter__info(idx);

	return c ? c->name : NULL;
}
