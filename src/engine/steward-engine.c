/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-engine.c: the engine's core: names, actions, dirty tracking, construction, inputs, queries. */
#include "config.h"

#include "engine-private.h"

/* ---- names ---- */

static const char *const child_state_names[_STEWARD_CHILD_STATE_MAX] = {
        [STEWARD_CHILD_STATE_STARTING] = "starting",
        [STEWARD_CHILD_STATE_RUNNING] = "running",
        [STEWARD_CHILD_STATE_READY] = "ready",
        [STEWARD_CHILD_STATE_STOPPING] = "stopping",
        [STEWARD_CHILD_STATE_BACKOFF] = "backoff",
        [STEWARD_CHILD_STATE_STOPPED] = "stopped",
        [STEWARD_CHILD_STATE_FAILED] = "failed",
        [STEWARD_CHILD_STATE_PAUSED] = "paused",
        [STEWARD_CHILD_STATE_QUARANTINED] = "quarantined",
        [STEWARD_CHILD_STATE_RELOADING] = "reloading",
};

static const char *const fence_state_names[_STEWARD_FENCE_STATE_MAX] = {
        [STEWARD_FENCE_IDLE] = "idle",
        [STEWARD_FENCE_STOPPING_OLD] = "stopping_old",
        [STEWARD_FENCE_ABORTING_OLD] = "aborting_old",
};

static const char *const supervisor_state_names[_STEWARD_SUPERVISOR_STATE_MAX] = {
        [STEWARD_SUPERVISOR_STATE_STOPPED] = "stopped",
        [STEWARD_SUPERVISOR_STATE_STARTING] = "starting",
        [STEWARD_SUPERVISOR_STATE_RUNNING] = "running",
        [STEWARD_SUPERVISOR_STATE_RESTARTING] = "restarting",
        [STEWARD_SUPERVISOR_STATE_FAILING] = "failing",
        [STEWARD_SUPERVISOR_STATE_STOPPING] = "stopping",
        [STEWARD_SUPERVISOR_STATE_QUARANTINED] = "quarantined",
};

static const char *const tree_state_names[_STEWARD_TREE_STATE_MAX] = {
        [STEWARD_TREE_STATE_STARTING] = "starting",
        [STEWARD_TREE_STATE_RUNNING] = "running",
        [STEWARD_TREE_STATE_STOPPING] = "stopping",
        [STEWARD_TREE_STATE_STOPPED] = "stopped",
};

static const char *const child_health_names[_STEWARD_CHILD_HEALTH_MAX] = {
        [STEWARD_CHILD_HEALTH_NONE] = "",           [STEWARD_CHILD_HEALTH_STARTING] = "starting",
        [STEWARD_CHILD_HEALTH_HEALTHY] = "healthy", [STEWARD_CHILD_HEALTH_UNHEALTHY] = "unhealthy",
        [STEWARD_CHILD_HEALTH_STALE] = "stale",
};

#define NAME_OF(table, v) ((guint) (v) < G_N_ELEMENTS(table) ? table[v] : NULL)

const char *
steward_child_state_to_string(StewardChildState s)
{
        return NAME_OF(child_state_names, s);
}

const char *
steward_fence_state_to_string(StewardFenceState s)
{
        return NAME_OF(fence_state_names, s);
}

const char *
steward_child_health_to_string(StewardChildHealth h)
{
        return NAME_OF(child_health_names, h);
}

const char *
steward_supervisor_state_to_string(StewardSupervisorState s)
{
        return NAME_OF(supervisor_state_names, s);
}

const char *
steward_tree_state_to_string(StewardTreeState s)
{
        return NAME_OF(tree_state_names, s);
}

/* ---- actions ---- */

static void
action_clear(gpointer p)
{
        StewardAction *a = p;

        if (a->type == STEWARD_ACTION_EVENT)
                steward_event_clear(&a->event);
}

GArray *
steward_actions_new(void)
{
        GArray *a = g_array_new(FALSE, TRUE, sizeof(StewardAction));

        g_array_set_clear_func(a, action_clear);
        return a;
}

StewardAction *
engine_push_action(StewardEngine *e, StewardActionType type)
{
        StewardAction a = { .type = type };

        g_array_append_val(e->out, a);
        return &g_array_index(e->out, StewardAction, e->out->len - 1);
}

/* The returned pointer is valid until the next push. */
static StewardEvent *
emit(StewardEngine *e, StewardEventKind kind)
{
        StewardEvent *ev = &engine_push_action(e, STEWARD_ACTION_EVENT)->event;

        ev->kind = kind;
        ev->time_usec = e->now;
        return ev;
}

StewardEvent *
engine_emit_child(StewardEngine *e, StewardEventKind kind, Child *c)
{
        StewardEvent *ev = emit(e, kind);

        ev->child = c->node.name;
        ev->supervisor = c->node.parent->node.name;
        ev->fields = STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_SUPERVISOR;
        if (c->ever_started) {
                ev->generation = c->generation;
                ev->attempt = c->attempt;
                ev->fields |= STEWARD_EVENT_FIELD_GENERATION | STEWARD_EVENT_FIELD_ATTEMPT;
        }
        if (c->main_pid != 0) {
                ev->main_pid = c->main_pid;
                ev->fields |= STEWARD_EVENT_FIELD_MAIN_PID;
        }
        return ev;
}

StewardEvent *
engine_emit_sup(StewardEngine *e, StewardEventKind kind, Sup *s)
{
        StewardEvent *ev = emit(e, kind);

        ev->supervisor = s->node.name;
        ev->fields = STEWARD_EVENT_FIELD_SUPERVISOR;
        return ev;
}

void
engine_ev_decision(StewardEvent *ev, StewardDecision d)
{
        ev->decision = d;
        ev->fields |= STEWARD_EVENT_FIELD_DECISION;
}

void
engine_ev_cmd(StewardEvent *ev, const Cmd *cmd)
{
        if (!cmd || !cmd->id)
                return;
        ev->command_id = g_strdup(cmd->id);
        ev->fields |= STEWARD_EVENT_FIELD_COMMAND_ID;
        if (cmd->reason) {
                ev->reason = g_strdup(cmd->reason);
                ev->fields |= STEWARD_EVENT_FIELD_REASON;
        }
        if (cmd->has_actor) {
                ev->actor_uid = cmd->uid;
                ev->actor_pid = cmd->pid;
                ev->actor_comm = g_strdup(cmd->comm);
                ev->fields |= STEWARD_EVENT_FIELD_ACTOR;
        }
}

