/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sd-bus.c: an sd-bus connection run by the GLib main loop: calls answered and timed out, bursts
 * delivered whole, no wake-up while idle, the end told. */
#include "config.h"

#include <poll.h>
#include <sys/socket.h>
#include <systemd/sd-id128.h>

#include "steward-sd-bus.h"
#include "steward-test.h"

#define TEST_INTERFACE "org.steward.Test"
#define TEST_PATH "/org/steward/Test"
#define WAIT_SEC 10
#define BURST 200

/* Two ends of a socketpair, each run by the default main context. */
typedef struct {
        sd_bus *server;
        sd_bus *client;
        GSource *server_source;
        GSource *client_source;
} Pair;

/* The server answers Echo with its argument and leaves Ignore unanswered. */
static int
on_server_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *text;

        if (sd_bus_message_is_method_call(m, TEST_INTERFACE, "Ignore"))
                return 1; /* taken, never answered */
        if (!sd_bus_message_is_method_call(m, TEST_INTERFACE, "Echo"))
                return 0;
        ck_assert_int_ge(sd_bus_message_read(m, "s", &text), 0);
        return sd_bus_reply_method_return(m, "s", text);
}

static void
pair_init(Pair *p)
{
        int fds[2];
        sd_id128_t id;

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), 0);
        ck_assert_int_ge(sd_id128_randomize(&id), 0);
        ck_assert_int_ge(sd_bus_new(&p->server), 0);
        ck_assert_int_ge(sd_bus_set_fd(p->server, fds[0], fds[0]), 0);
        ck_assert_int_ge(sd_bus_set_server(p->server, 1, id), 0);
        ck_assert_int_ge(sd_bus_add_filter(p->server, NULL, on_server_message, NULL), 0);
        ck_assert_int_ge(sd_bus_start(p->server), 0);
        ck_assert_int_ge(sd_bus_new(&p->client), 0);
        ck_assert_int_ge(sd_bus_set_fd(p->client, fds[1], fds[1]), 0);
        ck_assert_int_ge(sd_bus_start(p->client), 0);
        p->server_source = steward_sd_bus_source_new(p->server);
        p->client_source = steward_sd_bus_source_new(p->client);
        g_source_attach(p->server_source, NULL);
        g_source_attach(p->client_source, NULL);
}

static void
pair_clear(Pair *p)
{
        g_source_destroy(p->server_source);
        g_source_unref(p->server_source);
        g_source_destroy(p->client_source);
        g_source_unref(p->client_source);
        p->server = sd_bus_flush_close_unref(p->server);
        p->client = sd_bus_flush_close_unref(p->client);
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

static gboolean
on_deadline(gpointer user_data)
{
        gboolean *expired = user_data;

        *expired = TRUE;
        return G_SOURCE_REMOVE;
}

/* Runs the default context until *@flag, or fails after WAIT_SEC. */
static void
wait_for(const gboolean *flag)
{
        gboolean expired = FALSE;
        guint deadline = g_timeout_add_seconds(WAIT_SEC, on_deadline, &expired);

        while (!*flag && !expired)
                g_main_context_iteration(NULL, TRUE);
        ck_assert_msg(*flag, "not within %d s", WAIT_SEC);
        g_source_remove(deadline);
}

typedef struct {
        gboolean done;
        char *text;
        char *error;
} Reply;

static int
on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Reply *r = userdata;
        const char *text;

        if (sd_bus_message_is_method_error(m, NULL))
                r->error = g_strdup(sd_bus_message_get_error(m)->name);
        else if (sd_bus_message_read(m, "s", &text) >= 0)
                r->text = g_strdup(text);
        r->done = TRUE;
        return 0;
}

static void
call(Pair *p, const char *method, guint64 timeout_usec, Reply *r)
{
        g_autoptr(sd_bus_message) m = NULL;

        ck_assert_int_ge(
                sd_bus_message_new_method_call(p->client, &m, NULL, TEST_PATH, TEST_INTERFACE, method), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "s", "hello"), 0);
        ck_assert_int_ge(sd_bus_call_async(p->client, NULL, m, on_reply, r, timeout_usec), 0);
}

