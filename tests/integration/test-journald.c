/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-journald.c: a killed, stopped or restarted journald fails no child and never stalls stewardd. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "steward-journal-fields.h"

static const char *const backends[] = { "--backend=scope", "--backend=process" };

/* Every test starts with a journald that runs, whatever the one before
 * did to it (a failed test may have left it killed or stopped). */
static void
journald_running(void)
{
        itest_journald_start();
}

static guint32
event_main_pid(GVariant *ev)
{
        g_autoptr(GVariant) fields = NULL;
        guint32 pid = 0;

        g_variant_get(ev, "(tsst@a{sv})", NULL, NULL, NULL, NULL, &fields);
        ck_assert(g_variant_lookup(fields, "main_pid", "u", &pid));
        return pid;
}

typedef struct {
        const char *path;
        const char *needle;
        gboolean found;
} ContentWait;

static void
content_check(ContentWait *w)
{
        g_autofree char *text = NULL;

        if (g_file_get_contents(w->path, &text, NULL, NULL) && strstr(text, w->needle))
                w->found = TRUE;
}

static void
on_file_changed(GFileMonitor *mon, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
        content_check(user_data);
}

/* Waits until the file at path holds needle, woken by a monitor of it. */
static gboolean
file_wait_contains(const char *path, const char *needle, guint timeout_sec)
{
        g_autoptr(GFile) file = g_file_new_for_path(path);
        g_autoptr(GFileMonitor) mon = g_file_monitor_file(file, G_FILE_MONITOR_NONE, NULL, NULL);
        ContentWait w = { .path = path, .needle = needle };
        gulong handler;

        ck_assert(mon);
        handler = g_signal_connect(mon, "changed", G_CALLBACK(on_file_changed), &w);
        content_check(&w);
        (void) itest_wait_flag(&w.found, timeout_sec);
        g_signal_handler_disconnect(mon, handler);
        g_file_monitor_cancel(mon);
        return w.found;
}

/* A stewardd whose stderr is the file at *ret_path, where children whose
 * journal stream was refused write. */
static ItestDaemon *
daemon_start_stderr_file(const char *config, const char *const *args, char **ret_path)
{
        g_autoptr(GError) error = NULL;
        ItestDaemon *d;
        int fd, saved;

        fd = g_file_open_tmp("itest-journald-stderr-XXXXXX", ret_path, &error);
        ck_assert_msg(fd >= 0, "%s", error ? error->message : "");
        saved = dup(STDERR_FILENO);
        ck_assert_int_ge(saved, 0);
        ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
        d = itest_daemon_start(config, args);
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        (void) close(saved);
        (void) close(fd);
        return d;
}

/* Restarts child and returns the new incarnation's child_started. */
static GVariant *
restart(ItestDaemon *d, const char *child, guint64 generation)
{
        g_autoptr(GVariant) outcome = itest_child_command(d, "RestartChild", child, "itest");
        GVariant *started = itest_events_wait_generation(d->events, "child_started", child, generation,
                                                         ITEST_TIMEOUT_SEC);

        ck_assert_msg(started, "generation %" G_GUINT64_FORMAT " of '%s' never started", generation, child);
        return started;
}

/* The STEWARD_SEQUENCE of every entry of stewardd pid in the journal. */
static GHashTable *
journal_sequences(GPid pid, guint64 *ret_lost)
{
        const char *const sync[] = { "journalctl", "--sync", NULL };
        g_autofree char *match = g_strdup_printf("_PID=%d", (int) pid);
        const char *const argv[] = { "journalctl", "--no-pager", "--output=json", match, NULL };
        GHashTable *seqs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
        g_autofree char *out = NULL;
        g_auto(GStrv) lines = NULL;

        *ret_lost = 0;
        ck_assert_int_eq(itest_run(sync, NULL), 0);
        ck_assert_int_eq(itest_run(argv, &out), 0);
        lines = g_strsplit(out, "\n", -1);
        for (char **l = lines; *l; l++) {
                g_autoptr(JsonParser) parser = json_parser_new();
                JsonObject *entry;
                const char *v;
                gint64 *n;

                if (!**l || !json_parser_load_from_data(parser, *l, -1, NULL))
                        continue;
                entry = json_node_get_object(json_parser_get_root(parser));
                if (json_object_has_member(entry, STEWARD_FIELD_JOURNAL_LOST)) {
                        v = json_object_get_string_member(entry, STEWARD_FIELD_JOURNAL_LOST);
                        *ret_lost += g_ascii_strtoull(v, NULL, 10);
                }
                if (!json_object_has_member(entry, STEWARD_FIELD_SEQUENCE))
                        continue;
                v = json_object_get_string_member(entry, STEWARD_FIELD_SEQUENCE);
                n = g_new(gint64, 1);
                *n = (gint64) g_ascii_strtoull(v, NULL, 10);
                g_hash_table_add(seqs, n);
        }
        return seqs;
}

