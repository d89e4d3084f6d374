/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-bus.c: the org.steward.Supervisor1 objects on the bus: methods, properties, signals.
 *
 * Served with sd-bus from stewardd's main loop, as systemd serves its own
 * objects. The vtables below are what dbus/org.steward.Supervisor1.xml
 * documents; test-bus compares the introspection sd-bus writes from them
 * with that file, member by member.
 *
 * Why not GDBus: every signal is an Event or a PropertiesChanged of a
 * child, and a bring-up of one child sends five, a restart twelve. GDBus
 * built each as a tree of GVariants, walked it again into a message, and
 * handed it to its worker thread, which had a heap arena of its own: about
 * 230 allocations and 85 us of CPU a signal, most of stewardd's
 * allocations in a bring-up. sd-bus writes the message in place and sends
 * it from this thread: about 30 allocations and 9 us. A restart of 3,000
 * children cost stewardd 2.2 ms of CPU a child instead of 3.4 to 3.6, and
 * left it 4 MB smaller (docs/ARCHITECTURE.md, "The bus API on sd-bus").
 *
 * Children and supervisors are fallback objects: they exist exactly as long
 * as the engine knows them, with nothing to register or unregister. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "steward-auth.h"
#include "steward-bus.h"
#include "steward-names.h"
#include "steward-sd-bus.h"
#include "steward-util.h"

/* A connection the objects are served on: the bus, or a client's own
 * (steward_bus_add_direct()). */
typedef struct {
        StewardBus *owner;
        sd_bus *bus;
        sd_bus_slot *slots[5]; /* the objects and the enumerators */
        /* A direct connection's: its source in the main loop, which tells
         * of its end, Hello's object, and the idle source that drops it. */
        GSource *source;
        sd_bus_slot *hello;
        guint64 serial; /* the name Hello answers */
        guint drop_idle;
} Connection;

static void connection_check_queue(Connection *c);

struct _StewardBus {
        const StewardBusOps *ops;
        gpointer data;
        /* The bus's (when there is one) first, then the direct ones. */
        GPtrArray *connections; /* of Connection* */
        guint64 n_direct_total; /* since stewardd started */
        /* The child or supervisor a call or a PropertiesChanged is about,
         * looked up once by the object's find callback (sd-bus calls it
         * before any method or getter of the object): its strings are the
         * engine's, valid until the next call into @ops. */
        StewardChildInfo child;
        StewardSupervisorInfo supervisor;
        /* Mutating calls waiting for their caller's credentials. */
        GQueue asking; /* of PendingCommand* */
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
        /* In sd_bus_emit_properties_changed_strv(), which looks the object
         * up and reads the values as a call would: not a call. */
        gboolean emitting;
};

/* ---- errors ---------------------------------------------------------------- */

/* Every failure goes out under its registered name (steward-error.h), the
 * name GDBus would give it: steward_error_to_dbus(), then GIO's table. */
static int
reply_gerror(sd_bus_message *call, const GError *error)
{
        g_autoptr(GError) sent = steward_error_to_dbus(error);
        g_autofree char *name = g_dbus_error_encode_gerror(sent);

        return sd_bus_reply_method_errorf(call, name, "%s", sent->message);
}

static int G_GNUC_PRINTF(4, 5)
        reply_error(sd_bus_message *call, GQuark domain, int code, const char *format, ...)
{
        g_autoptr(GError) error = NULL;
        va_list ap;

        va_start(ap, format);
        error = g_error_new_valist(domain, code, format, ap);
        va_end(ap);
        return reply_gerror(call, error);
}

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
static int
append_budget(sd_bus_message *reply, guint burst, guint64 interval_usec, const guint64 *window,
              guint n_window, const char *property)
{
        guint used, remaining;
        guint64 expiry;

        if (g_str_equal(property, "RestartLimitBurst"))
                return sd_bus_message_append(reply, "u", (uint32_t) burst);
        if (g_str_equal(property, "RestartLimitIntervalUSec"))
                return sd_bus_message_append(reply, "t", (uint64_t) interval_usec);
        steward_restart_budget(burst, interval_usec, window, n_window, g_get_monotonic_time(), &used,
                               &remaining, &expiry);
        if (g_str_equal(property, "RestartsInWindow"))
                return sd_bus_message_append(reply, "u", (uint32_t) used);
        if (g_str_equal(property, "RestartsRemaining"))
                return sd_bus_message_append(reply, "u", (uint32_t) remaining);
        if (g_str_equal(property, "RestartWindowExpiryUSec"))
                return sd_bus_message_append(reply, "t", (uint64_t) realtime_of(expiry));
        return -ENOENT;
}

static int
append_string(sd_bus_message *reply, const char *s)
{
        return sd_bus_message_append_basic(reply, 's', s ? s : "");
}

static int
append_child_property(StewardBus *b, const StewardChildInfo *info, const char *property,
                      sd_bus_message *reply)
{
        if (g_str_equal(property, "Name"))
                return append_string(reply, info->name);
        if (g_str_equal(property, "Supervisor"))
                return append_string(reply, info->supervisor);
        if (g_str_equal(property, "Role"))
                return append_string(reply, steward_role_to_string(info->role));
        if (g_str_equal(property, "State"))
                return append_string(reply, steward_child_state_to_string(info->state));
        if (g_str_equal(property, "Generation"))
                return sd_bus_message_append(reply, "t", (uint64_t) info->generation);
        if (g_str_equal(property, "Attempt"))
                return sd_bus_message_append(reply, "t", (uint64_t) info->attempt);
        if (g_str_equal(property, "MainPID"))
                return sd_bus_message_append(reply, "u", (uint32_t) info->main_pid);
        if (g_str_equal(property, "Unit"))
                return append_string(reply, b->ops->get_unit(b->data, info->name));
        if (g_str_equal(property, "Ready"))
                return sd_bus_message_append(reply, "b", (int) info->ready);
        if (g_str_equal(property, "StatusText"))
                return append_string(reply, info->status_text);
        if (g_str_equal(property, "StatusErrno"))
                return sd_bus_message_append(reply, "i", (int32_t) info->status_errno);
        if (g_str_equal(property, "LastSpawnError"))
                return append_string(reply, info->last_spawn_error);
        if (g_str_equal(property, "Health"))
                return append_string(reply, steward_child_health_to_string(info->health));
        if (g_str_equal(property, "LastExitCode"))
                return append_string(reply, steward_exit_code_to_string(info->last_exit_code));
        if (g_str_equal(property, "LastExitStatus"))
                return sd_bus_message_append(reply, "i", (int32_t) info->last_exit_status);
        if (g_str_equal(property, "LastExitCause"))
                return append_string(reply, steward_exit_cause_to_string(info->last_exit_cause));
        if (g_str_equal(property, "RestartCount"))
                return sd_bus_message_append(reply, "u", (uint32_t) info->restart_count);
        if (g_str_equal(property, "NextRestartUSec"))
                return sd_bus_message_append(reply, "t", (uint64_t) realtime_of(info->next_restart_usec));
        if (g_str_equal(property, "FenceState"))
                return append_string(reply, steward_fence_state_to_string(info->fence_state));
        if (g_str_equal(property, "FenceWaits"))
                return sd_bus_message_append(reply, "t", (uint64_t) info->fence_waits);
        if (g_str_equal(property, "FenceWaitUSec"))
                return sd_bus_message_append(
                        reply, "t", (uint64_t) steward_child_fence_wait_usec(info, g_get_monotonic_time()));
        return append_budget(reply, info->restart_limit_burst, info->restart_limit_interval_usec,
                             info->restart_window, info->n_restart_window, property);
}

