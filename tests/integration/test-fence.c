/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-fence.c: the restart fence's reference scenarios through the real stewardd and bus: cancel, shutdown,
 * policy conflicts and a spawn that fails behind the fence. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

/* Loop index of the tests run on both backends. */
static const char *const backends[] = { "--backend=scope", "--backend=process" };

static ItestDaemon *
start(const char *config, int backend)
{
        const char *args[] = { backends[backend], NULL };

        return itest_daemon_start(config, args);
}

/* The events of @kind about @child that carry command @id. */
static guint
count_with_command(ItestDaemon *d, const char *kind, const char *child, const char *id)
{
        guint n = 0;

        for (guint i = 0; i < d->events->events->len; i++) {
                GVariant *ev = g_ptr_array_index(d->events->events, i);
                const char *k, *c;

                g_variant_get(ev, "(t&s&sta{sv})", NULL, &k, &c, NULL, NULL);
                if (g_str_equal(k, kind) && g_str_equal(c, child) &&
                    g_strcmp0(itest_event_str(ev, "command_id"), id) == 0)
                        n++;
        }
        return n;
}

/* Waits for an event of @kind that carries command @id. */
static GVariant *
wait_with_command(ItestDaemon *d, const char *kind, const char *id)
{
        guint from = 0;
        GVariant *ev;

        while ((ev = itest_events_wait(d->events, kind, NULL, &from, ITEST_TIMEOUT_SEC)))
                if (g_strcmp0(itest_event_str(ev, "command_id"), id) == 0)
                        return ev;
        return NULL;
}

/* (a) StopChild while a RestartChild waits at the fence for the old
 * incarnation to drain: the stop supersedes the restart, and no second
 * incarnation is ever spawned. */
START_TEST(test_stop_cancels_fenced_restart)
{
        g_autofree char *dir = g_dir_make_tmp("steward-fence-XXXXXX", NULL);
        g_autofree char *config = itest_overlap_probe_config(dir, "3s");
        g_autoptr(ItestDaemon) d = start(config, 0);
        g_autoptr(GVariant) restart = NULL;
        g_autoptr(GVariant) stop = NULL;
        GVariant *ev;

        ck_assert(itest_wait_state(d, "api", "running"));
        restart = itest_child_command(d, "RestartChild", "api", "deploy");
        ck_assert_str_eq(itest_outcome_str(restart, "decision"), "queued_after_stop");
        ck_assert(itest_outcome_bool(restart, "cancel_delivered"));
        /* The old incarnation ignores SIGTERM for TimeoutStopSec=3s: still fenced. */
        stop = itest_child_command(d, "StopChild", "api", "cancel");
        ck_assert_str_eq(itest_outcome_str(stop, "decision"), "stop_delivered");
        ck_assert_str_eq(itest_outcome_str(stop, "state"), "stopping");

        ev = itest_events_wait(d->events, "child_stopped", "api", NULL, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        ck_assert_str_eq(itest_event_str(ev, "decision"), "stop");
        ck_assert_str_eq(itest_event_str(ev, "command_id"), itest_outcome_str(stop, "command_id"));
        ck_assert(itest_wait_state(d, "api", "stopped"));
        /* One incarnation in all; the restart's fence never opened. */
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "api"), 1);
        ck_assert_uint_eq(itest_events_count(d->events, "child_restart_fence_released", "api"), 0);
        ck_assert_uint_eq(itest_child_u64(d, "api", "Generation"), 0);
        ck_assert_uint_eq(itest_child_u64(d, "api", "Attempt"), 1);
}
END_TEST

/* (c) RestartChild while ShutdownTree stops the tree: blocked, answered,
 * and nothing is started. The child outlives its stop for a while, so the
 * call always lands while the tree is stopping. */