/* The command whose stop ends @c's incarnation, NULL when none did: the
 * end is part of that command's story. */
const Cmd *
engine_child_stop_cmd(StewardEngine *e, Child *c)
{
        if (c->stop_cause == STOP_CONTROL || c->restart_pending)
                return &c->cmd;
        if (c->stop_cause == STOP_JOB && e->shutting_down)
                return &e->shutdown_cmd;
        return NULL;
}

/* The restart policy gave way to @cmd, pending or new: recorded under the
 * command's id, so the command's story shows what it superseded. */
void
engine_emit_policy_conflict(StewardEngine *e, Child *c, const Cmd *cmd)
{
        StewardEvent *ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESTART_CONFLICT, c);

        engine_ev_cmd(ev, cmd);
        engine_ev_decision(ev, STEWARD_DECISION_RUNTIME_POLICY);
}

void
engine_push_incarnation_action(StewardEngine *e, StewardActionType type, Child *c, int signal)
{
        StewardAction *a = engine_push_action(e, type);

        a->child = c->node.name;
        a->supervisor = c->node.parent->node.name;
        a->generation = c->generation;
        a->attempt = c->attempt;
        a->signal = signal;
}

/* ---- command identities ---- */

void
engine_cmd_clear(Cmd *cmd)
{
        g_clear_pointer(&cmd->id, g_free);
        g_clear_pointer(&cmd->reason, g_free);
        g_clear_pointer(&cmd->comm, g_free);
        cmd->has_actor = FALSE;
}

void
engine_cmd_set(Cmd *cmd, const StewardCommand *src)
{
        engine_cmd_clear(cmd);
        cmd->id = g_strdup(src->command_id ? src->command_id : "");
        cmd->reason = g_strdup(src->reason);
        cmd->has_actor = TRUE;
        cmd->uid = src->actor.uid;
        cmd->pid = src->actor.pid;
        cmd->comm = g_strdup(src->actor.comm);
}

void
engine_cmd_copy(Cmd *cmd, const Cmd *src)
{
        if (cmd == src)
                return;
        engine_cmd_clear(cmd);
        cmd->id = g_strdup(src->id);
        cmd->reason = g_strdup(src->reason);
        cmd->has_actor = src->has_actor;
        cmd->uid = src->uid;
        cmd->pid = src->pid;
        cmd->comm = g_strdup(src->comm);
}

/* ---- dirty tracking ---- */

void
engine_mark(StewardEngine *e, Node *n)
{
        if (n->dirty)
                return;
        n->dirty = TRUE;
        g_ptr_array_add(e->dirty, n);
}

/* ---- derived state ---- */

static StewardFenceState
child_fence(Child *c)
{
        if (c->inc == INC_NONE || !c->stopping)
                return STEWARD_FENCE_IDLE;
        return c->aborted ? STEWARD_FENCE_ABORTING_OLD : STEWARD_FENCE_STOPPING_OLD;
}

gboolean
engine_sup_restart_scheduled(Sup *s)
{
        return steward_timer_is_armed(&s->timer);
}

StewardChildState
engine_child_state(Child *c)
{
        if (c->inc != INC_NONE) {
                if (c->stopping || c->inc == INC_EXITED || c->notified_stopping)
                        return STEWARD_CHILD_STATE_STOPPING;
                if (c->inc == INC_SPAWNING)
                        return STEWARD_CHILD_STATE_STARTING;
                if (c->reloading)
                        return STEWARD_CHILD_STATE_RELOADING;
                if (c->type == STEWARD_CHILD_NOTIFY)
                        return c->ready ? STEWARD_CHILD_STATE_READY : STEWARD_CHILD_STATE_STARTING;
                return STEWARD_CHILD_STATE_RUNNING;
        }
        if (steward_timer_is_armed(&c->timer) && c->timer.kind == TIMER_BACKOFF)
                return STEWARD_CHILD_STATE_BACKOFF;
        switch (c->mode) {
        case MODE_QUARANTINED:
                return STEWARD_CHILD_STATE_QUARANTINED;
        case MODE_PAUSED:
                return STEWARD_CHILD_STATE_PAUSED;
        case MODE_FAILED:
                return STEWARD_CHILD_STATE_FAILED;
        case MODE_STOPPED:
                return STEWARD_CHILD_STATE_STOPPED;
        case MODE_AUTO:
                break;
        }
        if (c->queued)
                return engine_sup_restart_scheduled(c->node.parent) ? STEWARD_CHILD_STATE_BACKOFF
                                                                    : STEWARD_CHILD_STATE_STARTING;
        if (c->quarantined)
                return STEWARD_CHILD_STATE_QUARANTINED;
        return STEWARD_CHILD_STATE_STOPPED;
}

StewardSupervisorState
engine_sup_state(Sup *s)
{
        if (s->quarantined)
                return STEWARD_SUPERVISOR_STATE_QUARANTINED;
        switch (s->job) {
        case JOB_FAIL:
                return STEWARD_SUPERVISOR_STATE_FAILING;
        case JOB_STOP:
                return STEWARD_SUPERVISOR_STATE_STOPPING;
        case JOB_RESTART:
                return STEWARD_SUPERVISOR_STATE_RESTARTING;
        case JOB_NONE:
                break;
        }
        if (engine_sup_restart_scheduled(s))
                return STEWARD_SUPERVISOR_STATE_RESTARTING;
        if (s->down)
                return STEWARD_SUPERVISOR_STATE_STOPPED;
        if (s->cursor < s->members->len)
                return STEWARD_SUPERVISOR_STATE_STARTING;
        return STEWARD_SUPERVISOR_STATE_RUNNING;
}

