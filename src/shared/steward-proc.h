/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-proc.h: what /proc/PID/stat says of processes: a start time, a process group. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The fields of /proc/PID/stat (proc(5)) steward reads. */
typedef struct {
        guint32 pid;
        guint32 pgid; /* field 5 */
        guint64 start_ticks; /* field 22, in clock ticks after boot */
        guint64 rss_pages; /* field 24 */
        char comm[64]; /* field 2, without its parentheses */
} StewardProcStat;

/* Parses the @len bytes of a /proc/PID/stat at @text; FALSE when they are
 * not one. */
gboolean steward_proc_stat_parse(const char *text, gsize len, StewardProcStat *out);

/* /proc/@pid/stat; FALSE when the process is gone or unreadable. */
gboolean steward_proc_stat_read(guint32 pid, StewardProcStat *out);

/* Every process in /proc, in one pass (StewardProcStat each); with
 * @pgids (a set of GUINT_TO_POINTER(pgid)), those of these process groups
 * alone, whose stat files are the only ones read. */
GArray *steward_proc_scan(GHashTable *pgids);

G_END_DECLS
