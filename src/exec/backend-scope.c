/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backend-scope.c: incarnations in transient systemd scopes, created around the waiting helper, gone when
 * empty.
 *
 * The helper waits at its gate until the manager has created
 * steward-CHILD-GEN.scope around it; the incarnation is gone when the
 * kernel says its cgroup has no process left, or when the scope turns
 * inactive, or is removed and the manager, asked, confirms it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend-private.h"
#include "steward-names.h"
#include "steward-util.h"

/* The manager answers every call, or the call fails when it goes: its
 * private socket closes, or the bus tells us it left. A call that timed
 * out would say nothing of what the manager did, and a bring-up or restart
 * storm of thousands of scopes keeps the manager busy for longer than
 * GDBus's default of 25 s. */
#define MANAGER_CALL_TIMEOUT G_MAXINT

/* How soon a unit's state is asked again while the manager cannot answer. */
#define SCOPE_STATE_RETRY_MSEC 100

/* A direct connection (the private socket) has no bus daemon to route
 * by name: GDBus wants no destination there, and no sender to match. */
static const char *
manager_name(GDBusConnection *connection)
{
        return g_dbus_connection_get_flags(connection) & G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION
                       ? SYSTEMD_BUS_NAME
                       : NULL;
}

/* One subscription for every scope, matched on the interface (arg0) and
 * looked up by the unit's name, from its path: a match rule per
 * incarnation cost an AddMatch and a RemoveMatch round trip per restart,
 * and memory in the bus and in GDBus for every child. */
static void
on_unit_properties_changed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                           const char *signal, GVariant *params, gpointer user_data)
{
        StewardBackend *b = user_data;
        g_autoptr(GVariant) changed = NULL;
        const char *interface, *state = NULL;
        g_autofree char *unit = NULL;
        Incarnation *inc;

        if (!g_str_has_prefix(path, SYSTEMD_UNIT_PATH_PREFIX) ||
            !(unit = steward_bus_label_unescape(path + strlen(SYSTEMD_UNIT_PATH_PREFIX))) ||
            !(inc = g_hash_table_lookup(b->by_unit, unit)) ||
            !g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
                return;
        g_variant_get(params, "(&s@a{sv}@as)", &interface, &changed, NULL);
        if (!g_str_equal(interface, SYSTEMD_UNIT_INTERFACE) ||
            !g_variant_lookup(changed, "ActiveState", "&s", &state))
                return;
        if (inc->scope_created && (g_str_equal(state, "inactive") || g_str_equal(state, "failed"))) {
                inc->scope_gone = TRUE;
                backend_incarnation_advance(inc);
        }
}

/* Runs in GDBus's thread for every message that arrives on the manager's
 * connection, before it is queued for the main thread. A unit's
 * PropertiesChanged carries dozens of properties, parsed into a tree of
 * small GVariants; a bring-up or restart of thousands of scopes queues
 * thousands of them while the main thread is busy, and the heap keeps the
 * shape of that peak long after it is freed, the children's state
 * scattered through it. Of them on_unit_properties_changed() reads
 * ActiveState alone: the rest goes here, where it is freed at once, and a
 * change without ActiveState is not queued at all. Nothing else on the
 * connection listens to units' changes. */
GDBusMessage *
backend_scope_filter_unit_changes(GDBusConnection *bus, GDBusMessage *message, gboolean incoming,
                                  gpointer user_data)
{
        g_autoptr(GVariant) changed = NULL;
        g_autoptr(GVariant) state = NULL;
        GVariantBuilder props;
        const char *path, *interface;
        GVariant *body;
        GDBusMessage *copy;

        if (!incoming || g_dbus_message_get_message_type(message) != G_DBUS_MESSAGE_TYPE_SIGNAL ||
            g_strcmp0(g_dbus_message_get_member(message), "PropertiesChanged") != 0 ||
            g_strcmp0(g_dbus_message_get_interface(message), DBUS_PROPERTIES_INTERFACE) != 0 ||
            !(path = g_dbus_message_get_path(message)) ||
            !g_str_has_prefix(path, SYSTEMD_UNIT_PATH_PREFIX) ||
            !(body = g_dbus_message_get_body(message)) ||
            !g_variant_is_of_type(body, G_VARIANT_TYPE("(sa{sv}as)")))
                return message;
        g_variant_get(body, "(&s@a{sv}@as)", &interface, &changed, NULL);
        if (!g_str_equal(interface, SYSTEMD_UNIT_INTERFACE))
                return message;
        state = g_variant_lookup_value(changed, "ActiveState", G_VARIANT_TYPE_STRING);
        if (!state) {
                g_object_unref(message);
                return NULL;
        }
        /* A message received is locked: a copy takes its headers (the
         * sender, which the subscription matches) and a body of its own. */
        copy = g_dbus_message_copy(message, NULL);
        g_object_unref(message);
        if (!copy)
                return NULL;
        g_variant_builder_init(&props, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&props, "{sv}", "ActiveState", state);
        g_dbus_message_set_body(copy, g_variant_new("(sa{sv}as)", SYSTEMD_UNIT_INTERFACE, &props, NULL));
        return copy;
}

static void scope_check_state(Incarnation *inc);
static void scope_check_job(Incarnation *inc);

/* UnitRemoved is no proof that a scope ended: a daemon-reload or
 * daemon-reexec of the manager sends it for every unit, live scopes
 * included, and loads them again. The unit's state, asked for, tells. */
static void
on_unit_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *signal, GVariant *params, gpointer user_data)
{
        StewardBackend *b = user_data;
        const char *unit;
        Incarnation *inc;

        g_variant_get(params, "(&s&o)", &unit, NULL);
        inc = g_hash_table_lookup(b->by_unit, unit);
        /* Removal before the start job finished is the job's failure, seen there. */
        if (inc && inc->scope_created && !inc->scope_gone)
                scope_check_state(inc);
}

/* The kernel's word that nothing of the incarnation is left, about a
 * millisecond before the manager's (it reads the same file, removes the
 * cgroup, then signals). It counts once the incarnation ran (see
 * scope_all_gone()), which may come after it when the program exits
 * right after its exec. */
static void
on_cgroup_empty(gpointer user_data)
{
        Incarnation *inc = user_data;

        inc->empty_watch = 0;
        inc->cgroup_empty = TRUE;
        g_debug("%s: its cgroup is empty", inc->unit);
        backend_incarnation_advance(inc);
}