static int
append_supervisor_property(const StewardSupervisorInfo *info, const char *property, sd_bus_message *reply)
{
        if (g_str_equal(property, "Name"))
                return append_string(reply, info->name);
        if (g_str_equal(property, "Parent"))
                return append_string(reply, info->parent);
        if (g_str_equal(property, "Strategy"))
                return append_string(reply, steward_strategy_to_string(info->strategy));
        if (g_str_equal(property, "Escalation"))
                return append_string(reply, steward_escalation_to_string(info->escalation));
        if (g_str_equal(property, "State"))
                return append_string(reply, steward_supervisor_state_to_string(info->state));
        if (g_str_equal(property, "RestartCount"))
                return sd_bus_message_append(reply, "u", (uint32_t) info->restart_count);
        return append_budget(reply, info->restart_limit_burst, info->restart_limit_interval_usec,
                             info->restart_window, info->n_restart_window, property);
}

static int
append_manager_property(StewardBus *b, const char *property, sd_bus_message *reply)
{
        if (g_str_equal(property, "Version"))
                return append_string(reply, PACKAGE_VERSION);
        if (g_str_equal(property, "Mode"))
                return append_string(reply, steward_mode_to_string(b->ops->get_mode(b->data)));
        if (g_str_equal(property, "Backend"))
                return append_string(reply, b->ops->get_backend_name(b->data));
        if (g_str_equal(property, "State"))
                return append_string(reply, steward_tree_state_to_string(b->ops->get_tree_state(b->data)));
        if (g_str_equal(property, "ChildCount"))
                return sd_bus_message_append(reply, "u", (uint32_t) b->ops->get_n_children(b->data));
        if (g_str_equal(property, "ConfigFiles"))
                return sd_bus_message_append_strv(reply, (char **) b->ops->get_config_files(b->data));
        if (g_str_equal(property, "EventsTotal"))
                return sd_bus_message_append(reply, "t", (uint64_t) b->events_total);
        if (g_str_equal(property, "NotifyMessagesDropped"))
                return sd_bus_message_append(
                        reply, "t",
                        (uint64_t) (b->ops->get_notify_dropped ? b->ops->get_notify_dropped(b->data) : 0));
        if (g_str_equal(property, "JournalEntriesLost"))
                return sd_bus_message_append(reply, "t",
                                             (uint64_t) (b->log ? steward_log_get_failures(b->log) : 0));
        if (g_str_equal(property, "CallsDenied"))
                return sd_bus_message_append(reply, "t", (uint64_t) b->calls_denied);
        return -ENOENT;
}

/* An a{sv} entry of a string. */
static int
append_entry_string(sd_bus_message *m, const char *key, const char *value)
{
        return sd_bus_message_append(m, "{sv}", key, "s", value ? value : "");
}

