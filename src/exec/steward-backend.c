/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-backend.c: the backend core: incarnations from spawn to their last report, whichever backend
 * places them.
 *
 * Both backends start the incarnation the same way (steward-spawn.c, through
 * steward-exec) and reap it the same way (steward-reaper.c); where it lives
 * and how we learn that all of it is gone is each backend's own, behind
 * BackendOps: backend-scope.c (transient scopes) and backend-process.c
 * (process groups). The core keeps the tables and reports in order:
 * spawned, exited, gone, or spawn_failed alone. */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend-private.h"
#include "steward-error.h"
#include "steward-fd-watch.h"
#include "steward-names.h"
#include "steward-spawn.h"
#include "steward-util.h"

/* Spawns in flight (forked, not exec'd yet: held at their gates while
 * their scopes are created, or released and on their way to exec), at
 * most. Each holds descriptors and a process, and the manager works
 * through its calls one at a time: past a few dozen in flight a bigger tree
 * only makes the manager's queue (and its answers' latency) longer, until
 * calls time out. The rest wait their turn in the order they were asked
 * for. */
#define SPAWNS_IN_FLIGHT_MAX 64

static char *
incarnation_key(const char *child, guint64 generation)
{
        return g_strdup_printf("%s/%" G_GUINT64_FORMAT, child, generation);
}

char *
steward_backend_unit_name(const char *child, guint64 generation)
{
        return g_strdup_printf(STEWARD_SCOPE_PREFIX "%s-%" G_GUINT64_FORMAT STEWARD_SCOPE_SUFFIX, child,
                               generation);
}

static void
incarnation_dequeue(Incarnation *inc)
{
        if (inc->in_queue)
                g_queue_unlink(&inc->backend->queued, &inc->queue_link);
        inc->in_queue = FALSE;
}

static void
incarnation_free(Incarnation *inc)
{
        if (!inc)
                return;
        incarnation_dequeue(inc);
        if (inc->backend->ops->discard)
                inc->backend->ops->discard(inc);
        if (inc->report_source)
                g_source_remove(inc->report_source);
        g_clear_pointer(&inc->report_watch, steward_fd_watch_remove);
        g_clear_pointer(&inc->pidfd_watch, steward_fd_watch_remove);
        steward_close_fdp(&inc->pidfd);
        steward_close_fdp(&inc->proc.fd);
        steward_exec_plan_free(inc->plan);
        g_free(inc->child);
        g_free(inc->key);
        g_free(inc->unit);
        g_free(inc->failure);
        g_free(inc);
}

/* Forgets an incarnation once everything about it has been reported. */
static void
incarnation_finish(Incarnation *inc)
{
        StewardBackend *b = inc->backend;

        if (inc->proc.pid > 0 && !inc->main_exited && inc->pidfd < 0)
                steward_reaper_unwatch(b->reaper, inc->followed > 0 ? inc->followed : inc->proc.pid);
        if (g_hash_table_lookup(b->current, inc->child) == inc)
                g_hash_table_remove(b->current, inc->child);
        if (inc->proc.pid > 0 && g_hash_table_lookup(b->by_leader, GINT_TO_POINTER(inc->proc.pid)) == inc)
                g_hash_table_remove(b->by_leader, GINT_TO_POINTER(inc->proc.pid));
        g_hash_table_remove(b->incarnations, inc->key);
}

/* The main process as now followed (MAINPID=), 0 once it ended. */
static pid_t
incarnation_main_pid(Incarnation *inc)
{
        if (inc->main_exited)
                return 0;
        return inc->followed > 0 ? inc->followed : inc->proc.pid;
}

static gboolean
incarnation_all_gone(Incarnation *inc)
{
        if (!inc->main_exited)
                return FALSE;
        return inc->backend->ops->all_gone(inc);
}

static void backend_pump_soon(StewardBackend *b);

/* Leaves PHASE_PLACING or PHASE_EXECING, its outcome known, and lets the
 * next queued spawn have the place. A spawn holds it from its fork to its
 * exec, not only until its scope exists: a helper released from its gate
 * keeps its socket open in stewardd until it execs, and on a loaded
 * machine hundreds of them were on their way at once, past the descriptor
 * reserve of a tree of 500 under LimitNOFILE=1024. */
static void
incarnation_landed(Incarnation *inc, Phase phase)
{
        StewardBackend *b = inc->backend;

        g_assert((inc->phase == PHASE_PLACING || inc->phase == PHASE_EXECING) && b->in_flight > 0);
        inc->phase = phase;
        b->in_flight--;
        backend_pump_soon(b);
}

