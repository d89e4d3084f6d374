/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-private.h: the engine's internal types and the functions its rooms share (not installed). */
#pragma once

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
        MODE_QUARANTINED, /* QuarantineChild: down until resumed */
} ChildMode;

typedef enum {
        STOP_NONE,
        STOP_CONTROL, /* a command */
        STOP_JOB, /* the supervisor's strategy, failure or shutdown */
        STOP_SIDECAR, /* the primary went down */
        STOP_LEFTOVER, /* the main process ended; what it left behind goes too */
        STOP_FORCED, /* start timeout or watchdog: the verdict is failure */
        STOP_ADOPTED, /* delivered by the previous stewardd, for a reason it did not leave behind */
} StopCause;

typedef enum {
        TIMER_BACKOFF,
        TIMER_START,
        TIMER_WATCHDOG,
        TIMER_STOP,
        TIMER_SUP_RESTART,
        TIMER_SHUTDOWN_HAND_OVER, /* half of ShutdownTimeoutSec=: every incarnation gets its stop */
        TIMER_SHUTDOWN, /* ShutdownTimeoutSec=: what is left is killed */
        TIMER_SHUTDOWN_KILL_GRACE, /* the killed ones did not report: exit without them */
        TIMER_PROBE_INTERVAL, /* Child.probe_timer: the next probe is due */
        TIMER_PROBE_TIMEOUT, /* Child.probe_timer: HealthCheckTimeoutSec= of the running probe */
        TIMER_HEARTBEAT, /* Child.heartbeat_timer: HeartbeatSec= without WATCHDOG=1 */
        TIMER_RELOAD, /* a child's reload_timer: TimeoutStartSec= of a reload */
} TimerKind;

/* How long a shutdown that hit ShutdownTimeoutSec= waits for the
 * incarnations it killed to report their end before giving up on them. */
#define SHUTDOWN_KILL_GRACE_USEC (5 * G_USEC_PER_SEC)

typedef enum {
        JOB_NONE,
        JOB_RESTART, /* strategy: stop [low, n), then restart them */
        JOB_FAIL, /* intensity exceeded: stop everything, then escalate */
        JOB_STOP, /* shutdown or a stopping parent: stop everything, then report up */
} JobKind;

/* What the supervisors above allow for a member (engine_node_blocked()). */
typedef enum {
        BLOCK_NONE,
        BLOCK_PENDING, /* a supervisor above will (re)start it */
        BLOCK_SUPERVISOR, /* a supervisor above is down, failing or stopping */
        BLOCK_QUARANTINE,
        BLOCK_SHUTDOWN,
} Block;

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
        guint serial; /* changes with every restart counted and every reset: RESTART_BUDGET */
} Window;

typedef struct {
        StewardChildState state;
        guint64 generation;
        guint64 attempt;
        guint32 main_pid;
        gboolean ready;
        guint status_serial;
        int status_errno;
        StewardExitCode exit_code;
        int exit_status;
        StewardExitCause exit_cause;
        guint restart_count;
        guint64 next_restart_usec;
        StewardFenceState fence;
        guint spawn_error_serial;
        guint budget_serial;
        guint intensity; /* a reload may change the budget's limits */
        guint64 period_usec;
        StewardChildHealth health;
} ChildProps;

typedef struct Child Child;

struct Child {
        Node node;

        /* Copied from the spec: the 64-bit values, then the rest. */
        guint64 restart_usec;
        guint64 restart_max_delay_usec;
        double restart_jitter;
        guint64 restart_stable_usec;
        guint64 period_usec;
        guint64 watchdog_usec;
        guint64 timeout_start_usec;
        guint64 timeout_stop_usec;
        guint64 health_interval_usec;
        guint64 health_timeout_usec;
        guint64 health_start_period_usec;
        guint64 heartbeat_usec;
        int *success_status;
        Child *primary;
        /* SidecarOf= as linked, interned. Kept when a reload forgets the
         * primary while this one is retiring: where it comes back to. */
        const char *primary_name;
        GPtrArray *sidecars; /* of Child*, NULL when none */
        char *fingerprint; /* every key of the spec, to tell a changed child on reload */
        StewardRole role;
        StewardRestart restart;
        StewardChildType type;
        guint intensity;
        int watchdog_signal;
        int kill_signal;
        int reload_signal;
        guint n_success_status;
        guint health_retries;
        StewardHealthAction health_action;
        guint has_probe : 1; /* ExecHealthCheck= */

