/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-notify.c: sd_notify in the harness: readiness holds siblings, strangers are ignored, watchdog and
 * start timeout, STATUS=, BARRIER=1, FDSTORE=1, ERRNO=, MAINPID=, reloads, EXTEND_TIMEOUT_USEC= while
 * stopping, and stewardd itself as a Type=notify service of the user manager. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest.h"
#include "steward-names.h"
#include "steward-util.h"

static const char *const backends[] = { "--backend=scope", "--backend=process" };

/* A scratch directory for the FIFOs and env files of one test. */
typedef struct {
        char *dir;
        char *child; /* notify-child of the build tree */
} Work;

static Work *
work_new(void)
{
        Work *w = g_new0(Work, 1);

        w->dir = g_dir_make_tmp("steward-notify-XXXXXX", NULL);
        ck_assert(w->dir);
        w->child = itest_notify_child_path();
        return w;
}

static void
work_free(Work *w)
{
        g_autoptr(GDir) dh = NULL;
        const char *name;

        if (!w)
                return;
        dh = g_dir_open(w->dir, 0, NULL);
        while (dh && (name = g_dir_read_name(dh))) {
                g_autofree char *path = g_build_filename(w->dir, name, NULL);
                (void) g_unlink(path);
        }
        (void) g_rmdir(w->dir);
        g_free(w->dir);
        g_free(w->child);
        g_free(w);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Work, work_free)

static char *
work_path(Work *w, const char *name)
{
        return g_build_filename(w->dir, name, NULL);
}

static char *
work_fifo(Work *w, const char *name)
{
        char *path = work_path(w, name);

        ck_assert_int_eq(mkfifo(path, 0600), 0);
        return path;
}

/* Lets a child blocked in wait=FIFO go on; returns once it opened the FIFO. */
static void
release(const char *fifo)
{
        itest_fifo_write(fifo, "x");
}

/* A child's env= file, once it exists, as a key file group. */
static GHashTable *
read_env(const char *path)
{
        GHashTable *env = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        ck_assert_msg(itest_wait_file(path, ITEST_TIMEOUT_SEC), "%s never appeared", path);
        ck_assert(g_file_get_contents(path, &text, NULL, NULL));
        lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l && **l; l++) {
                g_auto(GStrv) kv = g_strsplit(*l, "=", 2);
                g_hash_table_insert(env, g_strdup(kv[0]), g_strdup(kv[1] ? kv[1] : ""));
        }
        return env;
}

static const char *
child_state(ItestDaemon *d, const char *child)
{
        g_autoptr(GVariant) v = itest_child_property(d, child, "State");
        static char buf[32];

        g_strlcpy(buf, g_variant_get_string(v, NULL), sizeof(buf));
        return buf;
}

/* Index of the first event of kind about child, waiting for it; -1 if
 * it never comes. */
static int
event_index(ItestEvents *e, const char *kind, const char *child)
{
        guint from = 0;

        return itest_events_wait(e, kind, child, &from, ITEST_TIMEOUT_SEC) ? (int) from - 1 : -1;
}

/* Starts stewardd with its output on a pipe we read. */
static ItestDaemon *
start_capturing(const char *config, int backend, ItestCapture *c)
{
        const char *args[] = { backends[backend], NULL };

        return itest_daemon_start_captured(config, args, c);
}

/* A datagram to NOTIFY_SOCKET from this process, which is no child's. */
static void
send_as_stranger(const char *address, const char *text)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        steward_autofd int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert(address[0] == '/' && strlen(address) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, address, strlen(address));
        ck_assert_int_eq(sendto(fd, text, strlen(text), 0, (struct sockaddr *) &sa, sizeof(sa)),
                         (ssize_t) strlen(text));
}

/* Where children of a stewardd started by itest_daemon_start() find its
 * notify socket: in the runtime directory the test gave (RUNTIME_DIRECTORY),
 * else in the one itest gives each daemon. */
static char *
notify_path(ItestDaemon *d)
{
        const char *dir = g_getenv("RUNTIME_DIRECTORY");

        if (dir)
                return g_build_filename(dir, "notify", NULL);
        return g_build_filename(d->dir, "run", "notify", NULL);
}

/* A child's NOTIFY_SOCKET is the socket file at @path, writable by all. */
static void
assert_notify_socket(GHashTable *env, const char *path)
{
        struct stat st;

        ck_assert_str_eq(g_hash_table_lookup(env, "NOTIFY_SOCKET"), path);
        ck_assert_int_eq(lstat(path, &st), 0);
        ck_assert(S_ISSOCK(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0666);
}

/* db says READY=1 only when the test lets it; app comes after it. */
static char *
gated_config(Work *w)
{
        g_autofree char *env = work_path(w, "db.env");
        g_autofree char *fifo = work_fifo(w, "db.fifo");

        return g_strdup_printf("[Child db]\n"
                               "Type=notify\n"
                               "TimeoutStartSec=60s\n"
                               "ExecStart=%s env=%s wait=%s notify=READY=1\n"
                               "[Child app]\n"
                               "ExecStart=/bin/sh -c 'exec sleep 1000'\n",
                               w->child, env, fifo);
}

/* (1) A Type=notify child is ready only once it says READY=1, and its
 * younger sibling starts only then. */
START_TEST(test_ready_holds_sibling)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *config = gated_config(w);
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autofree char *env_path = work_path(w, "db.env");
        g_autofree char *fifo = work_path(w, "db.fifo");
        g_autoptr(GHashTable) env = read_env(env_path);
        g_autoptr(GVariant) ready = NULL;
        g_autoptr(GVariant) app_pid = NULL;
        g_autoptr(GVariant) db_pid = NULL;
        g_autofree char *socket_path = notify_path(d);

        /* The protocol variables, as systemd sets them: no watchdog here.
         * The socket is a file in stewardd's runtime directory. */
        assert_notify_socket(env, socket_path);
        ck_assert_str_eq(g_hash_table_lookup(env, "WATCHDOG_USEC"), "");
        ck_assert_str_eq(g_hash_table_lookup(env, "WATCHDOG_PID"), "");

        /* db runs (it wrote its file) but has not said READY=1. */
        ck_assert_str_eq(child_state(d, "db"), "starting");
        ready = itest_child_property(d, "db", "Ready");
        ck_assert(!g_variant_get_boolean(ready));
        db_pid = itest_child_property(d, "db", "MainPID");
        ck_assert_int_eq(g_variant_get_uint32(db_pid), atoi(g_hash_table_lookup(env, "PID")));
        app_pid = itest_child_property(d, "app", "MainPID");
        ck_assert_uint_eq(g_variant_get_uint32(app_pid), 0);
        ck_assert_uint_eq(itest_events_count(ev, "child_starting", "app"), 0);

        release(fifo);
        ck_assert(itest_wait_state(d, "db", "ready"));
        ck_assert(itest_wait_state(d, "app", "running"));
        ck_assert_int_ge(event_index(ev, "child_ready", "db"), 0);
        ck_assert_int_lt(event_index(ev, "child_ready", "db"), event_index(ev, "child_starting", "app"));
}
END_TEST