/* Moves an incarnation's reports along as far as what we know allows. */
void
backend_incarnation_advance(Incarnation *inc)
{
        StewardBackend *b = inc->backend;

        if (inc->phase == PHASE_FAILED) {
                if (incarnation_all_gone(inc)) {
                        g_autofree char *child = g_strdup(inc->child);
                        g_autofree char *failure = g_strdup(inc->failure);
                        guint64 generation = inc->generation;

                        /* Forgotten first: a failed spawn takes no generation, so the
                         * engine may spawn this one again from inside the report. */
                        incarnation_finish(inc);
                        b->events->spawn_failed(b->user_data, child, generation, failure);
                }
                return;
        }
        if (inc->phase != PHASE_RUNNING)
                return;
        if (inc->main_exited && !inc->exited_reported) {
                StewardExitCause cause =
                        b->ops->exit_cause ? b->ops->exit_cause(inc) : STEWARD_EXIT_CAUSE_NONE;

                inc->exited_reported = TRUE;
                b->events->exited(b->user_data, inc->child, inc->generation, inc->wait_status, cause);
        }
        if (inc->exited_reported && incarnation_all_gone(inc)) {
                b->events->gone(b->user_data, inc->child, inc->generation);
                incarnation_finish(inc);
        }
}

/* Gives up on an incarnation that has not exec'd: the gate closes, so a
 * child still held there leaves without running anything of its own. */
void
backend_incarnation_fail(Incarnation *inc, const char *message)
{
        if (inc->phase == PHASE_FAILED)
                return;
        if (inc->phase == PHASE_QUEUED) {
                /* Nothing was forked, so nothing is left to wait for. */
                incarnation_dequeue(inc);
                inc->main_exited = TRUE;
                inc->phase = PHASE_FAILED;
        } else if (inc->phase == PHASE_PLACING || inc->phase == PHASE_EXECING)
                incarnation_landed(inc, PHASE_FAILED);
        else
                inc->phase = PHASE_FAILED;
        inc->failure = g_strdup(message);
        steward_spawn_abort(&inc->proc);
        if (!inc->main_exited && inc->proc.pid > 0)
                (void) kill(inc->proc.pid, SIGKILL);
        backend_incarnation_advance(inc);
}

static void
on_main_reaped(pid_t pid, int status, gpointer user_data)
{
        Incarnation *inc = user_data;
        StewardBackend *b = inc->backend;

        if (b->events->main_exiting)
                b->events->main_exiting(b->user_data);
        if (pid != (inc->followed > 0 ? inc->followed : inc->proc.pid)) {
                /* Its last words named a successor (MAINPID=), now followed:
                 * this end is no longer the incarnation's. */
                steward_backend_orphan_reaped(b);
                return;
        }
        inc->main_exited = TRUE;
        inc->wait_status = status;
        /* May free inc. The helper's socket, not the reap, says whether the exec
         * went through, so an early reap just waits for it. */
        backend_incarnation_advance(inc);
        /* Its death may also have emptied another incarnation's group. */
        steward_backend_orphan_reaped(b);
}

static gboolean
on_spawn_report(int fd, GIOCondition cond, gpointer user_data)
{
        Incarnation *inc = user_data;
        StewardBackend *b = inc->backend;
        StewardSpawnReport report;
        ssize_t n;

        do
                n = read(fd, &report, sizeof(report));
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return G_SOURCE_CONTINUE;
        if (n == sizeof(report) && report.stage == STEWARD_EXEC_STAGE_STDIO_FALLBACK) {
                /* A notice: the helper goes on, and the exec's EOF or a
                 * failure still follows on the same socket. */
                inc->journal_refused = TRUE;
                if (b->events->journal)
                        b->events->journal(b->user_data, inc->child, inc->generation,
                                           g_strerror(report.error));
                return G_SOURCE_CONTINUE;
        }

        g_clear_pointer(&inc->report_watch, steward_fd_watch_remove);
        steward_close_fdp(&inc->proc.fd);

        if (n == sizeof(report)) {
                g_autofree char *message = steward_spawn_report_to_string(inc->plan, &report);
                backend_incarnation_fail(inc, message);
        } else if (inc->phase == PHASE_EXECING) {
                /* EOF: its close-on-exec socket closed in a successful exec. */
                incarnation_landed(inc, PHASE_RUNNING);
                if (b->events->journal && !inc->journal_refused && steward_exec_plan_uses_journal(inc->plan))
                        b->events->journal(b->user_data, inc->child, inc->generation, NULL);
                /* Only a spawn's failure reads the plan again: a running
                 * incarnation does not keep its copy of the environment
                 * and arguments for the rest of its life. */
                g_clear_pointer(&inc->plan, steward_exec_plan_free);
                b->events->spawned(b->user_data, inc->child, inc->generation, inc->proc.pid, inc->unit);
                backend_incarnation_advance(inc);
        }
        return G_SOURCE_REMOVE;
}

