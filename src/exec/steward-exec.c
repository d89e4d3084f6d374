/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-exec.c: the helper stewardd spawns for every incarnation: it waits to be placed, then becomes the
 * program.
 *
 * See steward-exec-protocol.h for what it is handed. It is a process of
 * its own, not a copy of stewardd, so it may allocate and call what it
 * likes. It links nothing but libc: it runs once per incarnation, and its
 * start-up is part of every spawn. (libsystemd alone would bring libgcrypt,
 * liblzma, libzstd, liblz4 and libcap along and double that start-up, for
 * one call; see journal_stream_fd().) Everything a stage does is what a
 * forked child of stewardd did before it, in the same order, so a program
 * sees no difference.
 *
 * Run as "steward-exec --spawner", it is the spawner instead, which forks
 * the helpers (run_spawner()): a helper is then a copy of this small
 * process, made without stewardd's clone() and without an exec. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "steward-exec-protocol.h"

typedef struct {
        char **argv;
        char **envp;
        const char *own_pid_key;
        const char *cwd;
        const char *identifier;
        int set_credentials;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
} Params;

/* A report to stewardd on our socket; gone, it hears nothing (no SIGPIPE). */
static void
report(StewardExecStage stage, int error)
{
        StewardExecReport r = { .stage = stage, .error = error };

        (void) send(STEWARD_EXEC_FD, &r, sizeof(r), MSG_NOSIGNAL);
}

static void __attribute__((noreturn)) fail(StewardExecStage stage, int error)
{
        report(stage, error);
        _exit(127);
}

/* The next NUL-terminated string of the buffer, or NULL past its end. */
static const char *
next_string(const char **p, const char *end)
{
        const char *s = *p, *nul;

        if (s >= end)
                return NULL;
        nul = memchr(s, '\0', (size_t) (end - s));
        if (!nul)
                return NULL;
        *p = nul + 1;
        return s;
}