ChildProps
engine_child_props(Child *c)
{
        return (ChildProps){
                .state = engine_child_state(c),
                .generation = engine_child_shown_generation(c),
                .attempt = engine_child_shown_attempt(c),
                .main_pid = c->main_pid,
                .ready = c->ready,
                .status_serial = c->status_serial,
                .status_errno = c->status_errno,
                .spawn_error_serial = c->spawn_error_serial,
                .exit_code = c->last_exit_code,
                .exit_status = c->last_exit_status,
                .exit_cause = c->last_exit_cause,
                .restart_count = c->restart_count,
                .next_restart_usec = c->next_restart_usec,
                .fence = child_fence(c),
                .budget_serial = c->budget.serial,
                .intensity = c->intensity,
                .period_usec = c->period_usec,
                .health = engine_child_health(c),
        };
}

static guint
child_props_diff(const ChildProps *a, const ChildProps *b)
{
        guint m = 0;

        if (a->state != b->state)
                m |= STEWARD_PROPERTY_STATE;
        if (a->generation != b->generation)
                m |= STEWARD_PROPERTY_GENERATION;
        if (a->attempt != b->attempt)
                m |= STEWARD_PROPERTY_ATTEMPT;
        if (a->main_pid != b->main_pid)
                m |= STEWARD_PROPERTY_MAIN_PID;
        if (a->ready != b->ready)
                m |= STEWARD_PROPERTY_READY;
        if (a->status_serial != b->status_serial)
                m |= STEWARD_PROPERTY_STATUS_TEXT;
        if (a->status_errno != b->status_errno)
                m |= STEWARD_PROPERTY_STATUS_ERRNO;
        if (a->exit_code != b->exit_code || a->exit_status != b->exit_status ||
            a->exit_cause != b->exit_cause)
                m |= STEWARD_PROPERTY_LAST_EXIT;
        if (a->restart_count != b->restart_count)
                m |= STEWARD_PROPERTY_RESTART_COUNT;
        if (a->next_restart_usec != b->next_restart_usec)
                m |= STEWARD_PROPERTY_NEXT_RESTART;
        if (a->fence != b->fence)
                m |= STEWARD_PROPERTY_FENCE_STATE;
        if (a->spawn_error_serial != b->spawn_error_serial)
                m |= STEWARD_PROPERTY_LAST_SPAWN_ERROR;
        if (a->budget_serial != b->budget_serial || a->intensity != b->intensity ||
            a->period_usec != b->period_usec)
                m |= STEWARD_PROPERTY_RESTART_BUDGET;
        if (a->health != b->health)
                m |= STEWARD_PROPERTY_HEALTH;
        return m;
}

void
engine_begin(StewardEngine *e, guint64 now, GArray *out)
{
        e->now = now;
        e->out = out;
}

/* One STATE_CHANGED per object whose observable properties differ from
 * what was last announced, after the events of the input. */
void
engine_end(StewardEngine *e)
{
        for (guint i = 0; i < e->dirty->len; i++) {
                Node *n = g_ptr_array_index(e->dirty, i);
                StewardAction *a;

                /* Before it is marked clean: starting or ending the checks marks it again. */
                if (n->kind == NODE_CHILD) {
                        engine_child_health_sync(e, (Child *) n);
                        engine_child_fence_sync(e, (Child *) n);
                }
                n->dirty = FALSE;
                if (n->kind == NODE_CHILD) {
                        Child *c = (Child *) n;
                        ChildProps now = engine_child_props(c);
                        guint changed = child_props_diff(&now, &c->published);

                        if (!changed)
                                continue;
                        c->published = now;
                        a = engine_push_action(e, STEWARD_ACTION_STATE_CHANGED);
                        a->child = n->name;
                        a->supervisor = n->parent->node.name;
                        a->generation = now.generation;
                        a->attempt = now.attempt;
                        a->changed = changed;
                } else {
                        Sup *s = (Sup *) n;
                        StewardSupervisorState st = engine_sup_state(s);
                        guint changed = 0;

                        if (st != s->published)
                                changed |= STEWARD_PROPERTY_STATE;
                        if (s->window.serial != s->published_budget)
                                changed |= STEWARD_PROPERTY_RESTART_BUDGET;
                        if (!changed)
                                continue;
                        s->published = st;
                        s->published_budget = s->window.serial;
                        a = engine_push_action(e, STEWARD_ACTION_STATE_CHANGED);
                        a->supervisor = n->name;
                        a->changed = changed;
                }
        }
        g_ptr_array_set_size(e->dirty, 0);
        if (e->tree_state != e->published_tree_state || e->children->len != e->published_n_children) {
                StewardAction *a = engine_push_action(e, STEWARD_ACTION_STATE_CHANGED);

                if (e->tree_state != e->published_tree_state)
                        a->changed |= STEWARD_PROPERTY_STATE;
                if (e->children->len != e->published_n_children)
                        a->changed |= STEWARD_PROPERTY_CHILD_COUNT;
                e->published_tree_state = e->tree_state;
                e->published_n_children = e->children->len;
        }
        e->out = NULL;
}

static gboolean
child_is_current(Child *c, guint64 generation)
{
        return c->inc != INC_NONE && c->generation == generation;
}

static void
child_stale(StewardEngine *e, Child *c, guint64 generation, const char *report)
{
        StewardEvent *ev = engine_emit_child(e, STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT, c);

        /* The generation the report was about, not the current one. */
        ev->generation = generation;
        ev->fields |= STEWARD_EVENT_FIELD_GENERATION;
        ev->fields &= ~(guint) (STEWARD_EVENT_FIELD_ATTEMPT | STEWARD_EVENT_FIELD_MAIN_PID);
        ev->reason = g_strdup(report);
        ev->fields |= STEWARD_EVENT_FIELD_REASON;
}

/* ---- construction ---- */

static void
child_free(Child *c)
{
        if (!c)
                return;
        g_free(c->success_status);
        g_clear_pointer(&c->sidecars, g_ptr_array_unref);
        g_free(c->fingerprint);
        g_free(c->status_text);
        g_free(c->spawn_error);
        g_free(c->probe_error);
        engine_window_reset(&c->budget);
        engine_cmd_clear(&c->cmd);
        engine_cmd_clear(&c->release_cmd);
        engine_cmd_clear(&c->inc_cmd);
        engine_cmd_clear(&c->reload_cmd);
        g_free(c);
}

static void
sup_free(Sup *s)
{
        if (!s)
                return;
        g_clear_pointer(&s->members, g_ptr_array_unref);
        engine_window_reset(&s->window);
        engine_cmd_clear(&s->start_cmd);
        g_free(s);
}

