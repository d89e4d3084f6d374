/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-format.h: stewardctl's output, exit codes and JSON, kept apart from the bus so they can be
 * unit-tested. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* stewardctl(1), EXIT STATUS. */
enum {
        STEWARDCTL_EXIT_SUCCESS = 0,
        STEWARDCTL_EXIT_FAILURE = 1,
        STEWARDCTL_EXIT_USAGE = 2,
        STEWARDCTL_EXIT_NO_SUCH = 4,
        STEWARDCTL_EXIT_ACCESS_DENIED = 5,
        STEWARDCTL_EXIT_NOT_RUNNING = 6,
};

/* How the human-readable output is drawn. */
typedef struct {
        gboolean color; /* ANSI colors for states */
        gboolean utf8; /* box drawing and arrows; ASCII otherwise */
        gint64 now_usec; /* CLOCK_REALTIME, for "next restart in ..." */
} StewardctlStyle;

/* The exit code stewardctl(1) gives an error from the bus or from connecting to it. */
int stewardctl_exit_code_for_error(const GError *error);

/* The error's message without GDBus's "GDBus.Error:NAME: " prefix. */
char *stewardctl_error_message(const GError *error);

/* The ANSI color a state is shown in, "" for none. */
const char *stewardctl_state_color(const char *state);

/* "1min 30s", "250ms": the two most significant units of a span. */
char *stewardctl_format_timespan(guint64 usec);

/* "exited, status=1", "killed, signal=TERM"; NULL when there was no exit yet. */
char *stewardctl_format_exit(const char *code, gint32 status);

/* A value of an a{sv} as stewardctl prints it after "key=": strings bare
 * when they need no quoting, else double-quoted with C escapes. */
char *stewardctl_format_value(GVariant *value);

/* One line for a command's outcome, decision first:
 * "api: queued_after_stop (generation 3 → 4, cancel delivered, state stopping, command c-7)".
 * has_generations: the subject is a child (supervisors and the tree have none). */
char *stewardctl_format_outcome(const char *subject, GVariant *outcome, gboolean has_generations,
                                const StewardctlStyle *style);

/* Reload's outcome: "added: a b" / "removed: ..." / "changed: ..." lines, or "no changes". */
char *stewardctl_format_reload(GVariant *outcome);

/* One line per Event signal: "SEQ KIND [child=C generation=G] key=value ...", keys sorted. */
char *stewardctl_format_event(guint64 sequence, const char *kind, const char *child, guint64 generation,
                              GVariant *fields);

/* The event as one line of JSON: {"sequence":..,"kind":..,"child":..,"generation":..,"fields":{..}}. */
char *stewardctl_event_to_json(guint64 sequence, const char *kind, const char *child, guint64 generation,
                               GVariant *fields);

/* Any value as JSON: a{sv} as an object, arrays as arrays, variants unwrapped. */
char *stewardctl_variant_to_json(GVariant *value, gboolean pretty);

/* A row of ListChildren (a(ssstto)) or ListSupervisors (a(ssso)); the
 * strings belong to whoever read the reply (stewardctl-list.h). */
typedef struct {
        const char *name;
        const char *parent; /* a child's supervisor; a supervisor's parent, "" for the root */
        const char *state;
        guint64 generation; /* a child's; 0 for a supervisor */
        guint64 attempt;
        const char *path;
} StewardctlRow;

/* Lists rows of ListChildren as a table. */
char *stewardctl_format_child_table(const StewardctlRow *rows, gsize n, gboolean legend);

/* Lists rows of ListSupervisors as a table. */
char *stewardctl_format_supervisor_table(const StewardctlRow *rows, gsize n, gboolean legend);

/* What status prints, gathered from the bus by the caller. */
typedef struct {
        GVariant *manager; /* a{sv}: the Manager's properties; NULL for a filtered status */
        GPtrArray *supervisors; /* of a{sv}: each supervisor's properties, root first */
        GPtrArray *children; /* of a{sv}: each child's properties, in declaration order */
        GHashTable *uptimes; /* child name → guint64* µs its main process has run; may be NULL */
        GHashTable *memory; /* child name → guint64* bytes it uses now, for the tree's memory
                             * column; may be NULL, a child without an entry shows none */
} StewardctlStatus;

/* The tree, like systemctl status: the manager, then every supervisor with
 * its children (and nested supervisors) under it, each child with details
 * and, where status->memory has it, its memory at the end of its first line. */
char *stewardctl_format_status_tree(const StewardctlStatus *status, const StewardctlStyle *style);

/* One child on its own, as status NAME shows it. */
char *stewardctl_format_child(GVariant *props, const guint64 *uptime_usec, const StewardctlStyle *style);

/* One event as the Event signal carries it, read back from a journal entry. */
typedef struct {
        guint64 sequence;
        char *kind;
        char *child; /* "" for none */
        guint64 generation;
        GVariant *fields; /* a{sv}, floating-free: the signal's fields, with the signal's types */
        char *invocation; /* STEWARD_INVOCATION_ID: the daemon run that wrote it; "" if none */
} StewardctlEvent;

void stewardctl_event_clear(StewardctlEvent *ev);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StewardctlEvent, stewardctl_event_clear)

/* Builds @ret from a journal entry's KEY=value fields (@n of them, each
 * @lengths[i] bytes, not NUL-terminated): the entry's STEWARD_* fields
 * become the signal's, named and typed as the signal names and types them.
 * FALSE for an entry that is no event of stewardd's (no STEWARD_EVENT or
 * STEWARD_SEQUENCE). */
gboolean stewardctl_event_from_journal(const char *const *data, const gsize *lengths, gsize n,
                                       StewardctlEvent *ret);

/* A point in time for --since/--until, in CLOCK_REALTIME µs: "now",
 * "today", "yesterday", "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (local
 * time), "@SECONDS" (since the epoch), or "-SPAN" (a span before @now_usec,
 * as the config's time spans: "-5min", "-1h 30min"). */
gboolean stewardctl_parse_timestamp(const char *s, gint64 now_usec, guint64 *ret_usec);

G_END_DECLS
