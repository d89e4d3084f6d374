/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-daemon.c: stewardd against systemd doing the same job natively, in the same run, inside the harness.
 *
 *   restart loop  a child that exits at once, RestartSec=0: time per exit-to-exec cycle, against a
 *                 Restart=always service with RestartSec=0;
 *   bring-up      1,000 children started, against 1,000 processes forked by the bench and put in
 *                 scopes by StartTransientUnit calls all in flight at once (systemd's fastest
 *                 path: no client program per scope); also against 1,000 `systemd-run --scope`;
 *   round trip    RestartChild through busctl until the new incarnation runs, against `systemctl
 *                 --user restart`; `stewardctl restart`, which waits until the new incarnation
 *                 is up as systemctl waits for its job, against the same; and the call from a
 *                 connection of our own, against a client calling RestartUnit and waiting for
 *                 its job: the median of 40 each;
 *   idle          wake-ups (context switches of every thread) of stewardd with ten children over
 *                 30 s of nothing happening, from its first second without one after the start,
 *                 against the user manager's over the same 30 s.
 *
 * The test case "steps" (CK_RUN_CASE=steps) times a commanded restart's steps: RestartChild from a
 * connection of the bench's own, and the time to each event stewardd logs on the way, from its
 * console lines as they arrive; the medians of 40.
 *
 * The test case "connection" (CK_RUN_CASE=connection) compares stewardd with itself instead: the
 * manager's private socket (the default) against --manager-connection=bus, for the restart loop,
 * the restart call and a bring-up of 500 children, alternating, twice each.
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
/* Commanded restarts per side, of which the median is reported. */
#define ROUND_TRIPS 40
#define CHILDREN 1000
/* The connection case's bring-up, and its rounds of each side. */
#define AB_CHILDREN 500
#define AB_ROUNDS 2

static double
seconds_since(gint64 start)
{
        return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

/* ---- systemd's side: counting jobs and units through the manager ---------- */

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
        g_autoptr(ItestJobs) c = itest_jobs_new(bus, "bench-loop.service", RESTARTS + 1);
        double per_cycle;

        if (itest_run(start, NULL) != 0)
                return -1;
        if (!itest_wait_flag(&c->reached, 120))
                return -1;
        per_cycle = (double) (g_get_monotonic_time() - c->first_usec) / G_USEC_PER_SEC / RESTARTS;
        (void) itest_run(stop, NULL);
        return per_cycle;
}

static double
systemd_bringup(GDBusConnection *bus)
{
        g_autoptr(ItestJobs) c = itest_jobs_new(bus, "bench-scope-", CHILDREN);
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
        if (!itest_wait_flag(&c->reached, 300))
                return -1;
        took = seconds_since(start);
        for (guint i = 0; i < pids->len; i++) {
                (void) kill(g_array_index(pids, GPid, i), SIGKILL);
                (void) waitpid(g_array_index(pids, GPid, i), NULL, 0);
        }
        return took;
}