/* (a) With journald killed a child still starts (its output on stewardd's
 * stderr), nothing shuts down, and one warning says so; once journald is
 * back the next incarnation logs to it, and so does stewardd. */
START_TEST(test_killed_journald)
{
        static const char config[] = "[Child api]\n"
                                     "ExecStart=/bin/sh -c 'echo itest-output-$$; exec sleep infinity'\n"
                                     "[Child other]\n"
                                     "ExecStart=/bin/sh -c 'exec sleep infinity'\n";
        const char *args[] = { backends[_i], NULL };
        g_autofree char *stderr_path = NULL;
        g_autoptr(ItestDaemon) d = daemon_start_stderr_file(config, args, &stderr_path);
        g_autoptr(GVariant) other_before = NULL;
        g_autoptr(GVariant) other_after = NULL;
        g_autofree char *output = NULL;
        g_autofree char *pid_match = NULL;
        g_autofree char *seq_match = NULL;
        GVariant *started, *warning;
        guint32 pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "other", "running"));
        other_before = itest_child_property(d, "other", "MainPID");

        itest_journald_kill();
        /* Twice: both start, and the outage is reported once. */
        (void) restart(d, "api", 1);
        ck_assert(itest_wait_state(d, "api", "running"));
        started = restart(d, "api", 2);
        ck_assert(itest_wait_state(d, "api", "running"));
        /* Its output went to stewardd's stderr. */
        output = g_strdup_printf("itest-output-%u", event_main_pid(started));
        ck_assert_msg(file_wait_contains(stderr_path, output, ITEST_TIMEOUT_SEC), "no '%s' in %s", output,
                      stderr_path);
        g_clear_pointer(&output, g_free);
        warning = itest_events_wait(d->events, "journal_unavailable", "api", NULL, ITEST_TIMEOUT_SEC);
        ck_assert(warning);
        ck_assert(itest_event_str(warning, "error"));
        ck_assert_uint_eq(itest_events_count(d->events, "journal_unavailable", NULL), 1);
        ck_assert_uint_eq(itest_events_count(d->events, "child_spawn_failed", NULL), 0);
        ck_assert_uint_eq(itest_events_count(d->events, "tree_shutdown_started", NULL), 0);
        other_after = itest_child_property(d, "other", "MainPID");
        ck_assert(g_variant_equal(other_before, other_after));

        itest_journald_start();
        started = restart(d, "api", 3);
        pid = event_main_pid(started);
        ck_assert(itest_events_wait(d->events, "journal_available", "api", NULL, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(itest_events_count(d->events, "journal_unavailable", NULL), 1);

        /* The child's own output is in the journal again ... */
        output = g_strdup_printf("itest-output-%u", pid);
        ck_assert_msg(itest_journal_wait((const char *const[]){ "SYSLOG_IDENTIFIER=api", NULL }, output,
                                         ITEST_TIMEOUT_SEC),
                      "'%s' never reached the journal", output);
        /* ... and so are stewardd's entries, with the count of those the
         * dead journald refused. */
        pid_match = g_strdup_printf("_PID=%d", (int) d->pid);
        seq_match =
                g_strdup_printf(STEWARD_FIELD_SEQUENCE "=%" G_GUINT64_FORMAT, itest_event_sequence(started));
        ck_assert(itest_journal_wait((const char *const[]){ pid_match, seq_match, NULL }, "api",
                                     ITEST_TIMEOUT_SEC));
        ck_assert(itest_journal_wait((const char *const[]){ pid_match, NULL },
                                     "could not be written to the journal", ITEST_TIMEOUT_SEC));
}
END_TEST

/* (b) With journald stopped and its socket full, stewardd still answers
 * the bus at once and keeps a pinging watchdog child alive; once journald
 * continues, every entry of stewardd arrives. */
START_TEST(test_stopped_journald)
{
        g_autofree char *child = itest_notify_child_path();
        g_autofree char *config = g_strdup_printf("[Child dog]\n"
                                                  "Type=notify\n"
                                                  "WatchdogSec=2s\n"
                                                  "ExecStart=%s notify=READY=1 ping=100000\n"
                                                  "[Child api]\n"
                                                  "ExecStart=/bin/sh -c 'exec sleep infinity'\n",
                                                  child);
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        g_autoptr(GVariant) dog_before = NULL;
        g_autoptr(GVariant) dog_after = NULL;
        g_autoptr(GHashTable) seqs = NULL;
        g_autofree char *pid_match = NULL;
        g_autofree char *seq_match = NULL;
        guint64 last, lost = 0;
        gint64 start, took;
        guint filled;

        ck_assert(itest_wait_state(d, "dog", "ready"));
        ck_assert(itest_wait_state(d, "api", "running"));
        dog_before = itest_child_property(d, "dog", "MainPID");

        itest_journald_stop();
        /* Full: a blocking send to journald now blocks at once. */
        filled = itest_journal_fill();
        ck_assert_uint_gt(filled, 0);

        start = g_get_monotonic_time();
        for (int i = 0; i < 20; i++) {
                g_autoptr(GVariant) outcome = itest_child_command(d, "RestartChild", "api", "itest");
                g_autoptr(GVariant) state = itest_child_property(d, "dog", "State");

                ck_assert_str_eq(g_variant_get_string(state, NULL), "ready");
        }
        took = g_get_monotonic_time() - start;
        ck_assert_msg(took < 10 * G_USEC_PER_SEC, "20 commands took %" G_GINT64_FORMAT " us", took);
        /* Two and a half watchdog intervals with its pings on time: the
         * watchdog does not expire. */
        ck_assert(!itest_events_wait(d->events, "child_watchdog_expired", "dog", NULL, 5));
        dog_after = itest_child_property(d, "dog", "MainPID");
        ck_assert(g_variant_equal(dog_before, dog_after));

        last = itest_event_sequence(g_ptr_array_index(d->events->events, d->events->events->len - 1));
        itest_journald_cont();

        /* The last event before the continue, and with it every one before. */
        pid_match = g_strdup_printf("_PID=%d", (int) d->pid);
        seq_match = g_strdup_printf(STEWARD_FIELD_SEQUENCE "=%" G_GUINT64_FORMAT, last);
        ck_assert_msg(itest_journal_wait((const char *const[]){ pid_match, seq_match, NULL }, "",
                                         ITEST_TIMEOUT_SEC),
                      "event %" G_GUINT64_FORMAT " never reached the journal", last);
        seqs = journal_sequences(d->pid, &lost);
        ck_assert_uint_eq(lost, 0);
        for (gint64 s = 1; s <= (gint64) last; s++)
                ck_assert_msg(g_hash_table_contains(seqs, &s),
                              "event %" G_GINT64_FORMAT " is not in the journal", s);
}
END_TEST

static Suite *
journald_suite(void)
{
        Suite *s = suite_create("journald");
        TCase *tc = tcase_create("journald");

        tcase_set_timeout(tc, 4 * ITEST_TIMEOUT_SEC);
        tcase_add_checked_fixture(tc, journald_running, journald_running);
        tcase_add_loop_test(tc, test_killed_journald, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(tc, test_stopped_journald, 0, G_N_ELEMENTS(backends));
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(journald_suite)
