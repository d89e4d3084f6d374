/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-engine.c: the supervision engine: tree, strategies, restart policy, fences and shutdown, without
 * I/O. */
#include "config.h"

#include <signal.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "steward-engine-timers.h"
#include "steward-engine.h"

/*
 * Reading guide. A supervisor's members (children and nested supervisors,
 * in declaration order) are started by a cursor that walks forward and may
 * be held by a member still coming up; they are stopped by a "job" that
 * walks backwards one member at a time, waiting for each to be down, and
 * then restarts (strategy), escalates (intensity exceeded) or reports to
 * the job above (shutdown, or a parent stopping this subtree). That is how
 * OTP's supervisor:terminate_children/restart_multiple_children behave,
 * with "down" meaning the incarnation's scope is empty, not just that the
 * main process exited. Every walk moves a cursor monotonically, so each
 * member is visited once per job: the cost is that of the members affected.
 */

typedef enum {
        NODE_CHILD,
        NODE_SUPERVISOR,
} NodeKind;

typedef struct Sup Sup;

typedef struct {
        NodeKind kind;
        const char *name; /* interned */
        Sup *parent;
        guint index; /* in parent->members */
        guint order;
        gboolean dirty;
} Node;

typedef enum {
        INC_NONE, /* nothing alive: the fence is open */
        INC_SPAWNING, /* SPAWN emitted, no report yet */
        INC_UP, /* main process running */
        INC_EXITED, /* main process ended, scope not yet empty */
} IncPhase;

/* What supervision intends for a child, apart from any incarnation. */
typedef enum {
        MODE_AUTO, /* supervised: started with its supervisor, restarted by policy */
        MODE_STOPPED, /* commanded stop, or the policy ended it (success of a job, ...) */
        MODE_PAUSED,
        MODE_FAILED, /* given up, or a failure the restart type does not restart */
} ChildMode;

typedef enum {
        STOP_NONE,
        STOP_CONTROL, /* a command */
        STOP_JOB, /* the supervisor's strategy, failure or shutdown */
        STOP_SIDECAR, /* the primary went down */
        STOP_LEFTOVER, /* the main process ended; what it left behind goes too */
        STOP_FORCED, /* start timeout or watchdog: the verdict is failure */
} StopCause;

typedef enum {
        TIMER_BACKOFF,
        TIMER_START,
        TIMER_WATCHDOG,
        TIMER_STOP,
        TIMER_SUP_RESTART,
        TIMER_SHUTDOWN,
} TimerKind;

typedef enum {
        JOB_NONE,
        JOB_RESTART, /* strategy: stop [low, n), then restart them */
        JOB_FAIL, /* intensity exceeded: stop everything, then escalate */
        JOB_STOP, /* shutdown or a stopping parent: stop everything, then report up */
} JobKind;

/* A command's identity, kept while its effect is pending. */
typedef struct {
        char *id;
        char *reason;
        gboolean has_actor;
        guint32 uid;
        guint32 pid;
        char *comm;
} Cmd;

/* Restart timestamps within a period, oldest first. */
typedef struct {
        GArray *t; /* of guint64, allocated on first use */
} Window;

typedef struct {
        StewardChildState state;
        guint64 generation;
        guint64 attempt;
        guint32 main_pid;
        gboolean ready;
        guint status_serial;
        StewardExitCode exit_code;
        int exit_status;
        guint restart_count;
        guint64 next_restart_usec;
        StewardFenceState fence;
} ChildProps;

typedef struct Child Child;

struct Child {
        Node node;

        /* Copied from the spec. */
        StewardRole role;
        StewardRestart restart;
        StewardChildType type;
        guint64 restart_usec;
        guint64 restart_max_delay_usec;
        double restart_jitter;
        guint64 restart_stable_usec;
        guint intensity;
        guint64 period_usec;
        guint64 watchdog_usec;
        int watchdog_signal;
        guint64 timeout_start_usec;
        guint64 timeout_stop_usec;
        int kill_signal;
        int *success_status;
        guint n_success_status;
        Child *primary;
        GPtrArray *sidecars; /* of Child*, NULL when none */
        char *fingerprint; /* every key of the spec, to tell a changed child on reload */

        ChildMode mode;
        StewardDecision rest_decision; /* why it came to rest, for child_stopped */
        gboolean ever_started;
        guint64 generation;
        guint64 attempt;
        guint64 first_generation; /* > 0 for a name that was removed and added again */
        gboolean retiring; /* removed by a reload: forgotten once gone */

        IncPhase inc;
        gboolean stopping; /* this incarnation is to go */
        StopCause stop_cause;
        int stop_signal;
        gboolean stop_delivered;
        gboolean aborted;
        gboolean forced_failure;
        gboolean scope_empty; /* known empty before the gone report (spawn failure) */
        gboolean ready;
        guint32 main_pid;
        guint64 up_since; /* G_MAXUINT64 while not up */
        /* sd_notify of this incarnation: WATCHDOG_USEC= (G_MAXUINT64 when
         * none: WatchdogSec= applies) and STOPPING=1. */
        guint64 watchdog_override_usec;
        gboolean notified_stopping;

        char *status_text;
        guint status_serial;
        StewardExitCode last_exit_code;
        int last_exit_status;
        guint restart_count;
        guint64 next_restart_usec;

        guint failures; /* consecutive, for the backoff */
        gboolean backoff_after_gone; /* policy decided a one-for-one restart */
        guint64 backoff_delay;
        gboolean queued; /* its supervisor will start it when its cursor gets here */
        gboolean quarantined;
        Window budget;
        StewardTimer timer;

        gboolean restart_pending; /* a command waits for the fence */
        gboolean pending_is_restart;
        guint merged;
        Cmd cmd; /* the last command whose effect is still pending */

        ChildProps published;
};

struct Sup {
        Node node;
        StewardStrategy strategy;
        guint intensity;
        guint64 period_usec;
        StewardEscalation escalation;
        GPtrArray *members; /* of Node*, declaration order */

        guint cursor; /* members before it have been started */
        gboolean advancing;
        gboolean down; /* not started, stopped, failed or quarantined */
        gboolean quarantined;

        JobKind job;
        guint low; /* the job covers members [low, n) */
        guint stop_cursor; /* members at and after it are down */
        guint rewind; /* a reload added a member here while a restart was under way; G_MAXUINT: none */
        gboolean stepping;
        guint64 restart_delay;

        Window window;
        guint restart_count;
        StewardTimer timer; /* delayed strategy restart */

        StewardSupervisorState published;
};

struct _StewardEngine {
        StewardEngineRandom rng;
        gpointer rng_data;

        GPtrArray *children; /* of Child*, owned, declaration order */
        GPtrArray *sups; /* of Sup*, owned, root first */
        GHashTable *child_by_name;
        GHashTable *sup_by_name;
        Sup *root;
        guint64 shutdown_timeout_usec;

        gboolean started;
        gboolean shutting_down;
        gboolean finished;
        int exit_code;
        StewardTreeState tree_state;
        StewardTreeState published_tree_state;

        StewardTimers timers;
        StewardTimer shutdown_timer;

        GPtrArray *dirty; /* of Node* */
        guint published_n_children;
        /* Interned name -> guint64*: the first generation a child of that
         * name gets if it is added again, for every name ever removed. */
        GHashTable *history;

        /* The input being handled. */
        GArray *out;
        guint64 now;
};

static const Cmd runtime_policy_cmd = { .id = (char *) "runtime-policy" };

/* Forward declarations: the tree's walks call each other. */
static void sup_advance(StewardEngine *e, Sup *s);
static void sup_job_step(StewardEngine *e, Sup *s);
static void sup_fail(StewardEngine *e, Sup *s, Node *trigger);
static void sup_member_failed(StewardEngine *e, Sup *p, Sup *t);
static void engine_begin_shutdown(StewardEngine *e, int exit_code, const Cmd *cmd, Sup *cause);
static void child_gone(StewardEngine *e, Child *c);
static void child_force_failure(StewardEngine *e, Child *c, gboolean start_timeout);
static void child_forget(StewardEngine *e, Child *c);

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

static StewardAction *
push_action(StewardEngine *e, StewardActionType type)
{
        StewardAction a = { .type = type };

        g_array_append_val(e->out, a);
        return &g_array_index(e->out, StewardAction, e->out->len - 1);
}

/* The returned pointer is valid until the next push. */
static StewardEvent *
emit(StewardEngine *e, StewardEventKind kind)
{
        StewardEvent *ev = &push_action(e, STEWARD_ACTION_EVENT)->event;

        ev->kind = kind;
        ev->time_usec = e->now;
        return ev;
}

static StewardEvent *
emit_child(StewardEngine *e, StewardEventKind kind, Child *c)
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

static StewardEvent *
emit_sup(StewardEngine *e, StewardEventKind kind, Sup *s)
{
        StewardEvent *ev = emit(e, kind);

        ev->supervisor = s->node.name;
        ev->fields = STEWARD_EVENT_FIELD_SUPERVISOR;
        return ev;
}

static void
ev_decision(StewardEvent *ev, StewardDecision d)
{
        ev->decision = d;
        ev->fields |= STEWARD_EVENT_FIELD_DECISION;
}

static void
ev_cmd(StewardEvent *ev, const Cmd *cmd)
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

static void
push_incarnation_action(StewardEngine *e, StewardActionType type, Child *c, int signal)
{
        StewardAction *a = push_action(e, type);

        a->child = c->node.name;
        a->supervisor = c->node.parent->node.name;
        a->generation = c->generation;
        a->attempt = c->attempt;
        a->signal = signal;
}

/* ---- commands ---- */

static void
cmd_clear(Cmd *cmd)
{
        g_clear_pointer(&cmd->id, g_free);
        g_clear_pointer(&cmd->reason, g_free);
        g_clear_pointer(&cmd->comm, g_free);
        cmd->has_actor = FALSE;
}

static void
cmd_set(Cmd *cmd, const StewardCommand *src)
{
        cmd_clear(cmd);
        cmd->id = g_strdup(src->command_id ? src->command_id : "");
        cmd->reason = g_strdup(src->reason);
        cmd->has_actor = TRUE;
        cmd->uid = src->actor.uid;
        cmd->pid = src->actor.pid;
        cmd->comm = g_strdup(src->actor.comm);
}

/* ---- restart windows ---- */

/* Records a restart at @now and says whether there were more than
 * @intensity within @period (OTP's MaxR/MaxT check). */
static gboolean
window_exceeded(Window *w, guint intensity, guint64 period, guint64 now)
{
        guint drop = 0;

        if (!w->t)
                w->t = g_array_new(FALSE, FALSE, sizeof(guint64));
        while (drop < w->t->len && g_array_index(w->t, guint64, drop) + period <= now)
                drop++;
        if (drop > 0)
                g_array_remove_range(w->t, 0, drop);
        g_array_append_val(w->t, now);
        /* Bounded: once exceeded, the owner fails and resets the window. */
        if (w->t->len > (guint64) intensity + 1)
                g_array_remove_index(w->t, 0);
        return w->t->len > intensity;
}

