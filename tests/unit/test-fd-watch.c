/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-fd-watch.c: descriptors watched through one epoll set: level-triggered, removable from any callback,
 * by priority, in batches. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "steward-fd-watch.h"
#include "steward-test.h"

typedef struct {
        int fds[2];
        StewardFdWatch *watch;
        guint calls;
        GIOCondition last;
        gboolean drain; /* read a byte each call */
        gboolean keep;
        StewardFdWatch **remove_other; /* removed from inside this callback */
} Pipe;

static void
pipe_open(Pipe *p)
{
        ck_assert_int_eq(pipe2(p->fds, O_CLOEXEC | O_NONBLOCK), 0);
        p->keep = TRUE;
}

static void
pipe_close(Pipe *p)
{
        steward_fd_watch_remove(p->watch);
        p->watch = NULL;
        for (guint i = 0; i < 2; i++)
                if (p->fds[i] >= 0)
                        (void) close(p->fds[i]);
}

static gboolean
on_ready(int fd, GIOCondition condition, gpointer user_data)
{
        Pipe *p = user_data;
        char c;

        p->calls++;
        p->last = condition;
        if (p->drain)
                (void) !read(fd, &c, 1);
        if (p->remove_other && *p->remove_other) {
                steward_fd_watch_remove(*p->remove_other);
                *p->remove_other = NULL;
        }
        if (!p->keep)
                p->watch = NULL;
        return p->keep;
}

static void
iterate(guint n)
{
        for (guint i = 0; i < n; i++)
                (void) g_main_context_iteration(NULL, FALSE);
}

/* Level-triggered, as g_unix_fd_add(): called again while data waits, not
 * once the pipe is empty. */
START_TEST(test_level_triggered)
{
        Pipe p = { 0 };

        pipe_open(&p);
        p.drain = TRUE;
        p.watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, p.fds[0], G_IO_IN, on_ready, &p);
        ck_assert_ptr_nonnull(p.watch);
        iterate(3);
        ck_assert_uint_eq(p.calls, 0);
        ck_assert_int_eq(write(p.fds[1], "abc", 3), 3);
        iterate(10);
        ck_assert_uint_eq(p.calls, 3);
        ck_assert(p.last & G_IO_IN);
        pipe_close(&p);
}
END_TEST

/* G_SOURCE_REMOVE ends the watch: never called again, however ready;
 * the callback may also have removed its watch itself (_i 1). */
START_TEST(test_remove_by_return)
{
        Pipe p = { 0 };

        pipe_open(&p);
        p.keep = FALSE;
        p.watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, p.fds[0], G_IO_IN, on_ready, &p);
        if (_i == 1)
                p.remove_other = &p.watch;
        ck_assert_int_eq(write(p.fds[1], "abc", 3), 3);
        iterate(10);
        ck_assert_uint_eq(p.calls, 1);
        ck_assert_ptr_null(p.watch);
        pipe_close(&p);
}
END_TEST

/* A callback that removes a watch whose descriptor is ready in the same
 * batch: that one is not called, and nothing is used after it is freed
 * (the sanitizers run this suite). */
START_TEST(test_remove_other_in_batch)
{
        Pipe a = { 0 }, b = { 0 };

        pipe_open(&a);
        pipe_open(&b);
        a.watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, a.fds[0], G_IO_IN, on_ready, &a);
        b.watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, b.fds[0], G_IO_IN, on_ready, &b);
        a.remove_other = &b.watch;
        b.remove_other = &a.watch;
        a.drain = b.drain = TRUE;
        ck_assert_int_eq(write(a.fds[1], "x", 1), 1);
        ck_assert_int_eq(write(b.fds[1], "x", 1), 1);
        iterate(5);
        /* Whichever came first removed the other before its turn. */
        ck_assert_uint_eq(a.calls + b.calls, 1);
        ck_assert(!a.watch != !b.watch);
        pipe_close(&a);
        pipe_close(&b);
}
END_TEST

/* The writer gone: G_IO_HUP comes without being asked for. */
START_TEST(test_hangup_reported)
{
        Pipe p = { 0 };

        pipe_open(&p);
        p.keep = FALSE;
        p.watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, p.fds[0], G_IO_IN, on_ready, &p);
        (void) close(p.fds[1]);
        p.fds[1] = -1;
        iterate(5);
        ck_assert_uint_eq(p.calls, 1);
        ck_assert(p.last & G_IO_HUP);
        pipe_close(&p);
}
END_TEST

/* Sets by priority: with both ready, the higher one's watches run first,
 * alone in that iteration, as GLib's sources would. */
START_TEST(test_priorities)
{
        Pipe high = { 0 }, low = { 0 };

        pipe_open(&high);
        pipe_open(&low);
        high.keep = low.keep = FALSE;
        low.watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, low.fds[0], G_IO_IN, on_ready, &low);
        high.watch = steward_fd_watch_add(G_PRIORITY_HIGH, high.fds[0], G_IO_IN, on_ready, &high);
        ck_assert_int_eq(write(low.fds[1], "x", 1), 1);
        ck_assert_int_eq(write(high.fds[1], "x", 1), 1);
        (void) g_main_context_iteration(NULL, FALSE);
        ck_assert_uint_eq(high.calls, 1);
        ck_assert_uint_eq(low.calls, 0);
        iterate(5);
        ck_assert_uint_eq(low.calls, 1);
        pipe_close(&high);
        pipe_close(&low);
}
END_TEST

/* More ready at once than one dispatch takes: every one is called, over
 * several iterations, each once. */
#define MANY 300

START_TEST(test_more_than_a_batch)
{
        g_autofree Pipe *pipes = g_new0(Pipe, MANY);
        guint called = 0;

        for (guint i = 0; i < MANY; i++) {
                pipe_open(&pipes[i]);
                pipes[i].keep = FALSE;
                pipes[i].watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, pipes[i].fds[0], G_IO_IN, on_ready,
                                                      &pipes[i]);
                ck_assert_int_eq(write(pipes[i].fds[1], "x", 1), 1);
        }
        iterate(MANY);
        for (guint i = 0; i < MANY; i++) {
                ck_assert_uint_eq(pipes[i].calls, 1);
                called += pipes[i].calls;
                pipe_close(&pipes[i]);
        }
        ck_assert_uint_eq(called, MANY);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("fd-watch");
        TCase *tc = tcase_create("fd-watch");

        tcase_add_test(tc, test_level_triggered);
        tcase_add_loop_test(tc, test_remove_by_return, 0, 2);
        tcase_add_test(tc, test_remove_other_in_batch);
        tcase_add_test(tc, test_hangup_reported);
        tcase_add_test(tc, test_priorities);
        tcase_add_test(tc, test_more_than_a_batch);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
