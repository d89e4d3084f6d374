/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-bus.c: the org.steward.Supervisor1 objects on the bus: methods, properties, signals.
 *
 * The interfaces come from the introspection XML compiled in as a resource,
 * so what we serve is what dbus/org.steward.Supervisor1.xml documents.
 * Children and supervisors are subtrees: their objects exist exactly as long
 * as the engine knows them, with nothing to register or unregister. */
#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "steward-auth.h"
#include "steward-bus-rows.h"
#include "steward-bus.h"
#include "steward-names.h"
#include "steward-resources.h"
#include "steward-util.h"

#define INTERFACE_XML_RESOURCE "/org/steward/Supervisor1/org.steward.Supervisor1.xml"

/* Every failure goes out under its registered name (steward-error.h). */
static void
reply_error(GDBusMethodInvocation *inv, const GError *error)
{
        g_autoptr(GError) sent = steward_error_to_dbus(error);

        g_dbus_method_invocation_return_gerror(inv, sent);
}

struct _StewardBus {
        GDBusConnection *bus;
        const StewardBusOps *ops;
        gpointer data;
        GDBusNodeInfo *node;
        GDBusInterfaceInfo *manager_iface;
        GDBusInterfaceInfo *child_iface;
        GDBusInterfaceInfo *supervisor_iface;
        guint manager_registration;
        guint child_subtree;
        guint supervisor_subtree;
        GCancellable *cancellable;
        /* Commands that came while the tree was being taken over from a
         * previous run: run, in order, once it has started. */
        GQueue parked; /* of PendingCommand* with their caller */
        gboolean started;
        /* Unique name -> mutating calls of it in flight: waiting for the
         * caller's credentials or parked (STEWARD_BUS_PENDING_PER_SENDER_MAX). */
        GHashTable *pending;
        /* Children whose StatusText changed and nothing else: one
         * PropertiesChanged for all of a burst, from an idle source, so a
         * child's STATUS= flood cannot pile up signals in the connection's
         * output queue (STEWARD_PROPERTY_STATUS_TEXT in steward_bus_child_changed()). */
        GHashTable *status_pending; /* interned child names */
        guint status_idle;
        /* The daemon's counters (EventsTotal, CallsDenied), since this
         * stewardd started; read on demand, never announced: a
         * PropertiesChanged per event would double the bus traffic. */
        guint64 events_total;
        guint64 calls_denied;
        StewardLog *log; /* JournalEntriesLost; NULL: none */
        StewardMemory *memory; /* told of every call; NULL: none */
};

/* ---- paths ---------------------------------------------------------------- */

/* The name behind a child or supervisor object path, NULL if none. */
static char *
name_of_path(const char *prefix, const char *path)
{
        size_t n = strlen(prefix);

        if (!g_str_has_prefix(path, prefix) || path[n] != '/' || !path[n + 1])
                return NULL;
        return steward_bus_label_unescape(path + n + 1);
}

/* ---- values ---------------------------------------------------------------- */

static guint64
realtime_of(guint64 monotonic)
{
        gint64 delta;

        if (monotonic == 0)
                return 0;
        delta = (gint64) monotonic - g_get_monotonic_time();
        return (guint64) MAX(g_get_real_time() + delta, 0);
}

/* RestartLimitBurst and the rest (org.steward.Supervisor1(5)), of a child
 * or a supervisor: the window as it stands when asked. */
static GVariant *
budget_property(guint burst, guint64 interval_usec, const guint64 *window, guint n_window,
                const char *property)
{
        guint used, remaining;
        guint64 expiry;

        if (g_str_equal(property, "RestartLimitBurst"))
                return g_variant_new_uint32(burst);
        if (g_str_equal(property, "RestartLimitIntervalUSec"))
                return g_variant_new_uint64(interval_usec);
        steward_restart_budget(burst, interval_usec, window, n_window, g_get_monotonic_time(), &used,
                               &remaining, &expiry);
        if (g_str_equal(property, "RestartsInWindow"))
                return g_variant_new_uint32(used);
        if (g_str_equal(property, "RestartsRemaining"))
                return g_variant_new_uint32(remaining);
        if (g_str_equal(property, "RestartWindowExpiryUSec"))
                return g_variant_new_uint64(realtime_of(expiry));
        return NULL;
}

static GVariant *
child_property(StewardBus *b, const StewardChildInfo *info, const char *property)
{
        if (g_str_equal(property, "Name"))
                return g_variant_new_string(info->name);
        if (g_str_equal(property, "Supervisor"))
                return g_variant_new_string(info->supervisor);
        if (g_str_equal(property, "Role"))
                return g_variant_new_string(steward_role_to_string(info->role));
        if (g_str_equal(property, "State"))
                return g_variant_new_string(steward_child_state_to_string(info->state));
        if (g_str_equal(property, "Generation"))
                return g_variant_new_uint64(info->generation);
        if (g_str_equal(property, "Attempt"))
                return g_variant_new_uint64(info->attempt);
        if (g_str_equal(property, "MainPID"))
                return g_variant_new_uint32(info->main_pid);
        if (g_str_equal(property, "Unit")) {
                const char *unit = b->ops->get_unit(b->data, info->name);
                return g_variant_new_string(unit ? unit : "");
        }
        if (g_str_equal(property, "Ready"))
                return g_variant_new_boolean(info->ready);
        if (g_str_equal(property, "StatusText"))
                return g_variant_new_string(info->status_text ? info->status_text : "");
        if (g_str_equal(property, "StatusErrno"))
                return g_variant_new_int32(info->status_errno);
        if (g_str_equal(property, "LastSpawnError"))
                return g_variant_new_string(info->last_spawn_error ? info->last_spawn_error : "");
        if (g_str_equal(property, "Health"))
                return g_variant_new_string(steward_child_health_to_string(info->health));
        if (g_str_equal(property, "LastExitCode"))
                return g_variant_new_string(steward_exit_code_to_string(info->last_exit_code));
        if (g_str_equal(property, "LastExitStatus"))
                return g_variant_new_int32(info->last_exit_status);
        if (g_str_equal(property, "LastExitCause"))
                return g_variant_new_string(steward_exit_cause_to_string(info->last_exit_cause));
        if (g_str_equal(property, "RestartCount"))
                return g_variant_new_uint32(info->restart_count);
        if (g_str_equal(property, "NextRestartUSec"))
                return g_variant_new_uint64(realtime_of(info->next_restart_usec));
        if (g_str_equal(property, "FenceState"))
                return g_variant_new_string(steward_fence_state_to_string(info->fence_state));
        if (g_str_equal(property, "FenceWaits"))
                return g_variant_new_uint64(info->fence_waits);
        if (g_str_equal(property, "FenceWaitUSec"))
                return g_variant_new_uint64(steward_child_fence_wait_usec(info, g_get_monotonic_time()));
        return budget_property(info->restart_limit_burst, info->restart_limit_interval_usec,
                               info->restart_window, info->n_restart_window, property);
}

