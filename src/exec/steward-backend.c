/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-backend.c: running incarnations for real, in transient scopes or in process groups.
 *
 * Both backends fork the incarnation the same way (steward-spawn.c) and
 * reap it the same way (steward-reaper.c); they differ in where the
 * incarnation lives and how we learn that all of it is gone:
 *
 *   scope    the child waits at its gate until the manager has created
 *            steward-CHILD-GEN.scope around it; gone is the scope turning
 *            inactive or being removed (its cgroup is empty).
 *   process  the child leads its own process group; gone is the group
 *            having no member left, checked whenever we reap (stewardd is
 *            a subreaper, so orphans of the group come back to us). */
#include "config.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steward-backend.h"
#include "steward-names.h"
#include "steward-spawn.h"
#include "steward-util.h"

typedef enum {
        PHASE_PLACING, /* forked, held at the gate, scope being created */
        PHASE_EXECING, /* released, exec outcome not known yet */
        PHASE_RUNNING, /* exec succeeded */
        PHASE_FAILED, /* spawn failed; waiting for nothing to be left */
} Phase;

typedef struct {
        StewardBackend *backend;
        char *child;
        guint64 generation;
        char *key;
        char *unit; /* scope backend */
        char *unit_path;
        StewardExecPlan *plan;
        StewardSpawned proc;
        Phase phase;
        guint report_source;
        guint props_subscription;
        gboolean main_exited;
        int wait_status;
        gboolean scope_gone; /* scope backend: inactive or removed */
        gboolean scope_created;
        gboolean exited_reported;
        gboolean stop_requested;
        char *failure;
        GVariant *unit_settings; /* a(sv): kill settings and cgroup limits */
        char *job; /* the scope's start job, once the manager named it */
        gboolean sent_pidfds; /* the pending StartTransientUnit passed PIDFDs */
        int kill_signal; /* KillSignal=, what StopUnit sends */
        char *slice; /* NULL: the backend's */
        /* JobRemoved seen for the unit before we knew our job's path:
         * someone else's job on a unit of that name, or ours racing its reply. */
        GHashTable *early_jobs; /* job path -> result */
} Incarnation;

struct _StewardBackend {
        StewardBackendKind kind;
        StewardMode mode;
        GDBusConnection *bus;
        char *slice;
        StewardReaper *reaper;
        const StewardBackendEvents *events;
        gpointer user_data;
        gboolean use_journal;
        gboolean pidfds_unsupported;
        guint job_removed_subscription;
        guint unit_removed_subscription;
        GCancellable *cancellable;
        GHashTable *incarnations; /* key "child/generation" -> Incarnation* */
        GHashTable *by_unit; /* unit name -> Incarnation* (borrowed) */
        GHashTable *current; /* child -> Incarnation* (borrowed), the newest */
        GHashTable *by_leader; /* GINT_TO_POINTER(forked pid) -> Incarnation* (borrowed) */
        /* Scopes a previous run left behind, being stopped before we start. */
        GHashTable *leftovers; /* unit name set */
        GTask *leftovers_task;
        guint leftovers_timeout;
        guint leftovers_timeout_sec;
};

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

static char *
unit_object_path(const char *unit)
{
        g_autofree char *label = steward_bus_label_escape(unit);

        return g_strconcat(SYSTEMD_UNIT_PATH_PREFIX, label, NULL);
}

static void
incarnation_free(Incarnation *inc)
{
        if (!inc)
                return;
        if (inc->report_source)
                g_source_remove(inc->report_source);
        if (inc->props_subscription)
                g_dbus_connection_signal_unsubscribe(inc->backend->bus, inc->props_subscription);
        steward_close_fdp(&inc->proc.gate_fd);
        steward_close_fdp(&inc->proc.report_fd);
        steward_exec_plan_free(inc->plan);
        g_clear_pointer(&inc->unit_settings, g_variant_unref);
        g_clear_pointer(&inc->early_jobs, g_hash_table_unref);
        g_free(inc->job);
        g_free(inc->child);
        g_free(inc->key);
        g_free(inc->unit);
        g_free(inc->unit_path);
        g_free(inc->failure);
        g_free(inc->slice);
        g_free(inc);
}