static void
window_reset(Window *w)
{
        g_clear_pointer(&w->t, g_array_unref);
}

/* ---- dirty tracking ---- */

static void
mark(StewardEngine *e, Node *n)
{
        if (n->dirty)
                return;
        n->dirty = TRUE;
        g_ptr_array_add(e->dirty, n);
}

#define mark_child(e, c) mark((e), &(c)->node)
#define mark_sup(e, s) mark((e), &(s)->node)

static inline Child *
as_child(Node *n)
{
        return n->kind == NODE_CHILD ? (Child *) n : NULL;
}

static inline Sup *
as_sup(Node *n)
{
        return n->kind == NODE_SUPERVISOR ? (Sup *) n : NULL;
}

static inline Node *
member(Sup *s, guint i)
{
        return g_ptr_array_index(s->members, i);
}

/* ---- derived state ---- */

static StewardFenceState
child_fence(Child *c)
{
        if (c->inc == INC_NONE || !c->stopping)
                return STEWARD_FENCE_IDLE;
        return c->aborted ? STEWARD_FENCE_ABORTING_OLD : STEWARD_FENCE_STOPPING_OLD;
}

static gboolean
sup_restart_scheduled(Sup *s)
{
        return steward_timer_is_armed(&s->timer);
}

static StewardChildState
child_state(Child *c)
{
        if (c->inc != INC_NONE) {
                if (c->stopping || c->inc == INC_EXITED || c->notified_stopping)
                        return STEWARD_CHILD_STATE_STOPPING;
                if (c->inc == INC_SPAWNING)
                        return STEWARD_CHILD_STATE_STARTING;
                if (c->type == STEWARD_CHILD_NOTIFY)
                        return c->ready ? STEWARD_CHILD_STATE_READY : STEWARD_CHILD_STATE_STARTING;
                return STEWARD_CHILD_STATE_RUNNING;
        }
        if (steward_timer_is_armed(&c->timer) && c->timer.kind == TIMER_BACKOFF)
                return STEWARD_CHILD_STATE_BACKOFF;
        switch (c->mode) {
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
                return sup_restart_scheduled(c->node.parent) ? STEWARD_CHILD_STATE_BACKOFF
                                                             : STEWARD_CHILD_STATE_STARTING;
        if (c->quarantined)
                return STEWARD_CHILD_STATE_QUARANTINED;
        return STEWARD_CHILD_STATE_STOPPED;
}

static StewardSupervisorState
sup_state(Sup *s)
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
        if (sup_restart_scheduled(s))
                return STEWARD_SUPERVISOR_STATE_RESTARTING;
        if (s->down)
                return STEWARD_SUPERVISOR_STATE_STOPPED;
        if (s->cursor < s->members->len)
                return STEWARD_SUPERVISOR_STATE_STARTING;
        return STEWARD_SUPERVISOR_STATE_RUNNING;
}

