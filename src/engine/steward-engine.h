/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-engine.h: the supervision engine, a pure state machine from reports, commands and time to actions.
 */
#pragma once

#include <glib.h>

#include "steward-event.h"
#include "steward-spec.h"
#include "steward-error.h"

G_BEGIN_DECLS

/*
 * How the daemon drives the engine
 * ================================
 * The engine does no I/O, reads no clock and draws no randomness of its
 * own. Every input takes the current monotonic time (@now, µs) and appends
 * what must happen to @out, an array made by steward_actions_new(), in the
 * order it must happen. The caller performs the actions, then re-arms one
 * timer at steward_engine_next_deadline() and calls steward_engine_tick()
 * when it fires. Deadlines the engine owns: start timeout (TimeoutStartSec=,
 * Type=notify, from the spawned report), watchdog (WatchdogSec=, from the
 * first moment the child is up), stop timeout (TimeoutStopSec=, then abort),
 * backoff, a supervisor's delayed restart and the tree's shutdown timeout.
 * The stable-time reset of the backoff (RestartStableSec=) needs no timer:
 * it is applied when the next failure is judged.
 *
 * Reports about an incarnation carry (child, generation); the backend sends
 * them in the order spawned, exited, gone — or spawn_failed alone, once
 * nothing of the incarnation is alive. A report whose generation is not the
 * child's live incarnation is recorded as child_attempt_stale_report and
 * changes nothing else. Unknown child names are ignored (g_debug).
 *
 * Generation counts a child's incarnations from 0 and Attempt its starts
 * from 1; a generation names an incarnation that ran. A SPAWN carries the
 * generation and attempt the incarnation will have, tentatively: the
 * spawned report commits them (Generation and Attempt show them from then
 * on; child_started, then child_restart_fence_released for a commanded
 * restart), a spawn_failed report gives them back: the child shows the
 * last incarnation that ran, and the next SPAWN carries the same generation
 * again. So with this engine Attempt is always Generation + 1 once the child
 * has been started (and 0 before). A child has at most one incarnation
 * between SPAWN and its gone (or spawn_failed) report; the next SPAWN of that
 * child is never emitted earlier.
 *
 * Semantics where steward.conf(5) and docs/ARCHITECTURE.md are silent (OTP's supervisor unless noted):
 * - When a main process ends and its scope is not yet empty, the engine
 *   sends STOP to what is left (then KILL after TimeoutStopSec=): the fence
 *   waits for the scope. The backend may ignore STOP/KILL for an incarnation
 *   that is already gone. A stop requested while the spawn is in flight is
 *   delivered on the spawned report (cancel_delivered is then false).
 * - Verdicts: a forced failure (start timeout, watchdog) stays a failure;
 *   otherwise any end after the engine decided to stop the incarnation is
 *   "stop", never counted; else status 0 or SuccessExitStatus= is success.
 * - Restart counting as OTP: every automatic restart counts once against
 *   the child's budget and its supervisor's intensity (a strategy restart of
 *   many siblings counts once); commanded restarts count against nothing and
 *   reset the child's budget and backoff. A child that exceeds its own
 *   budget is given up (state failed) and counts once for its supervisor.
 * - one-for-all / rest-for-one: affected members are stopped one at a time in
 *   reverse order, each until gone, then restarted in order after the
 *   failed child's backoff delay. Members stopped, paused or given up stay
 *   so; a commanded restart pending on a member is served by that restart.
 * - A sidecar's incarnation is stopped when its primary's main process
 *   ends, and started again once the primary is up (ready, for notify).
 * - Escalation=parent on the root means the root gives up: shutdown, exit 1.
 *   A restarted supervisor starts with an empty intensity window.
 * - A shutdown stops the tree in reverse order under one deadline: at half
 *   of ShutdownTimeoutSec= every incarnation not yet asked gets its stop;
 *   at ShutdownTimeoutSec= what is left is KILLed, and EXIT 1 follows once
 *   their ends are reported (at most SHUTDOWN_KILL_GRACE_USEC later).
 * - pause is a stop that remembers it was a pause: resume (not start) is its
 *   inverse, and neither the policy nor a strategy restarts a paused child.
 * - quarantine (QuarantineChild, OTP's quarantine_child) is a stop through
 *   the fence that nothing but resume undoes: the child rests in state
 *   quarantined, neither the policy nor a strategy nor a reload restarts
 *   it, and start, stop, restart and pause answer blocked_by_quarantine.
 *   Resume lifts it (as ResumeSupervisor lifts a supervisor's) and starts
 *   the child as ResumeChild starts a paused one, with a fresh budget.
 * - restart budgets as the bus shows them (StewardChildInfo and
 *   StewardSupervisorInfo, steward_restart_budget()): a child's
 *   RestartIntensity= within RestartPeriodSec=, a supervisor's likewise;
 *   the window holds the monotonic times of the restarts it counted, oldest
 *   first. A restart that falls out of the window as time passes changes
 *   no input: RESTART_BUDGET is announced when a restart is counted or the
 *   window is reset, and readers compute the rest from the expiry.
 *
 * Health (ExecHealthCheck=, HeartbeatSec=; the Health property). Both run
 * only while the incarnation is up (running, or ready for Type=notify) and
 * not on its way out, from the moment it came up (or was adopted: health
 * is not saved, an adopted child starts again at "starting"):
 * - probes: PROBE after HealthCheckIntervalSec=, the next one an interval
 *   after the previous one ended, never two at once. A probe that exits 0
 *   makes the child healthy and resets the count of failures; any other end
 *   (a non-zero status, a signal, a spawn failure, or HealthCheckTimeoutSec=
 *   passing, which sends CANCEL_PROBE and still waits for the probe's end
 *   before the next interval starts) counts one failure, unless it ends
 *   within HealthCheckStartPeriodSec= of the incarnation coming up.
 *   HealthCheckRetries= failures in a row make it unhealthy (child_unhealthy,
 *   with the last probe's exit or error). When the incarnation stops being
 *   up, a running probe is cancelled (CANCEL_PROBE) and its end ignored.
 * - heartbeat: no WATCHDOG=1 within HeartbeatSec= (from coming up, then from
 *   the last one) makes it stale (child_stale); the next WATCHDOG=1 lifts it.
 *   Stale is only reported; WatchdogSec= on the same child keeps its own
 *   deadline and kills, as it always does. Stale shows over the probes'
 *   verdict while it lasts. Without probes a child is healthy from its
 *   first heartbeat on.
 * - HealthAction=restart: becoming unhealthy restarts the incarnation
 *   through the fence once (as RestartChild does: child_restart_fence_entered
 *   under command id "health-CHILD-GENERATION"), counted like a failure:
 *   RestartCount + 1, once against the child's budget and its supervisor's
 *   intensity. A spent budget gives the child up instead (stopped, state
 *   failed), as the policy would after a crash. Nothing happens when a
 *   restart or stop is already under way, or a supervisor above is busy.
 *
 * Reload (steward_engine_reload()) applies a new tree in place. OTP's
 * release handling only lets a changed child spec take effect at the
 * child's next start; an operator who edits ExecStart= wants the new
 * command running, so here:
 * - an added child starts at its place in declaration order, as at start-up
 *   (a Type=notify sibling before it that is not ready yet holds it), if its
 *   supervisor is up; a supervisor that is down or restarting starts it with
 *   the others. A supervisor's members that stay keep their relative order
 *   until stewardd restarts; added ones are placed by the new file order.
 * - a removed child is stopped through the fence (stop, wait until gone,
 *   KILL after TimeoutStopSec=) and forgotten once gone: it stays visible,
 *   state stopping, until then, and takes no commands (NoSuchChild). A
 *   child at rest is forgotten at once. Forgetting is announced by one
 *   STATE_CHANGED about a child the queries no longer know.
 * - a changed child (any key but its place in the file) takes the new keys
 *   at once, so a stop of its old incarnation already uses the new
 *   KillSignal= and TimeoutStopSec=, as systemd's daemon-reload does; a
 *   running, supervised one is restarted through the fence exactly as by
 *   RestartChild, under the reload's command. One that is stopped, paused,
 *   failed, in backoff or already on its way out is not started by the
 *   reload: its next start uses the new keys.
 * - what a reload cannot apply in place is refused before anything
 *   changes (STEWARD_ERROR_NOT_SUPPORTED): added or removed
 *   supervisors, a supervisor's Parent=, Strategy=, RestartIntensity=,
 *   RestartPeriodSec= or Escalation=, and a child moving to another
 *   Supervisor= or SidecarOf=. During a shutdown a reload is refused
 *   (STEWARD_ERROR_SHUTTING_DOWN).
 * - generations never go back for a name within the engine's lifetime: a
 *   child removed and added again continues after its last generation, so
 *   a new scope steward-NAME-GEN.scope never collides with the old one
 *   still being collected. A removed child that is added again before it is
 *   gone is kept: its next incarnation starts once the old one is gone.
 *   The engine remembers one number per name ever removed.
 *
 * Live restore (docs/LIVE-RESTORE.md): a new stewardd takes over the
 * incarnations a previous one left running instead of starting new ones.
 * Before steward_engine_start() the daemon hands the engine what it found:
 * steward_engine_adopt_child() for each live incarnation,
 * steward_engine_set_next_generation() for the numbering of every child
 * the previous run knew, steward_engine_restore_child_stopped() for the
 * operator's stops and pauses. Reports come only after the start. Here:
 * - an adopted incarnation is the child's live one, exactly as if this
 *   engine had spawned it: no SPAWN is ever emitted for its generation,
 *   the next incarnation is the adopted generation + 1 (or the next
 *   generation given, if higher), and Attempt moves on from the adopted
 *   one. Adoption emits only STATE_CHANGED: it signals nothing itself.
 * - state: running (Type=simple) or ready (Type=notify that had sent
 *   READY=1); a Type=notify child not ready yet is starting, with
 *   TimeoutStartSec= run afresh from the adoption, and holds its younger
 *   siblings at the start as a starting one does. WatchdogSec= runs afresh
 *   from the adoption, a full interval: the grace that covers the gap.
 *   RestartStableSec= counts from the adoption too; RestartCount and the
 *   backoff's failure count continue as given.
 * - steward_engine_start() starts only what has no adopted incarnation, in
 *   declaration order; an adopted one counts as started.
 * - an adopted main process was reaped by the service manager, not by
 *   stewardd: its exit is reported as STEWARD_EXIT_CODE_UNKNOWN, judged
 *   "stop" if the engine (or the previous stewardd) had asked the
 *   incarnation to stop, else failure: a supervised service rarely exits 0
 *   on its own, and restarting a transient one once is the safe side.
 * - main process gone but the scope not empty (main_pid 0): the child is
 *   stopping. start() sends STOP to what is left (KILL after
 *   TimeoutStopSec=); when gone the end is judged as an exit with unknown
 *   status (child_exited with exit code unknown) and the restart policy
 *   runs as for any exit.
 * - @stopping: a stop had been delivered. It is not sent again; the stop
 *   timeout runs afresh from the adoption (then KILL). Unless a command or
 *   the operator state explains it, its reason went with the previous
 *   stewardd (a strategy restart, a shutdown it did not finish): once gone,
 *   a supervised child is started again at once (child_restarting,
 *   RestartCount + 1, counted against no budget), or by its supervisor or
 *   with its primary when those are not up.
 * - a pending command (the fence was holding a commanded restart): the
 *   incarnation is stopping under that command (start() delivers the stop
 *   if it had not been); when gone the next incarnation starts under that
 *   command id, and RestartChild answers already_pending meanwhile.
 * - restored stopped or paused: start() does not start the child; an
 *   adopted incarnation of it is stopped by start() under no command
 *   (unless already stopping), and any pending restart is dropped, as a
 *   StopChild would.
 * - adopting an unknown child, one twice, a generation of G_MAXUINT64, or
 *   anything after start() (or a shutdown) is refused
 *   (STEWARD_ERROR_INVALID_ARGS) and changes nothing; so is restoring
 *   (an unknown child or supervisor, a restart window not oldest first).
 *
 * Saving: what the daemon writes into the state file comes from
 * steward_engine_save_child() and steward_engine_save_supervisor(), at any
 * time; the next stewardd hands it back as follows, and then behaves as
 * the previous one would have: the same child info, the same decisions.
 * - a child with an incarnation alive (StewardChildSave.alive) is adopted
 *   with generation, attempt, ready, stopping, the pending command,
 *   restart_count, backoff_failures and fingerprint as saved, and main_pid
 *   as the daemon finds it alive (0 when the main process is gone); a
 *   spawn in flight is not alive: the daemon adopts it only if it finds its
 *   scope; any other child gets
 *   steward_engine_restore_child_last(generation, attempt).
 * - every child: steward_engine_set_next_generation(next_generation), the
 *   numbering a live restore before may have moved on.
 * - every child: steward_engine_restore_child_spawn_error(spawn_error).
 * - every child: steward_engine_restore_child_mode(mode) and
 *   steward_engine_restore_child_counters(restart_count, backoff_failures,
 *   restart_window): its own budget goes on counting from those restarts,
 *   and a child at rest keeps its RestartCount. FAILED stays failed (not
 *   started by start()); its last verdict is not kept.
 * - every supervisor: steward_engine_restore_supervisor(quarantined,
 *   restart_window). The window goes on as if no restart of stewardd had
 *   happened: timestamps older than RestartPeriodSec= drop out at the next
 *   restart as usual, so intensity is exceeded at the same restart. Of a
 *   longer window only the newest RestartIntensity= + 1 are kept. A
 *   quarantined supervisor stays so: start() starts none of its members
 *   (nested supervisors included; a quarantined root leaves the tree
 *   running with nothing started) and stops an adopted incarnation under
 *   it as its failing job would have (KillSignal=, no command, a pending
 *   restart dropped), judging its end "stop"; it rests quarantined. Nothing
 *   is announced again: the events were the previous stewardd's. Lifting
 *   it is ResumeSupervisor, which starts with an empty window as ever.
 * - not saved, so not continued: a backoff or a supervisor's restart delay
 *   that was running (start() starts such a child at once), a supervisor's
 *   job under way (its members' stops are: each comes back when gone, see
 *   @stopping), a stop decided while the spawn was in flight (not yet
 *   delivered), the STOPPING=1 a child announced, the verdict already
 *   given on a main process that ended before its scope emptied (adopted
 *   with main_pid 0, it is judged again by the rules above), a reload
 *   under way, the status text, StatusErrno and the last exit. (A main
 *   process MAINPID= named is main_pid, so it is followed on.) A pending
 *   command is restored only with the incarnation it waits for, and as a
 *   restart even when it was a start queued behind a stop (pending_kind).
 * - the fingerprint (steward_engine_get_child_fingerprint()): a SHA-256 of
 *   a canonical form of the keys Reload compares, the same for the same
 *   spec in any process and stewardd version. An adoption whose
 *   fingerprint differs from the configured spec's is restarted by start()
 *   through the fence exactly as Reload restarts a changed child
 *   (child_restart_fence_entered, the stop, then child_restart_fence_released
 *   and the new incarnation once gone), under command id "live-restore"
 *   with the reason "the configuration changed while stewardd was down"
 *   and no actor; once, and only if it is running, supervised and not on
 *   its way out already (those start with the new keys anyway).
 */

