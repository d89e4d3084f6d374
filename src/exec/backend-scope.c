/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backend-scope.c: incarnations in transient systemd scopes, created around the waiting helper, gone when
 * empty.
 *
 * The helper waits at its gate until the manager has created
 * steward-CHILD-GEN.scope around it; the incarnation is gone when the
 * kernel says its cgroup has no process left, or when the scope turns
 * inactive, or is removed and the manager, asked, confirms it.
 *
 * The manager is spoken to with sd-bus, in the main loop: on its private
 * socket it sends every signal of every unit, and sd-bus reads of each
 * only what is looked at, where GDBus parsed each one whole in its own
 * thread (two thirds of stewardd's CPU in a bring-up) and queued it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend-private.h"
#include "steward-names.h"
#include "steward-sd-bus.h"
#include "steward-util.h"

/* The manager answers every call, or the call fails when it goes: its
 * private socket closes, or the bus tells us it left. A call that timed
 * out would say nothing of what the manager did, and a bring-up or restart
 * storm of thousands of scopes keeps the manager busy for longer than
 * sd-bus's default of 25 s. */
#define MANAGER_CALL_TIMEOUT_USEC G_MAXUINT64

/* How soon a unit's state is asked again while the manager cannot answer. */
#define SCOPE_STATE_RETRY_MSEC 100

/* ---- calls to the manager ------------------------------------------------------ */

/* What a call to the manager is told: its reply, or why there is none
 * (@error set, @reply NULL). */
typedef void (*ManagerReplyFunc)(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error,
                                 gpointer user_data);

typedef struct {
        StewardBackend *backend;
        ManagerReplyFunc func;
        gpointer user_data;
        GDestroyNotify destroy;
        char *failure; /* not sent: why */
} ManagerCall;

static void
manager_call_free(void *userdata)
{
        ManagerCall *call = userdata;

        if (call->destroy)
                call->destroy(call->user_data);
        g_free(call->failure);
        g_free(call);
}

static int
on_manager_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        ManagerCall *call = userdata;
        const sd_bus_error *error = sd_bus_message_get_error(m);

        call->func(call->backend, error ? NULL : m, error, call->user_data);
        return 0;
}

static gboolean
on_failed_calls(gpointer user_data)
{
        StewardBackend *b = user_data;
        ManagerCall *call;

        b->failed_source = 0;
        while ((call = g_queue_pop_head(&b->failed_calls))) {
                sd_bus_error error = SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_DISCONNECTED, call->failure);

                call->func(b, NULL, &error, call->user_data);
                manager_call_free(call);
        }
        return G_SOURCE_REMOVE;
}

/* A destination for the manager on @l: none on its private socket, a
 * direct connection without a bus daemon to route by name. */
static const char *
link_destination(const ManagerLink *l)
{
        return sd_bus_is_bus_client(l->bus) > 0 ? SYSTEMD_BUS_NAME : NULL;
}

/* A call to @member on the manager's @path, on @l (the connection in use
 * when NULL), ready for its arguments. */
static int
manager_message(StewardBackend *b, ManagerLink *l, const char *path, const char *interface,
                const char *member, sd_bus_message **ret)
{
        l = l ? l : b->manager;
        return sd_bus_message_new_method_call(l->bus, ret, link_destination(l), path, interface, member);
}

/* Sends @m (owned) on the bus it was made for, unless @r says making it
 * failed; @func is told its reply, or its failure, from
 * the main loop in either case, never before this returns. */
