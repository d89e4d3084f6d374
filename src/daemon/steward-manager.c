/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-manager.c: the daemon: drives the engine from the backend's reports, commands and the clock.
 *
 * Everything the engine decides comes back as actions; this file is the
 * one place that performs them: spawning and stopping through the backend,
 * numbering events, and telling the listeners (bus objects, journal, our
 * own service manager) what happened and which properties changed, and
 * keeping one timer armed at the engine's next deadline. Nothing here
 * knows who listens. */
#include "config.h"

#include <glib/gi18n.h>
#include <grp.h>

#include "manager-private.h"
#include "steward-names.h"
#include "steward-notify-router.h"
#include "steward-parse.h"
#include "steward-reaper.h"
#include "steward-sd-bus.h"
#include "steward-spawn.h"
#include "steward-util.h"

guint64
manager_now(void)
{
        return (guint64) g_get_monotonic_time();
}

/* ---- listeners ------------------------------------------------------------ */

void
steward_manager_add_listener(StewardManager *m, const StewardManagerListener *listener, gpointer user_data)
{
        Listener l = { listener, user_data };

        g_array_append_val(m->listeners, l);
}

static void
tell_child_changed(StewardManager *m, const char *child, guint changed)
{
        FOR_EACH_LISTENER(m, l, child_changed)
        l->l->child_changed(l->data, child, changed);
}

void
manager_tell_manager_changed(StewardManager *m, guint changed)
{
        FOR_EACH_LISTENER(m, l, manager_changed)
        l->l->manager_changed(l->data, changed);
}

static void
tell_reloading(StewardManager *m, gboolean reloading)
{
        FOR_EACH_LISTENER(m, l, reloading)
        l->l->reloading(l->data, reloading);
}

/* ---- events ------------------------------------------------------------- */

void
manager_emit_now(StewardManager *m, const StewardEvent *ev, const char *unit)
{
        /* The backend holds an incarnation until its gone report was
         * delivered, so the last events of one still name its scope. */
        if (!unit && ev->child && (ev->fields & STEWARD_EVENT_FIELD_GENERATION))
                unit = steward_backend_get_unit(m->backend, ev->child, ev->generation);

        manager_sequence_next(m);
        manager_note_changes(m, ev);
        FOR_EACH_LISTENER(m, l, event)
        l->l->event(l->data, m->sequence, ev, unit);
        /* The state file keeps the sequence: an event that comes from
         * outside the engine's dispatch (a rate limiter's summary, the
         * journal's loss and return, a command that changed nothing) must
         * be saved too, or a stewardd killed after it leaves a file that
         * never says so. Coalesced with any save already pending. */
        manager_state_changed(m);
}

void
manager_emit(StewardManager *m, const StewardEvent *ev, const char *unit)
{
        /* Held back before it is numbered: no gap in STEWARD_SEQUENCE. */
        if (manager_ratelimit_pass(m, ev))
                manager_emit_now(m, ev, unit);
}

/* An event of the daemon's own, outside the engine. */
void
manager_emit_simple(StewardManager *m, StewardEventKind kind, const char *error)
{
        StewardEvent ev = { .kind = kind, .time_usec = manager_now() };

        if (error) {
                ev.fields |= STEWARD_EVENT_FIELD_ERROR;
                ev.error = g_strdup(error);
        }
        manager_emit(m, &ev, NULL);
        steward_event_clear(&ev);
}

/* ---- the engine's clock -------------------------------------------------- */

