/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-daemon.c: stewardd against systemd doing the same job natively, in the same run, inside the harness.
 *
 *   restart loop  a child that exits at once, RestartSec=0: time per exit-to-exec cycle, against a
 *                 Restart=always service with RestartSec=0;
 *   bring-up      1,000 children started, against 1,000 `systemd-run --user --scope` calls;
 *   round trip    RestartChild answered over the bus, against `systemctl --user restart`.
 *
 * Numbers, not verdicts: it prints them and the ratios, and fails only when something
 * does not happen at all. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define RESTARTS 200
#define CHILDREN 1000

static double
seconds_since(gint64 start)
{
        return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

/* ---- systemd's side: counting jobs and units through the manager ---------- */

typedef struct {
        const char *prefix; /* units of interest */
        guint done; /* JobRemoved with result "done" for them */
        guint want;
        gboolean reached;
        gint64 first_usec;
} JobCount;

static void
on_job_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
               const char *signal, GVariant *params, gpointer user_data)
{
        JobCount *c = user_data;
        const char *unit, *result;

        g_variant_get(params, "(u&o&s&s)", NULL, NULL, &unit, &result);
        if (!g_str_has_prefix(unit, c->prefix) || !g_str_equal(result, "done"))
                return;
        if (c->done++ == 0)
                c->first_usec = g_get_monotonic_time();
        if (c->done >= c->want)
                c->reached = TRUE;
}

static guint
subscribe_jobs(GDBusConnection *bus, JobCount *c)
{
        g_autoptr(GVariant) r = NULL;
        guint id = g_dbus_connection_signal_subscribe(
                bus, "org.freedesktop.systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved",
                "/org/freedesktop/systemd1", NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_job_removed, c, NULL);

        r = g_dbus_connection_call_sync(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                        "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL,
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        return id;
}

static double
systemd_restart_loop(GDBusConnection *bus)
{
        const char *start[] = { "systemd-run", "--user",
                                "--quiet",     "--unit=bench-loop",
                                "-p",          "Restart=always",
                                "-p",          "RestartSec=0",
                                "-p",          "StartLimitIntervalSec=0",
                                "/bin/sh",     "-c",
                                "exit 1",      NULL };
        const char *stop[] = { "systemctl", "--user", "stop", "bench-loop.service", NULL };
        JobCount c = { .prefix = "bench-loop.service", .want = RESTARTS + 1 };
        guint sub = subscribe_jobs(bus, &c);
        double per_cycle;

        if (itest_run(start, NULL) != 0)
                return -1;
        if (!itest_wait_flag(&c.reached, 120))
                return -1;
        per_cycle = (double) (g_get_monotonic_time() - c.first_usec) / G_USEC_PER_SEC / RESTARTS;
        (void) itest_run(stop, NULL);
        g_dbus_connection_signal_unsubscribe(bus, sub);
        return per_cycle;
}

static double
systemd_bringup(GDBusConnection *bus)
{
        JobCount c = { .prefix = "bench-scope-", .want = CHILDREN };
        guint sub = subscribe_jobs(bus, &c);
        g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(GPid));
        gint64 start = g_get_monotonic_time();
        double took;

        for (guint i = 0; i < CHILDREN; i++) {
                g_autofree char *unit = g_strdup_printf("--unit=bench-scope-%u", i);
                const char *argv[] = { "systemd-run", "--user", "--scope", "--quiet",
                                       unit,          "sleep",  "1000",    NULL };
                GPid pid;

                if (!g_spawn_async(NULL, (char **) argv, NULL,
                                   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDOUT_TO_DEV_NULL,
                                   NULL, NULL, &pid, NULL))
                        return -1;
                g_array_append_val(pids, pid);
        }
        if (!itest_wait_flag(&c.reached, 300))
                return -1;
        took = seconds_since(start);
        for (guint i = 0; i < pids->len; i++) {
                (void) kill(g_array_index(pids, GPid, i), SIGKILL);
                (void) waitpid(g_array_index(pids, GPid, i), NULL, 0);
        }
        g_dbus_connection_signal_unsubscribe(bus, sub);
        return took;
}

static double
systemd_restart_round_trip(void)
{
        const char *start[] = { "systemd-run",     "--user", "--quiet",
                                "--unit=bench-rt", "-p",     "StartLimitIntervalSec=0",
                                "sleep",           "1000",   NULL };
        const char *restart[] = { "systemctl", "--user", "restart", "bench-rt.service", NULL };
        const char *stop[] = { "systemctl", "--user", "stop", "bench-rt.service", NULL };
        gint64 t;
        double took;

        if (itest_run(start, NULL) != 0)
                return -1;
        t = g_get_monotonic_time();
        for (guint i = 0; i < 20; i++)
                if (itest_run(restart, NULL) != 0)
                        return -1;
        took = seconds_since(t) / 20;
        (void) itest_run(stop, NULL);
        return took;
}

