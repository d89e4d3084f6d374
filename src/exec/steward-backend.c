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
#include <sys/wait.h>
#include <unistd.h>

#include "backend-private.h"
#include "steward-names.h"
#include "steward-spawn.h"
#include "steward-util.h"

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
incarnation_free(Incarnation *inc)
{
        if (!inc)
                return;
        if (inc->backend->ops->discard)
                inc->backend->ops->discard(inc);
        if (inc->report_source)
                g_source_remove(inc->report_source);
        steward_close_fdp(&inc->proc.gate_fd);
        steward_close_fdp(&inc->proc.report_fd);
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

        if (inc->proc.pid > 0 && !inc->main_exited)
                steward_reaper_unwatch(b->reaper, inc->proc.pid);
        if (g_hash_table_lookup(b->current, inc->child) == inc)
                g_hash_table_remove(b->current, inc->child);
        if (inc->proc.pid > 0 && g_hash_table_lookup(b->by_leader, GINT_TO_POINTER(inc->proc.pid)) == inc)
                g_hash_table_remove(b->by_leader, GINT_TO_POINTER(inc->proc.pid));
        g_hash_table_remove(b->incarnations, inc->key);
}

static gboolean
incarnation_all_gone(Incarnation *inc)
{
        if (!inc->main_exited)
                return FALSE;
        return inc->backend->ops->all_gone(inc);
}

/* Moves an incarnation's reports along as far as what we know allows. */
void
backend_incarnation_advance(Incarnation *inc)
{
        StewardBackend *b = inc->backend;

        if (inc->phase == PHASE_FAILED) {
                if (incarnation_all_gone(inc)) {
                        b->events->spawn_failed(b->user_data, inc->child, inc->generation, inc->failure);
                        incarnation_finish(inc);
                }
                return;
        }
        if (inc->phase != PHASE_RUNNING)
                return;
        if (inc->main_exited && !inc->exited_reported) {
                inc->exited_reported = TRUE;
                b->events->exited(b->user_data, inc->child, inc->generation, inc->wait_status);
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
        inc->phase = PHASE_FAILED;
        inc->failure = g_strdup(message);
        steward_close_fdp(&inc->proc.gate_fd);
        if (!inc->main_exited && inc->proc.pid > 0)
                (void) kill(inc->proc.pid, SIGKILL);
        backend_incarnation_advance(inc);
}

static void
on_main_reaped(pid_t pid, int status, gpointer user_data)
{
        Incarnation *inc = user_data;
        StewardBackend *b = inc->backend;

        inc->main_exited = TRUE;
        inc->wait_status = status;
        /* May free inc. The report pipe, not the reap, says whether the exec
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

        inc->report_source = 0;
        steward_close_fdp(&inc->proc.report_fd);

        if (n == sizeof(report)) {
                g_autofree char *message = steward_spawn_report_to_string(inc->plan, &report);
                backend_incarnation_fail(inc, message);
        } else if (inc->phase == PHASE_EXECING) {
                /* EOF: the close-on-exec pipe closed in a successful exec. */
                inc->phase = PHASE_RUNNING;
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
        inc->phase = PHASE_EXECING;
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
        b->incarnations =
                g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) incarnation_free);
        b->current = g_hash_table_new(g_str_hash, g_str_equal);
        b->by_leader = g_hash_table_new(NULL, NULL);
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
        if (b->incarnations) {
                GHashTableIter iter;
                Incarnation *inc;
                /* Stop listening for processes nobody will report on. */
                g_hash_table_iter_init(&iter, b->incarnations);
                while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &inc))
                        if (inc->proc.pid > 0 && !inc->main_exited)
                                steward_reaper_unwatch(b->reaper, inc->proc.pid);
        }
        g_clear_pointer(&b->incarnations, g_hash_table_unref);
        g_clear_pointer(&b->current, g_hash_table_unref);
        g_clear_pointer(&b->by_leader, g_hash_table_unref);
        if (b->ops)
                b->ops->finalize(b);
        g_clear_object(&b->cancellable);
        g_free(b->slice);
        g_free(b);
}

void
steward_backend_clear_leftovers(StewardBackend *b, guint timeout_sec, GAsyncReadyCallback callback,
                                gpointer user_data)
{
        GTask *task = g_task_new(NULL, b->cancellable, callback, user_data);

        g_task_set_task_data(task, b, NULL);
        b->leftovers_timeout_sec = MAX(timeout_sec, 1);
        b->ops->clear_leftovers(b, task);
}

gboolean
steward_backend_clear_leftovers_finish(StewardBackend *b, GAsyncResult *res, GError **error)
{
        return g_task_propagate_boolean(G_TASK(res), error);
}

StewardBackendKind
steward_backend_get_kind(StewardBackend *b)
{
        return b->kind;
}

void
steward_backend_spawn(StewardBackend *b, const StewardChildSpec *spec, guint64 generation, const char *slice,
                      char **extra_env)
{
        g_autoptr(GError) error = NULL;
        Incarnation *inc;

        inc = g_new0(Incarnation, 1);
        inc->backend = b;
        inc->child = g_strdup(spec->name);
        inc->generation = generation;
        inc->key = incarnation_key(spec->name, generation);
        inc->proc.gate_fd = -1;
        inc->proc.report_fd = -1;
        inc->phase = PHASE_PLACING;
        if (g_hash_table_contains(b->incarnations, inc->key)) {
                /* The engine never spawns one generation twice; a bug if it does. */
                g_warning("incarnation %s spawned twice, ignoring", inc->key);
                incarnation_free(inc);
                return;
        }
        g_hash_table_insert(b->incarnations, inc->key, inc);
        g_hash_table_replace(b->current, inc->child, inc);

        inc->plan = steward_exec_plan_new(spec, extra_env, b->use_journal, b->mode == STEWARD_MODE_SYSTEM,
                                          &error);
        if (!inc->plan || !steward_spawn_fork(inc->plan, &inc->proc, &error)) {
                /* Nothing was forked, so nothing is left to wait for. */
                inc->main_exited = TRUE;
                backend_incarnation_fail(inc, error->message);
                return;
        }
        steward_reaper_watch(b->reaper, inc->proc.pid, on_main_reaped, inc);
        g_hash_table_replace(b->by_leader, GINT_TO_POINTER(inc->proc.pid), inc);
        inc->report_source =
                g_unix_fd_add(inc->proc.report_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_spawn_report, inc);

        b->ops->place(inc, spec, slice);
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
        if (inc->phase == PHASE_PLACING) {
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
steward_backend_orphan_reaped(StewardBackend *b)
{
        if (b->ops->orphan_reaped)
                b->ops->orphan_reaped(b);
}
