// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/child.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/msg.h"

int child__start(struct child *c, char **cmd)
{
	int p[2];

	c->cmd = cmd;
	c->gofd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		msg__err("pipe: %s", strerror(errno));
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0) {
		msg__err("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (c->pid == 0) {
		char ch = 0;

		close(p[1]);
		/* wait until the sampler is attached, so no early sample is lost */
		if (read(p[0], &ch, 1) != 1 || ch != 'g')
			_exit(127);
		execvp(cmd[0], cmd);
		fprintf(stderr, "coldbpf: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	c->gofd = p[1];
	return 0;
}

int child__go(struct child *c)
{
	int ok = write(c->gofd, "g", 1) == 1;

	close(c->gofd);
	c->gofd = -1;
	if (!ok) {
		msg__err("cannot start %s", c->cmd[0]);
		return -1;
	}
	return 0;
}

bool child__poll(struct child *c)
{
	if (!c->done && c->pid > 0 && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->done = true;
	return c->done;
}

void child__stop(struct child *c, int sig)
{
	kill(c->pid, sig);
	for (int i = 0; i < 40; i++) {
		if (waitpid(c->pid, &c->status, WNOHANG) == c->pid) {
			c->done = true;
			return;
		}
		usleep(50000);
	}
	msg__err("note: %s (PID %d) did not exit within 2 s of signal %d; left running", c->cmd[0], c->pid,
		 sig);
}

void child__report(const struct child *c)
{
	if (WIFEXITED(c->status) && WEXITSTATUS(c->status))
		msg__err("note: %s exited with status %d", c->cmd[0], WEXITSTATUS(c->status));
	else if (WIFSIGNALED(c->status))
		msg__err("note: %s was killed by signal %d", c->cmd[0], WTERMSIG(c->status));
}

void child__abandon(struct child *c, bool wait)
{
	if (c->gofd >= 0)
		close(c->gofd);	/* the child sees EOF and exits without running CMD */
	c->gofd = -1;
	if (wait && c->pid > 0 && !c->done)
		waitpid(c->pid, NULL, 0);
}
