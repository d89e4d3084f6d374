/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-spawn.c: starting an incarnation through steward-exec, held at a gate until it is placed.
 *
 * GSubprocess does not fit here: it returns only after the exec, and the
 * program must not run before its scope exists. fork() does not either:
 * it copies stewardd's page tables, and with another of its threads
 * running (the journal writer's) every page either side touches
 * afterwards costs a copy and a cross-CPU TLB flush. posix_spawn() of the
 * small steward-exec shares stewardd's memory until the helper's execve()
 * and blocks only this thread meanwhile. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/memfd.h>
#include <spawn.h>
#include <sys/mman.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "steward-names.h"
#include "steward-parse.h"
#include "steward-spawn.h"
#include "steward-util.h"

struct _StewardExecPlan {
        char **argv;
        char *cwd;
        char *identifier; /* NULL: keep stewardd's stdout/stderr */
        gboolean set_credentials;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        int n_groups;
        /* What the environment sets over stewardd's own, KEY=VALUE, in
         * order. The whole environment is made only when the plan is
         * sent (plan_serialize()): a bring-up queues a plan per child at
         * once, and a copy of stewardd's environment in each, freed as
         * each child came to run, was most of the holes the bring-up
         * left in the heap. */
        char **env;
};

void
steward_exec_plan_free(StewardExecPlan *p)
{
        if (!p)
                return;
        g_strfreev(p->argv);
        g_strfreev(p->env);
        g_free(p->cwd);
        g_free(p->identifier);
        g_free(p->groups);
        g_free(p);
}

/* The variables of the supervision protocol belong to stewardd's own
 * manager; a child gets its own or none. So does RUNTIME_DIRECTORY, the
 * unit's RuntimeDirectory= (stewardd's state file and notify socket): a
 * child that honours it would put its files among them. */
static const char *const protocol_variables[] = {
        "NOTIFY_SOCKET", "WATCHDOG_PID",   "WATCHDOG_USEC",     "LISTEN_PID",
        "LISTEN_FDS",    "LISTEN_FDNAMES", "INVOCATION_ID",     "JOURNAL_STREAM",
        "MAINPID",       "MANAGERPID",     "RUNTIME_DIRECTORY",
};

/* A decimal id as systemd takes one for User=/Group=: digits only, and
 * not (uid_t) -1. */
static gboolean
parse_id(const char *s, guint32 *ret)
{
        guint64 v;

        if (!steward_parse_uint(s, G_MAXUINT32 - 1, &v))
                return FALSE;
        *ret = (guint32) v;
        return TRUE;
}

static gboolean
resolve_credentials(StewardExecPlan *p, const StewardChildSpec *spec, GError **error)
{
        struct passwd pw, *pwr = NULL;
        struct group gr, *grr = NULL;
        g_autofree char *buf = NULL;
        long size = sysconf(_SC_GETPW_R_SIZE_MAX);
        const char *user_name = NULL;
        int n = 64, r = 0;
        guint32 id;

        if (size < 16384)
                size = 16384;
        buf = g_malloc(size);

        if (spec->user) {
                gboolean numeric = parse_id(spec->user, &id);

                r = numeric ? getpwuid_r(id, &pw, buf, size, &pwr)
                            : getpwnam_r(spec->user, &pw, buf, size, &pwr);
                if (pwr) {
                        p->uid = pw.pw_uid;
                        p->gid = pw.pw_gid;
                        user_name = pw.pw_name;
                } else if (numeric) {
                        /* An id with no passwd entry runs as itself, as in systemd. */
                        p->uid = id;
                        p->gid = id;
                } else {
                        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "user '%s': %s", spec->user,
                                    r ? g_strerror(r) : "no such user");
                        return FALSE;
                }
        } else {
                p->uid = getuid();
                p->gid = getgid();
        }
        if (spec->group) {
                if (parse_id(spec->group, &id))
                        p->gid = id;
                else {
                        r = getgrnam_r(spec->group, &gr, buf, size, &grr);
                        if (!grr) {
                                g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "group '%s': %s",
                                            spec->group, r ? g_strerror(r) : "no such group");
                                return FALSE;
                        }
                        p->gid = gr.gr_gid;
                }
        }

        p->groups = g_new(gid_t, n);
        if (user_name) {
                if (getgrouplist(user_name, p->gid, p->groups, &n) < 0) {
                        p->groups = g_renew(gid_t, p->groups, n);
                        (void) getgrouplist(user_name, p->gid, p->groups, &n);
                }
        } else {
                p->groups[0] = p->gid;
                n = 1;
        }
        p->n_groups = n;
        p->set_credentials = TRUE;
        return TRUE;
}

