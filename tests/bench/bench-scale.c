/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-scale.c: stewardd's cost per child as the tree grows, from none to 10,000 children, inside the
 * harness.
 *
 * For each size N (STEWARD_BENCH_SCALE, a comma-separated list; default
 * 0,100,1000,2500,5000,10000) one stewardd brings up N children in scopes of their
 * own, and the bench prints, per child: wall time and stewardd's CPU time of
 * the bring-up (and the manager's, journald's and the bus daemon's, beside
 * theirs in systemd's own bring-up of as many scopes), resident memory
 * (all, and anonymous alone); then the time of
 * the reads an operator makes (ListChildren, twice, one child's properties,
 * `stewardctl status` of one child, `stewardctl list` on stewardd's private
 * socket and through the bus, and systemd's `systemctl list-units` of as many scopes, `stewardctl status` of
 * the whole tree and systemd's `systemctl status` of the scopes), and the
 * medians of five more of the reads an operator repeats; then a restart of
 * every child (N RestartChild calls, IN_FLIGHT at a time) until every child runs
 * as generation 1, with the time and CPU per child. A flat curve is the goal:
 * nothing per child may cost more in a bigger tree.
 *
 * Memory (issue #14: at most 10 MB + 4 KB per child): stewardd's resident
 * memory once it has settled (no CPU time spent for SETTLE_USEC) after the
 * bring-up, after STEWARD_BENCH_RESTARTS (default 1,000) restarts of one
 * child one after the other, and after the restart of every child; at the
 * end a least-squares line through the settled figures of every size, the
 * base and the cost per child. The restarts of one child show whether
 * anything grows with time and events: after WARMUP of them whatever is
 * allocated once is, and the rest must leave the figure where it was.
 *
 * Numbers, not verdicts: it fails only when something does not happen at
 * all, or when a restart skips or repeats a generation (the fence). */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

/* RestartChild calls waiting at once: stewardd's bound per connection
 * (STEWARD_BUS_PENDING_PER_SENDER_MAX). */
#define IN_FLIGHT 64

/* Settled: stewardd spent no CPU time over this long (its idle work, such
 * as giving freed memory back, is done), waited for at most SETTLE_MAX_SEC. */
#define SETTLE_USEC (2 * G_USEC_PER_SEC)
#define SETTLE_MAX_SEC 120
#define WARMUP 100

/* The sizes, one loop iteration of the test each: check runs each in a
 * process of its own and packs its duration into 32 bits of µs, so a
 * single test of every size (over 35 minutes at 10,000) ended in check's
 * own error. */
static char **sizes;

/* The settled figures of every size so far, one "N KiB" line each, for
 * the fit: the iterations share only their parent, the runner. */
static char *
fit_path(void)
{
        g_autofree char *name = g_strdup_printf("steward-bench-scale-%d.fit", (int) getppid());

        return g_build_filename(g_get_tmp_dir(), name, NULL);
}

static double
seconds_since(gint64 start)
{
        return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

static guint64
status_kib(GPid pid, const char *key)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) pid);
        g_autofree char *text = NULL;
        g_autofree char *needle = g_strconcat("\n", key, ":", NULL);
        const char *at;

        if (!g_file_get_contents(path, &text, NULL, NULL) || !(at = strstr(text, needle)))
                return 0;
        return g_ascii_strtoull(at + strlen(needle), NULL, 10);
}

/* Waits for @n events of @kind (any child) from *from on, each within the bound. */
static gboolean
wait_events(ItestDaemon *d, const char *kind, guint n, guint *from)
{
        for (guint i = 0; i < n; i++)
                if (!itest_events_wait(d->events, kind, NULL, from, 600))
                        return FALSE;
        return TRUE;
}

/* Waits until stewardd has spent no CPU time for SETTLE_USEC; a bench,
 * not a test: a daemon that never settles is measured as it is. */
static void
settle(ItestDaemon *d)
{
        gint64 deadline = g_get_monotonic_time() + SETTLE_MAX_SEC * G_USEC_PER_SEC;
        gint64 quiet_since = g_get_monotonic_time();
        double cpu = itest_proc_cpu_seconds(d->pid);

        while (g_get_monotonic_time() < deadline && g_get_monotonic_time() - quiet_since < SETTLE_USEC) {
                double now;

                /* Not a wait for an outcome: the sampling period of a measurement. */
                g_usleep(G_USEC_PER_SEC / 5);
                while (g_main_context_iteration(NULL, FALSE))
                        ;
                now = itest_proc_cpu_seconds(d->pid);
                if (now > cpu) {
                        cpu = now;
                        quiet_since = g_get_monotonic_time();
                }
        }
}

/* One child restarted @n times in a row, each restart waited for. */
static void
restart_one(ItestDaemon *d, const char *child, guint n, guint *from)
{
        for (guint i = 0; i < n; i++) {
                g_autoptr(GVariant) outcome = itest_child_command(d, "RestartChild", child, "bench");

                ck_assert_msg(itest_events_wait(d->events, "child_started", child, from, 600),
                              "restart %u of %s did not happen", i, child);
        }
}

static double
time_call(ItestDaemon *d, const char *method, GVariant *params, const char *type)
{
        gint64 t = g_get_monotonic_time();
        g_autoptr(GVariant) r = itest_manager_call(d, method, params, type);

        return seconds_since(t);
}

static double
time_property(ItestDaemon *d, const char *child)
{
        gint64 t = g_get_monotonic_time();
        g_autoptr(GVariant) r = NULL;
        g_autofree char *path = g_strdup_printf("/org/steward/Supervisor1/child/%s", child);

        r = g_dbus_connection_call_sync(d->bus, "org.steward.Supervisor1", path,
                                        "org.freedesktop.DBus.Properties", "GetAll",
                                        g_variant_new("(s)", "org.steward.Supervisor1.Child"),
                                        G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert(r);
        return seconds_since(t);
}

/* How long @program --user @args takes in @env (NULL: ours), from its
 * start to its exit, which must be 0 or @also_ok. */
static double
time_client_env(const char *program, const char *const *args, int also_ok, char **env)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *out = NULL;
        int status;
        gint64 t;

        g_ptr_array_add(argv, (gpointer) program);
        g_ptr_array_add(argv, (gpointer) "--user");
        for (const char *const *a = args; *a; a++)
                g_ptr_array_add(argv, (gpointer) *a);
        g_ptr_array_add(argv, NULL);
        t = g_get_monotonic_time();
        ck_assert_msg(g_spawn_sync(NULL, (char **) argv->pdata, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                                   NULL, &status, &error),
                      "%s: %s", program, error ? error->message : "");
        status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        ck_assert_msg(status == 0 || status == also_ok, "%s exited with %d", program, status);
        return seconds_since(t);
}

static double
time_client(const char *program, const char *const *args, int also_ok)
{
        return time_client_env(program, args, also_ok, NULL);
}

/* stewardctl finds stewardd's private socket in "steward" of its
 * XDG_RUNTIME_DIR, where run_size() puts stewardd's runtime directory;
 * with STEWARDCTL_FORCE_BUS=1 (@bus) it goes through the bus instead. */
static double
time_stewardctl(const char *runtime_parent, const char *const *args, gboolean bus)
{
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", runtime_parent, TRUE);

        if (bus)
                env = g_environ_setenv(env, "STEWARDCTL_FORCE_BUS", "1", TRUE);
        return time_client_env(ctl, args, 0, env);
}

/* The reads an operator repeats, READS_AGAIN times more each, and their
 * medians: the first of each above is a single call, and one call slowed
 * by the machine's other work (which comes on the socket and the bus
 * alike) makes it say little about the tree's size. */
#define READS_AGAIN 5

static void
append_ms(GArray *durations, double seconds)
{
        gint64 usec = (gint64) (seconds * G_USEC_PER_SEC);

        g_array_append_val(durations, usec);
}

static void
reads_again(ItestDaemon *d, const char *runtime_parent, guint n, const char *const *status_args,
            const char *const *list_args)
{
        g_autoptr(GArray) prop = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) status = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autoptr(GArray) list_bus = g_array_new(FALSE, FALSE, sizeof(gint64));

        for (guint i = 0; i < READS_AGAIN; i++) {
                append_ms(prop, time_property(d, "c0"));
                append_ms(status, time_stewardctl(runtime_parent, status_args, FALSE));
                append_ms(list, time_stewardctl(runtime_parent, list_args, FALSE));
                append_ms(list_bus, time_stewardctl(runtime_parent, list_args, TRUE));
        }
        printf("# %6u children: the reads %u times more, medians: GetAll %5.1f ms, stewardctl status c0 "
               "%6.1f ms, stewardctl list %6.1f ms (through the bus %6.1f ms)\n",
               n, READS_AGAIN, itest_quantile_ms(prop, 0.5), itest_quantile_ms(status, 0.5),
               itest_quantile_ms(list, 0.5), itest_quantile_ms(list_bus, 0.5));
        fflush(stdout);
}