typedef struct _StewardEngine StewardEngine;

/* A uniform double in [0, 1), used only to spread backoff delays. */
typedef double (*StewardEngineRandom)(gpointer user_data);

typedef enum {
        STEWARD_ACTION_SPAWN, /* start incarnation (child, generation, attempt) */
        STEWARD_ACTION_STOP, /* send signal to every process of (child, generation) */
        STEWARD_ACTION_KILL, /* abort: SIGKILL every process of (child, generation) */
        STEWARD_ACTION_EVENT, /* journal entry + Event signal; the daemon numbers it */
        STEWARD_ACTION_STATE_CHANGED, /* properties of a child, supervisor or the manager changed */
        STEWARD_ACTION_EXIT, /* the tree is down: exit the daemon with exit_code */
        /* Health checks (ExecHealthCheck=): run probe number @probe inside the live incarnation
         * (child, generation); its end comes back as steward_engine_child_probe_ended(). */
        STEWARD_ACTION_PROBE,
        /* SIGKILL to the process group of probe @probe of (child, generation): it timed out, or the
         * incarnation is no longer up. Its end is still reported, and ignored. */
        STEWARD_ACTION_CANCEL_PROBE,
        STEWARD_ACTION_SIGNAL, /* send signal to the main process of (child, generation) alone */
} StewardActionType;