static void
put_string(GByteArray *out, const char *s)
{
        g_byte_array_append(out, (const guint8 *) s, strlen(s) + 1);
}

static void
put_vector(GByteArray *out, char **v)
{
        g_autofree char *count = g_strdup_printf("%u", v ? g_strv_length(v) : 0);

        put_string(out, count);
        for (char **s = v; s && *s; s++)
                put_string(out, *s);
}

/* The child's whole environment: stewardd's without the protocol's
 * variables, then @p's own. *@ret_own_pid_key: the variable whose value
 * steward-exec fills in with its own PID ("KEY=" stays in the
 * environment), NULL when none. */
static char **
plan_environment(const StewardExecPlan *p, char **ret_own_pid_key)
{
        char **env = g_get_environ();

        *ret_own_pid_key = NULL;
        for (guint i = 0; i < G_N_ELEMENTS(protocol_variables); i++)
                env = g_environ_unsetenv(env, protocol_variables[i]);
        for (char **e = p->env; e && *e; e++) {
                const char *eq = strchr(*e, '=');
                g_autofree char *key = g_strndup(*e, eq - *e);

                env = g_environ_setenv(env, key, eq + 1, TRUE);
        }
        for (char **e = env; *e; e++) {
                const char *eq = strchr(*e, '=');

                if (eq && g_str_equal(eq + 1, STEWARD_EXEC_OWN_PID)) {
                        g_free(*ret_own_pid_key);
                        *ret_own_pid_key = g_strndup(*e, eq - *e);
                        (*e)[eq + 1 - *e] = '\0';
                }
        }
        return env;
}

/* The parameters as steward-exec-protocol.h lays them out. */
static GBytes *
plan_serialize(const StewardExecPlan *p)
{
        g_autoptr(GByteArray) out = g_byte_array_new();
        g_autoptr(GString) credentials = g_string_new(NULL);
        g_autofree char *own_pid_key = NULL;
        g_auto(GStrv) env = plan_environment(p, &own_pid_key);

        put_string(out, STEWARD_EXEC_MAGIC);
        put_vector(out, p->argv);
        put_vector(out, env);
        put_string(out, own_pid_key ? own_pid_key : "");
        put_string(out, p->cwd ? p->cwd : "");
        put_string(out, p->identifier ? p->identifier : "");
        if (p->set_credentials) {
                g_string_printf(credentials, "%u %u %d", (unsigned) p->uid, (unsigned) p->gid, p->n_groups);
                for (int i = 0; i < p->n_groups; i++)
                        g_string_append_printf(credentials, " %u", (unsigned) p->groups[i]);
        }
        put_string(out, credentials->str);
        return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static void
env_add(GStrvBuilder *env, const char *key, const char *value)
{
        g_autofree char *entry = g_strconcat(key, "=", value, NULL);

        g_strv_builder_add(env, entry);
}

StewardExecPlan *
steward_exec_plan_new(const StewardChildSpec *spec, char **extra_env, gboolean use_journal,
                      gboolean allow_credentials, GError **error)
{
        g_autoptr(StewardExecPlan) p = g_new0(StewardExecPlan, 1);
        g_autoptr(GStrvBuilder) env = NULL;

        if (!spec->argv || !spec->argv[0]) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no ExecStart= for '%s'",
                            spec->name);
                return NULL;
        }
        p->argv = g_strdupv(spec->argv);
        p->cwd = g_strdup(spec->working_directory);
        if (use_journal)
                p->identifier = g_strdup(spec->syslog_identifier ? spec->syslog_identifier : spec->name);

        env = g_strv_builder_new();
        /* "KEY=VALUE" alone: the loader made them so, a caller's extra too. */
        for (char **e = spec->environment; e && *e; e++)
                if (strchr(*e, '='))
                        g_strv_builder_add(env, *e);
        for (char **e = extra_env; e && *e; e++)
                if (strchr(*e, '='))
                        g_strv_builder_add(env, *e);

        if (allow_credentials && (spec->user || spec->group)) {
                if (!resolve_credentials(p, spec, error))
                        return NULL;
                if (spec->user) {
                        struct passwd pw, *pwr = NULL;
                        char buf[4096];
                        if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &pwr) == 0 && pwr) {
                                env_add(env, "USER", pw.pw_name);
                                env_add(env, "LOGNAME", pw.pw_name);
                                env_add(env, "HOME", pw.pw_dir);
                                env_add(env, "SHELL", pw.pw_shell);
                        }
                }
        }
        p->env = g_strv_builder_end(env);
        return g_steal_pointer(&p);
}