/* Forgets an incarnation once everything about it has been reported. */
static void
incarnation_finish(Incarnation *inc)
{
        StewardBackend *b = inc->backend;

        if (inc->proc.pid > 0 && !inc->main_exited)
                steward_reaper_unwatch(b->reaper, inc->proc.pid);
        if (inc->unit && g_hash_table_lookup(b->by_unit, inc->unit) == inc)
                g_hash_table_remove(b->by_unit, inc->unit);
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
        if (inc->backend->kind == STEWARD_BACKEND_SCOPE)
                return !inc->scope_created || inc->scope_gone;
        /* Nothing is left in the group once kill() finds nobody to signal. */
        return kill(-inc->proc.pid, 0) < 0 && errno == ESRCH;
}

/* Moves an incarnation's reports along as far as what we know allows. */
static void
incarnation_advance(Incarnation *inc)
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
static void
incarnation_fail(Incarnation *inc, const char *message)
{
        if (inc->phase == PHASE_FAILED)
                return;
        inc->phase = PHASE_FAILED;
        inc->failure = g_strdup(message);
        steward_close_fdp(&inc->proc.gate_fd);
        if (!inc->main_exited && inc->proc.pid > 0)
                (void) kill(inc->proc.pid, SIGKILL);
        incarnation_advance(inc);
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
        incarnation_advance(inc);
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
                incarnation_fail(inc, message);
        } else if (inc->phase == PHASE_EXECING) {
                /* EOF: the close-on-exec pipe closed in a successful exec. */
                inc->phase = PHASE_RUNNING;
                b->events->spawned(b->user_data, inc->child, inc->generation, inc->proc.pid, inc->unit);
                incarnation_advance(inc);
        }
        return G_SOURCE_REMOVE;
}

static void
incarnation_release(Incarnation *inc)
{
        g_autoptr(GError) error = NULL;

        if (inc->stop_requested) {
                incarnation_fail(inc, "stopped before it started");
                return;
        }
        if (!steward_spawn_release(&inc->proc, &error)) {
                incarnation_fail(inc, error->message);
                return;
        }
        inc->phase = PHASE_EXECING;
}

/* ---- scope backend ------------------------------------------------------ */

static void
on_unit_properties_changed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                           const char *signal, GVariant *params, gpointer user_data)
{
        Incarnation *inc = user_data;
        g_autoptr(GVariant) changed = NULL;
        const char *interface, *state = NULL;

        g_variant_get(params, "(&s@a{sv}@as)", &interface, &changed, NULL);
        if (!g_str_equal(interface, SYSTEMD_UNIT_INTERFACE) ||
            !g_variant_lookup(changed, "ActiveState", "&s", &state))
                return;
        if (inc->scope_created && (g_str_equal(state, "inactive") || g_str_equal(state, "failed"))) {
                inc->scope_gone = TRUE;
                incarnation_advance(inc);
        }
}

static void
leftovers_done(StewardBackend *b)
{
        g_autoptr(GTask) task = g_steal_pointer(&b->leftovers_task);

        if (b->leftovers_timeout)
                g_source_remove(b->leftovers_timeout);
        b->leftovers_timeout = 0;
        if (b->leftovers && g_hash_table_size(b->leftovers) > 0)
                g_message("%u scope(s) of a previous run still there, going on without waiting for them",
                          g_hash_table_size(b->leftovers));
        g_clear_pointer(&b->leftovers, g_hash_table_unref);
        if (task)
                g_task_return_boolean(task, TRUE);
}