/* Bits of StewardAction.changed for STATE_CHANGED, one per property that
 * differs from what the previous STATE_CHANGED of that object said. */
typedef enum {
        STEWARD_PROPERTY_STATE = 1 << 0,
        STEWARD_PROPERTY_GENERATION = 1 << 1,
        STEWARD_PROPERTY_ATTEMPT = 1 << 2,
        STEWARD_PROPERTY_MAIN_PID = 1 << 3,
        STEWARD_PROPERTY_READY = 1 << 4,
        STEWARD_PROPERTY_STATUS_TEXT = 1 << 5,
        STEWARD_PROPERTY_LAST_EXIT = 1 << 6, /* LastExitCode and LastExitStatus */
        STEWARD_PROPERTY_RESTART_COUNT = 1 << 7,
        STEWARD_PROPERTY_NEXT_RESTART = 1 << 8,
        STEWARD_PROPERTY_FENCE_STATE = 1 << 9,
        STEWARD_PROPERTY_CHILD_COUNT = 1 << 10, /* the manager's ChildCount */
        STEWARD_PROPERTY_LAST_SPAWN_ERROR = 1 << 11,
        /* RestartsInWindow, RestartsRemaining, RestartWindowExpiryUSec of a child or supervisor, and a
         * supervisor's RestartCount */
        STEWARD_PROPERTY_RESTART_BUDGET = 1 << 12,
        STEWARD_PROPERTY_HEALTH = 1 << 13,
        STEWARD_PROPERTY_STATUS_ERRNO = 1 << 14,
} StewardProperty;