gboolean
steward_exec_plan_uses_journal(const StewardExecPlan *plan)
{
        return plan->identifier != NULL;
}

static const char *
stage_name(int stage)
{
        switch (stage) {
        case STEWARD_EXEC_STAGE_GATE:
                return "waiting to be placed in the scope";
        case STEWARD_EXEC_STAGE_SESSION:
                return "setsid";
        case STEWARD_EXEC_STAGE_STDIO:
                return "connecting stdio";
        case STEWARD_EXEC_STAGE_CHDIR:
                return "chdir";
        case STEWARD_EXEC_STAGE_CREDENTIALS:
                return "changing user";
        case STEWARD_EXEC_STAGE_EXEC:
                return "exec";
        case STEWARD_EXEC_STAGE_PARAMS:
                return "reading what stewardd sent (is steward-exec from the same version?)";
        case STEWARD_EXEC_STAGE_STDIO_FALLBACK:
                return "connecting to the journal";
        default:
                return "spawn";
        }
}

char *
steward_spawn_report_to_string(const StewardExecPlan *plan, const StewardSpawnReport *r)
{
        if (r->stage == STEWARD_EXEC_STAGE_EXEC)
                return g_strdup_printf("exec '%s': %s", plan->argv[0], g_strerror(r->error));
        if (r->stage == STEWARD_EXEC_STAGE_CHDIR)
                return g_strdup_printf("chdir '%s': %s", plan->cwd, g_strerror(r->error));
        return g_strdup_printf("%s: %s", stage_name(r->stage), g_strerror(r->error));
}

const char *
steward_spawn_executor_path(void)
{
        const char *path = g_getenv("STEWARD_EXECUTOR_PATH");

        return path && *path ? path : LIBEXECDIR "/steward/steward-exec";
}

static gboolean
move_above_protocol_fds(int *fd, GError **error)
{
        int moved;

        if (*fd > STEWARD_EXEC_FD)
                return TRUE;
        moved = fcntl(*fd, F_DUPFD_CLOEXEC, STEWARD_EXEC_FD + 1);
        if (moved < 0)
                return steward_set_errno_error(error, errno, "fcntl(F_DUPFD_CLOEXEC)");
        steward_close_fdp(fd);
        *fd = moved;
        return TRUE;
}

/* steward-exec, opened once and run through /proc/self/fd: an upgrade
 * that replaces the file mid-run does not hand this stewardd a helper of
 * another version; a re-exec picks the new one up. */
static int executor_fd = -1;

static const char *
executor_proc_path(char buf[static 64], GError **error)
{
        if (executor_fd < 0) {
                const char *path = steward_spawn_executor_path();

                int fd = open(path, O_PATH | O_CLOEXEC);

                if (fd < 0) {
                        int errsv = errno;
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "steward-exec '%s': %s",
                                    path, g_strerror(errsv));
                        return NULL;
                }
                /* Not where the spawn's file actions put the protocol's
                 * descriptors: they would replace it before the exec. */
                if (!move_above_protocol_fds(&fd, error))
                        return NULL;
                executor_fd = fd;
        }
        g_snprintf(buf, 64, "/proc/self/fd/%d", executor_fd);
        return buf;
}

