/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-cgroup.c: reading an incarnation's exit cause from its cgroup's counter files, and its end. */
#include "config.h"

#include "steward-cgroup.h"
#include "steward-test.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

/* memory.events and pids.events as the unified hierarchy writes them,
 * memory.oom_control as v1 does. */
START_TEST(test_counter)
{
        static const char memory_events[] = "low 0\nhigh 0\nmax 1423\noom 3\noom_kill 2\noom_group_kill 0\n";
        static const char pids_events[] = "max 7\n";
        static const char oom_control[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n";
        guint64 v = 99;

        ck_assert(steward_cgroup_counter(memory_events, "oom_kill", &v));
        ck_assert_uint_eq(v, 2);
        ck_assert(steward_cgroup_counter(memory_events, "max", &v));
        ck_assert_uint_eq(v, 1423);
        ck_assert(steward_cgroup_counter(memory_events, "oom", &v));
        ck_assert_uint_eq(v, 3);
        ck_assert(steward_cgroup_counter(pids_events, "max", &v));
        ck_assert_uint_eq(v, 7);
        /* oom_kill_disable is not oom_kill. */
        ck_assert(steward_cgroup_counter(oom_control, "oom_kill", &v));
        ck_assert_uint_eq(v, 1);
        ck_assert(!steward_cgroup_counter(pids_events, "oom_kill", &v));
        ck_assert(!steward_cgroup_counter("", "max", &v));
        ck_assert(!steward_cgroup_counter("max many\n", "max", &v));
        ck_assert(!steward_cgroup_counter("max", "max", &v));
}
END_TEST

/* cgroup.events as the unified hierarchy writes it. */
START_TEST(test_populated)
{
        gboolean populated = TRUE;

        ck_assert(steward_cgroup_populated("populated 0\nfrozen 0\n", &populated));
        ck_assert(!populated);
        ck_assert(steward_cgroup_populated("populated 1\nfrozen 0\n", &populated));
        ck_assert(populated);
        /* Nothing to go by: left as it was. */
        populated = FALSE;
        ck_assert(!steward_cgroup_populated("frozen 1\n", &populated));
        ck_assert(!steward_cgroup_populated("populated yes\n", &populated));
        ck_assert(!populated);
}
END_TEST

START_TEST(test_path_of)
{
        static const char unified[] = "0::/user.slice/user-0.slice/user@0.service/steward.slice/"
                                      "steward-api-3.scope\n";
        static const char hybrid[] = "9:name=systemd:/steward-harness-1/steward.slice/steward-api-3.scope\n"
                                     "8:pids:/steward.slice/steward-api-3.scope\n"
                                     "4:memory:/process_api/abc\n"
                                     "2:cpu,cpuacct:/\n"
                                     "0::/steward-harness-1/steward.slice/steward-api-3.scope\n";
        g_autofree char *u = steward_cgroup_path_of(unified, NULL);
        g_autofree char *none = steward_cgroup_path_of(unified, "memory");
        g_autofree char *h = steward_cgroup_path_of(hybrid, NULL);
        g_autofree char *pids = steward_cgroup_path_of(hybrid, "pids");
        g_autofree char *memory = steward_cgroup_path_of(hybrid, "memory");
        g_autofree char *cpu = steward_cgroup_path_of(hybrid, "cpuacct");
        g_autofree char *first = steward_cgroup_path_of(hybrid, "cpu");
        g_autofree char *part = steward_cgroup_path_of(hybrid, "acct");
        g_autofree char *last = steward_cgroup_path_of("1:name=systemd:/a\n0::/b/c.scope", NULL);

        ck_assert_str_eq(u, "/user.slice/user-0.slice/user@0.service/steward.slice/steward-api-3.scope");
        ck_assert_ptr_null(none);
        ck_assert_str_eq(h, "/steward-harness-1/steward.slice/steward-api-3.scope");
        ck_assert_str_eq(pids, "/steward.slice/steward-api-3.scope");
        ck_assert_str_eq(memory, "/process_api/abc");
        ck_assert_str_eq(cpu, "/");
        ck_assert_str_eq(first, "/");
        /* A name is a whole item of the list. */
        ck_assert_ptr_null(part);
        /* The last line needs no newline. */
        ck_assert_str_eq(last, "/b/c.scope");
        ck_assert_ptr_null(steward_cgroup_path_of("", NULL));
        ck_assert_ptr_null(steward_cgroup_path_of("0::relative\n", NULL));
        ck_assert_ptr_null(steward_cgroup_path_of("garbage\n::\n", "memory"));
}
END_TEST

/* An OOM kill names the end before a refused fork does; nothing counted, nothing named. */
START_TEST(test_exit_cause)
{
        ck_assert_int_eq(steward_cgroup_exit_cause(0, 0), STEWARD_EXIT_CAUSE_NONE);
        ck_assert_int_eq(steward_cgroup_exit_cause(1, 0), STEWARD_EXIT_CAUSE_OOM_KILL);
        ck_assert_int_eq(steward_cgroup_exit_cause(1, 5), STEWARD_EXIT_CAUSE_OOM_KILL);
        ck_assert_int_eq(steward_cgroup_exit_cause(0, 5), STEWARD_EXIT_CAUSE_TASKS_MAX);
        ck_assert_str_eq(steward_exit_cause_to_string(STEWARD_EXIT_CAUSE_OOM_KILL), "oom-kill");
        ck_assert_str_eq(steward_exit_cause_to_string(STEWARD_EXIT_CAUSE_TASKS_MAX), "tasks-max");
        ck_assert_str_eq(steward_exit_cause_to_string(STEWARD_EXIT_CAUSE_NONE), "");
}
END_TEST

/* A process outside any cgroup named for the unit has no counters to read:
 * this test's own process is in no steward scope. */
START_TEST(test_counters_elsewhere)
{
        char *dir = (char *) "untouched";

        ck_assert_ptr_null(steward_cgroup_counters_open(getpid(), "steward-nothing-1.scope", TRUE, NULL));
        ck_assert_ptr_null(steward_cgroup_counters_open(getpid(), "steward-nothing-1.scope", FALSE, &dir));
        ck_assert_ptr_null(dir);
        ck_assert_int_eq(steward_cgroup_counters_cause(NULL), STEWARD_EXIT_CAUSE_NONE);
}
END_TEST

static void
on_empty(gpointer user_data)
{
        (*(guint *) user_data)++;
}

/* Rewritten in place, as the kernel changes it: a rename would end the watch. */
static void
write_events(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        ck_assert_msg(f, "%s: %s", path, g_strerror(errno));
        ck_assert_int_ge(fputs(text, f), 0);
        ck_assert_int_eq(fclose(f), 0);
}

static void
dispatch_pending(void)
{
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

/* A cgroup's end read from its file ahead of the notification: the watch
 * ends there, and the notification that follows is no second end. The
 * same change without the read is told by the notification. */
START_TEST(test_empty_watch_check)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardCgroupEmptyWatch) w = steward_cgroup_empty_watch_new(&error);
        g_autofree char *dir = g_dir_make_tmp("steward-cgroup-XXXXXX", NULL);
        g_autofree char *events = g_build_filename(dir, "cgroup.events", NULL);
        guint fired = 0;
        int id;

        ck_assert_msg(w, "%s", error ? error->message : "");
        write_events(events, "populated 1\nfrozen 0\n");
        id = steward_cgroup_empty_watch_add(w, dir, on_empty, &fired);
        ck_assert_int_gt(id, 0);
        ck_assert(!steward_cgroup_empty_watch_check(w, id));
        write_events(events, "populated 0\nfrozen 0\n");
        ck_assert(steward_cgroup_empty_watch_check(w, id));
        ck_assert(!steward_cgroup_empty_watch_check(w, id));
        dispatch_pending();
        ck_assert_uint_eq(fired, 0);

        write_events(events, "populated 1\nfrozen 0\n");
        id = steward_cgroup_empty_watch_add(w, dir, on_empty, &fired);
        ck_assert_int_gt(id, 0);
        write_events(events, "populated 0\nfrozen 0\n");
        dispatch_pending();
        ck_assert_uint_eq(fired, 1);
        ck_assert(!steward_cgroup_empty_watch_check(w, id));

        ck_assert_int_eq(g_unlink(events), 0);
        ck_assert_int_eq(g_rmdir(dir), 0);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("cgroup");
        TCase *tc = tcase_create("cgroup");

        tcase_add_test(tc, test_counter);
        tcase_add_test(tc, test_populated);
        tcase_add_test(tc, test_path_of);
        tcase_add_test(tc, test_exit_cause);
        tcase_add_test(tc, test_counters_elsewhere);
        tcase_add_test(tc, test_empty_watch_check);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
