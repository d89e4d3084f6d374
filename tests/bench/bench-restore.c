/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-restore.c: live restore of 1,000 children, against systemd re-executing over the same scopes.
 *
 *   cold start   stewardd started on 1,000 Type=simple children, exec to manager_ready: the
 *                bring-up adoption is meant to avoid;
 *   SIGKILL      the next stewardd, exec to tree_adopted, adopting all 1,000;
 *   Reexecute    the call to tree_adopted of the new image;
 *   systemd      `systemctl --user daemon-reexec` of the harness's manager with the same 1,000
 *                scopes loaded, until a Manager property call is answered again.
 *
 * Each is repeated STEWARD_BENCH_RUNS times (default 3) and the medians are
 * printed, with the CPU time (utime + stime from /proc/PID/stat) the daemon
 * spent on that start and its resident memory right after it, and the CPU
 * time the user manager and the bus daemon spent meanwhile (the other ends
 * of stewardd's calls; for systemd's row the manager is the daemon). Numbers, not
 * verdicts: it fails only when something does not happen at all, or when
 * anything is left running at the end. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define CHILDREN 1000
#define BENCH_TIMEOUT_SEC 300

typedef struct {
        double wall; /* seconds */
        double cpu; /* seconds */
        guint64 rss; /* KiB */
        double manager_cpu; /* seconds the user manager spent meanwhile */
        double bus_cpu; /* seconds the bus daemon spent meanwhile */
} Sample;

typedef struct {
        Sample cold;
        Sample killed;
        Sample reexec;
        Sample systemd;
} Run;

static double
seconds_since(gint64 start)
{
        return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

static guint
runs_wanted(void)
{
        const char *env = g_getenv("STEWARD_BENCH_RUNS");
        guint64 n = env ? g_ascii_strtoull(env, NULL, 10) : 0;

        return n > 0 && n < 100 ? (guint) n : 3;
}

static void
pause_ms(guint ms)
{
        g_usleep((gulong) ms * 1000);
}

/* Waits until the state file records every child's main process, so the
 * SIGKILL below leaves the next stewardd all it would have in practice:
 * the file is written from an idle source, after the last start. */
static gboolean
wait_state_complete(ItestDaemon *d)
{
        g_autofree char *path = g_build_filename(d->dir, "run", "state", NULL);
        gint64 until = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

        while (g_get_monotonic_time() < until) {
                g_autofree char *text = NULL;
                guint n = 0;

                if (g_file_get_contents(path, &text, NULL, NULL))
                        for (const char *p = text; (p = strstr(p, "\nMainPID=")); p++)
                                n++;
                if (n >= CHILDREN)
                        return TRUE;
                pause_ms(20);
        }
        return FALSE;
}

static void
check_adopted(GVariant *ev)
{
        g_autofree char *want = g_strdup_printf("%u adopted, 0 lost, 0 stopped", CHILDREN);

        ck_assert_msg(ev, "no tree_adopted");
        ck_assert_str_eq(itest_event_str(ev, "reason"), want);
}

/* ---- systemd's side ---------------------------------------------------------- */

static GPid
manager_pid(GDBusConnection *bus)
{
        return itest_name_pid(bus, "org.freedesktop.systemd1");
}

/* What the manager and the bus daemon spent while stewardd adopted: the
 * other ends of its calls. */
static void
peers_end(const ItestPeers *p, Sample *s)
{
        ItestPeersCpu spent;

        itest_peers_spent(p, &spent);
        s->manager_cpu = spent.manager;
        s->bus_cpu = spent.bus;
}

/* One Manager property call; TRUE once the manager answered it. */
static gboolean
manager_answers(GDBusConnection *bus)
{
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.DBus.Properties", "Get",
                g_variant_new("(ss)", "org.freedesktop.systemd1.Manager", "SystemState"),
                G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);

        return reply != NULL;
}

