/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-notify.c: unit tests of the sd_notify parser and of what the listener refuses. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "steward-notify.h"
#include "steward-test.h"
#include "steward-util.h"

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
                        "STOPPING=1\nRELOADING=1\nEXTEND_TIMEOUT_USEC=5000000\nMAINPID=4242\nERRNO=2\n"
                        "BARRIER=1\nFDSTORE=1\nFDNAME=sock\n",
                        &m, &error));
        ck_assert_uint_eq(m.fields, STEWARD_NOTIFY_READY | STEWARD_NOTIFY_STATUS | STEWARD_NOTIFY_WATCHDOG |
                                            STEWARD_NOTIFY_WATCHDOG_USEC | STEWARD_NOTIFY_STOPPING |
                                            STEWARD_NOTIFY_RELOADING | STEWARD_NOTIFY_EXTEND_TIMEOUT |
                                            STEWARD_NOTIFY_MAINPID | STEWARD_NOTIFY_ERRNO |
                                            STEWARD_NOTIFY_BARRIER | STEWARD_NOTIFY_FDSTORE);
        /* Descriptors are the listener's to count, never the payload's. */
        ck_assert_uint_eq(m.n_fds, 0);
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
        ck_assert(parse("STATUS=first\nSTATUS=second\nREADY=2\nX_FOO=bar\nFDSTORE=2\nBARRIER=0\nFDNAME=x\n"
                        "WATCHDOG=trigger",
                        &m, &error));
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
        guint n_fds;
        gboolean accept;
} Seen;

static gboolean
on_message(pid_t pid, uid_t uid, const StewardNotifyMessage *msg, gpointer user_data)
{
        Seen *s = user_data;

        s->calls++;
        s->pid = pid;
        s->fields = msg->fields;
        s->n_fds = msg->n_fds;
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
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        if (address[0] == '@') {
                memcpy(sa->sun_path + 1, address + 1, strlen(address) - 1);
                *salen = offsetof(struct sockaddr_un, sun_path) + strlen(address);
        } else {
                ck_assert(address[0] == '/');
                memcpy(sa->sun_path, address, strlen(address));
                *salen = sizeof(*sa);
        }
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
        g_autoptr(StewardNotifyListener) l = steward_notify_listener_new(NULL, on_message, &seen, NULL);
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

/* sd_notify_barrier() (systemd-notify --ready sends one after READY=1):
 * accepted with its one descriptor, which is closed once the message was
 * handled, so the sender's wait ends; FDSTORE=1 is handed on with the rest
 * of its message, its descriptors closed. */
START_TEST(test_listener_barrier_and_fdstore)
{
        Seen seen = { .accept = TRUE };
        g_autoptr(StewardNotifyListener) l = steward_notify_listener_new(NULL, on_message, &seen, NULL);
        struct sockaddr_un sa;
        socklen_t salen;
        int fd, pipefd[2];
        char c;

        ck_assert(l);
        fd = client(l, &sa, &salen);

        ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
        send_payload(fd, &sa, salen, "READY=1", 7, -1);
        send_payload(fd, &sa, salen, "BARRIER=1", 9, pipefd[1]);
        (void) close(pipefd[1]);
        /* Still open in the queue: the sender would wait. */
        ck_assert_int_eq(read(pipefd[0], &c, 1), -1);
        pump(l, &seen, 2);
        ck_assert_uint_eq(seen.calls, 2);
        ck_assert_uint_eq(seen.fields, STEWARD_NOTIFY_BARRIER);
        ck_assert_uint_eq(seen.n_fds, 1);
        ck_assert_uint_eq(steward_notify_listener_get_dropped(l), 0);
        ck_assert_int_eq(read(pipefd[0], &c, 1), 0);
        (void) close(pipefd[0]);

        /* A barrier without its descriptor is malformed. */
        send_payload(fd, &sa, salen, "BARRIER=1", 9, -1);
        pump(l, &seen, 1);
        ck_assert_uint_eq(seen.calls, 2);
        ck_assert_uint_eq(steward_notify_listener_get_dropped(l), 1);

        ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
        send_payload(fd, &sa, salen, "FDSTORE=1\nFDNAME=x\nSTATUS=up", 28, pipefd[1]);
        (void) close(pipefd[1]);
        pump(l, &seen, 1);
        ck_assert_uint_eq(seen.calls, 3);
        ck_assert_uint_eq(seen.fields, STEWARD_NOTIFY_FDSTORE | STEWARD_NOTIFY_STATUS);
        ck_assert_uint_eq(seen.n_fds, 1);
        ck_assert_uint_eq(steward_notify_listener_get_dropped(l), 1);
        ck_assert_int_eq(read(pipefd[0], &c, 1), 0);
        (void) close(pipefd[0]);
        (void) close(fd);
}
END_TEST

START_TEST(test_listener_addresses_differ)
{
        Seen seen = { 0 };
        g_autoptr(StewardNotifyListener) a = steward_notify_listener_new(NULL, on_message, &seen, NULL);
        g_autoptr(StewardNotifyListener) b = steward_notify_listener_new(NULL, on_message, &seen, NULL);

        ck_assert(a && b);
        ck_assert_str_ne(steward_notify_listener_get_address(a), steward_notify_listener_get_address(b));
}
END_TEST

/* ---- the socket in the runtime directory ---- */

/* A scratch runtime directory's parent; the listener creates "run" in it. */
typedef struct {
        char *base;
        char *dir; /* base/run */
        char *path; /* base/run/notify */
} Runtime;

static Runtime *
runtime_new(void)
{
        Runtime *r = g_new0(Runtime, 1);

        r->base = g_dir_make_tmp("steward-notify-XXXXXX", NULL);
        ck_assert(r->base);
        r->dir = g_build_filename(r->base, "run", NULL);
        r->path = g_build_filename(r->dir, "notify", NULL);
        /* Nothing of this suite's may reach a manager we run under. */
        g_unsetenv("NOTIFY_SOCKET");
        g_unsetenv("LISTEN_FDS");
        g_unsetenv("LISTEN_PID");
        g_unsetenv(STEWARD_NOTIFY_FD_ENV);
        return r;
}

static void
remove_tree(const char *dir)
{
        g_autoptr(GDir) dh = g_dir_open(dir, 0, NULL);
        const char *name;

        while (dh && (name = g_dir_read_name(dh))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);

                if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
                        remove_tree(p);
                else
                        (void) g_unlink(p);
        }
        (void) g_rmdir(dir);
}