/* Opens what the kernel tells of the scope's cgroup, where @pid is. */
static void
scope_watch_cgroup(Incarnation *inc, pid_t pid)
{
        StewardBackend *b = inc->backend;
        g_autofree char *dir = NULL;

        inc->counters = steward_cgroup_counters_open(pid, inc->unit, b->cgroup_empty ? &dir : NULL);
        if (dir)
                inc->empty_watch =
                        steward_cgroup_empty_watch_add(b->cgroup_empty, dir, on_cgroup_empty, inc);
}

static void
scope_job_finished(Incarnation *inc, const char *result)
{
        if (g_str_equal(result, "done")) {
                inc->scope_created = TRUE;
                /* Read by StartTransientUnit alone; a change from now on
                 * is the manager's (scope_set_resources()). */
                steward_resources_clear(&inc->resources);
                /* The helper is in the scope's cgroup now, and it becomes the main process. */
                scope_watch_cgroup(inc, inc->proc.pid);
                backend_incarnation_release(inc);
        } else {
                g_autofree char *message =
                        g_strdup_printf("the manager could not start %s: job %s", inc->unit, result);
                backend_incarnation_fail(inc, message);
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
                else if (G_DBUS_CONNECTION(source) != b->bus)
                        /* Sent on a connection we have left since (the
                         * bus, for the private socket again): its
                         * JobRemoved may have gone with that connection's
                         * subscriptions, and manager_resync() could not
                         * ask about a job it did not know yet. */
                        scope_check_job(inc);
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
                backend_incarnation_fail(inc, message);
        }
}

/* systemd's share of 2^32-1 for a share in permyriad, rounded to the
 * closest: what systemctl sends as MemoryMaxScale= for "MemoryMax=N%". */
static guint32
scale_from_permyriad(guint64 permyriad)
{
        return (guint32) ((MIN(permyriad, 10000) * G_MAXUINT32 + 5000) / 10000);
}

static void
limit_add(GVariantBuilder *props, const char *name, const char *scale_name, const StewardLimit *limit,
          gboolean reset)
{
        if (limit->relative)
                g_variant_builder_add(props, "(sv)", scale_name,
                                      g_variant_new_uint32(scale_from_permyriad(limit->value)));
        else if (limit->value != STEWARD_LIMIT_UNSET || reset)
                /* Unset is G_MAXUINT64, the manager's "infinity". */
                g_variant_builder_add(props, "(sv)", name, g_variant_new_uint64(limit->value));
}

static void
uint_add(GVariantBuilder *props, const char *name, guint64 value, gboolean reset)
{
        /* Unset is G_MAXUINT64 here too: the manager's "not set" weight
         * and its "infinity" quota. */
        if (value != STEWARD_LIMIT_UNSET || reset)
                g_variant_builder_add(props, "(sv)", name, g_variant_new_uint64(value));
}

/* The cgroup settings as the manager's unit properties, with the names
 * and types systemctl and systemd-run send. @reset: the unset ones too,
 * as what "systemctl set-property UNIT KEY=" sends (no limit), to take
 * back a value set before. */
static void
resources_add(GVariantBuilder *props, const StewardResources *r, gboolean reset)
{
        limit_add(props, "MemoryMax", "MemoryMaxScale", &r->memory_max, reset);
        limit_add(props, "MemoryHigh", "MemoryHighScale", &r->memory_high, reset);
        limit_add(props, "TasksMax", "TasksMaxScale", &r->tasks_max, reset);
        uint_add(props, "CPUWeight", r->cpu_weight, reset);
        /* CPUQuota= is a share of one CPU; the manager takes CPU time per second. */
        uint_add(props, "CPUQuotaPerSecUSec",
                 r->cpu_quota == STEWARD_LIMIT_UNSET ? STEWARD_LIMIT_UNSET
                                                     : r->cpu_quota * G_USEC_PER_SEC / 10000,
                 reset);
        uint_add(props, "IOWeight", r->io_weight, reset);
        if (r->allowed_cpus || reset) {
                gsize n = 0;
                gconstpointer data = r->allowed_cpus ? g_bytes_get_data(r->allowed_cpus, &n) : NULL;

                g_variant_builder_add(props, "(sv)", "AllowedCPUs",
                                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, n, 1));
        }
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
        g_variant_builder_add(&props, "(sv)", "KillSignal", g_variant_new_int32(inc->kill_signal));
        g_variant_builder_add(&props, "(sv)", "SendSIGKILL", g_variant_new_boolean(TRUE));
        g_variant_builder_add(&props, "(sv)", "TimeoutStopUSec",
                              g_variant_new_uint64(inc->scope_timeout_stop_usec));
        resources_add(&props, &inc->resources, FALSE);

        call = g_new0(CallData, 1);
        call->backend = b;
        call->key = g_strdup(inc->key);
        g_dbus_connection_call_with_unix_fd_list(
                b->bus, manager_name(b->bus), SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                "StartTransientUnit", g_variant_new("(ssa(sv)a(sa(sv)))", inc->unit, "fail", &props, NULL),
                G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, MANAGER_CALL_TIMEOUT, fds, b->cancellable,
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
        g_dbus_connection_call(b->bus, manager_name(b->bus), SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                               method, params, NULL, G_DBUS_CALL_FLAGS_NONE, MANAGER_CALL_TIMEOUT,
                               b->cancellable, on_unit_call_done,
                               g_strdup_printf("%s %s", method, inc->unit));
}

/* The incarnation's scope by name, and its state changes, whether we
 * create the scope or take over one a previous run created. */
static void
scope_track(Incarnation *inc, const StewardChildSpec *spec)
{
        StewardBackend *b = inc->backend;

        inc->unit = steward_backend_unit_name(spec->name, inc->generation);
        inc->kill_signal = spec->kill_signal;
        g_hash_table_replace(b->by_unit, inc->unit, inc);
}

/* ---- live restore ---------------------------------------------------------- */

/* steward-CHILD-GENERATION.scope: the child's name and the generation, or
 * FALSE for a name we never make. */