typedef struct {
        StewardActionType type;
        /* SPAWN/STOP/KILL/STATE_CHANGED of a child: the child; STATE_CHANGED
         * of a supervisor: NULL and supervisor set; of the manager (State):
         * both NULL. Interned strings. */
        const char *child;
        const char *supervisor;
        guint64 generation;
        guint64 attempt;
        int signal; /* STOP: KillSignal= or, for a watchdog, WatchdogSignal=; SIGNAL: ReloadSignal= */
        guint changed; /* STATE_CHANGED: StewardProperty bits */
        int exit_code; /* EXIT */
        guint64 probe; /* PROBE, CANCEL_PROBE: the probe's number, unique within the engine */
        StewardEvent event; /* EVENT */
} StewardAction;

/* A GArray of StewardAction that clears its elements; free with g_array_unref(). */
GArray *steward_actions_new(void);

typedef enum {
        STEWARD_CHILD_STATE_STARTING, /* spawn requested or queued, or notify child not yet ready */
        STEWARD_CHILD_STATE_RUNNING, /* Type=simple child up */
        STEWARD_CHILD_STATE_READY, /* Type=notify child reported READY=1 */
        STEWARD_CHILD_STATE_STOPPING, /* an incarnation is on its way out; the fence waits for it */
        STEWARD_CHILD_STATE_BACKOFF, /* waiting for its (or its supervisor's) restart delay */
        STEWARD_CHILD_STATE_STOPPED,
        STEWARD_CHILD_STATE_FAILED, /* given up: restart budget exceeded */
        STEWARD_CHILD_STATE_PAUSED,
        STEWARD_CHILD_STATE_QUARANTINED, /* QuarantineChild, or its supervisor failed with
                                            Escalation=quarantine */
        STEWARD_CHILD_STATE_RELOADING, /* Type=notify, ready: reloading (ReloadChild, RELOADING=1) */
        _STEWARD_CHILD_STATE_MAX,
} StewardChildState;

typedef enum {
        STEWARD_FENCE_IDLE,
        STEWARD_FENCE_STOPPING_OLD, /* stop delivered (or main exited), waiting for the scope to empty */
        STEWARD_FENCE_ABORTING_OLD, /* TimeoutStopSec= passed: SIGKILL sent, still waiting */
        _STEWARD_FENCE_STATE_MAX,
} StewardFenceState;

