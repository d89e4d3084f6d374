/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-manager.c: the daemon: drives the engine from the backend's reports, the bus and the clock.
 *
 * Everything the engine decides comes back as actions; this file is the
 * one place that performs them: spawning and stopping through the backend,
 * numbering events and sending each to the journal and the bus, telling the
 * bus which properties changed, and keeping one timer armed at the engine's
 * next deadline. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include "steward-bus.h"
#include "steward-manager.h"
#include "steward-names.h"
#include "steward-notify.h"
#include "steward-parse.h"
#include "steward-reaper.h"
#include "steward-spawn.h"
#include "steward-util.h"

typedef struct {
        char *unit;
        guint64 generation;
} LiveUnit;

/* A running incarnation as the notify listener needs it: from the spawned
 * report to the gone one. */
typedef struct {
        const char *child; /* interned */
        guint64 generation;
        pid_t pid; /* the process we forked; it leads its process group */
        int last_errno; /* ERRNO=, logged when it changes; 0: none */
} LiveSender;

struct _StewardManager {
        StewardMode mode;
        char *config_path;
        StewardSpec *spec;
        GHashTable *child_specs; /* name -> StewardChildSpec* (in spec) */
        GHashTable *supervisor_slices; /* supervisor name -> its slice unit */
        gid_t allowed_gid;

        StewardLog *log;
        StewardReaper *reaper;
        StewardBackend *backend;
        StewardEngine *engine;
        GDBusConnection *bus; /* NULL: no bus (a container without one) */
        StewardBus *bus_api;
        guint name_owner_id;

        GSource *timer;
        GArray *actions;
        gboolean dispatching;
        guint64 sequence;
        guint64 journal_failures; /* as last shown in STATUS= */
        GHashTable *units; /* child -> LiveUnit* */
        guint64 command_counter;

        /* sd_notify, from children and to our own manager. */
        StewardNotifyListener *notify;
        GHashTable *senders; /* child -> LiveSender* */
        GHashTable *senders_by_pid; /* GINT_TO_POINTER(pid) -> LiveSender* (borrowed) */
        guint spawns_in_flight; /* SPAWNs without their spawned/spawn_failed report yet */
        GHashTable *child_states; /* interned child -> GINT_TO_POINTER(StewardChildState) */
        guint state_counts[_STEWARD_CHILD_STATE_MAX];
        gboolean status_dirty;
        char *status_sent;
        guint watchdog_source;

        GMainLoop *loop;
        int exit_code;
        gboolean exited;
        gboolean ready_reported;
        gboolean name_acquired;
        gboolean name_lost;
        guint signal_sources[3];
};

static void manager_dispatch(StewardManager *m);

static guint64
now(void)
{
        return (guint64) g_get_monotonic_time();
}

static void
live_unit_free(LiveUnit *u)
{
        if (!u)
                return;
        g_free(u->unit);
        g_free(u);
}

/* ---- events ------------------------------------------------------------- */

static void
manager_emit(StewardManager *m, const StewardEvent *ev)
{
        LiveUnit *u = ev->child ? g_hash_table_lookup(m->units, ev->child) : NULL;
        const char *unit =
                u && (ev->fields & STEWARD_EVENT_FIELD_GENERATION) && u->generation == ev->generation
                        ? u->unit
                        : NULL;

        m->sequence++;
        steward_log_event(m->log, m->sequence, ev, unit);
        /* A lost journal entry is reported where an administrator looks
         * first, systemctl status, besides the line on stderr. */
        if (steward_log_get_failures(m->log) != m->journal_failures) {
                m->journal_failures = steward_log_get_failures(m->log);
                m->status_dirty = TRUE;
        }
        if (m->bus_api)
                steward_bus_emit_event(m->bus_api, m->sequence, ev, unit);
}

/* An event of the daemon's own, outside the engine. */
static void
manager_emit_simple(StewardManager *m, StewardEventKind kind, const char *error)
{
        StewardEvent ev = { .kind = kind, .time_usec = now() };

        if (error) {
                ev.fields |= STEWARD_EVENT_FIELD_ERROR;
                ev.error = g_strdup(error);
        }
        manager_emit(m, &ev);
        steward_event_clear(&ev);
}

/* ---- the engine's clock -------------------------------------------------- */

static gboolean
on_timer(gpointer user_data)
{
        StewardManager *m = user_data;

        steward_engine_tick(m->engine, now(), m->actions);
        manager_dispatch(m);
        return G_SOURCE_CONTINUE;
}

