/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-notify.c: unit tests of the sd_notify parser and of what the listener refuses. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "steward-notify.h"
#include "steward-test.h"

static gboolean
parse(const char *s, StewardNotifyMessage *msg, GError **error)
{
        return steward_notify_parse(s, strlen(s), msg, error);
}

START_TEST(test_parse_keys)
{
        g_auto(StewardNotifyMessage) m = { 0 };
        g_autoptr(GError) error = NULL;

        ck_assert(parse("READY=1\nSTATUS=serving 3 clients\nWATCHDOG=1\nWATCHDOG_USEC=2000000\n"
                        "STOPPING=1\nRELOADING=1\nEXTEND_TIMEOUT_USEC=5000000\nMAINPID=4242\nERRNO=2\n",
                        &m, &error));
        ck_assert_uint_eq(m.fields, STEWARD_NOTIFY_READY | STEWARD_NOTIFY_STATUS | STEWARD_NOTIFY_WATCHDOG |
                                            STEWARD_NOTIFY_WATCHDOG_USEC | STEWARD_NOTIFY_STOPPING |
                                            STEWARD_NOTIFY_RELOADING | STEWARD_NOTIFY_EXTEND_TIMEOUT |
                                            STEWARD_NOTIFY_MAINPID | STEWARD_NOTIFY_ERRNO);
        ck_assert_str_eq(m.status, "serving 3 clients");
        ck_assert_uint_eq(m.watchdog_usec, 2000000);
        ck_assert_uint_eq(m.extend_timeout_usec, 5000000);
        ck_assert_int_eq(m.main_pid, 4242);
        ck_assert_int_eq(m.errno_value, 2);
}
END_TEST

START_TEST(test_parse_as_systemd)
{
        g_auto(StewardNotifyMessage) m = { 0 };
        g_autoptr(GError) error = NULL;

        /* No trailing newline; the first occurrence counts; unknown keys
         * and values that are not "1" do nothing. */
        ck_assert(parse("STATUS=first\nSTATUS=second\nREADY=2\nX_FOO=bar\nFDSTORE=1\nWATCHDOG=trigger", &m,
                        &error));
        ck_assert_uint_eq(m.fields, STEWARD_NOTIFY_STATUS | STEWARD_NOTIFY_WATCHDOG_TRIGGER);
        ck_assert_str_eq(m.status, "first");
        steward_notify_message_clear(&m);

        /* A known key with an unusable value is ignored, not the message. */
        ck_assert(parse("READY=1\nMAINPID=0\nWATCHDOG_USEC=-5\nEXTEND_TIMEOUT_USEC=1s\nERRNO=x\nMAINPID=abc",
                        &m, &error));
        ck_assert_uint_eq(m.fields, STEWARD_NOTIFY_READY);
        steward_notify_message_clear(&m);

        /* An empty STATUS= clears the text; an empty payload says nothing. */
        ck_assert(parse("STATUS=\n", &m, &error));
        ck_assert_uint_eq(m.fields, STEWARD_NOTIFY_STATUS);
        ck_assert_str_eq(m.status, "");
        steward_notify_message_clear(&m);
        ck_assert(steward_notify_parse("", 0, &m, &error));
        ck_assert_uint_eq(m.fields, 0);
        /* Values may hold '=' and UTF-8. */
        ck_assert(parse("STATUS=a=b – ok\n\n", &m, &error));
        ck_assert_str_eq(m.status, "a=b – ok");
}
END_TEST

START_TEST(test_parse_refuses)
{
        static const struct {
                const char *data;
                gsize len;
        } bad[] = {
                { "READY=1\0STATUS=x", 16 }, /* NUL */
                { "STATUS=\xff\xfe\n", 10 }, /* not UTF-8 */
                { "STATUS=\xc3", 8 }, /* truncated UTF-8 */
                { "READY=1\nhello\n", 14 }, /* not KEY=VALUE */
                { "=1\n", 3 }, /* empty key */
                { "READY =1", 8 }, /* not a key */
                { "R\xc3\xa9=1", 5 }, /* not a key either */
        };
        g_autofree char *big = g_malloc(STEWARD_NOTIFY_PAYLOAD_MAX + 1);
        g_auto(StewardNotifyMessage) m = { 0 };

        for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) error = NULL;

                ck_assert_msg(!steward_notify_parse(bad[i].data, bad[i].len, &m, &error), "case %u parsed",
                              i);
                ck_assert_msg(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS),
                              "case %u: %s", i, error->message);
                ck_assert_uint_eq(m.fields, 0);
        }

        /* Exactly the limit is fine, one byte more is not. */
        memset(big, 'x', STEWARD_NOTIFY_PAYLOAD_MAX + 1);
        memcpy(big, "STATUS=", 7);
        ck_assert(steward_notify_parse(big, STEWARD_NOTIFY_PAYLOAD_MAX, &m, NULL));
        ck_assert_uint_eq(strlen(m.status), STEWARD_NOTIFY_PAYLOAD_MAX - 7);
        steward_notify_message_clear(&m);
        {
                g_autoptr(GError) error = NULL;
                ck_assert(!steward_notify_parse(big, STEWARD_NOTIFY_PAYLOAD_MAX + 1, &m, &error));
                ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        }
}
END_TEST

/* ---- the listener, over a real socket ---- */