/* The Health property: what the health checks and heartbeats say about the incarnation that is up. */
typedef enum {
        STEWARD_CHILD_HEALTH_NONE, /* "": no checks configured, or no incarnation is up */
        STEWARD_CHILD_HEALTH_STARTING, /* up, no verdict yet */
        STEWARD_CHILD_HEALTH_HEALTHY,
        STEWARD_CHILD_HEALTH_UNHEALTHY, /* HealthCheckRetries= probes failed in a row */
        STEWARD_CHILD_HEALTH_STALE, /* no WATCHDOG=1 within HeartbeatSec= */
        _STEWARD_CHILD_HEALTH_MAX,
} StewardChildHealth;

typedef enum {
        STEWARD_SUPERVISOR_STATE_STOPPED,
        STEWARD_SUPERVISOR_STATE_STARTING, /* members being started in order */
        STEWARD_SUPERVISOR_STATE_RUNNING,
        STEWARD_SUPERVISOR_STATE_RESTARTING, /* a strategy is stopping and restarting members */
        STEWARD_SUPERVISOR_STATE_FAILING, /* intensity exceeded: stopping members, then escalating */
        STEWARD_SUPERVISOR_STATE_STOPPING,
        STEWARD_SUPERVISOR_STATE_QUARANTINED,
        _STEWARD_SUPERVISOR_STATE_MAX,
} StewardSupervisorState;

typedef enum {
        STEWARD_TREE_STATE_STARTING,
        STEWARD_TREE_STATE_RUNNING,
        STEWARD_TREE_STATE_STOPPING,
        STEWARD_TREE_STATE_STOPPED,
        _STEWARD_TREE_STATE_MAX,
} StewardTreeState;

const char *steward_child_state_to_string(StewardChildState s);
const char *steward_fence_state_to_string(StewardFenceState s);
const char *steward_child_health_to_string(StewardChildHealth h);
const char *steward_supervisor_state_to_string(StewardSupervisorState s);
const char *steward_tree_state_to_string(StewardTreeState s);

typedef enum {
        STEWARD_COMMAND_START,
        STEWARD_COMMAND_STOP,
        STEWARD_COMMAND_RESTART,
        STEWARD_COMMAND_PAUSE,
        STEWARD_COMMAND_RESUME,
        STEWARD_COMMAND_RESUME_SUPERVISOR, /* lift a supervisor's quarantine */
        STEWARD_COMMAND_QUARANTINE, /* stop a child through the fence and keep it down until RESUME */
        STEWARD_COMMAND_SHUTDOWN, /* the whole tree; target unused */
        STEWARD_COMMAND_RELOAD, /* ReloadChild: ReloadSignal= to the main process, then wait for it */
        _STEWARD_COMMAND_KIND_MAX,
} StewardCommandKind;

typedef struct {
        StewardCommandKind kind;
        const char *target; /* child name, or supervisor name for RESUME_SUPERVISOR */
        const char *command_id; /* unique per call, made by the daemon */
        const char *reason;
        StewardActor actor;
} StewardCommand;

/* The a{sv} a mutating method answers (docs/ARCHITECTURE.md, "The restart fence"). */
typedef struct {
        StewardDecision decision;
        gboolean idempotent; /* a repeat: nothing new was done */
        gboolean cancel_delivered; /* this command delivered a stop to a running incarnation */
        guint64 generation; /* the child's current generation after the command */
        guint64 attempt;
        guint64 target_generation; /* the generation the command will bring up, if any */
        guint merged; /* already_pending: restarts merged into the pending one so far */
        StewardChildState state; /* child commands */
        StewardSupervisorState supervisor_state; /* RESUME_SUPERVISOR */
        StewardTreeState tree_state; /* SHUTDOWN */
} StewardCommandOutcome;

/* What the bus layer shows of a child (org.steward.Supervisor1(5)). Strings belong to the engine
 * and stay valid until the next input. */
typedef struct {
        const char *name;
        const char *supervisor;
        StewardRole role;
        StewardChildState state;
        guint64 generation;
        guint64 attempt;
        guint32 main_pid;
        gboolean ready;
        const char *status_text; /* "" when none */
        int status_errno; /* the live incarnation's last ERRNO=, 0 when none */
        /* The last spawn's failure as child_spawn_failed's error ("STAGE: ERROR"), "" when the last
         * spawn succeeded or none failed. */
        const char *last_spawn_error;
        StewardExitCode last_exit_code;
        int last_exit_status;
        StewardExitCause last_exit_cause;
        guint restart_count; /* automatic restarts, strategy ones included */
        guint64 next_restart_usec; /* monotonic; 0 when no restart is scheduled */
        StewardFenceState fence_state;
        StewardChildHealth health;
        /* Its own budget: RestartIntensity= restarts within RestartPeriodSec=, and the monotonic
         * times of the restarts counted so far, oldest first (may include ones already out of
         * the window: steward_restart_budget() tells). */
        guint restart_limit_burst;
        guint64 restart_limit_interval_usec;
        const guint64 *restart_window;
        guint n_restart_window;
        /* Restart fences entered since this engine was made (child_restart_fence_entered), and the
         * time spent in those that ended, from entered to released (or abandoned); fence_waiting: one
         * is under way since fence_wait_since (monotonic). steward_child_fence_wait_usec() adds
         * them up. */
        guint64 fence_waits;
        guint64 fence_wait_usec;
        gboolean fence_waiting;
        guint64 fence_wait_since;
} StewardChildInfo;

