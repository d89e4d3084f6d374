/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sd-notify.c: what stewardd tells its own manager: READY=1, STATUS=, WATCHDOG=1, RELOADING=1 on SIGHUP
 * and STOPPING=1, in order. */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "itest.h"
#include "steward-util.h"

/* The test plays stewardd's manager: it binds the notify socket, hands it
 * over in NOTIFY_SOCKET with WATCHDOG_USEC, and reads what arrives. */
typedef struct {
        int fd;
        guint source;
        GPtrArray *messages; /* each datagram, as sent */
        const char *want;
        guint want_count;
        gboolean satisfied;
} Manager;

static guint
count_with(Manager *m, const char *line)
{
        guint n = 0;

        for (guint i = 0; i < m->messages->len; i++) {
                g_auto(GStrv) lines = g_strsplit(g_ptr_array_index(m->messages, i), "\n", -1);
                for (char **l = lines; *l; l++)
                        if (g_str_has_prefix(*l, line)) {
                                n++;
                                break;
                        }
        }
        return n;
}

/* Index of the first datagram holding a line starting with line, or -1. */
static int
first_with(Manager *m, const char *line)
{
        for (guint i = 0; i < m->messages->len; i++) {
                g_auto(GStrv) lines = g_strsplit(g_ptr_array_index(m->messages, i), "\n", -1);
                for (char **l = lines; *l; l++)
                        if (g_str_has_prefix(*l, line))
                                return (int) i;
        }
        return -1;
}

static gboolean
on_datagram(int fd, GIOCondition cond, gpointer user_data)
{
        Manager *m = user_data;
        char buf[4097];
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

        if (n > 0) {
                buf[n] = '\0';
                g_ptr_array_add(m->messages, g_strdup(buf));
                if (m->want && count_with(m, m->want) >= m->want_count)
                        m->satisfied = TRUE;
        }
        return G_SOURCE_CONTINUE;
}

static gboolean
wait_for(Manager *m, const char *line, guint count)
{
        m->want = line;
        m->want_count = count;
        m->satisfied = count_with(m, line) >= count;
        (void) itest_wait_flag(&m->satisfied, ITEST_TIMEOUT_SEC);
        m->want = NULL;
        return count_with(m, line) >= count;
}

/* Reads every datagram queued now. */
static void
drain(Manager *m)
{
        guint n;

        do {
                n = m->messages->len;
                (void) on_datagram(m->fd, G_IO_IN, m);
        } while (m->messages->len > n);
}

/* The last STATUS= received, or "". */
static const char *
last_status(Manager *m)
{
        for (guint i = m->messages->len; i > 0; i--) {
                const char *msg = g_ptr_array_index(m->messages, i - 1);
                const char *s = strstr(msg, "STATUS=");

                if (s && (s == msg || s[-1] == '\n'))
                        return s;
        }
        return "";
}

typedef struct {
        gboolean exited;
        int status;
} Exit;

static void
on_exit_status(GPid pid, int status, gpointer user_data)
{
        Exit *e = user_data;

        e->exited = TRUE;
        e->status = status;
        g_spawn_close_pid(pid);
}