static void
on_unit_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *signal, GVariant *params, gpointer user_data)
{
        StewardBackend *b = user_data;
        const char *unit;
        Incarnation *inc;

        g_variant_get(params, "(&s&o)", &unit, NULL);
        if (b->leftovers && g_hash_table_remove(b->leftovers, unit) && g_hash_table_size(b->leftovers) == 0)
                leftovers_done(b);
        inc = g_hash_table_lookup(b->by_unit, unit);
        /* Removal before the start job finished is the job's failure, seen there. */
        if (inc && inc->scope_created) {
                inc->scope_gone = TRUE;
                incarnation_advance(inc);
        }
}

static void
scope_job_finished(Incarnation *inc, const char *result)
{
        if (g_str_equal(result, "done")) {
                inc->scope_created = TRUE;
                incarnation_release(inc);
        } else {
                g_autofree char *message =
                        g_strdup_printf("the manager could not start %s: job %s", inc->unit, result);
                incarnation_fail(inc, message);
        }
}

static void
on_job_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
               const char *signal, GVariant *params, gpointer user_data)
{
        StewardBackend *b = user_data;
        const char *job, *unit, *result;
        Incarnation *inc;
        guint32 id;

        g_variant_get(params, "(u&o&s&s)", &id, &job, &unit, &result);
        inc = g_hash_table_lookup(b->by_unit, unit);
        if (!inc || inc->phase != PHASE_PLACING)
                return;
        if (!inc->job) {
                if (!inc->early_jobs)
                        inc->early_jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                g_hash_table_replace(inc->early_jobs, g_strdup(job), g_strdup(result));
                return;
        }
        if (g_str_equal(job, inc->job))
                scope_job_finished(inc, result);
}

typedef struct {
        StewardBackend *backend;
        char *key;
} CallData;

static void scope_start(Incarnation *inc);

static void
on_start_transient_unit(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autofree CallData *call = user_data;
        g_autofree char *key = call->key;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        StewardBackend *b = call->backend;
        Incarnation *inc;

        reply = g_dbus_connection_call_with_unix_fd_list_finish(G_DBUS_CONNECTION(source), NULL, res,
                                                                &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return; /* the backend is gone */
        /* Looked up again: it may have failed while the call was out. */
        inc = g_hash_table_lookup(b->incarnations, key);
        if (!inc || inc->phase != PHASE_PLACING)
                return;
        if (reply) {
                const char *result;

                /* JobRemoved tells how the start went, unless it came first. */
                g_variant_get(reply, "(o)", &inc->job);
                result = inc->early_jobs ? g_hash_table_lookup(inc->early_jobs, inc->job) : NULL;
                if (result)
                        scope_job_finished(inc, result);
                return;
        }

        /* Judged by what this call sent: calls may be out with PIDFDs when
         * the first refusal comes back. */
        if (inc->sent_pidfds && g_dbus_error_is_remote_error(error)) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);
                /* Managers before v253 know PIDs but not PIDFDs. */
                if (g_str_equal(name, DBUS_ERROR_INVALID_ARGS) ||
                    g_str_equal(name, DBUS_ERROR_PROPERTY_READ_ONLY)) {
                        b->pidfds_unsupported = TRUE;
                        g_debug("the manager does not take PIDFDs, passing PIDs");
                        scope_start(inc);
                        return;
                }
        }
        g_dbus_error_strip_remote_error(error);
        {
                g_autofree char *message = g_strdup_printf("creating %s: %s", inc->unit, error->message);
                incarnation_fail(inc, message);
        }
}

