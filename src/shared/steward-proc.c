/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-proc.c: /proc/PID/stat, read by stewardd (a process's start time,
 * which tells it from a later one with the same PID) and by stewardctl
 * (the process backend's children, whose processes are their process
 * group, which only a pass over every process in /proc finds).
 *
 * Each stat is read into a buffer on the stack and parsed in place: at
 * 10,000 processes GLib's g_file_get_contents() and g_strsplit() took two
 * thirds of `stewardctl status NAME`'s time. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "steward-proc.h"
#include "steward-util.h"

/* Enough for any /proc/PID/stat: 52 numbers and a comm of 64 bytes. */
#define STAT_MAX 4096

/* The unsigned number at *@p, which then points after it and its space. */
static gboolean
next_field(const char **p, const char *end, guint64 *ret)
{
        const char *q = *p;
        guint64 v = 0;

        if (q >= end || !g_ascii_isdigit(*q))
                return FALSE;
        for (; q < end && g_ascii_isdigit(*q); q++) {
                if (v > (G_MAXUINT64 - 9) / 10)
                        return FALSE;
                v = v * 10 + (guint64) (*q - '0');
        }
        *ret = v;
        *p = q < end && *q == ' ' ? q + 1 : q;
        return TRUE;
}

/* Moves *@p past one field of any form (the state, or a signed number). */
static gboolean
skip_field(const char **p, const char *end)
{
        const char *q = memchr(*p, ' ', (gsize) (end - *p));

        if (!q || q == *p)
                return FALSE;
        *p = q + 1;
        return TRUE;
}

gboolean
steward_proc_stat_parse(const char *text, gsize len, StewardProcStat *out)
{
        const char *end = text + len;
        const char *open = memchr(text, '(', len);
        /* COMM is the program's to choose and may hold spaces and
         * parentheses; nothing after it can hold a ')'. */
        const char *close = memrchr(text, ')', len);
        const char *p = text;
        guint64 v;

        if (!open || !close || close < open || !next_field(&p, open, &v) || v == 0 || v > G_MAXINT32)
                return FALSE;
        *out = (StewardProcStat){ .pid = (guint32) v };
        g_strlcpy(out->comm, open + 1, MIN(sizeof(out->comm), (gsize) (close - open)));
        p = close + 1;
        if (p >= end || *p != ' ')
                return FALSE;
        p++;
        /* After COMM: 3 state, 4 ppid, 5 pgrp, ... 22 starttime, 23 vsize, 24 rss. */
        for (guint field = 3; field <= 24; field++) {
                if (field == 5 || field == 22 || field == 24) {
                        if (!next_field(&p, end, &v))
                                return FALSE;
                        if (field == 5) {
                                if (v > G_MAXINT32)
                                        return FALSE;
                                out->pgid = (guint32) v;
                        } else if (field == 22)
                                out->start_ticks = v;
                        else
                                out->rss_pages = v;
                } else if (!skip_field(&p, end))
                        return FALSE;
        }
        return TRUE;
}

/* @name's stat: relative to @dir_fd (/proc), or a whole path ("/proc/PID"). */
static gboolean
stat_read_at(int dir_fd, const char *name, StewardProcStat *out)
{
        char path[32];
        char buf[STAT_MAX];
        steward_autofd int fd = -1;
        gsize len = 0;

        if (g_snprintf(path, sizeof(path), "%s/stat", name) >= (int) sizeof(path))
                return FALSE;
        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return FALSE;
        /* One read: the kernel makes the whole file for each read (one
         * record of a seq_file, which grows its buffer to fit it), so a
         * short read is all of it, and a full one too long. */
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return FALSE;
                len = (gsize) n;
                break;
        }
        return len < sizeof(buf) && steward_proc_stat_parse(buf, len, out);
}

gboolean
steward_proc_stat_read(guint32 pid, StewardProcStat *out)
{
        char name[24];

        if (pid == 0 || pid > G_MAXINT32)
                return FALSE;
        g_snprintf(name, sizeof(name), "/proc/%u", pid);
        return stat_read_at(AT_FDCWD, name, out);
}

GArray *
steward_proc_scan(GHashTable *pgids)
{
        GArray *procs = g_array_new(FALSE, FALSE, sizeof(StewardProcStat));
        DIR *proc = opendir("/proc");
        struct dirent *de;

        if (!proc)
                return procs;
        while ((de = readdir(proc))) {
                StewardProcStat st;

                if (!g_ascii_isdigit(de->d_name[0]))
                        continue;
                /* A system call instead of opening, reading and formatting
                 * a stat file (about 20 us each, 180 ms for 10,000). */
                if (pgids) {
                        pid_t pgid = getpgid((pid_t) g_ascii_strtoll(de->d_name, NULL, 10));

                        if (pgid <= 0 || !g_hash_table_contains(pgids, GUINT_TO_POINTER((guint) pgid)))
                                continue;
                }
                if (stat_read_at(dirfd(proc), de->d_name, &st) &&
                    (!pgids || g_hash_table_contains(pgids, GUINT_TO_POINTER(st.pgid))))
                        g_array_append_val(procs, st);
        }
        closedir(proc);
        return procs;
}