static void
manager_send(StewardBackend *b, sd_bus_message *m, int r, guint64 timeout_usec, ManagerReplyFunc func,
             gpointer user_data, GDestroyNotify destroy)
{
        g_autoptr(sd_bus_message) message = m;
        ManagerCall *call = g_new0(ManagerCall, 1);
        sd_bus_slot *slot = NULL;

        call->backend = b;
        call->func = func;
        call->user_data = user_data;
        call->destroy = destroy;
        if (r >= 0)
                r = sd_bus_call_async(sd_bus_message_get_bus(message), &slot, message, on_manager_reply,
                                      call, timeout_usec);
        if (r < 0) {
                call->failure = g_strdup_printf("cannot call the manager: %s", g_strerror(-r));
                g_queue_push_tail(&b->failed_calls, call);
                if (!b->failed_source)
                        b->failed_source = g_idle_add(on_failed_calls, b);
                return;
        }
        /* The connection owns the call from now on, and frees @call with
         * it: once answered, failed at its close, or dropped at ours. */
        (void) sd_bus_slot_set_destroy_callback(slot, manager_call_free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
}

/* @error is the name @name. */
static gboolean
error_is(const sd_bus_error *error, const char *name)
{
        return error && g_strcmp0(error->name, name) == 0;
}

/* Fire and forget: the outcome shows as the scope's state, and a unit
 * that is already gone has nothing left to stop. */
static void
on_unit_call_done(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        const char *what = user_data;

        /* Our own failures (not sent, or the connection closed), not the manager's answers. */
        if (error && (error_is(error, SD_BUS_ERROR_DISCONNECTED) || error_is(error, SD_BUS_ERROR_NO_REPLY)))
                g_message("%s: %s, ignoring", what, error->message);
}

/* @method (StopUnit or KillUnit) of the manager for @unit, told to nobody. */
static void
unit_call(StewardBackend *b, const char *method, const char *unit, int signal)
{
        sd_bus_message *m = NULL;
        int r = manager_message(b, NULL, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE, method, &m);

        if (r >= 0)
                r = signal ? sd_bus_message_append(m, "ssi", unit, "all", (gint32) signal)
                           : sd_bus_message_append(m, "ss", unit, "replace");

        manager_send(b, m, r, MANAGER_CALL_TIMEOUT_USEC, on_unit_call_done,
                     g_strdup_printf("%s %s", method, unit), g_free);
}

/* Asks the manager on @l (the connection in use when NULL) for @property
 * of the object @path, a unit's or a job's. */
static void
property_get(StewardBackend *b, ManagerLink *l, const char *path, const char *iface, const char *property,
             ManagerReplyFunc func, gpointer user_data, GDestroyNotify destroy)
{
        sd_bus_message *m = NULL;
        int r = manager_message(b, l, path, DBUS_PROPERTIES_INTERFACE, "Get", &m);

        if (r >= 0)
                r = sd_bus_message_append(m, "ss", iface, property);
        manager_send(b, m, r, MANAGER_CALL_TIMEOUT_USEC, func, user_data, destroy);
}

/* The unit's path is made here, from its name, for the few calls that need one. */
static void
unit_get_property(StewardBackend *b, ManagerLink *l, Incarnation *inc, const char *iface,
                  const char *property, ManagerReplyFunc func, gpointer user_data, GDestroyNotify destroy)
{
        g_autofree char *path = steward_unit_object_path(inc->unit);

        property_get(b, l, path, iface, property, func, user_data, destroy);
}

/* A string property from a Get reply; NULL for another type. */
static const char *
reply_string(sd_bus_message *reply)
{
        const char *value = NULL;

        return reply && sd_bus_message_read(reply, "v", "s", &value) >= 0 ? value : NULL;
}

/* An answer that says nothing about the unit: the manager is away (being
 * re-executed or reloaded, its name without an owner for a moment), or
 * the connection closed under the call. Anything else, "no such unit"
 * included, is an answer. */
static gboolean
manager_away(const sd_bus_error *error)
{
        return !error_is(error, SYSTEMD_ERROR_NO_SUCH_UNIT) && !error_is(error, SYSTEMD_ERROR_NO_SUCH_JOB) &&
               !error_is(error, SYSTEMD_ERROR_LOAD_FAILED) && !error_is(error, DBUS_ERROR_UNKNOWN_OBJECT);
}

typedef struct {
        StewardBackend *backend;
        char *key;
} CallData;

static CallData *
call_data_new(Incarnation *inc)
{
        CallData *call = g_new0(CallData, 1);

        call->backend = inc->backend;
        call->key = g_strdup(inc->key);
        return call;
}

static void
call_data_free(gpointer userdata)
{
        CallData *call = userdata;

        g_free(call->key);
        g_free(call);
}

/* The incarnation a call was made for, if it is still there. */
static Incarnation *
call_incarnation(const CallData *call)
{
        return g_hash_table_lookup(call->backend->incarnations, call->key);
}

/* ---- the manager's signals ------------------------------------------------------ */

static void scope_check_state(Incarnation *inc);
static void scope_check_job(Incarnation *inc);

/* One match for every scope, on the interface (arg0), looked up by the
 * unit's name, from its path: a match per incarnation cost an AddMatch and
 * a RemoveMatch round trip per restart on the bus. Of the dozens of
 * properties only ActiveState is read; the rest is skipped unparsed. */
static int
on_unit_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        ManagerLink *l = userdata;
        const char *path = sd_bus_message_get_path(m);
        const char *state = NULL;
        g_autofree char *unit = NULL;
        Incarnation *inc;

        if (!path || !g_str_has_prefix(path, SYSTEMD_UNIT_PATH_PREFIX) ||
            !(unit = steward_bus_label_unescape(path + strlen(SYSTEMD_UNIT_PATH_PREFIX))) ||
            !(inc = g_hash_table_lookup(l->backend->by_unit, unit)) || sd_bus_message_skip(m, "s") < 0 ||
            sd_bus_message_enter_container(m, 'a', "{sv}") <= 0)
                return 0;
        while (!state && sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *name;

                if (sd_bus_message_read(m, "s", &name) < 0)
                        return 0;
                if (g_str_equal(name, "ActiveState")) {
                        if (sd_bus_message_read(m, "v", "s", &state) < 0)
                                return 0;
                } else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        if (state && inc->scope_created &&
            (g_str_equal(state, "inactive") || g_str_equal(state, "failed"))) {
                inc->scope_gone = TRUE;
                backend_incarnation_advance(inc);
        }
        return 0;
}

/* UnitRemoved is no proof that a scope ended: a daemon-reload or
 * daemon-reexec of the manager sends it for every unit, live scopes
 * included, and loads them again. The unit's state, asked for, tells. */
static int
on_unit_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        ManagerLink *l = userdata;
        const char *unit;
        Incarnation *inc;

        if (sd_bus_message_read(m, "s", &unit) < 0)
                return 0;
        inc = g_hash_table_lookup(l->backend->by_unit, unit);
        /* Removal before the start job finished is the job's failure, seen there. */
        if (inc && inc->scope_created && !inc->scope_gone)
                scope_check_state(inc);
        return 0;
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

/* Opens what the kernel tells of the scope's cgroup, where @pid is; @fresh:
 * the scope was just made for this incarnation. */
static void
scope_watch_cgroup(Incarnation *inc, pid_t pid, gboolean fresh)
{
        StewardBackend *b = inc->backend;
        g_autofree char *dir = NULL;

        inc->counters = steward_cgroup_counters_open(pid, inc->unit, fresh, b->cgroup_empty ? &dir : NULL);
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
                scope_watch_cgroup(inc, inc->proc.pid, TRUE);
                backend_incarnation_release(inc);
        } else {
                g_autofree char *message =
                        g_strdup_printf("the manager could not start %s: job %s", inc->unit, result);
                backend_incarnation_fail(inc, message);
        }
}