static GVariant *
unit_settings_new(const StewardChildSpec *spec)
{
        GVariantBuilder props;

        g_variant_builder_init(&props, G_VARIANT_TYPE("a(sv)"));
        g_variant_builder_add(&props, "(sv)", "KillSignal", g_variant_new_int32(spec->kill_signal));
        g_variant_builder_add(&props, "(sv)", "SendSIGKILL", g_variant_new_boolean(TRUE));
        g_variant_builder_add(
                &props, "(sv)", "TimeoutStopUSec",
                g_variant_new_uint64(spec->timeout_stop_usec ? spec->timeout_stop_usec : G_MAXUINT64));
        if (spec->memory_max != STEWARD_LIMIT_UNSET)
                g_variant_builder_add(&props, "(sv)", "MemoryMax", g_variant_new_uint64(spec->memory_max));
        if (spec->tasks_max != STEWARD_LIMIT_UNSET)
                g_variant_builder_add(&props, "(sv)", "TasksMax", g_variant_new_uint64(spec->tasks_max));
        return g_variant_ref_sink(g_variant_builder_end(&props));
}

/* Asks the manager for the scope; the child stays at its gate meanwhile.
 * The JobRemoved and UnitRemoved subscriptions exist since the backend was
 * made, and the unit's PropertiesChanged one since the incarnation was. */
static void
scope_start(Incarnation *inc)
{
        StewardBackend *b = inc->backend;
        g_autoptr(GUnixFDList) fds = NULL;
        g_autofree char *description = NULL;
        GVariantBuilder props;
        GVariantIter iter;
        GVariant *setting;
        CallData *call;

        g_variant_builder_init(&props, G_VARIANT_TYPE("a(sv)"));
        description = g_strdup_printf("steward child %s, generation %" G_GUINT64_FORMAT, inc->child,
                                      inc->generation);
        g_variant_builder_add(&props, "(sv)", "Description", g_variant_new_string(description));
        g_variant_builder_add(&props, "(sv)", "Slice",
                              g_variant_new_string(inc->slice ? inc->slice : b->slice));
        g_variant_builder_add(&props, "(sv)", "CollectMode", g_variant_new_string("inactive-or-failed"));
        inc->sent_pidfds = FALSE;
        if (!b->pidfds_unsupported) {
                int pidfd = (int) syscall(SYS_pidfd_open, inc->proc.pid, 0);
                if (pidfd >= 0) {
                        fds = g_unix_fd_list_new_from_array(&pidfd, 1);
                        g_variant_builder_add(&props, "(sv)", "PIDFDs", g_variant_new_parsed("[%h]", 0));
                        inc->sent_pidfds = TRUE;
                } else
                        b->pidfds_unsupported = TRUE;
        }
        if (b->pidfds_unsupported) {
                guint32 pid = (guint32) inc->proc.pid;
                g_variant_builder_add(
                        &props, "(sv)", "PIDs",
                        g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, &pid, 1, sizeof(pid)));
        }
        g_variant_iter_init(&iter, inc->unit_settings);
        while ((setting = g_variant_iter_next_value(&iter))) {
                g_variant_builder_add_value(&props, setting);
                g_variant_unref(setting);
        }

        call = g_new0(CallData, 1);
        call->backend = b;
        call->key = g_strdup(inc->key);
        g_dbus_connection_call_with_unix_fd_list(
                b->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                "StartTransientUnit", g_variant_new("(ssa(sv)a(sa(sv)))", inc->unit, "fail", &props, NULL),
                G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, fds, b->cancellable,
                on_start_transient_unit, call);
}

/* Fire and forget: the outcome shows as the scope's state, and a unit
 * that is already gone has nothing left to stop. */
static void
on_unit_call_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autofree char *what = user_data;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (!reply && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
            !g_dbus_error_is_remote_error(error))
                g_message("%s: %s, ignoring", what, error->message);
}