static void
runtime_free(Runtime *r)
{
        if (!r)
                return;
        remove_tree(r->base);
        g_free(r->base);
        g_free(r->dir);
        g_free(r->path);
        g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Runtime, runtime_free)

/* Sends READY=1 to @l's address and waits until the listener got it. */
static void
assert_delivers(StewardNotifyListener *l, Seen *seen)
{
        struct sockaddr_un sa;
        socklen_t salen;
        steward_autofd int fd = client(l, &sa, &salen);
        guint calls = seen->calls;

        send_payload(fd, &sa, salen, "READY=1", 7, -1);
        pump(l, seen, 1);
        ck_assert_uint_eq(seen->calls, calls + 1);
        ck_assert_uint_eq(seen->fields, STEWARD_NOTIFY_READY);
}

/* A socket file left behind by a process that died: bound, then closed. */
static void
make_stale_socket(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        steward_autofd int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
}

START_TEST(test_listener_path)
{
        g_autoptr(Runtime) r = runtime_new();
        Seen seen = { .accept = TRUE };
        g_autoptr(StewardNotifyListener) l = NULL;
        struct stat st;
        mode_t old_umask;

        /* The modes do not depend on the umask. */
        old_umask = umask(077);
        l = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        (void) umask(old_umask);
        ck_assert(l);
        ck_assert_str_eq(steward_notify_listener_get_address(l), r->path);
        /* The directory is made for it; the socket is writable by all. */
        ck_assert_int_eq(lstat(r->dir, &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0755);
        ck_assert_int_eq(lstat(r->path, &st), 0);
        ck_assert(S_ISSOCK(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0666);
        ck_assert_int_ge(steward_notify_listener_get_fd(l), 0);
        assert_delivers(l, &seen);
}
END_TEST

/* The address of a running stewardd is never taken over; a dead one's is. */
START_TEST(test_listener_path_in_use_or_stale)
{
        g_autoptr(Runtime) r = runtime_new();
        Seen seen = { .accept = TRUE };
        g_autoptr(StewardNotifyListener) a = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        g_autoptr(StewardNotifyListener) b = NULL;
        g_autoptr(GError) error = NULL;

        ck_assert(a);
        b = steward_notify_listener_new(r->path, on_message, &seen, &error);
        ck_assert(!b);
        ck_assert_msg(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE), "%s", error->message);
        assert_delivers(a, &seen);

        /* a dies without a word (its file stays): the next one binds. */
        g_clear_pointer(&a, steward_notify_listener_free);
        b = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        ck_assert(b);
        assert_delivers(b, &seen);
        g_clear_pointer(&b, steward_notify_listener_free);

        (void) g_unlink(r->path);
        make_stale_socket(r->path);
        b = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        ck_assert(b);
        assert_delivers(b, &seen);
}
END_TEST

/* What is not a socket at the path is replaced, never followed: a symlink
 * to a file or to a live socket elsewhere leaves its target alone. */
START_TEST(test_listener_path_not_a_socket)
{
        g_autoptr(Runtime) r = runtime_new();
        g_autofree char *target = g_build_filename(r->base, "target", NULL);
        g_autofree char *elsewhere = g_build_filename(r->base, "elsewhere", NULL);
        Seen seen = { .accept = TRUE };
        g_autoptr(StewardNotifyListener) other =
                steward_notify_listener_new(elsewhere, on_message, &seen, NULL);
        g_autofree char *text = NULL;
        struct stat st, target_st;

        ck_assert(other);
        ck_assert(g_file_set_contents(target, "precious", -1, NULL));
        ck_assert_int_eq(lstat(target, &target_st), 0);
        ck_assert_int_eq(g_mkdir(r->dir, 0755), 0);
        for (guint i = 0; i < 4; i++) {
                g_autoptr(StewardNotifyListener) l = NULL;
                g_autoptr(GError) error = NULL;

                switch (i) {
                case 0:
                        ck_assert(g_file_set_contents(r->path, "junk", -1, NULL));
                        break;
                case 1:
                        ck_assert_int_eq(mkfifo(r->path, 0600), 0);
                        break;
                case 2:
                        ck_assert_int_eq(symlink(target, r->path), 0);
                        break;
                case 3:
                        ck_assert_int_eq(symlink(elsewhere, r->path), 0);
                        break;
                }
                l = steward_notify_listener_new(r->path, on_message, &seen, &error);
                ck_assert_msg(l, "case %u: %s", i, error ? error->message : "");
                ck_assert_int_eq(lstat(r->path, &st), 0);
                ck_assert(S_ISSOCK(st.st_mode));
                assert_delivers(l, &seen);
                ck_assert_int_eq(g_unlink(r->path), 0);
        }
        ck_assert(g_file_get_contents(target, &text, NULL, NULL));
        ck_assert_str_eq(text, "precious");
        /* Not even its mode changed: no chmod went through the link. */
        ck_assert_int_eq(lstat(target, &st), 0);
        ck_assert_uint_eq(st.st_mode, target_st.st_mode);
        assert_delivers(other, &seen);

        /* A directory is refused, and so is a directory others may write. */
        {
                g_autoptr(StewardNotifyListener) l = NULL;
                g_autoptr(GError) error = NULL;

                ck_assert_int_eq(g_mkdir(r->path, 0755), 0);
                l = steward_notify_listener_new(r->path, on_message, &seen, &error);
                ck_assert(!l);
                ck_assert_msg(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY), "%s",
                              error->message);
                ck_assert_int_eq(g_rmdir(r->path), 0);
                g_clear_error(&error);
                ck_assert_int_eq(chmod(r->dir, 0777), 0);
                l = steward_notify_listener_new(r->path, on_message, &seen, &error);
                ck_assert(!l);
                ck_assert_msg(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED), "%s",
                              error->message);
                ck_assert_int_eq(access(r->path, F_OK), -1);
        }
}
END_TEST