void
backend_incarnation_release(Incarnation *inc)
{
        g_autoptr(GError) error = NULL;

        if (inc->stop_requested) {
                backend_incarnation_fail(inc, "stopped before it started");
                return;
        }
        if (!steward_spawn_release(&inc->proc, &error)) {
                backend_incarnation_fail(inc, error->message);
                return;
        }
        /* Still in flight, until the exec is known. */
        g_assert(inc->phase == PHASE_PLACING);
        inc->phase = PHASE_EXECING;
}

/* A new incarnation in the tables, the child's newest; NULL when that
 * generation is there already. */
static Incarnation *
incarnation_new(StewardBackend *b, const char *child, guint64 generation, Phase phase)
{
        g_autofree char *key = incarnation_key(child, generation);
        Incarnation *inc;

        if (g_hash_table_contains(b->incarnations, key))
                return NULL;
        inc = g_new0(Incarnation, 1);
        inc->backend = b;
        inc->child = g_strdup(child);
        inc->generation = generation;
        inc->key = g_steal_pointer(&key);
        inc->proc = (StewardSpawned) STEWARD_SPAWNED_INIT;
        inc->pidfd = -1;
        inc->phase = phase;
        inc->queue_link.data = inc;
        g_hash_table_insert(b->incarnations, inc->key, inc);
        g_hash_table_replace(b->current, inc->child, inc);
        return inc;
}

/* ---- adoption ------------------------------------------------------------ */

/* The pidfd of an adopted (or followed) main process turned readable: it
 * ended. Its parent (the service manager, or whoever it was) reaped it, so
 * its status is not ours to know. */
static gboolean
on_adopted_main_ended(int fd, GIOCondition cond, gpointer user_data)
{
        Incarnation *inc = user_data;
        StewardBackend *b = inc->backend;

        if (b->events->main_exiting)
                b->events->main_exiting(b->user_data);
        if (fd != inc->pidfd)
                /* A successor is followed now (see on_main_reaped()); this
                 * watch was removed with the old descriptor. */
                return G_SOURCE_REMOVE;
        g_clear_pointer(&inc->pidfd_watch, steward_fd_watch_remove);
        steward_close_fdp(&inc->pidfd);
        inc->main_exited = TRUE;
        inc->wait_status = STEWARD_BACKEND_WAIT_STATUS_UNKNOWN;
        backend_incarnation_advance(inc);
        return G_SOURCE_REMOVE;
}

/* Adoption reports nothing from inside the call: what is known already
 * moves on from the main loop. */
static gboolean
on_adopted_advance(gpointer user_data)
{
        Incarnation *inc = user_data;

        inc->report_source = 0;
        backend_incarnation_advance(inc);
        return G_SOURCE_REMOVE;
}

/* Is @pid a child of this process? It is after a re-exec: the PID did not
 * change, and the kernel keeps the parent. WNOWAIT leaves a zombie for the
 * reaper. */
