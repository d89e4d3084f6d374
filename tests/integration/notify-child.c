/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* notify-child.c: a Type=notify program for the integration tests, doing what its arguments say, in order.
 *
 *   env=PATH      write NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID and our PID
 *                 to PATH (complete when it appears: written, then renamed)
 *   wait=FIFO     block until the test writes a byte to FIFO
 *   notify=TEXT   sd_notify(TEXT); "\n" in TEXT stands for a newline
 *   ping=N        N times WATCHDOG=1, WATCHDOG_USEC/3 apart, failures ignored
 *   statuses=N    N times STATUS=step I (I from 1 to N), as fast as the socket takes them
 *   flood=N       from now on, each SIGUSR1 queued with value K (sigqueue())
 *                 makes it send N STATUS= datagrams at once, the last one
 *                 "STATUS=flooded K" (also while pinging)
 *   exit=N        exit with status N
 *   barrier       sd_notify_barrier(): wait until stewardd read all sent so far
 *   fdstore       FDSTORE=1 with a descriptor (a pipe's end), as a daemon
 *                 keeping its sockets would
 *   daemonize     double fork: the grandchild goes on with the actions after
 *                 this one; this process sends MAINPID=<grandchild> and
 *                 READY=1, waits for the barrier, and exits 0
 *   daemonize-nobarrier=FIFO  the same, but the launcher waits for FIFO
 *                 before it sends, then exits right away, as most forking
 *                 daemons do (without a barrier)
 *   reloadable    forever: on SIGHUP, RELOADING=1 then READY=1
 *   zombie        fork a child that exits at once, and leave it unreaped:
 *                 returns once it is a zombie (no command line in /proc)
 *   term-extend=U,MS  on SIGTERM: EXTEND_TIMEOUT_USEC=U, then MS milliseconds
 *                 of shutting down (at its own pace), then exit 0
 *   (end)         wait for a signal */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

static int
write_env(const char *path)
{
        g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;

        text = g_strdup_printf("NOTIFY_SOCKET=%s\nWATCHDOG_USEC=%s\nWATCHDOG_PID=%s\nPID=%d\n",
                               g_getenv("NOTIFY_SOCKET") ?: "", g_getenv("WATCHDOG_USEC") ?: "",
                               g_getenv("WATCHDOG_PID") ?: "", (int) getpid());
        if (!g_file_set_contents(tmp, text, -1, &error) || rename(tmp, path) < 0) {
                fprintf(stderr, "notify-child: %s: %s\n", path, error ? error->message : g_strerror(errno));
                return -1;
        }
        return 0;
}

static int
wait_fifo(const char *path)
{
        char c;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0 || read(fd, &c, 1) != 1) {
                fprintf(stderr, "notify-child: %s: %s\n", path, g_strerror(errno));
                return -1;
        }
        (void) close(fd);
        return 0;
}

static int
notify(const char *text)
{
        g_autoptr(GString) s = g_string_new(text);
        int r;

        (void) g_string_replace(s, "\\n", "\n", 0);
        r = sd_notify(0, s->str);
        if (r <= 0) {
                fprintf(stderr, "notify-child: sd_notify '%s': %s\n", text,
                        r < 0 ? g_strerror(-r) : "no socket");
                return -1;
        }
        return 0;
}

static unsigned flood_count;
static volatile sig_atomic_t flood_pending;
static volatile sig_atomic_t flood_value;

static void
on_usr1(int sig, siginfo_t *info, void *ctx)
{
        flood_value = info->si_value.sival_int;
        flood_pending = 1;
}

static int
flood_arm(unsigned n)
{
        struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO | SA_RESTART };

        flood_count = n;
        return sigaction(SIGUSR1, &sa, NULL);
}

/* sd_notify() is no signal handler's business: the flood goes out from
 * the main flow, once the handler has noted it. */
static void
flood_maybe(void)
{
        char text[64];

        if (!flood_pending)
                return;
        flood_pending = 0;
        for (unsigned i = 1; i < flood_count; i++) {
                g_snprintf(text, sizeof(text), "STATUS=flood %u", i);
                (void) sd_notify(0, text);
        }
        g_snprintf(text, sizeof(text), "STATUS=flooded %d", (int) flood_value);
        (void) sd_notify(0, text);
}

static int
ping(unsigned n)
{
        const char *env = g_getenv("WATCHDOG_USEC");
        guint64 usec = env ? g_ascii_strtoull(env, NULL, 10) : 0;

        if (usec == 0) {
                fprintf(stderr, "notify-child: ping without WATCHDOG_USEC\n");
                return -1;
        }
        for (unsigned i = 0; i < n; i++) {
                /* The program's own pace, not a test waiting on it. */
                g_usleep(usec / 3);
                /* As daemons do, a ping nobody hears is not fatal: a
                 * stewardd being restarted is not listening for a moment. */
                (void) sd_notify(0, "WATCHDOG=1");
                flood_maybe();
        }
        return 0;
}

static int
statuses(unsigned n)
{
        for (unsigned i = 1; i <= n; i++) {
                g_autofree char *text = g_strdup_printf("STATUS=step %u", i);
                int r;

                /* A full socket queue is the daemon's pace, not an error. */
                while ((r = sd_notify(0, text)) == -EAGAIN)
                        g_usleep(1000);
                if (r <= 0) {
                        fprintf(stderr, "notify-child: sd_notify '%s': %s\n", text,
                                r < 0 ? g_strerror(-r) : "no socket");
                        return -1;
                }
        }
        return 0;
}