/* (2) READY=1 from a process outside db's incarnation is dropped and
 * counted; db's own READY=1 still works afterwards. */
START_TEST(test_stranger_is_ignored)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *config = gated_config(w);
        ItestCapture cap = { 0 };
        ItestDaemon *d = start_capturing(config, _i, &cap);
        ItestEvents *ev = d->events;
        g_autofree char *env_path = work_path(w, "db.env");
        g_autofree char *fifo = work_path(w, "db.fifo");
        g_autoptr(GHashTable) env = read_env(env_path);
        g_autofree char *needle = NULL;
        g_autoptr(GVariant) app_pid = NULL;

        send_as_stranger(g_hash_table_lookup(env, "NOTIFY_SOCKET"), "READY=1\nSTATUS=I am db, honest");
        /* The log line proves the datagram was read, and dropped. */
        needle = g_strdup_printf(
                "Dropped 1 notify message(s) since the last report (1 in all), the latest from PID %d",
                (int) getpid());
        ck_assert_msg(itest_capture_wait(&cap, needle), "no drop logged:\n%s", cap.text->str);
        /* And counted where monitoring reads it (stewardctl metrics). */
        ck_assert_uint_eq(itest_manager_u64(d, "NotifyMessagesDropped"), 1);

        ck_assert_str_eq(child_state(d, "db"), "starting");
        app_pid = itest_child_property(d, "app", "MainPID");
        ck_assert_uint_eq(g_variant_get_uint32(app_pid), 0);
        ck_assert_uint_eq(itest_events_count(ev, "child_ready", "db"), 0);
        ck_assert_uint_eq(itest_events_count(ev, "child_status", "db"), 0);

        release(fifo);
        ck_assert(itest_wait_state(d, "db", "ready"));
        ck_assert(itest_wait_state(d, "app", "running"));

        itest_daemon_free(d);
        itest_capture_clear(&cap);
}
END_TEST

static gboolean
wait_event(ItestEvents *ev, const char *kind, const char *child, guint *from, gint64 *when)
{
        if (!itest_events_wait(ev, kind, child, from, ITEST_TIMEOUT_SEC))
                return FALSE;
        *when = g_get_monotonic_time();
        return TRUE;
}

/* (3) A child that stops pinging is killed with WatchdogSignal= (SIGABRT
 * by default) and restarted: WatchdogSec= after its last ping, plus a
 * small bound. */
START_TEST(test_watchdog_kills_and_restarts)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *env_path = work_path(w, "dog.env");
        /* Four pings a third of WatchdogSec= apart keep it alive 1.33s past
         * READY=1; then it goes silent. */
        g_autofree char *config = g_strdup_printf("[Child dog]\n"
                                                  "Type=notify\n"
                                                  "WatchdogSec=1s\n"
                                                  "RestartSec=100ms\n"
                                                  "ExecStart=%s env=%s notify=READY=1 ping=4\n",
                                                  w->child, env_path);
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autoptr(GHashTable) env = NULL;
        g_autoptr(GVariant) fields = NULL;
        gint64 ready = 0, expired = 0, again = 0;
        const char *code = NULL;
        gint32 status = 0;
        GVariant *exited;
        guint from = 0;

        ck_assert(wait_event(ev, "child_ready", "dog", &from, &ready));
        env = read_env(env_path);
        ck_assert_str_eq(g_hash_table_lookup(env, "WATCHDOG_USEC"), "1000000");
        /* WATCHDOG_PID is the main process, filled in after fork. */
        ck_assert_str_eq(g_hash_table_lookup(env, "WATCHDOG_PID"), g_hash_table_lookup(env, "PID"));

        ck_assert(wait_event(ev, "child_watchdog_expired", "dog", &from, &expired));
        /* The pings counted: not expired before they stopped ... */
        ck_assert_msg(expired - ready >= 1300 * 1000, "expired after %" G_GINT64_FORMAT "us",
                      expired - ready);
        /* ... and expired about WatchdogSec= after the last one. */
        ck_assert_msg(expired - ready <= (1333 + 1000 + 1500) * 1000, "expired after %" G_GINT64_FORMAT "us",
                      expired - ready);
        exited = itest_events_wait(ev, "child_exited", "dog", &from, ITEST_TIMEOUT_SEC);
        ck_assert(exited);
        g_variant_get(exited, "(tsst@a{sv})", NULL, NULL, NULL, NULL, &fields);
        ck_assert(g_variant_lookup(fields, "exit_code", "&s", &code));
        ck_assert(g_variant_lookup(fields, "exit_status", "i", &status));
        /* WatchdogSignal=, not KillSignal=, on both backends. */
        ck_assert_msg(g_str_equal(code, "killed") || g_str_equal(code, "dumped"), "%s", code);
        ck_assert_int_eq(status, SIGABRT);

        ck_assert(wait_event(ev, "child_starting", "dog", &from, &again));
        ck_assert_msg(again - expired <= 3 * G_USEC_PER_SEC, "restarted %" G_GINT64_FORMAT "us after",
                      again - expired);
        ck_assert(itest_child_wait_property(d, "dog", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "dog", "ready"));
}
END_TEST

static gboolean
on_stall_over(gpointer user_data)
{
        *(gboolean *) user_data = TRUE;
        return G_SOURCE_REMOVE;
}

/* A stalled stewardd (SIGSTOP longer than WatchdogSec=) does not kill a
 * child whose pings, sent in time, wait in the socket: the socket is read
 * before the deadline is judged. The stall itself is the stimulus: a
 * fixed 3 s, which no event could stand for. */