START_TEST(test_restart_blocked_during_shutdown)
{
        g_autofree char *dir = g_dir_make_tmp("steward-fence-XXXXXX", NULL);
        g_autofree char *config = itest_overlap_probe_config(dir, "3s");
        g_autoptr(ItestDaemon) d = start(config, 0);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) shutdown = NULL;
        g_autoptr(GVariant) restart = NULL;
        GVariant *ev;

        ck_assert(itest_wait_state(d, "api", "running"));
        reply = itest_manager_call(d, "ShutdownTree", g_variant_new("(s)", "maintenance"), "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &shutdown);
        ck_assert_str_eq(itest_outcome_str(shutdown, "decision"), "shutdown_started");

        restart = itest_child_command(d, "RestartChild", "api", "too late");
        ck_assert_str_eq(itest_outcome_str(restart, "decision"), "blocked_by_shutdown");
        ck_assert_str_eq(itest_outcome_str(restart, "state"), "stopping");
        ck_assert(!itest_outcome_bool(restart, "cancel_delivered"));
        /* The refused command is on record under its own id. */
        ev = wait_with_command(d, "command_completed", itest_outcome_str(restart, "command_id"));
        ck_assert(ev);
        ck_assert_str_eq(itest_event_str(ev, "decision"), "blocked_by_shutdown");

        ck_assert(itest_events_wait(d->events, "tree_shutdown_completed", NULL, NULL, ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(itest_daemon_wait(d, ITEST_TIMEOUT_SEC), 0);
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "api"), 1);
        ck_assert_uint_eq(itest_events_count(d->events, "child_restart_fence_entered", "api"), 0);
}
END_TEST

/* (d) The main process failed and the restart policy has decided on a
 * restart, but what it left behind still runs; a RestartChild now takes
 * over: the automatic restart gives way (child_restart_conflict,
 * runtime_policy, under the command's id) and the one restart that
 * follows is the command's, without a backoff. */
START_TEST(test_command_supersedes_policy_restart)
{
        g_autofree char *dir = g_dir_make_tmp("steward-fence-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(dir, "crash", NULL);
        g_autofree char *trapped = g_build_filename(dir, "trapped", NULL);
        g_autofree char *config = NULL;
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GVariant) restart = NULL;
        const char *id;
        guint from = 0;
        GVariant *ev;

        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        /* The main process fails once told to; its grandchild ignores
         * SIGTERM and holds the scope for TimeoutStopSec=. The crash waits
         * until the grandchild's trap is set: on a loaded machine the stop
         * of the leftovers could otherwise come first and end it, and the
         * restart find the scope empty. */
        config = g_strdup_printf("[Child api]\n"
                                 "ExecStart=/bin/sh -c '(trap \"\" TERM; : > %s; exec sleep 1000) & "
                                 "read x < %s; exit 3'\n"
                                 "TimeoutStopSec=5s\n"
                                 "RestartSec=1min\n",
                                 trapped, fifo);
        d = start(config, 0);
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_file(trapped, ITEST_TIMEOUT_SEC));
        itest_fifo_write(fifo, "crash\n");
        ev = itest_events_wait(d->events, "child_exited", "api", &from, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        ck_assert_str_eq(itest_event_str(ev, "decision"), "failure");

        restart = itest_child_command(d, "RestartChild", "api", "take over");
        ck_assert_str_eq(itest_outcome_str(restart, "decision"), "queued_after_stop");
        /* The leftovers' stop was already on its way. */
        ck_assert(!itest_outcome_bool(restart, "cancel_delivered"));
        ck_assert_str_eq(itest_outcome_str(restart, "state"), "stopping");
        id = itest_outcome_str(restart, "command_id");

        ev = itest_events_wait(d->events, "child_restart_conflict", "api", &from, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        ck_assert_str_eq(itest_event_str(ev, "decision"), "runtime_policy");
        ck_assert_str_eq(itest_event_str(ev, "command_id"), id);

        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_uint_eq(count_with_command(d, "child_restarting", "api", id), 1);
        ck_assert_uint_eq(count_with_command(d, "child_restart_fence_released", "api", id), 1);
        /* The policy's own restart never came: no backoff, one restart. */
        ck_assert_uint_eq(itest_events_count(d->events, "child_backoff_scheduled", "api"), 0);
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "api"), 2);
        ck_assert_uint_eq(itest_child_u64(d, "api", "Attempt"), 2);
}
END_TEST