static gboolean
on_timer(gpointer user_data)
{
        StewardManager *m = user_data;

        /* The socket first: its source runs below this timer's priority,
         * and after a stall the deadline would be judged before the pings
         * queued in time were read. */
        steward_notify_router_drain(m->notify);
        steward_engine_tick(m->engine, manager_now(), m->actions);
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

/* manager_ready once the initial tree is up: the engine's tree state says
 * every member was started in order (a Type=notify child only once ready
 * or failed); a Type=simple child counts as started once its spawn was
 * reported, so the last ones must have been. */
static void
manager_check_ready(StewardManager *m)
{
        if (m->ready_reported || m->spawns_in_flight > 0 ||
            steward_engine_get_tree_state(m->engine) != STEWARD_TREE_STATE_RUNNING)
                return;
        m->ready_reported = TRUE;
        manager_emit_simple(m, STEWARD_EVENT_MANAGER_READY, NULL);
}

/* The protocol variables of a child, exactly as systemd sets them for a
 * service: NOTIFY_SOCKET for Type=notify, and with WatchdogSec= also
 * WATCHDOG_USEC and WATCHDOG_PID, the main PID, which the forked child
 * fills in itself (see steward-spawn.c). */
static char **
manager_child_env(StewardManager *m, const StewardChildSpec *spec)
{
        GPtrArray *env = g_ptr_array_new();

        /* HeartbeatSec= needs the socket for WATCHDOG=1 whatever the Type=. */
        if (spec->type == STEWARD_CHILD_NOTIFY || spec->heartbeat_usec > 0)
                g_ptr_array_add(env, g_strdup_printf("NOTIFY_SOCKET=%s",
                                                     steward_notify_router_get_address(m->notify)));
        if (spec->type == STEWARD_CHILD_NOTIFY) {
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
        case STEWARD_ACTION_PROBE: {
                const StewardChildSpec *spec = g_hash_table_lookup(m->child_specs, a->child);

                g_return_if_fail(spec);
                steward_backend_probe(m->backend, spec, a->generation, a->probe);
                break;
        }
        case STEWARD_ACTION_CANCEL_PROBE:
                steward_backend_cancel_probe(m->backend, a->probe);
                break;
        case STEWARD_ACTION_SIGNAL:
                /* The reload's timeout reports a signal that reached nobody. */
                if (!steward_backend_signal_main(m->backend, a->child, a->generation, a->signal))
                        g_message("Could not send signal %d to the main process of child '%s', ignoring",
                                  a->signal, a->child);
                break;
        case STEWARD_ACTION_EVENT:
                manager_emit(m, &a->event, NULL);
                break;
        case STEWARD_ACTION_STATE_CHANGED:
                if (a->child) {
                        guint changed = a->changed;

                        /* Unit follows the incarnation: it is derived from
                         * the same state, so it may change with any of it. */
                        if (changed & (STEWARD_PROPERTY_STATE | STEWARD_PROPERTY_MAIN_PID |
                                       STEWARD_PROPERTY_GENERATION))
                                changed |= STEWARD_PROPERTY_EXTRA_UNIT;
                        tell_child_changed(m, a->child, changed);
                } else if (a->supervisor) {
                        if (a->changed & STEWARD_PROPERTY_STATE)
                                manager_note_supervisor(m, a->supervisor);
                        FOR_EACH_LISTENER(m, l, supervisor_changed)
                        l->l->supervisor_changed(l->data, a->supervisor, a->changed);
                } else
                        manager_tell_manager_changed(m, a->changed);
                break;
        case STEWARD_ACTION_EXIT:
                if (!m->exited) {
                        m->exited = TRUE;
                        manager_state_remove(m);
                        FOR_EACH_LISTENER(m, l, exit)
                        l->l->exit(l->data, a->exit_code);
                }
                break;
        }
}

/* Performs every pending action. Performing one may feed the engine again
 * (a backend that fails at once reports from inside spawn), which appends
 * to the same array: the loop picks those up in order. */
void
manager_dispatch(StewardManager *m)
{
        guint n;

        if (m->dispatching)
                return;
        m->dispatching = TRUE;
        for (guint i = 0; i < m->actions->len; i++)
                perform(m, &g_array_index(m->actions, StewardAction, i));
        n = m->actions->len;
        g_array_set_size(m->actions, 0);
        /* A GArray keeps its largest size: the bring-up of a large tree, a
         * few actions per child, would stay allocated for the rest of the
         * run. The array itself stays (the notify router holds it). */
        if (n > MANAGER_ACTIONS_KEPT)
                g_free(g_array_steal(m->actions, NULL));
        m->dispatching = FALSE;
        manager_check_ready(m);
        manager_state_changed(m);
        manager_reexec_check(m);
        FOR_EACH_LISTENER(m, l, settled)
        l->l->settled(l->data);
        timer_rearm(m);
}

static void
router_dispatch(gpointer user_data)
{
        manager_dispatch(user_data);
}

/* ---- backend reports ------------------------------------------------------ */

static void
on_spawned(gpointer user_data, const char *child, guint64 generation, pid_t pid, const char *unit)
{
        StewardManager *m = user_data;

        m->spawns_in_flight--;
        steward_engine_child_spawned(m->engine, child, generation, (guint32) pid, manager_now(), m->actions);
        manager_dispatch(m);
}

static void
on_spawn_failed(gpointer user_data, const char *child, guint64 generation, const char *message)
{
        StewardManager *m = user_data;

        m->spawns_in_flight--;
        steward_engine_child_spawn_failed(m->engine, child, generation, message, manager_now(), m->actions);
        manager_dispatch(m);
}

static void
on_exited(gpointer user_data, const char *child, guint64 generation, int wait_status, StewardExitCause cause)
{
        StewardManager *m = user_data;
        StewardExitCode code = STEWARD_EXIT_CODE_UNKNOWN;
        int status = 0;

        if (wait_status != STEWARD_BACKEND_WAIT_STATUS_UNKNOWN)
                steward_exit_code_from_wait_status(wait_status, &code, &status);
        steward_engine_child_exited_with_cause(m->engine, child, generation, code, status, cause,
                                               manager_now(), m->actions);
        manager_dispatch(m);
}

static void
on_gone(gpointer user_data, const char *child, guint64 generation)
{
        StewardManager *m = user_data;
        gboolean had_unit = steward_manager_get_unit(m, child) != NULL;

        steward_notify_router_forget(m->notify, child, generation);
        m->gone_child = g_intern_string(child);
        m->gone_generation = generation;
        steward_engine_child_gone(m->engine, child, generation, manager_now(), m->actions);
        manager_dispatch(m);
        /* The engine need not change anything the Unit is derived from
         * (a stopped child stays stopped), but the scope is gone. */
        if (had_unit)
                tell_child_changed(m, child, STEWARD_PROPERTY_EXTRA_UNIT);
        m->gone_child = NULL;
}

/* One journal_unavailable per outage, however many children start during
 * it, and journal_available with the first that connects again: there is
 * no polling, each spawn simply tries the journal again. */
static void
on_journal(gpointer user_data, const char *child, guint64 generation, const char *error)
{
        StewardManager *m = user_data;
        StewardEvent ev = {
                .kind = error ? STEWARD_EVENT_JOURNAL_UNAVAILABLE : STEWARD_EVENT_JOURNAL_AVAILABLE,
                .time_usec = manager_now(),
                .fields = STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_GENERATION,
                .child = g_intern_string(child),
                .generation = generation,
        };

        if (!!error == m->journal_unavailable)
                return;
        m->journal_unavailable = !!error;
        if (error) {
                ev.fields |= STEWARD_EVENT_FIELD_ERROR;
                ev.error = g_strdup(error);
        }
        manager_emit(m, &ev, NULL);
        steward_event_clear(&ev);
}

static void
on_probe_ended(gpointer user_data, const char *child, guint64 generation, guint64 probe, int wait_status,
               const char *error)
{
        StewardManager *m = user_data;
        StewardExitCode code = STEWARD_EXIT_CODE_UNKNOWN;
        int status = 0;

        if (!error)
                steward_exit_code_from_wait_status(wait_status, &code, &status);
        steward_engine_child_probe_ended(m->engine, child, generation, probe, code, status, error,
                                         manager_now(), m->actions);
        manager_dispatch(m);
}

/* MAINPID= a process sent just before it exited must be read before its
 * exit is judged: the notify socket's source runs after the reaper's. */
static void
on_main_exiting(gpointer user_data)
{
        StewardManager *m = user_data;

        if (m->notify)
                steward_notify_router_drain(m->notify);
}

static const StewardBackendEvents backend_events = {
        .spawned = on_spawned,
        .spawn_failed = on_spawn_failed,
        .exited = on_exited,
        .gone = on_gone,
        .journal = on_journal,
        .probe_ended = on_probe_ended,
        .main_exiting = on_main_exiting,
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

StewardSpec *
manager_load_config(StewardManager *m, StewardBackendKind backend, const char *fragment, char **ret_child,
                    GError **error)
{
        StewardConfigOptions options = { .mode = m->mode,
                                         .backend = backend,
                                         .runtime_dropin_dir = m->runtime_dropin_dir };
        const char *path = m->config_path;
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GString) all = g_string_new(NULL);
        g_autoptr(GError) local = NULL;
        StewardSpec *spec;

        /* No --config: the default location, where no file at all is the
         * empty tree, so the shipped unit runs before anything is set up. */
        if (fragment)
                spec = steward_config_load_fragment(path, &options, MANAGER_FRAGMENT_FILE, fragment, -1,
                                                    ret_child, &problems, &local);
        else
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
        slice = g_strdup_printf("%.*s-%s" STEWARD_SLICE_SUFFIX,
                                (int) (strlen(parent) - strlen(STEWARD_SLICE_SUFFIX)), parent, escaped);
        if (strlen(slice) > STEWARD_UNIT_NAME_MAX) {
                /* Deeper than a unit name can say: stay in the parent's. */
                g_free(slice);
                return g_steal_pointer(&parent);
        }
        return slice;
}

void
manager_index_spec(StewardManager *m)
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

/* Limits are applied in place, never by a restart: a supervisor's on its
 * slice (the subtree shares them), a child's on its running scope (one
 * starting later takes them from the spec). @old: the spec before a
 * reload, whose values those of @spec that changed replace; NULL at
 * start, when the slices of the supervisors that set any are configured
 * before any scope lands in them, and the scopes adopted from a previous
 * run get their child's current values. @wait: see
 * steward_backend_set_child_resources(). */
void
manager_apply_resources(StewardManager *m, const StewardSpec *old, const StewardSpec *spec, gboolean wait)
{
        for (guint i = 0; i < spec->supervisors->len; i++) {
                const StewardSupervisorSpec *sup = g_ptr_array_index(spec->supervisors, i);
                const StewardSupervisorSpec *before =
                        old ? steward_spec_find_supervisor(old, sup->name) : NULL;
                g_autofree char *slice = NULL;

                if (before ? steward_resources_equal(&before->resources, &sup->resources)
                           : !steward_resources_is_set(&sup->resources))
                        continue;
                slice = supervisor_slice(spec, sup->name);
                steward_backend_set_slice_resources(m->backend, slice, &sup->resources, wait);
        }
        for (guint i = 0; i < spec->children->len; i++) {
                const StewardChildSpec *c = g_ptr_array_index(spec->children, i);
                const StewardChildSpec *before = old ? steward_spec_find_child(old, c->name) : NULL;

                if (old ? !before || steward_resources_equal(&before->resources, &c->resources)
                        : !steward_resources_is_set(&c->resources))
                        continue;
                steward_backend_set_child_resources(m->backend, c->name, &c->resources, wait);
        }
}

/* Asked once, before the main loop runs. */
static gboolean
manager_has_systemd(sd_bus *bus)
{
        g_autoptr(sd_bus_message) reply = NULL;
        int has = FALSE;

        if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", SYSTEMD_BUS_NAME) < 0 ||
            sd_bus_message_read(reply, "b", &has) < 0)
                return FALSE;
        return has;
}