START_TEST(test_stall_keeps_watchdog_child)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *config = g_strdup_printf("[Child dog]\n"
                                                  "Type=notify\n"
                                                  "WatchdogSec=2s\n"
                                                  "ExecStart=%s notify=READY=1 ping=100000\n",
                                                  w->child);
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        g_autoptr(GVariant) before = NULL;
        g_autoptr(GVariant) after = NULL;
        gboolean over = FALSE;

        ck_assert(itest_wait_state(d, "dog", "ready"));
        before = itest_child_property(d, "dog", "MainPID");
        ck_assert_int_eq(kill(d->pid, SIGSTOP), 0);
        g_timeout_add_seconds(3, on_stall_over, &over);
        ck_assert(itest_wait_flag(&over, ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(kill(d->pid, SIGCONT), 0);
        /* Two more watchdog intervals: nothing expires. */
        ck_assert(!itest_events_wait(d->events, "child_watchdog_expired", "dog", NULL, 4));
        after = itest_child_property(d, "dog", "MainPID");
        ck_assert(g_variant_equal(before, after));
}
END_TEST

/* (4) Not ready within TimeoutStartSec= is a failure, and releases the
 * younger sibling. */
START_TEST(test_start_timeout)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *env_path = work_path(w, "slow.env");
        g_autofree char *config = g_strdup_printf("[Child slow]\n"
                                                  "Type=notify\n"
                                                  "TimeoutStartSec=1s\n"
                                                  "RestartSec=30s\n"
                                                  "ExecStart=%s env=%s\n"
                                                  "[Child app]\n"
                                                  "ExecStart=/bin/sh -c 'exec sleep 1000'\n",
                                                  w->child, env_path);
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autoptr(GHashTable) env = read_env(env_path);
        g_autoptr(GVariant) fields = NULL;
        const char *decision = NULL;
        GVariant *timeout;
        guint from = 0;

        timeout = itest_events_wait(ev, "child_start_timeout", "slow", &from, ITEST_TIMEOUT_SEC);
        ck_assert(timeout);
        g_variant_get(timeout, "(tsst@a{sv})", NULL, NULL, NULL, NULL, &fields);
        ck_assert(g_variant_lookup(fields, "decision", "&s", &decision));
        ck_assert_str_eq(decision, "failure");
        ck_assert(itest_wait_state(d, "app", "running"));
        /* Failed, so the restart policy applies: a backoff, not ready. */
        ck_assert(itest_wait_state(d, "slow", "backoff"));
        ck_assert_uint_eq(itest_events_count(ev, "child_ready", "slow"), 0);
}
END_TEST

/* (5) STATUS= becomes StatusText, a child_status event, and a line of
 * `stewardctl status`. */
START_TEST(test_status_text)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *config = g_strdup_printf("[Child st]\n"
                                                  "Type=notify\n"
                                                  "ExecStart=%s \"notify=STATUS=warming up\" notify=READY=1 "
                                                  "\"notify=STATUS=serving 3 clients\"\n",
                                                  w->child);
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        const char *argv[] = { ctl, "--user", "status", "st", NULL };
        g_autofree char *out = NULL;
        guint from = 0;

        ck_assert(itest_child_wait_property(d, "st", "StatusText", g_variant_new_string("serving 3 clients"),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "st", "ready"));
        ck_assert(itest_events_wait(ev, "child_status", "st", &from, ITEST_TIMEOUT_SEC));
        ck_assert(itest_events_wait(ev, "child_status", "st", &from, ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(itest_run(argv, &out), 0);
        ck_assert_msg(strstr(out, "serving 3 clients"), "%s", out);
}
END_TEST

/* A child sending 20,000 STATUS= as fast as it can: StatusText follows
 * every one, the journal and the Event signal get a burst per window and
 * a summary ending on the last text, and stewardd's memory stays put. */
START_TEST(test_status_flood)
{
        enum { FLOOD = 20000 };
        g_autoptr(Work) w = work_new();
        g_autofree char *go = work_fifo(w, "go");
        g_autofree char *config = g_strdup_printf("[Child fl]\n"
                                                  "Type=notify\n"
                                                  "ExecStart=%s notify=READY=1 wait=%s statuses=%d\n",
                                                  w->child, go, FLOOD);
        g_autofree char *last = g_strdup_printf("step %d", FLOOD);
        const char *args[] = { "--backend=process", NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        guint64 rss_before, rss_after, total = 0;
        guint entries = 0, summaries = 0, windows, from = 0;
        const char *last_text = NULL;
        gint64 begin;
        double elapsed;

        ck_assert(itest_wait_state(d, "fl", "ready"));
        rss_before = itest_proc_rss_kib(d->pid);
        begin = g_get_monotonic_time();
        release(go);

        ck_assert(itest_child_wait_property(d, "fl", "StatusText", g_variant_new_string(last),
                                            5 * ITEST_TIMEOUT_SEC));
        /* Every STATUS= is accounted for once the last window has ended. */
        while (total < FLOOD) {
                GVariant *e = itest_events_wait(ev, "child_status", "fl", &from, ITEST_TIMEOUT_SEC);
                g_autoptr(GVariant) fields = NULL;
                guint64 suppressed;

                ck_assert_msg(e, "%" G_GUINT64_FORMAT " of %d status changes accounted for", total, FLOOD);
                entries++;
                fields = g_variant_get_child_value(e, 4);
                if (g_variant_lookup(fields, "suppressed", "t", &suppressed)) {
                        summaries++;
                        total += suppressed;
                } else
                        total++;
                last_text = itest_event_str(e, "status_text");
        }
        ck_assert_uint_eq(total, FLOOD);
        ck_assert_uint_ge(summaries, 1);
        ck_assert_str_eq(last_text, last);
        elapsed = (double) (g_get_monotonic_time() - begin) / G_USEC_PER_SEC;
        windows = (guint) (elapsed / (STEWARD_RATELIMIT_INTERVAL_USEC / G_USEC_PER_SEC)) + 1;
        ck_assert_msg(entries <= windows * (STEWARD_RATELIMIT_CHILD_STATUS_BURST + 1),
                      "%u entries in %.1f s", entries, elapsed);
        /* Nothing kept per message: 20,000 of them cost no more than noise. */
        rss_after = itest_proc_rss_kib(d->pid);
        ck_assert_msg(itest_sanitized() || rss_after <= rss_before + 2048,
                      "RSS %" G_GUINT64_FORMAT " KiB -> %" G_GUINT64_FORMAT " KiB", rss_before, rss_after);
        fprintf(stderr,
                "# status flood: %u entries, %u summaries, RSS %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
                " KiB in %.1f s\n",
                entries, summaries, rss_before, rss_after, elapsed);
}
END_TEST

/* ---- the address across runs ---- */

/* A scratch runtime directory, given to the daemons this test starts as
 * systemd would give it (RUNTIME_DIRECTORY). */
static char *
runtime_dir_new(Work *w)
{
        char *dir = work_path(w, "run");

        ck_assert_int_eq(g_mkdir(dir, 0755), 0);
        g_setenv("RUNTIME_DIRECTORY", dir, TRUE);
        return dir;
}

static void
runtime_dir_free(char *dir)
{
        g_autofree char *sock = g_build_filename(dir, "notify", NULL);

        g_unsetenv("RUNTIME_DIRECTORY");
        (void) g_unlink(sock);
        (void) g_rmdir(dir);
        g_free(dir);
}

/* A stewardd is killed; the next one with the same runtime directory
 * listens at the same address (the killed one's socket file left behind,
 * then a symlink planted there in its place, which is not followed), and
 * a child reaches it there. */
START_TEST(test_address_survives_kill)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *dir = runtime_dir_new(w);
        g_autofree char *socket_path = g_build_filename(dir, "notify", NULL);
        g_autofree char *state_path = g_build_filename(dir, "state", NULL);
        g_autofree char *target = work_path(w, "target");
        g_autofree char *env_path = work_path(w, "up.env");
        g_autofree char *config = g_strdup_printf("[Child up]\n"
                                                  "Type=notify\n"
                                                  "ExecStart=%s env=%s notify=READY=1\n",
                                                  w->child, env_path);
        const char *args[] = { backends[_i], NULL };
        struct stat st;

        ck_assert(g_file_set_contents(target, "untouched", -1, NULL));
        for (guint run = 0; run < 3; run++) {
                ItestDaemon *d;
                g_autoptr(GHashTable) env = NULL;
                g_autofree char *text = NULL;

                if (run == 1) {
                        /* What the killed run left: a socket nobody reads. */
                        ck_assert_int_eq(lstat(socket_path, &st), 0);
                        ck_assert(S_ISSOCK(st.st_mode));
                } else if (run == 2) {
                        ck_assert_int_eq(g_unlink(socket_path), 0);
                        ck_assert_int_eq(symlink(target, socket_path), 0);
                }
                (void) g_unlink(env_path);
                d = itest_daemon_start(config, args);
                env = read_env(env_path);
                assert_notify_socket(env, socket_path);
                ck_assert_msg(itest_wait_state(d, "up", "ready"), "run %u: no READY=1 arrived", run);
                ck_assert(g_file_get_contents(target, &text, NULL, NULL));
                ck_assert_str_eq(text, "untouched");
                /* Killed: no clean-up of any kind. */
                ck_assert_int_eq(kill(d->pid, SIGKILL), 0);
                ck_assert_int_eq(itest_daemon_wait(d, ITEST_TIMEOUT_SEC), 128 + SIGKILL);
                itest_daemon_free(d);
                /* The next run is to start its own child, not adopt this
                 * one (test-restore covers that): it goes, with the state. */
                ck_assert_int_eq(
                        kill((pid_t) g_ascii_strtoll(g_hash_table_lookup(env, "PID"), NULL, 10), SIGKILL),
                        0);
                (void) g_unlink(state_path);
        }
        runtime_dir_free(g_steal_pointer(&dir));
}
END_TEST

/* A second stewardd with the same runtime directory is refused and leaves
 * the first one's socket alone: its child still reports to it. */
START_TEST(test_second_daemon_keeps_socket)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *dir = runtime_dir_new(w);
        g_autofree char *config = gated_config(w);
        g_autofree char *fifo = work_path(w, "db.fifo");
        g_autofree char *env_path = work_path(w, "db.env");
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        g_autofree char *stewardd = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardd", NULL);
        g_autofree char *config_arg = g_strdup_printf("--config=%s", d->dir);
        const char *argv[] = { stewardd, "--user", backends[_i], config_arg, NULL };

        g_hash_table_unref(read_env(env_path));
        ck_assert_int_eq(itest_run(argv, NULL), 1);
        release(fifo);
        ck_assert(itest_wait_state(d, "db", "ready"));
        g_clear_pointer(&d, itest_daemon_free);
        runtime_dir_free(g_steal_pointer(&dir));
}
END_TEST