/* A child "app" whose ExecStart= is an executable script in @dir. */
static char *
app_config(const char *dir, const char *restart_sec)
{
        return g_strdup_printf("[Child app]\n"
                               "ExecStart=%s/app 1000\n"
                               "RestartSec=%s\n",
                               dir, restart_sec);
}

/* Puts the executable in place in one rename: no spawn sees half of it.
 * A link to sleep, not a script: the shell opens a script again by its
 * path after the exec, so removing it could fail a child that was
 * already reported running. */
static void
app_install(const char *dir)
{
        g_autofree char *tmp = g_build_filename(dir, "app.new", NULL);
        g_autofree char *path = g_build_filename(dir, "app", NULL);

        ck_assert_int_eq(symlink("/bin/sleep", tmp), 0);
        ck_assert_int_eq(g_rename(tmp, path), 0);
}

/* (e) The executable vanished while generation 0 ran; a RestartChild stops
 * it, and the fenced spawn fails. Nothing ran, so Generation and Attempt
 * stay 0 and 1, the fence is not released, the last exit is still
 * generation 0's, and the failure is on the child. */
START_TEST(test_fenced_spawn_failure)
{
        g_autofree char *dir = g_dir_make_tmp("steward-fence-XXXXXX", NULL);
        g_autofree char *config = app_config(dir, "1min");
        g_autofree char *path = g_build_filename(dir, "app", NULL);
        g_autofree char *expected = g_strdup_printf("exec '%s': No such file or directory", path);
        g_autofree char *exit_code = NULL;
        g_autofree char *state = NULL;
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GVariant) restart = NULL;
        g_autoptr(GVariant) exit_status = NULL;
        g_autoptr(GVariant) status_after = NULL;
        g_autofree char *exit_code_after = NULL;
        guint from = 0;
        GVariant *ev;

        app_install(dir);
        d = start(config, _i);
        ck_assert(itest_wait_state(d, "app", "running"));
        ck_assert_int_eq(g_unlink(path), 0);

        restart = itest_child_command(d, "RestartChild", "app", "deploy");
        ck_assert_str_eq(itest_outcome_str(restart, "decision"), "queued_after_stop");
        ev = itest_events_wait(d->events, "child_exited", "app", &from, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        ck_assert(itest_events_wait(d->events, "child_control_stop_completed", "app", &from,
                                    ITEST_TIMEOUT_SEC));
        exit_code = itest_child_str(d, "app", "LastExitCode");
        exit_status = itest_child_property(d, "app", "LastExitStatus");

        ev = itest_events_wait(d->events, "child_spawn_failed", "app", &from, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        ck_assert_str_eq(itest_event_str(ev, "error"), expected);
        ck_assert_str_eq(itest_event_str(ev, "command_id"), itest_outcome_str(restart, "command_id"));
        ck_assert(itest_child_wait_property(d, "app", "LastSpawnError", g_variant_new_string(expected),
                                            ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(itest_child_u64(d, "app", "Generation"), 0);
        ck_assert_uint_eq(itest_child_u64(d, "app", "Attempt"), 1);
        exit_code_after = itest_child_str(d, "app", "LastExitCode");
        status_after = itest_child_property(d, "app", "LastExitStatus");
        ck_assert_str_eq(exit_code_after, exit_code);
        ck_assert(g_variant_equal(status_after, exit_status));
        state = itest_child_str(d, "app", "State");
        ck_assert_str_eq(state, "backoff");
        ck_assert_uint_eq(itest_events_count(d->events, "child_restart_fence_released", "app"), 0);
        ck_assert_uint_eq(itest_events_count(d->events, "child_started", "app"), 1);
}
END_TEST

/* (f) Spawns keep failing until the executable is back; then the child
 * runs as generation 1: however many spawns failed, the generation moved
 * by exactly one, and the failure is cleared. */
START_TEST(test_spawn_failure_recovers)
{
        g_autofree char *dir = g_dir_make_tmp("steward-fence-XXXXXX", NULL);
        g_autofree char *config = app_config(dir, "200ms");
        g_autofree char *path = g_build_filename(dir, "app", NULL);
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GVariant) restart = NULL;
        g_autofree char *spawn_error = NULL;
        GVariant *ev;

        app_install(dir);
        d = start(config, _i);
        ck_assert(itest_wait_state(d, "app", "running"));
        ck_assert_int_eq(g_unlink(path), 0);
        restart = itest_child_command(d, "RestartChild", "app", "deploy");
        ck_assert_str_eq(itest_outcome_str(restart, "decision"), "queued_after_stop");
        ck_assert(itest_events_wait(d->events, "child_spawn_failed", "app", NULL, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(itest_child_u64(d, "app", "Generation"), 0);

        app_install(dir);
        ck_assert(itest_child_wait_property(d, "app", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "app", "running"));
        ck_assert_uint_eq(itest_child_u64(d, "app", "Attempt"), 2);
        spawn_error = itest_child_str(d, "app", "LastSpawnError");
        ck_assert_str_eq(spawn_error, "");
        ev = itest_events_wait_generation(d->events, "child_started", "app", 1, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        /* Every failed spawn named the generation it would have had. */
        for (guint i = 0; i < d->events->events->len; i++) {
                GVariant *e = g_ptr_array_index(d->events->events, i);
                const char *kind;
                guint64 generation;

                g_variant_get(e, "(t&s&sta{sv})", NULL, &kind, NULL, &generation, NULL);
                if (g_str_equal(kind, "child_spawn_failed") || g_str_equal(kind, "child_started"))
                        ck_assert_uint_le(generation, 1);
        }
        ck_assert_uint_eq(itest_events_count(d->events, "child_started", "app"), 2);
}
END_TEST

/* The old incarnation's end is the kernel's word that its cgroup is
 * empty, not the manager's report that the scope is inactive: with the
 * manager stopped, a crash is followed by the next spawn all the same.
 * Its scope then waits for the manager, and the fence held throughout. */
START_TEST(test_fence_released_by_empty_cgroup)
{
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autoptr(ItestDaemon) d = start("[Child api]\nExecStart=/bin/sleep 1000\nRestartSec=0\n", 0);
        g_autoptr(GDBusConnection) bus = itest_bus();
        g_autoptr(GVariant) pid = NULL;
        GPid manager = itest_name_pid(bus, "org.freedesktop.systemd1");
        GVariant *ev;

        ck_assert_int_gt(manager, 0);
        ck_assert(itest_wait_state(d, "api", "running"));
        pid = itest_child_property(d, "api", "MainPID");
        ck_assert_int_eq(kill(manager, SIGSTOP), 0);
        ck_assert_int_eq(kill((pid_t) g_variant_get_uint32(pid), SIGKILL), 0);
        ev = itest_events_wait_generation(d->events, "child_starting", "api", 1, ITEST_TIMEOUT_SEC);
        ck_assert_int_eq(kill(manager, SIGCONT), 0);
        ck_assert_msg(ev, "no spawn before the manager could tell the scope's end");
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        itest_scope_watch_assert_none(w);
}
END_TEST

/* The watch the fence tests rest on can fail: a second scope of a child
 * created while the first has a process is an overlap, one created after
 * the first ended is not. */
START_TEST(test_scope_watch_sees_overlap)
{
        static const char expected[] =
                "watched: steward-watched-1.scope created while steward-watched-0.scope had a process\n";
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autofree char *overlaps = NULL;
        GPid first, second, third;

        first = itest_scope_hold("steward-watched-0.scope");
        second = itest_scope_hold("steward-watched-1.scope");
        ck_assert(itest_scope_watch_wait_seen(w, "steward-watched-1.scope", ITEST_TIMEOUT_SEC));
        overlaps = itest_scope_watch_overlaps(w);
        ck_assert_str_eq(overlaps, expected);

        itest_scope_release(first);
        itest_scope_release(second);
        ck_assert(itest_scope_watch_wait_gone(w, "steward-watched-0.scope", ITEST_TIMEOUT_SEC));
        ck_assert(itest_scope_watch_wait_gone(w, "steward-watched-1.scope", ITEST_TIMEOUT_SEC));
        third = itest_scope_hold("steward-watched-2.scope");
        ck_assert(itest_scope_watch_wait_seen(w, "steward-watched-2.scope", ITEST_TIMEOUT_SEC));
        g_free(overlaps);
        overlaps = itest_scope_watch_overlaps(w);
        ck_assert_str_eq(overlaps, expected);
        itest_scope_release(third);
}
END_TEST

/* Starts "api" as itest_overlap_probe_config() makes it (its grandchild
 * outlives a crash), with the cgroup watch or without (@watch_cgroups),
 * waits for the grandchild, lets @between run, and kills the main process:
 * generation 1 comes, and never beside generation 0. */
static void
crash_behind_fence(gboolean watch_cgroups, const char *connection, void (*between)(void))
{
        const char *args[] = { "--backend=scope", connection, NULL };
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autofree char *files = g_dir_make_tmp("steward-fence-XXXXXX", NULL);
        g_autofree char *result = g_build_filename(files, "result", NULL);
        g_autofree char *grandchild = g_build_filename(files, "grandchild", NULL);
        g_autofree char *config = itest_overlap_probe_config(files, "2s");
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GVariant) pid = NULL;

        if (!watch_cgroups)
                g_setenv("STEWARD_CGROUP_WATCH", "0", TRUE);
        d = itest_daemon_start(config, args);
        g_unsetenv("STEWARD_CGROUP_WATCH");
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_file(grandchild, ITEST_TIMEOUT_SEC));
        if (between)
                between();
        pid = itest_child_property(d, "api", "MainPID");
        ck_assert_int_eq(kill((pid_t) g_variant_get_uint32(pid), SIGKILL), 0);
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_msg(!g_file_test(result, G_FILE_TEST_EXISTS), "generation 1 started beside generation 0");
        itest_scope_watch_assert_none(w);
        (void) g_unlink(result);
        (void) g_unlink(grandchild);
        (void) g_rmdir(files);
}

/* A daemon-reexec of the service manager sends UnitRemoved for every
 * unit, live scopes included, and loads them again: that is no end of an
 * incarnation. A crash after it still waits behind the fence for what
 * the crashed main process left in its scope. */
START_TEST(test_fence_survives_manager_reexec)
{
        crash_behind_fence(TRUE, NULL, itest_manager_reexec);
}
END_TEST

/* Where stewardd cannot watch cgroups (no unified hierarchy, no inotify
 * watch left), the old incarnation's end is the manager's report that
 * its scope is inactive, which comes only once every process of it is
 * gone: a grandchild that outlives the crashed main process still holds
 * the next incarnation back. On the private socket the manager sends
 * every signal; on the bus only what stewardd's match rules ask for. */
static const char *const connections[] = { NULL, "--manager-connection=bus" };

START_TEST(test_fence_on_manager_reports)
{
        crash_behind_fence(FALSE, connections[_i], NULL);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("fence");
        TCase *commands = tcase_create("commands");
        TCase *spawn = tcase_create("spawn");
        TCase *manager;

        tcase_set_timeout(commands, 3 * ITEST_TIMEOUT_SEC);
        tcase_add_test(commands, test_stop_cancels_fenced_restart);
        tcase_add_test(commands, test_restart_blocked_during_shutdown);
        tcase_add_test(commands, test_command_supersedes_policy_restart);
        suite_add_tcase(s, commands);

        tcase_set_timeout(spawn, 3 * ITEST_TIMEOUT_SEC);
        tcase_add_loop_test(spawn, test_fenced_spawn_failure, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(spawn, test_spawn_failure_recovers, 0, G_N_ELEMENTS(backends));
        suite_add_tcase(s, spawn);

        manager = tcase_create("manager");
        tcase_set_timeout(manager, 3 * ITEST_TIMEOUT_SEC);
        tcase_add_test(manager, test_fence_survives_manager_reexec);
        tcase_add_test(manager, test_fence_released_by_empty_cgroup);
        tcase_add_test(manager, test_scope_watch_sees_overlap);
        tcase_add_loop_test(manager, test_fence_on_manager_reports, 0, G_N_ELEMENTS(connections));
        suite_add_tcase(s, manager);
        return s;
}

ITEST_MAIN(make_suite)