/* steward-*.scope units the manager has loaded and active. */
static guint
live_scopes(GDBusConnection *bus)
{
        const char *patterns[] = { "steward-*.scope", NULL };
        const char *states[] = { "active", NULL };
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns",
                g_variant_new("(^as^as)", states, patterns), G_VARIANT_TYPE("(a(ssssssouso))"),
                G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        g_autoptr(GVariant) units = NULL;

        if (!reply)
                return 0;
        units = g_variant_get_child_value(reply, 0);
        return (guint) g_variant_n_children(units);
}

/* daemon-reexec with the 1,000 scopes loaded: systemctl returns once the
 * old image dropped the connection; the new one answers when it has
 * deserialised every unit and is on the bus again. */
static Sample
systemd_reexec(GDBusConnection *bus)
{
        const char *argv[] = { "systemctl", "--user", "daemon-reexec", NULL };
        Sample s = { 0 };
        ItestPeers peers;
        gint64 start, until;

        itest_peers_begin(bus, &peers);
        ck_assert_int_ne(peers.manager, 0);
        start = g_get_monotonic_time();
        ck_assert_int_eq(itest_run(argv, NULL), 0);
        until = g_get_monotonic_time() + BENCH_TIMEOUT_SEC * G_USEC_PER_SEC;
        while (!manager_answers(bus)) {
                ck_assert_msg(g_get_monotonic_time() < until, "the manager never came back");
                pause_ms(1);
        }
        s.wall = seconds_since(start);
        peers_end(&peers, &s);
        /* The manager re-executes in place: its CPU time is the figure. */
        s.cpu = s.manager_cpu;
        s.rss = itest_proc_rss_kib(peers.manager);
        ck_assert_int_eq(manager_pid(bus), peers.manager);
        return s;
}

/* ---- stewardd's side --------------------------------------------------------- */

static void
run_once(GDBusConnection *bus, Run *r)
{
        g_autoptr(GString) config = g_string_new("[Manager]\nShutdownTimeoutSec=5min\n");
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GVariant) reply = NULL;
        gint64 start;
        double cpu_before;
        ItestPeers peers;
        guint from;

        for (guint i = 0; i < CHILDREN; i++)
                g_string_append_printf(config, "[Child c%u]\nExecStart=/usr/bin/sleep 1000\n", i);

        /* Cold start: the bring-up adoption saves. */
        itest_peers_begin(bus, &peers);
        start = g_get_monotonic_time();
        d = itest_daemon_start(config->str, NULL);
        ck_assert(itest_events_wait(d->events, "manager_ready", NULL, NULL, BENCH_TIMEOUT_SEC));
        r->cold.wall = seconds_since(start);
        r->cold.cpu = itest_proc_cpu_seconds(d->pid);
        r->cold.rss = itest_proc_rss_kib(d->pid);
        peers_end(&peers, &r->cold);
        ck_assert(wait_state_complete(d));

        /* SIGKILL, then a new process: its whole CPU time is the start's. */
        itest_daemon_kill(d);
        itest_peers_begin(bus, &peers);
        start = g_get_monotonic_time();
        itest_daemon_restart(d);
        check_adopted(itest_events_wait(d->events, "tree_adopted", NULL, NULL, BENCH_TIMEOUT_SEC));
        r->killed.wall = seconds_since(start);
        r->killed.cpu = itest_proc_cpu_seconds(d->pid);
        r->killed.rss = itest_proc_rss_kib(d->pid);
        peers_end(&peers, &r->killed);
        ck_assert(wait_state_complete(d));

        /* Reexecute: the same process, so only the CPU time since the call. */
        from = d->events->events->len;
        cpu_before = itest_proc_cpu_seconds(d->pid);
        itest_peers_begin(bus, &peers);
        start = g_get_monotonic_time();
        reply = itest_manager_call(d, "Reexecute", NULL, NULL);
        check_adopted(itest_events_wait(d->events, "tree_adopted", NULL, &from, BENCH_TIMEOUT_SEC));
        r->reexec.wall = seconds_since(start);
        r->reexec.cpu = itest_proc_cpu_seconds(d->pid) - cpu_before;
        r->reexec.rss = itest_proc_rss_kib(d->pid);
        peers_end(&peers, &r->reexec);
        ck_assert(wait_state_complete(d));

        /* systemd over the same 1,000 scopes, with stewardd out of the way
         * (killed, so it neither stops them nor watches the manager). */
        itest_daemon_kill(d);
        ck_assert_uint_eq(live_scopes(bus), CHILDREN);
        r->systemd = systemd_reexec(bus);
        ck_assert_uint_eq(live_scopes(bus), CHILDREN);

        /* Adopt them once more and shut the tree down: nothing stays. */
        itest_daemon_restart(d);
        check_adopted(itest_events_wait(d->events, "tree_adopted", NULL, NULL, BENCH_TIMEOUT_SEC));
        ck_assert_int_eq(kill(d->pid, SIGTERM), 0);
        ck_assert_int_eq(itest_daemon_wait(d, BENCH_TIMEOUT_SEC), 0);
}