static void
scope_call(StewardBackend *b, Incarnation *inc, const char *method, GVariant *params)
{
        g_dbus_connection_call(b->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                               method, params, NULL, G_DBUS_CALL_FLAGS_NONE, -1, b->cancellable,
                               on_unit_call_done, g_strdup_printf("%s %s", method, inc->unit));
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
        b->by_unit = g_hash_table_new(g_str_hash, g_str_equal);
        b->current = g_hash_table_new(g_str_hash, g_str_equal);
        b->by_leader = g_hash_table_new(NULL, NULL);
        /* Output goes to the journal wherever one listens. */
        b->use_journal = g_file_test(JOURNAL_STDOUT_SOCKET, G_FILE_TEST_EXISTS);

        if (b->kind == STEWARD_BACKEND_SCOPE) {
                g_autoptr(GVariant) reply = NULL;

                g_return_val_if_fail(o->manager_bus, NULL);
                b->bus = g_object_ref(o->manager_bus);
                b->job_removed_subscription = g_dbus_connection_signal_subscribe(
                        b->bus, SYSTEMD_BUS_NAME, SYSTEMD_MANAGER_INTERFACE, "JobRemoved",
                        SYSTEMD_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_job_removed, b, NULL);
                b->unit_removed_subscription = g_dbus_connection_signal_subscribe(
                        b->bus, SYSTEMD_BUS_NAME, SYSTEMD_MANAGER_INTERFACE, "UnitRemoved",
                        SYSTEMD_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_unit_removed, b, NULL);
                /* Without Subscribe() the manager sends no JobRemoved/UnitRemoved. */
                reply = g_dbus_connection_call_sync(b->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                                    SYSTEMD_MANAGER_INTERFACE, "Subscribe", NULL, NULL,
                                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
                if (!reply) {
                        g_prefix_error(error, "the systemd manager does not answer: ");
                        return NULL;
                }
        } else {
                /* Orphans of our process groups come back to us, so we see
                 * the last member of a group die. */
                if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
                        int errsv = errno;
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                                    "PR_SET_CHILD_SUBREAPER: %s", g_strerror(errsv));
                        return NULL;
                }
        }
        return g_steal_pointer(&b);
}

void
steward_backend_free(StewardBackend *b)
{
        if (!b)
                return;
        if (b->cancellable)
                g_cancellable_cancel(b->cancellable);
        if (b->leftovers_timeout)
                g_source_remove(b->leftovers_timeout);
        if (b->leftovers_task)
                g_task_return_new_error(b->leftovers_task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "backend freed");
        g_clear_object(&b->leftovers_task);
        g_clear_pointer(&b->leftovers, g_hash_table_unref);
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
        g_clear_pointer(&b->by_unit, g_hash_table_unref);
        g_clear_pointer(&b->current, g_hash_table_unref);
        g_clear_pointer(&b->by_leader, g_hash_table_unref);
        if (b->bus) {
                if (b->job_removed_subscription)
                        g_dbus_connection_signal_unsubscribe(b->bus, b->job_removed_subscription);
                if (b->unit_removed_subscription)
                        g_dbus_connection_signal_unsubscribe(b->bus, b->unit_removed_subscription);
                g_object_unref(b->bus);
        }
        g_clear_object(&b->cancellable);
        g_free(b->slice);
        g_free(b);
}

static gboolean
on_leftovers_timeout(gpointer user_data)
{
        StewardBackend *b = user_data;

        b->leftovers_timeout = 0;
        leftovers_done(b);
        return G_SOURCE_REMOVE;
}