/* A client of the manager's API: RestartUnit, then its job done. */
static double
systemd_restart_unit_round_trip(GDBusConnection *bus)
{
        const char *start[] = { "systemd-run",     "--user", "--quiet",
                                "--unit=bench-ru", "-p",     "StartLimitIntervalSec=0",
                                "sleep",           "1000",   NULL };
        const char *stop[] = { "systemctl", "--user", "stop", "bench-ru.service", NULL };
        g_autoptr(ItestJobs) c = NULL;
        g_autoptr(GArray) took = g_array_new(FALSE, FALSE, sizeof(gint64));

        if (itest_run(start, NULL) != 0)
                return -1;
        c = itest_jobs_new(bus, "bench-ru.service", 0);
        for (guint i = 0; i < ROUND_TRIPS; i++) {
                g_autoptr(GVariant) job = NULL;
                gint64 t = g_get_monotonic_time();

                c->want = c->done + 1;
                c->reached = FALSE;
                job = g_dbus_connection_call_sync(
                        bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                        "org.freedesktop.systemd1.Manager", "RestartUnit",
                        g_variant_new("(ss)", "bench-ru.service", "replace"), G_VARIANT_TYPE("(o)"),
                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
                if (!job || !itest_wait_flag(&c->reached, ITEST_TIMEOUT_SEC))
                        return -1;
                g_array_append_val(took, (gint64){ g_get_monotonic_time() - t });
        }
        (void) itest_run(stop, NULL);
        return itest_quantile_ms(took, 0.5) / 1e3;
}

/* Context switches of every thread of @pid so far: each is a wake-up. */
static guint64
wakeups(GPid pid)
{
        g_autofree char *dir = g_strdup_printf("/proc/%d/task", (int) pid);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *tid;
        guint64 n = 0;

        while (d && (tid = g_dir_read_name(d))) {
                g_autofree char *path = g_build_filename(dir, tid, "status", NULL);
                g_autofree char *text = NULL;
                g_auto(GStrv) lines = NULL;

                if (!g_file_get_contents(path, &text, NULL, NULL))
                        continue;
                lines = g_strsplit(text, "\n", -1);
                for (char **l = lines; *l; l++)
                        if (g_str_has_prefix(*l, "voluntary_ctxt_switches:") ||
                            g_str_has_prefix(*l, "nonvoluntary_ctxt_switches:"))
                                n += g_ascii_strtoull(strchr(*l, ':') + 1, NULL, 10);
        }
        return n;
}

static gboolean
on_idle_over(gpointer user_data)
{
        *(gboolean *) user_data = TRUE;
        return G_SOURCE_REMOVE;
}

/* The user manager's PID: the harness runs it, and it is our bus's peer. */
static GPid
manager_pid(GDBusConnection *bus)
{
        return itest_name_pid(bus, "org.freedesktop.systemd1");
}

/* A benchmark's window, not a test's wait: the quantity is what happens
 * in it when nothing is asked for. */
static void
idle_wakeups(GDBusConnection *bus, guint64 *ret_steward, guint64 *ret_manager)
{
        g_autoptr(GString) config = g_string_new(NULL);
        g_autoptr(ItestDaemon) d = NULL;
        GPid manager = manager_pid(bus);
        guint64 s0, m0;
        gboolean over = FALSE;
        guint from = 0;

        for (guint i = 0; i < 10; i++)
                g_string_append_printf(config, "[Child idle%u]\nExecStart=/usr/bin/sleep 1000\n", i);
        d = itest_daemon_start(config->str, NULL);
        ck_assert(itest_events_wait(d->events, "manager_ready", NULL, &from, ITEST_TIMEOUT_SEC));
        /* Idle once the start's own work is done (the state file written
         * after the last change, the freed heap given back): the first
         * second without a wake-up, or twenty seconds, whichever comes
         * first; a periodic timer would show in the window either way. */
        for (guint i = 0; i < 20; i++) {
                s0 = wakeups(d->pid);
                over = FALSE;
                g_timeout_add_seconds(1, on_idle_over, &over);
                while (!over)
                        g_main_context_iteration(NULL, TRUE);
                if (wakeups(d->pid) == s0)
                        break;
        }
        s0 = wakeups(d->pid);
        m0 = wakeups(manager);
        over = FALSE;
        g_timeout_add_seconds(30, on_idle_over, &over);
        while (!over)
                g_main_context_iteration(NULL, TRUE);
        *ret_steward = wakeups(d->pid) - s0;
        *ret_manager = wakeups(manager) - m0;
}

static double
systemd_restart_round_trip(void)
{
        const char *start[] = { "systemd-run",     "--user", "--quiet",
                                "--unit=bench-rt", "-p",     "StartLimitIntervalSec=0",
                                "sleep",           "1000",   NULL };
        const char *restart[] = { "systemctl", "--user", "restart", "bench-rt.service", NULL };
        const char *stop[] = { "systemctl", "--user", "stop", "bench-rt.service", NULL };
        g_autoptr(GArray) took = g_array_new(FALSE, FALSE, sizeof(gint64));

        if (itest_run(start, NULL) != 0)
                return -1;
        for (guint i = 0; i < ROUND_TRIPS; i++) {
                gint64 t = g_get_monotonic_time();

                if (itest_run(restart, NULL) != 0)
                        return -1;
                g_array_append_val(took, (gint64){ g_get_monotonic_time() - t });
        }
        (void) itest_run(stop, NULL);
        return itest_quantile_ms(took, 0.5) / 1e3;
}

/* ---- stewardd's side ----------------------------------------------------- */

static double
steward_restart_loop(const char *const *args)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start("[Supervisor root]\nRestartIntensity=100000\n"
                                                      "[Child loop]\nExecStart=/bin/sh -c 'exit 1'\n"
                                                      "RestartSec=0\nRestartMaxDelaySec=0\n"
                                                      "RestartIntensity=100000\n",
                                                      args);
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
steward_bringup(guint n, const char *const *args, guint64 *rss, double *cpu)
{
        g_autoptr(GString) config = g_string_new("[Manager]\nShutdownTimeoutSec=5min\n");
        g_autoptr(ItestDaemon) d = NULL;
        gint64 start;
        guint from = 0;

        for (guint i = 0; i < n; i++)
                g_string_append_printf(config, "[Child c%u]\nExecStart=/usr/bin/sleep 1000\n", i);
        start = g_get_monotonic_time();
        d = itest_daemon_start(config->str, args);
        for (guint i = 0; i < n; i++)
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
        g_autoptr(GArray) took = g_array_new(FALSE, FALSE, sizeof(gint64));
        guint from = 0;

        if (!itest_events_wait(d->events, "child_started", "rt", &from, ITEST_TIMEOUT_SEC))
                return -1;
        for (guint i = 0; i < ROUND_TRIPS; i++) {
                gint64 t = g_get_monotonic_time();
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
                g_array_append_val(took, (gint64){ g_get_monotonic_time() - t });
        }
        return itest_quantile_ms(took, 0.5) / 1e3;
}

/* stewardctl restart, the operator's command as systemctl restart is:
 * it returns once the new incarnation is up. stewardctl finds stewardd's
 * private socket in "steward" of its XDG_RUNTIME_DIR. */
static double
steward_restart_stewardctl(void)
{
        g_autofree char *xdg = NULL;
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        g_autoptr(GArray) took = g_array_new(FALSE, FALSE, sizeof(gint64));
        ItestDaemon *d = itest_daemon_start_xdg("[Child rc]\nExecStart=/usr/bin/sleep 1000\n", NULL, &xdg);
        g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", xdg, TRUE);
        gboolean ok;
        guint from = 0;

        ok = itest_events_wait(d->events, "child_started", "rc", &from, ITEST_TIMEOUT_SEC) != NULL;
        for (guint i = 0; ok && i < ROUND_TRIPS; i++) {
                const char *argv[] = { ctl, "--user", "restart", "rc", NULL };
                gint64 t = g_get_monotonic_time();
                int status;

                ok = g_spawn_sync(NULL, (char **) argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                                  NULL, &status, NULL) &&
                     g_spawn_check_wait_status(status, NULL);
                g_array_append_val(took, (gint64){ g_get_monotonic_time() - t });
        }
        itest_daemon_free(d);
        ck_assert_int_eq(itest_remove_tree(xdg), 0);
        return ok ? itest_quantile_ms(took, 0.5) / 1e3 : -1;
}

/* RestartChild from a connection of our own, as a client of the bus API
 * would call it, until the new incarnation runs. */
static double
steward_restart_direct(const char *const *args)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start("[Child rd]\nExecStart=/usr/bin/sleep 1000\n", args);
        g_autoptr(GArray) took = g_array_new(FALSE, FALSE, sizeof(gint64));
        guint from = 0;

        if (!itest_events_wait(d->events, "child_started", "rd", &from, ITEST_TIMEOUT_SEC))
                return -1;
        for (guint i = 0; i < ROUND_TRIPS; i++) {
                gint64 t = g_get_monotonic_time();
                g_autoptr(GVariant) r = itest_manager_call(d, "RestartChild",
                                                           g_variant_new("(ss)", "rd", "bench"), "(a{sv})");
                if (!itest_events_wait(d->events, "child_started", "rd", &from, ITEST_TIMEOUT_SEC))
                        return -1;
                g_array_append_val(took, (gint64){ g_get_monotonic_time() - t });
        }
        return itest_quantile_ms(took, 0.5) / 1e3;
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
        guint64 rss = 0, idle_steward = 0, idle_manager = 0;
        double cpu = 0;

        s = steward_restart_loop(NULL);
        n = systemd_restart_loop(bus);
        report("restart loop, per exit-to-exec cycle", s, n);
        ck_assert(s > 0 && n > 0);

        s = steward_restart_round_trip();
        n = systemd_restart_round_trip();
        report("restart command to new incarnation running", s, n);
        ck_assert(s > 0 && n > 0);
        s = steward_restart_stewardctl();
        report("stewardctl restart vs systemctl restart", s, n);
        ck_assert(s > 0);

        s = steward_restart_direct(NULL);
        n = systemd_restart_unit_round_trip(bus);
        report("restart call (own connection) to running", s, n);
        ck_assert(s > 0 && n > 0);

        s = steward_bringup(CHILDREN, NULL, &rss, &cpu);
        n = itest_pipelined_scopes(bus, CHILDREN, "bench-pscope-", NULL, NULL);
        report("bring-up of 1,000 children vs pipelined scopes", s, n);
        ck_assert(s > 0 && n > 0);
        n = systemd_bringup(bus);
        report("bring-up of 1,000 children vs systemd-run", s, n);
        printf("# stewardd resident memory with 1,000 children: %" G_GUINT64_FORMAT
               " KiB (%.1f KiB per child)\n",
               rss, (double) rss / CHILDREN);
        printf("# stewardd CPU time for the bring-up: %.2f s (%.2f ms per child)\n", cpu,
               cpu * 1000 / CHILDREN);
        ck_assert(s > 0 && n > 0);

        idle_wakeups(bus, &idle_steward, &idle_manager);
        printf("# wake-ups over 30 s idle with 10 children: stewardd %" G_GUINT64_FORMAT
               ", user manager %" G_GUINT64_FORMAT "\n",
               idle_steward, idle_manager);
}
END_TEST