typedef struct {
        guint pending;
        guint failed;
} Calls;

static void
on_restart_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Calls *c = user_data;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, NULL);

        if (!r)
                c->failed++;
        c->pending--;
}

static void
run_size(guint n)
{
        g_autoptr(GString) config = g_string_new("[Manager]\nShutdownTimeoutSec=10min\n");
        g_autoptr(ItestDaemon) d = NULL;
        const char *status_args[] = { "status", "c0", NULL };
        const char *list_args[] = { "list", "--no-legend", NULL };
        /* systemd's listing of as many units, through its private socket. */
        const char *units_args[] = { "list-units", "--all",           "--no-legend", "--no-pager",
                                     "--plain",    "steward-*.scope", NULL };
        const char *tree_args[] = { "status", NULL };
        /* systemd's status of as many units (without their journal), where
         * stewardctl's is the whole tree's. */
        const char *units_status_args[] = { "status", "--no-pager", "--lines=0", "steward-*.scope", NULL };
        Calls calls = { 0 };
        double wall, cpu, cpu_before, cpu_after, list, list_again, prop, status, tree, ctl_list,
                ctl_list_bus, units_list, units_status, storm, spawner_cpu, spawner_before, spawner_after;
        GPid spawner;
        g_autofree char *runtime_parent = NULL;
        guint64 rss, anon, rss_after, anon_after, settled, warm, restarted, read, stormed;
        const char *env = g_getenv("STEWARD_BENCH_RESTARTS");
        guint restarts = env && *env ? (guint) g_ascii_strtoull(env, NULL, 10) : 1000;
        g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, NULL);
        ItestPeers peers;
        ItestPeersCpu ref_spent = { 0 }, spent;
        double ref_wall = 0;
        gint64 start;
        guint from = 0, one_from;

        /* systemd's own way first, at the same size and in a slice of its
         * own as stewardd's are: what the manager's side of a bring-up
         * costs at this size. */
        if (n > 0) {
                ref_wall = itest_pipelined_scopes(bus, n, "bench-ref-", "bench.slice", &ref_spent);
                ck_assert_msg(ref_wall >= 0, "%u pipelined scopes did not start", n);
        }
        for (guint i = 0; i < n; i++)
                g_string_append_printf(config, "[Child c%u]\nExecStart=/usr/bin/sleep 100000\n", i);
        itest_peers_begin(bus, &peers);
        start = g_get_monotonic_time();
        /* Its runtime directory where stewardctl looks for the private socket. */
        d = itest_daemon_start_xdg(config->str, NULL, &runtime_parent);
        ck_assert_msg(wait_events(d, "child_started", n, &from), "%u children did not start", n);
        wall = seconds_since(start);
        cpu = itest_proc_cpu_seconds(d->pid);
        /* The helpers are forked by the spawner, at its cost. */
        spawner = itest_spawner_of(d->pid);
        spawner_cpu = spawner > 0 ? itest_proc_cpu_seconds(spawner) : 0;
        itest_peers_spent(&peers, &spent);
        rss = status_kib(d->pid, "VmRSS");
        anon = status_kib(d->pid, "RssAnon");
        settle(d);
        settled = status_kib(d->pid, "VmRSS");
        {
                g_autofree char *path = fit_path();
                g_autofree char *line = g_strdup_printf("%u %" G_GUINT64_FORMAT "\n", n, settled);
                FILE *f = fopen(path, "ae");

                ck_assert_msg(f, "%s: %s", path, g_strerror(errno));
                fputs(line, f);
                ck_assert_int_eq(fclose(f), 0);
        }

        /* One child restarted over and over: a cost that grows with events. */
        warm = restarted = settled;
        if (n > 0 && restarts > 0) {
                one_from = from;
                restart_one(d, "c0", MIN(WARMUP, restarts), &one_from);
                settle(d);
                warm = status_kib(d->pid, "VmRSS");
                if (restarts > WARMUP)
                        restart_one(d, "c0", restarts - WARMUP, &one_from);
                settle(d);
                restarted = status_kib(d->pid, "VmRSS");
                /* The restart of every child below counts child_started from here on. */
                from = one_from;
        }
        if (n == 0)
                printf("# %6u children: RSS settled %6" G_GUINT64_FORMAT " KiB\n", n, settled);
        else
                printf("# %6u children: RSS settled %6" G_GUINT64_FORMAT
                       " KiB; after %u restarts of c0 %6" G_GUINT64_FORMAT " KiB (%+" G_GINT64_FORMAT
                       " KiB; %+" G_GINT64_FORMAT " KiB over the last %u)\n",
                       n, settled, restarts, restarted, (gint64) restarted - (gint64) settled,
                       (gint64) restarted - (gint64) warm, restarts > WARMUP ? restarts - WARMUP : 0);
        fflush(stdout);
        if (n == 0) {
                g_clear_pointer(&d, itest_daemon_free);
                ck_assert_int_eq(itest_remove_tree(runtime_parent), 0);
                return;
        }

        list = time_call(d, "ListChildren", NULL, "(a(ssstto))");
        /* Again: stewardd reuses the rows that did not change. */
        list_again = time_call(d, "ListChildren", NULL, "(a(ssstto))");
        prop = time_property(d, "c0");
        status = time_stewardctl(runtime_parent, status_args, FALSE);
        ctl_list = time_stewardctl(runtime_parent, list_args, FALSE);
        ctl_list_bus = time_stewardctl(runtime_parent, list_args, TRUE);
        units_list = time_client("systemctl", units_args, 0);
        tree = time_stewardctl(runtime_parent, tree_args, FALSE);
        /* 3: a unit is not active (one on its way out of a restart). */
        units_status = time_client("systemctl", units_status_args, 3);
        reads_again(d, runtime_parent, n, status_args, list_args);
        settle(d);
        read = status_kib(d->pid, "VmRSS");

        /* Every child restarted, the calls pipelined on one connection up
         * to what stewardd lets one connection have waiting. */
        cpu_before = itest_proc_cpu_seconds(d->pid);
        spawner = itest_spawner_of(d->pid);
        spawner_before = spawner > 0 ? itest_proc_cpu_seconds(spawner) : 0;
        start = g_get_monotonic_time();
        for (guint i = 0; i < n; i++) {
                g_autofree char *name = g_strdup_printf("c%u", i);

                while (calls.pending >= IN_FLIGHT)
                        g_main_context_iteration(NULL, TRUE);
                ck_assert_uint_eq(calls.failed, 0);
                calls.pending++;
                g_dbus_connection_call(d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                                       "org.steward.Supervisor1.Manager", "RestartChild",
                                       g_variant_new("(ss)", name, "bench"), G_VARIANT_TYPE("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_restart_done, &calls);
        }
        ck_assert_msg(wait_events(d, "child_started", n, &from), "%u children were not restarted", n);
        storm = seconds_since(start);
        cpu_after = itest_proc_cpu_seconds(d->pid);
        spawner_after = spawner > 0 ? itest_proc_cpu_seconds(spawner) : 0;
        while (calls.pending > 0)
                g_main_context_iteration(NULL, TRUE);
        ck_assert_uint_eq(calls.failed, 0);
        rss_after = status_kib(d->pid, "VmRSS");
        anon_after = status_kib(d->pid, "RssAnon");
        /* The fence: each child's incarnation after the restart of all is
         * the next generation, once (c0 had the restarts of its own). */
        ck_assert_uint_eq(itest_events_count(d->events, "child_started", NULL), 2 * n + restarts);
        for (guint i = 0; i < n; i += MAX(n / 100, 1)) {
                g_autofree char *name = g_strdup_printf("c%u", i);
                g_autoptr(GVariant) gen = itest_child_property(d, name, "Generation");

                ck_assert_uint_eq(g_variant_get_uint64(gen), i == 0 ? restarts + 1 : 1);
        }
        settle(d);
        stormed = status_kib(d->pid, "VmRSS");

        printf("# %6u children: systemd's pipelined scopes %6.2f ms/child wall, manager %5.2f ms/child "
               "CPU; stewardd's bring-up %6.2f ms/child wall (%.2fx), manager %5.2f ms/child CPU\n",
               n, ref_wall * 1000 / n, ref_spent.manager * 1000 / n, wall * 1000 / n, wall / ref_wall,
               spent.manager * 1000 / n);
        /* The rest of the two CPUs' work in each bring-up: what the journal
         * and the bus carried for it. */
        printf("# %6u children: journald's CPU %5.2f ms/child in systemd's pipelined scopes, %5.2f in "
               "stewardd's bring-up; the bus daemon's %5.2f and %5.2f\n",
               n, ref_spent.journald * 1000 / n, spent.journald * 1000 / n, ref_spent.bus * 1000 / n,
               spent.bus * 1000 / n);
        /* Whether the manager set the pace: ready to run but without a CPU,
         * it waited on what else the two CPUs ran. */
        printf("# %6u children: the manager waited for a CPU %5.2f ms/child in systemd's pipelined scopes, "
               "%5.2f in stewardd's bring-up\n",
               n, ref_spent.manager_waited * 1000 / n, spent.manager_waited * 1000 / n);
        printf("# %6u children: the spawner's CPU %5.2f ms/child in the bring-up, %5.2f in the restart of "
               "all\n",
               n, spawner_cpu * 1000 / n, (spawner_after - spawner_before) * 1000 / n);
        printf("# %6u children: bring-up %6.2f ms/child wall, %5.2f ms/child CPU; RSS %6" G_GUINT64_FORMAT
               " KiB (%5.1f KiB/child, anonymous %5.1f); ListChildren %6.1f ms (again %6.1f ms), GetAll "
               "%5.1f ms, "
               "stewardctl status c0 %6.1f ms, stewardctl list %6.1f ms (through the bus %6.1f ms; "
               "systemctl list-units of the "
               "scopes %6.1f ms), stewardctl status %7.1f ms (systemctl status of the scopes %7.1f ms); "
               "RSS after the reads, settled %6" G_GUINT64_FORMAT " KiB; restart of all "
               "%6.2f ms/child "
               "wall, %5.2f ms/child CPU; RSS after it %6" G_GUINT64_FORMAT
               " KiB (anonymous %5.1f KiB/child), settled %6" G_GUINT64_FORMAT " KiB\n",
               n, wall * 1000 / n, cpu * 1000 / n, rss, (double) rss / n, (double) anon / n, list * 1000,
               list_again * 1000, prop * 1000, status * 1000, ctl_list * 1000, ctl_list_bus * 1000,
               units_list * 1000, tree * 1000, units_status * 1000, read, storm * 1000 / n,
               (cpu_after - cpu_before) * 1000 / n, rss_after, (double) anon_after / n, stormed);
        fflush(stdout);

        g_clear_pointer(&d, itest_daemon_free);
        ck_assert_int_eq(itest_remove_tree(runtime_parent), 0);
}

/* RSS = base + per_child * N, least squares over the settled figures of
 * the sizes so far; printed after the last. */
static void
print_fit(void)
{
        g_autofree char *path = fit_path();
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;
        double sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return;
        (void) g_unlink(path);
        lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                double x, y;

                if (sscanf(*l, "%lf %lf", &x, &y) != 2)
                        continue;
                k++;
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
        }
        if (k >= 2 && k * sxx - sx * sx > 0) {
                double per_child = (k * sxy - sx * sy) / (k * sxx - sx * sx);
                double base = (sy - per_child * sx) / k;

                printf("# settled RSS fit over %.0f sizes: %.0f KiB + %.2f KiB/child (issue #14's bound: "
                       "10240 KiB + 4 KiB/child)\n",
                       k, base, per_child);
        }
}

START_TEST(bench_scale)
{
        if (_i == 0) {
                g_autofree char *path = fit_path();

                (void) g_unlink(path);
        }
        run_size((guint) g_ascii_strtoull(sizes[_i], NULL, 10));
        if (!sizes[_i + 1])
                print_fit();
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("bench");
        TCase *tc = tcase_create("scale");

        const char *env = g_getenv("STEWARD_BENCH_SCALE");

        sizes = g_strsplit(env && *env ? env : "0,100,1000,2500,5000,10000", ",", -1);
        tcase_set_timeout(tc, 3600);
        tcase_add_loop_test(tc, bench_scale, 0, (int) g_strv_length(sizes));
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)
