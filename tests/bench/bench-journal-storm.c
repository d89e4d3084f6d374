/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-journal-storm.c: stewardd's answer times on the bus and its memory through 10,000 crash-loop events.
 *
 * The same storm as the journal-storm suite, which judges that every
 * event reaches the journal and every property read is answered. Here
 * only the figures: how long the slowest read waited, and the daemon's
 * resident memory once warm and at the end. Numbers, not verdicts: it
 * fails only when the storm does not happen at all. */
#include "config.h"

#include <stdio.h>

#include "itest.h"

#define BUS_NAME "org.steward.Supervisor1"
#define OBJECT_PATH "/org/steward/Supervisor1"
#define MANAGER_IFACE "org.steward.Supervisor1.Manager"

/* Events to sit through, and the point after start-up from which memory
 * is compared. */
#define STORM_EVENTS 10000
#define STORM_WARM 2000
#define STORM_TIMEOUT_SEC 240

/* Crashes at once, restarted at once, forever. */
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
        guint64 rss_warm_kib, rss_end_kib;
        /* the GetProperty probe in flight */
        gboolean probing;
        gint64 probe_sent;
        GArray *latencies; /* gint64 µs, one per answered probe */
        guint64 failed_probes;
        gboolean stopped; /* child_stopped of crash arrived */
        gboolean expired;
} Storm;

static void
on_probe_answered(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Storm *s = user_data;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, NULL);
        gint64 latency = g_get_monotonic_time() - s->probe_sent;

        if (reply)
                g_array_append_val(s->latencies, latency);
        else
                s->failed_probes++;
        s->probing = FALSE;
}

/* One property read at a time, sent again at the next event once the last
 * is answered: each one's wait is how far behind its bus the daemon is. */
static void
probe(Storm *s)
{
        if (s->probing)
                return;
        s->probing = TRUE;
        s->probe_sent = g_get_monotonic_time();
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
        s->last_sequence = MAX(s->last_sequence, seq);
        if (!s->rss_warm_kib && seq >= STORM_WARM)
                s->rss_warm_kib = itest_proc_rss_kib(s->daemon->pid);
        if (!s->rss_end_kib && seq >= STORM_EVENTS)
                s->rss_end_kib = itest_proc_rss_kib(s->daemon->pid);
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

START_TEST(bench_journal_storm)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(config_storm, NULL);
        g_autoptr(GArray) latencies = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GVariant) outcome = NULL;
        Storm s = { .daemon = d, .latencies = latencies };
        gint64 start = g_get_monotonic_time();
        double storm_sec;
        guint sub, timeout;

        sub = g_dbus_connection_signal_subscribe(d->bus, BUS_NAME, MANAGER_IFACE, "Event", OBJECT_PATH, NULL,
                                                 G_DBUS_SIGNAL_FLAGS_NONE, on_event, &s, NULL);
        timeout = g_timeout_add_seconds(STORM_TIMEOUT_SEC, on_expired, &s);
        probe(&s);
        while (s.last_sequence < STORM_EVENTS && !s.expired && !d->exited)
                g_main_context_iteration(NULL, TRUE);
        storm_sec = (g_get_monotonic_time() - start) / 1e6;
        ck_assert_msg(!d->exited, "stewardd exited during the storm");
        ck_assert_msg(!s.expired, "only %" G_GUINT64_FORMAT " events in %d s", s.last_sequence,
                      STORM_TIMEOUT_SEC);

        outcome =
                itest_manager_call(d, "StopChild", g_variant_new("(ss)", "crash", "storm over"), "(a{sv})");
        while ((!s.stopped || s.probing) && !s.expired)
                g_main_context_iteration(NULL, TRUE);
        g_source_remove(timeout);
        g_dbus_connection_signal_unsubscribe(d->bus, sub);
        ck_assert_uint_gt(latencies->len, 0);

        printf("# storm: %" G_GUINT64_FORMAT " events in %.1f s (%.0f/s)\n", s.last_sequence, storm_sec,
               s.last_sequence / storm_sec);
        printf("# GetProperty during the storm: %u answered, %" G_GUINT64_FORMAT
               " failed; median %.1f ms, 99th percentile %.1f ms, slowest %.1f ms\n",
               latencies->len, s.failed_probes, itest_quantile_ms(latencies, 0.5),
               itest_quantile_ms(latencies, 0.99), itest_quantile_ms(latencies, 1.0));
        printf("# stewardd VmRSS: %" G_GUINT64_FORMAT " KiB at event %d, %" G_GUINT64_FORMAT
               " KiB at event %d (%+" G_GINT64_FORMAT " KiB)\n",
               s.rss_warm_kib, STORM_WARM, s.rss_end_kib, STORM_EVENTS,
               (gint64) s.rss_end_kib - (gint64) s.rss_warm_kib);
        fflush(stdout);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("bench");
        TCase *tc = tcase_create("journal-storm");

        tcase_set_timeout(tc, STORM_TIMEOUT_SEC + 60);
        tcase_add_test(tc, bench_journal_storm);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)
