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

        if (*fd > STEWARD_EXEC_FD_REPORT)
                return TRUE;
        moved = fcntl(*fd, F_DUPFD_CLOEXEC, STEWARD_EXEC_FD_REPORT + 1);
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

/* The parameters in a sealed memfd: steward-exec reads them at its own
 * pace, and nobody can change them under it. */
static int
params_fd(const StewardExecPlan *p, GError **error)
{
        g_autoptr(GBytes) params = plan_serialize(p);
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

/* posix_spawn()s steward-exec with @argv and @fds at the protocol's
 * numbers (three, or one for the spawner), in a session of its own with
 * every signal at its default; its PID. */
static pid_t
executor_spawn(char *const argv[], int *const fds[], guint n_fds, GError **error)
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
        /* The file actions dup2() each onto its protocol number (which
         * clears close-on-exec there, and only there); a source sitting on
         * another's number would be overwritten before it is copied. */
        for (guint i = 0; i < n_fds; i++)
                if (!move_above_protocol_fds(fds[i], error))
                        return 0;
        posix_spawn_file_actions_init(&actions);
        for (guint i = 0; i < n_fds; i++)
                posix_spawn_file_actions_adddup2(&actions, *fds[i], STEWARD_EXEC_FD_PARAMS + (int) i);

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
        spawner_failures++;
}

static gboolean
spawner_start(void)
{
        g_autoptr(GError) error = NULL;
        steward_autofd int ours = -1, theirs = -1;
        char *argv[] = { (char *) "steward-exec", (char *) "--spawner", NULL };
        int *fds[] = { &theirs };
        int pair[2];
        pid_t pid;

        /* A spawner that cannot be started counts as one that failed. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                g_debug("No spawner: socketpair: %s", g_strerror(errno));
                spawner_failures++;
                return FALSE;
        }
        ours = pair[0];
        theirs = pair[1];
        pid = executor_spawn(argv, fds, G_N_ELEMENTS(fds), &error);
        if (pid <= 0) {
                g_debug("No spawner: %s", error->message);
                spawner_failures++;
                return FALSE;
        }
        spawner_fd = g_steal_fd(&ours);
        spawner_pid = pid;
        return TRUE;
}

/* Asks the spawner for a helper with @fds (the parameters, the gate, the
 * report): its PID; 0 when the spawner cannot be had and made none; -1
 * when it went away unanswered, maybe with a helper forked (then @fds are
 * that helper's too, and must not be another's). The caller spawns the
 * helper itself on either, and the spawner is let go. */
static pid_t
spawner_spawn(const int fds[3])
{
        StewardExecFdMessage m;
        struct pollfd p;
        int32_t reply;
        ssize_t n;
        int r;

        if (spawner_fd < 0 && (spawner_failures >= SPAWNER_FAILURES_MAX || !spawner_start()))
                return 0;
        steward_exec_fd_message_set(&m, fds, 3);
        do
                n = sendmsg(spawner_fd, &m.msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n != 1) {
                spawner_stop(n < 0 ? g_strerror(errno) : "short write", FALSE);
                return 0;
        }
        /* A fork of a small process, and our own: answered at once, as
         * posix_spawn() returns once its helper has exec'd. */
        p = (struct pollfd){ .fd = spawner_fd, .events = POLLIN };
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
        if (reply <= 0) {
                /* It forked nothing. */
                spawner_stop(g_strerror(-reply), FALSE);
                return 0;
        }
        return (pid_t) reply;
}

/* The gate and report pipes of a helper. */
typedef struct {
        int gate_r, gate_w, report_r, report_w;
} HelperPipes;

static void
helper_pipes_clear(HelperPipes *h)
{
        steward_close_fdp(&h->gate_r);
        steward_close_fdp(&h->gate_w);
        steward_close_fdp(&h->report_r);
        steward_close_fdp(&h->report_w);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HelperPipes, helper_pipes_clear)

static gboolean
helper_pipes_open(HelperPipes *h, GError **error)
{
        int gate[2], report[2];

        helper_pipes_clear(h);
        if (pipe2(gate, O_CLOEXEC) < 0)
                return steward_set_errno_error(error, errno, "pipe");
        h->gate_r = gate[0];
        h->gate_w = gate[1];
        if (pipe2(report, O_CLOEXEC) < 0)
                return steward_set_errno_error(error, errno, "pipe");
        h->report_r = report[0];
        h->report_w = report[1];
        return TRUE;
}

/* Makes steward-exec with @params at the parameters' number, held at its
 * gate: forked by the spawner, or spawned when the spawner cannot be had.
 * @params is a sealed memfd, which a helper the spawner may have forked
 * before it went can read but not change; or a spare's socket
 * (@params_shareable FALSE), which only one process may hold: no spare
 * then. */
static gboolean
helper_spawn(int *params, gboolean params_shareable, StewardSpawned *out, GError **error)
{
        g_auto(HelperPipes) h = { -1, -1, -1, -1 };
        char *argv[] = { (char *) "steward-exec", NULL };
        int *fds[] = { params, &h.gate_r, &h.report_w };
        pid_t pid;

        if (!helper_pipes_open(&h, error))
                return FALSE;
        pid = spawner_spawn((const int[]){ *params, h.gate_r, h.report_w });
        if (pid < 0) {
                /* Its helper, if any, finds its gate closed and leaves. */
                if (!params_shareable) {
                        g_set_error(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "the spawner went away");
                        return FALSE;
                }
                if (!helper_pipes_open(&h, error))
                        return FALSE;
        }
        if (pid <= 0)
                pid = executor_spawn(argv, fds, G_N_ELEMENTS(fds), error);
        if (pid <= 0)
                return FALSE;
        out->pid = pid;
        out->gate_fd = g_steal_fd(&h.gate_w);
        out->report_fd = g_steal_fd(&h.report_r);
        return TRUE;
}

gboolean
steward_spawn_spare(StewardSpare *spare, GError **error)
{
        steward_autofd int ours = -1, theirs = -1;
        int pair[2];

        if (spare->params_fd >= 0)
                return TRUE;
        if (!fd_table_has_room(error))
                return FALSE;
        /* Twice at most: a spawner that went away unanswered may have
         * forked a helper on the first socket, which is then its alone. */
        for (guint attempt = 0;; attempt++) {
                g_autoptr(GError) local_error = NULL;

                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
                        return steward_set_errno_error(error, errno, "socketpair");
                ours = pair[0];
                theirs = pair[1];
                if (helper_spawn(&theirs, FALSE, &spare->proc, &local_error))
                        break;
                steward_close_fdp(&ours);
                steward_close_fdp(&theirs);
                if (attempt > 0 || !g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)) {
                        g_propagate_error(error, g_steal_pointer(&local_error));
                        return FALSE;
                }
        }
        spare->params_fd = g_steal_fd(&ours);
        return TRUE;
}