static GVariant *
supervisor_property(const StewardSupervisorInfo *info, const char *property)
{
        if (g_str_equal(property, "Name"))
                return g_variant_new_string(info->name);
        if (g_str_equal(property, "Parent"))
                return g_variant_new_string(info->parent ? info->parent : "");
        if (g_str_equal(property, "Strategy"))
                return g_variant_new_string(steward_strategy_to_string(info->strategy));
        if (g_str_equal(property, "Escalation"))
                return g_variant_new_string(steward_escalation_to_string(info->escalation));
        if (g_str_equal(property, "State"))
                return g_variant_new_string(steward_supervisor_state_to_string(info->state));
        if (g_str_equal(property, "RestartCount"))
                return g_variant_new_uint32(info->restart_count);
        return budget_property(info->restart_limit_burst, info->restart_limit_interval_usec,
                               info->restart_window, info->n_restart_window, property);
}

static GVariant *
manager_property(StewardBus *b, const char *property)
{

        if (g_str_equal(property, "Version"))
                return g_variant_new_string(PACKAGE_VERSION);
        if (g_str_equal(property, "Mode"))
                return g_variant_new_string(steward_mode_to_string(b->ops->get_mode(b->data)));
        if (g_str_equal(property, "Backend"))
                return g_variant_new_string(b->ops->get_backend_name(b->data));
        if (g_str_equal(property, "State"))
                return g_variant_new_string(steward_tree_state_to_string(b->ops->get_tree_state(b->data)));
        if (g_str_equal(property, "ChildCount"))
                return g_variant_new_uint32(b->ops->get_n_children(b->data));
        if (g_str_equal(property, "ConfigFiles"))
                return g_variant_new_strv(b->ops->get_config_files(b->data), -1);
        if (g_str_equal(property, "EventsTotal"))
                return g_variant_new_uint64(b->events_total);
        if (g_str_equal(property, "NotifyMessagesDropped"))
                return g_variant_new_uint64(b->ops->get_notify_dropped ? b->ops->get_notify_dropped(b->data)
                                                                       : 0);
        if (g_str_equal(property, "JournalEntriesLost"))
                return g_variant_new_uint64(b->log ? steward_log_get_failures(b->log) : 0);
        if (g_str_equal(property, "CallsDenied"))
                return g_variant_new_uint64(b->calls_denied);
        return NULL;
}

static GVariant *
outcome_to_variant(const StewardCommandOutcome *o, const char *command_id, const char *state)
{
        GVariantBuilder d;

        g_variant_builder_init(&d, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&d, "{sv}", "decision",
                              g_variant_new_string(steward_decision_to_string(o->decision)));
        g_variant_builder_add(&d, "{sv}", "idempotent", g_variant_new_boolean(o->idempotent));
        g_variant_builder_add(&d, "{sv}", "command_id", g_variant_new_string(command_id));
        g_variant_builder_add(&d, "{sv}", "state", g_variant_new_string(state));
        g_variant_builder_add(&d, "{sv}", "generation", g_variant_new_uint64(o->generation));
        g_variant_builder_add(&d, "{sv}", "attempt", g_variant_new_uint64(o->attempt));
        g_variant_builder_add(&d, "{sv}", "target_generation", g_variant_new_uint64(o->target_generation));
        g_variant_builder_add(&d, "{sv}", "cancel_delivered", g_variant_new_boolean(o->cancel_delivered));
        g_variant_builder_add(&d, "{sv}", "merged", g_variant_new_uint32(o->merged));
        return g_variant_builder_end(&d);
}

/* ---- commands --------------------------------------------------------------- */

/* What a mutating method asks for: one of the engine's commands, or Reload,
 * which is none of them. */
typedef enum {
        REQUEST_COMMAND,
        REQUEST_RELOAD,
        REQUEST_REEXECUTE,
        REQUEST_ADD_CHILD,
        REQUEST_REMOVE_CHILD,
} RequestKind;

/* A mutating method waiting for its caller's credentials. */
typedef struct {
        StewardBus *bus;
        GDBusMethodInvocation *invocation;
        RequestKind request;
        StewardCommandKind kind; /* REQUEST_COMMAND */
        char *target;
        char *reason;
        char *fragment; /* REQUEST_ADD_CHILD */
        gboolean persist; /* REQUEST_ADD_CHILD */
        StewardCaller *caller; /* parked: who asked */
        char *sender; /* counted in bus->pending; NULL once the bus is gone */
} PendingCommand;

static void
pending_command_free(PendingCommand *p)
{
        if (!p)
                return;
        if (p->sender) {
                guint n = GPOINTER_TO_UINT(g_hash_table_lookup(p->bus->pending, p->sender));

                if (n > 1)
                        g_hash_table_insert(p->bus->pending, g_strdup(p->sender), GUINT_TO_POINTER(n - 1));
                else
                        g_hash_table_remove(p->bus->pending, p->sender);
                g_free(p->sender);
        }
        g_clear_pointer(&p->caller, steward_caller_free);
        g_clear_object(&p->invocation);
        g_free(p->target);
        g_free(p->reason);
        g_free(p->fragment);
        g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PendingCommand, pending_command_free)

static const char *
command_state(StewardCommandKind kind, const StewardCommandOutcome *o)
{
        if (kind == STEWARD_COMMAND_SHUTDOWN)
                return steward_tree_state_to_string(o->tree_state);
        if (kind == STEWARD_COMMAND_RESUME_SUPERVISOR)
                return steward_supervisor_state_to_string(o->supervisor_state);
        return steward_child_state_to_string(o->state);
}

static void
run_reload(StewardBus *b, GDBusMethodInvocation *inv, const StewardActor *actor)
{
        g_auto(GStrv) added = NULL, removed = NULL, changed = NULL;
        g_autoptr(GError) error = NULL;
        GVariantBuilder d;

        if (b->ops->is_shutting_down(b->data)) {
                g_dbus_method_invocation_return_error_literal(
                        inv, STEWARD_ERROR, STEWARD_ERROR_SHUTTING_DOWN, _("The tree is shutting down"));
                return;
        }
        if (!b->ops->reload(b->data, actor, &added, &removed, &changed, &error)) {
                reply_error(inv, error);
                return;
        }
        g_variant_builder_init(&d, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&d, "{sv}", "added", g_variant_new_strv((const char *const *) added, -1));
        g_variant_builder_add(&d, "{sv}", "removed", g_variant_new_strv((const char *const *) removed, -1));
        g_variant_builder_add(&d, "{sv}", "changed", g_variant_new_strv((const char *const *) changed, -1));
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@a{sv})", g_variant_builder_end(&d)));
}