static int
compare_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static double
median(double *v, guint n)
{
        qsort(v, n, sizeof(double), compare_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Prints the medians of one row, picked from every run by offset. */
static void
report(const char *what, const Run *runs, guint n, gsize offset)
{
        g_autofree double *wall = g_new(double, n);
        g_autofree double *cpu = g_new(double, n);
        g_autofree double *rss = g_new(double, n);
        g_autofree double *manager = g_new(double, n);
        g_autofree double *busd = g_new(double, n);

        for (guint i = 0; i < n; i++) {
                const Sample *s = (const Sample *) ((const char *) &runs[i] + offset);

                wall[i] = s->wall;
                cpu[i] = s->cpu;
                rss[i] = (double) s->rss;
                manager[i] = s->manager_cpu;
                busd[i] = s->bus_cpu;
        }
        printf("# %-44s %9.1f %9.1f %9.0f %9.1f %9.1f\n", what, median(wall, n) * 1000,
               median(cpu, n) * 1000, median(rss, n), median(manager, n) * 1000, median(busd, n) * 1000);
}

/* Everything named steward-* the manager still has running. */
static char *
leftover_units(void)
{
        const char *argv[] = { "systemctl",   "--user",    "list-units", "--plain",
                               "--no-legend", "steward-*", NULL };
        char *out = NULL;

        ck_assert_int_eq(itest_run(argv, &out), 0);
        return out;
}

START_TEST(bench_restore)
{
        g_autoptr(GDBusConnection) bus = itest_bus();
        guint n = runs_wanted();
        g_autofree Run *runs = g_new0(Run, n);
        g_autofree char *left = NULL;

        for (guint i = 0; i < n; i++) {
                run_once(bus, &runs[i]);
                printf("# run %u: cold %.0f ms, SIGKILL %.0f ms, Reexecute %.0f ms, systemd %.0f ms\n",
                       i + 1, runs[i].cold.wall * 1000, runs[i].killed.wall * 1000,
                       runs[i].reexec.wall * 1000, runs[i].systemd.wall * 1000);
                fflush(stdout);
        }

        printf("# restore of %u Type=simple children, median of %u runs\n", CHILDREN, n);
        printf("# %-44s %9s %9s %9s %9s %9s\n", "", "wall ms", "CPU ms", "RSS KiB", "mgr CPU", "bus CPU");
        report("stewardd cold start, exec to manager_ready", runs, n, G_STRUCT_OFFSET(Run, cold));
        report("stewardd after SIGKILL, exec to tree_adopted", runs, n, G_STRUCT_OFFSET(Run, killed));
        report("stewardd Reexecute, call to tree_adopted", runs, n, G_STRUCT_OFFSET(Run, reexec));
        report("systemd --user daemon-reexec, 1,000 scopes", runs, n, G_STRUCT_OFFSET(Run, systemd));

        /* The shutdown waited for every scope to go; give the manager a
         * moment to drop the last ones all the same. */
        for (guint i = 0; i < 100; i++) {
                g_free(left);
                left = leftover_units();
                if (*left == '\0')
                        break;
                pause_ms(100);
        }
        ck_assert_msg(*left == '\0', "left running:\n%s", left);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("bench");
        TCase *tc = tcase_create("restore");

        tcase_set_timeout(tc, 1800);
        tcase_add_test(tc, bench_restore);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)