static gboolean
leftover_parse_unit(const char *unit, char **ret_child, guint64 *ret_generation)
{
        g_autofree char *stem = NULL;
        const char *dash;
        guint64 generation;

        if (!g_str_has_prefix(unit, STEWARD_SCOPE_PREFIX) || !g_str_has_suffix(unit, STEWARD_SCOPE_SUFFIX))
                return FALSE;
        stem = g_strndup(unit + strlen(STEWARD_SCOPE_PREFIX),
                         strlen(unit) - strlen(STEWARD_SCOPE_PREFIX) - strlen(STEWARD_SCOPE_SUFFIX));
        dash = strrchr(stem, '-');
        if (!dash || dash == stem || !g_ascii_isdigit(dash[1]) ||
            !g_ascii_string_to_unsigned(dash + 1, 10, 0, G_MAXUINT64, &generation, NULL))
                return FALSE;
        *ret_child = g_strndup(stem, (gsize) (dash - stem));
        if (!steward_name_is_valid(*ret_child)) {
                g_clear_pointer(ret_child, g_free);
                return FALSE;
        }
        *ret_generation = generation;
        return TRUE;
}

typedef struct {
        GPtrArray *leftovers; /* of StewardLeftover */
        guint pending; /* GetUnitProcesses calls out */
} Survey;

static void
survey_free(Survey *sv)
{
        g_ptr_array_unref(sv->leftovers);
        g_free(sv);
}

static void
survey_done(GTask *task)
{
        Survey *sv = g_task_get_task_data(task);

        g_task_return_pointer(task, g_ptr_array_ref(sv->leftovers), (GDestroyNotify) g_ptr_array_unref);
}

typedef struct {
        GTask *task;
        StewardLeftover *leftover; /* in the survey's array */
} ProcessesCall;

static void
on_unit_processes(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autofree ProcessesCall *call = user_data;
        g_autoptr(GTask) task = call->task;
        Survey *sv = g_task_get_task_data(task);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (reply) {
                g_autoptr(GVariantIter) iter = NULL;
                guint32 pid;

                g_variant_get(reply, "(a(sus))", &iter);
                while (g_variant_iter_next(iter, "(&su&s)", NULL, &pid, NULL))
                        if (pid > 0 && pid <= G_MAXINT32) {
                                pid_t p = (pid_t) pid;
                                g_array_append_val(call->leftover->pids, p);
                        }
        } else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                /* Gone between the list and this call: no processes. */
                g_debug("processes of %s: %s", call->leftover->unit, error->message);
        if (--sv->pending == 0 && !g_task_return_error_if_cancelled(task))
                survey_done(task);
}

static void
on_list_scopes(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(GTask) task = user_data;
        Survey *sv = g_new0(Survey, 1);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariantIter) iter = NULL;
        g_autoptr(GError) error = NULL;
        const char *name, *active;

        sv->leftovers = g_ptr_array_new_with_free_func((GDestroyNotify) steward_leftover_free);
        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                survey_free(sv);
                g_task_return_error(task, g_steal_pointer(&error));
                return;
        }
        if (!reply) {
                /* Not being able to look is no reason not to start. */
                g_message("Cannot list the scopes of a previous run: %s, ignoring", error->message);
                g_task_set_task_data(task, sv, (GDestroyNotify) survey_free);
                survey_done(task);
                return;
        }
        g_variant_get(reply, "(a(ssssssouso))", &iter);
        while (g_variant_iter_next(iter, "(&s&s&s&s&s&s&ou&s&o)", &name, NULL, NULL, &active, NULL, NULL,
                                   NULL, NULL, NULL, NULL)) {
                StewardLeftover *l;

                /* Inactive ones are only waiting to be collected. */
                if (g_str_equal(active, "inactive") || g_str_equal(active, "failed"))
                        continue;
                l = g_new0(StewardLeftover, 1);
                if (!leftover_parse_unit(name, &l->child, &l->generation)) {
                        g_free(l);
                        g_debug("%s is not a name stewardd gives, ignoring", name);
                        continue;
                }
                l->unit = g_strdup(name);
                l->stopping = g_str_equal(active, "deactivating");
                l->pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
                g_ptr_array_add(sv->leftovers, l);
        }
        g_task_set_task_data(task, sv, (GDestroyNotify) survey_free);
        if (sv->leftovers->len == 0) {
                survey_done(task);
                return;
        }
        /* All in flight at once: the manager answers them in order. */
        sv->pending = sv->leftovers->len;
        for (guint i = 0; i < sv->leftovers->len; i++) {
                ProcessesCall *call = g_new0(ProcessesCall, 1);

                call->task = g_object_ref(task);
                call->leftover = g_ptr_array_index(sv->leftovers, i);
                g_dbus_connection_call(G_DBUS_CONNECTION(source), manager_name(G_DBUS_CONNECTION(source)),
                                       SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE, "GetUnitProcesses",
                                       g_variant_new("(s)", call->leftover->unit),
                                       G_VARIANT_TYPE("(a(sus))"), G_DBUS_CALL_FLAGS_NONE,
                                       MANAGER_CALL_TIMEOUT, g_task_get_cancellable(task), on_unit_processes,
                                       call);
        }
}

static void
scope_survey(StewardBackend *b, GTask *task)
{
        const char *patterns[] = { STEWARD_SCOPE_PREFIX "*" STEWARD_SCOPE_SUFFIX, NULL };

        g_dbus_connection_call(b->bus, manager_name(b->bus), SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                               "ListUnitsByPatterns",
                               g_variant_new("(^as^as)", (const char *const[]){ NULL }, patterns),
                               G_VARIANT_TYPE("(a(ssssssouso))"), G_DBUS_CALL_FLAGS_NONE,
                               MANAGER_CALL_TIMEOUT, b->cancellable, on_list_scopes, task);
}

/* An answer that says nothing about the unit: the manager is away (being
 * re-executed or reloaded, its name without an owner for a moment) or
 * did not answer in time. Anything else, "no such unit" included, is an
 * answer. */
static gboolean
manager_away(const GError *error)
{
        g_autofree char *name = NULL;

        if (!g_dbus_error_is_remote_error(error))
                return !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        name = g_dbus_error_get_remote_error(error);
        return g_strcmp0(name, SYSTEMD_ERROR_NO_SUCH_UNIT) != 0 &&
               g_strcmp0(name, SYSTEMD_ERROR_NO_SUCH_JOB) != 0 &&
               g_strcmp0(name, SYSTEMD_ERROR_LOAD_FAILED) != 0 &&
               g_strcmp0(name, DBUS_ERROR_UNKNOWN_OBJECT) != 0;
}

static gboolean
on_check_state_retry(gpointer user_data)
{
        Incarnation *inc = user_data;

        inc->state_retry_source = 0;
        scope_check_state(inc);
        return G_SOURCE_REMOVE;
}