        ChildMode mode;
        StewardDecision rest_decision; /* why it came to rest, for child_stopped */
        /* The incarnation in flight or the last one: while a spawn is in
         * flight (INC_SPAWNING) these are tentative, the generation and
         * attempt it would have; spawned commits them, spawn_failed gives
         * them back (ran_*): a generation names an incarnation that ran. */
        guint ever_started : 1;
        guint ran_ever_started : 1;
        guint retiring : 1; /* removed by a reload: forgotten once gone */
        guint64 generation;
        guint64 attempt;
        guint64 ran_generation;
        guint64 ran_attempt;
        guint64 first_generation; /* > 0 for a name that was removed and added again */
        guint64 next_generation; /* the next incarnation's generation is at least this (live restore) */

        /* Live restore: the incarnation was adopted from a previous stewardd. */
        StewardDecision unjudged_verdict;
        guint end_unjudged : 1; /* its main process ended while no stewardd watched: judged when gone */
        guint restart_when_gone : 1; /* STOP_ADOPTED: a supervised child comes back once it is gone */
        guint changed_while_down : 1; /* adopted with another fingerprint: start() restarts it */

        IncPhase inc;
        StopCause stop_cause;
        int stop_signal;
        guint32 main_pid;
        guint stopping : 1; /* this incarnation is to go */
        guint stop_delivered : 1;
        /* Adopted with a stop the previous stewardd recorded as delivered:
         * it may have died before the manager had it (stop_resend()). */
        guint stop_unconfirmed : 1;
        guint aborted : 1;
        guint forced_failure : 1;
        guint scope_empty : 1; /* known empty before the gone report (spawn failure) */
        guint ready : 1;
        guint64 up_since; /* G_MAXUINT64 while not up */
        /* sd_notify of this incarnation: WATCHDOG_USEC= (G_MAXUINT64 when
         * none: WatchdogSec= applies) and STOPPING=1. */
        guint64 watchdog_override_usec;
        guint notified_stopping : 1;
        /* A reload of this incarnation (ReloadChild or RELOADING=1): under
         * way, and whether RELOADING=1 came, so READY=1 ends it. Its own
         * timer: the watchdog keeps running meanwhile. */
        guint reloading : 1;
        guint reload_notified : 1;
        Cmd reload_cmd;
        StewardTimer reload_timer;

        char *status_text;
        guint status_serial;
        int status_errno; /* the last ERRNO= of this incarnation, 0: none */
        char *spawn_error; /* LastSpawnError: the last spawn's failure, NULL once one succeeded */
        guint spawn_error_serial;
        StewardExitCode last_exit_code;
        int last_exit_status;
        StewardExitCause last_exit_cause;
        guint restart_count;
        guint64 next_restart_usec;

        guint64 backoff_delay;
        guint failures; /* consecutive, for the backoff */
        guint backoff_after_gone : 1; /* policy decided a one-for-one restart */
        guint queued : 1; /* its supervisor will start it when its cursor gets here */
        guint quarantined : 1;
        Window budget;
        StewardTimer timer;

        guint merged;
        guint restart_pending : 1; /* a command waits for the fence */
        guint pending_is_restart : 1;
        /* A commanded restart passed the fence: its child_restart_fence_released
         * (release_cmd's) waits for the new incarnation to exist (spawned), and
         * goes with a failed spawn. */
        guint release_owed : 1;
        /* The restart fences of this engine's life (FenceWaits, FenceWaitUSec): how many were
         * entered, the time spent in those that ended, and when the current one began (while
         * fence_timing). A wait ends with its release, or when the fence is abandoned (the spawn
         * failed, a strategy or a stop took over): engine_child_fence_sync(). */
        guint fence_timing : 1;
        guint64 fence_waits;
        guint64 fence_wait_usec;
        guint64 fence_since;
        Cmd release_cmd;
        Cmd cmd; /* the last command whose effect is still pending */
        /* The command that started the current incarnation (no id when the
         * policy or a supervisor did): its child_started and child_ready
         * carry the id, so one command's story is one journal query. */
        Cmd inc_cmd;