/* Parameters too large for a message, in a sealed memfd: steward-exec
 * reads them at its own pace, and nobody can change them under it. */
static int
params_fd(GBytes *params, GError **error)
{
        gsize size;
        const guint8 *data = g_bytes_get_data(params, &size);
        steward_autofd int fd = memfd_create("steward-exec-params", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        gsize done = 0;

        if (fd < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "memfd_create: %s",
                            g_strerror(errsv));
                return -1;
        }
        while (done < size) {
                ssize_t n = write(fd, data + done, size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int errsv = errno;
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                                    "writing parameters: %s", g_strerror(errsv));
                        return -1;
                }
                done += (gsize) n;
        }
        (void) fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
        return g_steal_fd(&fd);
}

/* The descriptor limit stewardd was started with, which its children get
 * back, when it raised its own (see steward_spawn_raise_nofile()). */
static struct rlimit nofile_inherited;
static gboolean nofile_raised;
/* Its own, as it set it: asked for once, not at every spawn. */
static struct rlimit nofile_current;
static gboolean nofile_known;

void
steward_spawn_raise_nofile(void)
{
        struct rlimit rl;

        if (nofile_raised || getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
                return;
        nofile_inherited = rl;
        rl.rlim_cur = rl.rlim_max;
        nofile_known = FALSE;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
                g_debug("Cannot raise the descriptor limit to %llu: %s", (unsigned long long) rl.rlim_max,
                        g_strerror(errno));
                return;
        }
        nofile_raised = TRUE;
}

void
steward_spawn_restore_nofile(void)
{
        nofile_known = FALSE;
        if (nofile_raised && setrlimit(RLIMIT_NOFILE, &nofile_inherited) == 0)
                nofile_raised = FALSE;
}

/* Descriptors a spawn leaves free, at least (a quarter of a smaller
 * limit), for what stewardd cannot refuse to open: the state file, the
 * bus's replies with descriptors, GLib's own wakeups (whose failure
 * aborts). */
#define SPAWN_FD_RESERVE 128

/* The kernel hands out the lowest free number, so the table fills from the
 * bottom up: a descriptor open at the reserve's line means fewer than the
 * reserve are left, give or take the holes below it. One fcntl(), not a
 * count of /proc/self/fd. */
static gboolean
fd_table_has_room(GError **error)
{
        struct rlimit rl;
        rlim_t reserve;

        if (!nofile_known) {
                if (getrlimit(RLIMIT_NOFILE, &nofile_current) < 0)
                        return TRUE;
                nofile_known = TRUE;
        }
        rl = nofile_current;
        if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX)
                return TRUE;
        reserve = MIN((rlim_t) SPAWN_FD_RESERVE, rl.rlim_cur / 4);
        if (fcntl((int) (rl.rlim_cur - reserve), F_GETFD) < 0)
                return TRUE;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(EMFILE),
                    "not spawning: stewardd has nearly all of its %llu descriptors open (LimitNOFILE=)",
                    (unsigned long long) rl.rlim_cur);
        return FALSE;
}

/* posix_spawn()s steward-exec with @argv and the socket @fd at the
 * protocol's number, in a session of its own with every signal at its
 * default; its PID. */
static pid_t
executor_spawn(char *const argv[], int *fd, GError **error)
{
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        sigset_t all, none;
        char proc_path[64];
        const char *executor;
        char *envp[] = { NULL };
        pid_t pid;
        int r;

        executor = executor_proc_path(proc_path, error);
        if (!executor)
                return 0;
        /* The file action dup2()s it onto the protocol's number, which
         * clears close-on-exec there, and only there: not when it is on
         * that number already. */
        if (!move_above_protocol_fds(fd, error))
                return 0;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, *fd, STEWARD_EXEC_FD);

        posix_spawnattr_init(&attr);
        sigfillset(&all);
        sigemptyset(&none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);

        r = posix_spawn(&pid, executor, &actions, &attr, argv, envp);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (r != 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(r), "spawning steward-exec '%s': %s",
                            steward_spawn_executor_path(), g_strerror(r));
                return 0;
        }
        /* It waits for us: what it runs will have the limit stewardd was
         * given (a program using select() needs 1024 or less), not the one
         * stewardd raised for itself. */
        if (nofile_raised && prlimit(pid, RLIMIT_NOFILE, &nofile_inherited, NULL) < 0)
                g_debug("Cannot give pid %d the descriptor limit back: %s", (int) pid, g_strerror(errno));
        return pid;
}