static void
timer_rearm(StewardManager *m)
{
        guint64 deadline = steward_engine_next_deadline(m->engine);

        /* One source, its ready time moved to the engine's next deadline:
         * the same monotonic clock the engine is fed with. */
        g_source_set_ready_time(m->timer, deadline == G_MAXUINT64 ? -1 : (gint64) deadline);
}

static gboolean
timer_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
        g_source_set_ready_time(source, -1);
        return callback(user_data);
}

static GSourceFuncs timer_funcs = {
        .dispatch = timer_dispatch,
};

/* ---- actions ------------------------------------------------------------- */

/* Keeps a count of children per state from the STATE_CHANGED actions, so
 * the STATUS= line costs O(1) per change rather than a scan of the tree. */
static void
manager_count_state(StewardManager *m, const char *child)
{
        StewardChildInfo info;
        gpointer old;

        child = g_intern_string(child);
        if (!steward_engine_get_child(m->engine, child, &info)) {
                /* A reload removed it and the engine has forgotten it. */
                if (g_hash_table_lookup_extended(m->child_states, child, NULL, &old)) {
                        m->state_counts[GPOINTER_TO_INT(old)]--;
                        g_hash_table_remove(m->child_states, child);
                        m->status_dirty = TRUE;
                }
                return;
        }
        if (g_hash_table_lookup_extended(m->child_states, child, NULL, &old)) {
                if ((StewardChildState) GPOINTER_TO_INT(old) == info.state)
                        return;
                m->state_counts[GPOINTER_TO_INT(old)]--;
        }
        m->state_counts[info.state]++;
        g_hash_table_insert(m->child_states, (gpointer) child, GINT_TO_POINTER(info.state));
        m->status_dirty = TRUE;
}

/* "12 children: 11 up, 1 in backoff", sent to our manager when it changes. */
static void
notify_status(StewardManager *m)
{
        static const struct {
                StewardChildState state;
                const char *label;
        } parts[] = {
                { STEWARD_CHILD_STATE_STARTING, "starting" },
                { STEWARD_CHILD_STATE_STOPPING, "stopping" },
                { STEWARD_CHILD_STATE_BACKOFF, "in backoff" },
                { STEWARD_CHILD_STATE_FAILED, "failed" },
                { STEWARD_CHILD_STATE_PAUSED, "paused" },
                { STEWARD_CHILD_STATE_QUARANTINED, "quarantined" },
                { STEWARD_CHILD_STATE_STOPPED, "stopped" },
        };
        g_autoptr(GString) s = NULL;

        if (!m->status_dirty)
                return;
        m->status_dirty = FALSE;
        s = g_string_new("STATUS=");
        g_string_append_printf(s, "%u children: %u up", g_hash_table_size(m->child_states),
                               m->state_counts[STEWARD_CHILD_STATE_RUNNING] +
                                       m->state_counts[STEWARD_CHILD_STATE_READY]);
        for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
                if (m->state_counts[parts[i].state])
                        g_string_append_printf(s, ", %u %s", m->state_counts[parts[i].state],
                                               parts[i].label);
        if (m->journal_failures)
                g_string_append_printf(s, "; %" G_GUINT64_FORMAT " journal writes failed",
                                       m->journal_failures);
        if (g_strcmp0(s->str, m->status_sent) == 0)
                return;
        (void) sd_notify(0, s->str);
        g_free(m->status_sent);
        m->status_sent = g_string_free(g_steal_pointer(&s), FALSE);
}

/* READY=1 once the initial tree is up: the engine's tree state says every
 * member was started in order (a Type=notify child only once ready or
 * failed); a Type=simple child counts as started once its spawn was
 * reported, so the last ones must have been. */
static void
manager_check_ready(StewardManager *m)
{
        if (m->ready_reported || m->spawns_in_flight > 0 ||
            steward_engine_get_tree_state(m->engine) != STEWARD_TREE_STATE_RUNNING)
                return;
        m->ready_reported = TRUE;
        manager_emit_simple(m, STEWARD_EVENT_MANAGER_READY, NULL);
        (void) sd_notify(0, "READY=1");
}

static void
manager_tree_state_changed(StewardManager *m)
{
        if (steward_engine_get_tree_state(m->engine) == STEWARD_TREE_STATE_STOPPING)
                (void) sd_notify(0, "STOPPING=1");
}

/* The protocol variables of a child, exactly as systemd sets them for a
 * service: NOTIFY_SOCKET for Type=notify, and with WatchdogSec= also
 * WATCHDOG_USEC and WATCHDOG_PID, the main PID, which the forked child
 * fills in itself (see steward-spawn.c). */