/* ---- stewardd's side ----------------------------------------------------- */

static double
steward_restart_loop(void)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start("[Supervisor root]\nRestartIntensity=100000\n"
                                                      "[Child loop]\nExecStart=/bin/sh -c 'exit 1'\n"
                                                      "RestartSec=0\nRestartMaxDelaySec=0\n"
                                                      "RestartIntensity=100000\n",
                                                      NULL);
        guint from = 0;
        gint64 first;

        if (!itest_events_wait(d->events, "child_started", "loop", &from, ITEST_TIMEOUT_SEC))
                return -1;
        first = g_get_monotonic_time();
        for (guint i = 0; i < RESTARTS; i++)
                if (!itest_events_wait(d->events, "child_started", "loop", &from, ITEST_TIMEOUT_SEC))
                        return -1;
        return (double) (g_get_monotonic_time() - first) / G_USEC_PER_SEC / RESTARTS;
}

static double
steward_bringup(guint64 *rss, double *cpu)
{
        g_autoptr(GString) config = g_string_new("[Manager]\nShutdownTimeoutSec=5min\n");
        g_autoptr(ItestDaemon) d = NULL;
        gint64 start;
        guint from = 0;

        for (guint i = 0; i < CHILDREN; i++)
                g_string_append_printf(config, "[Child c%u]\nExecStart=/usr/bin/sleep 1000\n", i);
        start = g_get_monotonic_time();
        d = itest_daemon_start(config->str, NULL);
        for (guint i = 0; i < CHILDREN; i++)
                if (!itest_events_wait(d->events, "child_started", NULL, &from, 300))
                        return -1;
        *rss = itest_proc_rss_kib(d->pid);
        *cpu = itest_proc_cpu_seconds(d->pid);
        return seconds_since(start);
}

static double
steward_restart_round_trip(void)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start("[Child rt]\nExecStart=/usr/bin/sleep 1000\n", NULL);
        gint64 t;
        guint from = 0;

        if (!itest_events_wait(d->events, "child_started", "rt", &from, ITEST_TIMEOUT_SEC))
                return -1;
        t = g_get_monotonic_time();
        for (guint i = 0; i < 20; i++) {
                const char *argv[] = { "busctl",
                                       "--user",
                                       "call",
                                       "org.steward.Supervisor1",
                                       "/org/steward/Supervisor1",
                                       "org.steward.Supervisor1.Manager",
                                       "RestartChild",
                                       "ss",
                                       "rt",
                                       "bench",
                                       NULL };
                /* The same shape as systemctl restart: a command-line call,
                 * then the new incarnation running. */
                g_autofree char *out = NULL;
                if (itest_run(argv, &out) != 0 ||
                    !itest_events_wait(d->events, "child_started", "rt", &from, ITEST_TIMEOUT_SEC))
                        return -1;
        }
        return seconds_since(t) / 20;
}

static void
report(const char *what, double steward, double systemd)
{
        printf("# %-44s stewardd %9.3f ms   systemd %9.3f ms   ratio %.2f\n", what, steward * 1000,
               systemd * 1000, systemd > 0 ? steward / systemd : 0.0);
}

START_TEST(bench_daemon)
{
        g_autoptr(GDBusConnection) bus = itest_bus();
        double s, n;
        guint64 rss = 0;
        double cpu = 0;

        s = steward_restart_loop();
        n = systemd_restart_loop(bus);
        report("restart loop, per exit-to-exec cycle", s, n);
        ck_assert(s > 0 && n > 0);

        s = steward_restart_round_trip();
        n = systemd_restart_round_trip();
        report("restart command to new incarnation running", s, n);
        ck_assert(s > 0 && n > 0);

        s = steward_bringup(&rss, &cpu);
        n = systemd_bringup(bus);
        report("bring-up of 1,000 scoped children", s, n);
        printf("# stewardd resident memory with 1,000 children: %" G_GUINT64_FORMAT
               " KiB (%.1f KiB per child)\n",
               rss, (double) rss / CHILDREN);
        printf("# stewardd CPU time for the bring-up: %.2f s (%.2f ms per child)\n", cpu,
               cpu * 1000 / CHILDREN);
        ck_assert(s > 0 && n > 0);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("bench");
        TCase *tc = tcase_create("daemon");

        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, bench_daemon);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)