typedef struct {
        guint calls;
        pid_t pid;
        guint fields;
        gboolean accept;
} Seen;

static gboolean
on_message(pid_t pid, uid_t uid, const StewardNotifyMessage *msg, gpointer user_data)
{
        Seen *s = user_data;

        s->calls++;
        s->pid = pid;
        s->fields = msg->fields;
        return s->accept;
}

static gboolean
on_timeout(gpointer user_data)
{
        *(gboolean *) user_data = TRUE;
        return G_SOURCE_REMOVE;
}

/* Runs the main loop until the listener has handled @n more datagrams
 * (delivered or dropped), within a bound. */
static void
pump(StewardNotifyListener *l, Seen *s, guint n)
{
        guint64 target = steward_notify_listener_get_dropped(l) + s->calls + n;
        gboolean expired = FALSE;
        guint id = g_timeout_add_seconds(10, on_timeout, &expired);

        while (steward_notify_listener_get_dropped(l) + s->calls < target && !expired)
                g_main_context_iteration(NULL, TRUE);
        ck_assert(!expired);
        g_source_remove(id);
}

static int
client(StewardNotifyListener *l, struct sockaddr_un *sa, socklen_t *salen)
{
        const char *address = steward_notify_listener_get_address(l);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert(address[0] == '@');
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        memcpy(sa->sun_path + 1, address + 1, strlen(address) - 1);
        *salen = offsetof(struct sockaddr_un, sun_path) + strlen(address);
        return fd;
}

static void
send_payload(int fd, struct sockaddr_un *sa, socklen_t salen, const void *data, gsize len, int pass_fd)
{
        union {
                struct cmsghdr align;
                char space[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
        struct msghdr mh = { .msg_name = sa, .msg_namelen = salen, .msg_iov = &iov, .msg_iovlen = 1 };

        if (pass_fd >= 0) {
                struct cmsghdr *c;

                memset(&control, 0, sizeof(control));
                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        ck_assert_int_eq(sendmsg(fd, &mh, 0), (ssize_t) len);
}

START_TEST(test_listener)
{
        Seen seen = { .accept = TRUE };
        g_autoptr(StewardNotifyListener) l = steward_notify_listener_new(on_message, &seen, NULL);
        g_autofree char *big = g_malloc0(STEWARD_NOTIFY_PAYLOAD_MAX + 100);
        struct sockaddr_un sa;
        socklen_t salen;
        int fd, pipefd[2];
        char c;

        ck_assert(l);
        ck_assert(g_str_has_prefix(steward_notify_listener_get_address(l), "@steward/notify/"));
        fd = client(l, &sa, &salen);

        /* Delivered, with the PID the kernel vouches for. */
        send_payload(fd, &sa, salen, "READY=1\nSTATUS=up", 17, -1);
        pump(l, &seen, 1);
        ck_assert_uint_eq(seen.calls, 1);
        ck_assert_int_eq(seen.pid, getpid());
        ck_assert_uint_eq(seen.fields, STEWARD_NOTIFY_READY | STEWARD_NOTIFY_STATUS);

        /* Passed descriptors are closed unread and the message refused:
         * the pipe reads EOF once the listener's copy is gone. */
        ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
        send_payload(fd, &sa, salen, "READY=1", 7, pipefd[1]);
        (void) close(pipefd[1]);
        pump(l, &seen, 1);
        ck_assert_uint_eq(seen.calls, 1);
        ck_assert_uint_eq(steward_notify_listener_get_dropped(l), 1);
        ck_assert_int_eq(read(pipefd[0], &c, 1), 0);
        (void) close(pipefd[0]);

        /* Oversized and malformed datagrams are refused. */
        memcpy(big, "STATUS=", 7);
        memset(big + 7, 'x', STEWARD_NOTIFY_PAYLOAD_MAX + 50);
        send_payload(fd, &sa, salen, big, STEWARD_NOTIFY_PAYLOAD_MAX + 57, -1);
        send_payload(fd, &sa, salen, "READY=1\n\xff", 9, -1);
        pump(l, &seen, 2);
        ck_assert_uint_eq(seen.calls, 1);
        ck_assert_uint_eq(steward_notify_listener_get_dropped(l), 3);

        /* A sender the caller does not know is dropped, and counted. */
        seen.accept = FALSE;
        send_payload(fd, &sa, salen, "READY=1", 7, -1);
        pump(l, &seen, 1);
        ck_assert_uint_eq(seen.calls, 2);
        ck_assert_uint_eq(steward_notify_listener_get_dropped(l), 4);
        (void) close(fd);
}
END_TEST

START_TEST(test_listener_addresses_differ)
{
        Seen seen = { 0 };
        g_autoptr(StewardNotifyListener) a = steward_notify_listener_new(on_message, &seen, NULL);
        g_autoptr(StewardNotifyListener) b = steward_notify_listener_new(on_message, &seen, NULL);

        ck_assert(a && b);
        ck_assert_str_ne(steward_notify_listener_get_address(a), steward_notify_listener_get_address(b));
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("notify");
        TCase *tc = tcase_create("notify");

        tcase_add_test(tc, test_parse_keys);
        tcase_add_test(tc, test_parse_as_systemd);
        tcase_add_test(tc, test_parse_refuses);
        tcase_add_test(tc, test_listener);
        tcase_add_test(tc, test_listener_addresses_differ);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
