/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-journal-storm.c: 10,000 crash-loop events: the bus keeps answering and the journal has every one.
 *
 * How fast the answers come and how stewardd's memory moves during the
 * storm are figures, not verdicts: a loaded machine slows both. The
 * benchmark tests/bench/bench-journal-storm.c prints them. */
#include "config.h"

#include <json-glib/json-glib.h>

#include "itest.h"
#include "steward-journal-fields.h"

#define BUS_NAME "org.steward.Supervisor1"
#define OBJECT_PATH "/org/steward/Supervisor1"
#define MANAGER_IFACE "org.steward.Supervisor1.Manager"

/* Events to sit through. */
#define STORM_EVENTS 10000
/* The whole storm; it takes a fraction of this. */
#define STORM_TIMEOUT_SEC 240

/* Crashes at once, restarted at once, forever: neither the child's budget
 * nor the root's intensity may end the loop. */
static const char config_storm[] = "[Supervisor root]\n"
                                   "RestartIntensity=2000000000\n"
                                   "RestartPeriodSec=1s\n"
                                   "\n"
                                   "[Child crash]\n"
                                   "ExecStart=/bin/false\n"
                                   "RestartSec=0\n"
                                   "RestartMaxDelaySec=0\n"
                                   "RestartJitter=0\n"
                                   "RestartIntensity=2000000000\n"
                                   "RestartPeriodSec=1s\n";

typedef struct {
        ItestDaemon *daemon;
        guint64 last_sequence;
        /* the GetProperty probe in flight */
        gboolean probing;
        guint64 probes;
        gboolean stopped; /* child_stopped of crash arrived */
        gboolean expired;
} Storm;

static void
on_probe_answered(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Storm *s = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

        /* Within the call's timeout, however slowly: how slowly is the
         * benchmark's business. */
        ck_assert_msg(reply, "Get State during the storm: %s", error ? error->message : "");
        s->probes++;
        s->probing = FALSE;
}

/* One property read at a time, sent again as soon as the last is answered:
 * each must come back while the daemon is busy with the storm. */
static void
probe(Storm *s)
{
        if (s->probing)
                return;
        s->probing = TRUE;
        g_dbus_connection_call(s->daemon->bus, BUS_NAME, OBJECT_PATH, "org.freedesktop.DBus.Properties",
                               "Get", g_variant_new("(ss)", MANAGER_IFACE, "State"), G_VARIANT_TYPE("(v)"),
                               G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL, on_probe_answered, s);
}

static void
on_event(GDBusConnection *bus, const char *sender, const char *path, const char *iface, const char *signal,
         GVariant *params, gpointer user_data)
{
        Storm *s = user_data;
        const char *kind, *child;
        guint64 seq;

        g_variant_get(params, "(t&s&st@a{sv})", &seq, &kind, &child, NULL, NULL);
        ck_assert_uint_gt(seq, s->last_sequence);
        s->last_sequence = seq;
        if (g_str_equal(kind, "child_stopped") && g_str_equal(child, "crash"))
                s->stopped = TRUE;
        probe(s);
}

static gboolean
on_expired(gpointer user_data)
{
        Storm *s = user_data;

        s->expired = TRUE;
        return G_SOURCE_REMOVE;
}

/* STEWARD_SEQUENCE of every event entry the daemon left in the journal. */
static GArray *
journal_sequences(GPid pid)
{
        g_autofree char *pid_match = g_strdup_printf("_PID=%d", (int) pid);
        const char *const sync[] = { "journalctl", "--sync", NULL };
        const char *const argv[] = { "journalctl",    "--no-pager",
                                     "--output=json", "--output-fields=" STEWARD_FIELD_SEQUENCE,
                                     pid_match,       NULL };
        g_autoptr(GArray) seqs = g_array_new(FALSE, FALSE, sizeof(guint64));
        g_autofree char *out = NULL;
        g_auto(GStrv) lines = NULL;

        ck_assert_int_eq(itest_run(sync, NULL), 0);
        ck_assert_int_eq(itest_run(argv, &out), 0);
        lines = g_strsplit(out, "\n", -1);
        for (char **l = lines; *l; l++) {
                g_autoptr(JsonParser) parser = json_parser_new();
                JsonObject *o;
                guint64 seq;

                if (!**l)
                        continue;
                ck_assert(json_parser_load_from_data(parser, *l, -1, NULL));
                o = json_node_get_object(json_parser_get_root(parser));
                if (!json_object_has_member(o, STEWARD_FIELD_SEQUENCE))
                        continue;
                ck_assert(
                        g_ascii_string_to_unsigned(json_object_get_string_member(o, STEWARD_FIELD_SEQUENCE),
                                                   10, 1, G_MAXUINT64, &seq, NULL));
                g_array_append_val(seqs, seq);
        }
        return g_steal_pointer(&seqs);
}

START_TEST(test_storm)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(config_storm, NULL);
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(GArray) seqs = NULL;
        Storm s = { .daemon = d };
        guint sub, timeout;

        sub = g_dbus_connection_signal_subscribe(d->bus, BUS_NAME, MANAGER_IFACE, "Event", OBJECT_PATH, NULL,
                                                 G_DBUS_SIGNAL_FLAGS_NONE, on_event, &s, NULL);
        timeout = g_timeout_add_seconds(STORM_TIMEOUT_SEC, on_expired, &s);
        probe(&s);
        while (s.last_sequence < STORM_EVENTS && !s.expired && !d->exited)
                g_main_context_iteration(NULL, TRUE);
        ck_assert_msg(!d->exited, "stewardd exited during the storm");
        ck_assert_msg(!s.expired, "only %" G_GUINT64_FORMAT " events in %d s", s.last_sequence,
                      STORM_TIMEOUT_SEC);

        /* End the loop and wait until nothing more happens to the child. */
        outcome =
                itest_manager_call(d, "StopChild", g_variant_new("(ss)", "crash", "storm over"), "(a{sv})");
        while (!s.stopped && !s.expired)
                g_main_context_iteration(NULL, TRUE);
        ck_assert_msg(s.stopped, "crash never stopped");
        while (s.probing && !s.expired)
                g_main_context_iteration(NULL, TRUE);
        g_source_remove(timeout);
        g_dbus_connection_signal_unsubscribe(d->bus, sub);

        /* Responsive: the probes kept coming back (each one answered, or
         * on_probe_answered failed the test), however slowly. */
        ck_assert_uint_ge(s.probes, 10);
        /* Every event the bus carried reached the journal: 1..last, once each. */
        seqs = journal_sequences(d->pid);
        ck_assert_msg(seqs->len == s.last_sequence, "%u journal entries for %" G_GUINT64_FORMAT " events",
                      seqs->len, s.last_sequence);
        for (guint i = 0; i < seqs->len; i++)
                ck_assert_uint_eq(g_array_index(seqs, guint64, i), i + 1);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("journal-storm");
        TCase *tc = tcase_create("storm");

        tcase_set_timeout(tc, STORM_TIMEOUT_SEC + 60);
        tcase_add_test(tc, test_storm);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)