static char **
manager_child_env(StewardManager *m, const StewardChildSpec *spec)
{
        GPtrArray *env = g_ptr_array_new();

        if (spec->type == STEWARD_CHILD_NOTIFY) {
                g_ptr_array_add(env, g_strdup_printf("NOTIFY_SOCKET=%s",
                                                     steward_notify_listener_get_address(m->notify)));
                if (spec->watchdog_usec > 0 && spec->watchdog_usec != G_MAXUINT64) {
                        g_ptr_array_add(env, g_strdup_printf("WATCHDOG_USEC=%" G_GUINT64_FORMAT,
                                                             spec->watchdog_usec));
                        g_ptr_array_add(env, g_strdup("WATCHDOG_PID=" STEWARD_EXEC_OWN_PID));
                }
        }
        g_ptr_array_add(env, NULL);
        return (char **) g_ptr_array_free(env, FALSE);
}

static void
perform(StewardManager *m, const StewardAction *a)
{
        switch (a->type) {
        case STEWARD_ACTION_SPAWN: {
                const StewardChildSpec *spec = g_hash_table_lookup(m->child_specs, a->child);
                g_auto(GStrv) env = NULL;

                g_return_if_fail(spec);
                env = manager_child_env(m, spec);
                /* Before the call: a spawn that fails at once reports from inside it. */
                m->spawns_in_flight++;
                steward_backend_spawn(m->backend, spec, a->generation,
                                      g_hash_table_lookup(m->supervisor_slices, spec->supervisor), env);
                break;
        }
        case STEWARD_ACTION_STOP:
                steward_backend_stop(m->backend, a->child, a->generation, a->signal);
                break;
        case STEWARD_ACTION_KILL:
                steward_backend_kill(m->backend, a->child, a->generation);
                break;
        case STEWARD_ACTION_EVENT:
                manager_emit(m, &a->event);
                break;
        case STEWARD_ACTION_STATE_CHANGED:
                if (a->child) {
                        if (a->changed & STEWARD_PROPERTY_STATE)
                                manager_count_state(m, a->child);
                        if (m->bus_api)
                                steward_bus_child_changed(m->bus_api, a->child, a->changed);
                } else if (a->supervisor) {
                        if (m->bus_api)
                                steward_bus_supervisor_changed(m->bus_api, a->supervisor);
                } else {
                        if (m->bus_api)
                                steward_bus_manager_changed(m->bus_api, a->changed);
                        if (a->changed & STEWARD_PROPERTY_STATE)
                                manager_tree_state_changed(m);
                }
                break;
        case STEWARD_ACTION_EXIT:
                if (!m->exited) {
                        m->exited = TRUE;
                        m->exit_code = a->exit_code;
                        g_main_loop_quit(m->loop);
                }
                break;
        }
}

/* Performs every pending action. Performing one may feed the engine again
 * (a backend that fails at once reports from inside spawn), which appends
 * to the same array: the loop picks those up in order. */
static void
manager_dispatch(StewardManager *m)
{
        if (m->dispatching)
                return;
        m->dispatching = TRUE;
        for (guint i = 0; i < m->actions->len; i++)
                perform(m, &g_array_index(m->actions, StewardAction, i));
        g_array_set_size(m->actions, 0);
        m->dispatching = FALSE;
        manager_check_ready(m);
        notify_status(m);
        timer_rearm(m);
}

/* ---- backend reports ------------------------------------------------------ */

static void
on_spawned(gpointer user_data, const char *child, guint64 generation, pid_t pid, const char *unit)
{
        StewardManager *m = user_data;
        LiveSender *sender = g_new0(LiveSender, 1);

        m->spawns_in_flight--;
        sender->child = g_intern_string(child);
        sender->generation = generation;
        sender->pid = pid;
        g_hash_table_replace(m->senders, (gpointer) sender->child, sender);
        g_hash_table_replace(m->senders_by_pid, GINT_TO_POINTER(pid), sender);
        if (unit) {
                LiveUnit *u = g_new0(LiveUnit, 1);
                u->unit = g_strdup(unit);
                u->generation = generation;
                g_hash_table_replace(m->units, g_strdup(child), u);
        }
        steward_engine_child_spawned(m->engine, child, generation, (guint32) pid, now(), m->actions);
        manager_dispatch(m);
}

static void
on_spawn_failed(gpointer user_data, const char *child, guint64 generation, const char *message)
{
        StewardManager *m = user_data;

        m->spawns_in_flight--;
        steward_engine_child_spawn_failed(m->engine, child, generation, message, now(), m->actions);
        manager_dispatch(m);
}