/* The spawner (steward-exec --spawner, see steward-exec-protocol.h),
 * spawned at the first spawn and asked for every helper after: stewardd
 * sends a message and reads a number instead of making a process. */
static int spawner_fd = -1;
static pid_t spawner_pid;
/* Spawners that failed: past SPAWNER_FAILURES_MAX, none is started again
 * and stewardd spawns its helpers itself (a kernel without clone3(), say). */
static guint spawner_failures;
#define SPAWNER_FAILURES_MAX 3
/* Answers the spawner owes for spares let go before they were read
 * (steward_spare_clear()): the next answer read skips them. */
static guint spawner_stale;

/* How long a spawn waits for the spawner's answer (a fork of a small
 * process) before it spawns the helper itself and kills the spawner. */
#define SPAWNER_TIMEOUT_MSEC 5000

/* Lets the spawner go: it leaves when it reads EOF. @hung: it did not
 * answer, and is killed (it is alive, so its PID is still its own). */
static void
spawner_stop(const char *why, gboolean hung)
{
        if (spawner_fd < 0)
                return;
        g_message("Spawning helpers without the spawner (pid %d): %s", (int) spawner_pid, why);
        if (hung)
                (void) kill(spawner_pid, SIGKILL);
        steward_close_fdp(&spawner_fd);
        spawner_pid = 0;
        spawner_stale = 0;
        spawner_failures++;
}

/* A SOCK_SEQPACKET pair, ours and a helper's or the spawner's (both
 * close-on-exec), in place of any pair @ours and @theirs held. */
static gboolean
seqpacket_pair(int *ours, int *theirs, GError **error)
{
        int pair[2];

        steward_close_fdp(ours);
        steward_close_fdp(theirs);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return steward_set_errno_error(error, errno, "socketpair");
        *ours = pair[0];
        *theirs = pair[1];
        return TRUE;
}

/* Sends @fd on @sock with the protocol's one byte; FALSE with errno set. */
static gboolean
fd_send(int sock, int fd, int flags)
{
        StewardExecFdMessage m;
        ssize_t n;

        steward_exec_fd_message_set(&m, &fd, 1);
        do
                n = sendmsg(sock, &m.msg, flags);
        while (n < 0 && errno == EINTR);
        if (n == 1)
                return TRUE;
        if (n >= 0)
                errno = EIO;
        return FALSE;
}

static gboolean
spawner_start(void)
{
        g_autoptr(GError) error = NULL;
        steward_autofd int ours = -1, theirs = -1;
        char *argv[] = { (char *) "steward-exec", (char *) "--spawner", NULL };
        pid_t pid = 0;

        /* A spawner that cannot be started counts as one that failed. */
        if (seqpacket_pair(&ours, &theirs, &error))
                pid = executor_spawn(argv, &theirs, &error);
        if (pid <= 0) {
                g_debug("No spawner: %s", error->message);
                spawner_failures++;
                return FALSE;
        }
        spawner_fd = g_steal_fd(&ours);
        spawner_pid = pid;
        return TRUE;
}

/* Asks the spawner for a helper on the socket @fd, without waiting: FALSE
 * when the spawner cannot be had (none was asked, and the caller spawns
 * the helper itself). */
static gboolean
spawner_ask(int fd)
{
        if (spawner_fd < 0 && (spawner_failures >= SPAWNER_FAILURES_MAX || !spawner_start()))
                return FALSE;
        if (!fd_send(spawner_fd, fd, MSG_NOSIGNAL)) {
                spawner_stop(g_strerror(errno), FALSE);
                return FALSE;
        }
        return TRUE;
}