static void
on_list_leftovers(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(GTask) task = user_data;
        StewardBackend *b = g_task_get_task_data(task);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariantIter) iter = NULL;
        g_autoptr(GError) error = NULL;
        const char *name, *active;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                g_task_return_error(task, g_steal_pointer(&error));
                return;
        }
        if (!reply) {
                /* Not being able to look is no reason not to start. */
                g_message("Cannot list scopes of a previous run: %s, ignoring", error->message);
                g_task_return_boolean(task, TRUE);
                return;
        }
        b->leftovers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_variant_get(reply, "(a(ssssssouso))", &iter);
        while (g_variant_iter_next(iter, "(&s&s&s&s&s&s&ou&s&o)", &name, NULL, NULL, &active, NULL, NULL,
                                   NULL, NULL, NULL, NULL)) {
                g_hash_table_add(b->leftovers, g_strdup(name));
                /* Ours by name: one stewardd per manager holds the bus name.
                 * Stopped the way we stop our own; inactive ones are only
                 * waiting to be collected and go by themselves. */
                if (!g_str_equal(active, "inactive") && !g_str_equal(active, "failed")) {
                        g_message("Stopping %s, left over from a previous run", name);
                        g_dbus_connection_call(b->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                               SYSTEMD_MANAGER_INTERFACE, "StopUnit",
                                               g_variant_new("(ss)", name, "replace"), NULL,
                                               G_DBUS_CALL_FLAGS_NONE, -1, b->cancellable, on_unit_call_done,
                                               g_strdup_printf("StopUnit %s", name));
                } else
                        g_dbus_connection_call(b->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                               SYSTEMD_MANAGER_INTERFACE, "ResetFailedUnit",
                                               g_variant_new("(s)", name), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                               b->cancellable, on_unit_call_done,
                                               g_strdup_printf("ResetFailedUnit %s", name));
        }
        if (g_hash_table_size(b->leftovers) == 0) {
                g_clear_pointer(&b->leftovers, g_hash_table_unref);
                g_task_return_boolean(task, TRUE);
                return;
        }
        b->leftovers_task = g_steal_pointer(&task);
        b->leftovers_timeout = g_timeout_add_seconds(b->leftovers_timeout_sec, on_leftovers_timeout, b);
}

void
steward_backend_clear_leftovers(StewardBackend *b, guint timeout_sec, GAsyncReadyCallback callback,
                                gpointer user_data)
{
        GTask *task = g_task_new(NULL, b->cancellable, callback, user_data);
        const char *patterns[] = { "steward-*.scope", NULL };

        g_task_set_task_data(task, b, NULL);
        b->leftovers_timeout_sec = MAX(timeout_sec, 1);
        if (b->kind != STEWARD_BACKEND_SCOPE) {
                g_task_return_boolean(task, TRUE);
                g_object_unref(task);
                return;
        }
        g_dbus_connection_call(b->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                               "ListUnitsByPatterns",
                               g_variant_new("(^as^as)", (const char *const[]){ NULL }, patterns),
                               G_VARIANT_TYPE("(a(ssssssouso))"), G_DBUS_CALL_FLAGS_NONE, -1, b->cancellable,
                               on_list_leftovers, task);
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
                incarnation_fail(inc, error->message);
                return;
        }
        steward_reaper_watch(b->reaper, inc->proc.pid, on_main_reaped, inc);
        g_hash_table_replace(b->by_leader, GINT_TO_POINTER(inc->proc.pid), inc);
        inc->report_source =
                g_unix_fd_add(inc->proc.report_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_spawn_report, inc);

        if (b->kind == STEWARD_BACKEND_PROCESS) {
                incarnation_release(inc);
                return;
        }

        inc->unit = steward_backend_unit_name(spec->name, generation);
        inc->unit_path = unit_object_path(inc->unit);
        inc->unit_settings = unit_settings_new(spec);
        inc->kill_signal = spec->kill_signal;
        inc->slice = g_strdup(slice);
        g_hash_table_replace(b->by_unit, inc->unit, inc);
        inc->props_subscription = g_dbus_connection_signal_subscribe(
                b->bus, SYSTEMD_BUS_NAME, DBUS_PROPERTIES_INTERFACE, "PropertiesChanged", inc->unit_path,
                NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_unit_properties_changed, inc, NULL);
        scope_start(inc);
}

static Incarnation *
lookup(StewardBackend *b, const char *child, guint64 generation)
{
        g_autofree char *key = incarnation_key(child, generation);

        return g_hash_table_lookup(b->incarnations, key);
}