static void
on_exited(gpointer user_data, const char *child, guint64 generation, int wait_status)
{
        StewardManager *m = user_data;
        StewardExitCode code;
        int status;

        steward_exit_code_from_wait_status(wait_status, &code, &status);
        steward_engine_child_exited(m->engine, child, generation, code, status, now(), m->actions);
        manager_dispatch(m);
}

static void
on_gone(gpointer user_data, const char *child, guint64 generation)
{
        StewardManager *m = user_data;
        LiveUnit *u = g_hash_table_lookup(m->units, child);
        LiveSender *sender = g_hash_table_lookup(m->senders, child);

        if (sender && sender->generation == generation) {
                if (g_hash_table_lookup(m->senders_by_pid, GINT_TO_POINTER(sender->pid)) == sender)
                        g_hash_table_remove(m->senders_by_pid, GINT_TO_POINTER(sender->pid));
                g_hash_table_remove(m->senders, child);
        }
        steward_engine_child_gone(m->engine, child, generation, now(), m->actions);
        /* After the engine's events, which still name the unit. */
        manager_dispatch(m);
        if (u && u->generation == generation) {
                g_hash_table_remove(m->units, child);
                if (m->bus_api)
                        steward_bus_child_changed(m->bus_api, child, 0);
        }
}

static const StewardBackendEvents backend_events = {
        .spawned = on_spawned,
        .spawn_failed = on_spawn_failed,
        .exited = on_exited,
        .gone = on_gone,
};

/* ---- sd_notify from children ----------------------------------------------- */

/* The running incarnation @pid belongs to, as the backend knows it. */
static LiveSender *
manager_find_sender(StewardManager *m, pid_t pid)
{
        LiveSender *sender;
        const char *child;
        guint64 generation;

        if (!steward_backend_lookup_pid(m->backend, pid, &child, &generation))
                return NULL;
        sender = g_hash_table_lookup(m->senders, child);
        return sender && sender->generation == generation ? sender : NULL;
}

static gboolean
on_notify(pid_t pid, uid_t uid, const StewardNotifyMessage *msg, gpointer user_data)
{
        StewardManager *m = user_data;
        LiveSender *sender = manager_find_sender(m, pid);
        const char *child;
        guint64 gen, t = now();

        if (!sender)
                return FALSE;
        child = sender->child;
        gen = sender->generation;
        /* In systemd's order: who the main process is, then state, then timers. */
        if (msg->fields & STEWARD_NOTIFY_MAINPID) {
                if (steward_backend_owns_pid(m->backend, child, msg->main_pid))
                        steward_engine_child_main_pid(m->engine, child, gen, (guint32) msg->main_pid, t,
                                                      m->actions);
                else
                        g_message("Child '%s' sent MAINPID=%d, not a process of it, ignoring", child,
                                  (int) msg->main_pid);
        }
        if (msg->fields & STEWARD_NOTIFY_STATUS)
                steward_engine_child_status(m->engine, child, gen, *msg->status ? msg->status : NULL, t,
                                            m->actions);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG_USEC)
                steward_engine_child_watchdog_usec(m->engine, child, gen, msg->watchdog_usec, t, m->actions);
        if (msg->fields & STEWARD_NOTIFY_READY)
                steward_engine_child_ready(m->engine, child, gen, t, m->actions);
        if (msg->fields & STEWARD_NOTIFY_RELOADING)
                /* No reloading state in the API: READY=1 ends it, and the
                 * child is ready already. */
                g_debug("Child '%s' is reloading", child);
        if (msg->fields & STEWARD_NOTIFY_STOPPING)
                steward_engine_child_stopping(m->engine, child, gen, t, m->actions);
        if (msg->fields & STEWARD_NOTIFY_EXTEND_TIMEOUT)
                steward_engine_child_extend_timeout(m->engine, child, gen, msg->extend_timeout_usec, t,
                                                    m->actions);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG)
                steward_engine_child_watchdog(m->engine, child, gen, t, m->actions);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG_TRIGGER)
                steward_engine_child_watchdog_trigger(m->engine, child, gen, t, m->actions);
        if ((msg->fields & STEWARD_NOTIFY_ERRNO) && msg->errno_value != sender->last_errno) {
                /* Recorded once per change, not per message: a child may repeat it. */
                sender->last_errno = msg->errno_value;
                g_message("Child '%s' reports ERRNO=%d (%s)", child, msg->errno_value,
                          g_strerror(msg->errno_value));
        }
        manager_dispatch(m);
        return TRUE;
}