void
steward_spare_clear(StewardSpare *spare)
{
        steward_close_fdp(&spare->params_fd);
        steward_close_fdp(&spare->proc.gate_fd);
        steward_close_fdp(&spare->proc.report_fd);
        spare->proc.pid = 0;
}

/* Hands @params to the spare, which becomes @out; FALSE when there is
 * none, or it is gone (killed, say): it is cleared then. */
static gboolean
spare_take(StewardSpare *spare, int params, StewardSpawned *out)
{
        StewardExecFdMessage m;
        ssize_t n;

        if (!spare || spare->params_fd < 0)
                return FALSE;
        steward_exec_fd_message_set(&m, &params, 1);
        do
                n = sendmsg(spare->params_fd, &m.msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n != 1) {
                g_debug("The spare steward-exec (pid %d) is gone: %s", (int) spare->proc.pid,
                        n < 0 ? g_strerror(errno) : "short write");
                steward_spare_clear(spare);
                return FALSE;
        }
        /* Its descriptors are the incarnation's now; the socket goes. */
        *out = spare->proc;
        spare->proc.gate_fd = spare->proc.report_fd = -1;
        steward_spare_clear(spare);
        return TRUE;
}

gboolean
steward_spawn_fork(const StewardExecPlan *p, StewardSpare *spare, StewardSpawned *out, GError **error)
{
        steward_autofd int params = -1;

        if (!fd_table_has_room(error))
                return FALSE;
        params = params_fd(p, error);
        if (params < 0)
                return FALSE;
        return spare_take(spare, params, out) || helper_spawn(&params, TRUE, out, error);
}

gboolean
steward_spawn_release(StewardSpawned *s, GError **error)
{
        const char go = 1;

        if (write(s->gate_fd, &go, 1) != 1) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "releasing pid %d: %s",
                            (int) s->pid, g_strerror(errsv));
                return FALSE;
        }
        steward_close_fdp(&s->gate_fd);
        return TRUE;
}