static int
append_entry_strv(sd_bus_message *m, const char *key, char **value)
{
        int r;

        if ((r = sd_bus_message_open_container(m, 'e', "sv")) < 0 ||
            (r = sd_bus_message_append_basic(m, 's', key)) < 0 ||
            (r = sd_bus_message_open_container(m, 'v', "as")) < 0 ||
            (r = sd_bus_message_append_strv(m, value)) < 0 || (r = sd_bus_message_close_container(m)) < 0)
                return r;
        return sd_bus_message_close_container(m);
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

/* A mutating method waiting for its caller's credentials, or for the tree. */
typedef struct {
        StewardBus *bus;
        sd_bus_message *call;
        RequestKind request;
        StewardCommandKind kind; /* REQUEST_COMMAND */
        char *target;
        char *reason;
        char *fragment; /* REQUEST_ADD_CHILD */
        gboolean persist; /* REQUEST_ADD_CHILD */
        StewardCaller *caller; /* parked: who asked */
        char *sender; /* counted in bus->pending */
        sd_bus_slot *lookup; /* GetConnectionCredentials in flight; in bus->asking */
} PendingCommand;

static void
pending_command_free(PendingCommand *p)
{
        if (!p)
                return;
        if (p->lookup) {
                /* Not answered yet: the answer will not be looked at. */
                p->lookup = sd_bus_slot_unref(p->lookup);
                g_queue_remove(&p->bus->asking, p);
        }
        if (p->sender) {
                guint n = GPOINTER_TO_UINT(g_hash_table_lookup(p->bus->pending, p->sender));

                if (n > 1)
                        g_hash_table_insert(p->bus->pending, g_strdup(p->sender), GUINT_TO_POINTER(n - 1));
                else
                        g_hash_table_remove(p->bus->pending, p->sender);
                g_free(p->sender);
        }
        g_clear_pointer(&p->caller, steward_caller_free);
        sd_bus_message_unref(p->call);
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

static int
reply_shutting_down(sd_bus_message *call)
{
        return reply_error(call, STEWARD_ERROR, STEWARD_ERROR_SHUTTING_DOWN, "%s",
                           _("The tree is shutting down"));
}

static int
run_reload(StewardBus *b, sd_bus_message *call, const StewardActor *actor)
{
        g_auto(GStrv) added = NULL, removed = NULL, changed = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        if (b->ops->is_shutting_down(b->data))
                return reply_shutting_down(call);
        if (!b->ops->reload(b->data, actor, &added, &removed, &changed, &error))
                return reply_gerror(call, error);
        if ((r = sd_bus_message_new_method_return(call, &reply)) < 0 ||
            (r = sd_bus_message_open_container(reply, 'a', "{sv}")) < 0 ||
            (r = append_entry_strv(reply, "added", added)) < 0 ||
            (r = append_entry_strv(reply, "removed", removed)) < 0 ||
            (r = append_entry_strv(reply, "changed", changed)) < 0 ||
            (r = sd_bus_message_close_container(reply)) < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* AddChild and RemoveChild; also parked during an adoption, and run in
 * the main loop like Reload, so neither can interleave with one. */
static int
run_child_change(PendingCommand *p, const StewardActor *actor)
{
        StewardBus *b = p->bus;
        g_auto(StewardChildChange) change = { 0 };
        g_autoptr(GError) error = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        StewardChildInfo info;
        gboolean ok;
        int r;

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
                return reply_gerror(p->call, error);
        }
        if ((r = sd_bus_message_new_method_return(p->call, &reply)) < 0 ||
            (r = sd_bus_message_open_container(reply, 'a', "{sv}")) < 0 ||
            (r = append_entry_string(reply, "command_id", change.command_id)) < 0 ||
            (r = append_entry_string(reply, "child", change.child)) < 0 ||
            (r = append_entry_string(reply, "supervisor", change.supervisor)) < 0 ||
            (r = append_entry_string(reply, "file", change.file)) < 0)
                return r;
        if (p->request == REQUEST_ADD_CHILD && b->ops->get_child(b->data, change.child, &info))
                r = sd_bus_message_append(reply, "{sv}{sv}", "state", "s",
                                          steward_child_state_to_string(info.state), "generation", "t",
                                          (uint64_t) info.generation);
        else if (p->request == REQUEST_REMOVE_CHILD)
                r = sd_bus_message_append(reply, "{sv}", "gone", "b",
                                          (int) !b->ops->get_child(b->data, change.child, &info));
        if (r < 0 || (r = sd_bus_message_close_container(reply)) < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int
reply_outcome(sd_bus_message *call, const StewardCommandOutcome *o, const char *command_id,
              const char *state)
{
        return sd_bus_reply_method_return(
                call, "a{sv}", 9, "decision", "s", steward_decision_to_string(o->decision), "idempotent",
                "b", (int) o->idempotent, "command_id", "s", command_id, "state", "s", state, "generation",
                "t", (uint64_t) o->generation, "attempt", "t", (uint64_t) o->attempt, "target_generation",
                "t", (uint64_t) o->target_generation, "cancel_delivered", "b", (int) o->cancel_delivered,
                "merged", "u", (uint32_t) o->merged);
}

static int
run_command(PendingCommand *p, const StewardCaller *caller)
{
        StewardBus *b = p->bus;
        StewardActor actor = steward_caller_actor(caller);
        StewardCommandOutcome outcome = { 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *command_id = NULL;

        switch (p->request) {
        case REQUEST_RELOAD:
                return run_reload(b, p->call, &actor);
        case REQUEST_ADD_CHILD:
        case REQUEST_REMOVE_CHILD:
                if (b->ops->is_shutting_down(b->data))
                        return reply_shutting_down(p->call);
                return run_child_change(p, &actor);
        case REQUEST_REEXECUTE:
                if (b->ops->is_shutting_down(b->data))
                        return reply_shutting_down(p->call);
                if (!b->ops->reexecute(b->data, &actor, &error))
                        return reply_gerror(p->call, error);
                return sd_bus_reply_method_return(p->call, NULL);
        case REQUEST_COMMAND:
                break;
        }
        if (!b->ops->command(b->data, p->kind, p->target, p->reason, &actor, &outcome, &command_id, &error))
                return reply_gerror(p->call, error);
        return reply_outcome(p->call, &outcome, command_id, command_state(p->kind, &outcome));
}

static void
on_caller(StewardCaller *found, const GError *lookup_error, gpointer user_data)
{
        g_autoptr(PendingCommand) p = user_data;
        g_autoptr(StewardCaller) caller = found;
        StewardBus *b = p->bus;
        StewardActor actor;
        StewardAuthRule rule;

        /* Answered: its slot goes with the answer. */
        p->lookup = sd_bus_slot_unref(p->lookup);
        g_queue_remove(&b->asking, p);
        if (!caller) {
                b->calls_denied++;
                (void) reply_error(p->call, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                   _("Cannot tell who the caller is: %s"), lookup_error->message);
                return;
        }
        rule = (StewardAuthRule){ .mode = b->ops->get_mode(b->data),
                                  .owner_uid = getuid(),
                                  .allowed_gid = b->ops->get_allowed_gid(b->data) };
        if (!steward_caller_may_manage(caller, &rule)) {
                actor = steward_caller_actor(caller);
                b->calls_denied++;
                b->ops->command_denied(b->data, sd_bus_message_get_member(p->call), p->target, &actor);
                (void) reply_error(p->call, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                   _("uid %u may not manage steward"), caller->uid);
                return;
        }
        /* A command during the adoption of a previous run's children
         * would act on a tree that does not know them yet. */
        if (!b->started) {
                p->caller = g_steal_pointer(&caller);
                g_queue_push_tail(&b->parked, g_steal_pointer(&p));
                return;
        }
        (void) run_command(p, caller);
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
        if (b->memory && !b->emitting)
                steward_memory_input(b->memory);
}

void
steward_bus_tree_started(StewardBus *b)
{
        PendingCommand *p;

        b->started = TRUE;
        while ((p = g_queue_pop_head(&b->parked))) {
                (void) run_command(p, p->caller);
                pending_command_free(p);
        }
}

/* Whether @name may name a child or a supervisor; if not, the call is answered. */
static gboolean
check_name(sd_bus_message *call, const char *name, int *r)
{
        if (steward_name_is_valid(name))
                return TRUE;
        *r = reply_error(call, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                         _("Invalid name '%s': expected 1 to %d characters of [A-Za-z0-9_.-]"), name,
                         STEWARD_NAME_MAX);
        return FALSE;
}

static gboolean
check_reason(sd_bus_message *call, const char *reason, int *r)
{
        if (*reason && strlen(reason) <= STEWARD_REASON_MAX)
                return TRUE;
        *r = reply_error(call, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                         _("The reason must be 1 to %d bytes"), STEWARD_REASON_MAX);
        return FALSE;
}

/* Whose calls @call counts with: its sender on the bus; on a direct
 * connection, which has no sender and one client, the connection (the
 * call holds it, so no other can have its address meanwhile). */
static char *
pending_key(sd_bus_message *call)
{
        const char *sender = sd_bus_message_get_sender(call);
        sd_bus *bus = sd_bus_message_get_bus(call);

        if (sender)
                return g_strdup(sender);
        return bus ? g_strdup_printf("direct %p", (void *) bus) : NULL;
}

/* Checks the arguments; NULL when they were refused (and answered, *@r). */
static PendingCommand *
pending_new(StewardBus *b, sd_bus_message *call, RequestKind request, StewardCommandKind kind,
            const char *target, const char *reason, int *r)
{
        g_autofree char *sender = pending_key(call);
        PendingCommand *p;
        guint n;

        if (target && !check_name(call, target, r))
                return NULL;
        if (reason && !check_reason(call, reason, r))
                return NULL;
        /* Each waits for the bus daemon or for the tree: on the system
         * bus any caller could otherwise queue without end. */
        n = sender ? GPOINTER_TO_UINT(g_hash_table_lookup(b->pending, sender)) : 0;
        if (n >= STEWARD_BUS_PENDING_PER_SENDER_MAX) {
                b->calls_denied++;
                *r = reply_error(call, G_DBUS_ERROR, G_DBUS_ERROR_LIMITS_EXCEEDED,
                                 _("Too many calls of this connection in progress (at most %d)"),
                                 STEWARD_BUS_PENDING_PER_SENDER_MAX);
                return NULL;
        }
        p = g_new0(PendingCommand, 1);
        if (sender) {
                g_hash_table_insert(b->pending, g_strdup(sender), GUINT_TO_POINTER(n + 1));
                p->sender = g_steal_pointer(&sender);
        }
        p->bus = b;
        p->call = sd_bus_message_ref(call);
        p->request = request;
        p->kind = kind;
        p->target = g_strdup(target);
        p->reason = g_strdup(reason);
        return p;
}

/* Checks the caller, then runs the request. */
static int
pending_queue(PendingCommand *p)
{
        StewardBus *b = p->bus;
        sd_bus *bus = sd_bus_message_get_bus(p->call);
        int r;

        /* A direct client: the kernel vouches for it, now. */
        if (bus && !sd_bus_is_bus_client(bus)) {
                g_autoptr(GError) error = NULL;
                StewardCaller *caller = steward_caller_of_peer(p->call, &error);

                on_caller(caller, error, p);
                return 1;
        }
        r = steward_caller_lookup(bus, sd_bus_message_get_sender(p->call), &p->lookup, on_caller, p);
        if (r < 0) {
                b->calls_denied++;
                r = reply_error(p->call, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                _("Cannot tell who the caller is: %s"), g_strerror(-r));
                pending_command_free(p);
                return r;
        }
        g_queue_push_tail(&b->asking, p);
        return 1;
}

/* Checks the arguments, then the caller, then runs the request. */
static int
queue_request(StewardBus *b, sd_bus_message *call, RequestKind request, StewardCommandKind kind,
              const char *target, const char *reason)
{
        int r = 0;
        PendingCommand *p = pending_new(b, call, request, kind, target, reason, &r);

        return p ? pending_queue(p) : r;
}

/* ---- the manager object ------------------------------------------------------ */

/* Written straight into the reply at every call: nothing kept between calls. */
static int
method_list_children(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        StewardBus *b = user_data;
        g_autoptr(sd_bus_message) reply = NULL;
        guint n;
        int r;

        bus_input(b);
        n = b->ops->get_n_children(b->data);
        if ((r = sd_bus_message_new_method_return(call, &reply)) < 0 ||
            (r = sd_bus_message_open_container(reply, 'a', "(ssstto)")) < 0)
                return r;
        for (guint i = 0; i < n; i++) {
                StewardChildInfo info;
                g_autofree char *path = NULL;

                if (!b->ops->get_child_at(b->data, i, &info))
                        continue;
                path = steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, info.name);
                r = sd_bus_message_append(reply, "(ssstto)", info.name, info.supervisor,
                                          steward_child_state_to_string(info.state),
                                          (uint64_t) info.generation, (uint64_t) info.attempt, path);
                if (r < 0)
                        return r;
        }
        if ((r = sd_bus_message_close_container(reply)) < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int
method_list_supervisors(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        StewardBus *b = user_data;
        g_autoptr(sd_bus_message) reply = NULL;
        guint n;
        int r;

        bus_input(b);
        n = b->ops->get_n_supervisors(b->data);
        if ((r = sd_bus_message_new_method_return(call, &reply)) < 0 ||
            (r = sd_bus_message_open_container(reply, 'a', "(ssso)")) < 0)
                return r;
        for (guint i = 0; i < n; i++) {
                StewardSupervisorInfo info;
                g_autofree char *path = NULL;

                if (!b->ops->get_supervisor_at(b->data, i, &info))
                        continue;
                path = steward_bus_object_path(STEWARD_SUPERVISOR_PATH_PREFIX, info.name);
                r = sd_bus_message_append(reply, "(ssso)", info.name, info.parent ? info.parent : "",
                                          steward_supervisor_state_to_string(info.state), path);
                if (r < 0)
                        return r;
        }
        if ((r = sd_bus_message_close_container(reply)) < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Whether the tree has the child (@children) or supervisor @name; what
 * it is then in b->child or b->supervisor. */
static gboolean
tree_has(StewardBus *b, gboolean children, const char *name)
{
        return children ? b->ops->get_child(b->data, name, &b->child)
                        : b->ops->get_supervisor(b->data, name, &b->supervisor);
}

/* GetChild and GetSupervisor: (name) -> the object's path. */
static int
get_object(sd_bus_message *call, StewardBus *b, gboolean children)
{
        g_autofree char *path = NULL;
        const char *name;
        int r;

        bus_input(b);
        if ((r = sd_bus_message_read(call, "s", &name)) < 0)
                return r;
        if (!check_name(call, name, &r))
                return r;
        if (!tree_has(b, children, name))
                return children ? reply_error(call, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD,
                                              _("No child '%s'"), name)
                                : reply_error(call, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_SUPERVISOR,
                                              _("No supervisor '%s'"), name);
        path = steward_bus_object_path(children ? STEWARD_CHILD_PATH_PREFIX : STEWARD_SUPERVISOR_PATH_PREFIX,
                                       name);
        return sd_bus_reply_method_return(call, "o", path);
}

static int
method_get_child(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        return get_object(call, user_data, TRUE);
}

static int
method_get_supervisor(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        return get_object(call, user_data, FALSE);
}

/* StartChild and the rest: (name, reason) -> outcome. */
static int
manager_command(sd_bus_message *call, StewardBus *b, StewardCommandKind kind)
{
        const char *name, *reason;
        int r;

        bus_input(b);
        if ((r = sd_bus_message_read(call, "ss", &name, &reason)) < 0)
                return r;
        return queue_request(b, call, REQUEST_COMMAND, kind, name, reason);
}

#define DEFINE_CHILD_COMMAND(fn, kind)                                            \
        static int fn(sd_bus_message *call, void *user_data, sd_bus_error *error) \
        {                                                                         \
                return manager_command(call, user_data, kind);                    \
        }

DEFINE_CHILD_COMMAND(method_start_child, STEWARD_COMMAND_START)
DEFINE_CHILD_COMMAND(method_stop_child, STEWARD_COMMAND_STOP)
DEFINE_CHILD_COMMAND(method_restart_child, STEWARD_COMMAND_RESTART)
DEFINE_CHILD_COMMAND(method_pause_child, STEWARD_COMMAND_PAUSE)
DEFINE_CHILD_COMMAND(method_resume_child, STEWARD_COMMAND_RESUME)
DEFINE_CHILD_COMMAND(method_quarantine_child, STEWARD_COMMAND_QUARANTINE)
DEFINE_CHILD_COMMAND(method_reload_child, STEWARD_COMMAND_RELOAD)
DEFINE_CHILD_COMMAND(method_resume_supervisor, STEWARD_COMMAND_RESUME_SUPERVISOR)

static int
method_reload(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        bus_input(user_data);
        return queue_request(user_data, call, REQUEST_RELOAD, 0, NULL, NULL);
}

/* AddChild's options: persist (b) and reason (s), nothing else. */
static int
read_add_child_options(sd_bus_message *call, gboolean *persist, const char **reason, int *refused)
{
        int r;

        if ((r = sd_bus_message_enter_container(call, 'a', "{sv}")) < 0)
                return r;
        while ((r = sd_bus_message_enter_container(call, 'e', "sv")) > 0) {
                const char *key, *contents;
                char type;

                if ((r = sd_bus_message_read(call, "s", &key)) < 0 ||
                    (r = sd_bus_message_peek_type(call, &type, &contents)) < 0)
                        return r;
                if (g_str_equal(key, "persist") && g_str_equal(contents, "b")) {
                        int value;

                        r = sd_bus_message_read(call, "v", "b", &value);
                        *persist = value != 0;
                } else if (g_str_equal(key, "reason") && g_str_equal(contents, "s"))
                        r = sd_bus_message_read(call, "v", "s", reason);
                else {
                        *refused = reply_error(
                                call, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                _("Unknown option '%s' of type '%s' (expected persist (b) or reason (s))"),
                                key, contents);
                        return 0;
                }
                if (r < 0 || (r = sd_bus_message_exit_container(call)) < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(call) < 0 ? -EBADMSG : 1;
}

static int
method_add_child(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        StewardBus *b = user_data;
        const char *fragment, *reason = NULL;
        gboolean persist = FALSE;
        PendingCommand *p;
        int r, refused = 0;

        bus_input(b);
        if ((r = sd_bus_message_read(call, "s", &fragment)) < 0 ||
            (r = read_add_child_options(call, &persist, &reason, &refused)) < 0)
                return r;
        if (r == 0)
                return refused;
        p = pending_new(b, call, REQUEST_ADD_CHILD, 0, NULL, reason, &r);
        if (!p)
                return r;
        p->fragment = g_strdup(fragment);
        p->persist = persist;
        return pending_queue(p);
}

static int
method_remove_child(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        const char *name, *reason;
        int r;

        bus_input(user_data);
        if ((r = sd_bus_message_read(call, "ss", &name, &reason)) < 0)
                return r;
        return queue_request(user_data, call, REQUEST_REMOVE_CHILD, 0, name, reason);
}

static int
method_reexecute(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        bus_input(user_data);
        return queue_request(user_data, call, REQUEST_REEXECUTE, 0, NULL, NULL);
}

static int
method_shutdown_tree(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        const char *reason;
        int r;

        bus_input(user_data);
        if ((r = sd_bus_message_read(call, "s", &reason)) < 0)
                return r;
        return queue_request(user_data, call, REQUEST_COMMAND, STEWARD_COMMAND_SHUTDOWN, NULL, reason);
}

static int
get_manager_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                     sd_bus_message *reply, void *user_data, sd_bus_error *error)
{
        bus_input(user_data);
        return append_manager_property(user_data, property, reply);
}

/* Every method is open to every caller as far as sd-bus is concerned: who
 * may manage is ours to judge (steward_caller_may_manage()), from the
 * credentials the bus daemon gives, not a capability sd-bus would ask for
 * on the system bus. */
#define OPEN SD_BUS_VTABLE_UNPRIVILEGED
#define CHILD_COMMAND(_member, _handler)                                      \
        SD_BUS_METHOD_WITH_ARGS(_member, SD_BUS_ARGS("s", name, "s", reason), \
                                SD_BUS_RESULT("a{sv}", outcome), _handler, OPEN)
/* EmitsChangedSignal: const, true (PropertiesChanged carries the value), false. */
#define PROPERTY(_member, _type, _getter, _flags) SD_BUS_PROPERTY(_member, _type, _getter, 0, _flags)
#define P_CONST SD_BUS_VTABLE_PROPERTY_CONST
#define P_CHANGES SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define P_SILENT 0

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListChildren", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssstto)", children),
                                method_list_children, OPEN),
        SD_BUS_METHOD_WITH_ARGS("ListSupervisors", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", supervisors),
                                method_list_supervisors, OPEN),
        SD_BUS_METHOD_WITH_ARGS("GetChild", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", path),
                                method_get_child, OPEN),
        SD_BUS_METHOD_WITH_ARGS("GetSupervisor", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", path),
                                method_get_supervisor, OPEN),
        CHILD_COMMAND("StartChild", method_start_child),
        CHILD_COMMAND("StopChild", method_stop_child),
        CHILD_COMMAND("RestartChild", method_restart_child),
        CHILD_COMMAND("PauseChild", method_pause_child),
        CHILD_COMMAND("ResumeChild", method_resume_child),
        CHILD_COMMAND("QuarantineChild", method_quarantine_child),
        CHILD_COMMAND("ReloadChild", method_reload_child),
        CHILD_COMMAND("ResumeSupervisor", method_resume_supervisor),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", outcome), method_reload,
                                OPEN),
        SD_BUS_METHOD_WITH_ARGS("AddChild", SD_BUS_ARGS("s", fragment, "a{sv}", options),
                                SD_BUS_RESULT("a{sv}", outcome), method_add_child, OPEN),
        CHILD_COMMAND("RemoveChild", method_remove_child),
        SD_BUS_METHOD_WITH_ARGS("Reexecute", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reexecute, OPEN),
        SD_BUS_METHOD_WITH_ARGS("ShutdownTree", SD_BUS_ARGS("s", reason), SD_BUS_RESULT("a{sv}", outcome),
                                method_shutdown_tree, OPEN),
        SD_BUS_SIGNAL_WITH_ARGS(
                "Event", SD_BUS_ARGS("t", sequence, "s", kind, "s", child, "t", generation, "a{sv}", fields),
                0),
        PROPERTY("Version", "s", get_manager_property, P_CONST),
        PROPERTY("Mode", "s", get_manager_property, P_CONST),
        PROPERTY("Backend", "s", get_manager_property, P_CONST),
        PROPERTY("State", "s", get_manager_property, P_CHANGES),
        PROPERTY("ChildCount", "u", get_manager_property, P_CHANGES),
        PROPERTY("ConfigFiles", "as", get_manager_property, P_CHANGES),
        PROPERTY("EventsTotal", "t", get_manager_property, P_SILENT),
        PROPERTY("NotifyMessagesDropped", "t", get_manager_property, P_SILENT),
        PROPERTY("JournalEntriesLost", "t", get_manager_property, P_SILENT),
        PROPERTY("CallsDenied", "t", get_manager_property, P_SILENT),
        SD_BUS_VTABLE_END,
};

/* ---- child and supervisor objects --------------------------------------------- */

/* The object at @path, if the tree has it: b->child or b->supervisor for
 * what follows. A call to one object costs a look-up of its name, never a
 * walk; it is one input of the heap trim, however many properties a
 * GetAll reads. */
static int
find_object(StewardBus *b, gboolean children, const char *path, void **found)
{
        g_autofree char *name =
                name_of_path(children ? STEWARD_CHILD_PATH_PREFIX : STEWARD_SUPERVISOR_PATH_PREFIX, path);
        gboolean have;

        bus_input(b);
        have = name && tree_has(b, children, name);
        *found = have ? b : NULL;
        return have;
}

static int
find_child(sd_bus *bus, const char *path, const char *iface, void *user_data, void **found,
           sd_bus_error *error)
{
        return find_object(user_data, TRUE, path, found);
}

static int
find_supervisor(sd_bus *bus, const char *path, const char *iface, void *user_data, void **found,
                sd_bus_error *error)
{
        return find_object(user_data, FALSE, path, found);
}

static int
get_child_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                   sd_bus_message *reply, void *user_data, sd_bus_error *error)
{
        StewardBus *b = user_data;

        return append_child_property(b, &b->child, property, reply);
}

static int
get_supervisor_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                        sd_bus_message *reply, void *user_data, sd_bus_error *error)
{
        StewardBus *b = user_data;

        return append_supervisor_property(&b->supervisor, property, reply);
}

/* Start, Stop and the rest of a child, Resume of a supervisor: (reason)
 * -> outcome, for the object find_object() found. */
static int
object_command(sd_bus_message *call, StewardBus *b, StewardCommandKind kind)
{
        g_autofree char *name =
                g_strdup(kind == STEWARD_COMMAND_RESUME_SUPERVISOR ? b->supervisor.name : b->child.name);
        const char *reason;
        int r;

        if ((r = sd_bus_message_read(call, "s", &reason)) < 0)
                return r;
        return queue_request(b, call, REQUEST_COMMAND, kind, name, reason);
}

#define DEFINE_OBJECT_COMMAND(fn, kind)                                           \
        static int fn(sd_bus_message *call, void *user_data, sd_bus_error *error) \
        {                                                                         \
                return object_command(call, user_data, kind);                     \
        }

DEFINE_OBJECT_COMMAND(child_start, STEWARD_COMMAND_START)
DEFINE_OBJECT_COMMAND(child_stop, STEWARD_COMMAND_STOP)
DEFINE_OBJECT_COMMAND(child_restart, STEWARD_COMMAND_RESTART)
DEFINE_OBJECT_COMMAND(child_pause, STEWARD_COMMAND_PAUSE)
DEFINE_OBJECT_COMMAND(child_resume, STEWARD_COMMAND_RESUME)
DEFINE_OBJECT_COMMAND(child_quarantine, STEWARD_COMMAND_QUARANTINE)
DEFINE_OBJECT_COMMAND(child_reload, STEWARD_COMMAND_RELOAD)
DEFINE_OBJECT_COMMAND(supervisor_resume, STEWARD_COMMAND_RESUME_SUPERVISOR)

#define OBJECT_COMMAND(_member, _handler)                                                           \
        SD_BUS_METHOD_WITH_ARGS(_member, SD_BUS_ARGS("s", reason), SD_BUS_RESULT("a{sv}", outcome), \
                                _handler, OPEN)

static const sd_bus_vtable child_vtable[] = {
        SD_BUS_VTABLE_START(0),
        OBJECT_COMMAND("Start", child_start),
        OBJECT_COMMAND("Stop", child_stop),
        OBJECT_COMMAND("Restart", child_restart),
        OBJECT_COMMAND("Pause", child_pause),
        OBJECT_COMMAND("Resume", child_resume),
        OBJECT_COMMAND("Quarantine", child_quarantine),
        OBJECT_COMMAND("Reload", child_reload),
        PROPERTY("Name", "s", get_child_property, P_CONST),
        PROPERTY("Supervisor", "s", get_child_property, P_CONST),
        PROPERTY("Role", "s", get_child_property, P_CHANGES),
        PROPERTY("State", "s", get_child_property, P_CHANGES),
        PROPERTY("Generation", "t", get_child_property, P_CHANGES),
        PROPERTY("Attempt", "t", get_child_property, P_CHANGES),
        PROPERTY("MainPID", "u", get_child_property, P_CHANGES),
        PROPERTY("Unit", "s", get_child_property, P_CHANGES),
        PROPERTY("Ready", "b", get_child_property, P_CHANGES),
        PROPERTY("StatusText", "s", get_child_property, P_CHANGES),
        PROPERTY("StatusErrno", "i", get_child_property, P_CHANGES),
        PROPERTY("LastExitCode", "s", get_child_property, P_CHANGES),
        PROPERTY("LastExitStatus", "i", get_child_property, P_CHANGES),
        PROPERTY("LastSpawnError", "s", get_child_property, P_CHANGES),
        PROPERTY("LastExitCause", "s", get_child_property, P_CHANGES),
        PROPERTY("Health", "s", get_child_property, P_CHANGES),
        PROPERTY("RestartCount", "u", get_child_property, P_CHANGES),
        PROPERTY("NextRestartUSec", "t", get_child_property, P_CHANGES),
        PROPERTY("FenceState", "s", get_child_property, P_CHANGES),
        PROPERTY("FenceWaits", "t", get_child_property, P_SILENT),
        PROPERTY("FenceWaitUSec", "t", get_child_property, P_SILENT),
        PROPERTY("RestartLimitBurst", "u", get_child_property, P_CHANGES),
        PROPERTY("RestartLimitIntervalUSec", "t", get_child_property, P_CHANGES),
        PROPERTY("RestartsInWindow", "u", get_child_property, P_CHANGES),
        PROPERTY("RestartsRemaining", "u", get_child_property, P_CHANGES),
        PROPERTY("RestartWindowExpiryUSec", "t", get_child_property, P_CHANGES),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable supervisor_vtable[] = {
        SD_BUS_VTABLE_START(0),
        OBJECT_COMMAND("Resume", supervisor_resume),
        PROPERTY("Name", "s", get_supervisor_property, P_CONST),
        PROPERTY("Parent", "s", get_supervisor_property, P_CONST),
        PROPERTY("Strategy", "s", get_supervisor_property, P_CONST),
        PROPERTY("Escalation", "s", get_supervisor_property, P_CONST),
        PROPERTY("State", "s", get_supervisor_property, P_CHANGES),
        PROPERTY("RestartCount", "u", get_supervisor_property, P_CHANGES),
        PROPERTY("RestartLimitBurst", "u", get_supervisor_property, P_CONST),
        PROPERTY("RestartLimitIntervalUSec", "t", get_supervisor_property, P_CONST),
        PROPERTY("RestartsInWindow", "u", get_supervisor_property, P_CHANGES),
        PROPERTY("RestartsRemaining", "u", get_supervisor_property, P_CHANGES),
        PROPERTY("RestartWindowExpiryUSec", "t", get_supervisor_property, P_CHANGES),
        SD_BUS_VTABLE_END,
};

/* Introspection of the prefixes lists every object below them; nothing
 * else walks the tree. */
static int
enumerate(StewardBus *b, gboolean children, char ***nodes)
{
        GPtrArray *paths = g_ptr_array_new();
        guint n = children ? b->ops->get_n_children(b->data) : b->ops->get_n_supervisors(b->data);

        for (guint i = 0; i < n; i++) {
                StewardChildInfo ci;
                StewardSupervisorInfo si;

                if (children && b->ops->get_child_at(b->data, i, &ci))
                        g_ptr_array_add(paths, steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, ci.name));
                else if (!children && b->ops->get_supervisor_at(b->data, i, &si))
                        g_ptr_array_add(paths,
                                        steward_bus_object_path(STEWARD_SUPERVISOR_PATH_PREFIX, si.name));
        }
        /* sd-bus frees them with free(): GLib's allocator is malloc(). */
        g_ptr_array_add(paths, NULL);
        *nodes = (char **) g_ptr_array_free(paths, FALSE);
        return 0;
}

static int
enumerate_children(sd_bus *bus, const char *prefix, void *user_data, char ***nodes, sd_bus_error *error)
{
        return enumerate(user_data, TRUE, nodes);
}

static int
enumerate_supervisors(sd_bus *bus, const char *prefix, void *user_data, char ***nodes, sd_bus_error *error)
{
        return enumerate(user_data, FALSE, nodes);
}

/* ---- signals ------------------------------------------------------------------ */

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

/* The values go out as a Get would answer them: sd-bus reads them through
 * the object's getters, after its find callback has looked the object up. */
static void
emit_properties_changed(StewardBus *b, const char *path, const char *iface, char **names)
{
        int r;

        if (!names[0])
                return;
        b->emitting = TRUE;
        for (guint i = 0; i < b->connections->len; i++) {
                Connection *c = g_ptr_array_index(b->connections, i);

                r = sd_bus_emit_properties_changed_strv(c->bus, path, iface, names);
                if (r < 0 && r != -ENOENT)
                        g_debug("PropertiesChanged of %s: %s", path, g_strerror(-r));
                connection_check_queue(c);
        }
        b->emitting = FALSE;
}

static void
child_changed_now(StewardBus *b, const char *child, guint changed)
{
        g_autofree char *path = steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, child);
        const char *names[G_N_ELEMENTS(child_property_bits) * 5 + 1];
        guint n = 0;

        for (guint i = 0; i < G_N_ELEMENTS(child_property_bits); i++)
                if (changed & child_property_bits[i].bit)
                        for (guint j = 0; j < G_N_ELEMENTS(child_property_bits[i].names) &&
                                          child_property_bits[i].names[j];
                             j++)
                                names[n++] = child_property_bits[i].names[j];
        names[n] = NULL;
        emit_properties_changed(b, path, STEWARD_CHILD_INTERFACE, (char **) names);
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
        emit_properties_changed(b, path, STEWARD_SUPERVISOR_INTERFACE, (char **) names);
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
        emit_properties_changed(b, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, (char **) names);
}

/* The fields of an Event, in the order org.steward.Supervisor1(5) lists them. */
static int
append_event_fields(sd_bus_message *m, const StewardEvent *ev, const char *unit)
{
        guint f = ev->fields;
        int r = 0;

        if (f & STEWARD_EVENT_FIELD_SUPERVISOR && ev->supervisor && r >= 0)
                r = append_entry_string(m, "supervisor", ev->supervisor);
        if (f & STEWARD_EVENT_FIELD_ATTEMPT && r >= 0)
                r = sd_bus_message_append(m, "{sv}", "attempt", "t", (uint64_t) ev->attempt);
        if (unit && r >= 0)
                r = append_entry_string(m, "unit", unit);
        if (f & STEWARD_EVENT_FIELD_MAIN_PID && r >= 0)
                r = sd_bus_message_append(m, "{sv}", "main_pid", "u", (uint32_t) ev->main_pid);
        if (f & STEWARD_EVENT_FIELD_COMMAND_ID && ev->command_id && r >= 0)
                r = append_entry_string(m, "command_id", ev->command_id);
        if (f & STEWARD_EVENT_FIELD_REASON && ev->reason && r >= 0)
                r = append_entry_string(m, "reason", ev->reason);
        if (f & STEWARD_EVENT_FIELD_DECISION && r >= 0)
                r = append_entry_string(m, "decision", steward_decision_to_string(ev->decision));
        if (f & STEWARD_EVENT_FIELD_EXIT && r >= 0) {
                r = sd_bus_message_append(m, "{sv}{sv}", "exit_code", "s",
                                          steward_exit_code_to_string(ev->exit_code), "exit_status", "i",
                                          (int32_t) ev->exit_status);
                if (ev->exit_cause != STEWARD_EXIT_CAUSE_NONE && r >= 0)
                        r = append_entry_string(m, "exit_cause",
                                                steward_exit_cause_to_string(ev->exit_cause));
        }
        if (f & STEWARD_EVENT_FIELD_ACTOR && r >= 0)
                r = sd_bus_message_append(m, "{sv}{sv}{sv}", "actor_uid", "u", (uint32_t) ev->actor_uid,
                                          "actor_pid", "u", (uint32_t) ev->actor_pid, "actor_comm", "s",
                                          ev->actor_comm ? ev->actor_comm : "");
        if (f & STEWARD_EVENT_FIELD_ERROR && ev->error && r >= 0)
                r = append_entry_string(m, "error", ev->error);
        if (f & STEWARD_EVENT_FIELD_TARGET_GENERATION && r >= 0)
                r = sd_bus_message_append(m, "{sv}", "target_generation", "t",
                                          (uint64_t) ev->target_generation);
        if (f & STEWARD_EVENT_FIELD_DELAY && r >= 0)
                r = sd_bus_message_append(m, "{sv}", "delay_usec", "t", (uint64_t) ev->delay_usec);
        if (f & STEWARD_EVENT_FIELD_STATUS_TEXT && ev->status_text && r >= 0)
                r = append_entry_string(m, "status_text", ev->status_text);
        if (f & STEWARD_EVENT_FIELD_SIGNAL && r >= 0)
                r = sd_bus_message_append(m, "{sv}", "signal", "i", (int32_t) ev->signal);
        if (f & STEWARD_EVENT_FIELD_MERGED && r >= 0)
                r = sd_bus_message_append(m, "{sv}", "merged", "u", (uint32_t) ev->merged);
        if (f & STEWARD_EVENT_FIELD_SUPPRESSED && r >= 0)
                r = sd_bus_message_append(m, "{sv}", "suppressed", "t", (uint64_t) ev->suppressed);
        return r;
}

static void
send_event(sd_bus *bus, guint64 sequence, const StewardEvent *ev, const char *unit)
{
        g_autoptr(sd_bus_message) m = NULL;
        int r;

        if ((r = sd_bus_message_new_signal(bus, &m, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE,
                                           "Event")) < 0 ||
            (r = sd_bus_message_append(
                     m, "tsst", (uint64_t) sequence, steward_event_kind_to_string(ev->kind),
                     ev->child ? ev->child : "",
                     (uint64_t) ((ev->fields & STEWARD_EVENT_FIELD_GENERATION) ? ev->generation : 0))) < 0 ||
            (r = sd_bus_message_open_container(m, 'a', "{sv}")) < 0 ||
            (r = append_event_fields(m, ev, unit)) < 0 || (r = sd_bus_message_close_container(m)) < 0 ||
            (r = sd_bus_send(bus, m, NULL)) < 0)
                g_debug("Event %" G_GUINT64_FORMAT ": %s", sequence, g_strerror(-r));
}

void
steward_bus_emit_event(StewardBus *b, guint64 sequence, const StewardEvent *ev, const char *unit)
{
        b->events_total++;
        for (guint i = 0; i < b->connections->len; i++) {
                Connection *c = g_ptr_array_index(b->connections, i);

                send_event(c->bus, sequence, ev, unit);
                connection_check_queue(c);
        }
}

/* ---- setup --------------------------------------------------------------------- */

/* Serves the objects on @c's connection. */
static int
connection_register(Connection *c)
{
        StewardBus *b = c->owner;
        sd_bus *bus = c->bus;
        int r;

        if ((r = sd_bus_add_object_vtable(bus, &c->slots[0], STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE,
                                          manager_vtable, b)) < 0 ||
            (r = sd_bus_add_fallback_vtable(bus, &c->slots[1], STEWARD_CHILD_PATH_PREFIX,
                                            STEWARD_CHILD_INTERFACE, child_vtable, find_child, b)) < 0 ||
            (r = sd_bus_add_fallback_vtable(bus, &c->slots[2], STEWARD_SUPERVISOR_PATH_PREFIX,
                                            STEWARD_SUPERVISOR_INTERFACE, supervisor_vtable, find_supervisor,
                                            b)) < 0 ||
            (r = sd_bus_add_node_enumerator(bus, &c->slots[3], STEWARD_CHILD_PATH_PREFIX, enumerate_children,
                                            b)) < 0 ||
            (r = sd_bus_add_node_enumerator(bus, &c->slots[4], STEWARD_SUPERVISOR_PATH_PREFIX,
                                            enumerate_supervisors, b)) < 0)
                return r;
        return 0;
}

static void
connection_free(Connection *c)
{
        if (!c)
                return;
        for (guint i = 0; i < G_N_ELEMENTS(c->slots); i++)
                c->slots[i] = sd_bus_slot_unref(c->slots[i]);
        c->hello = sd_bus_slot_unref(c->hello);
        g_clear_handle_id(&c->drop_idle, g_source_remove);
        if (c->source) {
                /* Ours: closed here. The bus's is its owner's. */
                g_source_destroy(c->source);
                g_clear_pointer(&c->source, g_source_unref);
                sd_bus_close(c->bus);
        }
        c->bus = sd_bus_unref(c->bus);
        g_free(c);
}

/* Out of the dispatch of its own connection, which must not be freed under it. */
static gboolean
on_drop_idle(gpointer user_data)
{
        Connection *c = user_data;
        StewardBus *b = c->owner;

        c->drop_idle = 0;
        g_ptr_array_remove_fast(b->connections, c);
        return G_SOURCE_REMOVE;
}

static void
connection_drop(Connection *c)
{
        if (!c->drop_idle)
                c->drop_idle = g_idle_add(on_drop_idle, c);
}

/* The client hung up, or sent what is no D-Bus. */
static gboolean
on_direct_ended(gpointer user_data)
{
        connection_drop(user_data);
        return G_SOURCE_REMOVE;
}

/* A direct client that does not read what it is sent would make stewardd
 * keep every signal for it: past STEWARD_BUS_DIRECT_QUEUE_MAX messages it
 * is hung up on. The bus daemon does the same for the bus's clients. */
static void
connection_check_queue(Connection *c)
{
        uint64_t queued = 0;

        if (!c->source || c->drop_idle || sd_bus_get_n_queued_write(c->bus, &queued) < 0 ||
            queued <= STEWARD_BUS_DIRECT_QUEUE_MAX)
                return;
        g_message("A direct client of stewardd reads nothing of %" G_GUINT64_FORMAT
                  " messages sent to it; hanging up on it",
                  (guint64) queued);
        sd_bus_close(c->bus);
        connection_drop(c);
}

/* busctl(1) greets every connection with Hello, as the bus daemon's
 * client it assumes it is: answered with a name of the connection's own,
 * which nobody else can call it by, so that busctl --address works here. */
static int
method_hello(sd_bus_message *call, void *user_data, sd_bus_error *error)
{
        Connection *c = user_data;
        g_autofree char *name = g_strdup_printf(":1.%" G_GUINT64_FORMAT, c->serial);

        return sd_bus_reply_method_return(call, "s", name);
}

static const sd_bus_vtable hello_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("Hello", "", , "s", SD_BUS_PARAM(name), method_hello,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

gboolean
steward_bus_add_direct(StewardBus *b, int fd, GError **error)
{
        g_autoptr(sd_bus) bus = NULL;
        guint n = steward_bus_get_n_direct(b);
        Connection *c;
        sd_id128_t id;
        int r;

        if (n >= STEWARD_BUS_DIRECT_MAX) {
                (void) close(fd);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
                            "%u direct clients are connected already", n);
                return FALSE;
        }
        if ((r = sd_bus_new(&bus)) < 0) {
                (void) close(fd);
                return steward_set_errno_error(error, -r, "a direct connection");
        }
        /* Ours from here: closed with the connection. */
        if ((r = sd_bus_set_fd(bus, fd, fd)) < 0) {
                (void) close(fd);
                return steward_set_errno_error(error, -r, "a direct connection");
        }
        if ((r = sd_id128_randomize(&id)) < 0 || (r = sd_bus_set_server(bus, 1, id)) < 0 ||
            (r = sd_bus_set_sender(bus, STEWARD_BUS_NAME)) < 0 ||
            (r = sd_bus_set_description(bus, "direct")) < 0 || (r = sd_bus_start(bus)) < 0)
                return steward_set_errno_error(error, -r, "a direct connection");
        c = g_new0(Connection, 1);
        c->owner = b;
        c->bus = g_steal_pointer(&bus);
        c->serial = ++b->n_direct_total;
        if ((r = connection_register(c)) < 0 ||
            (r = sd_bus_add_object_vtable(c->bus, &c->hello, "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                          hello_vtable, c)) < 0) {
                connection_free(c);
                return steward_set_errno_error(error, -r, "a direct connection");
        }
        c->source = steward_sd_bus_source_new(c->bus);
        g_source_set_callback(c->source, on_direct_ended, c, NULL);
        g_source_attach(c->source, NULL);
        g_ptr_array_add(b->connections, c);
        return TRUE;
}

guint
steward_bus_get_n_direct(StewardBus *b)
{
        guint n = b->connections->len;
        const Connection *first = n > 0 ? g_ptr_array_index(b->connections, 0) : NULL;

        /* The bus's, never removed, stays first; it has no source of ours. */
        return first && !first->source ? n - 1 : n;
}

StewardBus *
steward_bus_new(sd_bus *bus, const StewardBusOps *ops, gpointer user_data, GError **error)
{
        g_autoptr(StewardBus) b = g_new0(StewardBus, 1);
        int r;

        (void) STEWARD_ERROR; /* registers the error names before any reply */
        b->ops = ops;
        b->data = user_data;
        b->connections = g_ptr_array_new_with_free_func((GDestroyNotify) connection_free);
        b->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        b->status_pending = g_hash_table_new(g_direct_hash, g_direct_equal);
        if (bus) {
                Connection *c = g_new0(Connection, 1);

                c->owner = b;
                c->bus = sd_bus_ref(bus);
                g_ptr_array_add(b->connections, c);
                if ((r = connection_register(c)) < 0) {
                        steward_set_errno_error(error, -r, "the bus objects");
                        return NULL;
                }
        }
        return g_steal_pointer(&b);
}

void
steward_bus_free(StewardBus *b)
{
        PendingCommand *p;

        if (!b)
                return;
        while ((p = g_queue_pop_head(&b->asking))) {
                p->lookup = sd_bus_slot_unref(p->lookup);
                pending_command_free(p);
        }
        g_queue_clear_full(&b->parked, (GDestroyNotify) pending_command_free);
        g_clear_pointer(&b->pending, g_hash_table_unref);
        g_clear_handle_id(&b->status_idle, g_source_remove);
        g_clear_pointer(&b->status_pending, g_hash_table_unref);
        g_clear_pointer(&b->connections, g_ptr_array_unref);
        g_free(b);
}
