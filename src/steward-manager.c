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
#include "steward-reaper.h"

G_DEFINE_QUARK(steward-manager-error-quark, steward_manager_error)

typedef struct {
        char *unit;
        guint64 generation;
} LiveUnit;

struct _StewardManager {
        StewardMode mode;
        char *config_path;
        StewardSpec *spec;
        GHashTable *child_specs; /* name -> StewardChildSpec* (in spec) */
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
        GHashTable *units; /* child -> LiveUnit* */
        guint64 command_counter;

        GMainLoop *loop;
        int exit_code;
        gboolean exited;
        gboolean ready_reported;
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
        const char *unit = u && (ev->fields & STEWARD_EVENT_FIELD_GENERATION) && u->generation == ev->generation
                                   ? u->unit
                                   : NULL;

        m->sequence++;
        steward_log_event(m->log, m->sequence, ev, unit);
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

static void
notify_status(StewardManager *m)
{
        guint n = steward_engine_get_n_children(m->engine), ready = 0, backoff = 0, failed = 0;
        g_autofree char *status = NULL;

        for (guint i = 0; i < n; i++) {
                StewardChildInfo info;
                if (!steward_engine_get_child_at(m->engine, i, &info))
                        continue;
                if (info.state == STEWARD_CHILD_STATE_READY || info.state == STEWARD_CHILD_STATE_RUNNING)
                        ready++;
                else if (info.state == STEWARD_CHILD_STATE_BACKOFF)
                        backoff++;
                else if (info.state == STEWARD_CHILD_STATE_FAILED || info.state == STEWARD_CHILD_STATE_QUARANTINED)
                        failed++;
        }
        status = g_strdup_printf("STATUS=%u children: %u up, %u in backoff, %u failed", n, ready, backoff, failed);
        (void) sd_notify(0, status);
}

static void
manager_tree_state_changed(StewardManager *m)
{
        StewardTreeState state = steward_engine_get_tree_state(m->engine);

        if (state == STEWARD_TREE_STATE_RUNNING && !m->ready_reported) {
                m->ready_reported = TRUE;
                manager_emit_simple(m, STEWARD_EVENT_MANAGER_READY, NULL);
                (void) sd_notify(0, "READY=1");
        } else if (state == STEWARD_TREE_STATE_STOPPING)
                (void) sd_notify(0, "STOPPING=1");
}

static void
perform(StewardManager *m, const StewardAction *a)
{
        switch (a->type) {
        case STEWARD_ACTION_SPAWN: {
                const StewardChildSpec *spec = g_hash_table_lookup(m->child_specs, a->child);
                g_return_if_fail(spec);
                steward_backend_spawn(m->backend, spec, a->generation, NULL);
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
                        if (m->bus_api)
                                steward_bus_child_changed(m->bus_api, a->child, a->changed);
                } else if (a->supervisor) {
                        if (m->bus_api)
                                steward_bus_supervisor_changed(m->bus_api, a->supervisor);
                } else {
                        if (m->bus_api)
                                steward_bus_manager_changed(m->bus_api);
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
        if (m->ready_reported)
                notify_status(m);
        timer_rearm(m);
}

/* ---- backend reports ------------------------------------------------------ */

static void
on_spawned(gpointer user_data, const char *child, guint64 generation, pid_t pid, const char *unit)
{
        StewardManager *m = user_data;

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
                if (!g_error_matches(local, STEWARD_CONFIG_ERROR, STEWARD_CONFIG_ERROR_INVALID))
                        g_string_append_printf(all, "%s%s", all->len ? "\n" : "", local->message);
                g_set_error_literal(error, STEWARD_MANAGER_ERROR, STEWARD_MANAGER_ERROR_INVALID_CONFIG, all->str);
                return NULL;
        }
        if (all->len)
                g_message("%s", all->str);
        return spec;
}

static void
index_spec(StewardManager *m)
{
        struct group *gr;

        g_hash_table_remove_all(m->child_specs);
        for (guint i = 0; i < m->spec->children->len; i++) {
                StewardChildSpec *c = g_ptr_array_index(m->spec->children, i);
                g_hash_table_insert(m->child_specs, c->name, c);
        }
        /* Resolved once: an authorization check must not block on NSS. */
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
        m->units = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) live_unit_free);
        m->actions = steward_actions_new();
        m->loop = g_main_loop_new(NULL, FALSE);
        m->log = steward_log_new(o->log_target);

        m->bus = g_bus_get_sync(o->mode == STEWARD_MODE_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL,
                                &bus_error);
        if (m->bus)
                g_dbus_connection_set_exit_on_close(m->bus, FALSE);

