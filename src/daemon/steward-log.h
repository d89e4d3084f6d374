/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-log.h: writing events as structured journal entries, or as key=value lines on stderr. */
#pragma once

#include <glib.h>
#include <sys/uio.h>

#include "steward-event.h"

G_BEGIN_DECLS

typedef enum {
        STEWARD_LOG_TARGET_AUTO, /* the journal when its socket exists, else the console */
        STEWARD_LOG_TARGET_JOURNAL,
        STEWARD_LOG_TARGET_CONSOLE,
} StewardLogTarget;

gboolean steward_log_target_from_string(const char *s, StewardLogTarget *ret);

typedef struct _StewardLog StewardLog;

StewardLog *steward_log_new(StewardLogTarget target);

/* How an entry reaches the journal: 0 or a negative errno; may block. */
typedef int (*StewardLogSendFunc)(const struct iovec *iov, int n, gpointer user_data);

/* A journal target that sends through @send (called from the writer
 * thread) and queues at most @queue_max entries: for tests, which cannot
 * point sd_journal_sendv() elsewhere. */
StewardLog *steward_log_new_journal(StewardLogSendFunc send, gpointer user_data, guint queue_max);
void steward_log_free(StewardLog *log);

/* GLib's messages (g_message(), g_warning(), ...) of the whole process go
 * through @log's queue as journal entries from now on, until @log is freed
 * (then GLib's default writer again): for when GLib would otherwise send
 * them to the journal itself, with a send that blocks on a stuck journald.
 * Debug messages are filtered as GLib's default writer filters them;
 * fatal ones are written at once by GLib's default writer. Nothing
 * changes for a log with the console target. */
void steward_log_route_glib(StewardLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardLog, steward_log_free)

/**
 * steward_log_event:
 * @sequence: STEWARD_SEQUENCE, shared with the bus signal of the same event
 * @unit: (nullable): the incarnation's scope, for STEWARD_UNIT
 *
 * One journal entry with the kind's MESSAGE_ID, its priority, a
 * translated MESSAGE and every STEWARD_* field that applies. Never
 * blocks: the entry is queued for a writer thread (up to 4,096 of them;
 * past that it is dropped and counted, and the count goes to the journal
 * in one entry once it takes entries again).
 */
void steward_log_event(StewardLog *log, guint64 sequence, const StewardEvent *ev, const char *unit);

/* Waits (at most 5 s) until every entry queued so far was handed to the
 * journal: before an execve(), which would drop the queue. */
void steward_log_flush(StewardLog *log);

/* Journal entries never written so far (queue full, journal refused):
 * counted, never silently dropped. Entries are written by a thread of
 * their own, so a failure shows here a little after the event. */
guint64 steward_log_get_failures(StewardLog *log);

/* The translated one-line MESSAGE of an event. */
char *steward_event_format_message(const StewardEvent *ev);

/* The journal priority of an event: its kind's severity, raised to a
 * warning for a child that exited with a failure. */
int steward_event_priority(const StewardEvent *ev);

G_END_DECLS
