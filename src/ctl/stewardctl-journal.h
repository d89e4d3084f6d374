/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-journal.h: stewardd's past events, read back from the journal. */
#pragma once

#include "stewardctl-format.h"

G_BEGIN_DECLS

typedef struct {
        const char *child; /* STEWARD_CHILD=; NULL: any */
        const char *command_id; /* STEWARD_COMMAND_ID=; NULL: any */
        guint64 since_usec; /* CLOCK_REALTIME; 0: from the start */
        guint64 until_usec; /* CLOCK_REALTIME; 0: to the end */
        guint lines; /* the last this many; 0: all */
        gboolean user; /* the caller's own stewardd: entries of the caller's uid */
} StewardctlJournalQuery;

/* Called for each event, oldest first; @ev is the callee's to clear. */
typedef void (*StewardctlEventFunc)(StewardctlEvent *ev, gpointer user_data);

/* Reads stewardd's events (entries of SYSLOG_IDENTIFIER=stewardd with a
 * STEWARD_EVENT) from the local journal as far as the caller may read it. */
gboolean stewardctl_journal_read_events(const StewardctlJournalQuery *q, StewardctlEventFunc func,
                                        gpointer user_data, GError **error);

/* The last @n lines (oldest first) a child's status shows, as journalctl
 * prints them ("Dec 05 21:24:28 IDENT[PID]: MESSAGE"): its current scope's
 * output (@unit, may be "") and stewardd's events about it. NULL with
 * @error when the journal cannot be read. */
char **stewardctl_journal_child_lines(const char *child, const char *unit, guint n, gboolean user,
                                      GError **error);

G_END_DECLS