/* Across a re-exec the socket is handed over in STEWARD_NOTIFY_FD: what was
 * sent in between is read by the new listener, and no child sees the
 * variable. */
START_TEST(test_listener_handed_over)
{
        g_autoptr(Runtime) r = runtime_new();
        Seen seen = { .accept = TRUE };
        g_autoptr(StewardNotifyListener) a = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        g_autoptr(StewardNotifyListener) b = NULL;
        g_autofree char *number = NULL;
        struct sockaddr_un sa;
        socklen_t salen;
        steward_autofd int client_fd = -1;
        int handed;

        ck_assert(a);
        /* As execve() would leave it: the same socket, no FD_CLOEXEC. */
        handed = dup(steward_notify_listener_get_fd(a));
        ck_assert_int_ge(handed, 3);
        client_fd = client(a, &sa, &salen);
        g_clear_pointer(&a, steward_notify_listener_free);
        send_payload(client_fd, &sa, salen, "READY=1", 7, -1);

        number = g_strdup_printf("%d", handed);
        g_setenv(STEWARD_NOTIFY_FD_ENV, number, TRUE);
        b = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        ck_assert(b);
        ck_assert(!g_getenv(STEWARD_NOTIFY_FD_ENV));
        ck_assert_int_eq(steward_notify_listener_get_fd(b), handed);
        ck_assert(fcntl(handed, F_GETFD) & FD_CLOEXEC);
        ck_assert_str_eq(steward_notify_listener_get_address(b), r->path);
        pump(b, &seen, 1);
        ck_assert_uint_eq(seen.calls, 1);
        assert_delivers(b, &seen);
}
END_TEST