        /* Health of the incarnation that is up (engine-health.c); health_active
         * while checks run for generation health_generation. */
        guint64 health_generation;
        guint64 health_since; /* when it came up: HealthCheckStartPeriodSec= counts from here */
        guint64 probe; /* the running probe's number, or the last one's */
        StewardChildHealth probe_health; /* STARTING, HEALTHY or UNHEALTHY */
        StewardChildHealth health_shown; /* what the last health event said */
        guint health_failures; /* consecutive */
        StewardExitCode probe_code; /* the last probe's end, for child_unhealthy */
        int probe_status;
        guint health_active : 1;
        guint stale : 1;
        guint heartbeat_seen : 1;
        guint probe_running : 1; /* PROBE sent, its end not reported yet */
        guint probe_timed_out : 1; /* CANCEL_PROBE sent at HealthCheckTimeoutSec= */
        char *probe_error; /* "timeout", or why it could not start; NULL when it ran and ended */
        StewardTimer probe_timer;
        StewardTimer heartbeat_timer;

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
        /* The ResumeSupervisor that started this start sequence: the
         * members it starts carry its id, until the cursor is through or a
         * job takes over. No id when none. */
        Cmd start_cmd;

        StewardSupervisorState published;
        guint published_budget; /* window.serial last announced */
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
        guint64 shutdown_deadline; /* when ShutdownTimeoutSec= runs out; 0: never */
        gboolean shutdown_timed_out; /* ShutdownTimeoutSec= passed: stragglers were killed */
        Cmd shutdown_cmd; /* the ShutdownTree that began it; no id for SIGTERM or escalation */
        gboolean finished;
        int exit_code;
        StewardTreeState tree_state;
        StewardTreeState published_tree_state;

        StewardTimers timers;
        StewardTimer shutdown_timer; /* hand-over, then deadline, then kill grace */

        GPtrArray *dirty; /* of Node* */
        guint published_n_children;
        /* Interned name -> guint64*: the first generation a child of that
         * name gets if it is added again, for every name ever removed. */
        GHashTable *history;
        guint64 next_probe; /* numbers every probe, so a late end is told apart */

        /* The input being handled. */
        GArray *out;
        guint64 now;
};

#define mark_child(e, c) engine_mark((e), &(c)->node)
#define mark_sup(e, s) engine_mark((e), &(s)->node)

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

/* steward-engine.c: names, actions and events, dirty tracking, derived state, construction. */
StewardAction *engine_push_action(StewardEngine *e, StewardActionType type);
StewardEvent *engine_emit_child(StewardEngine *e, StewardEventKind kind, Child *c);
StewardEvent *engine_emit_sup(StewardEngine *e, StewardEventKind kind, Sup *s);
void engine_ev_decision(StewardEvent *ev, StewardDecision d);
void engine_ev_cmd(StewardEvent *ev, const Cmd *cmd);
void engine_emit_policy_conflict(StewardEngine *e, Child *c, const Cmd *cmd);
const Cmd *engine_child_stop_cmd(StewardEngine *e, Child *c);
void engine_push_incarnation_action(StewardEngine *e, StewardActionType type, Child *c, int signal);
void engine_cmd_clear(Cmd *cmd);
void engine_cmd_set(Cmd *cmd, const StewardCommand *src);
void engine_cmd_copy(Cmd *cmd, const Cmd *src);
void engine_mark(StewardEngine *e, Node *n);
gboolean engine_sup_restart_scheduled(Sup *s);
StewardChildState engine_child_state(Child *c);
StewardSupervisorState engine_sup_state(Sup *s);
ChildProps engine_child_props(Child *c);
void engine_begin(StewardEngine *e, guint64 now, GArray *out);
void engine_end(StewardEngine *e);
char *engine_child_fingerprint(const StewardChildSpec *c);
void engine_child_set_conf(Child *c, const StewardChildSpec *spec);
Child *engine_child_new(const StewardChildSpec *spec);
void engine_child_link_primary(Child *c, Child *p);