/* The unit's state now: after its PropertiesChanged subscription exists
 * (adoption: an end between the survey and the subscription is seen
 * here), or after a UnitRemoved. */
static void
on_unit_state(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autofree CallData *call = user_data;
        g_autofree char *key = call->key;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) value = NULL;
        g_autoptr(GError) error = NULL;
        Incarnation *inc;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        inc = g_hash_table_lookup(call->backend->incarnations, key);
        if (!inc || inc->scope_gone)
                return;
        if (!reply && manager_away(error)) {
                /* Asked again once it can answer; its PropertiesChanged may
                 * tell first. */
                g_debug("%s: %s, asking again", inc->unit, error->message);
                if (!inc->state_retry_source)
                        inc->state_retry_source =
                                g_timeout_add(SCOPE_STATE_RETRY_MSEC, on_check_state_retry, inc);
                return;
        }
        if (reply) {
                const char *state;

                g_variant_get(reply, "(v)", &value);
                state = g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)
                                ? g_variant_get_string(value, NULL)
                                : "";
                if (!g_str_equal(state, "inactive") && !g_str_equal(state, "failed"))
                        return;
        }
        /* Inactive, or no such unit any more (removed). */
        inc->scope_gone = TRUE;
        backend_incarnation_advance(inc);
}

/* Asks the manager on @c for @property of @inc's unit; its path is made
 * here, from the unit's name, for the few calls that need one. */
static void
unit_get_property(GDBusConnection *c, Incarnation *inc, const char *iface, const char *property,
                  GAsyncReadyCallback callback, gpointer user_data)
{
        g_autofree char *path = steward_unit_object_path(inc->unit);

        g_dbus_connection_call(c, manager_name(c), path, DBUS_PROPERTIES_INTERFACE, "Get",
                               g_variant_new("(ss)", iface, property), G_VARIANT_TYPE("(v)"),
                               G_DBUS_CALL_FLAGS_NONE, MANAGER_CALL_TIMEOUT, inc->backend->cancellable,
                               callback, user_data);
}

static void
scope_check_state(Incarnation *inc)
{
        CallData *call = g_new0(CallData, 1);

        call->backend = inc->backend;
        call->key = g_strdup(inc->key);
        unit_get_property(inc->backend->bus, inc, SYSTEMD_UNIT_INTERFACE, "ActiveState", on_unit_state,
                          call);
}

static gboolean
scope_adopt(Incarnation *inc, const StewardChildSpec *spec, const StewardLeftover *leftover, GError **error)
{
        /* The leftover's unit is this name: the survey parsed it from it. */
        scope_track(inc, spec);
        inc->scope_created = TRUE;
        if (!leftover) {
                inc->scope_gone = TRUE;
                return TRUE;
        }
        /* Counted from now: what the kernel did before is not known to be this run's to tell. */
        if (leftover->pids->len > 0)
                scope_watch_cgroup(inc, g_array_index(leftover->pids, pid_t, 0));
        scope_check_state(inc);
        return TRUE;
}

static void
scope_stop_leftover(StewardBackend *b, const StewardLeftover *leftover)
{
        g_dbus_connection_call(b->bus, manager_name(b->bus), SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                               "StopUnit", g_variant_new("(ss)", leftover->unit, "replace"), NULL,
                               G_DBUS_CALL_FLAGS_NONE, MANAGER_CALL_TIMEOUT, b->cancellable,
                               on_unit_call_done, g_strdup_printf("StopUnit %s", leftover->unit));
}

/* A start job's JobRemoved went to a connection that closed: the job is
 * gone, and the scope is active if it was done. */
static void
on_placed_unit_state(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autofree CallData *call = user_data;
        g_autofree char *key = call->key;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) value = NULL;
        g_autoptr(GError) error = NULL;
        const char *state = "";
        Incarnation *inc;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        inc = g_hash_table_lookup(call->backend->incarnations, key);
        if (!inc || inc->phase != PHASE_PLACING)
                return;
        if (reply) {
                g_variant_get(reply, "(v)", &value);
                if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
                        state = g_variant_get_string(value, NULL);
        }
        scope_job_finished(inc, g_str_equal(state, "active") ? "done" : "failed");
}

static gboolean
on_check_job_retry(gpointer user_data)
{
        Incarnation *inc = user_data;

        inc->state_retry_source = 0;
        scope_check_job(inc);
        return G_SOURCE_REMOVE;
}