/* AddChild and RemoveChild; also parked during an adoption, and run in
 * the main loop like Reload, so neither can interleave with one. */
static void
run_child_change(PendingCommand *p, const StewardActor *actor)
{
        StewardBus *b = p->bus;
        g_auto(StewardChildChange) change = { 0 };
        g_autoptr(GError) error = NULL;
        StewardChildInfo info;
        GVariantBuilder d;
        gboolean ok;

        if (p->request == REQUEST_ADD_CHILD)
                ok = b->ops->add_child &&
                     b->ops->add_child(b->data, p->fragment, p->persist, p->reason, actor, &change, &error);
        else
                ok = b->ops->remove_child &&
                     b->ops->remove_child(b->data, p->target, p->reason, actor, &change, &error);
        if (!ok) {
                if (!error)
                        g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                            _("Not supported here"));
                reply_error(p->invocation, error);
                return;
        }
        g_variant_builder_init(&d, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&d, "{sv}", "command_id", g_variant_new_string(change.command_id));
        g_variant_builder_add(&d, "{sv}", "child", g_variant_new_string(change.child));
        g_variant_builder_add(&d, "{sv}", "supervisor", g_variant_new_string(change.supervisor));
        g_variant_builder_add(&d, "{sv}", "file", g_variant_new_string(change.file));
        if (p->request == REQUEST_ADD_CHILD && b->ops->get_child(b->data, change.child, &info)) {
                g_variant_builder_add(&d, "{sv}", "state",
                                      g_variant_new_string(steward_child_state_to_string(info.state)));
                g_variant_builder_add(&d, "{sv}", "generation", g_variant_new_uint64(info.generation));
        } else if (p->request == REQUEST_REMOVE_CHILD)
                g_variant_builder_add(
                        &d, "{sv}", "gone",
                        g_variant_new_boolean(!b->ops->get_child(b->data, change.child, &info)));
        g_dbus_method_invocation_return_value(p->invocation,
                                              g_variant_new("(@a{sv})", g_variant_builder_end(&d)));
}

static void
run_command(PendingCommand *p, const StewardCaller *caller)
{
        StewardBus *b = p->bus;
        StewardActor actor = steward_caller_actor(caller);
        StewardCommandOutcome outcome = { 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *command_id = NULL;

        if (p->request == REQUEST_RELOAD) {
                run_reload(b, p->invocation, &actor);
                return;
        }
        if (p->request == REQUEST_ADD_CHILD || p->request == REQUEST_REMOVE_CHILD) {
                if (b->ops->is_shutting_down(b->data))
                        g_dbus_method_invocation_return_error_literal(p->invocation, STEWARD_ERROR,
                                                                      STEWARD_ERROR_SHUTTING_DOWN,
                                                                      _("The tree is shutting down"));
                else
                        run_child_change(p, &actor);
                return;
        }
        if (p->request == REQUEST_REEXECUTE) {
                if (b->ops->is_shutting_down(b->data))
                        g_dbus_method_invocation_return_error_literal(p->invocation, STEWARD_ERROR,
                                                                      STEWARD_ERROR_SHUTTING_DOWN,
                                                                      _("The tree is shutting down"));
                else if (!b->ops->reexecute(b->data, &actor, &error))
                        reply_error(p->invocation, error);
                else
                        g_dbus_method_invocation_return_value(p->invocation, NULL);
                return;
        }
        if (!b->ops->command(b->data, p->kind, p->target, p->reason, &actor, &outcome, &command_id,
                             &error)) {
                reply_error(p->invocation, error);
                return;
        }
        g_dbus_method_invocation_return_value(
                p->invocation,
                g_variant_new("(@a{sv})",
                              outcome_to_variant(&outcome, command_id, command_state(p->kind, &outcome))));
}

static void
on_caller(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(PendingCommand) p = user_data;
        g_autoptr(StewardCaller) caller = NULL;
        g_autoptr(GError) error = NULL;
        StewardActor actor;
        StewardAuthRule rule;

        caller = steward_caller_lookup_finish(res, &error);
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                g_clear_pointer(&p->sender, g_free); /* the bus, and its count, are gone */
                return;
        }
        if (!caller) {
                p->bus->calls_denied++;
                g_dbus_method_invocation_return_error(
                        p->invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                        _("Cannot tell who the caller is: %s"), error->message);
                return;
        }
        rule = (StewardAuthRule){ .mode = p->bus->ops->get_mode(p->bus->data),
                                  .owner_uid = getuid(),
                                  .allowed_gid = p->bus->ops->get_allowed_gid(p->bus->data) };
        if (!steward_caller_may_manage(caller, &rule)) {
                actor = steward_caller_actor(caller);
                p->bus->calls_denied++;
                p->bus->ops->command_denied(p->bus->data,
                                            g_dbus_method_invocation_get_method_name(p->invocation),
                                            p->target, &actor);
                g_dbus_method_invocation_return_error(p->invocation, G_DBUS_ERROR,
                                                      G_DBUS_ERROR_ACCESS_DENIED,
                                                      _("uid %u may not manage steward"), caller->uid);
                return;
        }
        /* A command during the adoption of a previous run's children
         * would act on a tree that does not know them yet. */
        if (!p->bus->started) {
                StewardBus *b = p->bus;

                p->caller = g_steal_pointer(&caller);
                g_queue_push_tail(&b->parked, g_steal_pointer(&p));
                return;
        }
        run_command(p, caller);
}

void
steward_bus_set_log(StewardBus *b, StewardLog *log)
{
        b->log = log;
}

void
steward_bus_set_memory(StewardBus *b, StewardMemory *memory)
{
        b->memory = memory;
}

/* A call came in: the main loop's only sight of a read, which touches no
 * engine state, and may leave a burst's worth of freed blocks behind. */
static void
bus_input(StewardBus *b)
{
        if (b->memory)
                steward_memory_input(b->memory);
}

void
steward_bus_tree_started(StewardBus *b)
{
        PendingCommand *p;

        b->started = TRUE;
        while ((p = g_queue_pop_head(&b->parked))) {
                run_command(p, p->caller);
                pending_command_free(p);
        }
}