/* The canonical form hashed by engine_child_fingerprint(): "key=value\n"
 * in a fixed order, strings length-prefixed (any byte may follow), NULL
 * apart from "", enums by their configuration words and numbers in C
 * locale decimal, so nothing depends on the process, its locale or the
 * layout of the enums. */
static void
fp_str(GString *s, const char *key, const char *v)
{
        if (!v)
                g_string_append_printf(s, "%s=-\n", key);
        else
                g_string_append_printf(s, "%s=%zu:%s\n", key, strlen(v), v);
}

static void
fp_strv(GString *s, const char *key, char **v)
{
        g_string_append_printf(s, "%s=%u\n", key, v ? g_strv_length(v) : 0);
        for (char **a = v; a && *a; a++)
                g_string_append_printf(s, "%zu:%s\n", strlen(*a), *a);
}

static void
fp_uint(GString *s, const char *key, guint64 v)
{
        g_string_append_printf(s, "%s=%" G_GUINT64_FORMAT "\n", key, v);
}

/* A child's spec as a content hash, to tell changed children from
 * unchanged on reload and across a restart of stewardd (live restore):
 * every key, but not the name or where it was declared. A key a later
 * version adds must be appended only when it differs from its default,
 * so that an unchanged spec keeps its fingerprint across versions. */
char *
engine_child_fingerprint(const StewardChildSpec *c)
{
        g_autoptr(GString) s = g_string_new("steward-child-spec 1\n");
        char d[G_ASCII_DTOSTR_BUF_SIZE];

        fp_str(s, "Supervisor", c->supervisor ? c->supervisor : STEWARD_ROOT_SUPERVISOR);
        fp_str(s, "SidecarOf", c->sidecar_of);
        fp_str(s, "Role", steward_role_to_string(c->role));
        fp_str(s, "Restart", steward_restart_to_string(c->restart));
        fp_str(s, "Type", steward_child_type_to_string(c->type));
        fp_strv(s, "ExecStart", c->argv);
        fp_strv(s, "Environment", c->environment);
        fp_str(s, "WorkingDirectory", c->working_directory);
        fp_str(s, "User", c->user);
        fp_str(s, "Group", c->group);
        fp_str(s, "SyslogIdentifier", c->syslog_identifier);
        fp_uint(s, "RestartSec", c->restart_usec);
        fp_uint(s, "RestartMaxDelaySec", c->restart_max_delay_usec);
        fp_str(s, "RestartJitter", g_ascii_dtostr(d, sizeof(d), c->restart_jitter));
        fp_uint(s, "RestartStableSec", c->restart_stable_usec);
        fp_uint(s, "RestartIntensity", c->restart_intensity);
        fp_uint(s, "RestartPeriodSec", c->restart_period_usec);
        fp_uint(s, "WatchdogSec", c->watchdog_usec);
        fp_uint(s, "WatchdogSignal", (guint64) c->watchdog_signal);
        fp_uint(s, "TimeoutStartSec", c->timeout_start_usec);
        fp_uint(s, "TimeoutStopSec", c->timeout_stop_usec);
        fp_uint(s, "KillSignal", (guint64) c->kill_signal);
        /* The cgroup settings are applied to the running scope in place
         * (SetUnitProperties), never by a restart, so they are not part of
         * what tells a changed child. The two lines earlier versions wrote
         * stay, as "no limit", so that the fingerprints saved by them
         * still match. */
        fp_uint(s, "MemoryMax", STEWARD_LIMIT_UNSET);
        fp_uint(s, "TasksMax", STEWARD_LIMIT_UNSET);
        g_string_append_printf(s, "SuccessExitStatus=%u\n",
                               c->success_exit_status ? c->success_exit_status->len : 0);
        for (guint i = 0; c->success_exit_status && i < c->success_exit_status->len; i++)
                g_string_append_printf(s, "%d\n", g_array_index(c->success_exit_status, int, i));
        /* Added later: only when set, so older fingerprints stay valid. */
        if (c->health_argv) {
                fp_strv(s, "ExecHealthCheck", c->health_argv);
                fp_uint(s, "HealthCheckIntervalSec", c->health_interval_usec);
                fp_uint(s, "HealthCheckTimeoutSec", c->health_timeout_usec);
                fp_uint(s, "HealthCheckRetries", c->health_retries);
                fp_uint(s, "HealthCheckStartPeriodSec", c->health_start_period_usec);
                fp_str(s, "HealthAction", steward_health_action_to_string(c->health_action));
        }
        if (c->heartbeat_usec > 0)
                fp_uint(s, "HeartbeatSec", c->heartbeat_usec);
        /* Keys added later, only when not at their default (see above). */
        if (c->reload_signal != SIGHUP)
                fp_uint(s, "ReloadSignal", (guint64) c->reload_signal);
        return g_compute_checksum_for_string(G_CHECKSUM_SHA256, s->str, (gssize) s->len);
}

/* The keys the engine acts on, copied from the spec. */
void
engine_child_set_conf(Child *c, const StewardChildSpec *spec)
{
        c->role = spec->role;
        c->restart = spec->restart;
        c->type = spec->type;
        c->restart_usec = spec->restart_usec;
        c->restart_max_delay_usec = spec->restart_max_delay_usec;
        c->restart_jitter = spec->restart_jitter;
        c->restart_stable_usec = spec->restart_stable_usec;
        c->intensity = spec->restart_intensity;
        c->period_usec = spec->restart_period_usec;
        c->watchdog_usec = spec->watchdog_usec;
        c->watchdog_signal = spec->watchdog_signal;
        c->timeout_start_usec = spec->timeout_start_usec;
        c->timeout_stop_usec = spec->timeout_stop_usec;
        c->kill_signal = spec->kill_signal;
        c->has_probe = spec->health_argv && spec->health_argv[0];
        c->health_interval_usec = spec->health_interval_usec;
        c->health_timeout_usec = spec->health_timeout_usec;
        c->health_retries = MAX(spec->health_retries, 1);
        c->health_start_period_usec = spec->health_start_period_usec;
        c->heartbeat_usec = spec->heartbeat_usec;
        c->health_action = spec->health_action;
        c->reload_signal = spec->reload_signal;
        g_clear_pointer(&c->success_status, g_free);
        c->n_success_status = 0;
        if (spec->success_exit_status && spec->success_exit_status->len > 0) {
                c->n_success_status = spec->success_exit_status->len;
                c->success_status =
                        g_memdup2(spec->success_exit_status->data, sizeof(int) * c->n_success_status);
        }
        g_free(c->fingerprint);
        c->fingerprint = engine_child_fingerprint(spec);
}