static gboolean
pid_is_our_child(pid_t pid)
{
        siginfo_t si = { 0 };

        return waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

static void
adopted_watch_main(Incarnation *inc, pid_t main_pid)
{
        StewardBackend *b = inc->backend;

        inc->proc.pid = main_pid;
        g_hash_table_replace(b->by_leader, GINT_TO_POINTER(main_pid), inc);
        if (pid_is_our_child(main_pid)) {
                steward_reaper_watch(b->reaper, main_pid, on_main_reaped, inc);
                return;
        }
        inc->pidfd = (int) syscall(SYS_pidfd_open, main_pid, 0);
        if (inc->pidfd < 0) {
                /* ESRCH: it ended between the survey and now. */
                inc->main_exited = TRUE;
                inc->wait_status = STEWARD_BACKEND_WAIT_STATUS_UNKNOWN;
                return;
        }
        inc->pidfd_watch =
                steward_fd_watch_add(G_PRIORITY_DEFAULT, inc->pidfd, G_IO_IN, on_adopted_main_ended, inc);
}

gboolean
steward_backend_adopt(StewardBackend *b, const StewardChildSpec *spec, const StewardLeftover *leftover,
                      guint64 generation, pid_t main_pid, GError **error)
{
        Incarnation *inc;

        g_return_val_if_fail(b && spec, FALSE);

        if (!b->ops->adopt) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                            "the %s backend cannot adopt incarnations",
                            steward_backend_kind_to_string(b->kind));
                return FALSE;
        }
        inc = incarnation_new(b, spec->name, generation, PHASE_RUNNING);
        if (!inc) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            "incarnation %s/%" G_GUINT64_FORMAT " is there already", spec->name, generation);
                return FALSE;
        }
        if (main_pid > 0)
                adopted_watch_main(inc, main_pid);
        else {
                /* The engine knows its end already: only gone is to come. */
                inc->main_exited = TRUE;
                inc->exited_reported = TRUE;
        }
        if (!b->ops->adopt(inc, spec, leftover, error)) {
                incarnation_finish(inc);
                return FALSE;
        }
        inc->report_source = g_idle_add(on_adopted_advance, inc);
        return TRUE;
}

void
steward_backend_stop_leftover(StewardBackend *b, const StewardLeftover *leftover)
{
        if (b->ops->stop_leftover)
                b->ops->stop_leftover(b, leftover);
}

/* ---- health checks --------------------------------------------------------- */

static void
probe_free(Probe *p)
{
        if (!p)
                return;
        if (p->idle_source)
                g_source_remove(p->idle_source);
        steward_close_fdp(&p->proc.fd);
        steward_exec_plan_free(p->plan);
        g_free(p->child);
        g_free(p->failure);
        g_free(p);
}

Probe *
backend_probe_lookup(StewardBackend *b, guint64 number)
{
        return b->probes ? g_hash_table_lookup(b->probes, &number) : NULL;
}

/* Reports the probe's end and forgets it. */
static void
probe_finish(Probe *p, int wait_status, const char *error)
{
        StewardBackend *b = p->backend;
        g_autofree char *child = g_strdup(p->child);
        g_autofree char *message = g_strdup(error);
        guint64 generation = p->generation, number = p->number;

        g_hash_table_remove(b->probes, &p->number);
        if (b->events->probe_ended)
                b->events->probe_ended(b->user_data, child, generation, number, wait_status, message);
}

static void
on_probe_reaped(pid_t pid, int status, gpointer user_data)
{
        Probe *p = user_data;
        g_autofree char *message = NULL;

        /* Whatever steward-exec had to say is on its socket by now: it is dead, and
         * the program it became (if it did) never held the close-on-exec end. */
        while (!p->failure && p->proc.fd >= 0) {
                StewardSpawnReport report;
                ssize_t n = read(p->proc.fd, &report, sizeof(report));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n == sizeof(report) && report.stage == STEWARD_EXEC_STAGE_STDIO_FALLBACK)
                        continue; /* a notice: its output went elsewhere */
                if (n == sizeof(report))
                        message = steward_spawn_report_to_string(p->plan, &report);
                break;
        }
        probe_finish(p, status, p->failure ? p->failure : message);
}

static gboolean
on_probe_failed_early(gpointer user_data)
{
        Probe *p = user_data;

        p->idle_source = 0;
        probe_finish(p, 0, p->failure);
        return G_SOURCE_REMOVE;
}

void
backend_probe_release(Probe *p)
{
        g_autoptr(GError) error = NULL;

        if (p->released || p->failure)
                return;
        if (!steward_spawn_release(&p->proc, &error)) {
                backend_probe_fail(p, error->message);
                return;
        }
        p->released = TRUE;
}

void
backend_probe_fail(Probe *p, const char *message)
{
        if (p->failure)
                return;
        p->failure = g_strdup(message);
        /* Sent away at the gate; the reap reports the failure. */
        steward_spawn_abort(&p->proc);
        (void) kill(p->proc.pid, SIGKILL);
}

static gboolean
on_spare(gpointer user_data)
{
        StewardBackend *b = user_data;
        g_autoptr(GError) error = NULL;

        b->spare_source = 0;
        if (!steward_spawn_spare(&b->spare, &error))
                /* The next spawn spawns, and says what is wrong. */
                g_debug("No spare steward-exec: %s", error->message);
        return G_SOURCE_REMOVE;
}