/* ---- stewardd under the user manager ---- */

typedef struct {
        GDBusConnection *bus;
        char *path;
        const char *iface;
        const char *property;
        GVariant *value;
        gboolean equal;
} UnitWait;

static void
unit_check(UnitWait *u)
{
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) v = NULL;

        reply = g_dbus_connection_call_sync(u->bus, "org.freedesktop.systemd1", u->path,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", u->iface, u->property),
                                            G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        if (!reply)
                return;
        g_variant_get(reply, "(v)", &v);
        u->equal = g_variant_equal(v, u->value);
}

static void
on_unit_changed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *signal, GVariant *params, gpointer user_data)
{
        unit_check(user_data);
}

/* Waits until a property of a unit equals value, woken by its changes. */
static gboolean
unit_wait(GDBusConnection *bus, const char *path, const char *iface, const char *property, GVariant *value)
{
        g_autoptr(GVariant) expected = g_variant_ref_sink(value);
        UnitWait u = {
                .bus = bus, .path = (char *) path, .iface = iface, .property = property, .value = expected
        };
        guint sub;

        sub = g_dbus_connection_signal_subscribe(
                bus, "org.freedesktop.systemd1", "org.freedesktop.DBus.Properties", "PropertiesChanged",
                path, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_unit_changed, &u, NULL);
        unit_check(&u);
        itest_wait_flag(&u.equal, ITEST_TIMEOUT_SEC);
        g_dbus_connection_signal_unsubscribe(bus, sub);
        return u.equal;
}