void
engine_child_link_primary(Child *c, Child *p)
{
        c->primary = p;
        c->primary_name = p->node.name;
        if (!p->sidecars)
                p->sidecars = g_ptr_array_new();
        g_ptr_array_add(p->sidecars, c);
}

Child *
engine_child_new(const StewardChildSpec *spec)
{
        Child *c = g_new0(Child, 1);

        c->node.kind = NODE_CHILD;
        c->node.name = g_intern_string(spec->name);
        c->node.order = spec->origin.order;
        engine_child_set_conf(c, spec);
        c->mode = MODE_AUTO;
        c->up_since = G_MAXUINT64;
        c->watchdog_override_usec = G_MAXUINT64;
        c->timer.index = STEWARD_TIMER_UNARMED;
        c->timer.owner = c;
        c->probe_timer.index = STEWARD_TIMER_UNARMED;
        c->probe_timer.owner = c;
        c->heartbeat_timer.index = STEWARD_TIMER_UNARMED;
        c->heartbeat_timer.owner = c;
        c->reload_timer.index = STEWARD_TIMER_UNARMED;
        c->reload_timer.owner = c;
        c->published = engine_child_props(c);
        return c;
}

static Sup *
sup_new(const StewardSupervisorSpec *spec)
{
        Sup *s = g_new0(Sup, 1);

        s->node.kind = NODE_SUPERVISOR;
        s->node.name = g_intern_string(spec->name);
        s->node.order = spec->origin.order;
        s->strategy = spec->strategy;
        s->intensity = spec->restart_intensity;
        s->period_usec = spec->restart_period_usec;
        s->escalation = spec->escalation;
        s->members = g_ptr_array_new();
        s->down = TRUE;
        s->rewind = G_MAXUINT;
        s->timer.index = STEWARD_TIMER_UNARMED;
        s->timer.owner = s;
        s->published = engine_sup_state(s);
        return s;
}

static gint
member_cmp(gconstpointer a, gconstpointer b)
{
        const Node *x = *(Node *const *) a, *y = *(Node *const *) b;

        return x->order < y->order ? -1 : x->order > y->order ? 1 : 0;
}

StewardEngine *
steward_engine_new(const StewardSpec *spec, StewardEngineRandom rng, gpointer rng_data)
{
        StewardEngine *e = g_new0(StewardEngine, 1);

        e->rng = rng;
        e->rng_data = rng_data;
        e->children = g_ptr_array_new_with_free_func((GDestroyNotify) child_free);
        e->sups = g_ptr_array_new_with_free_func((GDestroyNotify) sup_free);
        e->child_by_name = g_hash_table_new(g_str_hash, g_str_equal);
        e->sup_by_name = g_hash_table_new(g_str_hash, g_str_equal);
        e->dirty = g_ptr_array_new();
        e->history = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        e->shutdown_timeout_usec = spec->shutdown_timeout_usec;
        e->tree_state = e->published_tree_state = STEWARD_TREE_STATE_STARTING;
        e->shutdown_timer.index = STEWARD_TIMER_UNARMED;
        steward_timers_init(&e->timers);

        for (guint i = 0; i < spec->supervisors->len; i++) {
                const StewardSupervisorSpec *ss = g_ptr_array_index(spec->supervisors, i);
                Sup *s;

                if (g_hash_table_contains(e->sup_by_name, ss->name))
                        continue;
                s = sup_new(ss);
                g_ptr_array_add(e->sups, s);
                g_hash_table_insert(e->sup_by_name, (gpointer) s->node.name, s);
        }
        e->root = g_hash_table_lookup(e->sup_by_name, STEWARD_ROOT_SUPERVISOR);
        if (!e->root) {
                /* The loader always makes one; a hand-built spec may not. */
                g_autoptr(StewardSupervisorSpec) rs = steward_supervisor_spec_new(STEWARD_ROOT_SUPERVISOR);
                e->root = sup_new(rs);
                g_ptr_array_insert(e->sups, 0, e->root);
                g_hash_table_insert(e->sup_by_name, (gpointer) e->root->node.name, e->root);
        }
        for (guint i = 0; i < spec->supervisors->len; i++) {
                const StewardSupervisorSpec *ss = g_ptr_array_index(spec->supervisors, i);
                Sup *s = g_hash_table_lookup(e->sup_by_name, ss->name);
                Sup *p;
                guint depth = 0;

                if (s == e->root || s->node.parent)
                        continue;
                p = ss->parent ? g_hash_table_lookup(e->sup_by_name, ss->parent) : NULL;
                /* A validated spec has no cycles; guard anyway, the
                 * walks above would not terminate on one. */
                for (Sup *a = p; a && depth <= e->sups->len; a = a->node.parent, depth++)
                        if (a == s)
                                p = NULL;
                if (depth > e->sups->len)
                        p = NULL;
                s->node.parent = p ? p : e->root;
                g_ptr_array_add(s->node.parent->members, s);
        }
        for (guint i = 0; i < spec->children->len; i++) {
                const StewardChildSpec *cs = g_ptr_array_index(spec->children, i);
                Child *c;
                Sup *p;

                if (g_hash_table_contains(e->child_by_name, cs->name))
                        continue;
                c = engine_child_new(cs);
                p = cs->supervisor ? g_hash_table_lookup(e->sup_by_name, cs->supervisor) : NULL;
                c->node.parent = p ? p : e->root;
                g_ptr_array_add(c->node.parent->members, c);
                g_ptr_array_add(e->children, c);
                g_hash_table_insert(e->child_by_name, (gpointer) c->node.name, c);
        }
        for (guint i = 0; i < spec->children->len; i++) {
                const StewardChildSpec *cs = g_ptr_array_index(spec->children, i);
                Child *c = g_hash_table_lookup(e->child_by_name, cs->name);
                Child *p;

                if (!cs->sidecar_of || c->primary)
                        continue;
                p = g_hash_table_lookup(e->child_by_name, cs->sidecar_of);
                if (!p || p == c)
                        continue;
                engine_child_link_primary(c, p);
        }
        /* Members in declaration order; g_ptr_array_sort is stable, so
         * equal orders (hand-built specs) keep supervisors, then children. */
        for (guint i = 0; i < e->sups->len; i++) {
                Sup *s = g_ptr_array_index(e->sups, i);

                g_ptr_array_sort(s->members, member_cmp);
                for (guint j = 0; j < s->members->len; j++)
                        member(s, j)->index = j;
                s->cursor = s->members->len;
                s->published = engine_sup_state(s);
        }
        e->published_n_children = e->children->len;
        return e;
}