START_TEST(test_stewardd_reports_to_its_manager)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("steward-sdnotify-XXXXXX", NULL);
        g_autofree char *socket_path = g_build_filename(dir, "notify", NULL);
        g_autofree char *conf = g_build_filename(dir, "steward.conf", NULL);
        g_autofree char *stewardd = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardd", NULL);
        g_autofree char *config_arg = g_strdup_printf("--config=%s", dir);
        g_autofree char *marker = g_build_filename(dir, "reloading", NULL);
        g_autofree char *notify_child = itest_notify_child_path();
        g_autofree char *config = NULL;
        g_autofree char *config2 = NULL;
        const char *argv[] = { stewardd, "--user", "--backend=process", config_arg, NULL };
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        Manager m = { .messages = g_ptr_array_new_with_free_func(g_free) };
        g_auto(GStrv) env = NULL;
        Exit e = { 0 };
        GPid pid;
        int ready, stopping;

        /* Two simple children and one that stays reloading (RELOADING=1,
         * no READY=1 after it, no TimeoutStartSec=): READY=1 comes once all
         * were up. A child reloading counts as up. */
        config = g_strdup_printf("[Child quick]\n"
                                 "ExecStart=/usr/bin/sleep 1000\n"
                                 "[Child second]\n"
                                 "ExecStart=/usr/bin/sleep 1000\n"
                                 "[Child rel]\n"
                                 "Type=notify\n"
                                 "TimeoutStartSec=infinity\n"
                                 "ExecStart=%s notify=READY=1 notify=RELOADING=1 barrier env=%s\n",
                                 notify_child, marker);
        ck_assert(g_file_set_contents(conf, config, -1, NULL));

        m.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(m.fd, 0);
        g_strlcpy(sa.sun_path, socket_path, sizeof(sa.sun_path));
        ck_assert_int_eq(bind(m.fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        m.source = g_unix_fd_add(m.fd, G_IO_IN, on_datagram, &m);

        /* 200 ms: stewardd pings every 100 ms. */
        env = g_get_environ();
        env = g_environ_setenv(env, "NOTIFY_SOCKET", socket_path, TRUE);
        env = g_environ_setenv(env, "WATCHDOG_USEC", "200000", TRUE);
        env = g_environ_unsetenv(env, "WATCHDOG_PID");
        /* No bus: this daemon must not meet the other suites' stewardd. */
        env = g_environ_setenv(env, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
        ck_assert_msg(g_spawn_async(NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                    &error),
                      "%s", error ? error->message : "");
        g_child_watch_add(pid, on_exit_status, &e);

        ck_assert_msg(wait_for(&m, "READY=1", 1), "no READY=1");
        ck_assert_msg(wait_for(&m, "STATUS=3 children: 3 up", 1), "no STATUS= for the tree");
        /* Past its barrier, stewardd handled RELOADING=1 and said so. */
        ck_assert(itest_wait_file(marker, ITEST_TIMEOUT_SEC));
        drain(&m);
        ck_assert_str_eq(last_status(&m), "STATUS=3 children: 3 up");
        /* The watchdog keeps being fed while the daemon idles. */
        ck_assert_msg(wait_for(&m, "WATCHDOG=1", 5), "%u WATCHDOG=1 only", count_with(&m, "WATCHDOG=1"));

        /* SIGHUP, as ExecReload= sends it: RELOADING=1, the change applied,
         * READY=1 again, and the daemon still running. */
        config2 = g_strdup_printf("%s[Child third]\nExecStart=/usr/bin/sleep 1000\n", config);
        ck_assert(g_file_set_contents(conf, config2, -1, NULL));
        ck_assert_int_eq(kill(pid, SIGHUP), 0);
        ck_assert_msg(wait_for(&m, "RELOADING=1", 1), "no RELOADING=1");
        ck_assert_msg(wait_for(&m, "READY=1", 2), "no READY=1 after the reload");
        ck_assert_int_gt(first_with(&m, "RELOADING=1"), first_with(&m, "READY=1"));
        ck_assert_msg(wait_for(&m, "STATUS=4 children: 4 up", 1), "the reload did not add a child");
        ck_assert(!e.exited);
        ck_assert_uint_eq(count_with(&m, "STOPPING=1"), 0);

        ck_assert_int_eq(kill(pid, SIGTERM), 0);
        ck_assert_msg(wait_for(&m, "STOPPING=1", 1), "no STOPPING=1");
        ck_assert(itest_wait_flag(&e.exited, ITEST_TIMEOUT_SEC));
        ck_assert(WIFEXITED(e.status));
        ck_assert_int_eq(WEXITSTATUS(e.status), 0);

        /* Stopping comes after ready, and only once. */
        ready = first_with(&m, "READY=1");
        stopping = first_with(&m, "STOPPING=1");
        ck_assert_int_ge(ready, 0);
        ck_assert_int_gt(stopping, ready);
        ck_assert_uint_eq(count_with(&m, "STOPPING=1"), 1);
        ck_assert_uint_eq(count_with(&m, "READY=1"), 2);

        g_source_remove(m.source);
        steward_close_fdp(&m.fd);
        g_ptr_array_unref(m.messages);
        (void) unlink(socket_path);
        (void) unlink(conf);
        (void) unlink(marker);
        (void) g_rmdir(dir);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("sd-notify");
        TCase *tc = tcase_create("daemon");

        tcase_set_timeout(tc, 2 * ITEST_TIMEOUT_SEC);
        tcase_add_test(tc, test_stewardd_reports_to_its_manager);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)