/* The spawner's answer to the oldest question not yet answered: the
 * helper's PID; 0 when it made none; -1 when it went away unanswered,
 * maybe with a helper forked (then that question's socket is that
 * helper's too, and must not be another's). The spawner is let go on
 * either. A fork of a small process, and our own: answered at once, as
 * posix_spawn() returns once its helper has exec'd. */
static pid_t
spawner_answer(void)
{
        int32_t reply;

        for (;;) {
                struct pollfd p = { .fd = spawner_fd, .events = POLLIN };
                ssize_t n;
                int r;

                if (spawner_fd < 0)
                        return -1;
                do
                        r = poll(&p, 1, SPAWNER_TIMEOUT_MSEC);
                while (r < 0 && errno == EINTR);
                if (r <= 0) {
                        spawner_stop(r == 0 ? "no answer" : g_strerror(errno), r == 0);
                        return -1;
                }
                n = recv(spawner_fd, &reply, sizeof(reply), MSG_DONTWAIT);
                if (n != sizeof(reply)) {
                        spawner_stop("it is gone", FALSE);
                        return -1;
                }
                if (spawner_stale == 0)
                        break;
                /* A spare's, let go unread: its helper finds its socket closed. */
                spawner_stale--;
        }
        if (reply <= 0) {
                /* It forked nothing. */
                spawner_stop(g_strerror(-reply), FALSE);
                return 0;
        }
        return (pid_t) reply;
}

/* The spare whose helper the spawner was asked for and whose answer is
 * not read yet: read when the spare is taken, or before another answer. */
static StewardSpare *spare_awaiting;

/* Reads the spawner's answer for @spare, if it is still to come: FALSE
 * when it has no helper, and is let go. */
static gboolean
spare_resolve(StewardSpare *spare)
{
        pid_t pid;

        if (spare != spare_awaiting)
                return TRUE;
        spare_awaiting = NULL;
        pid = spawner_answer();
        if (pid <= 0) {
                g_debug("No spare steward-exec from the spawner");
                steward_spare_clear(spare);
                return FALSE;
        }
        spare->proc.pid = pid;
        return TRUE;
}

/* Makes steward-exec into @out, waiting for its parameters on its socket:
 * forked by the spawner, or spawned when the spawner cannot be had (unless
 * @may_spawn is FALSE: then it fails). For a spare (@awaiting), the
 * spawner is asked and not waited for: the helper is there long before the
 * next spawn takes it, and its answer is read then, without a wake-up of
 * its own. */
static gboolean
helper_make(StewardSpare *awaiting, gboolean may_spawn, StewardSpawned *out, GError **error)
{
        steward_autofd int ours = -1, theirs = -1;
        char *argv[] = { (char *) "steward-exec", NULL };
        pid_t pid = 0;

        if (!may_spawn && spawner_fd < 0) {
                g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "no spawner running");
                return FALSE;
        }
        /* Answers come in the order asked. */
        if (spare_awaiting)
                (void) spare_resolve(spare_awaiting);
        if (!seqpacket_pair(&ours, &theirs, error))
                return FALSE;
        if (spawner_ask(theirs)) {
                if (awaiting) {
                        spare_awaiting = awaiting;
                        goto made;
                }
                pid = spawner_answer();
                /* Its helper, if any, holds that socket, and leaves when
                 * our end closes. */
                if (pid < 0 && !seqpacket_pair(&ours, &theirs, error))
                        return FALSE;
        } else if (!may_spawn) {
                g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "the spawner went away");
                return FALSE;
        }
        if (pid <= 0 && (pid = executor_spawn(argv, &theirs, error)) <= 0)
                return FALSE;
made:
        out->pid = pid;
        out->fd = g_steal_fd(&ours);
        return TRUE;
}

gboolean
steward_spawn_spare(StewardSpare *spare, GError **error)
{
        if (spare->proc.fd >= 0)
                return TRUE;
        return fd_table_has_room(error) && helper_make(spare, TRUE, &spare->proc, error);
}

gboolean
steward_spawn_spare_ask(StewardSpare *spare)
{
        if (spare->proc.fd >= 0)
                return TRUE;
        return fd_table_has_room(NULL) && helper_make(spare, FALSE, &spare->proc, NULL);
}