typedef struct {
        const char *name;
        const char *parent; /* NULL for the root */
        StewardStrategy strategy;
        StewardEscalation escalation;
        StewardSupervisorState state;
        guint restart_count; /* restarts counted against its intensity, ever */
        /* Its intensity, as StewardChildInfo's budget. */
        guint restart_limit_burst;
        guint64 restart_limit_interval_usec;
        const guint64 *restart_window;
        guint n_restart_window;
} StewardSupervisorInfo;

/* FenceWaitUSec at @now (monotonic µs): the ended fence waits of @info and the one under way. Pure. */
guint64 steward_child_fence_wait_usec(const StewardChildInfo *info, guint64 now);

/* What is left of a restart budget at @now (monotonic µs): the restarts of @window still within
 * @interval_usec (@used), how many more are allowed (@remaining, @burst - @used, 0 when spent), and
 * when the oldest of them leaves the window (@expiry_usec, monotonic; 0 when none is in it). Pure. */
void steward_restart_budget(guint burst, guint64 interval_usec, const guint64 *window, guint n_window,
                            guint64 now, guint *used, guint *remaining, guint64 *expiry_usec);

/**
 * steward_engine_new:
 * @spec: a validated tree; the engine copies what it needs
 * @rng: (nullable): jitter source; NULL means no jitter
 *
 * Nothing runs until steward_engine_start().
 */
StewardEngine *steward_engine_new(const StewardSpec *spec, StewardEngineRandom rng, gpointer rng_data);
void steward_engine_free(StewardEngine *e);

/* Starts the tree: each supervisor starts its members (children and nested
 * supervisors) in declaration order, a Type=notify child holding its younger
 * siblings until it is ready or has failed. A second call does nothing. */
void steward_engine_start(StewardEngine *e, guint64 now, GArray *out);

/* What a later stewardd found of a child's live incarnation (see "Live restore" at the top of this file). */
typedef struct {
        guint64 generation; /* the live incarnation's, from the scope name */
        guint64 attempt; /* 0: unknown, taken as generation + 1 */
        guint32 main_pid; /* 0: the main process is gone, but the scope is not empty yet */
        gboolean ready; /* Type=notify: READY=1 was seen; ignored for Type=simple */
        gboolean stopping; /* a stop had been delivered to it */
        const char *pending_command_id; /* a commanded restart the fence was holding, or NULL */
        const char *pending_reason; /* its reason, or NULL */
        guint restart_count; /* RestartCount as it was */
        guint backoff_failures; /* consecutive failures, for the backoff */
        /* steward_engine_get_child_fingerprint() of the spec it was started
         * with, or NULL: unknown, taken as unchanged. */
        const char *fingerprint;
} StewardAdoption;

/* Before steward_engine_start(): @child's incarnation @a is alive and now this engine's. */
gboolean steward_engine_adopt_child(StewardEngine *e, const char *child, const StewardAdoption *a,
                                    guint64 now, GArray *out, GError **error);
/* @child's next incarnation is @next_generation or later, even if nothing of it is alive. Never lowers
 * what the engine would have used; an unknown child is ignored. */
void steward_engine_set_next_generation(StewardEngine *e, const char *child, guint64 next_generation);
/* Before steward_engine_start(): @child was stopped (or paused) by the operator; start() leaves it so. */
gboolean steward_engine_restore_child_stopped(StewardEngine *e, const char *child, gboolean paused,
                                              GError **error);

/* What supervision intends for a child apart from any incarnation (see "Live restore"). */
typedef enum {
        STEWARD_CHILD_MODE_RUNNING, /* supervised: started with its supervisor, restarted by policy */
        STEWARD_CHILD_MODE_STOPPED, /* stopped by the operator, or ended for good by the policy */
        STEWARD_CHILD_MODE_PAUSED,
        STEWARD_CHILD_MODE_FAILED, /* given up, or a failure its restart type does not restart */
        STEWARD_CHILD_MODE_QUARANTINED, /* QuarantineChild: down until ResumeChild */
        _STEWARD_CHILD_MODE_MAX,
} StewardChildMode;

/* "running", "stopped", "paused", "failed", "quarantined". */
const char *steward_child_mode_to_string(StewardChildMode m);

/* Before steward_engine_start(): @child's mode as a previous stewardd left it. RUNNING changes nothing;
 * STOPPED and PAUSED are steward_engine_restore_child_stopped(); FAILED keeps a given-up child failed;
 * QUARANTINED keeps it quarantined (start() leaves it down, an adopted incarnation is stopped). */
gboolean steward_engine_restore_child_mode(StewardEngine *e, const char *child, StewardChildMode mode,
                                           GError **error);
/* Before steward_engine_start(): @child's last incarnation, (@generation, @attempt), is gone; attempt 0:
 * it was never started, nothing changes. Shown as it was, the next is @generation + 1 (or what
 * steward_engine_set_next_generation() said, if higher), and its next start is a restart, as
 * the previous stewardd would have started it. Refused for an adopted child. */
gboolean steward_engine_restore_child_last(StewardEngine *e, const char *child, guint64 generation,
                                           guint64 attempt, GError **error);
/* Before steward_engine_start(): @child's RestartCount, the backoff's consecutive failures and the
 * monotonic timestamps of the restarts its own budget (RestartIntensity=/RestartPeriodSec=) counts,
 * oldest first. Replaces what an adoption gave for the first two. */