START_TEST(test_call_answered)
{
        Pair p = { 0 };
        Reply r = { 0 };

        pair_init(&p);
        call(&p, "Echo", 0, &r);
        wait_for(&r.done);
        ck_assert_ptr_null(r.error);
        ck_assert_str_eq(r.text, "hello");
        g_free(r.text);
        pair_clear(&p);
}
END_TEST

/* The source wakes the loop up at the call's deadline, by itself. */
START_TEST(test_call_timed_out)
{
        Pair p = { 0 };
        Reply r = { 0 };

        pair_init(&p);
        call(&p, "Ignore", 50 * 1000, &r);
        wait_for(&r.done);
        ck_assert_str_eq(r.error, SD_BUS_ERROR_NO_REPLY);
        g_free(r.error);
        pair_clear(&p);
}
END_TEST

static gboolean
on_window_over(gpointer user_data)
{
        gboolean *over = user_data;

        *over = TRUE;
        return G_SOURCE_REMOVE;
}

/* Idle connections cost nothing: in a window of 200 ms with a call
 * answered before it, the loop wakes up once, for the window's end.
 * (Changing what a source polls for wakes its context up: done on every
 * prepare, it spun the loop.) */
START_TEST(test_idle_no_wakeup)
{
        Pair p = { 0 };
        Reply r = { 0 };
        gboolean over = FALSE;
        guint iterations = 0;

        pair_init(&p);
        call(&p, "Echo", 0, &r);
        wait_for(&r.done);
        g_free(r.text);
        while (g_main_context_iteration(NULL, FALSE))
                ;
        g_timeout_add(200, on_window_over, &over);
        while (!over) {
                g_main_context_iteration(NULL, TRUE);
                iterations++;
        }
        ck_assert_uint_eq(iterations, 1);
        pair_clear(&p);
}
END_TEST

static int
on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        guint *seen = userdata;

        (*seen)++;
        return 0;
}

/* More messages than one dispatch handles, sent at once, all arrive. */
START_TEST(test_burst_delivered)
{
        Pair p = { 0 };
        guint seen = 0;
        gboolean all = FALSE;

        pair_init(&p);
        ck_assert_int_ge(sd_bus_match_signal(p.client, NULL, NULL, TEST_PATH, TEST_INTERFACE, "Tick",
                                             on_signal, &seen),
                         0);
        for (guint i = 0; i < BURST; i++)
                ck_assert_int_ge(sd_bus_emit_signal(p.server, TEST_PATH, TEST_INTERFACE, "Tick", "u", i), 0);
        while (!all) {
                gboolean expired = FALSE;
                guint deadline = g_timeout_add_seconds(WAIT_SEC, on_deadline, &expired);

                g_main_context_iteration(NULL, TRUE);
                ck_assert_msg(!expired, "%u of %u signals", seen, BURST);
                g_source_remove(deadline);
                all = seen == BURST;
        }
        pair_clear(&p);
}
END_TEST

static int
on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        gboolean *closed = userdata;

        *closed = TRUE;
        return 0;
}

/* The peer's end: a call still out fails, then Disconnected comes, then
 * the source stops by itself. */
START_TEST(test_end_told)
{
        Pair p = { 0 };
        Reply r = { 0 };
        gboolean closed = FALSE;

        pair_init(&p);
        ck_assert_int_ge(sd_bus_match_signal(p.client, NULL, NULL, "/org/freedesktop/DBus/Local",
                                             "org.freedesktop.DBus.Local", "Disconnected", on_disconnected,
                                             &closed),
                         0);
        call(&p, "Ignore", 0, &r);
        /* Sent, and read by the server, before it goes. */
        while (sd_bus_get_events(p.client) & POLLOUT)
                g_main_context_iteration(NULL, TRUE);
        sd_bus_close(p.server);
        wait_for(&closed);
        ck_assert(r.done);
        ck_assert_str_eq(r.error, SD_BUS_ERROR_NO_REPLY);
        g_free(r.error);
        while (!g_source_is_destroyed(p.client_source))
                g_main_context_iteration(NULL, TRUE);
        pair_clear(&p);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("sd-bus");
        TCase *tc = tcase_create("source");

        tcase_add_test(tc, test_call_answered);
        tcase_add_test(tc, test_call_timed_out);
        tcase_add_test(tc, test_idle_no_wakeup);
        tcase_add_test(tc, test_burst_delivered);
        tcase_add_test(tc, test_end_told);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
