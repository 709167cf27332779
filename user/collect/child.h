/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `coldbpf -- CMD`: the command is started before sampling is attached and
 * released (execs) only once it is, so no early sample is lost. */
#ifndef COLDBPF_COLLECT_CHILD_H
#define COLDBPF_COLLECT_CHILD_H
#include <stdbool.h>
#include <sys/types.h>

struct child {
	char **cmd;
	pid_t pid;	/* 0 before start */
	int gofd;	/* write end of the start pipe, -1 once used */
	int status;
	bool done;	/* exited and reaped */
};

/* Fork; the child waits for child__go. 0, or -1 after a message. */
int child__start(struct child *c, char **cmd);
/* Let the child exec CMD. 0, or -1 after a message. */
int child__go(struct child *c);
/* Reap without blocking; true once it has exited. */
bool child__poll(struct child *c);
/* coldbpf stopped first: signal it and wait up to 2 s (then leave it running). */
void child__stop(struct child *c, int sig);
/* Notes on how CMD ended (non-zero status, signal). */
void child__report(const struct child *c);
/* Cleanup: a child never released sees EOF and exits; with wait, reap it. */
void child__abandon(struct child *c, bool wait);
#endif