static gboolean
check_name(GDBusMethodInvocation *inv, const char *name)
{
        if (steward_name_is_valid(name))
                return TRUE;
        g_dbus_method_invocation_return_error(
                inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                _("Invalid name '%s': expected 1 to %d characters of [A-Za-z0-9_.-]"), name,
                STEWARD_NAME_MAX);
        return FALSE;
}

static gboolean
check_reason(GDBusMethodInvocation *inv, const char *reason)
{
        if (*reason && strlen(reason) <= STEWARD_REASON_MAX)
                return TRUE;
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                              _("The reason must be 1 to %d bytes"), STEWARD_REASON_MAX);
        return FALSE;
}

/* Checks the arguments; NULL when they were refused (and answered). */
static PendingCommand *
pending_new(StewardBus *b, GDBusMethodInvocation *inv, RequestKind request, StewardCommandKind kind,
            const char *target, const char *reason)
{
        const char *sender = g_dbus_method_invocation_get_sender(inv);
        PendingCommand *p;
        guint n;

        if (target && !check_name(inv, target))
                return NULL;
        if (reason && !check_reason(inv, reason))
                return NULL;
        /* Each waits for the bus daemon or for the tree: on the system
         * bus any caller could otherwise queue without end. A peer-to-peer
         * connection has no sender and nobody else on it. */
        n = sender ? GPOINTER_TO_UINT(g_hash_table_lookup(b->pending, sender)) : 0;
        if (n >= STEWARD_BUS_PENDING_PER_SENDER_MAX) {
                b->calls_denied++;
                g_dbus_method_invocation_return_error(
                        inv, G_DBUS_ERROR, G_DBUS_ERROR_LIMITS_EXCEEDED,
                        _("Too many calls of this connection in progress (at most %d)"),
                        STEWARD_BUS_PENDING_PER_SENDER_MAX);
                return NULL;
        }
        p = g_new0(PendingCommand, 1);
        if (sender) {
                p->sender = g_strdup(sender);
                g_hash_table_insert(b->pending, g_strdup(sender), GUINT_TO_POINTER(n + 1));
        }
        p->bus = b;
        p->invocation = g_object_ref(inv);
        p->request = request;
        p->kind = kind;
        p->target = g_strdup(target);
        p->reason = g_strdup(reason);
        return p;
}

/* Checks the caller, then runs the request. */
static void
pending_queue(PendingCommand *p)
{
        StewardBus *b = p->bus;

        steward_caller_lookup(b->bus, g_dbus_method_invocation_get_sender(p->invocation), b->cancellable,
                              on_caller, p);
}

/* Checks the arguments, then the caller, then runs the request. */
static void
queue_request(StewardBus *b, GDBusMethodInvocation *inv, RequestKind request, StewardCommandKind kind,
              const char *target, const char *reason)
{
        PendingCommand *p = pending_new(b, inv, request, kind, target, reason);

        if (p)
                pending_queue(p);
}

static void
queue_command(StewardBus *b, GDBusMethodInvocation *inv, StewardCommandKind kind, const char *target,
              const char *reason)
{
        queue_request(b, inv, REQUEST_COMMAND, kind, target, reason);
}

/* ---- the manager object ------------------------------------------------------ */

typedef void (*ManagerMethod)(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params);

/* Written in one pass at every call (steward-bus-rows.c): 2 ms for ten
 * thousand rows, and nothing kept between calls. */
static void
method_list_children(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        guint n = b->ops->get_n_children(b->data);
        StewardBusRows rows;
        GVariant *list;

        steward_bus_rows_init(&rows, n);
        for (guint i = 0; i < n; i++) {
                StewardChildInfo info;
                g_autofree char *path = NULL;

                if (!b->ops->get_child_at(b->data, i, &info))
                        continue;
                path = steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, info.name);
                steward_bus_rows_add(&rows, info.name, info.supervisor,
                                     steward_child_state_to_string(info.state), info.generation,
                                     info.attempt, path);
        }
        list = steward_bus_rows_end(&rows);
        g_dbus_method_invocation_return_value(inv, g_variant_new_tuple(&list, 1));
}

static void
method_list_supervisors(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        guint n = b->ops->get_n_supervisors(b->data);
        GVariantBuilder list;

        g_variant_builder_init(&list, G_VARIANT_TYPE("a(ssso)"));
        for (guint i = 0; i < n; i++) {
                StewardSupervisorInfo info;
                g_autofree char *path = NULL;

                if (!b->ops->get_supervisor_at(b->data, i, &info))
                        continue;
                path = steward_bus_object_path(STEWARD_SUPERVISOR_PATH_PREFIX, info.name);
                g_variant_builder_add(&list, "(ssso)", info.name, info.parent ? info.parent : "",
                                      steward_supervisor_state_to_string(info.state), path);
        }
        g_dbus_method_invocation_return_value(inv, g_variant_new("(a(ssso))", &list));
}

static void
method_get_child(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        const char *name;
        StewardChildInfo info;
        g_autofree char *path = NULL;

        g_variant_get(params, "(&s)", &name);
        if (!check_name(inv, name))
                return;
        if (!b->ops->get_child(b->data, name, &info)) {
                g_dbus_method_invocation_return_error(inv, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD,
                                                      _("No child '%s'"), name);
                return;
        }
        path = steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, name);
        g_dbus_method_invocation_return_value(inv, g_variant_new("(o)", path));
}

static void
method_get_supervisor(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        const char *name;
        StewardSupervisorInfo info;
        g_autofree char *path = NULL;

        g_variant_get(params, "(&s)", &name);
        if (!check_name(inv, name))
                return;
        if (!b->ops->get_supervisor(b->data, name, &info)) {
                g_dbus_method_invocation_return_error(inv, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_SUPERVISOR,
                                                      _("No supervisor '%s'"), name);
                return;
        }
        path = steward_bus_object_path(STEWARD_SUPERVISOR_PATH_PREFIX, name);
        g_dbus_method_invocation_return_value(inv, g_variant_new("(o)", path));
}

#define DEFINE_CHILD_COMMAND(fn, kind)                                              \
        static void fn(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params) \
        {                                                                           \
                const char *name, *reason;                                          \
                g_variant_get(params, "(&s&s)", &name, &reason);                    \
                queue_command(b, inv, kind, name, reason);                          \
        }