/* Spawns the next spare once nothing else is waiting to run: after a
 * restart's spawn is on its way, or between a bring-up's. */
static void
backend_spare_soon(StewardBackend *b)
{
        if (!b->spare_source && b->spare.proc.fd < 0)
                b->spare_source = g_idle_add_full(G_PRIORITY_LOW, on_spare, b, NULL);
}

pid_t
steward_backend_get_spare_pid(StewardBackend *b)
{
        return steward_spare_pid(&b->spare);
}

/* Starts @plan's helper, from the spare when there is one. The next
 * spare is asked of the spawner at once, which forks it while we go on:
 * the next spawn of a bring-up takes it instead of waiting for a fork.
 * Spawned by us, it waits until nothing else is ready to run. */
static gboolean
backend_spawn_helper(StewardBackend *b, const StewardExecPlan *plan, StewardSpawned *out, GError **error)
{
        gboolean ok = steward_spawn_fork(plan, &b->spare, out, error);

        if (!steward_spawn_spare_ask(&b->spare))
                backend_spare_soon(b);
        return ok;
}

void
steward_backend_probe(StewardBackend *b, const StewardChildSpec *spec, guint64 generation, guint64 number)
{
        Incarnation *inc = backend_lookup(b, spec->name, generation);
        g_autoptr(GError) error = NULL;
        StewardChildSpec probe_spec;
        Probe *p;

        g_return_if_fail(!backend_probe_lookup(b, number));
        p = g_new0(Probe, 1);
        p->backend = b;
        p->child = g_strdup(spec->name);
        p->generation = generation;
        p->number = number;
        p->proc = (StewardSpawned) STEWARD_SPAWNED_INIT;
        g_hash_table_insert(b->probes, &p->number, p);

        if (!inc || inc->phase != PHASE_RUNNING || inc->main_exited) {
                p->failure = g_strdup("the incarnation is not running");
                p->idle_source = g_idle_add(on_probe_failed_early, p);
                return;
        }
        /* The child as it is, but for the command: the same helper, user, environment, directory. */
        probe_spec = *spec;
        probe_spec.argv = spec->health_argv;
        p->plan = steward_exec_plan_new(&probe_spec, NULL, b->use_journal, b->mode == STEWARD_MODE_SYSTEM,
                                        &error);
        if (!p->plan || !backend_spawn_helper(b, p->plan, &p->proc, &error)) {
                p->failure = g_strdup(error->message);
                p->idle_source = g_idle_add(on_probe_failed_early, p);
                return;
        }
        steward_reaper_watch(b->reaper, p->proc.pid, on_probe_reaped, p);
        b->ops->place_probe(p, inc);
}

void
steward_backend_cancel_probe(StewardBackend *b, guint64 number)
{
        Probe *p = backend_probe_lookup(b, number);

        if (!p || p->proc.pid <= 0)
                return;
        if (!p->released) {
                backend_probe_fail(p, "cancelled before it started");
                return;
        }
        /* It leads its own process group (steward-exec runs in a new session):
         * what it started goes with it, unless it left the group. */
        if (kill(-p->proc.pid, SIGKILL) < 0)
                (void) kill(p->proc.pid, SIGKILL);
}

/* ---- MAINPID= ------------------------------------------------------------ */

gboolean
steward_backend_follow_main(StewardBackend *b, const char *child, guint64 generation, pid_t pid,
                            GError **error)
{
        Incarnation *inc = backend_lookup(b, child, generation);
        pid_t old;
        int pidfd;

        g_return_val_if_fail(b && child, FALSE);

        if (!inc || inc->phase != PHASE_RUNNING || inc->main_exited || inc->exited_reported) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            "incarnation %s/%" G_GUINT64_FORMAT " is not running", child, generation);
                return FALSE;
        }
        old = incarnation_main_pid(inc);
        if (pid == old)
                return TRUE;
        if (pid <= 0 || !b->ops->owns_pid(inc, pid)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_ACCESS_DENIED,
                            "PID %d is not a process of %s/%" G_GUINT64_FORMAT, (int) pid, child,
                            generation);
                return FALSE;
        }
        /* Pinned before anything changes: the PID cannot be reused under us. */
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                int errsv = errno;
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, "PID %d: %s", (int) pid,
                            g_strerror(errsv));
                return FALSE;
        }
        /* The old main's end is no longer the incarnation's: it is reaped
         * as an orphan would be, or simply not watched any more. */
        if (inc->pidfd >= 0) {
                g_clear_pointer(&inc->pidfd_watch, steward_fd_watch_remove);
                steward_close_fdp(&inc->pidfd);
        } else
                steward_reaper_unwatch(b->reaper, old);
        inc->followed = pid;
        if (pid_is_our_child(pid)) {
                /* A subreaper's: its wait status will be ours to know. */
                (void) close(pidfd);
                steward_reaper_watch(b->reaper, pid, on_main_reaped, inc);
        } else {
                inc->pidfd = pidfd;
                inc->pidfd_watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, inc->pidfd, G_IO_IN,
                                                        on_adopted_main_ended, inc);
        }
        g_debug("%s/%" G_GUINT64_FORMAT ": main process %d, was %d", child, generation, (int) pid,
                (int) old);
        return TRUE;
}