gboolean steward_engine_restore_child_counters(StewardEngine *e, const char *child, guint restart_count,
                                               guint backoff_failures, const guint64 *window, guint n_window,
                                               GError **error);
/* Before steward_engine_start(): @child's LastSpawnError as it was (@spawn_error NULL or "": none); the
 * next spawn that succeeds clears it. */
gboolean steward_engine_restore_child_spawn_error(StewardEngine *e, const char *child,
                                                  const char *spawn_error, GError **error);
/* Before steward_engine_start(): supervisor @name was quarantined (or not) and its intensity window
 * counted the restarts at @window (monotonic µs, oldest first). */
gboolean steward_engine_restore_supervisor(StewardEngine *e, const char *name, gboolean quarantined,
                                           const guint64 *window, guint n_window, GError **error);

/* What a stewardd saves of a child for the next one (see "Live restore"). Strings and the window
 * belong to the engine and stay valid until the next input, as with StewardChildInfo. */
typedef struct {
        /* An incarnation is between its spawned and its gone report. A spawn in flight is not
         * alive: it may never run, and has no generation of its own yet. */
        gboolean alive;
        /* The live incarnation's (the last one's that ran when none is alive): */
        guint64 generation;
        guint64 attempt;
        guint32 main_pid; /* 0: none (not spawned yet, or its main process ended) */
        gboolean ready; /* Type=notify: READY=1 seen; Type=simple: up */
        gboolean stopping; /* a stop has been delivered to the live incarnation */
        /* A command the fence holds: the start it queued behind the stop of the
         * live incarnation; NULL when none. */
        const char *pending_command_id;
        const char *pending_reason; /* NULL when none */
        StewardCommandKind pending_kind; /* STEWARD_COMMAND_RESTART or _START, with pending_command_id */
        guint64 next_generation; /* the generation the next incarnation will have */
        guint restart_count;
        guint backoff_failures; /* the consecutive failures the backoff counts */
        StewardChildMode mode;
        gboolean quarantined; /* a supervisor above is quarantined (restored with it) */
        const char *fingerprint; /* steward_engine_get_child_fingerprint() */
        const guint64 *restart_window; /* restarts its own budget counts, oldest first */
        guint n_restart_window;
        const char *spawn_error; /* LastSpawnError; NULL when the last spawn did not fail */
} StewardChildSave;

typedef struct {
        gboolean quarantined;
        const guint64 *restart_window; /* restarts its intensity window counts, oldest first */
        guint n_restart_window;
} StewardSupervisorSave;

gboolean steward_engine_save_child(StewardEngine *e, const char *child, StewardChildSave *out);
gboolean steward_engine_save_supervisor(StewardEngine *e, const char *name, StewardSupervisorSave *out);

/* A content hash of @child's configured spec: the keys Reload compares to tell a changed child (not
 * its name or place in the file), as 64 lowercase hex digits of a SHA-256. The same spec gives the
 * same string in every process and stewardd version; NULL for an unknown child. Valid until the
 * next input. */
const char *steward_engine_get_child_fingerprint(StewardEngine *e, const char *child);
/* The same hash of any spec, configured or not (a reload's candidate). */
char *steward_child_spec_fingerprint(const StewardChildSpec *spec);

/* Backend reports (see the comment at the top of this file). */
void steward_engine_child_spawned(StewardEngine *e, const char *child, guint64 generation, guint32 main_pid,
                                  guint64 now, GArray *out);
void steward_engine_child_spawn_failed(StewardEngine *e, const char *child, guint64 generation,
                                       const char *error, guint64 now, GArray *out);
void steward_engine_child_exited(StewardEngine *e, const char *child, guint64 generation,
                                 StewardExitCode code, int status, guint64 now, GArray *out);
/* The same with what the kernel says ended it (LastExitCause, STEWARD_EXIT_CAUSE). */
void steward_engine_child_exited_with_cause(StewardEngine *e, const char *child, guint64 generation,
                                            StewardExitCode code, int status, StewardExitCause cause,
                                            guint64 now, GArray *out);
/* The incarnation's scope (process group) is empty: the fence opens. */
void steward_engine_child_gone(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                               GArray *out);

/* A probe (STEWARD_ACTION_PROBE) ended: @code/@status as for an exit, or @error (non-NULL) when it could
 * not be started. A probe the engine no longer waits for (cancelled, another incarnation) is ignored. */
void steward_engine_child_probe_ended(StewardEngine *e, const char *child, guint64 generation, guint64 probe,
                                      StewardExitCode code, int status, const char *error, guint64 now,
                                      GArray *out);

/* sd_notify reports, already checked to come from the incarnation. */
void steward_engine_child_ready(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                                GArray *out);
void steward_engine_child_watchdog(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                                   GArray *out);
void steward_engine_child_status(StewardEngine *e, const char *child, guint64 generation, const char *text,
                                 guint64 now, GArray *out);
/* WATCHDOG=trigger: the watchdog expires now (child_watchdog_expired). */
void steward_engine_child_watchdog_trigger(StewardEngine *e, const char *child, guint64 generation,
                                           guint64 now, GArray *out);
/* WATCHDOG_USEC=: this incarnation's watchdog interval from now on (0 or
 * G_MAXUINT64: none), instead of WatchdogSec=. Type=notify only. */