static ChildProps
child_props(Child *c)
{
        return (ChildProps){
                .state = child_state(c),
                .generation = c->generation,
                .attempt = c->attempt,
                .main_pid = c->main_pid,
                .ready = c->ready,
                .status_serial = c->status_serial,
                .exit_code = c->last_exit_code,
                .exit_status = c->last_exit_status,
                .restart_count = c->restart_count,
                .next_restart_usec = c->next_restart_usec,
                .fence = child_fence(c),
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
        if (a->exit_code != b->exit_code || a->exit_status != b->exit_status)
                m |= STEWARD_PROPERTY_LAST_EXIT;
        if (a->restart_count != b->restart_count)
                m |= STEWARD_PROPERTY_RESTART_COUNT;
        if (a->next_restart_usec != b->next_restart_usec)
                m |= STEWARD_PROPERTY_NEXT_RESTART;
        if (a->fence != b->fence)
                m |= STEWARD_PROPERTY_FENCE_STATE;
        return m;
}

static void
engine_begin(StewardEngine *e, guint64 now, GArray *out)
{
        e->now = now;
        e->out = out;
}

/* One STATE_CHANGED per object whose observable properties differ from
 * what was last announced, after the events of the input. */
static void
engine_end(StewardEngine *e)
{
        for (guint i = 0; i < e->dirty->len; i++) {
                Node *n = g_ptr_array_index(e->dirty, i);
                StewardAction *a;

                n->dirty = FALSE;
                if (n->kind == NODE_CHILD) {
                        Child *c = (Child *) n;
                        ChildProps now = child_props(c);
                        guint changed = child_props_diff(&now, &c->published);

                        if (!changed)
                                continue;
                        c->published = now;
                        a = push_action(e, STEWARD_ACTION_STATE_CHANGED);
                        a->child = n->name;
                        a->supervisor = n->parent->node.name;
                        a->generation = c->generation;
                        a->attempt = c->attempt;
                        a->changed = changed;
                } else {
                        Sup *s = (Sup *) n;
                        StewardSupervisorState st = sup_state(s);

                        if (st == s->published)
                                continue;
                        s->published = st;
                        a = push_action(e, STEWARD_ACTION_STATE_CHANGED);
                        a->supervisor = n->name;
                        a->changed = STEWARD_PROPERTY_STATE;
                }
        }
        g_ptr_array_set_size(e->dirty, 0);
        if (e->tree_state != e->published_tree_state || e->children->len != e->published_n_children) {
                StewardAction *a = push_action(e, STEWARD_ACTION_STATE_CHANGED);

                if (e->tree_state != e->published_tree_state)
                        a->changed |= STEWARD_PROPERTY_STATE;
                if (e->children->len != e->published_n_children)
                        a->changed |= STEWARD_PROPERTY_CHILD_COUNT;
                e->published_tree_state = e->tree_state;
                e->published_n_children = e->children->len;
        }
        e->out = NULL;
}

/* ---- timers ---- */

static void
child_arm(StewardEngine *e, Child *c, TimerKind kind, guint64 delay)
{
        guint64 when = G_MAXUINT64 - e->now > delay ? e->now + delay : G_MAXUINT64 - 1;

        steward_timers_arm(&e->timers, &c->timer, when, kind);
        mark_child(e, c);
}

static void
child_disarm(StewardEngine *e, Child *c)
{
        if (!steward_timer_is_armed(&c->timer))
                return;
        steward_timers_disarm(&e->timers, &c->timer);
        if (c->next_restart_usec) {
                c->next_restart_usec = 0;
                mark_child(e, c);
        }
}

static void
child_disarm_kind(StewardEngine *e, Child *c, TimerKind kind)
{
        if (steward_timer_is_armed(&c->timer) && c->timer.kind == (int) kind)
                child_disarm(e, c);
}

/* ---- children ---- */

static gboolean
child_is_current(Child *c, guint64 generation)
{
        return c->inc != INC_NONE && c->generation == generation;
}

static gboolean
child_is_up(Child *c)
{
        return c->inc == INC_UP && c->ready && !c->stopping;
}

static gboolean
child_primary_up(Child *c)
{
        return !c->primary || child_is_up(c->primary);
}

static void
child_stale(StewardEngine *e, Child *c, guint64 generation, const char *report)
{
        StewardEvent *ev = emit_child(e, STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT, c);

        /* The generation the report was about, not the current one. */
        ev->generation = generation;
        ev->fields |= STEWARD_EVENT_FIELD_GENERATION;
        ev->fields &= ~(guint) (STEWARD_EVENT_FIELD_ATTEMPT | STEWARD_EVENT_FIELD_MAIN_PID);
        ev->reason = g_strdup(report);
        ev->fields |= STEWARD_EVENT_FIELD_REASON;
}

typedef enum {
        BLOCK_NONE,
        BLOCK_PENDING, /* a supervisor above will (re)start it */
        BLOCK_SUPERVISOR, /* a supervisor above is down, failing or stopping */
        BLOCK_QUARANTINE,
        BLOCK_SHUTDOWN,
} Block;

/* What the supervisors above allow for @n; O(depth). */
static Block
node_blocked(StewardEngine *e, Node *n)
{
        Block b = BLOCK_NONE;

        if (e->shutting_down)
                return BLOCK_SHUTDOWN;
        for (Sup *a = n->parent; a; n = &a->node, a = a->node.parent) {
                gboolean covered = n->index >= a->low;

                if (a->quarantined)
                        return BLOCK_QUARANTINE;
                if ((a->job == JOB_FAIL || a->job == JOB_STOP) && covered)
                        b = MAX(b, BLOCK_SUPERVISOR);
                else if ((a->job == JOB_RESTART || sup_restart_scheduled(a)) && covered)
                        b = MAX(b, BLOCK_PENDING);
                else if (a->down && b < BLOCK_PENDING)
                        b = BLOCK_SUPERVISOR;
        }
        return b;
}

/* Starts the next incarnation. Never after a shutdown began. */
static gboolean
child_spawn(StewardEngine *e, Child *c, gboolean restart, const Cmd *cmd)
{
        StewardEvent *ev;

        if (e->shutting_down || c->inc != INC_NONE)
                return FALSE;
        child_disarm(e, c);
        if (c->ever_started) {
                c->generation++;
                c->attempt++;
        } else {
                c->ever_started = TRUE;
                c->generation = c->first_generation;
                c->attempt = c->first_generation + 1;
        }
        c->inc = INC_SPAWNING;
        c->stopping = FALSE;
        c->stop_cause = STOP_NONE;
        c->stop_delivered = FALSE;
        c->aborted = FALSE;
        c->forced_failure = FALSE;
        c->scope_empty = FALSE;
        c->ready = FALSE;
        c->main_pid = 0;
        c->up_since = G_MAXUINT64;
        c->watchdog_override_usec = G_MAXUINT64;
        c->notified_stopping = FALSE;
        c->queued = FALSE;
        c->backoff_after_gone = FALSE;
        c->next_restart_usec = 0;
        if (c->status_text) {
                g_clear_pointer(&c->status_text, g_free);
                c->status_serial++;
        }
        if (restart) {
                ev = emit_child(e, STEWARD_EVENT_CHILD_RESTARTING, c);
                ev_cmd(ev, cmd);
        }
        ev = emit_child(e, STEWARD_EVENT_CHILD_STARTING, c);
        ev_cmd(ev, cmd);
        push_incarnation_action(e, STEWARD_ACTION_SPAWN, c, 0);
        mark_child(e, c);
        return TRUE;
}

static void
child_deliver_stop(StewardEngine *e, Child *c)
{
        c->stop_delivered = TRUE;
        /* Whatever deadline ran (start, watchdog) gives way to the stop's. */
        child_disarm(e, c);
        if (c->stop_cause == STOP_CONTROL) {
                StewardEvent *ev = emit_child(e, STEWARD_EVENT_CHILD_CONTROL_CANCEL_DELIVERED, c);
                ev_cmd(ev, &c->cmd);
        }
        push_incarnation_action(e, STEWARD_ACTION_STOP, c, c->stop_signal);
        if (c->timeout_stop_usec > 0)
                child_arm(e, c, TIMER_STOP, c->timeout_stop_usec);
        mark_child(e, c);
}

/* Asks the live incarnation to go. While it is still being spawned the
 * stop waits for the spawned report: there is nothing to signal yet. */
static void
child_request_stop(StewardEngine *e, Child *c, StopCause cause, int signal)
{
        if (c->inc == INC_NONE || c->stopping)
                return;
        c->stopping = TRUE;
        c->stop_cause = cause;
        c->stop_signal = signal;
        mark_child(e, c);
        if (c->inc == INC_SPAWNING || c->scope_empty)
                return;
        child_deliver_stop(e, c);
}

static void
child_stop_sidecars(StewardEngine *e, Child *p)
{
        for (guint i = 0; p->sidecars && i < p->sidecars->len; i++) {
                Child *sc = g_ptr_array_index(p->sidecars, i);

                if (sc->inc != INC_NONE)
                        child_request_stop(e, sc, STOP_SIDECAR, sc->kill_signal);
                else
                        child_disarm_kind(e, sc, TIMER_BACKOFF);
                mark_child(e, sc);
        }
}

/* A sidecar at rest comes back with its primary. */
static void
child_follow_primary(StewardEngine *e, Child *sc)
{
        if (sc->mode != MODE_AUTO || sc->inc != INC_NONE || sc->queued || sc->quarantined ||
            steward_timer_is_armed(&sc->timer) || !child_primary_up(sc))
                return;
        if (node_blocked(e, &sc->node) != BLOCK_NONE)
                return;
        if (sc->ever_started)
                sc->restart_count++;
        (void) child_spawn(e, sc, sc->ever_started, NULL);
}

/* WatchdogSec=, or what the incarnation asked for with WATCHDOG_USEC=.
 * Only a Type=notify child has a way to ping (the config warns). */
static guint64
child_watchdog_usec(Child *c)
{
        if (c->type != STEWARD_CHILD_NOTIFY)
                return 0;
        return c->watchdog_override_usec != G_MAXUINT64 ? c->watchdog_override_usec : c->watchdog_usec;
}

static void
child_became_up(StewardEngine *e, Child *c)
{
        c->ready = TRUE;
        c->up_since = e->now;
        if (child_watchdog_usec(c) > 0)
                child_arm(e, c, TIMER_WATCHDOG, child_watchdog_usec(c));
        mark_child(e, c);
        for (guint i = 0; c->sidecars && i < c->sidecars->len; i++)
                child_follow_primary(e, g_ptr_array_index(c->sidecars, i));
}

static StewardDecision
child_verdict(Child *c, StewardExitCode code, int status)
{
        if (c->forced_failure)
                return STEWARD_DECISION_FAILURE;
        /* A stop we delivered (or decided on) is never a failure. */
        if (c->stopping)
                return STEWARD_DECISION_STOP;
        if (code == STEWARD_EXIT_CODE_EXITED) {
                if (status == 0)
                        return STEWARD_DECISION_SUCCESS;
                for (guint i = 0; i < c->n_success_status; i++)
                        if (c->success_status[i] == status)
                                return STEWARD_DECISION_SUCCESS;
        }
        return STEWARD_DECISION_FAILURE;
}

/* Would the restart type restart after @verdict? (OTP: permanent always,
 * transient on abnormal exit, temporary never; a job's success is final.) */
static gboolean
child_policy_restarts(Child *c, StewardDecision verdict)
{
        if (verdict == STEWARD_DECISION_STOP)
                return FALSE;
        if (c->role == STEWARD_ROLE_JOB && verdict == STEWARD_DECISION_SUCCESS)
                return FALSE;
        switch (c->restart) {
        case STEWARD_RESTART_PERMANENT:
                return TRUE;
        case STEWARD_RESTART_TRANSIENT:
                return verdict == STEWARD_DECISION_FAILURE;
        case STEWARD_RESTART_TEMPORARY:
                return FALSE;
        }
        return FALSE;
}

/* RestartSec= doubled per consecutive failure, capped at
 * RestartMaxDelaySec=, then spread by ±RestartJitter=. */
static guint64
child_backoff_delay(StewardEngine *e, Child *c)
{
        guint64 d = c->restart_usec;
        guint64 cap = c->restart_max_delay_usec > 0 ? c->restart_max_delay_usec : G_MAXUINT64;

        for (guint i = 1; i < c->failures && d < cap; i++)
                d = d > G_MAXUINT64 / 2 ? G_MAXUINT64 : d * 2;
        d = MIN(d, cap);
        if (c->restart_jitter > 0 && e->rng && d > 0) {
                double r = e->rng(e->rng_data);
                double f = 1.0 + c->restart_jitter * (2.0 * CLAMP(r, 0.0, 1.0) - 1.0);
                d = (guint64) ((double) d * MAX(f, 0.0));
        }
        return d;
}

static gboolean
sup_covers(Sup *s, Node *n)
{
        return s->job != JOB_NONE && n->index >= s->low;
}

static gboolean
sup_count_restart(StewardEngine *e, Sup *s)
{
        s->restart_count++;
        return window_exceeded(&s->window, s->intensity, s->period_usec, e->now);
}

static void sup_begin_restart(StewardEngine *e, Sup *s, Node *trigger, guint64 delay);

/* The restart policy after an unexpected end (@verdict success or failure)
 * of a supervised child whose supervisor is not busy with it. */
static void
child_apply_policy(StewardEngine *e, Child *c, StewardDecision verdict)
{
        Sup *s = c->node.parent;
        guint64 delay;

        if (!child_policy_restarts(c, verdict)) {
                c->mode = verdict == STEWARD_DECISION_FAILURE ? MODE_FAILED : MODE_STOPPED;
                c->rest_decision = STEWARD_DECISION_FINISHED;
                return;
        }
        if (verdict == STEWARD_DECISION_FAILURE) {
                /* The stable-time reset, judged lazily: no timer needed. */
                if (c->up_since != G_MAXUINT64 && e->now - c->up_since >= c->restart_stable_usec)
                        c->failures = 0;
                c->failures++;
        } else {
                c->failures = 0;
        }
        if (window_exceeded(&c->budget, c->intensity, c->period_usec, e->now)) {
                /* Given up; for its supervisor that is one more failure. */
                c->mode = MODE_FAILED;
                c->rest_decision = STEWARD_DECISION_GIVEN_UP;
                if (sup_count_restart(e, s))
                        sup_fail(e, s, &c->node);
                return;
        }
        if (sup_count_restart(e, s)) {
                sup_fail(e, s, &c->node);
                return;
        }
        delay = child_backoff_delay(e, c);
        if (s->strategy == STEWARD_STRATEGY_ONE_FOR_ONE) {
                c->backoff_after_gone = TRUE;
                c->backoff_delay = delay;
        } else {
                sup_begin_restart(e, s, &c->node, delay);
        }
}

/* The main process is over (exit, spawn failure, or the scope emptied
 * first). @scope_empty: nothing of the incarnation is left to stop. */
static void
child_main_ended(StewardEngine *e, Child *c, StewardDecision verdict, gboolean scope_empty)
{
        Sup *s = c->node.parent;

        c->inc = INC_EXITED;
        c->ready = FALSE;
        c->main_pid = 0;
        c->scope_empty = scope_empty;
        child_disarm_kind(e, c, TIMER_START);
        child_disarm_kind(e, c, TIMER_WATCHDOG);
        mark_child(e, c);
        /* What the main process left behind goes too, before anything new
         * may start: the fence waits for the scope, not the main pid. */
        if (!scope_empty && !c->stopping)
                child_request_stop(e, c, STOP_LEFTOVER, c->kill_signal);
        else if (!scope_empty && !c->stop_delivered)
                child_deliver_stop(e, c); /* requested while spawning */
        child_stop_sidecars(e, c);

        if (sup_covers(s, &c->node)) {
                /* The supervisor is stopping this member anyway; a crash
                 * now is not one more restart (as in OTP). */
        } else if (c->restart_pending) {
                if (c->mode == MODE_AUTO && child_policy_restarts(c, verdict)) {
                        StewardEvent *ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_CONFLICT, c);
                        ev_cmd(ev, &runtime_policy_cmd);
                        ev_decision(ev, STEWARD_DECISION_ALREADY_PENDING);
                }
        } else if (c->mode == MODE_AUTO && verdict != STEWARD_DECISION_STOP) {
                child_apply_policy(e, c, verdict);
        }
        /* A Type=notify child that failed no longer holds its siblings. */
        sup_advance(e, s);
}

static void
child_come_to_rest(StewardEngine *e, Child *c)
{
        StewardEvent *ev;

        switch (c->mode) {
        case MODE_STOPPED:
        case MODE_FAILED:
                ev = emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                ev_decision(ev, c->rest_decision);
                if (c->rest_decision == STEWARD_DECISION_STOP)
                        ev_cmd(ev, &c->cmd);
                break;
        case MODE_PAUSED:
                ev = emit_child(e, STEWARD_EVENT_CHILD_PAUSED, c);
                ev_cmd(ev, &c->cmd);
                break;
        case MODE_AUTO:
                /* A sidecar stopped with its primary, back if it already is. */
                if (c->primary)
                        child_follow_primary(e, c);
                break;
        }
        mark_child(e, c);
}

static gboolean member_start(StewardEngine *e, Node *m);

/* The incarnation's scope is empty: the fence opens. */
static void
child_gone(StewardEngine *e, Child *c)
{
        Sup *s = c->node.parent;
        /* Leftover clean-up is only worth an event when a command waits on it. */
        gboolean stop_completed =
                c->stop_delivered && (c->stop_cause != STOP_LEFTOVER || c->restart_pending);
        StewardEvent *ev;

        c->inc = INC_NONE;
        c->stopping = FALSE;
        c->stop_delivered = FALSE;
        c->aborted = FALSE;
        c->scope_empty = FALSE;
        child_disarm(e, c);
        mark_child(e, c);
        if (stop_completed) {
                ev = emit_child(e, STEWARD_EVENT_CHILD_CONTROL_STOP_COMPLETED, c);
                if (c->stop_cause == STOP_CONTROL || c->restart_pending)
                        ev_cmd(ev, &c->cmd);
        }
        if (c->retiring) {
                /* Removed by a reload: its last incarnation is gone. */
                ev = emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                ev_decision(ev, STEWARD_DECISION_STOP);
                ev_cmd(ev, &c->cmd);
                child_forget(e, c);
                return;
        }

        if (sup_covers(s, &c->node)) {
                /* A pending commanded restart is served by the strategy's
                 * restart, which starts it with the others. */
                if (s->job != JOB_RESTART) {
                        c->restart_pending = FALSE;
                        ev = emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                        ev_decision(ev, STEWARD_DECISION_STOP);
                }
                sup_job_step(e, s);
                return;
        }
        if (c->restart_pending) {
                c->restart_pending = FALSE;
                ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED, c);
                ev_cmd(ev, &c->cmd);
                ev->target_generation = c->generation + 1;
                ev->fields |= STEWARD_EVENT_FIELD_TARGET_GENERATION;
                if (!child_primary_up(c))
                        return;
                (void) child_spawn(e, c, c->pending_is_restart, &c->cmd);
                return;
        }
        if (c->mode == MODE_AUTO && c->backoff_after_gone && !e->shutting_down) {
                c->backoff_after_gone = FALSE;
                child_arm(e, c, TIMER_BACKOFF, c->backoff_delay);
                c->next_restart_usec = c->timer.when;
                ev = emit_child(e, STEWARD_EVENT_CHILD_BACKOFF_SCHEDULED, c);
                ev->delay_usec = c->backoff_delay;
                ev->next_usec = c->next_restart_usec;
                ev->fields |= STEWARD_EVENT_FIELD_DELAY;
                return;
        }
        child_come_to_rest(e, c);
}

