/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * coldbpf's own files: /proc entries, profiles and source trees the user
 * named, outputs. Never a file that a target names: those go through
 * lib/tfile.h, the one reader of target files.
 */
#ifndef COLDBPF_LIB_FILE_H
#define COLDBPF_LIB_FILE_H
#include <stddef.h>
#include <stdio.h>

/* A whole file (at most max bytes) as a NUL-terminated buffer; NULL with
 * errno on error. *len (may be NULL) gets the length. Caller frees. */
char *file__read(const char *path, size_t max, size_t *len);

/* Split a buffer into lines in place ('\n' becomes NUL); returns the array
 * of line starts (caller frees it, not the lines) and *n. */
char **file__split_lines(char *data, size_t *n);
/* The file execvp() would run for cmd: cmd itself when it holds a '/', else
 * the first executable PATH entry/cmd (path: PATH's value, NULL or "" for
 * execvp()'s default; an empty entry is the current directory), resolved
 * with realpath(). 0, or -1 when there is none or it does not fit sz. */
int file__which(const char *cmd, const char *path, char *out, size_t sz);

/*
 * Every output coldbpf writes (profiles, lists, HTML pages, edited sources)
 * goes through these, so how files are created is decided here: a temporary
 * file next to the destination, created O_CREAT|O_EXCL|O_NOFOLLOW (a symlink
 * planted at its name is never followed), written, fsync'd and renamed over
 * the destination (a symlink planted there is replaced, not followed). Mode
 * 0600 unless file__set_mode says otherwise: profiles hold paths and source
 * text of other users' programs. Under sudo (root with SUDO_UID/SUDO_GID),
 * the file belongs to the invoking user, who can then read it without root.
 */
struct outfile {
	FILE *f;
	char *path;	/* the destination */
	char *tmp;	/* the temporary file, renamed over path by file__commit;
			 * NULL when path is a character device (/dev/null, a
			 * terminal), written in place: never replaced by a file */
};

/* Default mode of new outputs (0600). */
void file__set_mode(unsigned int mode);
/* NULL after a one-line message. */
struct outfile *file__create(const char *path);
/* The same with an explicit mode and owner (uid/gid -1: coldbpf's, or the
 * sudo user's): `rm` keeps an edited file's owner and mode. */
struct outfile *file__create_as(const char *path, unsigned int mode, long uid, long gid);
/* Flush, fsync, rename over the destination. 0, or -1 after a message (the
 * destination is then untouched). Frees o either way. */
int file__commit(struct outfile *o);
/* Drop the temporary file; the destination is untouched. */
void file__abort(struct outfile *o);
/* A directory for outputs (html): created with mode 0700 (0755 when the
 * output mode lets others read), or an existing directory that is not a
 * symlink. 0, or -1 after a message. */
int file__make_dir(const char *path);
#endif