static int
on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        ManagerLink *l = userdata;
        const char *job, *unit, *result;
        Incarnation *inc;
        guint32 id;

        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        inc = g_hash_table_lookup(l->backend->by_unit, unit);
        if (!inc || inc->phase != PHASE_PLACING)
                return 0;
        if (!inc->job) {
                if (!inc->early_jobs)
                        inc->early_jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                g_hash_table_replace(inc->early_jobs, g_strdup(job), g_strdup(result));
                return 0;
        }
        if (g_str_equal(job, inc->job))
                scope_job_finished(inc, result);
        return 0;
}

/* The link's end: the manager closed its private socket (it re-executes),
 * or the bus went. */
static int on_link_closed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* Stops listening on @l to the units, not to its end. */
static void
link_unlisten(ManagerLink *l)
{
        for (guint i = 0; i < 3; i++)
                l->matches[i] = sd_bus_slot_unref(l->matches[i]);
}

/* Listens on @l to what the manager says of our units. On the bus the
 * matches are the bus daemon's too (installed without waiting: the
 * manager's answer to a call sent after them comes after them); the
 * private socket is sent every signal, matched here alone. */
static int
link_listen(ManagerLink *l)
{
        gboolean bus = sd_bus_is_bus_client(l->bus) > 0;
        const char *sender = bus ? SYSTEMD_BUS_NAME : NULL;
        g_autofree char *rule = g_strdup_printf(
                "type='signal',%s%s%sinterface='" DBUS_PROPERTIES_INTERFACE "',member='PropertiesChanged',"
                "path_namespace='%.*s',arg0='" SYSTEMD_UNIT_INTERFACE "'",
                bus ? "sender='" : "", bus ? SYSTEMD_BUS_NAME : "", bus ? "'," : "",
                (int) strlen(SYSTEMD_UNIT_PATH_PREFIX) - 1, SYSTEMD_UNIT_PATH_PREFIX);
        int r;

        link_unlisten(l);
        if ((r = sd_bus_match_signal_async(l->bus, &l->matches[0], sender, SYSTEMD_OBJECT_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, "JobRemoved", on_job_removed, NULL,
                                           l)) < 0 ||
            (r = sd_bus_match_signal_async(l->bus, &l->matches[1], sender, SYSTEMD_OBJECT_PATH,
                                           SYSTEMD_MANAGER_INTERFACE, "UnitRemoved", on_unit_removed, NULL,
                                           l)) < 0 ||
            (r = sd_bus_add_match_async(l->bus, &l->matches[2], rule, on_unit_properties_changed, NULL, l)) <
                    0)
                return r;
        if (!l->matches[3])
                /* sd-bus's own message at the end, never sent to the bus daemon. */
                r = sd_bus_match_signal(l->bus, &l->matches[3], NULL, "/org/freedesktop/DBus/Local",
                                        "org.freedesktop.DBus.Local", "Disconnected", on_link_closed, l);
        return r;
}

static void scope_start(Incarnation *inc);