        if (o->backend_forced)
                kind = o->backend;
        else
                kind = m->bus && manager_has_systemd(m->bus) ? STEWARD_BACKEND_SCOPE : STEWARD_BACKEND_PROCESS;
        if (kind == STEWARD_BACKEND_SCOPE && !m->bus) {
                g_set_error(error, STEWARD_MANAGER_ERROR, STEWARD_MANAGER_ERROR_FAILED,
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

/* A child's spec as a string, to tell changed children from unchanged. */
static char *
child_fingerprint(const StewardChildSpec *c)
{
        g_autofree char *argv = c->argv ? g_strjoinv("\x1f", c->argv) : g_strdup("");
        g_autofree char *env = c->environment ? g_strjoinv("\x1f", c->environment) : g_strdup("");

        return g_strdup_printf("%s|%d|%d|%d|%s|%s|%s|%s|%s|%s|%s|%" G_GUINT64_FORMAT "|%" G_GUINT64_FORMAT
                               "|%g|%" G_GUINT64_FORMAT "|%u|%" G_GUINT64_FORMAT "|%" G_GUINT64_FORMAT
                               "|%d|%" G_GUINT64_FORMAT "|%" G_GUINT64_FORMAT "|%d|%" G_GUINT64_FORMAT
                               "|%" G_GUINT64_FORMAT,
                               c->supervisor, c->role, c->restart, c->type, argv, env,
                               c->working_directory ? c->working_directory : "", c->user ? c->user : "",
                               c->group ? c->group : "", c->syslog_identifier ? c->syslog_identifier : "",
                               c->sidecar_of ? c->sidecar_of : "", c->restart_usec, c->restart_max_delay_usec,
                               c->restart_jitter, c->restart_stable_usec, c->restart_intensity,
                               c->restart_period_usec, c->watchdog_usec, c->watchdog_signal,
                               c->timeout_start_usec, c->timeout_stop_usec, c->kill_signal, c->memory_max,
                               c->tasks_max);
}

gboolean
steward_manager_reload(StewardManager *m, GStrv *added, GStrv *removed, GStrv *changed, GError **error)
{
        g_autoptr(StewardSpec) spec = NULL;
        g_autoptr(GStrvBuilder) a = g_strv_builder_new();
        g_autoptr(GStrvBuilder) r = g_strv_builder_new();
        g_autoptr(GStrvBuilder) c = g_strv_builder_new();
        gboolean differs = FALSE;

        (void) sd_notify(0, "RELOADING=1");
        spec = load_config(m->config_path, m->mode,
                           g_str_equal(steward_backend_get_name(m->backend), "scope") ? STEWARD_BACKEND_SCOPE
                                                                                      : STEWARD_BACKEND_PROCESS,
                           error);
        if (!spec) {
                manager_emit_simple(m, STEWARD_EVENT_CONFIG_REJECTED, (*error)->message);
                (void) sd_notify(0, "READY=1");
                return FALSE;
        }
        for (guint i = 0; i < spec->children->len; i++) {
                StewardChildSpec *n = g_ptr_array_index(spec->children, i);
                StewardChildSpec *o = g_hash_table_lookup(m->child_specs, n->name);
                if (!o) {
                        g_strv_builder_add(a, n->name);
                        differs = TRUE;
                } else {
                        g_autofree char *fo = child_fingerprint(o);
                        g_autofree char *fn = child_fingerprint(n);
                        if (!g_str_equal(fo, fn)) {
                                g_strv_builder_add(c, n->name);
                                differs = TRUE;
                        }
                }
        }
        for (guint i = 0; i < m->spec->children->len; i++) {
                StewardChildSpec *o = g_ptr_array_index(m->spec->children, i);
                if (!steward_spec_find_child(spec, o->name)) {
                        g_strv_builder_add(r, o->name);
                        differs = TRUE;
                }
        }
        (void) sd_notify(0, "READY=1");
        if (differs) {
                /* The engine takes a tree once; applying a different one
                 * in place is not done yet, and half-applying it would be
                 * worse than refusing. */
                g_set_error_literal(error, STEWARD_MANAGER_ERROR, STEWARD_MANAGER_ERROR_FAILED,
                                    _("The configuration changed; applying changes needs a restart of stewardd "
                                      "for now"));
                return FALSE;
        }
        manager_emit_simple(m, STEWARD_EVENT_CONFIG_LOADED, NULL);
        *added = g_strv_builder_end(a);
        *removed = g_strv_builder_end(r);
        *changed = g_strv_builder_end(c);
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

        if (!steward_manager_command(m, STEWARD_COMMAND_SHUTDOWN, NULL, "signal", &actor, &outcome, NULL, &error))
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

static void
on_name_lost(GDBusConnection *bus, const char *name, gpointer user_data)
{
        StewardManager *m = user_data;

        /* Without our name nobody can reach us: stop the tree and leave. */
        g_warning("Lost (or could not take) the bus name %s; shutting down", name);
        m->name_lost = TRUE;
        if (!m->exited)
                on_terminate(m);
}

int
steward_manager_run(StewardManager *m)
{
        g_autoptr(GError) error = NULL;

        m->signal_sources[0] = g_unix_signal_add(SIGTERM, on_terminate, m);
        m->signal_sources[1] = g_unix_signal_add(SIGINT, on_terminate, m);
        m->signal_sources[2] = g_unix_signal_add(SIGHUP, on_terminate, m);

        if (m->bus) {
                m->bus_api = steward_bus_new(m->bus, m, &error);
                if (!m->bus_api) {
                        g_printerr("stewardd: %s\n", error->message);
                        return EXIT_FAILURE;
                }
        }
        manager_emit_simple(m, STEWARD_EVENT_MANAGER_STARTED, NULL);
        manager_emit_simple(m, STEWARD_EVENT_CONFIG_LOADED, NULL);

        /* The name comes after the tree is loaded and its objects exist. */
        if (m->bus)
                m->name_owner_id = g_bus_own_name_on_connection(m->bus, STEWARD_BUS_NAME,
                                                                G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, NULL,
                                                                on_name_lost, m, NULL);

        /* The tree starts once a previous run's scopes are gone. */
        steward_backend_clear_leftovers(m->backend, (guint) (m->spec->shutdown_timeout_usec / G_USEC_PER_SEC),
                                        on_leftovers_cleared, m);
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
        return steward_backend_get_name(m->backend);
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