/* A descriptor that is not the socket is left alone, and a new one bound. */
START_TEST(test_listener_handed_over_wrong)
{
        g_autoptr(Runtime) r = runtime_new();
        Seen seen = { .accept = TRUE };
        g_autoptr(StewardNotifyListener) l = NULL;
        g_autofree char *number = NULL;
        int p[2];

        ck_assert_int_eq(pipe(p), 0);
        number = g_strdup_printf("%d", p[0]);
        g_setenv(STEWARD_NOTIFY_FD_ENV, number, TRUE);
        l = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        ck_assert(l);
        ck_assert(!g_getenv(STEWARD_NOTIFY_FD_ENV));
        ck_assert_int_ne(steward_notify_listener_get_fd(l), p[0]);
        ck_assert_int_ge(fcntl(p[0], F_GETFD), 0);
        assert_delivers(l, &seen);
        (void) close(p[0]);
        (void) close(p[1]);

        /* Nor is a number that is no descriptor at all. */
        g_clear_pointer(&l, steward_notify_listener_free);
        g_setenv(STEWARD_NOTIFY_FD_ENV, "99999", TRUE);
        l = steward_notify_listener_new(r->path, on_message, &seen, NULL);
        ck_assert(l);
        ck_assert(!g_getenv(STEWARD_NOTIFY_FD_ENV));
        assert_delivers(l, &seen);
}
END_TEST

START_TEST(test_default_path)
{
        g_autofree char *system = NULL;
        g_autofree char *user = NULL;
        g_autofree char *unit = NULL;
        g_autofree char *none = NULL;

        g_unsetenv("RUNTIME_DIRECTORY");
        system = steward_notify_default_path(STEWARD_MODE_SYSTEM);
        ck_assert_str_eq(system, "/run/steward/notify");
        g_setenv("XDG_RUNTIME_DIR", "/run/user/1000", TRUE);
        user = steward_notify_default_path(STEWARD_MODE_USER);
        ck_assert_str_eq(user, "/run/user/1000/steward/notify");
        g_setenv("RUNTIME_DIRECTORY", "/run/steward-x:/run/other", TRUE);
        unit = steward_notify_default_path(STEWARD_MODE_USER);
        ck_assert_str_eq(unit, "/run/steward-x/notify");
        g_unsetenv("RUNTIME_DIRECTORY");
        g_unsetenv("XDG_RUNTIME_DIR");
        none = steward_notify_default_path(STEWARD_MODE_USER);
        ck_assert_ptr_null(none);
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
        tcase_add_test(tc, test_listener_barrier_and_fdstore);
        tcase_add_test(tc, test_listener_addresses_differ);
        tcase_add_test(tc, test_listener_path);
        tcase_add_test(tc, test_listener_path_in_use_or_stale);
        tcase_add_test(tc, test_listener_path_not_a_socket);
        tcase_add_test(tc, test_listener_handed_over);
        tcase_add_test(tc, test_listener_handed_over_wrong);
        tcase_add_test(tc, test_default_path);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