static void
call_data_free(CallData *call)
{
        g_free(call->key);
        g_free(call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CallData, call_data_free)

static void
on_job_state(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(CallData) call = user_data;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        StewardBackend *b = call->backend;
        Incarnation *inc;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        inc = g_hash_table_lookup(b->incarnations, call->key);
        /* Done meanwhile, or still queued: its JobRemoved is ours to see. */
        if (!inc || inc->phase != PHASE_PLACING || reply)
                return;
        if (manager_away(error)) {
                g_debug("%s: %s, asking again", inc->job, error->message);
                if (!inc->state_retry_source)
                        inc->state_retry_source =
                                g_timeout_add(SCOPE_STATE_RETRY_MSEC, on_check_job_retry, inc);
                return;
        }
        unit_get_property(G_DBUS_CONNECTION(source), inc, SYSTEMD_UNIT_INTERFACE, "ActiveState",
                          on_placed_unit_state, g_steal_pointer(&call));
}

/* Asked after the signals are subscribed on the connection: a job that
 * ends after this answer is seen by its JobRemoved. */
static void
scope_check_job(Incarnation *inc)
{
        StewardBackend *b = inc->backend;
        CallData *call = g_new0(CallData, 1);

        call->backend = b;
        call->key = g_strdup(inc->key);
        g_dbus_connection_call(b->bus, manager_name(b->bus), inc->job, DBUS_PROPERTIES_INTERFACE, "Get",
                               g_variant_new("(ss)", SYSTEMD_JOB_INTERFACE, "State"), G_VARIANT_TYPE("(v)"),
                               G_DBUS_CALL_FLAGS_NONE, MANAGER_CALL_TIMEOUT, b->cancellable, on_job_state,
                               call);
}

/* ---- the manager's connection ------------------------------------------- */

/* How long a private connection has to answer Subscribe() before it is
 * taken for dead: one made while the manager re-executes may be accepted
 * and never served. */
#define MANAGER_PROBE_TIMEOUT_MSEC 5000
/* After the private connection closed: the first wait before trying it
 * again, doubled each time up to the last, and how many tries before the
 * bus is kept for good. */
#define MANAGER_RECONNECT_FIRST_MSEC 100
#define MANAGER_RECONNECT_MAX_MSEC 5000
#define MANAGER_RECONNECT_TRIES 12
/* How often a new private connection is nudged until its first answer (see on_kick()). */
#define MANAGER_KICK_MSEC 20

static char *
private_socket_path(StewardMode mode)
{
        const char *runtime = g_getenv("XDG_RUNTIME_DIR");

        if (mode == STEWARD_MODE_SYSTEM)
                return g_strdup(SYSTEMD_PRIVATE_SOCKET_SYSTEM);
        return runtime && g_path_is_absolute(runtime)
                       ? g_build_filename(runtime, SYSTEMD_PRIVATE_SOCKET_USER, NULL)
                       : NULL;
}

static char *
private_socket_address(const char *path)
{
        g_autofree char *escaped = g_dbus_address_escape_value(path);

        return g_strconcat("unix:path=", escaped, NULL);
}

static void
manager_signals_subscribe(StewardBackend *b, GDBusConnection *c, guint ids[MANAGER_SUBSCRIPTIONS])
{
        const char *sender = manager_name(c);

        ids[3] = g_dbus_connection_add_filter(c, backend_scope_filter_unit_changes, NULL, NULL);
        ids[0] = g_dbus_connection_signal_subscribe(
                c, sender, DBUS_PROPERTIES_INTERFACE, "PropertiesChanged", NULL, SYSTEMD_UNIT_INTERFACE,
                G_DBUS_SIGNAL_FLAGS_NONE, on_unit_properties_changed, b, NULL);
        ids[1] = g_dbus_connection_signal_subscribe(c, sender, SYSTEMD_MANAGER_INTERFACE, "JobRemoved",
                                                    SYSTEMD_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    on_job_removed, b, NULL);
        ids[2] = g_dbus_connection_signal_subscribe(c, sender, SYSTEMD_MANAGER_INTERFACE, "UnitRemoved",
                                                    SYSTEMD_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    on_unit_removed, b, NULL);
}

static void
manager_signals_unsubscribe(GDBusConnection *c, guint ids[MANAGER_SUBSCRIPTIONS])
{
        for (guint i = 0; i < 3; i++) {
                if (ids[i])
                        g_dbus_connection_signal_unsubscribe(c, ids[i]);
                ids[i] = 0;
        }
        if (ids[3])
                g_dbus_connection_remove_filter(c, ids[3]);
        ids[3] = 0;
}

/* systemd's sd-bus (252 here) leaves a first message that reaches it in
 * one read with the handshake's BEGIN unread until more bytes come (its
 * server does not start running while its own OK is still queued, systemd
 * issue 17425), and GDBus sends the two back to back: a Ping that asks for
 * no answer is such bytes, sent until the first answer shows the manager
 * reads us. Only a new connection's first call needs it. */
static gboolean
on_kick(gpointer user_data)
{
        GDBusConnection *c = user_data;
        g_autoptr(GDBusMessage) ping =
                g_dbus_message_new_method_call(NULL, SYSTEMD_OBJECT_PATH, DBUS_PEER_INTERFACE, "Ping");

        g_dbus_message_set_flags(ping, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
        (void) g_dbus_connection_send_message(c, ping, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
        return G_SOURCE_CONTINUE;
}

typedef struct {
        GVariant *reply;
        GError *error;
        gboolean done;
} SyncCall;

static void
on_sync_call(GObject *source, GAsyncResult *res, gpointer user_data)
{
        SyncCall *call = user_data;

        call->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &call->error);
        call->done = TRUE;
}

/* Subscribe() on a new private connection, nudged (on_kick()) until it
 * answers, in a context of its own: nothing else runs meanwhile, as in a
 * call_sync(). */
static GVariant *
private_subscribe_sync(GDBusConnection *c, GError **error)
{
        g_autoptr(GMainContext) context = g_main_context_new();
        g_autoptr(GSource) kick = g_timeout_source_new(MANAGER_KICK_MSEC);
        SyncCall call = { 0 };

        g_main_context_push_thread_default(context);
        g_source_set_callback(kick, on_kick, c, NULL);
        g_source_attach(kick, context);
        g_dbus_connection_call(c, NULL, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE, "Subscribe", NULL,
                               NULL, G_DBUS_CALL_FLAGS_NONE, MANAGER_PROBE_TIMEOUT_MSEC, NULL, on_sync_call,
                               &call);
        while (!call.done)
                g_main_context_iteration(context, TRUE);
        g_source_destroy(kick);
        g_main_context_pop_thread_default(context);
        if (call.error)
                g_propagate_error(error, call.error);
        return call.reply;
}

/* A private connection of ours, NULL for none (the bus). */
static gboolean
connection_is_private(StewardBackend *b, GDBusConnection *c)
{
        return c && c != b->manager_bus;
}

static void
connection_drop(StewardBackend *b, GDBusConnection **c, guint ids[MANAGER_SUBSCRIPTIONS])
{
        if (!*c)
                return;
        manager_signals_unsubscribe(*c, ids);
        if (connection_is_private(b, *c))
                g_dbus_connection_close(*c, NULL, NULL, NULL);
        g_clear_object(c);
}

/* What the manager did while nobody listened: the state of every live
 * scope, asked as after a UnitRemoved, and the start jobs whose
 * JobRemoved may have gone to a closed connection. */
static void
manager_resync(StewardBackend *b)
{
        GHashTableIter iter;
        Incarnation *inc;

        g_hash_table_iter_init(&iter, b->incarnations);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &inc)) {
                if (inc->scope_created && !inc->scope_gone)
                        scope_check_state(inc);
                else if (inc->phase == PHASE_PLACING && inc->job)
                        scope_check_job(inc);
        }
}

static void on_manager_closed(GDBusConnection *c, gboolean remote, GError *error, gpointer user_data);
static void manager_reconnect_later(StewardBackend *b);

/* Every manager call from now on goes on @c, whose signals (@ids) are
 * subscribed already; the previous connection's are dropped. */