static void
report_connection(const char *what, double private_socket, double bus)
{
        printf("# %-44s private %9.3f ms   bus %9.3f ms   ratio %.2f\n", what, private_socket * 1000,
               bus * 1000, bus > 0 ? private_socket / bus : 0.0);
}

/* What stewardd logs on a commanded restart's way, in order. */
static const char *const restart_steps[] = {
        "child_restart_fence_entered",
        "child_exited",
        "child_control_stop_completed",
        "child_starting",
        "child_started",
        "child_restart_fence_released",
};

/* The step a console line of stewardd's logs ("event=KIND ..."), -1 for none. */
static int
restart_step_of(const char *line)
{
        for (guint i = 0; i < G_N_ELEMENTS(restart_steps); i++) {
                g_autofree char *field = g_strdup_printf("event=%s ", restart_steps[i]);

                if (strstr(line, field))
                        return (int) i;
        }
        return -1;
}

/* A commanded restart step by step: RestartChild from the bench's own
 * connection, and the time from the call to each event stewardd logs on
 * the way, as its console lines arrive (it writes each as the event
 * happens); the medians of ROUND_TRIPS. */
START_TEST(bench_steps)
{
        const char *const args[] = { "--log-target=console", NULL };
        ItestCapture c = { 0 };
        ItestDaemon *d =
                itest_daemon_start_captured("[Child rs]\nExecStart=/usr/bin/sleep 1000\n", args, &c);
        GArray *took[G_N_ELEMENTS(restart_steps)];
        double previous = 0;

        ck_assert(itest_capture_wait(&c, "event=child_started "));
        for (guint i = 0; i < G_N_ELEMENTS(restart_steps); i++)
                took[i] = g_array_new(FALSE, FALSE, sizeof(gint64));
        for (guint round = 0; round < ROUND_TRIPS; round++) {
                gint64 at[G_N_ELEMENTS(restart_steps)];
                guint line = c.lines->len;
                gint64 start = g_get_monotonic_time();

                for (guint i = 0; i < G_N_ELEMENTS(restart_steps); i++)
                        at[i] = -1;
                g_dbus_connection_call(d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                                       "org.steward.Supervisor1.Manager", "RestartChild",
                                       g_variant_new("(ss)", "rs", "bench"), NULL, G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, NULL, NULL);
                while (at[G_N_ELEMENTS(restart_steps) - 1] < 0) {
                        ck_assert_msg(itest_capture_wait_lines(&c, line + 1),
                                      "restart %u: stewardd went quiet", round);
                        for (; line < c.lines->len; line++) {
                                int step = restart_step_of(g_ptr_array_index(c.lines, line));

                                if (step >= 0 && at[step] < 0)
                                        at[step] = g_array_index(c.arrived, gint64, line);
                        }
                }
                for (guint i = 0; i < G_N_ELEMENTS(restart_steps); i++) {
                        ck_assert_msg(at[i] >= 0, "restart %u: no %s", round, restart_steps[i]);
                        g_array_append_val(took[i], (gint64){ at[i] - start });
                }
        }
        for (guint i = 0; i < G_N_ELEMENTS(restart_steps); i++) {
                double ms = itest_quantile_ms(took[i], 0.5);

                printf("# restart step %-30s %7.2f ms from the call (+%5.2f)\n", restart_steps[i], ms,
                       ms - previous);
                previous = ms;
                g_array_unref(took[i]);
        }
        itest_daemon_free(d);
        itest_capture_clear(&c);
}
END_TEST