pid_t
steward_backend_get_main_pid(StewardBackend *b, const char *child, guint64 generation)
{
        Incarnation *inc = backend_lookup(b, child, generation);

        return inc && inc->phase == PHASE_RUNNING ? incarnation_main_pid(inc) : 0;
}

gboolean
steward_backend_signal_main(StewardBackend *b, const char *child, guint64 generation, int signal)
{
        Incarnation *inc = backend_lookup(b, child, generation);
        pid_t pid = inc && inc->phase == PHASE_RUNNING ? incarnation_main_pid(inc) : 0;

        if (pid <= 0)
                return FALSE;
        /* Through the pidfd when there is one: that PID may not be our child. */
        if (inc->pidfd >= 0)
                return syscall(SYS_pidfd_send_signal, inc->pidfd, signal, NULL, 0) == 0;
        return kill(pid, signal) == 0;
}

/* ---- common ------------------------------------------------------------- */

StewardBackend *
steward_backend_new(const StewardBackendOptions *o, GError **error)
{
        g_autoptr(StewardBackend) b = g_new0(StewardBackend, 1);

        b->kind = o->kind;
        b->mode = o->mode;
        b->slice = g_strdup(o->slice ? o->slice : STEWARD_SLICE_DEFAULT);
        b->reaper = o->reaper;
        b->events = o->events;
        b->user_data = o->user_data;
        b->cancellable = g_cancellable_new();
        b->spare = (StewardSpare) STEWARD_SPARE_INIT;
        b->incarnations =
                g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) incarnation_free);
        b->current = g_hash_table_new(g_str_hash, g_str_equal);
        b->by_leader = g_hash_table_new(NULL, NULL);
        b->probes = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) probe_free);
        /* Output goes to the journal wherever one listens. */
        b->use_journal = g_file_test(JOURNAL_STDOUT_SOCKET, G_FILE_TEST_EXISTS);

        b->ops = b->kind == STEWARD_BACKEND_SCOPE ? &backend_scope_ops : &backend_process_ops;
        if (!b->ops->init(b, o, error))
                return NULL;
        return g_steal_pointer(&b);
}

void
steward_backend_free(StewardBackend *b)
{
        if (!b)
                return;
        if (b->cancellable)
                g_cancellable_cancel(b->cancellable);
        g_clear_handle_id(&b->pump_source, g_source_remove);
        g_clear_handle_id(&b->spare_source, g_source_remove);
        /* It leaves on EOF, and is reaped as an orphan, or by init after us. */
        steward_spare_clear(&b->spare);
        if (b->incarnations) {
                GHashTableIter iter;
                Incarnation *inc;
                /* Stop listening for processes nobody will report on. */
                g_hash_table_iter_init(&iter, b->incarnations);
                while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &inc))
                        if (inc->proc.pid > 0 && !inc->main_exited && inc->pidfd < 0)
                                steward_reaper_unwatch(b->reaper,
                                                       inc->followed > 0 ? inc->followed : inc->proc.pid);
        }
        g_clear_pointer(&b->incarnations, g_hash_table_unref);
        g_clear_pointer(&b->current, g_hash_table_unref);
        g_clear_pointer(&b->by_leader, g_hash_table_unref);
        if (b->probes) {
                GHashTableIter iter;
                Probe *p;
                g_hash_table_iter_init(&iter, b->probes);
                while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &p))
                        if (p->proc.pid > 0)
                                steward_reaper_unwatch(b->reaper, p->proc.pid);
                g_clear_pointer(&b->probes, g_hash_table_unref);
        }
        if (b->ops)
                b->ops->finalize(b);
        g_clear_object(&b->cancellable);
        g_free(b->slice);
        g_free(b);
}