static int
barrier(void)
{
        int r = sd_notify_barrier(0, 30 * G_USEC_PER_SEC);

        if (r < 0) {
                fprintf(stderr, "notify-child: barrier: %s\n", g_strerror(-r));
                return -1;
        }
        return 0;
}

static int
fdstore(void)
{
        int p[2], r;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=pipe", &p[0], 1);
        (void) close(p[0]);
        (void) close(p[1]);
        if (r <= 0) {
                fprintf(stderr, "notify-child: FDSTORE=1: %s\n", r < 0 ? g_strerror(-r) : "no socket");
                return -1;
        }
        return 0;
}

/* A child of ours that has exited, left unreaped for as long as we run:
 * waitid() with WNOWAIT returns once it is a zombie, and leaves it one. */
static int
zombie(void)
{
        siginfo_t info = { 0 };
        pid_t pid = fork();

        if (pid < 0) {
                fprintf(stderr, "notify-child: fork: %s\n", g_strerror(errno));
                return -1;
        }
        if (pid == 0)
                _exit(0);
        if (waitid(P_PID, (id_t) pid, &info, WEXITED | WNOWAIT) < 0) {
                fprintf(stderr, "notify-child: waitid: %s\n", g_strerror(errno));
                return -1;
        }
        return 0;
}

/* Returns 0 in the grandchild, which goes on; the others never return. */
static int
daemonize(const char *fifo)
{
        int p[2];
        pid_t mid, grandchild = 0;
        g_autofree char *text = NULL;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        mid = fork();
        if (mid < 0)
                return -1;
        if (mid == 0) {
                pid_t gc = fork();

                if (gc == 0) {
                        (void) close(p[0]);
                        (void) close(p[1]);
                        return 0;
                }
                (void) !write(p[1], &gc, sizeof(gc));
                _exit(gc > 0 ? 0 : 1);
        }
        (void) close(p[1]);
        if (read(p[0], &grandchild, sizeof(grandchild)) != sizeof(grandchild) || grandchild <= 0)
                _exit(1);
        (void) waitpid(mid, NULL, 0);
        if (fifo && wait_fifo(fifo) < 0)
                _exit(1);
        text = g_strdup_printf("MAINPID=%d\nREADY=1", (int) grandchild);
        if (sd_notify(0, text) <= 0 || (!fifo && barrier() < 0))
                _exit(1);
        _exit(0);
}

static void
reloadable(void)
{
        sigset_t mask;
        int sig;

        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        for (;;)
                if (sigwait(&mask, &sig) == 0) {
                        (void) sd_notify(0, "RELOADING=1");
                        (void) sd_notify(0, "READY=1\nSTATUS=reloaded");
                }
}

static int
term_extend(const char *arg)
{
        g_auto(GStrv) parts = g_strsplit(arg, ",", 2);
        g_autofree char *text = NULL;
        sigset_t mask;
        int sig;

        if (!parts[0] || !parts[1])
                return -1;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sigwait(&mask, &sig) != 0)
                return -1;
        text = g_strdup_printf("EXTEND_TIMEOUT_USEC=%s", parts[0]);
        if (sd_notify(0, text) <= 0 || barrier() < 0)
                return -1;
        g_usleep(g_ascii_strtoull(parts[1], NULL, 10) * 1000);
        exit(0);
}

int
main(int argc, char **argv)
{
        /* A SIGTERM (SIGHUP) that comes before term-extend= (reloadable) is
         * reached must wait for it, or the test's stop (reload) could race
         * the child's READY=1. */
        for (int i = 1; i < argc; i++) {
                sigset_t mask;

                sigemptyset(&mask);
                if (g_str_has_prefix(argv[i], "term-extend="))
                        sigaddset(&mask, SIGTERM);
                else if (g_str_equal(argv[i], "reloadable"))
                        sigaddset(&mask, SIGHUP);
                (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        }
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                int r = 0;

                if (g_str_has_prefix(a, "env="))
                        r = write_env(a + 4);
                else if (g_str_has_prefix(a, "wait="))
                        r = wait_fifo(a + 5);
                else if (g_str_has_prefix(a, "notify="))
                        r = notify(a + 7);
                else if (g_str_has_prefix(a, "ping="))
                        r = ping((unsigned) atoi(a + 5));
                else if (g_str_has_prefix(a, "statuses="))
                        r = statuses((unsigned) atoi(a + 9));
                else if (g_str_has_prefix(a, "flood="))
                        r = flood_arm((unsigned) atoi(a + 6));
                else if (g_str_has_prefix(a, "exit="))
                        return atoi(a + 5);
                else if (g_str_equal(a, "barrier"))
                        r = barrier();
                else if (g_str_equal(a, "fdstore"))
                        r = fdstore();
                else if (g_str_equal(a, "daemonize"))
                        r = daemonize(NULL);
                else if (g_str_has_prefix(a, "daemonize-nobarrier="))
                        r = daemonize(a + 20);
                else if (g_str_equal(a, "reloadable"))
                        reloadable();
                else if (g_str_equal(a, "zombie"))
                        r = zombie();
                else if (g_str_has_prefix(a, "term-extend="))
                        r = term_extend(a + 12);
                else {
                        fprintf(stderr, "notify-child: unknown action '%s'\n", a);
                        return 2;
                }
                if (r < 0)
                        return 1;
        }
        for (;;) {
                pause();
                flood_maybe();
        }
}