/* ---- supervisors ---- */

static gboolean
member_down(Node *m)
{
        if (m->kind == NODE_CHILD)
                return ((Child *) m)->inc == INC_NONE;
        return ((Sup *) m)->job == JOB_NONE && ((Sup *) m)->down;
}

/* Only a Type=notify child not yet ready, or a nested supervisor still
 * starting its own members, holds its younger siblings. */
static gboolean
member_holds(Node *m)
{
        if (m->kind == NODE_CHILD) {
                Child *c = (Child *) m;
                return (c->inc == INC_SPAWNING || c->inc == INC_UP) && c->type == STEWARD_CHILD_NOTIFY &&
                       !c->ready && !c->stopping && !c->notified_stopping;
        } else {
                Sup *t = (Sup *) m;
                return !t->down && t->job == JOB_NONE && !sup_restart_scheduled(t) &&
                       t->cursor < t->members->len;
        }
}

static void
sup_start_stop_job(StewardEngine *e, Sup *s, JobKind job)
{
        if (steward_timer_is_armed(&s->timer))
                steward_timers_disarm(&e->timers, &s->timer);
        /* Members at or after a running job's cursor are already down. */
        if (s->job == JOB_NONE)
                s->stop_cursor = s->members->len;
        s->job = job;
        s->low = 0;
        mark_sup(e, s);
}

/* Part of a supervisor's job: take member @m down. */
static void
member_stop(StewardEngine *e, Sup *s, Node *m)
{
        Child *c = as_child(m);
        Sup *t = as_sup(m);

        if (c) {
                c->queued = FALSE;
                c->backoff_after_gone = FALSE;
                child_disarm_kind(e, c, TIMER_BACKOFF);
                if (s->job != JOB_RESTART)
                        c->restart_pending = FALSE;
                child_request_stop(e, c, STOP_JOB, c->kill_signal);
                mark_child(e, c);
                return;
        }
        if (t->job == JOB_STOP || member_down(m))
                return;
        sup_start_stop_job(e, t, JOB_STOP);
        sup_job_step(e, t);
}

/* Marks @s's members from @from on (recursively) to be started by the
 * cursor; nested supervisors start afresh, as a restarted OTP supervisor. */
static void
sup_mark_queued(StewardEngine *e, Sup *s, guint from, guint64 next_restart)
{
        for (guint i = from; i < s->members->len; i++) {
                Node *m = member(s, i);
                Child *c = as_child(m);
                Sup *t = as_sup(m);

                if (c) {
                        if (c->mode == MODE_AUTO && c->inc == INC_NONE) {
                                c->queued = TRUE;
                                c->next_restart_usec = next_restart;
                                mark_child(e, c);
                        }
                } else if (!t->quarantined) {
                        t->cursor = 0;
                        window_reset(&t->window);
                        sup_mark_queued(e, t, 0, next_restart);
                        mark_sup(e, t);
                }
        }
}

/* Part of a start sequence: start member @m if it is queued. */
static gboolean
member_start(StewardEngine *e, Node *m)
{
        Child *c = as_child(m);
        Sup *t = as_sup(m);

        if (t) {
                if (t->quarantined)
                        return FALSE;
                /* Queued already when its start was decided; again here for
                 * members a reload added since. Idempotent otherwise: the
                 * members of a supervisor that is down are all at rest. */
                if (t->down)
                        sup_mark_queued(e, t, 0, 0);
                t->down = FALSE;
                mark_sup(e, t);
                sup_advance(e, t);
                return TRUE;
        }
        if (!c->queued)
                return FALSE;
        c->queued = FALSE;
        c->next_restart_usec = 0;
        mark_child(e, c);
        if (c->mode != MODE_AUTO || c->inc != INC_NONE || !child_primary_up(c))
                return FALSE;
        if (c->restart_pending) {
                StewardEvent *ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED, c);
                ev_cmd(ev, &c->cmd);
                ev->target_generation = c->generation + 1;
                ev->fields |= STEWARD_EVENT_FIELD_TARGET_GENERATION;
                c->restart_pending = FALSE;
                return child_spawn(e, c, TRUE, &c->cmd);
        }
        if (c->ever_started)
                c->restart_count++;
        return child_spawn(e, c, c->ever_started, NULL);
}

static void
sup_started(StewardEngine *e, Sup *s)
{
        if (!s->node.parent) {
                if (e->tree_state == STEWARD_TREE_STATE_STARTING)
                        e->tree_state = STEWARD_TREE_STATE_RUNNING;
                return;
        }
        sup_advance(e, s->node.parent);
}

/* Moves the start cursor as far as no member holds it. O(1) when there is
 * nothing to start, so every report may call it. */
static void
sup_advance(StewardEngine *e, Sup *s)
{
        guint n = s->members->len;

        if (e->shutting_down || s->down || s->advancing || s->job != JOB_NONE || sup_restart_scheduled(s) ||
            s->cursor >= n)
                return;
        s->advancing = TRUE;
        while (s->cursor < n) {
                Node *m = member(s, s->cursor);

                (void) member_start(e, m);
                if (member_holds(m))
                        break;
                s->cursor++;
        }
        s->advancing = FALSE;
        mark_sup(e, s);
        if (s->cursor >= n)
                sup_started(e, s);
}

static void
sup_restart_members(StewardEngine *e, Sup *s)
{
        sup_mark_queued(e, s, s->low, 0);
        /* A member a reload added before the restarted range starts too. */
        s->cursor = MIN(s->low, s->rewind);
        s->rewind = G_MAXUINT;
        mark_sup(e, s);
        sup_advance(e, s);
}

static void
tree_finish(StewardEngine *e, StewardDecision how)
{
        StewardEvent *ev;
        StewardAction *a;

        if (e->finished)
                return;
        e->finished = TRUE;
        if (steward_timer_is_armed(&e->shutdown_timer))
                steward_timers_disarm(&e->timers, &e->shutdown_timer);
        e->tree_state = STEWARD_TREE_STATE_STOPPED;
        ev = emit_sup(e, STEWARD_EVENT_TREE_SHUTDOWN_COMPLETED, e->root);
        ev_decision(ev, how);
        a = push_action(e, STEWARD_ACTION_EXIT);
        a->exit_code = e->exit_code;
}

static void
sup_quarantine(StewardEngine *e, Sup *s, gboolean on)
{
        for (guint i = 0; i < s->members->len; i++) {
                Node *m = member(s, i);
                Child *c = as_child(m);
                Sup *t = as_sup(m);

                if (c) {
                        c->quarantined = on;
                        if (on && c->mode == MODE_AUTO)
                                (void) emit_child(e, STEWARD_EVENT_CHILD_QUARANTINED, c);
                        mark_child(e, c);
                } else if (!t->quarantined) {
                        sup_quarantine(e, t, on);
                }
        }
}

static void
sup_escalate(StewardEngine *e, Sup *s)
{
        StewardEscalation esc = s->escalation;
        Sup *p = s->node.parent;

        s->down = TRUE;
        mark_sup(e, s);
        /* The root has no parent to escalate to: it gives up, and the
         * daemon exits with 1 (docs/ARCHITECTURE.md, "Exit codes"), as OTP's top supervisor would. */
        if (esc == STEWARD_ESCALATION_PARENT && !p)
                esc = STEWARD_ESCALATION_SHUTDOWN;
        switch (esc) {
        case STEWARD_ESCALATION_PARENT:
                sup_member_failed(e, p, s);
                break;
        case STEWARD_ESCALATION_SHUTDOWN:
                engine_begin_shutdown(e, 1, NULL, s);
                break;
        case STEWARD_ESCALATION_QUARANTINE:
                s->quarantined = TRUE;
                sup_quarantine(e, s, TRUE);
                if (p)
                        sup_advance(e, p);
                break;
        }
}

static void
sup_job_done(StewardEngine *e, Sup *s)
{
        JobKind job = s->job;

        s->job = JOB_NONE;
        mark_sup(e, s);
        switch (job) {
        case JOB_RESTART:
                if (e->shutting_down)
                        break;
                if (s->restart_delay > 0) {
                        steward_timers_arm(&e->timers, &s->timer, e->now + s->restart_delay,
                                           TIMER_SUP_RESTART);
                        sup_mark_queued(e, s, s->low, s->timer.when);
                } else {
                        sup_restart_members(e, s);
                }
                break;
        case JOB_FAIL:
                sup_escalate(e, s);
                break;
        case JOB_STOP:
                s->down = TRUE;
                if (!s->node.parent) {
                        if (e->shutting_down)
                                tree_finish(e, STEWARD_DECISION_CLEAN);
                } else {
                        sup_job_step(e, s->node.parent);
                }
                break;
        case JOB_NONE:
                break;
        }
}

/* Stops the job's members in reverse order, one at a time, each waited for
 * until down; re-entered whenever one of them goes down. */
static void
sup_job_step(StewardEngine *e, Sup *s)
{
        if (s->job == JOB_NONE || s->stepping)
                return;
        s->stepping = TRUE;
        while (s->stop_cursor > s->low) {
                Node *m = member(s, s->stop_cursor - 1);

                /* Even a member that is down may have a restart scheduled
                 * or be queued: member_stop() cancels that too. */
                member_stop(e, s, m);
                if (!member_down(m))
                        break;
                s->stop_cursor--;
        }
        s->stepping = FALSE;
        if (s->job != JOB_NONE && s->stop_cursor <= s->low)
                sup_job_done(e, s);
}

/* one-for-all / rest-for-one (or a failed nested supervisor): take the
 * affected members down, then restart them after @delay. */
static void
sup_begin_restart(StewardEngine *e, Sup *s, Node *trigger, guint64 delay)
{
        guint low = s->strategy == STEWARD_STRATEGY_ONE_FOR_ALL ? 0 : trigger->index;
        StewardEvent *ev;

        if (s->job == JOB_FAIL || s->job == JOB_STOP)
                return;
        if (s->job == JOB_RESTART) {
                /* rest-for-one: an earlier member failed too; widen. */
                s->low = MIN(s->low, low);
                s->restart_delay = MAX(s->restart_delay, delay);
        } else {
                if (sup_restart_scheduled(s)) {
                        low = MIN(low, s->low);
                        steward_timers_disarm(&e->timers, &s->timer);
                }
                s->job = JOB_RESTART;
                s->low = low;
                s->stop_cursor = s->members->len;
                s->restart_delay = delay;
        }
        ev = emit_sup(e, STEWARD_EVENT_SUPERVISOR_RESTARTING, s);
        ev->child = trigger->name;
        ev->fields |= STEWARD_EVENT_FIELD_CHILD;
        ev_decision(ev, s->strategy == STEWARD_STRATEGY_ONE_FOR_ALL ? STEWARD_DECISION_ONE_FOR_ALL
                                                                    : STEWARD_DECISION_REST_FOR_ONE);
        if (delay > 0) {
                ev->delay_usec = delay;
                ev->fields |= STEWARD_EVENT_FIELD_DELAY;
        }
        mark_sup(e, s);
        sup_job_step(e, s);
}