DEFINE_CHILD_COMMAND(method_start_child, STEWARD_COMMAND_START)
DEFINE_CHILD_COMMAND(method_stop_child, STEWARD_COMMAND_STOP)
DEFINE_CHILD_COMMAND(method_restart_child, STEWARD_COMMAND_RESTART)
DEFINE_CHILD_COMMAND(method_pause_child, STEWARD_COMMAND_PAUSE)
DEFINE_CHILD_COMMAND(method_resume_child, STEWARD_COMMAND_RESUME)
DEFINE_CHILD_COMMAND(method_quarantine_child, STEWARD_COMMAND_QUARANTINE)
DEFINE_CHILD_COMMAND(method_reload_child, STEWARD_COMMAND_RELOAD)
DEFINE_CHILD_COMMAND(method_resume_supervisor, STEWARD_COMMAND_RESUME_SUPERVISOR)

static void
method_reload(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        queue_request(b, inv, REQUEST_RELOAD, 0, NULL, NULL);
}

static void
method_add_child(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        g_autoptr(GVariant) options = NULL;
        const char *fragment, *key, *reason = NULL;
        gboolean persist = FALSE;
        GVariant *value;
        GVariantIter iter;
        PendingCommand *p;

        g_variant_get(params, "(&s@a{sv})", &fragment, &options);
        g_variant_iter_init(&iter, options);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                if (g_str_equal(key, "persist") && g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
                        persist = g_variant_get_boolean(value);
                else if (g_str_equal(key, "reason") && g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
                        reason = g_variant_get_string(value, NULL);
                else {
                        g_dbus_method_invocation_return_error(
                                inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                _("Unknown option '%s' of type '%s' (expected persist (b) or reason (s))"),
                                key, g_variant_get_type_string(value));
                        g_variant_unref(value);
                        return;
                }
        }
        p = pending_new(b, inv, REQUEST_ADD_CHILD, 0, NULL, reason);
        if (!p)
                return;
        p->fragment = g_strdup(fragment);
        p->persist = persist;
        pending_queue(p);
}

static void
method_remove_child(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        const char *name, *reason;

        g_variant_get(params, "(&s&s)", &name, &reason);
        queue_request(b, inv, REQUEST_REMOVE_CHILD, 0, name, reason);
}

static void
method_reexecute(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        queue_request(b, inv, REQUEST_REEXECUTE, 0, NULL, NULL);
}

static void
method_shutdown_tree(StewardBus *b, GDBusMethodInvocation *inv, GVariant *params)
{
        const char *reason;

        g_variant_get(params, "(&s)", &reason);
        queue_command(b, inv, STEWARD_COMMAND_SHUTDOWN, NULL, reason);
}

static const struct {
        const char *name;
        ManagerMethod handler;
} manager_methods[] = {
        { "ListChildren", method_list_children },
        { "ListSupervisors", method_list_supervisors },
        { "GetChild", method_get_child },
        { "GetSupervisor", method_get_supervisor },
        { "StartChild", method_start_child },
        { "StopChild", method_stop_child },
        { "RestartChild", method_restart_child },
        { "PauseChild", method_pause_child },
        { "ResumeChild", method_resume_child },
        { "QuarantineChild", method_quarantine_child },
        { "ReloadChild", method_reload_child },
        { "ResumeSupervisor", method_resume_supervisor },
        { "AddChild", method_add_child },
        { "RemoveChild", method_remove_child },
        { "Reload", method_reload },
        { "Reexecute", method_reexecute },
        { "ShutdownTree", method_shutdown_tree },
};

static void
manager_method_call(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                    const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer user_data)
{
        StewardBus *b = user_data;

        bus_input(b);
        for (guint i = 0; i < G_N_ELEMENTS(manager_methods); i++)
                if (g_str_equal(manager_methods[i].name, method)) {
                        manager_methods[i].handler(b, inv, params);
                        return;
                }
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                              _("Unknown method %s"), method);
}

static GVariant *
manager_get_property(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                     const char *property, GError **error, gpointer user_data)
{
        GVariant *v;

        bus_input(user_data);
        v = manager_property(user_data, property);
        if (!v)
                g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, _("Unknown property %s"),
                            property);
        return v;
}

static const GDBusInterfaceVTable manager_vtable = {
        .method_call = manager_method_call,
        .get_property = manager_get_property,
};

/* ---- child and supervisor objects --------------------------------------------- */

static const struct {
        const char *name;
        StewardCommandKind kind;
} child_methods[] = {
        { "Start", STEWARD_COMMAND_START },     { "Stop", STEWARD_COMMAND_STOP },
        { "Restart", STEWARD_COMMAND_RESTART }, { "Pause", STEWARD_COMMAND_PAUSE },
        { "Resume", STEWARD_COMMAND_RESUME },   { "Quarantine", STEWARD_COMMAND_QUARANTINE },
        { "Reload", STEWARD_COMMAND_RELOAD },
};

static void
child_method_call(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                  const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer user_data)
{
        g_autofree char *name = name_of_path(STEWARD_CHILD_PATH_PREFIX, path);
        const char *reason;

        g_variant_get(params, "(&s)", &reason);
        for (guint i = 0; i < G_N_ELEMENTS(child_methods); i++)
                if (g_str_equal(child_methods[i].name, method)) {
                        queue_command(user_data, inv, child_methods[i].kind, name, reason);
                        return;
                }
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                              _("Unknown method %s"), method);
}

static GVariant *
child_get_property(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                   const char *property, GError **error, gpointer user_data)
{
        StewardBus *b = user_data;
        g_autofree char *name = name_of_path(STEWARD_CHILD_PATH_PREFIX, path);
        StewardChildInfo info;
        GVariant *v;

        if (!name || !b->ops->get_child(b->data, name, &info)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD, _("No child '%s'"),
                            name ? name : path);
                return NULL;
        }
        v = child_property(b, &info, property);
        if (!v)
                g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, _("Unknown property %s"),
                            property);
        return v;
}

static const GDBusInterfaceVTable child_vtable = {
        .method_call = child_method_call,
        .get_property = child_get_property,
};

static void
supervisor_method_call(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                       const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer user_data)
{
        g_autofree char *name = name_of_path(STEWARD_SUPERVISOR_PATH_PREFIX, path);
        const char *reason;

        g_variant_get(params, "(&s)", &reason);
        queue_command(user_data, inv, STEWARD_COMMAND_RESUME_SUPERVISOR, name, reason);
}

static GVariant *
supervisor_get_property(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                        const char *property, GError **error, gpointer user_data)
{
        StewardBus *b = user_data;
        g_autofree char *name = name_of_path(STEWARD_SUPERVISOR_PATH_PREFIX, path);
        StewardSupervisorInfo info;
        GVariant *v;

        if (!name || !b->ops->get_supervisor(b->data, name, &info)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_SUPERVISOR, _("No supervisor '%s'"),
                            name ? name : path);
                return NULL;
        }
        v = supervisor_property(&info, property);
        if (!v)
                g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, _("Unknown property %s"),
                            property);
        return v;
}