static GVariant *
unit_get(GDBusConnection *bus, const char *path, const char *iface, const char *property)
{
        g_autoptr(GVariant) reply = NULL;
        GVariant *v;

        reply = g_dbus_connection_call_sync(bus, "org.freedesktop.systemd1", path,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", iface, property), G_VARIANT_TYPE("(v)"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert(reply);
        g_variant_get(reply, "(v)", &v);
        return v;
}

static char *
unit_property(GDBusConnection *bus, const char *path, const char *iface, const char *property)
{
        g_autoptr(GVariant) v = unit_get(bus, path, iface, property);

        return g_variant_dup_string(v, NULL);
}

static guint32
unit_u32(GDBusConnection *bus, const char *path, const char *iface, const char *property)
{
        g_autoptr(GVariant) v = unit_get(bus, path, iface, property);

        return g_variant_get_uint32(v);
}

/* Installs the build tree's user unit (units/steward-user.service) in the
 * user manager's runtime unit directory as @unit, running the build tree's
 * stewardd on @config_dir; returns the files to remove afterwards. */
static GPtrArray *
install_user_unit(const char *unit, const char *config_dir)
{
        const char *build = g_getenv("STEWARD_BUILD_DIR");
        g_autofree char *source = g_build_filename(build, "units", "steward-user.service", NULL);
        g_autofree char *dir = g_build_filename(g_getenv("XDG_RUNTIME_DIR"), "systemd", "user", NULL);
        g_autofree char *dropin_dir = g_strdup_printf("%s/%s.d", dir, unit);
        g_autofree char *text = NULL;
        g_autofree char *dropin = NULL;
        GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
        const char *reload[] = { "systemctl", "--user", "daemon-reload", NULL };

        ck_assert_msg(g_file_get_contents(source, &text, NULL, NULL), "no %s", source);
        ck_assert_int_eq(g_mkdir_with_parents(dropin_dir, 0755), 0);
        g_ptr_array_add(files, g_strdup_printf("%s/%s", dir, unit));
        ck_assert(g_file_set_contents(g_ptr_array_index(files, 0), text, -1, NULL));
        /* Only what the test needs differs: the binaries, the config and
         * the bus, which the harness's manager does not pass on by itself. */
        dropin = g_strdup_printf("[Service]\n"
                                 "ExecStart=\n"
                                 "ExecStart=%s/src/stewardd --user --config=%s\n"
                                 /* Long enough for a datagram to be sent
                                  * while no stewardd runs. */
                                 "RestartSec=2s\n"
                                 "Environment=DBUS_SESSION_BUS_ADDRESS=%s XDG_RUNTIME_DIR=%s "
                                 "STEWARD_EXECUTOR_PATH=%s\n",
                                 build, config_dir, g_getenv("DBUS_SESSION_BUS_ADDRESS"),
                                 g_getenv("XDG_RUNTIME_DIR"), g_getenv("STEWARD_EXECUTOR_PATH"));
        g_ptr_array_add(files, g_strdup_printf("%s/test.conf", dropin_dir));
        ck_assert(g_file_set_contents(g_ptr_array_index(files, 1), dropin, -1, NULL));
        g_ptr_array_add(files, g_steal_pointer(&dropin_dir));
        ck_assert_int_eq(itest_run(reload, NULL), 0);
        return files;
}

/* Fails the test, with what the manager and the journal say of @unit:
 * one sanitized CI run timed out waiting for it to become active, and
 * nothing in the log said why. */
static void
unit_explain_failure(const char *unit, const char *what)
{
        const char *status[] = { "systemctl", "--user",     "status", "--no-pager",
                                 "--full",    "--lines=50", unit,     NULL };
        g_autofree char *out = NULL;

        (void) itest_run(status, &out);
        fprintf(stderr, "# systemctl --user status %s:\n%s\n", unit, out ? out : "");
        ck_abort_msg("%s %s", unit, what);
}

static void
remove_user_unit(GPtrArray *files)
{
        const char *reload[] = { "systemctl", "--user", "daemon-reload", NULL };

        for (guint i = 0; i < files->len; i++)
                (void) g_remove(g_ptr_array_index(files, i));
        (void) itest_run(reload, NULL);
        g_ptr_array_unref(files);
}

/* (6) Started by the user manager from units/steward-user.service
 * (Type=notify), stewardd is active only once its tree is up, and its
 * STATUS= reaches the unit. Its children's notify socket is in the unit's
 * runtime directory and in its file descriptor store: killed, stewardd is
 * restarted by the manager, and what was sent to the socket meanwhile
 * waits for the next stewardd, which listens on the very same socket. */
/* ---- the rest of the protocol (issue #18) ---- */

/* The decision of a command's a{sv} outcome; its command id and the
 * child's state right after it, if asked for. */
static char *
command_decision(ItestDaemon *d, const char *method, const char *child, char **ret_id, char **ret_state)
{
        g_autoptr(GVariant) reply =
                itest_manager_call(d, method, g_variant_new("(ss)", child, "test"), "(a{sv})");
        g_autoptr(GVariant) outcome = NULL;
        const char *decision = NULL, *id = NULL, *state = NULL;

        g_variant_get(reply, "(@a{sv})", &outcome);
        ck_assert(g_variant_lookup(outcome, "decision", "&s", &decision));
        if (ret_id) {
                ck_assert(g_variant_lookup(outcome, "command_id", "&s", &id));
                *ret_id = g_strdup(id);
        }
        if (ret_state) {
                ck_assert(g_variant_lookup(outcome, "state", "&s", &state));
                *ret_state = g_strdup(state);
        }
        return g_strdup(decision);
}

/* Waits for an event of @kind about @child carrying @command_id. */
static GVariant *
wait_command_event(ItestEvents *ev, const char *kind, const char *child, const char *command_id)
{
        guint from = 0;
        GVariant *e;

        while ((e = itest_events_wait(ev, kind, child, &from, ITEST_TIMEOUT_SEC)))
                if (g_strcmp0(itest_event_str(e, "command_id"), command_id) == 0)
                        return e;
        return NULL;
}

/* systemd-notify --ready (READY=1, then BARRIER=1 with a descriptor) is no
 * dropped message: the barrier is honoured, nothing is logged. ERRNO=
 * becomes StatusErrno, shown by stewardctl status; FDSTORE=1 is refused
 * once per incarnation, its other fields still act. */
START_TEST(test_systemd_notify_barrier)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *config =
                g_strdup_printf("[Child sn]\n"
                                "Type=notify\n"
                                "ExecStart=/bin/sh -c 'systemd-notify --ready && systemd-notify ERRNO=5 && "
                                "exec %s fdstore fdstore barrier notify=STATUS=done'\n",
                                w->child);
        ItestCapture cap = { 0 };
        ItestDaemon *d = start_capturing(config, _i, &cap);
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        const char *argv[] = { ctl, "--user", "status", "sn", NULL };
        g_autofree char *socket_path = notify_path(d);
        g_autofree char *needle = NULL;
        g_autofree char *out = NULL;
        const char *refused = "passed 1 file descriptor(s) to keep (FDSTORE=1)";

        /* sh runs on only if each systemd-notify saw its barrier through. */
        ck_assert(itest_child_wait_property(d, "sn", "StatusText", g_variant_new_string("done"),
                                            ITEST_TIMEOUT_SEC));
        ck_assert_str_eq(child_state(d, "sn"), "ready");
        ck_assert(itest_child_wait_property(d, "sn", "StatusErrno", g_variant_new_int32(5),
                                            ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(itest_run(argv, &out), 0);
        ck_assert_msg(strstr(out, "Error: 5 (Input/output error)"), "%s", out);

        /* Everything the child sent was read before its STATUS=done. A
         * stranger's datagram now is the first drop: had a barrier been
         * dropped, this one would not be "1 in all" (or not be logged at
         * all, within the drop log's interval). */
        send_as_stranger(socket_path, "READY=1");
        needle = g_strdup_printf(
                "Dropped 1 notify message(s) since the last report (1 in all), the latest from PID %d",
                (int) getpid());
        ck_assert_msg(itest_capture_wait(&cap, needle), "no drop logged:\n%s", cap.text->str);
        ck_assert_msg(!strstr(cap.text->str, "file descriptors passed"), "%s", cap.text->str);
        ck_assert_msg(!strstr(cap.text->str, "BARRIER"), "%s", cap.text->str);
        ck_assert_msg(strstr(cap.text->str, refused), "%s", cap.text->str);
        ck_assert_msg(strstr(cap.text->str, refused) == g_strrstr(cap.text->str, refused),
                      "FDSTORE=1 refused more than once:\n%s", cap.text->str);

        itest_daemon_free(d);
        itest_capture_clear(&cap);
}
END_TEST

static gboolean
pid_gone(pid_t pid)
{
        return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Waits until @pid no longer exists (reaped), within the bound. */
static gboolean
wait_pid_gone(pid_t pid)
{
        gint64 end = g_get_monotonic_time() + ITEST_TIMEOUT_SEC * G_USEC_PER_SEC;

        /* Nothing signals a reap to the test: the bus events are kept
         * flowing meanwhile, and the check repeated. */
        while (!pid_gone(pid) && g_get_monotonic_time() < end)
                if (!g_main_context_iteration(NULL, FALSE))
                        g_usleep(10 * 1000);
        return pid_gone(pid);
}

/* Waits until stewardd's state file names @pid as @child's main process. */
static gboolean
wait_saved_main_pid(ItestDaemon *d, pid_t pid)
{
        g_autofree char *path = g_build_filename(d->dir, "run", "state", NULL);
        g_autofree char *needle = g_strdup_printf("\nMainPID=%d\n", (int) pid);
        gint64 end = g_get_monotonic_time() + ITEST_TIMEOUT_SEC * G_USEC_PER_SEC;

        for (;;) {
                g_autofree char *text = NULL;

                if (g_file_get_contents(path, &text, NULL, NULL) && strstr(text, needle))
                        return TRUE;
                if (g_get_monotonic_time() >= end)
                        return FALSE;
                /* Saved at the daemon's idle time: no signal tells the test. */
                if (!g_main_context_iteration(NULL, FALSE))
                        g_usleep(10 * 1000);
        }
}

/* A forking daemon (Type=notify, MAINPID= after a double fork) is followed:
 * MainPID is the grandchild, the launcher's exit ends nothing, a restart of
 * stewardd keeps following it, and the grandchild's end is the
 * incarnation's, restarted by the policy. */
START_TEST(test_mainpid_follows_double_fork)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *first = work_path(w, "first.env");
        g_autofree char *daemon = work_path(w, "daemon.env");
        g_autofree char *config = g_strdup_printf("[Child fk]\n"
                                                  "Type=notify\n"
                                                  "RestartSec=100ms\n"
                                                  "ExecStart=%s env=%s daemonize env=%s\n",
                                                  w->child, first, daemon);
        const char *args[] = { "--backend=scope", NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autoptr(GHashTable) first_env = read_env(first);
        g_autoptr(GHashTable) daemon_env = read_env(daemon);
        pid_t launcher = atoi(g_hash_table_lookup(first_env, "PID"));
        pid_t grandchild = atoi(g_hash_table_lookup(daemon_env, "PID"));
        g_autoptr(GVariant) gen = NULL;
        GVariant *exited;

        ck_assert_int_ne(launcher, grandchild);
        ck_assert(itest_child_wait_property(d, "fk", "MainPID", g_variant_new_uint32((guint32) grandchild),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "fk", "ready"));
        /* The launcher exited and was reaped: the incarnation goes on. */
        ck_assert(wait_pid_gone(launcher));
        ck_assert(itest_events_wait_generation(ev, "child_ready", "fk", 0, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(itest_events_count(ev, "child_exited", "fk"), 0);
        ck_assert_str_eq(child_state(d, "fk"), "ready");

        /* Live restore takes the followed main process over. */
        ck_assert(wait_saved_main_pid(d, grandchild));
        itest_daemon_kill(d);
        itest_daemon_restart(d);
        ev = d->events;
        ck_assert(itest_events_wait_generation(ev, "child_adopted", "fk", 0, ITEST_TIMEOUT_SEC));
        ck_assert(itest_child_wait_property(d, "fk", "MainPID", g_variant_new_uint32((guint32) grandchild),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "fk", "ready"));

        /* The daemon's end is the incarnation's: restarted by the policy. */
        ck_assert_int_eq(kill(grandchild, SIGKILL), 0);
        exited = itest_events_wait_generation(ev, "child_exited", "fk", 0, ITEST_TIMEOUT_SEC);
        ck_assert(exited);
        ck_assert_str_eq(itest_event_str(exited, "decision"), "failure");
        ck_assert(itest_child_wait_property(d, "fk", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "fk", "ready"));
        gen = itest_child_property(d, "fk", "MainPID");
        ck_assert_uint_ne(g_variant_get_uint32(gen), (guint32) grandchild);
        ck_assert_uint_ne(g_variant_get_uint32(gen), 0);
}
END_TEST

/* Whether @pid is a zombie: ended, not yet reaped. */
static gboolean
pid_is_zombie(pid_t pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid);
        g_autofree char *text = NULL;
        const char *paren;

        if (!g_file_get_contents(path, &text, NULL, NULL) || !(paren = strrchr(text, ')')))
                return FALSE;
        return paren[1] == ' ' && paren[2] == 'Z';
}

/* A launcher that names its successor and exits at once, without a
 * barrier: with stewardd stalled, its datagram and its exit are both
 * waiting when it wakes up, the reaper's source first in line. The
 * datagram must count first (systemd too reads its notify socket before
 * SIGCHLD): the incarnation stays up. The stall is the stimulus. */
START_TEST(test_mainpid_then_exit_at_once)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *first = work_path(w, "first.env");
        g_autofree char *daemon = work_path(w, "daemon.env");
        g_autofree char *go = work_fifo(w, "go");
        g_autofree char *config = g_strdup_printf("[Child fk]\n"
                                                  "Type=notify\n"
                                                  "ExecStart=%s env=%s daemonize-nobarrier=%s env=%s\n",
                                                  w->child, first, go, daemon);
        const char *args[] = { "--backend=scope", NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autoptr(GHashTable) first_env = read_env(first);
        g_autoptr(GHashTable) daemon_env = read_env(daemon);
        pid_t launcher = atoi(g_hash_table_lookup(first_env, "PID"));
        pid_t grandchild = atoi(g_hash_table_lookup(daemon_env, "PID"));
        gint64 end = g_get_monotonic_time() + ITEST_TIMEOUT_SEC * G_USEC_PER_SEC;
        g_autoptr(GVariant) main_pid = NULL;

        ck_assert_int_eq(kill(d->pid, SIGSTOP), 0);
        release(go);
        /* Its datagram is queued before it exits; its exit waits for us. */
        while (!pid_is_zombie(launcher) && g_get_monotonic_time() < end)
                g_usleep(10 * 1000);
        ck_assert(pid_is_zombie(launcher));
        ck_assert_int_eq(kill(d->pid, SIGCONT), 0);

        ck_assert(wait_pid_gone(launcher));
        /* Asked after the reap, so answered after its judgement. */
        ck_assert_str_eq(child_state(d, "fk"), "ready");
        main_pid = itest_child_property(d, "fk", "MainPID");
        ck_assert_uint_eq(g_variant_get_uint32(main_pid), (guint32) grandchild);
        ck_assert(itest_events_wait_generation(ev, "child_ready", "fk", 0, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(itest_events_count(ev, "child_exited", "fk"), 0);
        ck_assert_int_eq(kill(grandchild, 0), 0);
}
END_TEST

/* ReloadChild: the child gets its ReloadSignal=, says RELOADING=1 then
 * READY=1, and the reload completes under the command's id; one that
 * never answers fails at TimeoutStartSec= and is left running. */
START_TEST(test_reload_child)
{
        g_autoptr(Work) w = work_new();
        g_autofree char *config = g_strdup_printf("[Child rl]\n"
                                                  "Type=notify\n"
                                                  "ExecStart=%s notify=READY=1 reloadable\n"
                                                  "[Child deaf]\n"
                                                  "Type=notify\n"
                                                  "TimeoutStartSec=1s\n"
                                                  "ReloadSignal=SIGWINCH\n"
                                                  "ExecStart=%s notify=READY=1\n",
                                                  w->child, w->child);
        const char *args[] = { "--backend=scope", NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        const char *argv[] = { ctl, "--user", "reload-child", "rl", NULL };
        g_autofree char *decision = NULL;
        g_autofree char *id = NULL;
        g_autofree char *state = NULL;
        g_autofree char *out = NULL;
        GVariant *reloading, *reloaded, *failed;
        guint from = 0;

        ck_assert(itest_wait_state(d, "rl", "ready"));
        ck_assert(itest_wait_state(d, "deaf", "ready"));
        decision = command_decision(d, "ReloadChild", "rl", &id, NULL);
        ck_assert_str_eq(decision, "reload_requested");
        reloading = wait_command_event(ev, "child_reloading", "rl", id);
        ck_assert(reloading);
        reloaded = wait_command_event(ev, "child_reloaded", "rl", id);
        ck_assert(reloaded);
        ck_assert(itest_child_wait_property(d, "rl", "StatusText", g_variant_new_string("reloaded"),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "rl", "ready"));
        ck_assert_uint_eq(itest_events_count(ev, "child_reload_failed", "rl"), 0);

        /* The same through stewardctl, which returns once the child said
         * READY=1 again: ready at once, not reloading. */
        ck_assert_int_eq(itest_run(argv, &out), 0);
        ck_assert_msg(strstr(out, "reload_requested"), "%s", out);
        state = itest_child_str(d, "rl", "State");
        ck_assert_str_eq(state, "ready");
        g_clear_pointer(&state, g_free);
        ck_assert(itest_events_wait(ev, "child_reloaded", "rl", &from, ITEST_TIMEOUT_SEC));
        ck_assert(itest_events_wait(ev, "child_reloaded", "rl", &from, ITEST_TIMEOUT_SEC));

        /* SIGWINCH is ignored, so nothing comes back: reloading until the
         * timeout, then ready again, same incarnation. */
        g_clear_pointer(&decision, g_free);
        g_clear_pointer(&id, g_free);
        decision = command_decision(d, "ReloadChild", "deaf", &id, &state);
        ck_assert_str_eq(decision, "reload_requested");
        /* From the answer: a property read could come after the timeout. */
        ck_assert_str_eq(state, "reloading");
        failed = wait_command_event(ev, "child_reload_failed", "deaf", id);
        ck_assert(failed);
        ck_assert_str_eq(itest_event_str(failed, "decision"), "timeout");
        ck_assert(itest_wait_state(d, "deaf", "ready"));
        ck_assert_uint_eq(itest_events_count(ev, "child_exited", "deaf"), 0);

        /* Through stewardctl: it fails with that event. */
        {
                const char *deaf_argv[] = { ctl, "--user", "reload-child", "deaf", NULL };
                g_autofree char *err = NULL;
                int status;

                ck_assert(g_spawn_sync(NULL, (char **) deaf_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                       NULL, NULL, &err, &status, NULL));
                ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
                ck_assert_msg(strstr(err, "stewardctl: deaf did not reload: "), "%s", err);
                ck_assert_msg(strstr(err, " child_reload_failed child=deaf "), "%s", err);
                ck_assert_msg(strstr(err, " decision=timeout "), "%s", err);
        }
}
END_TEST

/* EXTEND_TIMEOUT_USEC= while stewardd stops a child: past TimeoutStopSec=
 * it is not killed, and its clean exit is what ends it. */
START_TEST(test_extend_timeout_while_stopping)
{
        g_autoptr(Work) w = work_new();
        /* 2s to stop, but it asks for 60s and takes 4s of its own pace. */
        g_autofree char *config = g_strdup_printf("[Child slow]\n"
                                                  "Type=notify\n"
                                                  "TimeoutStopSec=2s\n"
                                                  "ExecStart=%s notify=READY=1 term-extend=60000000,4000\n",
                                                  w->child);
        const char *args[] = { backends[_i], NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, args);
        ItestEvents *ev = d->events;
        g_autofree char *decision = NULL;
        const char *code = NULL;
        g_autoptr(GVariant) fields = NULL;
        gint32 status = -1;
        GVariant *exited;

        ck_assert(itest_wait_state(d, "slow", "ready"));
        decision = command_decision(d, "StopChild", "slow", NULL, NULL);
        ck_assert_str_eq(decision, "stop_delivered");
        exited = itest_events_wait_generation(ev, "child_exited", "slow", 0, 2 * ITEST_TIMEOUT_SEC);
        ck_assert(exited);
        g_variant_get(exited, "(tsst@a{sv})", NULL, NULL, NULL, NULL, &fields);
        ck_assert(g_variant_lookup(fields, "exit_code", "&s", &code));
        ck_assert(g_variant_lookup(fields, "exit_status", "i", &status));
        ck_assert_msg(g_str_equal(code, "exited") && status == 0, "%s %d", code, status);
        ck_assert_uint_eq(itest_events_count(ev, "child_restart_fence_abort_requested", "slow"), 0);
        ck_assert(itest_wait_state(d, "slow", "stopped"));
}
END_TEST

START_TEST(test_stewardd_is_a_notify_service)
{
        static const char unit[] = "steward-notify-test.service";
        g_autoptr(Work) w = work_new();
        g_autofree char *config = gated_config(w);
        g_autofree char *conf_path = work_path(w, "steward.conf");
        g_autofree char *env_path = work_path(w, "db.env");
        g_autofree char *fifo = work_path(w, "db.fifo");
        g_autofree char *label = steward_bus_label_escape(unit);
        g_autofree char *path = g_strconcat("/org/freedesktop/systemd1/unit/", label, NULL);
        g_autofree char *socket_path =
                g_build_filename(g_getenv("XDG_RUNTIME_DIR"), "steward", "notify", NULL);
        g_autoptr(GDBusConnection) bus = itest_bus();
        g_autoptr(ItestEvents) events = itest_events_new(bus);
        g_autofree char *state_path =
                g_build_filename(g_getenv("XDG_RUNTIME_DIR"), "steward", "state", NULL);
        g_autoptr(GVariant) sub = NULL;
        g_autoptr(GHashTable) env = NULL;
        g_autofree char *state = NULL;
        g_autofree char *pid_match = NULL;
        const char *start[] = { "systemctl", "--user", "start", "--no-block", unit, NULL };
        const char *stop[] = { "systemctl", "--user", "stop", unit, NULL };
        const char *is_failed[] = { "systemctl", "--user", "--quiet", "is-failed", unit, NULL };
        const char *match[] = { NULL, NULL };
        const char *service = "org.freedesktop.systemd1.Service";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        steward_autofd int client = -1;
        guint32 first_pid, second_pid;
        GVariant *ready;
        GPtrArray *files;

        ck_assert(g_file_set_contents(conf_path, config, -1, NULL));
        files = install_user_unit(unit, w->dir);
        sub = g_dbus_connection_call_sync(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                          "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL,
                                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert(sub);
        ck_assert_int_eq(itest_run(start, NULL), 0);

        /* db runs, so stewardd runs; but its tree is not up yet. */
        env = read_env(env_path);
        state = unit_property(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState");
        ck_assert_str_eq(state, "activating");
        /* RuntimeDirectory=steward of the user manager. */
        assert_notify_socket(env, socket_path);

        release(fifo);
        if (!unit_wait(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState",
                       g_variant_new_string("active")))
                unit_explain_failure(unit, "never became active");
        ck_assert(unit_wait(bus, path, service, "StatusText", g_variant_new_string("2 children: 2 up")));
        ck_assert(unit_wait(bus, path, service, "NFileDescriptorStore", g_variant_new_uint32(1)));

        /* A client bound to this very socket, not to whatever the path
         * leads to later: sending fails once the socket is closed. */
        client = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(client, 0);
        memcpy(sa.sun_path, socket_path, strlen(socket_path));
        ck_assert_int_eq(connect(client, (struct sockaddr *) &sa, sizeof(sa)), 0);

        /* The state is saved once the loop is idle: killed before, the
         * next stewardd would take db as still starting, and wait for a
         * READY=1 it sent already (seen in a sanitized CI run: "2
         * children: 1 up, 1 starting" for 30 s). */
        ready = itest_events_wait(events, "manager_ready", NULL, NULL, ITEST_TIMEOUT_SEC);
        ck_assert(ready);
        ck_assert(itest_wait_saved_path(state_path, itest_event_sequence(ready)));

        first_pid = unit_u32(bus, path, service, "MainPID");
        ck_assert_uint_gt(first_pid, 0);
        ck_assert_int_eq(g_unlink(env_path), 0);
        ck_assert_int_eq(kill((pid_t) first_pid, SIGKILL), 0);
        ck_assert(unit_wait(bus, path, "org.freedesktop.systemd1.Unit", "SubState",
                            g_variant_new_string("auto-restart")));
        /* No stewardd runs, yet the socket takes it: the store holds it. */
        ck_assert_int_eq(send(client, "READY=1", 7, 0), 7);

        /* The next stewardd takes the tree over (live restore): db is
         * not started again, and the unit is ready once it is adopted. */
        if (!unit_wait(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState",
                       g_variant_new_string("active")))
                unit_explain_failure(unit, "never became active again");
        second_pid = unit_u32(bus, path, service, "MainPID");
        ck_assert_uint_ne(second_pid, first_pid);
        ck_assert(!g_file_test(env_path, G_FILE_TEST_EXISTS));
        /* It read what was sent while it was down (from us, a stranger). */
        pid_match = g_strdup_printf("_PID=%u", second_pid);
        match[0] = pid_match;
        ck_assert(itest_journal_wait(match, "Dropped 1 notify message(s)", ITEST_TIMEOUT_SEC));

        /* A clean stop: a unit whose process failed would stay, failed. */
        ck_assert_int_eq(itest_run(stop, NULL), 0);
        ck_assert_int_ne(itest_run(is_failed, NULL), 0);
        remove_user_unit(files);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("notify");
        TCase *children = tcase_create("children");
        TCase *flood = tcase_create("flood");
        TCase *daemon = tcase_create("daemon");

        tcase_set_timeout(children, 3 * ITEST_TIMEOUT_SEC);
        tcase_add_loop_test(children, test_ready_holds_sibling, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_stranger_is_ignored, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_watchdog_kills_and_restarts, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_stall_keeps_watchdog_child, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_start_timeout, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_status_text, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_address_survives_kill, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_second_daemon_keeps_socket, 0, G_N_ELEMENTS(backends));
        tcase_add_loop_test(children, test_systemd_notify_barrier, 0, G_N_ELEMENTS(backends));
        tcase_add_test(children, test_mainpid_follows_double_fork);
        tcase_add_test(children, test_mainpid_then_exit_at_once);
        tcase_add_test(children, test_reload_child);
        tcase_add_loop_test(children, test_extend_timeout_while_stopping, 0, G_N_ELEMENTS(backends));
        suite_add_tcase(s, children);

        tcase_set_timeout(flood, 6 * ITEST_TIMEOUT_SEC);
        tcase_add_test(flood, test_status_flood);
        suite_add_tcase(s, flood);

        tcase_set_timeout(daemon, 3 * ITEST_TIMEOUT_SEC);
        tcase_add_test(daemon, test_stewardd_is_a_notify_service);
        suite_add_tcase(s, daemon);
        return s;
}

ITEST_MAIN(make_suite)