/* Intensity exceeded: stop every member in reverse order, then escalate. */
static void
sup_fail(StewardEngine *e, Sup *s, Node *trigger)
{
        StewardEvent *ev;
        static const StewardDecision esc[] = {
                [STEWARD_ESCALATION_PARENT] = STEWARD_DECISION_ESCALATE_PARENT,
                [STEWARD_ESCALATION_SHUTDOWN] = STEWARD_DECISION_ESCALATE_SHUTDOWN,
                [STEWARD_ESCALATION_QUARANTINE] = STEWARD_DECISION_ESCALATE_QUARANTINE,
        };

        if (s->job == JOB_FAIL || s->job == JOB_STOP)
                return;
        ev = emit_sup(e, STEWARD_EVENT_SUPERVISOR_INTENSITY_EXCEEDED, s);
        if (trigger) {
                ev->child = trigger->name;
                ev->fields |= STEWARD_EVENT_FIELD_CHILD;
        }
        ev_decision(ev, esc[s->escalation]);
        sup_start_stop_job(e, s, JOB_FAIL);
        sup_job_step(e, s);
}

/* Escalation=parent: @p treats its failed member @t like a failed child. */
static void
sup_member_failed(StewardEngine *e, Sup *p, Sup *t)
{
        StewardEvent *ev;

        if (sup_covers(p, &t->node)) {
                sup_job_step(e, p);
                return;
        }
        if (sup_count_restart(e, p)) {
                sup_fail(e, p, &t->node);
                return;
        }
        if (p->strategy != STEWARD_STRATEGY_ONE_FOR_ONE) {
                sup_begin_restart(e, p, &t->node, 0);
                return;
        }
        ev = emit_sup(e, STEWARD_EVENT_SUPERVISOR_RESTARTING, t);
        ev_decision(ev, STEWARD_DECISION_ONE_FOR_ONE);
        window_reset(&t->window);
        sup_mark_queued(e, t, 0, 0);
        t->cursor = 0;
        t->down = FALSE;
        mark_sup(e, t);
        sup_advance(e, t);
}

static void
engine_begin_shutdown(StewardEngine *e, int exit_code, const Cmd *cmd, Sup *cause)
{
        StewardEvent *ev;

        if (e->shutting_down)
                return;
        e->shutting_down = TRUE;
        e->exit_code = exit_code;
        e->tree_state = STEWARD_TREE_STATE_STOPPING;
        ev = emit_sup(e, STEWARD_EVENT_TREE_SHUTDOWN_STARTED, cause ? cause : e->root);
        ev_cmd(ev, cmd);
        if (cause)
                ev_decision(ev, STEWARD_DECISION_ESCALATE_SHUTDOWN);
        if (e->shutdown_timeout_usec > 0)
                steward_timers_arm(&e->timers, &e->shutdown_timer, e->now + e->shutdown_timeout_usec,
                                   TIMER_SHUTDOWN);
        sup_start_stop_job(e, e->root, JOB_STOP);
        sup_job_step(e, e->root);
}

/* ShutdownTimeoutSec= passed: abort whatever is left and finish. A one-off
 * walk over all children is fine here: it happens once, at the end. */
static void
engine_shutdown_timeout(StewardEngine *e)
{
        for (guint i = 0; i < e->children->len; i++) {
                Child *c = g_ptr_array_index(e->children, i);
                StewardEvent *ev;

                if (c->inc == INC_NONE || c->scope_empty)
                        continue;
                if (!c->stopping) {
                        c->stopping = TRUE;
                        c->stop_cause = STOP_JOB;
                }
                c->aborted = TRUE;
                child_disarm(e, c);
                ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED, c);
                ev_decision(ev, STEWARD_DECISION_TIMEOUT);
                push_incarnation_action(e, STEWARD_ACTION_KILL, c, SIGKILL);
                mark_child(e, c);
        }
        e->exit_code = 1;
        tree_finish(e, STEWARD_DECISION_TIMEOUT);
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
        window_reset(&c->budget);
        cmd_clear(&c->cmd);
        g_free(c);
}

static void
sup_free(Sup *s)
{
        if (!s)
                return;
        g_clear_pointer(&s->members, g_ptr_array_unref);
        window_reset(&s->window);
        g_free(s);
}

/* A child's spec as a string, to tell changed children from unchanged on
 * reload: every key, but not where it was declared. */
static char *
child_fingerprint(const StewardChildSpec *c)
{
        g_autoptr(GString) s = g_string_new(NULL);

        g_string_append_printf(s, "%s|%s|%d|%d|%d|", c->supervisor ? c->supervisor : "",
                               c->sidecar_of ? c->sidecar_of : "", c->role, c->restart, c->type);
        /* \x1f and \x1e cannot be typed into a key file value unnoticed. */
        for (char **a = c->argv; a && *a; a++)
                g_string_append_printf(s, "%s\x1f", *a);
        g_string_append_c(s, '\x1e');
        for (char **a = c->environment; a && *a; a++)
                g_string_append_printf(s, "%s\x1f", *a);
        g_string_append_c(s, '\x1e');
        g_string_append_printf(s, "%s\x1e%s\x1e%s\x1e%s\x1e",
                               c->working_directory ? c->working_directory : "", c->user ? c->user : "",
                               c->group ? c->group : "", c->syslog_identifier ? c->syslog_identifier : "");
        g_string_append_printf(s,
                               "%" G_GUINT64_FORMAT "|%" G_GUINT64_FORMAT "|%.17g|%" G_GUINT64_FORMAT
                               "|%u|%" G_GUINT64_FORMAT "|%" G_GUINT64_FORMAT "|%d|%" G_GUINT64_FORMAT
                               "|%" G_GUINT64_FORMAT "|%d|%" G_GUINT64_FORMAT "|%" G_GUINT64_FORMAT "|",
                               c->restart_usec, c->restart_max_delay_usec, c->restart_jitter,
                               c->restart_stable_usec, c->restart_intensity, c->restart_period_usec,
                               c->watchdog_usec, c->watchdog_signal, c->timeout_start_usec,
                               c->timeout_stop_usec, c->kill_signal, c->memory_max, c->tasks_max);
        for (guint i = 0; c->success_exit_status && i < c->success_exit_status->len; i++)
                g_string_append_printf(s, "%d,", g_array_index(c->success_exit_status, int, i));
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* The keys the engine acts on, copied from the spec. */
static void
child_set_conf(Child *c, const StewardChildSpec *spec)
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
        g_clear_pointer(&c->success_status, g_free);
        c->n_success_status = 0;
        if (spec->success_exit_status && spec->success_exit_status->len > 0) {
                c->n_success_status = spec->success_exit_status->len;
                c->success_status =
                        g_memdup2(spec->success_exit_status->data, sizeof(int) * c->n_success_status);
        }
        g_free(c->fingerprint);
        c->fingerprint = child_fingerprint(spec);
}

static Child *
child_new(const StewardChildSpec *spec)
{
        Child *c = g_new0(Child, 1);

        c->node.kind = NODE_CHILD;
        c->node.name = g_intern_string(spec->name);
        c->node.order = spec->origin.order;
        child_set_conf(c, spec);
        c->mode = MODE_AUTO;
        c->up_since = G_MAXUINT64;
        c->watchdog_override_usec = G_MAXUINT64;
        c->timer.index = STEWARD_TIMER_UNARMED;
        c->timer.owner = c;
        c->published = child_props(c);
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
        s->published = sup_state(s);
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
                c = child_new(cs);
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
                c->primary = p;
                if (!p->sidecars)
                        p->sidecars = g_ptr_array_new();
                g_ptr_array_add(p->sidecars, c);
        }
        /* Members in declaration order; g_ptr_array_sort is stable, so
         * equal orders (hand-built specs) keep supervisors, then children. */
        for (guint i = 0; i < e->sups->len; i++) {
                Sup *s = g_ptr_array_index(e->sups, i);

                g_ptr_array_sort(s->members, member_cmp);
                for (guint j = 0; j < s->members->len; j++)
                        member(s, j)->index = j;
                s->cursor = s->members->len;
                s->published = sup_state(s);
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
        e->root->down = FALSE;
        e->root->cursor = 0;
        sup_mark_queued(e, e->root, 0, 0);
        mark_sup(e, e->root);
        sup_advance(e, e->root);
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
                c->inc = INC_UP;
                c->main_pid = main_pid;
                (void) emit_child(e, STEWARD_EVENT_CHILD_STARTED, c);
                mark_child(e, c);
                if (c->stopping)
                        child_deliver_stop(e, c);
                else if (c->type == STEWARD_CHILD_SIMPLE)
                        child_became_up(e, c);
                else if (c->timeout_start_usec > 0)
                        child_arm(e, c, TIMER_START, c->timeout_start_usec);
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
                StewardEvent *ev = emit_child(e, STEWARD_EVENT_CHILD_SPAWN_FAILED, c);

                ev->error = g_strdup(error ? error : "");
                ev->fields |= STEWARD_EVENT_FIELD_ERROR;
                /* The last exit verdict stays what it was (docs/ARCHITECTURE.md, "The restart fence"); the
                 * restart policy judges the attempt as a failure. */
                child_main_ended(e, c, c->stopping ? STEWARD_DECISION_STOP : STEWARD_DECISION_FAILURE, TRUE);
                child_gone(e, c);
        }
        engine_end(e);
}

void
steward_engine_child_exited(StewardEngine *e, const char *child, guint64 generation, StewardExitCode code,
                            int status, guint64 now, GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        if (!(c = lookup_child(e, child)))
                return;
        engine_begin(e, now, out);
        if (!child_is_current(c, generation) || c->inc == INC_EXITED) {
                child_stale(e, c, generation, "exited");
        } else {
                StewardDecision verdict = child_verdict(c, code, status);
                StewardEvent *ev;

                c->last_exit_code = code;
                c->last_exit_status = status;
                ev = emit_child(e, STEWARD_EVENT_CHILD_EXITED, c);
                ev->exit_code = code;
                ev->exit_status = status;
                ev->fields |= STEWARD_EVENT_FIELD_EXIT;
                ev_decision(ev, verdict);
                child_main_ended(e, c, verdict, FALSE);
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
                        child_main_ended(e, c,
                                         c->forced_failure ? STEWARD_DECISION_FAILURE
                                         : c->stopping     ? STEWARD_DECISION_STOP
                                                           : STEWARD_DECISION_FAILURE,
                                         TRUE);
                child_gone(e, c);
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
        } else if (c->inc == INC_UP && !c->ready && !c->stopping && !c->notified_stopping) {
                child_disarm_kind(e, c, TIMER_START);
                (void) emit_child(e, STEWARD_EVENT_CHILD_READY, c);
                child_became_up(e, c);
                sup_advance(e, c->node.parent);
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
        if (!child_is_current(c, generation))
                child_stale(e, c, generation, "watchdog");
        else if (c->inc == INC_UP && steward_timer_is_armed(&c->timer) && c->timer.kind == TIMER_WATCHDOG)
                child_arm(e, c, TIMER_WATCHDOG, child_watchdog_usec(c));
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
                ev = emit_child(e, STEWARD_EVENT_CHILD_STATUS, c);
                ev->status_text = g_strdup(text ? text : "");
                ev->fields |= STEWARD_EVENT_FIELD_STATUS_TEXT;
                mark_child(e, c);
        }
        engine_end(e);
}