static const GDBusInterfaceVTable supervisor_vtable = {
        .method_call = supervisor_method_call,
        .get_property = supervisor_get_property,
};

/* Subtree plumbing shared by children and supervisors. */
typedef struct {
        const char *prefix;
        gboolean children;
} SubtreeKind;

static const SubtreeKind child_kind = { STEWARD_CHILD_PATH_PREFIX, TRUE };
static const SubtreeKind supervisor_kind = { STEWARD_SUPERVISOR_PATH_PREFIX, FALSE };

static gboolean
subtree_has(StewardBus *b, const SubtreeKind *k, const char *name)
{

        if (k->children) {
                StewardChildInfo info;
                return b->ops->get_child(b->data, name, &info);
        } else {
                StewardSupervisorInfo info;
                return b->ops->get_supervisor(b->data, name, &info);
        }
}

static char **
subtree_enumerate(StewardBus *b, const SubtreeKind *k)
{
        g_autoptr(GStrvBuilder) nodes = g_strv_builder_new();
        guint n = k->children ? b->ops->get_n_children(b->data) : b->ops->get_n_supervisors(b->data);

        for (guint i = 0; i < n; i++) {
                const char *name = NULL;
                StewardChildInfo ci;
                StewardSupervisorInfo si;

                if (k->children && b->ops->get_child_at(b->data, i, &ci))
                        name = ci.name;
                else if (!k->children && b->ops->get_supervisor_at(b->data, i, &si))
                        name = si.name;
                if (name) {
                        g_autofree char *label = steward_bus_label_escape(name);
                        g_strv_builder_add(nodes, label);
                }
        }
        return g_strv_builder_end(nodes);
}

static char **
child_enumerate(GDBusConnection *bus, const char *sender, const char *path, gpointer user_data)
{
        return subtree_enumerate(user_data, &child_kind);
}

static char **
supervisor_enumerate(GDBusConnection *bus, const char *sender, const char *path, gpointer user_data)
{
        return subtree_enumerate(user_data, &supervisor_kind);
}

static GDBusInterfaceInfo **
subtree_introspect(StewardBus *b, const SubtreeKind *k, const char *node, GDBusInterfaceInfo *iface)
{
        g_autofree char *name = node ? steward_bus_label_unescape(node) : NULL;
        GDBusInterfaceInfo **ifaces;

        if (!name || !subtree_has(b, k, name))
                return NULL;
        ifaces = g_new0(GDBusInterfaceInfo *, 2);
        ifaces[0] = g_dbus_interface_info_ref(iface);
        return ifaces;
}

static GDBusInterfaceInfo **
child_introspect(GDBusConnection *bus, const char *sender, const char *path, const char *node,
                 gpointer user_data)
{
        StewardBus *b = user_data;

        return subtree_introspect(b, &child_kind, node, b->child_iface);
}

static GDBusInterfaceInfo **
supervisor_introspect(GDBusConnection *bus, const char *sender, const char *path, const char *node,
                      gpointer user_data)
{
        StewardBus *b = user_data;

        return subtree_introspect(b, &supervisor_kind, node, b->supervisor_iface);
}

static const GDBusInterfaceVTable *
subtree_dispatch(StewardBus *b, const SubtreeKind *k, const char *iface_name, const char *node,
                 const GDBusInterfaceVTable *vtable, const char *want_iface)
{
        g_autofree char *name = node ? steward_bus_label_unescape(node) : NULL;

        /* Once per call to a child or supervisor: a GetAll is one. */
        bus_input(b);
        if (!name || !g_str_equal(iface_name, want_iface) || !subtree_has(b, k, name))
                return NULL;
        return vtable;
}

static const GDBusInterfaceVTable *
child_dispatch(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
               const char *node, gpointer *out_user_data, gpointer user_data)
{
        *out_user_data = user_data;
        return subtree_dispatch(user_data, &child_kind, iface, node, &child_vtable, STEWARD_CHILD_INTERFACE);
}

static const GDBusInterfaceVTable *
supervisor_dispatch(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                    const char *node, gpointer *out_user_data, gpointer user_data)
{
        *out_user_data = user_data;
        return subtree_dispatch(user_data, &supervisor_kind, iface, node, &supervisor_vtable,
                                STEWARD_SUPERVISOR_INTERFACE);
}

/* Registered with G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES:
 * without it GDBus calls enumerate() for every call to an object below the
 * prefix, to look the node up in the list, and a GetAll of one child cost
 * an escaped copy of every child's name (a millisecond and a half at
 * 10,000 children, 15 s of a `stewardctl status` of the whole tree).
 * introspect() and dispatch() look the one name up themselves, so a call to
 * a name the tree does not have is still answered UnknownMethod; only
 * Introspect of the prefix itself enumerates. */
static const GDBusSubtreeVTable child_subtree_vtable = {
        .enumerate = child_enumerate,
        .introspect = child_introspect,
        .dispatch = child_dispatch,
};

static const GDBusSubtreeVTable supervisor_subtree_vtable = {
        .enumerate = supervisor_enumerate,
        .introspect = supervisor_introspect,
        .dispatch = supervisor_dispatch,
};

/* ---- signals ------------------------------------------------------------------ */

/* The one place PropertiesChanged is sent: @names are looked up through
 * @get, so the values are what a Get would answer. */
static void
emit_properties_changed(StewardBus *b, const char *path, const char *iface, const char *const *names,
                        GVariant *(*get)(StewardBus *b, gconstpointer info, const char *property),
                        gconstpointer info)
{
        GVariantBuilder changed;
        gboolean any = FALSE;

        g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
        for (const char *const *n = names; *n; n++) {
                GVariant *v = get(b, info, *n);
                if (v) {
                        g_variant_builder_add(&changed, "{sv}", *n, v);
                        any = TRUE;
                }
        }
        if (!any) {
                g_variant_builder_clear(&changed);
                return;
        }
        (void) g_dbus_connection_emit_signal(b->bus, NULL, path, DBUS_PROPERTIES_INTERFACE,
                                             "PropertiesChanged",
                                             g_variant_new("(sa{sv}as)", iface, &changed, NULL), NULL);
}

static GVariant *
get_child_property(StewardBus *b, gconstpointer info, const char *property)
{
        return child_property(b, info, property);
}

static GVariant *
get_supervisor_property(StewardBus *b, gconstpointer info, const char *property)
{
        return supervisor_property(info, property);
}