/* The same stewardd on the manager's private socket and forced to the
 * bus, in turns, so that both see the same load; the best of each side. */
START_TEST(bench_connection)
{
        const char *const bus_args[] = { "--manager-connection=bus", NULL };
        double loop[2] = { G_MAXDOUBLE, G_MAXDOUBLE }, call[2] = { G_MAXDOUBLE, G_MAXDOUBLE };
        double up[2] = { G_MAXDOUBLE, G_MAXDOUBLE }, cpu[2] = { G_MAXDOUBLE, G_MAXDOUBLE };

        for (guint round = 0; round < AB_ROUNDS; round++)
                for (guint side = 0; side < 2; side++) {
                        const char *const *args = side == 0 ? NULL : bus_args;
                        guint64 rss = 0;
                        double c = 0, t;

                        t = steward_restart_loop(args);
                        ck_assert(t > 0);
                        loop[side] = MIN(loop[side], t);
                        t = steward_restart_direct(args);
                        ck_assert(t > 0);
                        call[side] = MIN(call[side], t);
                        t = steward_bringup(AB_CHILDREN, args, &rss, &c);
                        ck_assert(t > 0);
                        up[side] = MIN(up[side], t);
                        cpu[side] = MIN(cpu[side], c);
                }
        report_connection("restart loop, per exit-to-exec cycle", loop[0], loop[1]);
        report_connection("restart call (own connection) to running", call[0], call[1]);
        report_connection("bring-up of 500 children", up[0], up[1]);
        report_connection("stewardd CPU time of that bring-up", cpu[0], cpu[1]);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("bench");
        TCase *tc = tcase_create("daemon");
        TCase *connection = tcase_create("connection");
        TCase *steps = tcase_create("steps");

        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, bench_daemon);
        suite_add_tcase(s, tc);
        tcase_set_timeout(connection, 900);
        tcase_add_test(connection, bench_connection);
        suite_add_tcase(s, connection);
        tcase_set_timeout(steps, 900);
        tcase_add_test(steps, bench_steps);
        suite_add_tcase(s, steps);
        return s;
}

ITEST_MAIN(make_suite)