static void
on_orphan(pid_t pid, int status, gpointer user_data)
{
        StewardManager *m = user_data;

        /* Adopted as subreaper, or as PID 1 of a container. */
        g_debug("Reaped orphan %d (wait status %d)", (int) pid, status);
        if (m->backend)
                steward_backend_orphan_reaped(m->backend);
}

/* ---- setup ---------------------------------------------------------------- */

static StewardSpec *
load_config(const char *path, StewardMode mode, StewardBackendKind backend, GError **error)
{
        StewardConfigOptions options = { .mode = mode, .backend = backend };
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GString) all = g_string_new(NULL);
        g_autoptr(GError) local = NULL;
        StewardSpec *spec;

        /* No --config: the default location, where no file at all is the
         * empty tree, so the shipped unit runs before anything is set up. */
        spec = path ? steward_config_load(path, &options, &problems, &local)
                    : steward_config_load_default(&options, &problems, &local);
        for (guint i = 0; problems && i < problems->len; i++) {
                g_autofree char *line = steward_problem_format(g_ptr_array_index(problems, i));
                g_string_append_printf(all, "%s%s", all->len ? "\n" : "", line);
        }
        if (!spec) {
                if (!g_error_matches(local, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG))
                        g_string_append_printf(all, "%s%s", all->len ? "\n" : "", local->message);
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG, all->str);
                return NULL;
        }
        if (all->len)
                g_message("%s", all->str);
        return spec;
}

/* The supervision tree mirrored as slices: the root's children go in
 * Slice=, a nested supervisor's in a slice of its own inside its parent's
 * (steward.slice, steward-web.slice, steward-web-db.slice), so
 * systemd-cgls shows the tree and a slice's accounting is a subtree's. */
static char *
supervisor_slice(const StewardSpec *spec, const char *name)
{
        const StewardSupervisorSpec *s = steward_spec_find_supervisor(spec, name);
        g_autofree char *parent = NULL;
        g_autofree char *escaped = NULL;
        char *slice;

        if (!s || !s->parent)
                return g_strdup(spec->slice);
        parent = supervisor_slice(spec, s->parent);
        escaped = steward_unit_name_escape(s->name);
        slice = g_strdup_printf("%.*s-%s.slice", (int) (strlen(parent) - strlen(".slice")), parent, escaped);
        if (strlen(slice) > 255) {
                /* Deeper than a unit name can say: stay in the parent's. */
                g_free(slice);
                return g_steal_pointer(&parent);
        }
        return slice;
}

static void
index_spec(StewardManager *m)
{
        struct group *gr;
        guint64 gid;

        g_hash_table_remove_all(m->child_specs);
        g_hash_table_remove_all(m->supervisor_slices);
        for (guint i = 0; i < m->spec->supervisors->len; i++) {
                StewardSupervisorSpec *sup = g_ptr_array_index(m->spec->supervisors, i);
                g_hash_table_insert(m->supervisor_slices, sup->name, supervisor_slice(m->spec, sup->name));
        }
        for (guint i = 0; i < m->spec->children->len; i++) {
                StewardChildSpec *c = g_ptr_array_index(m->spec->children, i);
                g_hash_table_insert(m->child_specs, c->name, c);
        }
        /* Resolved once: an authorization check must not block on NSS. */
        if (steward_parse_uint(m->spec->allowed_group, G_MAXUINT32 - 1, &gid)) {
                m->allowed_gid = (gid_t) gid;
                return;
        }
        gr = m->spec->allowed_group && *m->spec->allowed_group ? getgrnam(m->spec->allowed_group) : NULL;
        m->allowed_gid = gr ? gr->gr_gid : (gid_t) -1;
}