pid_t
steward_spare_pid(StewardSpare *spare)
{
        if (spare->proc.fd < 0 || !spare_resolve(spare))
                return 0;
        return spare->proc.pid;
}

void
steward_spare_clear(StewardSpare *spare)
{
        if (spare == spare_awaiting) {
                /* Its answer is skipped when it comes; the helper, if
                 * forked, finds its socket closed. */
                spare_awaiting = NULL;
                if (spawner_fd >= 0)
                        spawner_stale++;
        }
        steward_close_fdp(&spare->proc.fd);
        spare->proc.pid = 0;
}

/* The spare as @out, its spawner's answer read; FALSE when there is none. */
static gboolean
spare_take(StewardSpare *spare, StewardSpawned *out)
{
        if (!spare || spare->proc.fd < 0 || !spare_resolve(spare))
                return FALSE;
        *out = spare->proc;
        spare->proc = (StewardSpawned) STEWARD_SPAWNED_INIT;
        return TRUE;
}

/* Hands @s its @params: in the message, or in *@memfd when they are too
 * large for one (made here the first time). FALSE with errno when it is
 * gone (killed, say), or the memfd cannot be made (@error set). */
static gboolean
helper_hand(StewardSpawned *s, GBytes *params, int *memfd, GError **error)
{
        if (*memfd < 0 && g_bytes_get_size(params) <= STEWARD_EXEC_PARAMS_INLINE_MAX) {
                gsize size;
                const void *data = g_bytes_get_data(params, &size);
                ssize_t n;

                do
                        n = send(s->fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
                while (n < 0 && errno == EINTR);
                if (n == (ssize_t) size)
                        return TRUE;
                /* A socket buffer set smaller than the message. */
                if (n >= 0 || errno != EMSGSIZE) {
                        if (n >= 0)
                                errno = EIO;
                        return FALSE;
                }
        }
        if (*memfd < 0 && (*memfd = params_fd(params, error)) < 0)
                return FALSE;
        return fd_send(s->fd, *memfd, MSG_NOSIGNAL | MSG_DONTWAIT);
}

gboolean
steward_spawn_fork(const StewardExecPlan *p, StewardSpare *spare, StewardSpawned *out, GError **error)
{
        g_autoptr(GBytes) params = NULL;
        steward_autofd int memfd = -1;
        g_autoptr(GError) local_error = NULL;

        if (!fd_table_has_room(error))
                return FALSE;
        params = plan_serialize(p);
        if (spare_take(spare, out)) {
                int errsv;

                if (helper_hand(out, params, &memfd, &local_error))
                        return TRUE;
                /* Sent away, or gone: reaped as a stranger either way. */
                errsv = errno;
                steward_close_fdp(&out->fd);
                if (local_error) {
                        g_propagate_error(error, g_steal_pointer(&local_error));
                        return FALSE;
                }
                g_debug("The spare steward-exec (pid %d) is gone: %s", (int) out->pid, g_strerror(errsv));
        }
        if (!helper_make(NULL, TRUE, out, error))
                return FALSE;
        if (!helper_hand(out, params, &memfd, &local_error)) {
                int errsv = errno;

                if (local_error)
                        g_propagate_error(error, g_steal_pointer(&local_error));
                else
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                                    "handing steward-exec (pid %d) its parameters: %s", (int) out->pid,
                                    g_strerror(errsv));
                steward_close_fdp(&out->fd);
                return FALSE;
        }
        return TRUE;
}

gboolean
steward_spawn_release(StewardSpawned *s, GError **error)
{
        const char go = 1;
        ssize_t n;

        do
                n = send(s->fd, &go, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n != 1) {
                int errsv = n < 0 ? errno : EIO;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "releasing pid %d: %s",
                            (int) s->pid, g_strerror(errsv));
                return FALSE;
        }
        return TRUE;
}

void
steward_spawn_abort(StewardSpawned *s)
{
        if (s->fd >= 0)
                (void) shutdown(s->fd, SHUT_WR);
}