void
steward_engine_free(StewardEngine *e)
{
        if (!e)
                return;
        steward_timers_clear(&e->timers);
        g_clear_pointer(&e->children, g_ptr_array_unref);
        g_clear_pointer(&e->sups, g_ptr_array_unref);
        g_clear_pointer(&e->child_by_name, g_hash_table_unref);
        g_clear_pointer(&e->sup_by_name, g_hash_table_unref);
        g_clear_pointer(&e->dirty, g_ptr_array_unref);
        g_clear_pointer(&e->history, g_hash_table_unref);
        engine_cmd_clear(&e->shutdown_cmd);
        g_free(e);
}

/* ---- inputs ---- */

void
steward_engine_start(StewardEngine *e, guint64 now, GArray *out)
{
        g_return_if_fail(e && out);

        if (e->started || e->shutting_down)
                return;
        engine_begin(e, now, out);
        e->started = TRUE;
        engine_start_adopted(e);
        if (e->root->quarantined) {
                /* Restored so (live restore): nothing starts until the
                 * operator lifts the quarantine. */
                e->tree_state = STEWARD_TREE_STATE_RUNNING;
        } else {
                g_autoptr(GPtrArray) windows = g_ptr_array_new();

                /* Queuing starts nested supervisors afresh, with an empty
                 * window; at the start the only windows are those live
                 * restore brought, which go on. */
                for (guint i = 0; i < e->sups->len; i++)
                        g_ptr_array_add(windows,
                                        g_steal_pointer(&((Sup *) g_ptr_array_index(e->sups, i))->window.t));
                e->root->down = FALSE;
                e->root->cursor = 0;
                engine_sup_mark_queued(e, e->root, 0, 0);
                for (guint i = 0; i < e->sups->len; i++) {
                        Sup *s = g_ptr_array_index(e->sups, i);

                        engine_window_reset(&s->window);
                        s->window.t = g_ptr_array_index(windows, i);
                }
                mark_sup(e, e->root);
                engine_sup_advance(e, e->root);
        }
        engine_end(e);
}

static Child *
lookup_child(StewardEngine *e, const char *name)
{
        Child *c = name ? g_hash_table_lookup(e->child_by_name, name) : NULL;

        if (!c)
                g_debug("Report about unknown child '%s', ignoring", name ? name : "(null)");
        return c;
}

void
steward_engine_child_spawned(StewardEngine *e, const char *child, guint64 generation, guint32 main_pid,
                             guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation) || c->inc != INC_SPAWNING) {
                child_stale(e, c, generation, "spawned");
        } else {
                engine_child_spawned(e, c, main_pid);
                if (c->stopping)
                        engine_child_deliver_stop(e, c);
                else if (c->type == STEWARD_CHILD_SIMPLE)
                        engine_child_became_up(e, c);
                else if (c->timeout_start_usec > 0)
                        engine_child_arm(e, c, TIMER_START, c->timeout_start_usec);
        }
        engine_end(e);
}

void
steward_engine_child_spawn_failed(StewardEngine *e, const char *child, guint64 generation, const char *error,
                                  guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation) || c->inc != INC_SPAWNING) {
                child_stale(e, c, generation, "spawn_failed");
        } else {
                engine_child_spawn_failed(e, c, error);
        }
        engine_end(e);
}

void
steward_engine_child_exited(StewardEngine *e, const char *child, guint64 generation, StewardExitCode code,
                            int status, guint64 now, GArray *out)
{
        steward_engine_child_exited_with_cause(e, child, generation, code, status, STEWARD_EXIT_CAUSE_NONE,
                                               now, out);
}

void
steward_engine_child_exited_with_cause(StewardEngine *e, const char *child, guint64 generation,
                                       StewardExitCode code, int status, StewardExitCause cause, guint64 now,
                                       GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation) || c->inc == INC_EXITED) {
                child_stale(e, c, generation, "exited");
        } else {
                StewardDecision verdict = engine_child_verdict(c, code, status);
                StewardEvent *ev;

                c->last_exit_code = code;
                c->last_exit_status = status;
                c->last_exit_cause = cause;
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_EXITED, c);
                ev->exit_code = code;
                ev->exit_status = status;
                ev->exit_cause = cause;
                ev->fields |= STEWARD_EVENT_FIELD_EXIT;
                engine_ev_decision(ev, verdict);
                if (c->stopping)
                        engine_ev_cmd(ev, engine_child_stop_cmd(e, c));
                engine_child_main_ended(e, c, verdict, FALSE);
        }
        engine_end(e);
}

void
steward_engine_child_gone(StewardEngine *e, const char *child, guint64 generation, guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation)) {
                child_stale(e, c, generation, "gone");
        } else {
                /* Empty before the exit report (the backend promises the
                 * order; be safe): the main process is gone with it. */
                if (c->inc != INC_EXITED)
                        engine_child_main_ended(e, c,
                                                c->forced_failure ? STEWARD_DECISION_FAILURE
                                                : c->stopping     ? STEWARD_DECISION_STOP
                                                                  : STEWARD_DECISION_FAILURE,
                                                TRUE);
                else if (c->end_unjudged)
                        engine_child_judge_adopted_end(e, c);
                engine_child_gone(e, c);
        }
        engine_end(e);
}

