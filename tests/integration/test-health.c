/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-health.c: health checks and heartbeats through the real stewardd, bus and manager: unhealthy with
 * HealthAction=restart, a hanging probe killed at its timeout, a heartbeat that stops, checks after a
 * live restore. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "itest.h"

static const char *const backends[] = { "--backend=scope", "--backend=process" };

static ItestDaemon *
start(const char *config, int backend)
{
        const char *args[] = { backends[backend], NULL };

        return itest_daemon_start(config, args);
}

static gboolean
wait_health(ItestDaemon *d, const char *child, const char *health)
{
        return itest_child_wait_property(d, child, "Health", g_variant_new_string(health),
                                         ITEST_TIMEOUT_SEC);
}

static guint32
child_u32(ItestDaemon *d, const char *child, const char *property)
{
        g_autoptr(GVariant) v = itest_child_property(d, child, property);

        return g_variant_get_uint32(v);
}

/* A process that is gone, or a zombie nobody reaped yet: it runs nothing. */
static gboolean
pid_dead(pid_t pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid);
        g_autofree char *stat = NULL;
        const char *paren;

        if (!g_file_get_contents(path, &stat, NULL, NULL))
                return TRUE;
        paren = strrchr(stat, ')');
        return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Bounded: a SIGKILL was sent before the event that says so; the kernel takes a moment. */
static gboolean
wait_pid_dead(pid_t pid)
{
        gint64 end = g_get_monotonic_time() + ITEST_TIMEOUT_SEC * G_USEC_PER_SEC;

        while (!pid_dead(pid)) {
                if (g_get_monotonic_time() > end)
                        return FALSE;
                g_main_context_iteration(NULL, FALSE);
                g_usleep(10 * 1000);
        }
        return TRUE;
}

/* The check fails once the test creates FILE: unhealthy after HealthCheckRetries= intervals, and with
 * HealthAction=restart exactly one fenced restart. */
START_TEST(test_unhealthy_restarts_once)
{
        g_autofree char *dir = g_dir_make_tmp("steward-health-XXXXXX", NULL);
        g_autofree char *flag = g_build_filename(dir, "fail", NULL);
        g_autofree char *config = g_strdup_printf("[Child api]\n"
                                                  "ExecStart=/usr/bin/sleep 1000\n"
                                                  "ExecHealthCheck=/bin/sh -c 'test ! -e %s'\n"
                                                  "HealthCheckIntervalSec=1s\n"
                                                  "HealthCheckRetries=2\n"
                                                  "HealthAction=restart\n",
                                                  flag);
        g_autoptr(ItestDaemon) d = start(config, _i);
        GVariant *ev;
        guint from = 0;

        ck_assert(wait_health(d, "api", "healthy"));
        ck_assert_uint_eq(itest_child_u64(d, "api", "Generation"), 0);
        ck_assert(g_file_set_contents(flag, "", 0, NULL));

        ev = itest_events_wait(d->events, "child_unhealthy", "api", &from, ITEST_TIMEOUT_SEC);
        ck_assert_ptr_nonnull(ev);
        /* The new incarnation's checks pass again: no second restart. */
        ck_assert_int_eq(g_unlink(flag), 0);
        ck_assert_str_eq(itest_event_str(ev, "decision"), "restart");
        ck_assert_str_eq(itest_event_str(ev, "exit_code"), "exited");
        ck_assert_ptr_nonnull(itest_events_wait_generation(d->events, "child_restart_fence_released", "api",
                                                           1, ITEST_TIMEOUT_SEC));
        ck_assert(wait_health(d, "api", "healthy"));
        ck_assert_uint_eq(itest_child_u64(d, "api", "Generation"), 1);
        ck_assert_uint_eq(child_u32(d, "api", "RestartCount"), 1);
        ck_assert_uint_eq(itest_events_count(d->events, "child_restart_fence_entered", "api"), 1);
        ck_assert_uint_eq(itest_events_count(d->events, "child_unhealthy", "api"), 1);
        (void) g_rmdir(dir);
}
END_TEST

/* A probe that hangs is killed at HealthCheckTimeoutSec=, with what it started in its process group,
 * and counts as a failure; it ran inside the child's scope. */