void
steward_leftover_free(StewardLeftover *l)
{
        if (!l)
                return;
        g_free(l->unit);
        g_free(l->child);
        g_clear_pointer(&l->pids, g_array_unref);
        g_free(l);
}

void
steward_backend_survey(StewardBackend *b, GAsyncReadyCallback callback, gpointer user_data)
{
        GTask *task = g_task_new(NULL, b->cancellable, callback, user_data);

        g_task_set_task_data(task, b, NULL);
        b->ops->survey(b, task);
}

GPtrArray *
steward_backend_survey_finish(StewardBackend *b, GAsyncResult *res, GError **error)
{
        return g_task_propagate_pointer(G_TASK(res), error);
}

StewardBackendKind
steward_backend_get_kind(StewardBackend *b)
{
        return b->kind;
}

/* Forks the helper of a queued incarnation and has it placed. */
static void
incarnation_launch(Incarnation *inc)
{
        StewardBackend *b = inc->backend;
        g_autoptr(GError) error = NULL;

        g_assert(inc->phase == PHASE_QUEUED && !inc->in_queue);
        if (!backend_spawn_helper(b, inc->plan, &inc->proc, &error)) {
                backend_incarnation_fail(inc, error->message);
                return;
        }
        inc->phase = PHASE_PLACING;
        b->in_flight++;
        steward_reaper_watch(b->reaper, inc->proc.pid, on_main_reaped, inc);
        g_hash_table_replace(b->by_leader, GINT_TO_POINTER(inc->proc.pid), inc);
        inc->report_watch =
                steward_fd_watch_add(G_PRIORITY_DEFAULT, inc->proc.fd, G_IO_IN, on_spawn_report, inc);
        if (!inc->report_watch) {
                backend_incarnation_fail(inc, "cannot watch the helper's socket");
                return;
        }

        b->ops->place(inc);
}

/* Gives the free places to the queued spawns, in order; a stopped one
 * leaves without taking a place. Runs from its own source, never from
 * inside a report: a spawn that fails at once reports to the engine, which
 * must not find itself called back from the middle of another report. */
static gboolean
backend_pump(gpointer user_data)
{
        StewardBackend *b = user_data;
        GList *link;

        b->pump_source = 0;
        while ((link = g_queue_peek_head_link(&b->queued))) {
                Incarnation *inc = link->data;

                if (inc->stop_requested) {
                        backend_incarnation_fail(inc, "stopped before it started");
                        continue;
                }
                if (b->in_flight >= SPAWNS_IN_FLIGHT_MAX)
                        break;
                incarnation_dequeue(inc);
                incarnation_launch(inc);
        }
        return G_SOURCE_REMOVE;
}

static void
backend_pump_soon(StewardBackend *b)
{
        if (!b->pump_source && !g_queue_is_empty(&b->queued))
                b->pump_source = g_idle_add_full(G_PRIORITY_DEFAULT, backend_pump, b, NULL);
}

void
steward_backend_spawn(StewardBackend *b, const StewardChildSpec *spec, guint64 generation, const char *slice,
                      char **extra_env)
{
        g_autoptr(GError) error = NULL;
        Incarnation *inc;

        inc = incarnation_new(b, spec->name, generation, PHASE_QUEUED);
        if (!inc) {
                /* The engine never spawns one generation twice; a bug if it does. */
                g_warning("incarnation %s/%" G_GUINT64_FORMAT " spawned twice, ignoring", spec->name,
                          generation);
                return;
        }

        inc->plan = steward_exec_plan_new(spec, extra_env, b->use_journal, b->mode == STEWARD_MODE_SYSTEM,
                                          &error);
        if (!inc->plan) {
                backend_incarnation_fail(inc, error->message);
                return;
        }
        if (b->ops->prepare)
                b->ops->prepare(inc, spec, slice);
        /* At once while there is room and nobody waits before it. */
        if (b->in_flight < SPAWNS_IN_FLIGHT_MAX && g_queue_is_empty(&b->queued)) {
                incarnation_launch(inc);
                return;
        }
        g_queue_push_tail_link(&b->queued, &inc->queue_link);
        inc->in_queue = TRUE;
        backend_pump_soon(b);
}