static GVariant *
get_manager_property(StewardBus *b, gconstpointer info, const char *property)
{
        return manager_property(b, property);
}

static const struct {
        guint bit;
        const char *names[5];
} child_property_bits[] = {
        { STEWARD_PROPERTY_STATE, { "State" } },
        { STEWARD_PROPERTY_GENERATION, { "Generation" } },
        { STEWARD_PROPERTY_ATTEMPT, { "Attempt" } },
        { STEWARD_PROPERTY_MAIN_PID, { "MainPID" } },
        { STEWARD_PROPERTY_READY, { "Ready" } },
        { STEWARD_PROPERTY_STATUS_TEXT, { "StatusText" } },
        { STEWARD_PROPERTY_STATUS_ERRNO, { "StatusErrno" } },
        { STEWARD_PROPERTY_LAST_EXIT, { "LastExitCode", "LastExitStatus", "LastExitCause" } },
        { STEWARD_PROPERTY_RESTART_COUNT, { "RestartCount" } },
        { STEWARD_PROPERTY_NEXT_RESTART, { "NextRestartUSec" } },
        { STEWARD_PROPERTY_FENCE_STATE, { "FenceState" } },
        { STEWARD_PROPERTY_LAST_SPAWN_ERROR, { "LastSpawnError" } },
        { STEWARD_PROPERTY_HEALTH, { "Health" } },
        { STEWARD_PROPERTY_RESTART_BUDGET,
          { "RestartsInWindow", "RestartsRemaining", "RestartWindowExpiryUSec", "RestartLimitBurst",
            "RestartLimitIntervalUSec" } },
        { STEWARD_PROPERTY_EXTRA_UNIT, { "Unit" } },
        { STEWARD_PROPERTY_EXTRA_ROLE, { "Role" } },
};

static void
child_changed_now(StewardBus *b, const char *child, guint changed)
{
        g_autofree char *path = steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, child);
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        StewardChildInfo info;

        if (!b->ops->get_child(b->data, child, &info))
                return;
        for (guint i = 0; i < G_N_ELEMENTS(child_property_bits); i++)
                if (changed & child_property_bits[i].bit)
                        for (guint j = 0; j < G_N_ELEMENTS(child_property_bits[i].names) &&
                                          child_property_bits[i].names[j];
                             j++)
                                if (!g_ptr_array_find_with_equal_func(names, child_property_bits[i].names[j],
                                                                      g_str_equal, NULL))
                                        g_ptr_array_add(names, (gpointer) child_property_bits[i].names[j]);
        g_ptr_array_add(names, NULL);
        emit_properties_changed(b, path, STEWARD_CHILD_INTERFACE, (const char *const *) names->pdata,
                                get_child_property, &info);
}

static gboolean
on_status_idle(gpointer user_data)
{
        StewardBus *b = user_data;
        GHashTableIter iter;
        gpointer child;

        b->status_idle = 0;
        g_hash_table_iter_init(&iter, b->status_pending);
        while (g_hash_table_iter_next(&iter, &child, NULL)) {
                g_hash_table_iter_remove(&iter);
                child_changed_now(b, child, STEWARD_PROPERTY_STATUS_TEXT);
        }
        return G_SOURCE_REMOVE;
}

void
steward_bus_child_changed(StewardBus *b, const char *child, guint changed)
{
        const char *name = g_intern_string(child);

        /* The value sent is read when the signal goes out: the latest. */
        if (changed == STEWARD_PROPERTY_STATUS_TEXT) {
                g_hash_table_add(b->status_pending, (gpointer) name);
                if (!b->status_idle)
                        b->status_idle = g_idle_add(on_status_idle, b);
                return;
        }
        if (g_hash_table_remove(b->status_pending, name))
                changed |= STEWARD_PROPERTY_STATUS_TEXT;
        child_changed_now(b, child, changed);
}

void
steward_bus_supervisor_changed(StewardBus *b, const char *supervisor, guint changed)
{
        const char *names[6];
        guint n = 0;
        g_autofree char *path = steward_bus_object_path(STEWARD_SUPERVISOR_PATH_PREFIX, supervisor);
        StewardSupervisorInfo info;

        if (!b->ops->get_supervisor(b->data, supervisor, &info))
                return;
        /* RestartCount went out with State before the budget had a bit of
         * its own: it still does. */
        if (changed & STEWARD_PROPERTY_STATE)
                names[n++] = "State";
        names[n++] = "RestartCount";
        if (changed & STEWARD_PROPERTY_RESTART_BUDGET) {
                names[n++] = "RestartsInWindow";
                names[n++] = "RestartsRemaining";
                names[n++] = "RestartWindowExpiryUSec";
        }
        names[n] = NULL;
        emit_properties_changed(b, path, STEWARD_SUPERVISOR_INTERFACE, names, get_supervisor_property,
                                &info);
}

void
steward_bus_manager_changed(StewardBus *b, guint changed)
{
        const char *names[4];
        guint n = 0;

        if (changed & STEWARD_PROPERTY_STATE)
                names[n++] = "State";
        if (changed & STEWARD_PROPERTY_CHILD_COUNT)
                names[n++] = "ChildCount";
        if (changed & STEWARD_PROPERTY_EXTRA_CONFIG_FILES)
                names[n++] = "ConfigFiles";
        names[n] = NULL;
        if (n == 0)
                return;
        emit_properties_changed(b, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, names,
                                get_manager_property, NULL);
}