START_TEST(test_hanging_probe_killed)
{
        g_autofree char *dir = g_dir_make_tmp("steward-health-XXXXXX", NULL);
        g_autofree char *pids = g_build_filename(dir, "pids", NULL);
        g_autofree char *ready = g_build_filename(dir, "ready", NULL);
        g_autofree char *config = g_strdup_printf(
                "[Child api]\n"
                "ExecStart=/usr/bin/sleep 1000\n"
                "ExecHealthCheck=/bin/sh -c 'test -e %s && exit 0; echo $$ > %s; /bin/sleep 1000 & "
                "echo $! >> %s; touch %s; wait'\n"
                "HealthCheckIntervalSec=500ms\n"
                "HealthCheckTimeoutSec=1s\n"
                "HealthCheckRetries=1\n",
                ready, pids, pids, ready);
        g_autoptr(ItestDaemon) d = start(config, _i);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;
        pid_t shell, sleeper;
        GVariant *ev;

        /* Written once both run: the first probe hangs, every later one passes at once. */
        ck_assert(itest_wait_file(ready, ITEST_TIMEOUT_SEC));
        ck_assert(g_file_get_contents(pids, &text, NULL, NULL));
        lines = g_strsplit(text, "\n", -1);
        ck_assert_uint_ge(g_strv_length(lines), 2);
        shell = (pid_t) g_ascii_strtoll(lines[0], NULL, 10);
        sleeper = (pid_t) g_ascii_strtoll(lines[1], NULL, 10);
        ck_assert_int_gt(shell, 0);
        ck_assert_int_gt(sleeper, 0);
        if (_i == 0) {
                g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", (int) sleeper);
                g_autofree char *cgroup = NULL;

                /* Inside the child's scope, so the scope's limits and accounting cover it. */
                ck_assert(g_file_get_contents(path, &cgroup, NULL, NULL));
                ck_assert_msg(strstr(cgroup, "/steward-api-0.scope") != NULL, "probe in %s", cgroup);
        }

        ev = itest_events_wait(d->events, "child_unhealthy", "api", NULL, ITEST_TIMEOUT_SEC);
        ck_assert_ptr_nonnull(ev);
        ck_assert_str_eq(itest_event_str(ev, "error"), "timeout");
        ck_assert(wait_pid_dead(shell));
        ck_assert(wait_pid_dead(sleeper));
        /* Reported, not restarted (HealthAction=none); the next probe passes. */
        ck_assert(wait_health(d, "api", "healthy"));
        ck_assert_uint_eq(itest_child_u64(d, "api", "Generation"), 0);
        (void) g_unlink(pids);
        (void) g_unlink(ready);
        (void) g_rmdir(dir);
}
END_TEST

/* A child that stops sending WATCHDOG=1 becomes stale, and keeps running: same PID, no restart. */
START_TEST(test_heartbeat_stale)
{
        g_autofree char *child = itest_notify_child_path();
        g_autofree char *config = g_strdup_printf("[Child beat]\n"
                                                  "Type=notify\n"
                                                  "ExecStart=%s notify=READY=1 notify=WATCHDOG=1\n"
                                                  "HeartbeatSec=1s\n",
                                                  child);
        g_autoptr(ItestDaemon) d = start(config, _i);
        guint32 pid;

        ck_assert(wait_health(d, "beat", "healthy"));
        pid = child_u32(d, "beat", "MainPID");
        ck_assert_uint_gt(pid, 0);
        ck_assert(wait_health(d, "beat", "stale"));
        ck_assert_ptr_nonnull(itest_events_wait(d->events, "child_stale", "beat", NULL, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(child_u32(d, "beat", "MainPID"), pid);
        ck_assert_uint_eq(itest_child_u64(d, "beat", "Generation"), 0);
        {
                g_autoptr(GVariant) state = itest_child_property(d, "beat", "State");
                ck_assert_str_eq(g_variant_get_string(state, NULL), "ready");
        }
        ck_assert(!pid_dead((pid_t) pid));
}
END_TEST

/* Live restore: health is not saved, but an adopted child is checked again by the next stewardd. */
START_TEST(test_adopted_child_probed_again)
{
        g_autofree char *dir = g_dir_make_tmp("steward-health-XXXXXX", NULL);
        g_autofree char *flag = g_build_filename(dir, "fail", NULL);
        g_autofree char *config = g_strdup_printf("[Child api]\n"
                                                  "ExecStart=/usr/bin/sleep 1000\n"
                                                  "ExecHealthCheck=/bin/sh -c 'test ! -e %s'\n"
                                                  "HealthCheckIntervalSec=500ms\n"
                                                  "HealthCheckRetries=1\n",
                                                  flag);
        const char *args[] = { "--backend=scope", NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        guint32 pid;

        ck_assert(wait_health(d, "api", "healthy"));
        pid = child_u32(d, "api", "MainPID");
        itest_daemon_kill(d);
        ck_assert(g_file_set_contents(flag, "", 0, NULL));
        itest_daemon_restart(d);

        ck_assert_ptr_nonnull(itest_events_wait(d->events, "child_adopted", "api", NULL, ITEST_TIMEOUT_SEC));
        /* Only a check of the new stewardd can say so. */
        ck_assert(wait_health(d, "api", "unhealthy"));
        ck_assert_ptr_nonnull(
                itest_events_wait(d->events, "child_unhealthy", "api", NULL, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(child_u32(d, "api", "MainPID"), pid);
        ck_assert_uint_eq(itest_child_u64(d, "api", "Generation"), 0);
        ck_assert_int_eq(g_unlink(flag), 0);
        ck_assert(wait_health(d, "api", "healthy"));
        (void) g_rmdir(dir);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("health");
        TCase *tc = tcase_create("health");

        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_unhealthy_restarts_once, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(tc, test_hanging_probe_killed, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(tc, test_heartbeat_stale, 0, G_N_ELEMENTS(backends));
        tcase_add_test(tc, test_adopted_child_probed_again);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)