static gboolean
manager_has_systemd(GDBusConnection *bus)
{
        g_autoptr(GVariant) reply = NULL;
        gboolean has = FALSE;

        reply = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "NameHasOwner",
                                            g_variant_new("(s)", SYSTEMD_BUS_NAME), G_VARIANT_TYPE("(b)"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        if (reply)
                g_variant_get(reply, "(b)", &has);
        return has;
}

static double
engine_random(gpointer user_data)
{
        return g_random_double();
}

StewardManager *
steward_manager_new(const StewardManagerOptions *o, GError **error)
{
        g_autoptr(StewardManager) m = g_new0(StewardManager, 1);
        g_autoptr(GError) bus_error = NULL;
        StewardBackendOptions bo = { 0 };
        StewardBackendKind kind;

        m->mode = o->mode;
        m->config_path = g_strdup(o->config_path);
        m->child_specs = g_hash_table_new(g_str_hash, g_str_equal);
        m->supervisor_slices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        m->units = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) live_unit_free);
        m->actions = steward_actions_new();
        m->loop = g_main_loop_new(NULL, FALSE);
        m->log = steward_log_new(o->log_target);

        m->bus = g_bus_get_sync(o->mode == STEWARD_MODE_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                                NULL, &bus_error);
        if (m->bus)
                g_dbus_connection_set_exit_on_close(m->bus, FALSE);

        if (o->backend_forced)
                kind = o->backend;
        else
                kind = m->bus && manager_has_systemd(m->bus) ? STEWARD_BACKEND_SCOPE
                                                             : STEWARD_BACKEND_PROCESS;
        if (kind == STEWARD_BACKEND_SCOPE && !m->bus) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED,
                            _("The scope backend needs the %s bus: %s"),
                            o->mode == STEWARD_MODE_SYSTEM ? "system" : "session", bus_error->message);
                return NULL;
        }
        if (!m->bus)
                g_message("No %s bus (%s): running without the bus API, ignoring",
                          o->mode == STEWARD_MODE_SYSTEM ? "system" : "session", bus_error->message);

        m->spec = load_config(o->config_path, o->mode, kind, error);
        if (!m->spec)
                return NULL;
        index_spec(m);

        m->reaper = steward_reaper_new(on_orphan, m, error);
        if (!m->reaper)
                return NULL;
        bo.kind = kind;
        bo.mode = o->mode;
        bo.manager_bus = m->bus;
        bo.slice = m->spec->slice;
        bo.reaper = m->reaper;
        bo.events = &backend_events;
        bo.user_data = m;
        m->backend = steward_backend_new(&bo, error);
        if (!m->backend)
                return NULL;

        m->engine = steward_engine_new(m->spec, engine_random, NULL);

        m->senders = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        m->senders_by_pid = g_hash_table_new(g_direct_hash, g_direct_equal);
        m->notify = steward_notify_listener_new(on_notify, m, error);
        if (!m->notify)
                return NULL;
        m->child_states = g_hash_table_new(g_direct_hash, g_direct_equal);
        for (guint i = 0; i < steward_engine_get_n_children(m->engine); i++) {
                StewardChildInfo info;

                if (steward_engine_get_child_at(m->engine, i, &info))
                        manager_count_state(m, info.name);
        }
        m->timer = g_source_new(&timer_funcs, sizeof(GSource));
        g_source_set_callback(m->timer, on_timer, m, NULL);
        g_source_set_ready_time(m->timer, -1);
        g_source_attach(m->timer, NULL);
        return g_steal_pointer(&m);
}

void
steward_manager_free(StewardManager *m)
{
        if (!m)
                return;
        for (guint i = 0; i < G_N_ELEMENTS(m->signal_sources); i++)
                if (m->signal_sources[i])
                        g_source_remove(m->signal_sources[i]);
        if (m->name_owner_id)
                g_bus_unown_name(m->name_owner_id);
        if (m->watchdog_source)
                g_source_remove(m->watchdog_source);
        g_clear_pointer(&m->notify, steward_notify_listener_free);
        g_clear_pointer(&m->senders_by_pid, g_hash_table_unref);
        g_clear_pointer(&m->senders, g_hash_table_unref);
        g_clear_pointer(&m->child_states, g_hash_table_unref);
        g_free(m->status_sent);
        g_clear_pointer(&m->bus_api, steward_bus_free);
        if (m->timer) {
                g_source_destroy(m->timer);
                g_source_unref(m->timer);
        }
        g_clear_pointer(&m->engine, steward_engine_free);
        g_clear_pointer(&m->backend, steward_backend_free);
        g_clear_pointer(&m->reaper, steward_reaper_free);
        g_clear_object(&m->bus);
        g_clear_pointer(&m->actions, g_array_unref);
        g_clear_pointer(&m->units, g_hash_table_unref);
        g_clear_pointer(&m->child_specs, g_hash_table_unref);
        g_clear_pointer(&m->supervisor_slices, g_hash_table_unref);
        g_clear_pointer(&m->spec, steward_spec_free);
        g_clear_pointer(&m->log, steward_log_free);
        g_clear_pointer(&m->loop, g_main_loop_unref);
        g_free(m->config_path);
        g_free(m);
}

/* ---- commands ------------------------------------------------------------- */