static void
deliver(StewardBackend *b, const char *child, guint64 generation, int signal, gboolean kill_all)
{
        Incarnation *inc = lookup(b, child, generation);

        if (!inc)
                return; /* already gone: nothing to deliver to */
        if (inc->phase == PHASE_PLACING) {
                /* Not placed yet: it will be let go instead of released. */
                inc->stop_requested = TRUE;
                return;
        }
        if (inc->phase == PHASE_FAILED)
                return;
        if (b->kind == STEWARD_BACKEND_PROCESS) {
                (void) kill(-inc->proc.pid, signal);
                return;
        }
        if (kill_all)
                scope_call(b, inc, "KillUnit", g_variant_new("(ssi)", inc->unit, "all", SIGKILL));
        else if (signal != inc->kill_signal)
                /* StopUnit can only send the scope's KillSignal=; another
                 * signal (WatchdogSignal=) goes to every process directly,
                 * and the engine's abort after TimeoutStopSec= follows up. */
                scope_call(b, inc, "KillUnit", g_variant_new("(ssi)", inc->unit, "all", signal));
        else
                scope_call(b, inc, "StopUnit", g_variant_new("(ss)", inc->unit, "replace"));
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
        g_autofree char *path = NULL;
        g_autofree char *cgroups = NULL;
        g_autofree char *needle = NULL;

        if (!inc || inc->phase != PHASE_RUNNING || pid <= 0)
                return FALSE;
        if (b->kind == STEWARD_BACKEND_PROCESS)
                return getpgid(pid) == inc->proc.pid;

        path = g_strdup_printf("/proc/%d/cgroup", (int) pid);
        if (!g_file_get_contents(path, &cgroups, NULL, NULL))
                return FALSE;
        needle = g_strdup_printf("/%s\n", inc->unit);
        if (strstr(cgroups, needle))
                return TRUE;
        g_free(needle);
        needle = g_strdup_printf("/%s/", inc->unit);
        return strstr(cgroups, needle) != NULL;
}

const char *
steward_backend_get_unit(StewardBackend *b, const char *child, guint64 generation)
{
        Incarnation *inc = lookup(b, child, generation);

        return inc && inc->scope_created ? inc->unit : NULL;
}

/* The running incarnation of the scope named by a component of
 * /proc/PID/cgroup: the scope itself, or any cgroup below it. */
static Incarnation *
incarnation_from_cgroups(StewardBackend *b, const char *cgroups)
{
        g_auto(GStrv) parts = g_strsplit_set(cgroups, "/\n", -1);

        for (char **p = parts; *p; p++) {
                Incarnation *inc = g_str_has_suffix(*p, STEWARD_SCOPE_SUFFIX)
                                           ? g_hash_table_lookup(b->by_unit, *p)
                                           : NULL;

                if (inc)
                        return inc;
        }
        return NULL;
}

gboolean
steward_backend_lookup_pid(StewardBackend *b, pid_t pid, const char **ret_child, guint64 *ret_generation)
{
        Incarnation *inc = NULL;

        if (pid <= 0)
                return FALSE;
        if (b->kind == STEWARD_BACKEND_SCOPE) {
                g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", (int) pid);
                g_autofree char *cgroups = NULL;

                if (g_file_get_contents(path, &cgroups, NULL, NULL))
                        inc = incarnation_from_cgroups(b, cgroups);
        } else {
                pid_t pgid = getpgid(pid);

                if (pgid > 0)
                        inc = g_hash_table_lookup(b->by_leader, GINT_TO_POINTER(pgid));
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
steward_backend_orphan_reaped(StewardBackend *b)
{
        g_autoptr(GPtrArray) waiting = g_ptr_array_new();
        GHashTableIter iter;
        Incarnation *inc;

        if (b->kind != STEWARD_BACKEND_PROCESS)
                return;
        /* Only incarnations whose main process is dead wait on their group. */
        g_hash_table_iter_init(&iter, b->incarnations);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &inc))
                if (inc->main_exited)
                        g_ptr_array_add(waiting, inc);
        for (guint i = 0; i < waiting->len; i++)
                incarnation_advance(g_ptr_array_index(waiting, i));
}