void
steward_engine_child_ready(StewardEngine *e, const char *child, guint64 generation, guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation)) {
                child_stale(e, c, generation, "ready");
        } else if (c->inc == INC_UP && c->ready && c->reloading && c->reload_notified && !c->stopping &&
                   !c->notified_stopping) {
                engine_child_reload_end(e, c, STEWARD_EVENT_CHILD_RELOADED, STEWARD_DECISION_NONE);
        } else if (c->inc == INC_UP && !c->ready && !c->stopping && !c->notified_stopping) {
                engine_child_disarm_kind(e, c, TIMER_START);
                engine_ev_cmd(engine_emit_child(e, STEWARD_EVENT_CHILD_READY, c), &c->inc_cmd);
                engine_child_became_up(e, c);
                engine_sup_advance(e, c->node.parent);
        }
        engine_end(e);
}

void
steward_engine_child_watchdog(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                              GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation)) {
                child_stale(e, c, generation, "watchdog");
        } else {
                if (c->inc == INC_UP && steward_timer_is_armed(&c->timer) && c->timer.kind == TIMER_WATCHDOG)
                        engine_child_arm(e, c, TIMER_WATCHDOG, engine_child_watchdog_usec(c));
                /* The same ping is the heartbeat: WatchdogSec= kills, HeartbeatSec= only reports. */
                engine_child_heartbeat(e, c);
        }
        engine_end(e);
}

void
steward_engine_child_probe_ended(StewardEngine *e, const char *child, guint64 generation, guint64 probe,
                                 StewardExitCode code, int status, const char *error, guint64 now,
                                 GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        /* Cancelled (the incarnation went down) or of another incarnation: nothing waits for it. */
        if (c->health_active && c->probe_running && c->probe == probe && c->health_generation == generation)
                engine_child_probe_ended(e, c, code, status, error);
        else
                g_debug("End of probe %" G_GUINT64_FORMAT " of child '%s' nobody waits for, ignoring", probe,
                        child);
        engine_end(e);
}

void
steward_engine_child_status(StewardEngine *e, const char *child, guint64 generation, const char *text,
                            guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation)) {
                child_stale(e, c, generation, "status");
        } else if (g_strcmp0(c->status_text, text) != 0) {
                StewardEvent *ev;

                g_free(c->status_text);
                c->status_text = g_strdup(text);
                c->status_serial++;
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_STATUS, c);
                ev->status_text = g_strdup(text ? text : "");
                ev->fields |= STEWARD_EVENT_FIELD_STATUS_TEXT;
                mark_child(e, c);
        }
        engine_end(e);
}

/* The child a notify message of @generation is about; NULL (and a stale
 * report, named @report) when it is about an older incarnation. */
static Child *
notify_current(StewardEngine *e, const char *child, guint64 generation, const char *report)
{
        Child *c = lookup_child(e, child);

        if (!c)
                return NULL;
        if (!child_is_current(c, generation)) {
                child_stale(e, c, generation, report);
                return NULL;
        }
        return c;
}

/* The rest of the sd_notify protocol. Each acts only on a live, running
 * incarnation that is not on its way out; about an older one it is stale. */
static Child *
notify_target(StewardEngine *e, const char *child, guint64 generation, const char *report)
{
        Child *c = notify_current(e, child, generation, report);

        return c && c->inc == INC_UP && !c->stopping ? c : NULL;
}

void
steward_engine_child_watchdog_trigger(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                                      GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        if ((c = notify_target(e, child, generation, "watchdog_trigger")))
                engine_child_force_failure(e, c, FALSE);
        engine_end(e);
}

void
steward_engine_child_watchdog_usec(StewardEngine *e, const char *child, guint64 generation, guint64 usec,
                                   guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        if ((c = notify_target(e, child, generation, "watchdog_usec")) && c->type == STEWARD_CHILD_NOTIFY) {
                c->watchdog_override_usec = usec == G_MAXUINT64 ? 0 : usec;
                /* As systemd: the new interval counts from now. Before READY=1
                 * the start timeout runs, and the watchdog starts at ready. */
                if (c->ready && !c->notified_stopping) {
                        engine_child_disarm_kind(e, c, TIMER_WATCHDOG);
                        if (engine_child_watchdog_usec(c) > 0)
                                engine_child_arm(e, c, TIMER_WATCHDOG, engine_child_watchdog_usec(c));
                }
        }
        engine_end(e);
}

void
steward_engine_child_extend_timeout(StewardEngine *e, const char *child, guint64 generation, guint64 usec,
                                    guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        /* Only ever later, never earlier, as systemd's EXTEND_TIMEOUT_USEC=.
         * While up: the start, watchdog or STOPPING=1's stop deadline. On its
         * way out (c->stopping), only the stop deadline: a child that asks
         * for more time to shut down cleanly gets it, until the abort. */
        if ((c = notify_current(e, child, generation, "extend_timeout")) &&
            (c->inc == INC_UP || (c->stopping && c->inc != INC_NONE)) && !c->aborted &&
            steward_timer_is_armed(&c->timer) &&
            (c->timer.kind == TIMER_STOP ||
             (!c->stopping && (c->timer.kind == TIMER_START || c->timer.kind == TIMER_WATCHDOG))) &&
            (usec >= G_MAXUINT64 - now || now + usec > c->timer.when))
                engine_child_arm(e, c, c->timer.kind, usec);
        engine_end(e);
}

void
steward_engine_child_errno(StewardEngine *e, const char *child, guint64 generation, int errno_value,
                           guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        /* As STATUS=: whatever the incarnation's phase, what it said last. */
        if ((c = notify_current(e, child, generation, "errno")) && c->inc != INC_NONE &&
            c->status_errno != errno_value) {
                c->status_errno = errno_value;
                mark_child(e, c);
        }
        engine_end(e);
}

void
steward_engine_child_reloading(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                               GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        /* Before READY=1 there is nothing to reload: systemd ignores it too. */
        if ((c = notify_target(e, child, generation, "reloading")) && c->type == STEWARD_CHILD_NOTIFY &&
            c->ready && !c->notified_stopping) {
                if (!c->reloading)
                        engine_child_reload_begin(e, c, NULL);
                c->reload_notified = TRUE;
        }
        engine_end(e);
}