/* engine-child.c: a child's incarnations, the restart fence and the restart policy. */
void engine_child_arm(StewardEngine *e, Child *c, TimerKind kind, guint64 delay);
void engine_child_disarm(StewardEngine *e, Child *c);
void engine_child_disarm_kind(StewardEngine *e, Child *c, TimerKind kind);
gboolean engine_child_primary_up(Child *c);
guint64 engine_child_next_generation(Child *c);
guint64 engine_child_shown_generation(Child *c);
guint64 engine_child_shown_attempt(Child *c);
gboolean engine_child_spawn(StewardEngine *e, Child *c, gboolean restart, const Cmd *cmd);
void engine_child_deliver_stop(StewardEngine *e, Child *c);
void engine_child_request_stop(StewardEngine *e, Child *c, StopCause cause, int signal);
guint64 engine_child_watchdog_usec(Child *c);
void engine_child_became_up(StewardEngine *e, Child *c);
StewardDecision engine_child_verdict(Child *c, StewardExitCode code, int status);
void engine_child_main_ended(StewardEngine *e, Child *c, StewardDecision verdict, gboolean scope_empty);
void engine_child_owe_release(Child *c);
void engine_child_spawned(StewardEngine *e, Child *c, guint32 main_pid);
void engine_child_spawn_failed(StewardEngine *e, Child *c, const char *error);
void engine_child_come_to_rest(StewardEngine *e, Child *c);
void engine_child_gone(StewardEngine *e, Child *c);
void engine_child_force_failure(StewardEngine *e, Child *c, gboolean start_timeout);
void engine_child_timer_fired(StewardEngine *e, Child *c);
void engine_child_reload_begin(StewardEngine *e, Child *c, const Cmd *cmd);
void engine_child_reload_end(StewardEngine *e, Child *c, StewardEventKind kind, StewardDecision d);

/* engine-supervisor.c: restart windows, supervisor jobs and strategies, escalation, shutdown. */
gboolean engine_window_exceeded(Window *w, guint intensity, guint64 period, guint64 now);
void engine_window_reset(Window *w);
Block engine_node_blocked(StewardEngine *e, Node *n);
gboolean engine_sup_covers(Sup *s, Node *n);
gboolean engine_sup_count_restart(StewardEngine *e, Sup *s);
void engine_sup_mark_queued(StewardEngine *e, Sup *s, guint from, guint64 next_restart);
void engine_sup_advance(StewardEngine *e, Sup *s);
void engine_sup_restart_members(StewardEngine *e, Sup *s);
void engine_sup_quarantine(StewardEngine *e, Sup *s, gboolean on);
void engine_sup_job_step(StewardEngine *e, Sup *s);
void engine_sup_begin_restart(StewardEngine *e, Sup *s, Node *trigger, guint64 delay);
void engine_sup_fail(StewardEngine *e, Sup *s, Node *trigger);
void engine_begin_shutdown(StewardEngine *e, int exit_code, const Cmd *cmd, Sup *cause);
void engine_shutdown_timer_fired(StewardEngine *e);

/* engine-command.c: the operator commands. */
void engine_child_queue_after_stop(Child *c, gboolean restart, const StewardCommand *cmd,
                                   StewardCommandOutcome *o);
void engine_command_restart(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o);
void engine_child_restart_fenced(StewardEngine *e, Child *c, const Cmd *cmd, StewardCommandOutcome *o);

/* engine-health.c: health checks and heartbeats. */
StewardChildHealth engine_child_health(Child *c);
void engine_child_health_sync(StewardEngine *e, Child *c);
/* Ends the timing of a fence wait once nothing is fenced any more: no restart pending, no release
 * owed. */
void engine_child_fence_sync(StewardEngine *e, Child *c);
void engine_child_health_stop(StewardEngine *e, Child *c);
void engine_child_health_timer_fired(StewardEngine *e, Child *c, TimerKind kind);
void engine_child_heartbeat(StewardEngine *e, Child *c);
void engine_child_probe_ended(StewardEngine *e, Child *c, StewardExitCode code, int status,
                              const char *error);

/* engine-adopt.c: live restore. */
void engine_start_adopted(StewardEngine *e);
void engine_child_record_adopted_end(StewardEngine *e, Child *c);
void engine_child_judge_adopted_end(StewardEngine *e, Child *c);

/* engine-reload.c: reload. */
void engine_child_forget(StewardEngine *e, Child *c);