static gboolean
on_bus_ended(gpointer user_data)
{
        StewardManager *m = user_data;

        FOR_EACH_LISTENER(m, l, bus_ended)
        l->l->bus_ended(l->data);
        return G_SOURCE_REMOVE;
}

/* The bus of @mode, dispatched from the default main context. */
static sd_bus *
manager_open_bus(StewardManager *m, StewardMode mode, GError **error)
{
        sd_bus *bus = NULL;
        int r = mode == STEWARD_MODE_SYSTEM ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);

        if (r < 0) {
                steward_set_errno_error(error, -r,
                                        mode == STEWARD_MODE_SYSTEM ? "system bus" : "session bus");
                return NULL;
        }
        m->bus_source = steward_sd_bus_source_new(bus);
        g_source_set_callback(m->bus_source, on_bus_ended, m, NULL);
        g_source_attach(m->bus_source, NULL);
        return bus;
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

        m->changes_fd = -1;
        m->mode = o->mode;
        m->config_path = g_strdup(o->config_path);
        m->child_specs = g_hash_table_new(g_str_hash, g_str_equal);
        m->supervisor_slices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        m->actions = steward_actions_new();
        m->listeners = g_array_new(FALSE, FALSE, sizeof(Listener));
        manager_ratelimit_init(m);

        m->bus = manager_open_bus(m, o->mode, &bus_error);

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

        m->runtime_dropin_dir = manager_runtime_dropin_dir(o->mode);
        m->spec = manager_load_config(m, kind, NULL, NULL, error);
        if (!m->spec)
                return NULL;
        manager_index_spec(m);

        m->reaper = steward_reaper_new(on_orphan, m, error);
        if (!m->reaper)
                return NULL;
        bo.kind = kind;
        bo.mode = o->mode;
        bo.manager_bus_only = o->manager_bus_only;
        bo.slice = m->spec->slice;
        bo.reaper = m->reaper;
        bo.events = &backend_events;
        bo.user_data = m;
        m->backend = steward_backend_new(&bo, error);
        if (!m->backend)
                return NULL;

        m->engine = steward_engine_new(m->spec, engine_random, NULL);
        if (!manager_restore_load(m, error))
                return NULL;
        m->notify = steward_notify_router_new(o->mode, m->backend, m->engine, m->actions, router_dispatch, m,
                                              error);
        if (!m->notify)
                return NULL;
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
        g_clear_pointer(&m->notify, steward_notify_router_free);
        manager_ratelimit_clear(m);
        manager_restore_clear(m);
        if (m->timer) {
                g_source_destroy(m->timer);
                g_source_unref(m->timer);
        }
        g_clear_pointer(&m->engine, steward_engine_free);
        g_clear_pointer(&m->backend, steward_backend_free);
        g_clear_pointer(&m->reaper, steward_reaper_free);
        if (m->bus_source) {
                g_source_destroy(m->bus_source);
                g_clear_pointer(&m->bus_source, g_source_unref);
        }
        m->bus = sd_bus_flush_close_unref(m->bus);
        g_clear_pointer(&m->actions, g_array_unref);
        g_clear_pointer(&m->listeners, g_array_unref);
        g_clear_pointer(&m->child_specs, g_hash_table_unref);
        g_clear_pointer(&m->supervisor_slices, g_hash_table_unref);
        g_clear_pointer(&m->spec, steward_spec_free);
        g_free(m->config_path);
        g_free(m->runtime_dropin_dir);
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
        if (!steward_engine_command(m->engine, &cmd, manager_now(), m->actions, outcome, error)) {
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
        StewardEvent ev = { .kind = STEWARD_EVENT_COMMAND_DENIED, .time_usec = manager_now() };

        ev.fields = STEWARD_EVENT_FIELD_ACTOR | STEWARD_EVENT_FIELD_ERROR;
        ev.actor_uid = actor->uid;
        ev.actor_pid = actor->pid;
        ev.actor_comm = g_strdup(actor->comm);
        ev.error = g_strdup_printf("%s denied", method);
        if (target && steward_engine_get_child(m->engine, target, &(StewardChildInfo){ 0 })) {
                ev.fields |= STEWARD_EVENT_FIELD_CHILD;
                ev.child = g_intern_string(target);
        }
        manager_emit(m, &ev, NULL);
        steward_event_clear(&ev);
}