Incarnation *
backend_lookup(StewardBackend *b, const char *child, guint64 generation)
{
        g_autofree char *key = incarnation_key(child, generation);

        return g_hash_table_lookup(b->incarnations, key);
}

static void
deliver(StewardBackend *b, const char *child, guint64 generation, int signal, gboolean kill_all)
{
        Incarnation *inc = backend_lookup(b, child, generation);

        if (!inc)
                return; /* already gone: nothing to deliver to */
        if (inc->phase == PHASE_QUEUED && !inc->stop_requested) {
                /* Let go at the front of the queue, from the pump: not
                 * from inside this call, which comes from the engine. */
                inc->stop_requested = TRUE;
                incarnation_dequeue(inc);
                g_queue_push_head_link(&b->queued, &inc->queue_link);
                inc->in_queue = TRUE;
                backend_pump_soon(b);
                return;
        }
        if (inc->phase == PHASE_QUEUED || inc->phase == PHASE_PLACING) {
                /* Not placed yet: it will be let go instead of released. */
                inc->stop_requested = TRUE;
                return;
        }
        if (inc->phase == PHASE_FAILED)
                return;
        b->ops->deliver(inc, signal, kill_all);
}

void
steward_backend_stop(StewardBackend *b, const char *child, guint64 generation, int signal)
{
        deliver(b, child, generation, signal, FALSE);
}

void
steward_backend_kill(StewardBackend *b, const char *child, guint64 generation)
{
        deliver(b, child, generation, SIGKILL, TRUE);
}

gboolean
steward_backend_owns_pid(StewardBackend *b, const char *child, pid_t pid)
{
        Incarnation *inc = g_hash_table_lookup(b->current, child);

        if (!inc || inc->phase != PHASE_RUNNING || pid <= 0)
                return FALSE;
        return b->ops->owns_pid(inc, pid);
}

const char *
steward_backend_get_unit(StewardBackend *b, const char *child, guint64 generation)
{
        Incarnation *inc = backend_lookup(b, child, generation);

        return inc && inc->scope_created ? inc->unit : NULL;
}

gboolean
steward_backend_lookup_pid(StewardBackend *b, pid_t pid, const char **ret_child, guint64 *ret_generation)
{
        Incarnation *inc = NULL;

        if (pid <= 0)
                return FALSE;
        inc = b->ops->find_pid(b, pid);
        /* A main process that sent its last datagram and exited is gone
         * from /proc by the time it is read (main_exiting): it is still
         * known by its PID until its end has been judged. */
        if (!inc) {
                GHashTableIter iter;
                Incarnation *i;

                g_hash_table_iter_init(&iter, b->current);
                while (!inc && g_hash_table_iter_next(&iter, NULL, (gpointer *) &i))
                        if (!i->main_exited && incarnation_main_pid(i) == pid)
                                inc = i;
        }
        /* Only the newest incarnation of a child speaks for it, and only once
         * its program runs: a process left of an older one is no sender. */
        if (!inc || inc->phase != PHASE_RUNNING || g_hash_table_lookup(b->current, inc->child) != inc)
                return FALSE;
        if (ret_child)
                *ret_child = inc->child;
        if (ret_generation)
                *ret_generation = inc->generation;
        return TRUE;
}

void
steward_backend_set_child_resources(StewardBackend *b, const char *child, const StewardResources *resources,
                                    gboolean wait)
{
        Incarnation *inc = g_hash_table_lookup(b->current, child);

        /* A scope being created gets them too: the manager takes this call
         * after the StartTransientUnit sent before it. */
        if (!b->ops->set_resources || !inc || !inc->unit || inc->scope_gone || inc->phase == PHASE_FAILED)
                return;
        if (inc->phase == PHASE_QUEUED) {
                /* No unit yet: it will be made with them. */
                b->ops->restage(inc, resources);
                return;
        }
        b->ops->set_resources(b, inc->unit, resources, wait);
}

void
steward_backend_set_slice_resources(StewardBackend *b, const char *slice, const StewardResources *resources,
                                    gboolean wait)
{
        if (b->ops->set_resources)
                b->ops->set_resources(b, slice, resources, wait);
}

void
steward_backend_flush(StewardBackend *b)
{
        if (b->manager)
                (void) sd_bus_flush(b->manager->bus);
}

void
steward_backend_orphan_reaped(StewardBackend *b)
{
        if (b->ops->orphan_reaped)
                b->ops->orphan_reaped(b);
}