void
steward_bus_emit_event(StewardBus *b, guint64 sequence, const StewardEvent *ev, const char *unit)
{
        GVariantBuilder f;
        guint m = ev->fields;

        b->events_total++;
        g_variant_builder_init(&f, G_VARIANT_TYPE("a{sv}"));
        if (m & STEWARD_EVENT_FIELD_SUPERVISOR && ev->supervisor)
                g_variant_builder_add(&f, "{sv}", "supervisor", g_variant_new_string(ev->supervisor));
        if (m & STEWARD_EVENT_FIELD_ATTEMPT)
                g_variant_builder_add(&f, "{sv}", "attempt", g_variant_new_uint64(ev->attempt));
        if (unit)
                g_variant_builder_add(&f, "{sv}", "unit", g_variant_new_string(unit));
        if (m & STEWARD_EVENT_FIELD_MAIN_PID)
                g_variant_builder_add(&f, "{sv}", "main_pid", g_variant_new_uint32(ev->main_pid));
        if (m & STEWARD_EVENT_FIELD_COMMAND_ID && ev->command_id)
                g_variant_builder_add(&f, "{sv}", "command_id", g_variant_new_string(ev->command_id));
        if (m & STEWARD_EVENT_FIELD_REASON && ev->reason)
                g_variant_builder_add(&f, "{sv}", "reason", g_variant_new_string(ev->reason));
        if (m & STEWARD_EVENT_FIELD_DECISION)
                g_variant_builder_add(&f, "{sv}", "decision",
                                      g_variant_new_string(steward_decision_to_string(ev->decision)));
        if (m & STEWARD_EVENT_FIELD_EXIT) {
                g_variant_builder_add(&f, "{sv}", "exit_code",
                                      g_variant_new_string(steward_exit_code_to_string(ev->exit_code)));
                g_variant_builder_add(&f, "{sv}", "exit_status", g_variant_new_int32(ev->exit_status));
                if (ev->exit_cause != STEWARD_EXIT_CAUSE_NONE)
                        g_variant_builder_add(
                                &f, "{sv}", "exit_cause",
                                g_variant_new_string(steward_exit_cause_to_string(ev->exit_cause)));
        }
        if (m & STEWARD_EVENT_FIELD_ACTOR) {
                g_variant_builder_add(&f, "{sv}", "actor_uid", g_variant_new_uint32(ev->actor_uid));
                g_variant_builder_add(&f, "{sv}", "actor_pid", g_variant_new_uint32(ev->actor_pid));
                g_variant_builder_add(&f, "{sv}", "actor_comm",
                                      g_variant_new_string(ev->actor_comm ? ev->actor_comm : ""));
        }
        if (m & STEWARD_EVENT_FIELD_ERROR && ev->error)
                g_variant_builder_add(&f, "{sv}", "error", g_variant_new_string(ev->error));
        if (m & STEWARD_EVENT_FIELD_TARGET_GENERATION)
                g_variant_builder_add(&f, "{sv}", "target_generation",
                                      g_variant_new_uint64(ev->target_generation));
        if (m & STEWARD_EVENT_FIELD_DELAY)
                g_variant_builder_add(&f, "{sv}", "delay_usec", g_variant_new_uint64(ev->delay_usec));
        if (m & STEWARD_EVENT_FIELD_STATUS_TEXT && ev->status_text)
                g_variant_builder_add(&f, "{sv}", "status_text", g_variant_new_string(ev->status_text));
        if (m & STEWARD_EVENT_FIELD_SIGNAL)
                g_variant_builder_add(&f, "{sv}", "signal", g_variant_new_int32(ev->signal));
        if (m & STEWARD_EVENT_FIELD_MERGED)
                g_variant_builder_add(&f, "{sv}", "merged", g_variant_new_uint32(ev->merged));
        if (m & STEWARD_EVENT_FIELD_SUPPRESSED)
                g_variant_builder_add(&f, "{sv}", "suppressed", g_variant_new_uint64(ev->suppressed));

        (void) g_dbus_connection_emit_signal(
                b->bus, NULL, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "Event",
                g_variant_new("(tssta{sv})", sequence, steward_event_kind_to_string(ev->kind),
                              ev->child ? ev->child : "",
                              (m & STEWARD_EVENT_FIELD_GENERATION) ? ev->generation : 0, &f),
                NULL);
}

/* ---- setup --------------------------------------------------------------------- */

StewardBus *
steward_bus_new(GDBusConnection *bus, const StewardBusOps *ops, gpointer user_data, GError **error)
{
        g_autoptr(GBytes) xml = NULL;
        StewardBus *b;

        static gsize registered = 0;

        (void) STEWARD_ERROR; /* registers the error names before any reply */
        if (g_once_init_enter(&registered))
                /* Registered by hand: a constructor in a static library's
                 * object may never be linked in. */
                g_once_init_leave(&registered, (steward_register_resource(), 1));
        xml = g_resources_lookup_data(INTERFACE_XML_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
        if (!xml)
                return NULL;

        b = g_new0(StewardBus, 1);
        b->bus = g_object_ref(bus);
        b->ops = ops;
        b->data = user_data;
        b->cancellable = g_cancellable_new();
        b->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        b->status_pending = g_hash_table_new(g_direct_hash, g_direct_equal);
        b->node = g_dbus_node_info_new_for_xml(g_bytes_get_data(xml, NULL), error);
        if (!b->node) {
                steward_bus_free(b);
                return NULL;
        }
        b->manager_iface = g_dbus_node_info_lookup_interface(b->node, STEWARD_MANAGER_INTERFACE);
        b->child_iface = g_dbus_node_info_lookup_interface(b->node, STEWARD_CHILD_INTERFACE);
        b->supervisor_iface = g_dbus_node_info_lookup_interface(b->node, STEWARD_SUPERVISOR_INTERFACE);
        g_assert(b->manager_iface && b->child_iface && b->supervisor_iface);

        b->manager_registration = g_dbus_connection_register_object(
                bus, STEWARD_OBJECT_PATH, b->manager_iface, &manager_vtable, b, NULL, error);
        if (!b->manager_registration) {
                steward_bus_free(b);
                return NULL;
        }
        b->child_subtree = g_dbus_connection_register_subtree(
                bus, STEWARD_CHILD_PATH_PREFIX, &child_subtree_vtable,
                G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES, b, NULL, error);
        if (!b->child_subtree) {
                steward_bus_free(b);
                return NULL;
        }
        b->supervisor_subtree = g_dbus_connection_register_subtree(
                bus, STEWARD_SUPERVISOR_PATH_PREFIX, &supervisor_subtree_vtable,
                G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES, b, NULL, error);
        if (!b->supervisor_subtree) {
                steward_bus_free(b);
                return NULL;
        }
        return b;
}

void
steward_bus_free(StewardBus *b)
{
        if (!b)
                return;
        g_cancellable_cancel(b->cancellable);
        g_queue_clear_full(&b->parked, (GDestroyNotify) pending_command_free);
        g_clear_pointer(&b->pending, g_hash_table_unref);
        g_clear_handle_id(&b->status_idle, g_source_remove);
        g_clear_pointer(&b->status_pending, g_hash_table_unref);
        if (b->manager_registration)
                g_dbus_connection_unregister_object(b->bus, b->manager_registration);
        if (b->child_subtree)
                g_dbus_connection_unregister_subtree(b->bus, b->child_subtree);
        if (b->supervisor_subtree)
                g_dbus_connection_unregister_subtree(b->bus, b->supervisor_subtree);
        g_clear_pointer(&b->node, g_dbus_node_info_unref);
        g_clear_object(&b->cancellable);
        g_clear_object(&b->bus);
        g_free(b);
}