/* Role= is the one setting a reload changes in place that the engine's
 * property bits do not cover: the roles before, to compare with after. */
static GHashTable *
manager_roles(StewardManager *m)
{
        GHashTable *roles = g_hash_table_new(g_direct_hash, g_direct_equal);

        for (guint i = 0; i < steward_engine_get_n_children(m->engine); i++) {
                StewardChildInfo info;

                if (steward_engine_get_child_at(m->engine, i, &info))
                        g_hash_table_insert(roles, (gpointer) g_intern_string(info.name),
                                            GINT_TO_POINTER(info.role));
        }
        return roles;
}

static void
manager_tell_roles(StewardManager *m, GHashTable *before)
{
        for (guint i = 0; i < steward_engine_get_n_children(m->engine); i++) {
                StewardChildInfo info;
                gpointer old;

                if (steward_engine_get_child_at(m->engine, i, &info) &&
                    g_hash_table_lookup_extended(before, g_intern_string(info.name), NULL, &old) &&
                    (StewardRole) GPOINTER_TO_INT(old) != info.role)
                        tell_child_changed(m, info.name, STEWARD_PROPERTY_EXTRA_ROLE);
        }
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
        g_autoptr(StewardSpec) old = NULL;
        g_autoptr(GError) local = NULL;
        g_autoptr(GHashTable) roles = NULL;
        g_autofree char *id = NULL;
        StewardCommand cmd = { 0 };
        gboolean files_changed;

        tell_reloading(m, TRUE);
        spec = manager_load_config(m, steward_backend_get_kind(m->backend), NULL, NULL, &local);
        /* The backend took the slice once; its scopes would be split over two. */
        if (spec && g_strcmp0(spec->slice, m->spec->slice) != 0)
                g_set_error_literal(&local, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                    _("Changing Slice= needs a restart of stewardd"));
        if (!local) {
                id = g_strdup_printf("cmd-%d-%" G_GUINT64_FORMAT, (int) getpid(), ++m->command_counter);
                cmd.command_id = id;
                cmd.reason = "reload";
                cmd.actor = *actor;
                roles = manager_roles(m);
                (void) steward_engine_reload(m->engine, spec, &cmd, manager_now(), m->actions, added,
                                             removed, changed, &local);
        }
        /* What cannot change in place changes across a re-exec: the new
         * image reads the files and takes the children over. */
        if (g_error_matches(local, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED) &&
            manager_reload_by_reexec(m, spec, local->message, added, removed, changed)) {
                /* The new image applies what is set; what this reload takes
                 * back only the old one knows. It waits for the manager's
                 * answers: the calls of a connection gone by the time the
                 * manager checks who sent them are refused. */
                manager_apply_resources(m, m->spec, spec, TRUE);
                tell_reloading(m, FALSE);
                return TRUE;
        }
        if (local) {
                /* Nothing changed: the engine refuses before it acts. */
                manager_emit_simple(m, STEWARD_EVENT_CONFIG_REJECTED, local->message);
                tell_reloading(m, FALSE);
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        files_changed =
                !g_strv_equal((const char *const *) spec->files, (const char *const *) m->spec->files);
        /* Before the engine's SPAWNs are performed: they look up the new spec,
         * and land in slices that have their new settings. */
        old = g_steal_pointer(&m->spec);
        m->spec = g_steal_pointer(&spec);
        manager_index_spec(m);
        manager_apply_resources(m, old, m->spec, FALSE);
        manager_emit_simple(m, STEWARD_EVENT_CONFIG_LOADED, NULL);
        manager_dispatch(m);
        manager_tell_roles(m, roles);
        if (files_changed)
                manager_tell_manager_changed(m, STEWARD_PROPERTY_EXTRA_CONFIG_FILES);
        tell_reloading(m, FALSE);
        return TRUE;
}

/* ---- running --------------------------------------------------------------- */

void
steward_manager_announce_started(StewardManager *m)
{
        manager_emit_simple(m, STEWARD_EVENT_MANAGER_STARTED, NULL);
        manager_emit_simple(m, STEWARD_EVENT_CONFIG_LOADED, NULL);
}

void
steward_manager_announce_stopping(StewardManager *m)
{
        /* What was held back is told before the last word. */
        manager_ratelimit_flush_all(m);
        manager_emit_simple(m, STEWARD_EVENT_MANAGER_STOPPING, NULL);
}

void
steward_manager_shutdown(StewardManager *m, const char *reason)
{
        StewardActor actor = { .uid = getuid(), .pid = 0, .comm = "signal" };
        StewardCommandOutcome outcome;
        g_autoptr(GError) error = NULL;

        if (!steward_manager_command(m, STEWARD_COMMAND_SHUTDOWN, NULL, reason, &actor, &outcome, NULL,
                                     &error))
                g_warning("shutdown: %s", error->message);
}

void
steward_manager_prepare(StewardManager *m, void (*prepared)(gpointer user_data), gpointer user_data)
{
        g_return_if_fail(!m->prepared);

        m->prepared = prepared;
        m->prepared_data = user_data;
        manager_restore_survey(m);
}

void
steward_manager_start(StewardManager *m)
{
        if (m->started)
                return;
        g_return_if_fail(m->leftovers);
        m->started = TRUE;
        manager_restore_start(m);
}

/* ---- queries ---------------------------------------------------------------- */

sd_bus *
steward_manager_get_connection(StewardManager *m)
{
        return m->bus;
}

void
steward_manager_flush(StewardManager *m)
{
        if (m->bus)
                (void) sd_bus_flush(m->bus);
        if (m->backend)
                steward_backend_flush(m->backend);
}

int
steward_manager_get_notify_fd(StewardManager *m)
{
        return steward_notify_router_get_fd(m->notify);
}

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

guint64
steward_manager_get_notify_dropped(StewardManager *m)
{
        return m->notify ? steward_notify_router_get_dropped(m->notify) : 0;
}

const char *
steward_manager_get_unit(StewardManager *m, const char *child)
{
        StewardChildInfo info;

        if (!steward_engine_get_child(m->engine, child, &info))
                return NULL;
        if (m->gone_child == g_intern_string(child) && m->gone_generation == info.generation)
                return NULL;
        return steward_backend_get_unit(m->backend, child, info.generation);
}