gboolean
steward_manager_command(StewardManager *m, StewardCommandKind kind, const char *target, const char *reason,
                        const StewardActor *actor, StewardCommandOutcome *outcome, char **command_id,
                        GError **error)
{
        g_autofree char *id = NULL;
        StewardCommand cmd = { 0 };

        /* Unique within a run and readable in the journal. */
        id = g_strdup_printf("cmd-%d-%" G_GUINT64_FORMAT, (int) getpid(), ++m->command_counter);
        cmd.kind = kind;
        cmd.target = target;
        cmd.command_id = id;
        cmd.reason = reason;
        cmd.actor = *actor;
        if (!steward_engine_command(m->engine, &cmd, now(), m->actions, outcome, error)) {
                manager_dispatch(m);
                return FALSE;
        }
        manager_dispatch(m);
        if (command_id)
                *command_id = g_steal_pointer(&id);
        return TRUE;
}

void
steward_manager_command_denied(StewardManager *m, const char *method, const char *target,
                               const StewardActor *actor)
{
        StewardEvent ev = { .kind = STEWARD_EVENT_COMMAND_DENIED, .time_usec = now() };

        ev.fields = STEWARD_EVENT_FIELD_ACTOR | STEWARD_EVENT_FIELD_ERROR;
        ev.actor_uid = actor->uid;
        ev.actor_pid = actor->pid;
        ev.actor_comm = g_strdup(actor->comm);
        ev.error = g_strdup_printf("%s denied", method);
        if (target && steward_engine_get_child(m->engine, target, &(StewardChildInfo){ 0 })) {
                ev.fields |= STEWARD_EVENT_FIELD_CHILD;
                ev.child = g_intern_string(target);
        }
        manager_emit(m, &ev);
        steward_event_clear(&ev);
}

/* Reload: the engine decides what is added, removed and changed (it keeps
 * a fingerprint of every child) and acts on it; here the files are read,
 * the new spec becomes the one SPAWN looks children up in, and the
 * manager's own events and notifications go around it. */