static void
manager_use(StewardBackend *b, GDBusConnection *c, guint ids[MANAGER_SUBSCRIPTIONS])
{
        g_autoptr(GDBusConnection) old = g_steal_pointer(&b->bus);

        if (old && b->closed_handler)
                g_clear_signal_handler(&b->closed_handler, old);
        if (old == b->manager_bus && connection_is_private(b, c))
                /* The manager broadcasts on the bus only while someone subscribed. */
                g_dbus_connection_call(old, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                       "Unsubscribe", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL,
                                       NULL);
        connection_drop(b, &old, b->subscriptions);
        b->bus = g_object_ref(c);
        memcpy(b->subscriptions, ids, sizeof(b->subscriptions));
        memset(ids, 0, sizeof(b->subscriptions));
        if (connection_is_private(b, c))
                b->closed_handler = g_signal_connect(c, "closed", G_CALLBACK(on_manager_closed), b);
}

static void bus_subscribe(StewardBackend *b);

static gboolean
on_bus_subscribe_retry(gpointer user_data)
{
        StewardBackend *b = user_data;

        b->subscribe_retry_source = 0;
        bus_subscribe(b);
        return G_SOURCE_REMOVE;
}

static void
on_bus_subscribed(GObject *source, GAsyncResult *res, gpointer user_data)
{
        StewardBackend *b = user_data;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || b->bus != b->manager_bus)
                return; /* the backend is gone, or on the private socket again */
        if (!reply) {
                /* Its name has no owner while it re-executes. */
                g_debug("Subscribe on the bus: %s, asking again", error->message);
                b->subscribe_retry_source = g_timeout_add(SCOPE_STATE_RETRY_MSEC, on_bus_subscribe_retry, b);
                return;
        }
        manager_resync(b);
}

static void
bus_subscribe(StewardBackend *b)
{
        g_dbus_connection_call(b->manager_bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                               SYSTEMD_MANAGER_INTERFACE, "Subscribe", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                               MANAGER_CALL_TIMEOUT, b->cancellable, on_bus_subscribed, b);
}

/* The manager closes its private connections when it re-executes (a
 * daemon-reload keeps them). The bus takes over at once, so calls from
 * now on behave as they always did there while the manager is away, and
 * the private socket is tried again once it answers. */
static void
on_manager_closed(GDBusConnection *c, gboolean remote, GError *error, gpointer user_data)
{
        StewardBackend *b = user_data;
        guint ids[MANAGER_SUBSCRIPTIONS] = { 0 };

        if (c != b->bus)
                return;
        g_info("The systemd manager closed its private connection (%s); on the bus until it is back",
               error ? error->message : "no reason given");
        manager_signals_subscribe(b, b->manager_bus, ids);
        manager_use(b, b->manager_bus, ids);
        bus_subscribe(b);
        b->reconnect_tries = 0;
        manager_reconnect_later(b);
}

static void
reconnect_failed(StewardBackend *b, const char *why)
{
        g_clear_handle_id(&b->kick_source, g_source_remove);
        connection_drop(b, &b->probe, b->probe_subscriptions);
        if (++b->reconnect_tries < MANAGER_RECONNECT_TRIES) {
                g_debug("The manager's private socket %s: %s; trying again", b->private_socket, why);
                manager_reconnect_later(b);
                return;
        }
        g_message("The manager's private socket %s: %s; staying on the bus", b->private_socket, why);
}

static void
on_private_subscribed(GObject *source, GAsyncResult *res, gpointer user_data)
{
        StewardBackend *b = user_data;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        if (!reply) {
                reconnect_failed(b, error->message);
                return;
        }
        g_clear_handle_id(&b->kick_source, g_source_remove);
        g_info("Talking to the systemd manager on its private socket %s again", b->private_socket);
        manager_use(b, b->probe, b->probe_subscriptions);
        g_clear_object(&b->probe);
        manager_resync(b);
}

static void
on_private_connected(GObject *source, GAsyncResult *res, gpointer user_data)
{
        StewardBackend *b = user_data;
        g_autoptr(GError) error = NULL;
        GDBusConnection *c = g_dbus_connection_new_for_address_finish(res, &error);

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        if (!c) {
                reconnect_failed(b, error->message);
                return;
        }
        g_dbus_connection_set_exit_on_close(c, FALSE);
        b->probe = c;
        /* Listening before it answers: a private connection is sent every
         * signal, and what comes from here on is not lost in the switch. */
        manager_signals_subscribe(b, c, b->probe_subscriptions);
        b->kick_source = g_timeout_add(MANAGER_KICK_MSEC, on_kick, c);
        g_dbus_connection_call(c, NULL, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE, "Subscribe", NULL,
                               NULL, G_DBUS_CALL_FLAGS_NONE, MANAGER_PROBE_TIMEOUT_MSEC, b->cancellable,
                               on_private_subscribed, b);
}

static gboolean
on_reconnect(gpointer user_data)
{
        StewardBackend *b = user_data;
        g_autofree char *address = private_socket_address(b->private_socket);

        b->reconnect_source = 0;
        g_dbus_connection_new_for_address(address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL,
                                          b->cancellable, on_private_connected, b);
        return G_SOURCE_REMOVE;
}

static void
manager_reconnect_later(StewardBackend *b)
{
        guint delay = MANAGER_RECONNECT_FIRST_MSEC << MIN(b->reconnect_tries, 10);

        g_clear_handle_id(&b->reconnect_source, g_source_remove);
        b->reconnect_source = g_timeout_add(MIN(delay, MANAGER_RECONNECT_MAX_MSEC), on_reconnect, b);
}

/* The manager's private socket, subscribed, or NULL with the reason. */
static GDBusConnection *
private_connect_sync(StewardBackend *b, guint ids[MANAGER_SUBSCRIPTIONS], GError **error)
{
        g_autofree char *address = private_socket_address(b->private_socket);
        g_autoptr(GDBusConnection) c = NULL;
        g_autoptr(GVariant) reply = NULL;

        if (!g_file_test(b->private_socket, G_FILE_TEST_EXISTS)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s", b->private_socket);
                return NULL;
        }
        c = g_dbus_connection_new_for_address_sync(address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                   NULL, NULL, error);
        if (!c)
                return NULL;
        g_dbus_connection_set_exit_on_close(c, FALSE);
        manager_signals_subscribe(b, c, ids);
        reply = private_subscribe_sync(c, error);
        if (!reply) {
                manager_signals_unsubscribe(c, ids);
                g_dbus_connection_close_sync(c, NULL, NULL);
                return NULL;
        }
        return g_steal_pointer(&c);
}