/* The rest of the sd_notify protocol. Each acts only on a live, running
 * incarnation that is not on its way out; about an older one it is stale. */
static Child *
notify_target(StewardEngine *e, const char *child, guint64 generation, const char *report)
{
        Child *c = lookup_child(e, child);

        if (!c)
                return NULL;
        if (!child_is_current(c, generation)) {
                child_stale(e, c, generation, report);
                return NULL;
        }
        return c->inc == INC_UP && !c->stopping ? c : NULL;
}

void
steward_engine_child_watchdog_trigger(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                                      GArray *out)
{
        Child *c;

        g_return_if_fail(e && out);
        engine_begin(e, now, out);
        if ((c = notify_target(e, child, generation, "watchdog_trigger")))
                child_force_failure(e, c, FALSE);
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
                        child_disarm_kind(e, c, TIMER_WATCHDOG);
                        if (child_watchdog_usec(c) > 0)
                                child_arm(e, c, TIMER_WATCHDOG, child_watchdog_usec(c));
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
        c = notify_target(e, child, generation, "extend_timeout");
        /* Only ever later, never earlier, as systemd's EXTEND_TIMEOUT_USEC=. */
        if (c && steward_timer_is_armed(&c->timer) &&
            (c->timer.kind == TIMER_START || c->timer.kind == TIMER_WATCHDOG ||
             c->timer.kind == TIMER_STOP) &&
            (usec >= G_MAXUINT64 - now || now + usec > c->timer.when))
                child_arm(e, c, c->timer.kind, usec);
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
                c->notified_stopping = TRUE;
                /* No more pings are due; the exit is, within TimeoutStopSec=
                 * or it is killed (systemd's "deactivating"). */
                child_disarm_kind(e, c, TIMER_START);
                child_disarm_kind(e, c, TIMER_WATCHDOG);
                if (c->timeout_stop_usec > 0)
                        child_arm(e, c, TIMER_STOP, c->timeout_stop_usec);
                mark_child(e, c);
                /* Not ready yet: it holds its siblings no longer. */
                sup_advance(e, c->node.parent);
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

/* ---- commands ---- */

static StewardDecision
block_decision(Block b)
{
        switch (b) {
        case BLOCK_SHUTDOWN:
                return STEWARD_DECISION_BLOCKED_BY_SHUTDOWN;
        case BLOCK_QUARANTINE:
                return STEWARD_DECISION_BLOCKED_BY_QUARANTINE;
        case BLOCK_SUPERVISOR:
                return STEWARD_DECISION_BLOCKED_BY_SUPERVISOR;
        case BLOCK_PENDING:
                return STEWARD_DECISION_ALREADY_PENDING;
        case BLOCK_NONE:
                break;
        }
        return STEWARD_DECISION_NONE;
}

/* A commanded (re)start is a fresh start: the budget and the backoff
 * begin anew, as after systemctl reset-failed. */
static void
child_fresh_start(StewardEngine *e, Child *c, gboolean restart, const StewardCommand *cmd,
                  StewardCommandOutcome *o)
{
        c->failures = 0;
        window_reset(&c->budget);
        c->mode = MODE_AUTO;
        c->queued = FALSE;
        cmd_set(&c->cmd, cmd);
        (void) child_spawn(e, c, restart, &c->cmd);
        o->target_generation = c->generation;
}

/* Queues a start behind the stop of the live incarnation (the fence). */
static void
child_queue_after_stop(Child *c, gboolean restart, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        c->restart_pending = TRUE;
        c->pending_is_restart = restart;
        c->merged = 0;
        c->mode = MODE_AUTO;
        c->backoff_after_gone = FALSE;
        cmd_set(&c->cmd, cmd);
        o->target_generation = c->generation + 1;
}

static void
command_start(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = node_blocked(e, &c->node);

        if (b != BLOCK_NONE) {
                o->decision = block_decision(b);
                if (b == BLOCK_PENDING) {
                        o->idempotent = c->mode == MODE_AUTO;
                        c->mode = MODE_AUTO;
                }
                return;
        }
        if (c->inc != INC_NONE) {
                if (!c->stopping) {
                        o->decision = STEWARD_DECISION_ALREADY_RUNNING;
                        o->idempotent = TRUE;
                } else if (c->restart_pending || (c->mode == MODE_AUTO && c->backoff_after_gone)) {
                        o->decision = STEWARD_DECISION_ALREADY_PENDING;
                        o->idempotent = TRUE;
                        o->target_generation = c->generation + 1;
                        o->merged = c->restart_pending ? ++c->merged : 0;
                } else {
                        child_queue_after_stop(c, FALSE, cmd, o);
                        o->decision = STEWARD_DECISION_QUEUED_AFTER_STOP;
                }
                return;
        }
        if (c->mode == MODE_AUTO && (c->queued || steward_timer_is_armed(&c->timer))) {
                o->decision = STEWARD_DECISION_ALREADY_PENDING;
                o->idempotent = TRUE;
                o->target_generation = c->ever_started ? c->generation + 1 : 0;
                return;
        }
        if (!child_primary_up(c)) {
                o->idempotent = c->mode == MODE_AUTO;
                c->mode = MODE_AUTO;
                o->decision = STEWARD_DECISION_WAITING_FOR_PRIMARY;
                return;
        }
        child_fresh_start(e, c, FALSE, cmd, o);
        o->decision = STEWARD_DECISION_STARTED_IMMEDIATELY;
}

static void
command_restart(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = node_blocked(e, &c->node);
        StewardEvent *ev;

        if (b != BLOCK_NONE) {
                o->decision = block_decision(b);
                if (b == BLOCK_PENDING) {
                        o->idempotent = TRUE;
                        c->mode = MODE_AUTO;
                }
                return;
        }
        if (c->inc != INC_NONE) {
                gboolean was_stopping = c->stopping;

                if (c->restart_pending) {
                        o->decision = STEWARD_DECISION_ALREADY_PENDING;
                        o->idempotent = TRUE;
                        o->merged = ++c->merged;
                        o->target_generation = c->generation + 1;
                        return;
                }
                if (c->mode == MODE_AUTO && c->backoff_after_gone) {
                        /* The policy's own restart gives way to the command. */
                        ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_CONFLICT, c);
                        ev_cmd(ev, &runtime_policy_cmd);
                        ev_decision(ev, STEWARD_DECISION_QUEUED_AFTER_STOP);
                }
                child_queue_after_stop(c, TRUE, cmd, o);
                ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED, c);
                ev_cmd(ev, &c->cmd);
                ev_decision(ev, STEWARD_DECISION_QUEUED_AFTER_STOP);
                ev->target_generation = o->target_generation;
                ev->fields |= STEWARD_EVENT_FIELD_TARGET_GENERATION;
                if (!was_stopping) {
                        child_request_stop(e, c, STOP_CONTROL, c->kill_signal);
                        o->cancel_delivered = c->stop_delivered;
                }
                o->decision = STEWARD_DECISION_QUEUED_AFTER_STOP;
                mark_child(e, c);
                return;
        }
        if (c->queued) {
                o->decision = STEWARD_DECISION_ALREADY_PENDING;
                o->idempotent = TRUE;
                return;
        }
        if (!child_primary_up(c)) {
                c->mode = MODE_AUTO;
                o->decision = STEWARD_DECISION_WAITING_FOR_PRIMARY;
                return;
        }
        if (steward_timer_is_armed(&c->timer) && c->timer.kind == TIMER_BACKOFF) {
                ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_CONFLICT, c);
                ev_cmd(ev, &runtime_policy_cmd);
                ev_decision(ev, STEWARD_DECISION_STARTED_IMMEDIATELY);
        }
        child_fresh_start(e, c, c->ever_started, cmd, o);
        o->decision = STEWARD_DECISION_STARTED_IMMEDIATELY;
}

/* Stop and pause differ only in the mode they leave behind. */
static void
command_stop(StewardEngine *e, Child *c, ChildMode mode, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        gboolean pause = mode == MODE_PAUSED;

        if (e->shutting_down) {
                o->decision = STEWARD_DECISION_BLOCKED_BY_SHUTDOWN;
                return;
        }
        if (c->inc != INC_NONE) {
                if (c->stopping && c->mode == mode && !c->restart_pending) {
                        o->decision =
                                pause ? STEWARD_DECISION_ALREADY_PAUSED : STEWARD_DECISION_ALREADY_STOPPING;
                        o->idempotent = TRUE;
                        return;
                }
                /* Supersedes a pending (re)start. */
                c->restart_pending = FALSE;
                c->backoff_after_gone = FALSE;
                c->mode = mode;
                c->rest_decision = STEWARD_DECISION_STOP;
                cmd_set(&c->cmd, cmd);
                if (!c->stopping) {
                        child_request_stop(e, c, STOP_CONTROL, c->kill_signal);
                        o->cancel_delivered = c->stop_delivered;
                } else if (c->stop_cause != STOP_JOB) {
                        c->stop_cause = STOP_CONTROL;
                }
                o->decision = pause ? STEWARD_DECISION_PAUSED : STEWARD_DECISION_STOP_DELIVERED;
                mark_child(e, c);
                return;
        }
        if (c->mode == mode || (!pause && c->mode == MODE_FAILED)) {
                o->decision = pause ? STEWARD_DECISION_ALREADY_PAUSED : STEWARD_DECISION_ALREADY_STOPPED;
                o->idempotent = TRUE;
                return;
        }
        c->mode = mode;
        c->rest_decision = STEWARD_DECISION_STOP;
        c->queued = FALSE;
        child_disarm(e, c);
        cmd_set(&c->cmd, cmd);
        child_come_to_rest(e, c);
        o->decision = pause ? STEWARD_DECISION_PAUSED : STEWARD_DECISION_STOPPED_IMMEDIATELY;
}

static void
command_resume(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = node_blocked(e, &c->node);
        StewardEvent *ev;

        if (b != BLOCK_NONE && b != BLOCK_PENDING) {
                o->decision = block_decision(b);
                return;
        }
        if (c->mode != MODE_PAUSED) {
                o->decision = STEWARD_DECISION_NOT_PAUSED;
                o->idempotent = TRUE;
                return;
        }
        o->decision = STEWARD_DECISION_RESUMED;
        c->mode = MODE_AUTO;
        cmd_set(&c->cmd, cmd);
        ev = emit_child(e, STEWARD_EVENT_CHILD_RESUMED, c);
        ev_cmd(ev, &c->cmd);
        mark_child(e, c);
        if (b == BLOCK_PENDING)
                return;
        if (c->inc != INC_NONE)
                child_queue_after_stop(c, FALSE, cmd, o);
        else if (child_primary_up(c))
                child_fresh_start(e, c, FALSE, cmd, o);
}