gboolean
steward_manager_reload(StewardManager *m, const StewardActor *actor, GStrv *added, GStrv *removed,
                       GStrv *changed, GError **error)
{
        g_autoptr(StewardSpec) spec = NULL;
        g_autoptr(GError) local = NULL;
        g_autofree char *id = NULL;
        StewardCommand cmd = { 0 };
        gboolean files_changed;

        (void) sd_notify(0, "RELOADING=1");
        spec = load_config(m->config_path, m->mode, steward_backend_get_kind(m->backend), &local);
        /* The backend took the slice once; its scopes would be split over two. */
        if (spec && g_strcmp0(spec->slice, m->spec->slice) != 0)
                g_set_error_literal(&local, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                    _("Changing Slice= needs a restart of stewardd"));
        if (!local) {
                id = g_strdup_printf("cmd-%d-%" G_GUINT64_FORMAT, (int) getpid(), ++m->command_counter);
                cmd.command_id = id;
                cmd.reason = "reload";
                cmd.actor = *actor;
                (void) steward_engine_reload(m->engine, spec, &cmd, now(), m->actions, added, removed,
                                             changed, &local);
        }
        if (local) {
                /* Nothing changed: the engine refuses before it acts. */
                manager_emit_simple(m, STEWARD_EVENT_CONFIG_REJECTED, local->message);
                (void) sd_notify(0, "READY=1");
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        files_changed =
                !g_strv_equal((const char *const *) spec->files, (const char *const *) m->spec->files);
        /* Before the engine's SPAWNs are performed: they look up the new spec. */
        g_clear_pointer(&m->spec, steward_spec_free);
        m->spec = g_steal_pointer(&spec);
        index_spec(m);
        manager_emit_simple(m, STEWARD_EVENT_CONFIG_LOADED, NULL);
        manager_dispatch(m);
        if (files_changed && m->bus_api)
                steward_bus_manager_changed(m->bus_api, STEWARD_BUS_PROPERTY_CONFIG_FILES);
        (void) sd_notify(0, "READY=1");
        return TRUE;
}

/* ---- running --------------------------------------------------------------- */

static gboolean
on_terminate(gpointer user_data)
{
        StewardManager *m = user_data;
        StewardActor actor = { .uid = getuid(), .pid = 0, .comm = "signal" };
        StewardCommandOutcome outcome;
        g_autoptr(GError) error = NULL;

        if (!steward_manager_command(m, STEWARD_COMMAND_SHUTDOWN, NULL, "signal", &actor, &outcome, NULL,
                                     &error))
                g_warning("shutdown: %s", error->message);
        return G_SOURCE_CONTINUE;
}

static void
on_leftovers_cleared(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(GError) error = NULL;
        StewardManager *m;

        /* Cancelled: the manager is gone. */
        if (!steward_backend_clear_leftovers_finish(NULL, res, &error))
                return;
        m = user_data;
        steward_engine_start(m->engine, now(), m->actions);
        manager_dispatch(m);
}

/* The tree starts once a previous run's scopes are gone. */
static void
manager_start_tree(StewardManager *m)
{
        steward_backend_clear_leftovers(m->backend,
                                        (guint) (m->spec->shutdown_timeout_usec / G_USEC_PER_SEC),
                                        on_leftovers_cleared, m);
}

/* Only the owner of the name may touch steward-*.scope: clearing a previous
 * run's scopes before holding it would stop another running stewardd's. */
static void
on_name_acquired(GDBusConnection *bus, const char *name, gpointer user_data)
{
        StewardManager *m = user_data;

        if (m->name_acquired)
                return;
        m->name_acquired = TRUE;
        manager_start_tree(m);
}

static void
on_name_lost(GDBusConnection *bus, const char *name, gpointer user_data)
{
        StewardManager *m = user_data;

        m->name_lost = TRUE;
        if (!m->name_acquired) {
                g_message("The bus name %s is taken (another stewardd?); not starting", name);
                if (!m->exited) {
                        m->exited = TRUE;
                        g_main_loop_quit(m->loop);
                }
                return;
        }
        /* Without our name nobody can reach us: stop the tree and leave. */
        g_message("Lost the bus name %s; shutting down", name);
        if (!m->exited)
                on_terminate(m);
}

static gboolean
on_watchdog(gpointer user_data)
{
        (void) sd_notify(0, "WATCHDOG=1");
        return G_SOURCE_CONTINUE;
}

/* Our manager's WatchdogSec=: pinged from the main loop at half the
 * interval, so a loop that hangs is what gets us killed. */
static void
manager_start_watchdog(StewardManager *m)
{
        guint64 usec = 0;

        if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
                return;
        m->watchdog_source = g_timeout_add((guint) MAX(usec / 2 / 1000, 1), on_watchdog, m);
}

int
steward_manager_run(StewardManager *m)
{
        g_autoptr(GError) error = NULL;

        m->signal_sources[0] = g_unix_signal_add(SIGTERM, on_terminate, m);
        m->signal_sources[1] = g_unix_signal_add(SIGINT, on_terminate, m);
        m->signal_sources[2] = g_unix_signal_add(SIGHUP, on_terminate, m);
        manager_start_watchdog(m);

        if (m->bus) {
                m->bus_api = steward_bus_new(m->bus, m, &error);
                if (!m->bus_api) {
                        g_printerr("stewardd: %s\n", error->message);
                        return EXIT_FAILURE;
                }
        }
        manager_emit_simple(m, STEWARD_EVENT_MANAGER_STARTED, NULL);
        manager_emit_simple(m, STEWARD_EVENT_CONFIG_LOADED, NULL);

        /* The name comes after the tree is loaded and its objects exist,
         * and the tree starts once we hold it. */
        if (m->bus)
                m->name_owner_id = g_bus_own_name_on_connection(m->bus, STEWARD_BUS_NAME,
                                                                G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                                on_name_acquired, on_name_lost, m, NULL);
        else
                manager_start_tree(m);
        if (!m->exited)
                g_main_loop_run(m->loop);

        manager_emit_simple(m, STEWARD_EVENT_MANAGER_STOPPING, NULL);
        if (m->bus)
                g_dbus_connection_flush_sync(m->bus, NULL, NULL);
        return m->name_lost ? EXIT_FAILURE : m->exit_code;
}

/* ---- queries ---------------------------------------------------------------- */

StewardEngine *
steward_manager_get_engine(StewardManager *m)
{
        return m->engine;
}

StewardMode
steward_manager_get_mode(StewardManager *m)
{
        return m->mode;
}

const char *
steward_manager_get_backend_name(StewardManager *m)
{
        return steward_backend_kind_to_string(steward_backend_get_kind(m->backend));
}

const char *const *
steward_manager_get_config_files(StewardManager *m)
{
        return (const char *const *) m->spec->files;
}

gid_t
steward_manager_get_allowed_gid(StewardManager *m)
{
        return m->allowed_gid;
}

const char *
steward_manager_get_unit(StewardManager *m, const char *child)
{
        LiveUnit *u = g_hash_table_lookup(m->units, child);

        return u ? u->unit : NULL;
}