static gboolean
scope_init(StewardBackend *b, const StewardBackendOptions *o, GError **error)
{
        g_autoptr(GError) private_error = NULL;
        g_autoptr(GError) watch_error = NULL;
        g_autoptr(GDBusConnection) c = NULL;
        g_autoptr(GVariant) reply = NULL;
        guint ids[MANAGER_SUBSCRIPTIONS] = { 0 };

        g_return_val_if_fail(o->manager_bus, FALSE);
        b->by_unit = g_hash_table_new(g_str_hash, g_str_equal);
        /* STEWARD_CGROUP_WATCH=0: the manager's reports alone, as where
         * there is no unified hierarchy or no inotify watch left; the
         * tests take that path so. */
        if (g_strcmp0(g_getenv("STEWARD_CGROUP_WATCH"), "0") == 0)
                g_set_error_literal(&watch_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                    "STEWARD_CGROUP_WATCH=0");
        else
                b->cgroup_empty = steward_cgroup_empty_watch_new(&watch_error);
        if (!b->cgroup_empty)
                g_info("Waiting for the manager's word on every scope's end (%s)", watch_error->message);
        b->manager_bus = g_object_ref(o->manager_bus);
        if (!o->manager_bus_only)
                b->private_socket = private_socket_path(o->mode);

        /* A round trip there costs a third of one through the bus daemon;
         * anything about our own callers stays on the bus. */
        if (b->private_socket && (c = private_connect_sync(b, ids, &private_error))) {
                g_info("Talking to the systemd manager on its private socket %s", b->private_socket);
                manager_use(b, c, ids);
                return TRUE;
        }

        manager_signals_subscribe(b, b->manager_bus, ids);
        /* Without Subscribe() the manager sends no JobRemoved/UnitRemoved. */
        reply = g_dbus_connection_call_sync(b->manager_bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                            SYSTEMD_MANAGER_INTERFACE, "Subscribe", NULL, NULL,
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
        if (!reply) {
                manager_signals_unsubscribe(b->manager_bus, ids);
                g_prefix_error(error, "the systemd manager does not answer: ");
                return FALSE;
        }
        manager_use(b, b->manager_bus, ids);
        g_info("Talking to the systemd manager through the bus (%s)",
               private_error         ? private_error->message
               : o->manager_bus_only ? "as asked"
                                     : "no private socket to look for");
        /* A private socket that refused us stays refused: no second try. */
        g_clear_pointer(&b->private_socket, g_free);
        return TRUE;
}

static void
scope_finalize(StewardBackend *b)
{
        g_clear_pointer(&b->by_unit, g_hash_table_unref);
        g_clear_pointer(&b->cgroup_empty, steward_cgroup_empty_watch_free);
        g_clear_handle_id(&b->reconnect_source, g_source_remove);
        g_clear_handle_id(&b->subscribe_retry_source, g_source_remove);
        g_clear_handle_id(&b->kick_source, g_source_remove);
        connection_drop(b, &b->probe, b->probe_subscriptions);
        if (b->bus)
                g_clear_signal_handler(&b->closed_handler, b->bus);
        connection_drop(b, &b->bus, b->subscriptions);
        g_clear_object(&b->manager_bus);
        g_clear_pointer(&b->private_socket, g_free);
}

static void
scope_prepare(Incarnation *inc, const StewardChildSpec *spec, const char *slice)
{
        scope_track(inc, spec);
        /* The scope escalates by itself at TimeoutStopUSec, and a scope's
         * timeout cannot be moved once it runs. A Type=notify child may move
         * its stop deadline with EXTEND_TIMEOUT_USEC=, so its scope waits
         * forever and stewardd's own deadline (its KILL) is the one that
         * counts; a stewardd that dies meanwhile leaves it to the next one,
         * which runs TimeoutStopSec= afresh on adoption. */
        inc->scope_timeout_stop_usec = spec->timeout_stop_usec && spec->type != STEWARD_CHILD_NOTIFY
                                               ? spec->timeout_stop_usec
                                               : G_MAXUINT64;
        steward_resources_copy(&inc->resources, &spec->resources);
        inc->slice = g_strdup(slice);
}

static void
scope_restage(Incarnation *inc, const StewardResources *resources)
{
        steward_resources_copy(&inc->resources, resources);
}

static void
scope_discard(Incarnation *inc)
{
        StewardBackend *b = inc->backend;

        if (inc->unit && g_hash_table_lookup(b->by_unit, inc->unit) == inc)
                g_hash_table_remove(b->by_unit, inc->unit);
        g_clear_handle_id(&inc->state_retry_source, g_source_remove);
        steward_resources_clear(&inc->resources);
        g_clear_pointer(&inc->early_jobs, g_hash_table_unref);
        g_clear_pointer(&inc->counters, steward_cgroup_counters_free);
        if (inc->empty_watch)
                steward_cgroup_empty_watch_remove(b->cgroup_empty, inc->empty_watch);
        g_free(inc->job);
        g_free(inc->slice);
        g_free(inc->cgroup);
}

static StewardExitCause
scope_exit_cause(Incarnation *inc)
{
        return steward_cgroup_counters_cause(inc->counters);
}

/* The kernel's word (cgroup_empty) counts only for an incarnation that
 * ran: the next one has the next generation's name. A failed spawn's
 * name is used again by the next attempt, which must wait until the
 * manager has let go of the unit. */
static gboolean
scope_all_gone(Incarnation *inc)
{
        return !inc->scope_created || inc->scope_gone || (inc->cgroup_empty && inc->phase == PHASE_RUNNING);
}

static void
scope_deliver(Incarnation *inc, int signal, gboolean kill_all)
{
        StewardBackend *b = inc->backend;

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

static char *
cgroups_of(pid_t pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", (int) pid);
        char *cgroups = NULL;

        return g_file_get_contents(path, &cgroups, NULL, NULL) ? cgroups : NULL;
}

static gboolean
scope_owns_pid(Incarnation *inc, pid_t pid)
{
        g_autofree char *cgroups = cgroups_of(pid);
        g_autofree char *needle = NULL;

        if (!cgroups)
                return FALSE;
        needle = g_strdup_printf("/%s\n", inc->unit);
        if (strstr(cgroups, needle))
                return TRUE;
        g_free(needle);
        needle = g_strdup_printf("/%s/", inc->unit);
        return strstr(cgroups, needle) != NULL;
}

/* The incarnation of the scope named by a component of /proc/PID/cgroup:
 * the scope itself, or any cgroup below it. */
static Incarnation *
scope_find_pid(StewardBackend *b, pid_t pid)
{
        g_autofree char *cgroups = cgroups_of(pid);
        g_auto(GStrv) parts = NULL;

        if (!cgroups)
                return NULL;
        parts = g_strsplit_set(cgroups, "/\n", -1);
        for (char **p = parts; *p; p++) {
                Incarnation *inc = g_str_has_suffix(*p, STEWARD_SCOPE_SUFFIX)
                                           ? g_hash_table_lookup(b->by_unit, *p)
                                           : NULL;

                if (inc)
                        return inc;
        }
        return NULL;
}

/* ---- health checks ---------------------------------------------------------- */

typedef struct {
        StewardBackend *backend;
        guint64 number;
} ProbeCall;

/* Moves @pid into the cgroup @cgroup (the manager's ControlGroup path) by writing it to its
 * cgroup.procs. */
static gboolean
cgroup_attach(const char *cgroup, pid_t pid, GError **error)
{
        const char *const roots[] = { CGROUP_ROOT_UNIFIED, CGROUP_ROOT_LEGACY };
        g_autofree char *line = g_strdup_printf("%d\n", (int) pid);
        int errsv = ENOENT;

        for (guint i = 0; i < G_N_ELEMENTS(roots); i++) {
                g_autofree char *path = g_build_filename(roots[i], cgroup, "cgroup.procs", NULL);
                steward_autofd int fd = open(path, O_WRONLY | O_CLOEXEC);

                if (fd < 0) {
                        errsv = errno;
                        continue;
                }
                if (write(fd, line, strlen(line)) < 0) {
                        errsv = errno;
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s: %s", path,
                                    g_strerror(errsv));
                        return FALSE;
                }
                return TRUE;
        }
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "cgroup '%s': %s", cgroup,
                    g_strerror(errsv));
        return FALSE;
}