static void
command_resume_supervisor(StewardEngine *e, Sup *s, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = node_blocked(e, &s->node);
        StewardEvent *ev;
        Cmd tmp = { 0 };

        if (b == BLOCK_SHUTDOWN || b == BLOCK_QUARANTINE) {
                o->decision = block_decision(b);
                return;
        }
        if (!s->quarantined) {
                o->decision = STEWARD_DECISION_NOT_QUARANTINED;
                o->idempotent = TRUE;
                return;
        }
        s->quarantined = FALSE;
        sup_quarantine(e, s, FALSE);
        cmd_set(&tmp, cmd);
        ev = emit_sup(e, STEWARD_EVENT_SUPERVISOR_RESTARTING, s);
        ev_cmd(ev, &tmp);
        ev_decision(ev, STEWARD_DECISION_RESUMED);
        cmd_clear(&tmp);
        window_reset(&s->window);
        mark_sup(e, s);
        o->decision = STEWARD_DECISION_RESUMED;
        if (b != BLOCK_NONE)
                return; /* the supervisor above starts it when it starts again */
        s->cursor = 0;
        sup_mark_queued(e, s, 0, 0);
        s->down = FALSE;
        sup_advance(e, s);
}

gboolean
steward_engine_command(StewardEngine *e, const StewardCommand *cmd, guint64 now, GArray *out,
                       StewardCommandOutcome *o, GError **error)
{
        Child *c = NULL;
        Sup *s = NULL;

        g_return_val_if_fail(e && cmd && out && o, FALSE);

        memset(o, 0, sizeof(*o));
        if (cmd->kind == STEWARD_COMMAND_RESUME_SUPERVISOR) {
                s = cmd->target ? g_hash_table_lookup(e->sup_by_name, cmd->target) : NULL;
                if (!s) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_SUPERVISOR,
                                    _("No supervisor '%s'"), cmd->target ? cmd->target : "");
                        return FALSE;
                }
        } else if (cmd->kind != STEWARD_COMMAND_SHUTDOWN) {
                c = cmd->target ? g_hash_table_lookup(e->child_by_name, cmd->target) : NULL;
                /* A child a reload removed is on its way out: not to be
                 * started again by anything but a reload adding it back. */
                if (!c || c->retiring) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD, _("No child '%s'"),
                                    cmd->target ? cmd->target : "");
                        return FALSE;
                }
        }

        engine_begin(e, now, out);
        switch (cmd->kind) {
        case STEWARD_COMMAND_START:
                command_start(e, c, cmd, o);
                break;
        case STEWARD_COMMAND_STOP:
                command_stop(e, c, MODE_STOPPED, cmd, o);
                break;
        case STEWARD_COMMAND_PAUSE:
                command_stop(e, c, MODE_PAUSED, cmd, o);
                break;
        case STEWARD_COMMAND_RESTART:
                command_restart(e, c, cmd, o);
                break;
        case STEWARD_COMMAND_RESUME:
                command_resume(e, c, cmd, o);
                break;
        case STEWARD_COMMAND_RESUME_SUPERVISOR:
                command_resume_supervisor(e, s, cmd, o);
                break;
        case STEWARD_COMMAND_SHUTDOWN:
                if (e->shutting_down) {
                        o->decision = STEWARD_DECISION_ALREADY_SHUTTING_DOWN;
                        o->idempotent = TRUE;
                } else {
                        Cmd tmp = { 0 };

                        cmd_set(&tmp, cmd);
                        engine_begin_shutdown(e, 0, &tmp, NULL);
                        cmd_clear(&tmp);
                        o->decision = STEWARD_DECISION_SHUTDOWN_STARTED;
                }
                break;
        default:
                engine_end(e);
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, "Unknown command %d",
                            (int) cmd->kind);
                return FALSE;
        }
        if (c) {
                o->generation = c->generation;
                o->attempt = c->attempt;
                o->state = child_state(c);
                if (c->restart_pending && o->merged == 0)
                        o->merged = c->merged;
        }
        if (s)
                o->supervisor_state = sup_state(s);
        o->tree_state = e->tree_state;
        engine_end(e);
        return TRUE;
}

/* ---- reload ---- */

/* Member positions kept by a supervisor (start cursor, job range, stop
 * cursor, rewind) follow a member removed at @i. */
static void
sup_remove_member(Sup *s, guint i)
{
        guint *pos[] = { &s->cursor, &s->low, &s->stop_cursor, &s->rewind };

        g_ptr_array_remove_index(s->members, i);
        for (guint j = i; j < s->members->len; j++)
                member(s, j)->index = j;
        for (guint k = 0; k < G_N_ELEMENTS(pos); k++)
                if (*pos[k] > i && *pos[k] != G_MAXUINT)
                        (*pos[k])--;
}

/* A member inserted at @i: a position at @i stays, so the new member is not
 * counted as started, is covered by a job that starts there, and counts as
 * down for a stop cursor there (it is). */
static void
sup_insert_member(Sup *s, guint i, Node *n)
{
        guint *pos[] = { &s->cursor, &s->low, &s->stop_cursor, &s->rewind };

        n->parent = s;
        g_ptr_array_insert(s->members, (gint) i, n);
        for (guint j = i; j < s->members->len; j++)
                member(s, j)->index = j;
        for (guint k = 0; k < G_N_ELEMENTS(pos); k++)
                if (*pos[k] > i && *pos[k] != G_MAXUINT)
                        (*pos[k])++;
}

/* A removed child's last incarnation is gone (or it had none): the engine
 * forgets it, remembering where its generations go on. */
static void
child_forget(StewardEngine *e, Child *c)
{
        Sup *s = c->node.parent;
        guint64 *next = g_new(guint64, 1);
        StewardAction *a;

        *next = c->ever_started ? c->generation + 1 : c->first_generation;
        g_hash_table_replace(e->history, (gpointer) c->node.name, next);
        if (steward_timer_is_armed(&c->timer))
                steward_timers_disarm(&e->timers, &c->timer);
        if (c->primary && c->primary->sidecars)
                g_ptr_array_remove(c->primary->sidecars, c);
        for (guint i = 0; c->sidecars && i < c->sidecars->len; i++)
                ((Child *) g_ptr_array_index(c->sidecars, i))->primary = NULL;
        if (c->node.dirty)
                g_ptr_array_remove(e->dirty, c);
        sup_remove_member(s, c->node.index);
        g_hash_table_remove(e->child_by_name, c->node.name);
        /* The daemon learns the object is gone from a STATE_CHANGED about a
         * name the queries no longer know. */
        a = push_action(e, STEWARD_ACTION_STATE_CHANGED);
        a->child = c->node.name;
        a->supervisor = s->node.name;
        a->generation = c->generation;
        a->attempt = c->attempt;
        a->changed = STEWARD_PROPERTY_STATE;
        g_ptr_array_remove(e->children, c); /* frees it */
        mark_sup(e, s);
        /* It may have been what a job or the start cursor waited for. */
        if (s->job != JOB_NONE)
                sup_job_step(e, s);
        else
                sup_advance(e, s);
}

/* Removed by a reload: stopped through the fence like StopChild, then
 * forgotten once gone. */
static void
child_retire(StewardEngine *e, Child *c, const StewardCommand *cmd)
{
        StewardChildState st = child_state(c);
        StewardEvent *ev;

        c->retiring = TRUE;
        c->mode = MODE_STOPPED;
        c->rest_decision = STEWARD_DECISION_STOP;
        c->restart_pending = FALSE;
        c->backoff_after_gone = FALSE;
        c->queued = FALSE;
        cmd_set(&c->cmd, cmd);
        mark_child(e, c);
        if (c->inc == INC_NONE) {
                child_disarm(e, c);
                /* At rest already: nothing to report but a pending start called off. */
                if (st != STEWARD_CHILD_STATE_STOPPED && st != STEWARD_CHILD_STATE_FAILED &&
                    st != STEWARD_CHILD_STATE_PAUSED && st != STEWARD_CHILD_STATE_QUARANTINED) {
                        ev = emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                        ev_decision(ev, STEWARD_DECISION_STOP);
                        ev_cmd(ev, &c->cmd);
                }
                child_forget(e, c);
                return;
        }
        if (!c->stopping)
                child_request_stop(e, c, STOP_CONTROL, c->kill_signal);
        else if (c->stop_cause != STOP_JOB)
                c->stop_cause = STOP_CONTROL;
}

/* Where @n goes among @members (of Node*): before the first declared after it. */
static guint
position_by_order(GPtrArray *members, Node *n)
{
        for (guint i = 0; i < members->len; i++)
                if (((Node *) g_ptr_array_index(members, i))->order > n->order)
                        return i;
        return members->len;
}

static const char *
spec_parent_name(const StewardSupervisorSpec *ss)
{
        if (g_str_equal(ss->name, STEWARD_ROOT_SUPERVISOR))
                return NULL;
        return ss->parent ? ss->parent : STEWARD_ROOT_SUPERVISOR;
}

/* What a reload cannot apply in place, found before anything changes. */
static gboolean
reload_check(StewardEngine *e, const StewardSpec *spec, GHashTable *wanted, GError **error)
{
        g_autoptr(GHashTable) sups = g_hash_table_new(g_str_hash, g_str_equal);

        for (guint i = 0; i < spec->supervisors->len; i++) {
                const StewardSupervisorSpec *ss = g_ptr_array_index(spec->supervisors, i);
                Sup *s = g_hash_table_lookup(e->sup_by_name, ss->name);

                if (!g_hash_table_add(sups, ss->name))
                        continue;
                if (!s) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                    "Adding supervisor '%s' needs a restart of stewardd", ss->name);
                        return FALSE;
                }
                if (g_strcmp0(spec_parent_name(ss), s->node.parent ? s->node.parent->node.name : NULL) !=
                            0 ||
                    ss->strategy != s->strategy || ss->restart_intensity != s->intensity ||
                    ss->restart_period_usec != s->period_usec || ss->escalation != s->escalation) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                    "Changing supervisor '%s' (Parent=, Strategy=, RestartIntensity=, "
                                    "RestartPeriodSec=, Escalation=) needs a restart of stewardd",
                                    ss->name);
                        return FALSE;
                }
        }
        for (guint i = 0; i < e->sups->len; i++) {
                Sup *s = g_ptr_array_index(e->sups, i);

                if (s != e->root && !g_hash_table_contains(sups, s->node.name)) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                    "Removing supervisor '%s' needs a restart of stewardd", s->node.name);
                        return FALSE;
                }
        }
        for (guint i = 0; i < e->children->len; i++) {
                Child *c = g_ptr_array_index(e->children, i);
                const StewardChildSpec *cs = g_hash_table_lookup(wanted, c->node.name);

                if (!cs)
                        continue;
                if (!g_str_equal(cs->supervisor ? cs->supervisor : STEWARD_ROOT_SUPERVISOR,
                                 c->node.parent->node.name) ||
                    g_strcmp0(cs->sidecar_of, c->primary ? c->primary->node.name : NULL) != 0) {
                        g_set_error(
                                error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                "Moving child '%s' to another Supervisor= or SidecarOf= needs it removed "
                                "in one reload and added in the next, or a restart of stewardd",
                                c->node.name);
                        return FALSE;
                }
        }
        for (guint i = 0; i < spec->children->len; i++) {
                const StewardChildSpec *cs = g_ptr_array_index(spec->children, i);

                if (!g_hash_table_contains(e->sup_by_name,
                                           cs->supervisor ? cs->supervisor : STEWARD_ROOT_SUPERVISOR) ||
                    (cs->sidecar_of && (g_str_equal(cs->sidecar_of, cs->name) ||
                                        !g_hash_table_contains(wanted, cs->sidecar_of)))) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    "Child '%s' names no supervisor or primary of the tree", cs->name);
                        return FALSE;
                }
        }
        return TRUE;
}