static int
parse_count(const char *s, unsigned long max, unsigned long *ret)
{
        char *e;
        unsigned long v;

        if (!s || !*s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &e, 10);
        if (errno || *e || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int
parse_vector(const char **p, const char *end, char ***ret)
{
        unsigned long n;
        char **v;

        if (parse_count(next_string(p, end), STEWARD_EXEC_PARAMS_MAX, &n) < 0)
                return -EINVAL;
        v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (unsigned long i = 0; i < n; i++) {
                const char *s = next_string(p, end);

                if (!s)
                        return -EINVAL;
                v[i] = (char *) s;
        }
        *ret = v;
        return 0;
}

/* The next decimal number of a space-separated list. */
static int
next_number(const char **p, unsigned long *ret)
{
        char *end;

        while (**p == ' ')
                (*p)++;
        if (**p < '0' || **p > '9')
                return -EINVAL;
        errno = 0;
        *ret = strtoul(*p, &end, 10);
        if (errno || (*end && *end != ' '))
                return -EINVAL;
        *p = end;
        return 0;
}

/* "UID GID NGROUPS GID1 GID2 ...", or "" to keep stewardd's. */
static int
parse_credentials(const char *s, Params *params)
{
        unsigned long uid, gid, n;

        if (!*s)
                return 0;
        if (next_number(&s, &uid) < 0 || next_number(&s, &gid) < 0 || next_number(&s, &n) < 0 || n > 65536)
                return -EINVAL;
        params->groups = calloc(n ? n : 1, sizeof(gid_t));
        if (!params->groups)
                return -ENOMEM;
        for (unsigned long i = 0; i < n; i++) {
                unsigned long g;

                if (next_number(&s, &g) < 0)
                        return -EINVAL;
                params->groups[i] = (gid_t) g;
        }
        params->uid = (uid_t) uid;
        params->gid = (gid_t) gid;
        params->n_groups = n;
        params->set_credentials = 1;
        return 0;
}

/* The whole parameter memfd @fd into *@ret_buf, and @fd closed: it is
 * sealed, so its size is final. */
static int
read_memfd(int fd, char **ret_buf, size_t *ret_len)
{
        struct stat st;
        char *buf;
        size_t done = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size <= 0 || st.st_size > STEWARD_EXEC_PARAMS_MAX)
                return -EINVAL;
        buf = malloc((size_t) st.st_size);
        if (!buf)
                return -ENOMEM;
        while (done < (size_t) st.st_size) {
                ssize_t n = pread(fd, buf + done, (size_t) st.st_size - done, (off_t) done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EINVAL;
                done += (size_t) n;
        }
        (void) close(fd);
        *ret_buf = buf;
        *ret_len = done;
        return 0;
}

/* The parameters, once stewardd has an incarnation for us: they come on
 * our socket, in the message itself (into @buf, of
 * STEWARD_EXEC_PARAMS_INLINE_MAX bytes) or, larger, in a memfd it carries.
 * EOF there means they never will (stewardd ended, or let us go). */
static int
receive_params(char *buf, char **ret_buf, size_t *ret_len)
{
        StewardExecFdMessage m;
        ssize_t n;
        int fd = -1;

        steward_exec_fd_message_init(&m);
        m.iov.iov_base = buf;
        m.iov.iov_len = STEWARD_EXEC_PARAMS_INLINE_MAX;
        do
                n = recvmsg(STEWARD_EXEC_FD, &m.msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                _exit(127);
        if (n < 0)
                return -errno;
        if (m.msg.msg_flags & MSG_TRUNC)
                return -EPROTO;
        if (!CMSG_FIRSTHDR(&m.msg)) {
                *ret_buf = buf;
                *ret_len = (size_t) n;
                return 0;
        }
        if (!steward_exec_fd_message_get(&m, &fd, 1))
                return -EPROTO;
        return read_memfd(fd, ret_buf, ret_len);
}

/* The parameters of @buf (@len bytes) into @params, which points into it. */
static int
parse_params(const char *buf, size_t len, Params *params)
{
        const char *p = buf, *end = buf + len, *s;
        int r;

        s = next_string(&p, end);
        if (!s || strcmp(s, STEWARD_EXEC_MAGIC) != 0)
                return -EPROTO;
        r = parse_vector(&p, end, &params->argv);
        if (r < 0)
                return r;
        if (!params->argv[0])
                return -EINVAL;
        r = parse_vector(&p, end, &params->envp);
        if (r < 0)
                return r;
        params->own_pid_key = next_string(&p, end);
        params->cwd = next_string(&p, end);
        params->identifier = next_string(&p, end);
        s = next_string(&p, end);
        if (!params->own_pid_key || !params->cwd || !params->identifier || !s)
                return -EINVAL;
        return parse_credentials(s, params);
}

/* KEY= in the environment gets our PID: we are the main process a
 * WATCHDOG_PID= is about, and only we know our PID before exec. */
static void
set_own_pid(Params *params)
{
        size_t key_len = strlen(params->own_pid_key);

        if (key_len == 0)
                return;
        for (char **e = params->envp; *e; e++)
                if (strncmp(*e, params->own_pid_key, key_len) == 0 && (*e)[key_len] == '=') {
                        char *entry;

                        if (asprintf(&entry, "%s=%d", params->own_pid_key, (int) getpid()) < 0)
                                fail(STEWARD_EXEC_STAGE_PARAMS, ENOMEM);
                        *e = entry;
                        return;
                }
}

/* A stream to journald for stdout and stderr, as sd_journal_stream_fd()
 * opens one: connected to journald's stdout socket, never read, and a
 * header of the identifier, no unit id, the priority, level prefixes on,
 * and no forwarding; journald documents the protocol and keeps it stable
 * (it is how every service's output arrives). */
static int
journal_stream_fd(const char *identifier)
{
        static const struct sockaddr_un sa = {
                .sun_family = AF_UNIX,
                .sun_path = "/run/systemd/journal/stdout",
        };
        int sndbuf = 8 * 1024 * 1024, fd;
        char *header;
        ssize_t n;
        int len;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0 || shutdown(fd, SHUT_RD) < 0) {
                int r = -errno;
                (void) close(fd);
                return r;
        }
        /* A chatty program should not block on a full socket buffer while
         * journald catches up: as much room as journald's own clients get. */
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        len = asprintf(&header, "%s\n\n%d\n1\n0\n0\n0\n", identifier, LOG_INFO);
        if (len < 0) {
                (void) close(fd);
                return -ENOMEM;
        }
        /* journald takes at most 4,096 streams (STDOUT_STREAMS_MAX): past
         * that it accepts a connection and closes it at once, and a plain
         * write() here would end the helper by SIGPIPE before the program
         * ever ran. EPIPE instead, and the program gets the fallback. */
        do
                n = send(fd, header, (size_t) len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        free(header);
        if (n != len) {
                int r = n < 0 ? -errno : -EIO;
                (void) close(fd);
                return r;
        }
        return fd;
}

/* Whether stewardd's own stderr can take the program's output: open for
 * writing and not a pipe or socket whose reader is gone (stewardd's stderr
 * may be a journal stream of the journald that just refused us; a write
 * there would only raise SIGPIPE in the program). */
static int
stderr_usable(void)
{
        struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };
        int flags = fcntl(STDERR_FILENO, F_GETFL);

        if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
                return 0;
        if (poll(&p, 1, 0) < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
                return 0;
        return 1;
}

/* stdout and stderr for a program whose journal stream was refused: a
 * child must not fail because its logging cannot be set up. stewardd
 * hears of it first (a notice on the report pipe, not a failure), so it
 * can say so once. */
static void
stdio_fallback(int null_fd, int error)
{
        int target = stderr_usable() ? STDERR_FILENO : null_fd;

        report(STEWARD_EXEC_STAGE_STDIO_FALLBACK, error);
        if (dup2(target, STDOUT_FILENO) < 0 || (target != STDERR_FILENO && dup2(target, STDERR_FILENO) < 0))
                fail(STEWARD_EXEC_STAGE_STDIO, errno);
}

/* Every signal back to SIG_DFL. posix_spawn() reset those stewardd
 * handles, but glibc's sigaction() refuses the real-time signals it
 * reserves for itself (32 and 33) with EINVAL, and an ignored one survives
 * execve(): those go through the system call. The kernel's struct is all
 * zeros for SIG_DFL with no flags and an empty mask, whatever the
 * architecture's layout, and is smaller than the buffer on every one. */
static void
reset_signal_dispositions(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        static const unsigned char kernel_sa_default[128];
        sigset_t none;

        for (int sig = 1; sig < NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                if (sigaction(sig, &sa, NULL) < 0 && errno == EINVAL)
                        (void) syscall(SYS_rt_sigaction, sig, kernel_sa_default, NULL, (NSIG - 1) / 8);
        }
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
}

/* @inline_buf: room for the parameters, STEWARD_EXEC_PARAMS_INLINE_MAX
 * bytes; NULL when it could not be allocated, which is reported. */
static void __attribute__((noreturn)) run_helper(char *inline_buf)
{
        Params params = { 0 };
        char *buf = NULL;
        size_t len = 0;
        char go;
        ssize_t n;
        int null_fd, r;

        /* Run through /proc/self/fd, we would be named by a number in ps
         * and top until the exec (and a spare waits long). */
        (void) prctl(PR_SET_NAME, "steward-exec");

        /* Nothing but our socket and stdio, and none of ours reaches the
         * program: the socket closes in the exec, which is how stewardd
         * learns that it went through. */
        (void) syscall(SYS_close_range, STEWARD_EXEC_FD + 1, ~0U, 0);
        if (fcntl(STEWARD_EXEC_FD, F_SETFD, FD_CLOEXEC) < 0)
                /* Not started by stewardd: there is nobody to report to. */
                _exit(127);

        r = inline_buf ? receive_params(inline_buf, &buf, &len) : -ENOMEM;
        if (r >= 0)
                r = parse_params(buf, len, &params);
        if (r < 0)
                fail(STEWARD_EXEC_STAGE_PARAMS, -r);
        set_own_pid(&params);

        /* The gate: one byte, once our scope holds us. */
        do
                n = read(STEWARD_EXEC_FD, &go, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1)
                /* stewardd gave up on this incarnation (scope refused): leave quietly. */
                _exit(127);

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0)
                fail(STEWARD_EXEC_STAGE_STDIO, errno);
        if (*params.identifier) {
                /* Connected from here, inside the scope, so journald
                 * attributes the stream to it. */
                int fd = journal_stream_fd(params.identifier);

                if (fd < 0)
                        stdio_fallback(null_fd, -fd);
                else if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
                        fail(STEWARD_EXEC_STAGE_STDIO, errno);
        }
        /* null_fd and the stream's own descriptor are close-on-exec. */

        if (*params.cwd && chdir(params.cwd) < 0)
                fail(STEWARD_EXEC_STAGE_CHDIR, errno);

        if (params.set_credentials && (setgroups(params.n_groups, params.groups) < 0 ||
                                       setresgid(params.gid, params.gid, params.gid) < 0 ||
                                       setresuid(params.uid, params.uid, params.uid) < 0))
                fail(STEWARD_EXEC_STAGE_CREDENTIALS, errno);

        execve(params.argv[0], params.argv, params.envp);
        fail(STEWARD_EXEC_STAGE_EXEC, errno);
}

/* A helper forked by the spawner: @fd (its socket) goes to its number,
 * and it goes on in a session of its own as one stewardd spawned. The
 * spawner is single-threaded and holds no lock, and a helper calls nothing
 * that trusts the thread id glibc keeps (raise(), abort(), threads): it
 * runs the code that a fresh process would. Its signals are the
 * spawner's, reset once when the spawner started. */
static void __attribute__((noreturn)) spawned_helper(char *argv[], int fd, char *inline_buf)
{
        /* ps shows a helper as one stewardd spawned: "steward-exec". */
        for (char **a = argv + 1; *a; a++)
                memset(*a, 0, strlen(*a));
        if (dup2(fd, STEWARD_EXEC_FD) < 0)
                _exit(127);
        if (setsid() < 0)
                fail(STEWARD_EXEC_STAGE_SESSION, errno);
        run_helper(inline_buf);
}

/* The spawner: forks a helper for each request on @sock, see
 * steward-exec-protocol.h. */
static void __attribute__((noreturn)) run_spawner(char *argv[], int sock)
{
        int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        /* Each helper's room for its parameters, allocated here once: the
         * allocator sets itself up at its first call (its arena, the
         * heap's first pages), and would otherwise do so in every helper. */
        char *inline_buf = malloc(STEWARD_EXEC_PARAMS_INLINE_MAX);

        (void) prctl(PR_SET_NAME, "steward-spawner");
        /* A placeholder holds the helper's number, so that what arrives
         * lands above it. */
        if (null_fd < 0 || (null_fd != STEWARD_EXEC_FD && dup3(null_fd, STEWARD_EXEC_FD, O_CLOEXEC) < 0))
                _exit(127);
        for (;;) {
                StewardExecFdMessage m;
                /* The signal at its end is ours to stewardd: SIGCHLD (with
                 * CLONE_PARENT the kernel takes no other). */
                struct clone_args args = { .flags = CLONE_PARENT };
                int fd = -1;
                int32_t reply;
                long pid;
                ssize_t n;

                steward_exec_fd_message_init(&m);
                do
                        n = recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC);
                while (n < 0 && errno == EINTR);
                if (n <= 0)
                        /* stewardd exited, or re-executes. */
                        _exit(0);
                if (steward_exec_fd_message_get(&m, &fd, 1)) {
                        /* Named as a helper from its first instruction, as
                         * a spawned one is once it runs; we are the
                         * spawner again before stewardd hears of it. */
                        (void) prctl(PR_SET_NAME, "steward-exec");
                        pid = syscall(SYS_clone3, &args, sizeof(args));
                        if (pid == 0)
                                spawned_helper(argv, fd, inline_buf);
                        reply = pid > 0 ? (int32_t) pid : -errno;
                        (void) prctl(PR_SET_NAME, "steward-spawner");
                } else
                        reply = -EPROTO;
                if (fd >= 0)
                        (void) close(fd);
                if (send(sock, &reply, sizeof(reply), MSG_NOSIGNAL) != sizeof(reply))
                        _exit(0);
        }
}

int
main(int argc, char *argv[])
{
        char *inline_buf;

        if (argc == 2 && strcmp(argv[1], "--spawner") == 0) {
                /* Above the helper's number, which its forks take. */
                int sock = fcntl(STEWARD_EXEC_FD, F_DUPFD_CLOEXEC, STEWARD_EXEC_FD + 1);

                if (sock < 0)
                        _exit(127);
                (void) syscall(SYS_close_range, STEWARD_EXEC_FD, sock - 1, 0);
                (void) syscall(SYS_close_range, sock + 1, ~0U, 0);
                reset_signal_dispositions();
                run_spawner(argv, sock);
        }
        inline_buf = malloc(STEWARD_EXEC_PARAMS_INLINE_MAX);
        reset_signal_dispositions();
        run_helper(inline_buf);
}