void steward_engine_child_watchdog_usec(StewardEngine *e, const char *child, guint64 generation,
                                        guint64 usec, guint64 now, GArray *out);
/* EXTEND_TIMEOUT_USEC=: the running start, watchdog or stop deadline moves
 * to @usec from now, if that is later. The stop deadline too while the
 * incarnation is on its way out for any reason (a command, a strategy, a
 * shutdown, STOPPING=1), as systemd extends a service's stop timeout; not
 * once the abort (KILL) was sent. */
void steward_engine_child_extend_timeout(StewardEngine *e, const char *child, guint64 generation,
                                         guint64 usec, guint64 now, GArray *out);
/* ERRNO=: the StatusErrno property, until the next incarnation (0 clears). */
void steward_engine_child_errno(StewardEngine *e, const char *child, guint64 generation, int errno_value,
                                guint64 now, GArray *out);
/* RELOADING=1: the child is reloading (state reloading), until READY=1
 * (child_reloaded) or TimeoutStartSec= (child_reload_failed, the child left
 * running). Type=notify, up and ready only. See ReloadChild below. */
void steward_engine_child_reloading(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                                    GArray *out);
/* STOPPING=1: the child is shutting down by itself. State stopping, the
 * watchdog and start timeout end, TimeoutStopSec= runs (then KILL); the
 * exit is judged as any other, as systemd does. Releases held siblings. */
void steward_engine_child_stopping(StewardEngine *e, const char *child, guint64 generation, guint64 now,
                                   GArray *out);
/* MAINPID=: the MainPID property (the caller checked @main_pid is a process
 * of the incarnation, and had the backend follow it: from now on the
 * incarnation's exit report is that process's end, not the first main's). */
void steward_engine_child_main_pid(StewardEngine *e, const char *child, guint64 generation, guint32 main_pid,
                                   guint64 now, GArray *out);

/*
 * ReloadChild (STEWARD_COMMAND_RELOAD), as systemd's Type=notify-reload:
 * - only a child whose live incarnation is up (ready, for Type=notify) and
 *   not on its way out is reloaded; else not_running (quarantine:
 *   blocked_by_quarantine). A reload under way answers already_reloading.
 * - a SIGNAL action sends ReloadSignal= to the main process (the one
 *   MAINPID= named, if any), child_reloading is emitted under the command.
 * - Type=simple: that is all, child_reloaded follows at once.
 * - Type=notify: state reloading until the child sends RELOADING=1 and then
 *   READY=1 (child_reloaded), or until TimeoutStartSec= passes
 *   (child_reload_failed, decision timeout): the child is not stopped, the
 *   state is ready again. A reload the incarnation's end interrupts ends
 *   with it (child_reload_failed, decision stop). Ready stays true
 *   throughout; the watchdog keeps running. Not saved across a restart of
 *   stewardd.
 */

/**
 * steward_engine_command:
 * @outcome: (out): filled on success
 *
 * Runs one command (org.steward.Supervisor1(5); docs/ARCHITECTURE.md, "The restart fence"). Fails only for
 * an unknown target; a command the tree's state refuses (shutting down, quarantine) succeeds with a
 * blocked_by_* decision, and a repeat is answered idempotent.
 */
gboolean steward_engine_command(StewardEngine *e, const StewardCommand *cmd, guint64 now, GArray *out,
                                StewardCommandOutcome *outcome, GError **error);

/**
 * steward_engine_reload:
 * @spec: the new, validated tree; the engine copies what it needs
 * @cmd: who asked: command id, reason and actor for the events (kind and
 *   target unused)
 * @added, @removed, @changed: (out) (optional): child names; added in the
 *   new declaration order, removed in the old one
 *
 * Applies @spec to the running tree (see "Reload" at the top of this file).
 * On failure nothing changed and nothing was appended to @out.
 */
gboolean steward_engine_reload(StewardEngine *e, const StewardSpec *spec, const StewardCommand *cmd,
                               guint64 now, GArray *out, GStrv *added, GStrv *removed, GStrv *changed,
                               GError **error);

/* The earliest deadline the engine keeps, G_MAXUINT64 when there is none. O(1). */
guint64 steward_engine_next_deadline(StewardEngine *e);
/* Handles every deadline at or before @now, in deadline order. */
void steward_engine_tick(StewardEngine *e, guint64 now, GArray *out);

/* Queries for the bus layer. */
StewardTreeState steward_engine_get_tree_state(StewardEngine *e);
guint steward_engine_get_n_children(StewardEngine *e);
/* Children in declaration order, 0 ≤ @index < n_children. */
gboolean steward_engine_get_child_at(StewardEngine *e, guint index, StewardChildInfo *info);
gboolean steward_engine_get_child(StewardEngine *e, const char *name, StewardChildInfo *info);
guint steward_engine_get_n_supervisors(StewardEngine *e);
/* Root first, then declaration order. */
gboolean steward_engine_get_supervisor_at(StewardEngine *e, guint index, StewardSupervisorInfo *info);
gboolean steward_engine_get_supervisor(StewardEngine *e, const char *name, StewardSupervisorInfo *info);
/* TRUE once a shutdown began: no incarnation will be spawned any more. */
gboolean steward_engine_is_shutting_down(StewardEngine *e);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardEngine, steward_engine_free)

G_END_DECLS