/* A child the reload brings in: placed by declaration order, started as
 * its supervisor's cursor would have started it. */
static Child *
reload_add_child(StewardEngine *e, const StewardChildSpec *cs)
{
        Child *c = child_new(cs);
        Sup *p = g_hash_table_lookup(e->sup_by_name,
                                     cs->supervisor ? cs->supervisor : STEWARD_ROOT_SUPERVISOR);
        guint64 *hist = g_hash_table_lookup(e->history, c->node.name);

        if (hist) {
                /* Shown as it was left, so nothing seen on the bus goes back. */
                c->first_generation = *hist;
                c->generation = *hist > 0 ? *hist - 1 : 0;
                c->attempt = *hist;
        }
        sup_insert_member(p, position_by_order(p->members, &c->node), &c->node);
        g_ptr_array_insert(e->children, (gint) position_by_order(e->children, &c->node), c);
        g_hash_table_insert(e->child_by_name, (gpointer) c->node.name, c);
        for (Sup *a = p; a; a = a->node.parent)
                if (a->quarantined)
                        c->quarantined = TRUE;
        c->published = child_props(c);
        /* Announced once, whatever its state: the object is new. */
        c->published.state = _STEWARD_CHILD_STATE_MAX;
        mark_child(e, c);
        return c;
}

/* A supervisor that is down starts the new member with the others when it
 * starts (member_start() queues its members afresh); one stopping or
 * failing leaves it down with them; one restarting starts it with the
 * restarted ones; one up starts it now, in order. */
static void
reload_start_child(StewardEngine *e, Child *c)
{
        Sup *p = c->node.parent;

        if (!e->started || p->down || p->quarantined || c->quarantined || p->job == JOB_FAIL ||
            p->job == JOB_STOP)
                return;
        c->queued = TRUE;
        mark_child(e, c);
        if (p->job == JOB_RESTART || sup_restart_scheduled(p)) {
                if (c->node.index < p->low)
                        p->rewind = MIN(p->rewind, c->node.index);
                return;
        }
        p->cursor = MIN(p->cursor, c->node.index);
        mark_sup(e, p);
}

gboolean
steward_engine_reload(StewardEngine *e, const StewardSpec *spec, const StewardCommand *cmd, guint64 now,
                      GArray *out, GStrv *added, GStrv *removed, GStrv *changed, GError **error)
{
        g_autoptr(GHashTable) wanted = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GStrvBuilder) a = g_strv_builder_new();
        g_autoptr(GStrvBuilder) r = g_strv_builder_new();
        g_autoptr(GStrvBuilder) ch = g_strv_builder_new();
        g_autoptr(GPtrArray) gone = g_ptr_array_new();
        g_autoptr(GPtrArray) fresh = g_ptr_array_new();
        StewardCommand restart;

        g_return_val_if_fail(e && spec && cmd && out, FALSE);

        if (e->shutting_down) {
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_SHUTTING_DOWN,
                                    "The tree is shutting down");
                return FALSE;
        }
        for (guint i = 0; i < spec->children->len; i++) {
                const StewardChildSpec *cs = g_ptr_array_index(spec->children, i);

                if (!g_hash_table_contains(wanted, cs->name))
                        g_hash_table_insert(wanted, cs->name, (gpointer) cs);
        }
        if (!reload_check(e, spec, wanted, error))
                return FALSE;

        engine_begin(e, now, out);
        e->shutdown_timeout_usec = spec->shutdown_timeout_usec;
        for (guint i = 0; i < spec->supervisors->len; i++) {
                const StewardSupervisorSpec *ss = g_ptr_array_index(spec->supervisors, i);
                Sup *s = g_hash_table_lookup(e->sup_by_name, ss->name);

                s->node.order = ss->origin.order;
        }
        /* Orders from the new files before anything is placed by them. */
        for (guint i = 0; i < e->children->len; i++) {
                Child *c = g_ptr_array_index(e->children, i);
                const StewardChildSpec *cs = g_hash_table_lookup(wanted, c->node.name);

                if (cs)
                        c->node.order = cs->origin.order;
        }

        /* Removed: collected first, forgetting one changes e->children. */
        for (guint i = 0; i < e->children->len; i++) {
                Child *c = g_ptr_array_index(e->children, i);

                if (!c->retiring && !g_hash_table_contains(wanted, c->node.name))
                        g_ptr_array_add(gone, c);
        }
        for (guint i = 0; i < gone->len; i++) {
                Child *c = g_ptr_array_index(gone, i);

                g_strv_builder_add(r, c->node.name);
                child_retire(e, c, cmd);
        }

        restart = *cmd;
        restart.kind = STEWARD_COMMAND_RESTART;
        for (guint i = 0; i < spec->children->len; i++) {
                const StewardChildSpec *cs = g_ptr_array_index(spec->children, i);
                Child *c = g_hash_table_lookup(e->child_by_name, cs->name);
                g_autofree char *fp = NULL;

                if (g_hash_table_lookup(wanted, cs->name) != cs)
                        continue; /* a duplicate: the first one counts, as in steward_engine_new() */
                if (!c) {
                        g_strv_builder_add(a, cs->name);
                        g_ptr_array_add(fresh, reload_add_child(e, cs));
                        continue;
                }
                if (c->retiring) {
                        /* Added back before the old incarnation was gone: it
                         * starts again, with the new keys, behind the fence. */
                        StewardCommandOutcome o;

                        g_strv_builder_add(a, cs->name);
                        c->retiring = FALSE;
                        child_set_conf(c, cs);
                        c->mode = MODE_AUTO;
                        if (node_blocked(e, &c->node) == BLOCK_NONE)
                                child_queue_after_stop(c, FALSE, cmd, &o);
                        mark_child(e, c);
                        continue;
                }
                fp = child_fingerprint(cs);
                if (g_str_equal(fp, c->fingerprint))
                        continue;
                g_strv_builder_add(ch, cs->name);
                child_set_conf(c, cs);
                mark_child(e, c);
                if (c->inc != INC_NONE && !c->stopping && c->mode == MODE_AUTO) {
                        StewardCommandOutcome o;

                        command_restart(e, c, &restart, &o);
                }
        }

        /* Added: linked and placed before any starts, so the start order
         * sees the whole new tree. */
        for (guint i = 0; i < fresh->len; i++) {
                Child *c = g_ptr_array_index(fresh, i);
                const StewardChildSpec *cs = g_hash_table_lookup(wanted, c->node.name);
                Child *p = cs->sidecar_of ? g_hash_table_lookup(e->child_by_name, cs->sidecar_of) : NULL;

                if (p && p != c) {
                        c->primary = p;
                        if (!p->sidecars)
                                p->sidecars = g_ptr_array_new();
                        g_ptr_array_add(p->sidecars, c);
                }
        }
        for (guint i = 0; i < fresh->len; i++)
                reload_start_child(e, g_ptr_array_index(fresh, i));
        for (guint i = 0; i < fresh->len; i++)
                sup_advance(e, ((Child *) g_ptr_array_index(fresh, i))->node.parent);
        engine_end(e);

        if (added)
                *added = g_strv_builder_end(a);
        if (removed)
                *removed = g_strv_builder_end(r);
        if (changed)
                *changed = g_strv_builder_end(ch);
        return TRUE;
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

/* Start timeout or watchdog (expired, or WATCHDOG=trigger): a failure
 * whatever the exit, the incarnation stopped with KillSignal= or
 * WatchdogSignal=. */
static void
child_force_failure(StewardEngine *e, Child *c, gboolean start_timeout)
{
        StewardEvent *ev;

        ev = emit_child(
                e, start_timeout ? STEWARD_EVENT_CHILD_START_TIMEOUT : STEWARD_EVENT_CHILD_WATCHDOG_EXPIRED,
                c);
        ev_decision(ev, STEWARD_DECISION_FAILURE);
        c->forced_failure = TRUE;
        child_request_stop(e, c, STOP_FORCED, start_timeout ? c->kill_signal : c->watchdog_signal);
        /* Failed before ready: no longer holds its siblings. */
        sup_advance(e, c->node.parent);
}

static void
child_timer_fired(StewardEngine *e, Child *c)
{
        StewardEvent *ev;

        switch ((TimerKind) c->timer.kind) {
        case TIMER_BACKOFF:
                c->next_restart_usec = 0;
                mark_child(e, c);
                if (c->mode != MODE_AUTO || c->inc != INC_NONE || !child_primary_up(c) ||
                    node_blocked(e, &c->node) != BLOCK_NONE)
                        break;
                c->restart_count++;
                (void) child_spawn(e, c, TRUE, NULL);
                break;
        case TIMER_START:
        case TIMER_WATCHDOG:
                child_force_failure(e, c, c->timer.kind == TIMER_START);
                break;
        case TIMER_STOP:
                c->aborted = TRUE;
                ev = emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED, c);
                if (c->restart_pending || c->stop_cause == STOP_CONTROL)
                        ev_cmd(ev, &c->cmd);
                push_incarnation_action(e, STEWARD_ACTION_KILL, c, SIGKILL);
                mark_child(e, c);
                break;
        case TIMER_SUP_RESTART:
        case TIMER_SHUTDOWN:
                g_assert_not_reached();
        }
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
                        sup_restart_members(e, t->owner);
                        break;
                case TIMER_SHUTDOWN:
                        engine_shutdown_timeout(e);
                        break;
                default:
                        child_timer_fired(e, t->owner);
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
                .state = child_state(c),
                .generation = c->generation,
                .attempt = c->attempt,
                .main_pid = c->main_pid,
                .ready = c->ready,
                .status_text = c->status_text ? c->status_text : "",
                .last_exit_code = c->last_exit_code,
                .last_exit_status = c->last_exit_status,
                .restart_count = c->restart_count,
                .next_restart_usec = c->next_restart_usec,
                .fence_state = child_fence(c),
        };
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
                .state = sup_state(s),
                .restart_count = s->restart_count,
        };
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