static void
probe_attach(Probe *probe, const char *cgroup)
{
        g_autoptr(GError) error = NULL;

        if (!cgroup_attach(cgroup, probe->proc.pid, &error)) {
                g_autofree char *message =
                        g_strdup_printf("placing the health check in its scope: %s", error->message);
                backend_probe_fail(probe, message);
                return;
        }
        backend_probe_release(probe);
}

static void
on_scope_cgroup(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autofree ProbeCall *call = user_data;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) value = NULL;
        g_autoptr(GError) error = NULL;
        Incarnation *inc;
        Probe *probe;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return; /* the backend is gone */
        probe = backend_probe_lookup(call->backend, call->number);
        if (!probe)
                return;
        if (reply)
                g_variant_get(reply, "(v)", &value);
        if (!value || !g_variant_is_of_type(value, G_VARIANT_TYPE_STRING) ||
            !*g_variant_get_string(value, NULL)) {
                g_autofree char *message = NULL;

                if (error)
                        g_dbus_error_strip_remote_error(error);
                message = g_strdup_printf("placing the health check in its scope: %s",
                                          error ? error->message : "the scope has no cgroup");
                backend_probe_fail(probe, message);
                return;
        }
        inc = backend_lookup(call->backend, probe->child, probe->generation);
        if (inc && !inc->cgroup)
                inc->cgroup = g_variant_dup_string(value, NULL);
        probe_attach(probe, g_variant_get_string(value, NULL));
}

/* The probe joins the running scope's cgroup before it runs anything, by writing its PID to the
 * scope's cgroup.procs, the path the manager gives as the scope's ControlGroup. Not through
 * AttachProcessesToUnit: managers refuse that for a unit without Delegate=yes ("Process migration
 * not available on non-delegated units"), and delegating would hand the scope's cgroup to the
 * child. The move is the kernel's check alone: stewardd as root, or a user's stewardd inside its
 * user manager's delegated tree, may write there. */
static void
scope_place_probe(Probe *probe, Incarnation *inc)
{
        ProbeCall *call;

        if (inc->cgroup) {
                probe_attach(probe, inc->cgroup);
                return;
        }
        call = g_new0(ProbeCall, 1);
        call->backend = inc->backend;
        call->number = probe->number;
        unit_get_property(inc->backend->bus, inc, SYSTEMD_SCOPE_INTERFACE, "ControlGroup", on_scope_cgroup,
                          call);
}

/* A scope gone meanwhile has nothing left to limit; anything else is
 * said, and the incarnation goes on without. */
static void
set_resources_done(const char *unit, GVariant *reply, GError *error)
{
        if (reply || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        if (g_dbus_error_is_remote_error(error)) {
                g_autofree char *name = g_dbus_error_get_remote_error(error);

                if (g_str_equal(name, SYSTEMD_ERROR_NO_SUCH_UNIT))
                        return;
        }
        g_dbus_error_strip_remote_error(error);
        g_message("Cannot set the resources of %s: %s, ignoring", unit, error->message);
}

static void
on_set_resources(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autofree char *unit = user_data;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        set_resources_done(unit, reply, error);
}

static void
scope_set_resources(StewardBackend *b, const char *unit, const StewardResources *resources, gboolean wait)
{
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        GVariantBuilder props;
        GVariant *params;

        g_variant_builder_init(&props, G_VARIANT_TYPE("a(sv)"));
        resources_add(&props, resources, TRUE);
        /* runtime: the setting lasts as long as the unit (a scope) or until
         * the manager restarts (a slice), never in /etc. */
        params = g_variant_new("(sba(sv))", unit, TRUE, &props);
        if (!wait) {
                g_dbus_connection_call(b->bus, manager_name(b->bus), SYSTEMD_OBJECT_PATH,
                                       SYSTEMD_MANAGER_INTERFACE, "SetUnitProperties", params, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, MANAGER_CALL_TIMEOUT, b->cancellable,
                                       on_set_resources, g_strdup(unit));
                return;
        }
        reply = g_dbus_connection_call_sync(b->bus, manager_name(b->bus), SYSTEMD_OBJECT_PATH,
                                            SYSTEMD_MANAGER_INTERFACE, "SetUnitProperties", params, NULL,
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        set_resources_done(unit, reply, error);
}

const BackendOps backend_scope_ops = {
        .init = scope_init,
        .finalize = scope_finalize,
        .prepare = scope_prepare,
        .place = scope_start,
        .restage = scope_restage,
        .discard = scope_discard,
        .all_gone = scope_all_gone,
        .deliver = scope_deliver,
        .owns_pid = scope_owns_pid,
        .find_pid = scope_find_pid,
        .survey = scope_survey,
        .adopt = scope_adopt,
        .stop_leftover = scope_stop_leftover,
        .exit_cause = scope_exit_cause,
        .place_probe = scope_place_probe,
        .set_resources = scope_set_resources,
};