static void
on_start_transient_unit(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error,
                        gpointer user_data)
{
        CallData *call = user_data;
        Incarnation *inc = call_incarnation(call);
        const char *job;

        /* Looked up again: it may have failed while the call was out. */
        if (!inc || inc->phase != PHASE_PLACING)
                return;
        if (reply && sd_bus_message_read(reply, "o", &job) >= 0) {
                const char *result;

                /* JobRemoved tells how the start went, unless it came first. */
                inc->job = g_strdup(job);
                result = inc->early_jobs ? g_hash_table_lookup(inc->early_jobs, inc->job) : NULL;
                if (result)
                        scope_job_finished(inc, result);
                else if (sd_bus_message_get_bus(reply) != b->manager->bus)
                        /* Sent on a connection we have left since (the
                         * bus, for the private socket again): its
                         * JobRemoved may have gone with that connection's
                         * matches, and manager_resync() could not ask
                         * about a job it did not know yet. */
                        scope_check_job(inc);
                return;
        }

        /* Judged by what this call sent: calls may be out with PIDFDs when
         * the first refusal comes back. Managers before v253 know PIDs but
         * not PIDFDs. */
        if (inc->sent_pidfds &&
            (error_is(error, DBUS_ERROR_INVALID_ARGS) || error_is(error, DBUS_ERROR_PROPERTY_READ_ONLY))) {
                b->pidfds_unsupported = TRUE;
                g_debug("the manager does not take PIDFDs, passing PIDs");
                scope_start(inc);
                return;
        }
        {
                g_autofree char *message = g_strdup_printf("creating %s: %s", inc->unit,
                                                           error ? error->message : "a reply without a job");
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

static int
limit_add(sd_bus_message *m, const char *name, const char *scale_name, const StewardLimit *limit,
          gboolean reset)
{
        if (limit->relative)
                return sd_bus_message_append(m, "(sv)", scale_name, "u", scale_from_permyriad(limit->value));
        if (limit->value != STEWARD_LIMIT_UNSET || reset)
                /* Unset is G_MAXUINT64, the manager's "infinity". */
                return sd_bus_message_append(m, "(sv)", name, "t", limit->value);
        return 0;
}

static int
uint_add(sd_bus_message *m, const char *name, guint64 value, gboolean reset)
{
        /* Unset is G_MAXUINT64 here too: the manager's "not set" weight
         * and its "infinity" quota. */
        if (value != STEWARD_LIMIT_UNSET || reset)
                return sd_bus_message_append(m, "(sv)", name, "t", value);
        return 0;
}

static int
bytes_add(sd_bus_message *m, const char *name, GBytes *bytes)
{
        gsize n = 0;
        gconstpointer data = bytes ? g_bytes_get_data(bytes, &n) : NULL;
        int r;

        if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
            (r = sd_bus_message_append(m, "s", name)) < 0 ||
            (r = sd_bus_message_open_container(m, 'v', "ay")) < 0 ||
            (r = sd_bus_message_append_array(m, 'y', data ? data : "", n)) < 0 ||
            (r = sd_bus_message_close_container(m)) < 0)
                return r;
        return sd_bus_message_close_container(m);
}

/* The cgroup settings as the manager's unit properties, with the names
 * and types systemctl and systemd-run send, into an open a(sv). @reset:
 * the unset ones too, as what "systemctl set-property UNIT KEY=" sends
 * (no limit), to take back a value set before. */
static int
resources_add(sd_bus_message *m, const StewardResources *r, gboolean reset)
{
        int e;

        if ((e = limit_add(m, "MemoryMax", "MemoryMaxScale", &r->memory_max, reset)) < 0 ||
            (e = limit_add(m, "MemoryHigh", "MemoryHighScale", &r->memory_high, reset)) < 0 ||
            (e = limit_add(m, "TasksMax", "TasksMaxScale", &r->tasks_max, reset)) < 0 ||
            (e = uint_add(m, "CPUWeight", r->cpu_weight, reset)) < 0 ||
            /* CPUQuota= is a share of one CPU; the manager takes CPU time per second. */
            (e = uint_add(m, "CPUQuotaPerSecUSec",
                          r->cpu_quota == STEWARD_LIMIT_UNSET ? STEWARD_LIMIT_UNSET
                                                              : r->cpu_quota * G_USEC_PER_SEC / 10000,
                          reset)) < 0 ||
            (e = uint_add(m, "IOWeight", r->io_weight, reset)) < 0)
                return e;
        if (r->allowed_cpus || reset)
                return bytes_add(m, "AllowedCPUs", r->allowed_cpus);
        return 0;
}

/* StartTransientUnit's arguments for @inc's scope around its helper. */
static int
scope_start_append(Incarnation *inc, sd_bus_message *m)
{
        StewardBackend *b = inc->backend;
        g_autofree char *description = g_strdup_printf("steward child %s, generation %" G_GUINT64_FORMAT,
                                                       inc->child, inc->generation);
        int r;

        if ((r = sd_bus_message_append(m, "ss", inc->unit, "fail")) < 0 ||
            (r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
            (r = sd_bus_message_append(m, "(sv)(sv)(sv)", "Description", "s", description, "Slice", "s",
                                       inc->slice ? inc->slice : b->slice, "CollectMode", "s",
                                       "inactive-or-failed")) < 0)
                return r;
        inc->sent_pidfds = FALSE;
        if (!b->pidfds_unsupported) {
                steward_autofd int pidfd = (int) syscall(SYS_pidfd_open, inc->proc.pid, 0);

                if (pidfd >= 0) {
                        /* The message takes a copy. */
                        if ((r = sd_bus_message_append(m, "(sv)", "PIDFDs", "ah", 1, pidfd)) < 0)
                                return r;
                        inc->sent_pidfds = TRUE;
                } else
                        b->pidfds_unsupported = TRUE;
        }
        if (b->pidfds_unsupported &&
            (r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (guint32) inc->proc.pid)) < 0)
                return r;
        if ((r = sd_bus_message_append(m, "(sv)(sv)(sv)", "KillSignal", "i", (gint32) inc->kill_signal,
                                       "SendSIGKILL", "b", 1, "TimeoutStopUSec", "t",
                                       inc->scope_timeout_stop_usec)) < 0 ||
            (r = resources_add(m, &inc->resources, FALSE)) < 0 ||
            (r = sd_bus_message_close_container(m)) < 0)
                return r;
        return sd_bus_message_append(m, "a(sa(sv))", 0);
}

/* Asks the manager for the scope; the child stays at its gate meanwhile.
 * The connection listens to JobRemoved, UnitRemoved and the units'
 * PropertiesChanged since it is in use. */
static void
scope_start(Incarnation *inc)
{
        StewardBackend *b = inc->backend;
        sd_bus_message *m = NULL;
        int r = manager_message(b, NULL, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                "StartTransientUnit", &m);

        if (r >= 0)
                r = scope_start_append(inc, m);
        manager_send(b, m, r, MANAGER_CALL_TIMEOUT_USEC, on_start_transient_unit, call_data_new(inc),
                     call_data_free);
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

/* A survey's last call gone, answered or dropped with its connection: the
 * survey returns from the main loop, never from within a teardown. */
static gboolean
on_survey_complete(gpointer user_data)
{
        g_autoptr(GTask) task = user_data;

        if (g_task_return_error_if_cancelled(task))
                return G_SOURCE_REMOVE;
        if (g_task_get_task_data(task))
                survey_done(task);
        else
                g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                                        "the manager's connection closed before it answered");
        return G_SOURCE_REMOVE;
}

/* The list call gone: unanswered only when its connection was dropped. */
static void
survey_list_free(gpointer userdata)
{
        GTask *task = userdata;

        if (g_task_get_task_data(task))
                g_object_unref(task);
        else
                g_idle_add(on_survey_complete, task);
}

static void
processes_call_free(gpointer userdata)
{
        ProcessesCall *call = userdata;
        Survey *sv = g_task_get_task_data(call->task);

        if (--sv->pending == 0)
                g_idle_add(on_survey_complete, g_steal_pointer(&call->task));
        g_clear_object(&call->task);
        g_free(call);
}

static void
on_unit_processes(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        ProcessesCall *call = user_data;
        guint32 pid;

        if (!reply) {
                /* Gone between the list and this call: no processes. */
                g_debug("processes of %s: %s", call->leftover->unit, error->message);
                return;
        }
        if (sd_bus_message_enter_container(reply, 'a', "(sus)") <= 0)
                return;
        while (sd_bus_message_read(reply, "(sus)", NULL, &pid, NULL) > 0)
                if (pid > 0 && pid <= G_MAXINT32) {
                        pid_t p = (pid_t) pid;
                        g_array_append_val(call->leftover->pids, p);
                }
}

/* Reads the scopes a previous run left from ListUnitsByPatterns' @reply. */
static void
survey_read(Survey *sv, sd_bus_message *reply)
{
        const char *name, *active;

        if (sd_bus_message_enter_container(reply, 'a', "(ssssssouso)") <= 0)
                return;
        while (sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, &active, NULL, NULL, NULL, NULL,
                                   NULL, NULL) > 0) {
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
}

static void
on_list_scopes(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        GTask *task = user_data;
        Survey *sv = g_new0(Survey, 1);

        sv->leftovers = g_ptr_array_new_with_free_func((GDestroyNotify) steward_leftover_free);
        g_task_set_task_data(task, sv, (GDestroyNotify) survey_free);
        if (!reply)
                /* Not being able to look is no reason not to start. */
                g_message("Cannot list the scopes of a previous run: %s, ignoring", error->message);
        else
                survey_read(sv, reply);
        if (sv->leftovers->len == 0) {
                g_idle_add(on_survey_complete, g_object_ref(task));
                return;
        }
        /* All in flight at once: the manager answers them in order. */
        sv->pending = sv->leftovers->len;
        for (guint i = 0; i < sv->leftovers->len; i++) {
                ProcessesCall *call = g_new0(ProcessesCall, 1);
                sd_bus_message *m = NULL;
                int r;

                call->task = g_object_ref(task);
                call->leftover = g_ptr_array_index(sv->leftovers, i);
                r = manager_message(b, NULL, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                    "GetUnitProcesses", &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", call->leftover->unit);
                manager_send(b, m, r, MANAGER_CALL_TIMEOUT_USEC, on_unit_processes, call,
                             processes_call_free);
        }
}

static void
scope_survey(StewardBackend *b, GTask *task)
{
        sd_bus_message *m = NULL;
        int r = manager_message(b, NULL, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                "ListUnitsByPatterns", &m);

        if (r >= 0)
                r = sd_bus_message_append(m, "asas", 0, 1, STEWARD_SCOPE_PREFIX "*" STEWARD_SCOPE_SUFFIX);
        manager_send(b, m, r, MANAGER_CALL_TIMEOUT_USEC, on_list_scopes, task, survey_list_free);
}

static gboolean
on_check_state_retry(gpointer user_data)
{
        Incarnation *inc = user_data;

        inc->state_retry_source = 0;
        scope_check_state(inc);
        return G_SOURCE_REMOVE;
}

/* The unit's state now: after the connection listens to its changes
 * (adoption: an end between the survey and then is seen here), or after
 * a UnitRemoved. */
static void
on_unit_state(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        Incarnation *inc = call_incarnation(user_data);
        const char *state;

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
                state = reply_string(reply);
                if (!state || (!g_str_equal(state, "inactive") && !g_str_equal(state, "failed")))
                        return;
        }
        /* Inactive, or no such unit any more (removed). */
        inc->scope_gone = TRUE;
        backend_incarnation_advance(inc);
}

static void
scope_check_state(Incarnation *inc)
{
        unit_get_property(inc->backend, NULL, inc, SYSTEMD_UNIT_INTERFACE, "ActiveState", on_unit_state,
                          call_data_new(inc), call_data_free);
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
                scope_watch_cgroup(inc, g_array_index(leftover->pids, pid_t, 0), FALSE);
        scope_check_state(inc);
        return TRUE;
}

static void
scope_stop_leftover(StewardBackend *b, const StewardLeftover *leftover)
{
        unit_call(b, "StopUnit", leftover->unit, 0);
}

/* A start job's JobRemoved went to a connection that closed: the job is
 * gone, and the scope is active if it was done. */
static void
on_placed_unit_state(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        Incarnation *inc = call_incarnation(user_data);
        const char *state = reply ? reply_string(reply) : NULL;

        if (!inc || inc->phase != PHASE_PLACING)
                return;
        scope_job_finished(inc, g_strcmp0(state, "active") == 0 ? "done" : "failed");
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
on_job_state(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        Incarnation *inc = call_incarnation(user_data);

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
        unit_get_property(b, NULL, inc, SYSTEMD_UNIT_INTERFACE, "ActiveState", on_placed_unit_state,
                          call_data_new(inc), call_data_free);
}

/* Asked once the connection listens: a job that ends after this answer
 * is seen by its JobRemoved. */
static void
scope_check_job(Incarnation *inc)
{
        property_get(inc->backend, NULL, inc->job, SYSTEMD_JOB_INTERFACE, "State", on_job_state,
                     call_data_new(inc), call_data_free);
}

/* ---- the manager's connection ------------------------------------------- */

/* How long a private connection has to answer Subscribe() before it is
 * taken for dead: one made while the manager re-executes may be accepted
 * and never served. */
#define MANAGER_PROBE_TIMEOUT_USEC (5 * G_USEC_PER_SEC)
/* After the private connection closed: the first wait before trying it
 * again, doubled each time up to the last, and how many tries before the
 * bus is kept for good. */
#define MANAGER_RECONNECT_FIRST_MSEC 100
#define MANAGER_RECONNECT_MAX_MSEC 5000
#define MANAGER_RECONNECT_TRIES 12

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

static void
link_free(ManagerLink *l)
{
        if (!l)
                return;
        for (guint i = 0; i < MANAGER_MATCHES; i++)
                l->matches[i] = sd_bus_slot_unref(l->matches[i]);
        if (l->source) {
                g_source_destroy(l->source);
                g_source_unref(l->source);
        }
        /* The calls still out are dropped, their callbacks never run;
         * stewardd flushes what it sends last itself (steward_backend_flush()). */
        sd_bus_close(l->bus);
        sd_bus_unref(l->bus);
        g_free(l);
}

/* @bus (taken), started, run by the main loop from now on. */
static ManagerLink *
link_new(StewardBackend *b, sd_bus *bus, const char *description)
{
        ManagerLink *l = g_new0(ManagerLink, 1);

        l->backend = b;
        l->bus = bus;
        (void) sd_bus_set_description(bus, description);
        /* Its end is ours to handle (on_link_closed()), never a reason to exit. */
        (void) sd_bus_set_exit_on_disconnect(bus, 0);
        l->source = steward_sd_bus_source_new(bus);
        g_source_attach(l->source, NULL);
        return l;
}

/* A connection to the manager's private socket, connecting; NULL with the reason. */
static ManagerLink *
link_new_private(StewardBackend *b, GError **error)
{
        g_autofree char *escaped = NULL;
        g_autofree char *address = NULL;
        sd_bus *bus = NULL;
        int r;

        if (!g_file_test(b->private_socket, G_FILE_TEST_EXISTS)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s", b->private_socket);
                return NULL;
        }
        escaped = g_dbus_address_escape_value(b->private_socket);
        address = g_strconcat("unix:path=", escaped, NULL);
        if ((r = sd_bus_new(&bus)) < 0 || (r = sd_bus_set_address(bus, address)) < 0 ||
            (r = sd_bus_negotiate_fds(bus, 1)) < 0 || (r = sd_bus_start(bus)) < 0) {
                sd_bus_unref(bus);
                steward_set_errno_error(error, -r, b->private_socket);
                return NULL;
        }
        return link_new(b, bus, "systemd-private");
}

/* The bus of the mode: the manager's name there, and our matches. */
static ManagerLink *
link_new_bus(StewardBackend *b, GError **error)
{
        const char *what = b->bus_address                   ? b->bus_address
                           : b->mode == STEWARD_MODE_SYSTEM ? "the system bus"
                                                            : "the session bus";
        sd_bus *bus = NULL;
        int r;

        if (b->bus_address) {
                if ((r = sd_bus_new(&bus)) >= 0 && (r = sd_bus_set_address(bus, b->bus_address)) >= 0 &&
                    (r = sd_bus_set_bus_client(bus, 1)) >= 0)
                        r = sd_bus_start(bus);
        } else
                r = b->mode == STEWARD_MODE_SYSTEM ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);
        if (r < 0) {
                sd_bus_unref(bus);
                steward_set_errno_error(error, -r, what);
                return NULL;
        }
        return link_new(b, bus, "systemd-bus");
}

/* Subscribe() on @l: without it the manager sends nothing on the bus (a
 * private connection is sent every signal anyway, and answers it). */
static void
link_subscribe(StewardBackend *b, ManagerLink *l, guint64 timeout_usec, ManagerReplyFunc func,
               gpointer user_data)
{
        sd_bus_message *m = NULL;
        int r = manager_message(b, l, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE, "Subscribe", &m);

        l->subscribed = TRUE;
        manager_send(b, m, r, timeout_usec, func, user_data, NULL);
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

static void manager_reconnect_later(StewardBackend *b);

/* Every manager call from now on goes on @l, which listens already. The
 * private connection left is closed; the bus, left, stops listening and
 * stays for the answers still to come there. */
static void
manager_use(StewardBackend *b, ManagerLink *l)
{
        ManagerLink *old = b->manager;

        b->manager = l;
        if (!old || old == l)
                return;
        if (old != b->bus_link) {
                link_free(old);
                return;
        }
        link_unlisten(old);
        if (old->subscribed) {
                sd_bus_message *m = NULL;
                int r = manager_message(b, old, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                        "Unsubscribe", &m);

                /* The manager broadcasts on the bus only while someone subscribed. */
                old->subscribed = FALSE;
                if (r >= 0 && sd_bus_message_set_expect_reply(m, 0) >= 0)
                        (void) sd_bus_send(NULL, m, NULL);
                sd_bus_message_unref(m);
        }
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
on_bus_subscribed(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        if (b->manager != b->bus_link)
                return; /* on the private socket again */
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
        link_subscribe(b, b->bus_link, MANAGER_CALL_TIMEOUT_USEC, on_bus_subscribed, NULL);
}

/* The manager closes its private connections when it re-executes (a
 * daemon-reload keeps them); every call still out there has been told
 * already. The bus takes over at once, so calls from now on behave as
 * they always did there while the manager is away, and the private socket
 * is tried again once it answers. */
static int
on_link_closed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        ManagerLink *l = userdata;
        StewardBackend *b = l->backend;
        g_autoptr(GError) error = NULL;
        int r;

        if (l == b->probe)
                return 0; /* told by its Subscribe() */
        if (l != b->manager) {
                g_warning("The %s closed", l == b->bus_link ? "bus" : "manager's connection");
                return 0;
        }
        if (l == b->bus_link) {
                /* Nothing left to fall back on. */
                g_warning("The bus closed; the systemd manager is out of reach");
                return 0;
        }
        g_info("The systemd manager closed its private connection; on the bus until it is back");
        if (!b->bus_link && !(b->bus_link = link_new_bus(b, &error))) {
                g_warning("Cannot reach the systemd manager on the bus: %s", error->message);
                b->reconnect_tries = 0;
                manager_reconnect_later(b);
                return 0;
        }
        if ((r = link_listen(b->bus_link)) < 0)
                g_warning("Cannot listen to the systemd manager on the bus: %s", g_strerror(-r));
        manager_use(b, b->bus_link);
        bus_subscribe(b);
        b->reconnect_tries = 0;
        manager_reconnect_later(b);
        return 0;
}

static void
reconnect_failed(StewardBackend *b, const char *why)
{
        g_clear_pointer(&b->probe, link_free);
        if (++b->reconnect_tries < MANAGER_RECONNECT_TRIES) {
                g_debug("The manager's private socket %s: %s; trying again", b->private_socket, why);
                manager_reconnect_later(b);
                return;
        }
        g_message("The manager's private socket %s: %s; staying on the bus", b->private_socket, why);
}

static void
on_private_subscribed(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error,
                      gpointer user_data)
{
        if (!reply) {
                reconnect_failed(b, error->message);
                return;
        }
        g_info("Talking to the systemd manager on its private socket %s again", b->private_socket);
        manager_use(b, g_steal_pointer(&b->probe));
        manager_resync(b);
}

static gboolean
on_reconnect(gpointer user_data)
{
        StewardBackend *b = user_data;
        g_autoptr(GError) error = NULL;
        int r;

        b->reconnect_source = 0;
        if (!(b->probe = link_new_private(b, &error))) {
                reconnect_failed(b, error->message);
                return G_SOURCE_REMOVE;
        }
        /* Listening before it answers: a private connection is sent every
         * signal, and what comes from here on is not lost in the switch. */
        if ((r = link_listen(b->probe)) < 0) {
                reconnect_failed(b, g_strerror(-r));
                return G_SOURCE_REMOVE;
        }
        link_subscribe(b, b->probe, MANAGER_PROBE_TIMEOUT_USEC, on_private_subscribed, NULL);
        return G_SOURCE_REMOVE;
}

static void
manager_reconnect_later(StewardBackend *b)
{
        guint delay = MANAGER_RECONNECT_FIRST_MSEC << MIN(b->reconnect_tries, 10);

        g_clear_handle_id(&b->reconnect_source, g_source_remove);
        b->reconnect_source = g_timeout_add(MIN(delay, MANAGER_RECONNECT_MAX_MSEC), on_reconnect, b);
}

/* Subscribe() on @l, waited for (nothing else runs meanwhile): @l
 * listens, and the manager answers there. */
static gboolean
link_subscribe_sync(StewardBackend *b, ManagerLink *l, guint64 timeout_usec, GError **error)
{
        g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;
        g_autoptr(sd_bus_message) m = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        if ((r = link_listen(l)) < 0 ||
            (r = manager_message(b, l, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE, "Subscribe", &m)) <
                    0) {
                steward_set_errno_error(error, -r, "Subscribe");
                return FALSE;
        }
        l->subscribed = TRUE;
        if ((r = sd_bus_call(l->bus, m, timeout_usec, &bus_error, &reply)) < 0) {
                if (sd_bus_error_is_set(&bus_error))
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "%s", bus_error.message);
                else
                        steward_set_errno_error(error, -r, "Subscribe");
                return FALSE;
        }
        return TRUE;
}

static gboolean
scope_init(StewardBackend *b, const StewardBackendOptions *o, GError **error)
{
        g_autoptr(GError) private_error = NULL;
        g_autoptr(GError) watch_error = NULL;
        ManagerLink *l;

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
        b->bus_address = g_strdup(o->manager_bus_address);
        if (!o->manager_bus_only)
                b->private_socket = private_socket_path(o->mode);

        /* A round trip there costs a third of one through the bus daemon,
         * and no bus daemon copies every message; anything about our own
         * callers stays on the bus. */
        if (b->private_socket && (l = link_new_private(b, &private_error))) {
                if (link_subscribe_sync(b, l, MANAGER_PROBE_TIMEOUT_USEC, &private_error)) {
                        g_info("Talking to the systemd manager on its private socket %s", b->private_socket);
                        manager_use(b, l);
                        return TRUE;
                }
                link_free(l);
        }

        if (!(b->bus_link = link_new_bus(b, error)) || !link_subscribe_sync(b, b->bus_link, 0, error)) {
                g_prefix_error(error, "the systemd manager does not answer: ");
                return FALSE;
        }
        manager_use(b, b->bus_link);
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
        ManagerCall *call;

        g_clear_pointer(&b->by_unit, g_hash_table_unref);
        g_clear_pointer(&b->cgroup_empty, steward_cgroup_empty_watch_free);
        g_clear_handle_id(&b->reconnect_source, g_source_remove);
        g_clear_handle_id(&b->subscribe_retry_source, g_source_remove);
        g_clear_handle_id(&b->failed_source, g_source_remove);
        while ((call = g_queue_pop_head(&b->failed_calls)))
                manager_call_free(call);
        g_clear_pointer(&b->probe, link_free);
        if (b->manager != b->bus_link)
                link_free(b->manager);
        b->manager = NULL;
        g_clear_pointer(&b->bus_link, link_free);
        g_clear_pointer(&b->private_socket, g_free);
        g_clear_pointer(&b->bus_address, g_free);
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
        /* Asked once the main process is reaped: the file may say the end
         * before its notification comes (steward_cgroup_empty_watch_check()). */
        if (!inc->cgroup_empty && inc->empty_watch > 0 &&
            steward_cgroup_empty_watch_check(inc->backend->cgroup_empty, inc->empty_watch)) {
                inc->empty_watch = 0;
                inc->cgroup_empty = TRUE;
        }
        return !inc->scope_created || inc->scope_gone || (inc->cgroup_empty && inc->phase == PHASE_RUNNING);
}

static void
scope_deliver(Incarnation *inc, int signal, gboolean kill_all)
{
        StewardBackend *b = inc->backend;

        if (kill_all)
                unit_call(b, "KillUnit", inc->unit, SIGKILL);
        else if (signal != inc->kill_signal)
                /* StopUnit can only send the scope's KillSignal=; another
                 * signal (WatchdogSignal=) goes to every process directly,
                 * and the engine's abort after TimeoutStopSec= follows up. */
                unit_call(b, "KillUnit", inc->unit, signal);
        else
                unit_call(b, "StopUnit", inc->unit, 0);
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
on_scope_cgroup(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        ProbeCall *call = user_data;
        Probe *probe = backend_probe_lookup(b, call->number);
        const char *cgroup = reply ? reply_string(reply) : NULL;
        Incarnation *inc;

        if (!probe)
                return;
        if (!cgroup || !*cgroup) {
                g_autofree char *message =
                        g_strdup_printf("placing the health check in its scope: %s",
                                        error ? error->message : "the scope has no cgroup");
                backend_probe_fail(probe, message);
                return;
        }
        inc = backend_lookup(b, probe->child, probe->generation);
        if (inc && !inc->cgroup)
                inc->cgroup = g_strdup(cgroup);
        probe_attach(probe, cgroup);
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
        unit_get_property(inc->backend, NULL, inc, SYSTEMD_SCOPE_INTERFACE, "ControlGroup", on_scope_cgroup,
                          call, g_free);
}

/* A limit set on @unit may make OOM notifications worth asking for
 * (steward_cgroup_counters_limits_changed()): in its scope, or in every
 * scope when it is a slice (supervisors are few, and nest). */
static void
limits_changed(StewardBackend *b, const char *unit)
{
        Incarnation *inc = g_hash_table_lookup(b->by_unit, unit);
        GHashTableIter iter;
        gpointer value;

        if (inc) {
                steward_cgroup_counters_limits_changed(inc->counters);
                return;
        }
        g_hash_table_iter_init(&iter, b->by_unit);
        while (g_hash_table_iter_next(&iter, NULL, &value))
                steward_cgroup_counters_limits_changed(((Incarnation *) value)->counters);
}

/* A scope gone meanwhile has nothing left to limit; anything else is
 * said, and the incarnation goes on without. */
static void
on_set_resources(StewardBackend *b, sd_bus_message *reply, const sd_bus_error *error, gpointer user_data)
{
        const char *unit = user_data;

        if (reply)
                limits_changed(b, unit);
        if (reply || error_is(error, SYSTEMD_ERROR_NO_SUCH_UNIT))
                return;
        g_message("Cannot set the resources of %s: %s, ignoring", unit, error->message);
}

static void
scope_set_resources(StewardBackend *b, const char *unit, const StewardResources *resources, gboolean wait)
{
        g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        int r = manager_message(b, NULL, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE, "SetUnitProperties",
                                &m);

        /* runtime: the setting lasts as long as the unit (a scope) or until
         * the manager restarts (a slice), never in /etc. */
        if (r >= 0 && (r = sd_bus_message_append(m, "sb", unit, 1)) >= 0 &&
            (r = sd_bus_message_open_container(m, 'a', "(sv)")) >= 0 &&
            (r = resources_add(m, resources, TRUE)) >= 0)
                r = sd_bus_message_close_container(m);
        if (!wait) {
                manager_send(b, m, r, MANAGER_CALL_TIMEOUT_USEC, on_set_resources, g_strdup(unit), g_free);
                return;
        }
        if (r >= 0)
                r = sd_bus_call(NULL, m, 0, &error, NULL);
        sd_bus_message_unref(m);
        if (r < 0 && !sd_bus_error_is_set(&error))
                (void) sd_bus_error_set_errno(&error, r);
        if (r < 0)
                on_set_resources(b, NULL, &error, (gpointer) unit);
        else
                limits_changed(b, unit);
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