void
steward_engine_child_stopping(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                              GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        c = notify_target(e, child, generation, "stopping");
        if (c && !c->notified_stopping) {
                engine_child_reload_end(e, c, STEWARD_EVENT_CHILD_RELOAD_FAILED, STEWARD_DECISION_STOP);
                c->notified_stopping = TRUE;
                /* No more pings are due; the exit is, within TimeoutStopSec=
                 * or it is killed (systemd's "deactivating"). */
                engine_child_disarm_kind(e, c, TIMER_START);
                engine_child_disarm_kind(e, c, TIMER_WATCHDOG);
                if (c->timeout_stop_usec > 0)
                        engine_child_arm(e, c, TIMER_STOP, c->timeout_stop_usec);
                mark_child(e, c);
                /* Not ready yet: it holds its siblings no longer. */
                engine_sup_advance(e, c->node.parent);
        }
        engine_end(e);
}

void
steward_engine_child_main_pid(StewardEngine *e, const char *child, guint64 generation, guint32 main_pid,
                              guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        if ((c = notify_target(e, child, generation, "main_pid")) && main_pid > 0 &&
            c->main_pid != main_pid) {
                c->main_pid = main_pid;
                mark_child(e, c);
        }
        engine_end(e);
}

/* ---- time ---- */

guint64
steward_engine_next_deadline(StewardEngine *e)
{
        StewardTimer *t;

        g_return_val_if_fail(e, G_MAXUINT64);
        t = steward_timers_peek(&e->timers);
        return t ? t->when : G_MAXUINT64;
}

void
steward_engine_tick(StewardEngine *e, guint64 now, GArray *out)
{
        StewardTimer *t;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        while ((t = steward_timers_peek(&e->timers)) && t->when <= now) {
                steward_timers_disarm(&e->timers, t);
                switch ((TimerKind) t->kind) {
                case TIMER_SUP_RESTART:
                        mark_sup(e, (Sup *) t->owner);
                        engine_sup_restart_members(e, t->owner);
                        break;
                case TIMER_SHUTDOWN_HAND_OVER:
                case TIMER_SHUTDOWN:
                case TIMER_SHUTDOWN_KILL_GRACE:
                        engine_shutdown_timer_fired(e);
                        break;
                case TIMER_PROBE_INTERVAL:
                case TIMER_PROBE_TIMEOUT:
                case TIMER_HEARTBEAT:
                        engine_child_health_timer_fired(e, t->owner, (TimerKind) t->kind);
                        break;
                case TIMER_RELOAD: {
                        Child *c = t->owner;

                        /* The child is left running, as systemd leaves a
                         * service whose reload timed out. */
                        engine_child_reload_end(e, c, STEWARD_EVENT_CHILD_RELOAD_FAILED,
                                                c->inc == INC_UP && !c->stopping ? STEWARD_DECISION_TIMEOUT
                                                                                 : STEWARD_DECISION_STOP);
                        break;
                }
                default:
                        engine_child_timer_fired(e, t->owner);
                        break;
                }
        }
        engine_end(e);
}

/* ---- queries ---- */

StewardTreeState
steward_engine_get_tree_state(StewardEngine *e)
{
        return e->tree_state;
}

gboolean
steward_engine_is_shutting_down(StewardEngine *e)
{
        return e->shutting_down;
}

guint
steward_engine_get_n_children(StewardEngine *e)
{
        return e->children->len;
}

static void
child_info(Child *c, StewardChildInfo *info)
{
        *info = (StewardChildInfo){
                .name = c->node.name,
                .supervisor = c->node.parent->node.name,
                .role = c->role,
                .state = engine_child_state(c),
                .generation = engine_child_shown_generation(c),
                .attempt = engine_child_shown_attempt(c),
                .main_pid = c->main_pid,
                .ready = c->ready,
                .status_text = c->status_text ? c->status_text : "",
                .status_errno = c->status_errno,
                .last_spawn_error = c->spawn_error ? c->spawn_error : "",
                .last_exit_code = c->last_exit_code,
                .last_exit_status = c->last_exit_status,
                .last_exit_cause = c->last_exit_cause,
                .restart_count = c->restart_count,
                .next_restart_usec = c->next_restart_usec,
                .fence_state = child_fence(c),
                .health = engine_child_health(c),
                .restart_limit_burst = c->intensity,
                .restart_limit_interval_usec = c->period_usec,
                .fence_waits = c->fence_waits,
                .fence_wait_usec = c->fence_wait_usec,
                .fence_waiting = c->fence_timing,
                .fence_wait_since = c->fence_since,
        };
        if (c->budget.t && c->budget.t->len > 0) {
                info->restart_window = (const guint64 *) c->budget.t->data;
                info->n_restart_window = c->budget.t->len;
        }
}

gboolean
steward_engine_get_child_at(StewardEngine *e, guint index, StewardChildInfo *info)
{
        if (index >= e->children->len)
                return FALSE;
        child_info(g_ptr_array_index(e->children, index), info);
        return TRUE;
}

gboolean
steward_engine_get_child(StewardEngine *e, const char *name, StewardChildInfo *info)
{
        Child *c = name ? g_hash_table_lookup(e->child_by_name, name) : NULL;

        if (!c)
                return FALSE;
        child_info(c, info);
        return TRUE;
}

guint
steward_engine_get_n_supervisors(StewardEngine *e)
{
        return e->sups->len;
}

static void
sup_info(Sup *s, StewardSupervisorInfo *info)
{
        *info = (StewardSupervisorInfo){
                .name = s->node.name,
                .parent = s->node.parent ? s->node.parent->node.name : NULL,
                .strategy = s->strategy,
                .escalation = s->escalation,
                .state = engine_sup_state(s),
                .restart_count = s->restart_count,
                .restart_limit_burst = s->intensity,
                .restart_limit_interval_usec = s->period_usec,
        };
        if (s->window.t && s->window.t->len > 0) {
                info->restart_window = (const guint64 *) s->window.t->data;
                info->n_restart_window = s->window.t->len;
        }
}

gboolean
steward_engine_get_supervisor_at(StewardEngine *e, guint index, StewardSupervisorInfo *info)
{
        if (index >= e->sups->len)
                return FALSE;
        sup_info(g_ptr_array_index(e->sups, index), info);
        return TRUE;
}

gboolean
steward_engine_get_supervisor(StewardEngine *e, const char *name, StewardSupervisorInfo *info)
{
        Sup *s = name ? g_hash_table_lookup(e->sup_by_name, name) : NULL;

        if (!s)
                return FALSE;
        sup_info(s, info);
        return TRUE;
}
