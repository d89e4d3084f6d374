/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-child.c: a child's incarnations: spawn, stop, exit and gone, verdicts, restart policy, timeouts. */
#include "config.h"

#include <signal.h>

#include "engine-private.h"

/* ---- timers ---- */

void
engine_child_arm(StewardEngine *e, Child *c, TimerKind kind, guint64 delay)
{
        guint64 when = G_MAXUINT64 - e->now > delay ? e->now + delay : G_MAXUINT64 - 1;

        steward_timers_arm(&e->timers, &c->timer, when, kind);
        mark_child(e, c);
}

void
engine_child_disarm(StewardEngine *e, Child *c)
{
        if (!steward_timer_is_armed(&c->timer))
                return;
        steward_timers_disarm(&e->timers, &c->timer);
        if (c->next_restart_usec) {
                c->next_restart_usec = 0;
                mark_child(e, c);
        }
}

void
engine_child_disarm_kind(StewardEngine *e, Child *c, TimerKind kind)
{
        if (steward_timer_is_armed(&c->timer) && c->timer.kind == (int) kind)
                engine_child_disarm(e, c);
}

/* ---- children ---- */

static gboolean
child_is_up(Child *c)
{
        return c->inc == INC_UP && c->ready && !c->stopping;
}

gboolean
engine_child_primary_up(Child *c)
{
        return !c->primary || child_is_up(c->primary);
}

/* The generation the next incarnation gets: one more than the last, but
 * never below what live restore said the previous stewardd reached. */
guint64
engine_child_next_generation(Child *c)
{
        guint64 g = c->ever_started ? c->generation + 1 : c->first_generation;

        return MAX(g, c->next_generation);
}

/* What Generation and Attempt show: the incarnation that runs or ran
 * last, never one still being spawned (it may never run). */
guint64
engine_child_shown_generation(Child *c)
{
        return c->inc == INC_SPAWNING ? c->ran_generation : c->generation;
}

guint64
engine_child_shown_attempt(Child *c)
{
        return c->inc == INC_SPAWNING ? c->ran_attempt : c->attempt;
}

/* Starts the next incarnation. Never after a shutdown began. Its
 * generation and attempt are tentative until the spawned report. */
gboolean
engine_child_spawn(StewardEngine *e, Child *c, gboolean restart, const Cmd *cmd)
{
        StewardEvent *ev;
        guint64 g;

        if (e->shutting_down || c->inc != INC_NONE)
                return FALSE;
        engine_child_disarm(e, c);
        engine_child_reload_end(e, c, STEWARD_EVENT_CHILD_RELOAD_FAILED, STEWARD_DECISION_STOP);
        c->ran_ever_started = c->ever_started;
        c->ran_generation = c->generation;
        c->ran_attempt = c->attempt;
        g = engine_child_next_generation(c);
        /* Attempt moves as far as Generation does: an adopted incarnation
         * may have brought a different distance between the two. */
        c->attempt = c->ever_started ? c->attempt + (g - c->generation) : g + 1;
        c->generation = g;
        c->ever_started = TRUE;
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
        c->end_unjudged = FALSE;
        c->restart_when_gone = FALSE;
        if (cmd && cmd->id)
                engine_cmd_copy(&c->inc_cmd, cmd);
        else
                engine_cmd_clear(&c->inc_cmd);
        if (c->status_text) {
                g_clear_pointer(&c->status_text, g_free);
                c->status_serial++;
        }
        c->status_errno = 0;
        if (restart) {
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESTARTING, c);
                engine_ev_cmd(ev, cmd);
        }
        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_STARTING, c);
        engine_ev_cmd(ev, cmd);
        engine_push_incarnation_action(e, STEWARD_ACTION_SPAWN, c, 0);
        mark_child(e, c);
        return TRUE;
}

void
engine_child_deliver_stop(StewardEngine *e, Child *c)
{
        c->stop_delivered = TRUE;
        /* Whatever deadline ran (start, watchdog) gives way to the stop's. */
        engine_child_disarm(e, c);
        if (c->stop_cause == STOP_CONTROL) {
                StewardEvent *ev = engine_emit_child(e, STEWARD_EVENT_CHILD_CONTROL_CANCEL_DELIVERED, c);
                engine_ev_cmd(ev, &c->cmd);
        }
        engine_push_incarnation_action(e, STEWARD_ACTION_STOP, c, c->stop_signal);
        if (c->timeout_stop_usec > 0)
                engine_child_arm(e, c, TIMER_STOP, c->timeout_stop_usec);
        mark_child(e, c);
}

/* Asks the live incarnation to go. While it is still being spawned the
 * stop waits for the spawned report: there is nothing to signal yet. */
void
engine_child_request_stop(StewardEngine *e, Child *c, StopCause cause, int signal)
{
        if (c->inc == INC_NONE || c->stopping)
                return;
        engine_child_reload_end(e, c, STEWARD_EVENT_CHILD_RELOAD_FAILED, STEWARD_DECISION_STOP);
        c->stopping = TRUE;
        c->stop_cause = cause;
        c->stop_signal = signal;
        mark_child(e, c);
        if (c->inc == INC_SPAWNING || c->scope_empty)
                return;
        engine_child_deliver_stop(e, c);
}

static void
child_stop_sidecars(StewardEngine *e, Child *p)
{
        for (guint i = 0; p->sidecars && i < p->sidecars->len; i++) {
                Child *sc = g_ptr_array_index(p->sidecars, i);

                if (sc->inc != INC_NONE)
                        engine_child_request_stop(e, sc, STOP_SIDECAR, sc->kill_signal);
                else
                        engine_child_disarm_kind(e, sc, TIMER_BACKOFF);
                mark_child(e, sc);
        }
}

/* A sidecar at rest comes back with its primary. */
static void
child_follow_primary(StewardEngine *e, Child *sc)
{
        if (sc->mode != MODE_AUTO || sc->inc != INC_NONE || sc->queued || sc->quarantined ||
            steward_timer_is_armed(&sc->timer) || !engine_child_primary_up(sc))
                return;
        if (engine_node_blocked(e, &sc->node) != BLOCK_NONE)
                return;
        if (sc->ever_started)
                sc->restart_count++;
        (void) engine_child_spawn(e, sc, sc->ever_started, NULL);
}

/* WatchdogSec=, or what the incarnation asked for with WATCHDOG_USEC=.
 * Only a Type=notify child has a way to ping (the config warns). */
guint64
engine_child_watchdog_usec(Child *c)
{
        if (c->type != STEWARD_CHILD_NOTIFY)
                return 0;
        return c->watchdog_override_usec != G_MAXUINT64 ? c->watchdog_override_usec : c->watchdog_usec;
}

void
engine_child_became_up(StewardEngine *e, Child *c)
{
        c->ready = TRUE;
        c->up_since = e->now;
        if (engine_child_watchdog_usec(c) > 0)
                engine_child_arm(e, c, TIMER_WATCHDOG, engine_child_watchdog_usec(c));
        mark_child(e, c);
        for (guint i = 0; c->sidecars && i < c->sidecars->len; i++)
                child_follow_primary(e, g_ptr_array_index(c->sidecars, i));
}

StewardDecision
engine_child_verdict(Child *c, StewardExitCode code, int status)
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
        if (engine_window_exceeded(&c->budget, c->intensity, c->period_usec, e->now)) {
                /* Given up; for its supervisor that is one more failure. */
                c->mode = MODE_FAILED;
                c->rest_decision = STEWARD_DECISION_GIVEN_UP;
                if (engine_sup_count_restart(e, s))
                        engine_sup_fail(e, s, &c->node);
                return;
        }
        if (engine_sup_count_restart(e, s)) {
                engine_sup_fail(e, s, &c->node);
                return;
        }
        delay = child_backoff_delay(e, c);
        if (s->strategy == STEWARD_STRATEGY_ONE_FOR_ONE) {
                c->backoff_after_gone = TRUE;
                c->backoff_delay = delay;
        } else {
                engine_sup_begin_restart(e, s, &c->node, delay);
        }
}

/* The main process is over (exit, spawn failure, or the scope emptied
 * first). @scope_empty: nothing of the incarnation is left to stop. */
void
engine_child_main_ended(StewardEngine *e, Child *c, StewardDecision verdict, gboolean scope_empty)
{
        Sup *s = c->node.parent;

        engine_child_reload_end(e, c, STEWARD_EVENT_CHILD_RELOAD_FAILED, STEWARD_DECISION_STOP);
        c->inc = INC_EXITED;
        c->ready = FALSE;
        c->main_pid = 0;
        c->scope_empty = !!scope_empty;
        engine_child_disarm_kind(e, c, TIMER_START);
        engine_child_disarm_kind(e, c, TIMER_WATCHDOG);
        mark_child(e, c);
        /* What the main process left behind goes too, before anything new
         * may start: the fence waits for the scope, not the main pid. */
        if (!scope_empty && !c->stopping)
                engine_child_request_stop(e, c, STOP_LEFTOVER, c->kill_signal);
        else if (!scope_empty && !c->stop_delivered)
                engine_child_deliver_stop(e, c); /* requested while spawning */
        child_stop_sidecars(e, c);

        if (engine_sup_covers(s, &c->node)) {
                /* The supervisor is stopping this member anyway; a crash
                 * now is not one more restart (as in OTP). */
        } else if (c->restart_pending) {
                if (c->mode == MODE_AUTO && child_policy_restarts(c, verdict))
                        engine_emit_policy_conflict(e, c, &c->cmd);
        } else if (c->mode == MODE_AUTO && verdict != STEWARD_DECISION_STOP) {
                child_apply_policy(e, c, verdict);
        }
        /* A Type=notify child that failed no longer holds its siblings. */
        engine_sup_advance(e, s);
}

/* The pending command passed the fence: its child_restart_fence_released
 * is announced once the next incarnation exists (engine_child_spawned()). */
void
engine_child_owe_release(Child *c)
{
        c->release_owed = TRUE;
        engine_cmd_copy(&c->release_cmd, &c->cmd);
}

void
engine_child_fence_sync(StewardEngine *e, Child *c)
{
        if (!c->fence_timing || c->restart_pending || c->release_owed)
                return;
        c->fence_wait_usec += e->now >= c->fence_since ? e->now - c->fence_since : 0;
        c->fence_timing = FALSE;
}

static void
child_drop_release(Child *c)
{
        c->release_owed = FALSE;
        engine_cmd_clear(&c->release_cmd);
}

/* The spawned report: the incarnation exists, its generation and attempt
 * are its own from now on. */
void
engine_child_spawned(StewardEngine *e, Child *c, guint32 main_pid)
{
        StewardEvent *ev;

        c->inc = INC_UP;
        c->main_pid = main_pid;
        if (c->spawn_error) {
                g_clear_pointer(&c->spawn_error, g_free);
                c->spawn_error_serial++;
        }
        engine_ev_cmd(engine_emit_child(e, STEWARD_EVENT_CHILD_STARTED, c), &c->inc_cmd);
        if (c->release_owed) {
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED, c);
                engine_ev_cmd(ev, &c->release_cmd);
                ev->target_generation = c->generation;
                ev->fields |= STEWARD_EVENT_FIELD_TARGET_GENERATION;
                child_drop_release(c);
        }
        mark_child(e, c);
}

/* The spawn_failed report: nothing of the incarnation ran, so it takes
 * no generation and no attempt; the last one's verdict stays. */
void
engine_child_spawn_failed(StewardEngine *e, Child *c, const char *error)
{
        StewardEvent *ev = engine_emit_child(e, STEWARD_EVENT_CHILD_SPAWN_FAILED, c);

        ev->error = g_strdup(error ? error : "");
        ev->fields |= STEWARD_EVENT_FIELD_ERROR;
        engine_ev_cmd(ev, &c->inc_cmd);
        g_free(c->spawn_error);
        c->spawn_error = g_strdup(error ? error : "");
        c->spawn_error_serial++;
        child_drop_release(c);
        c->ever_started = c->ran_ever_started;
        c->generation = c->ran_generation;
        c->attempt = c->ran_attempt;
        mark_child(e, c);
        /* The restart policy judges the attempt as a failure. */
        engine_child_main_ended(e, c, c->stopping ? STEWARD_DECISION_STOP : STEWARD_DECISION_FAILURE, TRUE);
        engine_child_gone(e, c);
}

void
engine_child_come_to_rest(StewardEngine *e, Child *c)
{
        StewardEvent *ev;

        child_drop_release(c);

        switch (c->mode) {
        case MODE_STOPPED:
        case MODE_FAILED:
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                engine_ev_decision(ev, c->rest_decision);
                if (c->rest_decision == STEWARD_DECISION_STOP)
                        engine_ev_cmd(ev, &c->cmd);
                break;
        case MODE_PAUSED:
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_PAUSED, c);
                engine_ev_cmd(ev, &c->cmd);
                break;
        case MODE_QUARANTINED:
                /* child_quarantine_entered told at the command, and
                 * child_control_stop_completed when its incarnation went. */
                break;
        case MODE_AUTO:
                /* A sidecar stopped with its primary, back if it already is. */
                if (c->primary)
                        child_follow_primary(e, c);
                break;
        }
        mark_child(e, c);
}

/* The incarnation's scope is empty: the fence opens. */
void
engine_child_gone(StewardEngine *e, Child *c)
{
        Sup *s = c->node.parent;
        /* Leftover clean-up is only worth an event when a command waits on it. */
        gboolean stop_completed =
                c->stop_delivered && (c->stop_cause != STOP_LEFTOVER || c->restart_pending);
        gboolean restart_when_gone = c->restart_when_gone;
        StewardEvent *ev;

        c->inc = INC_NONE;
        c->restart_when_gone = FALSE;
        c->end_unjudged = FALSE;
        c->stopping = FALSE;
        c->stop_delivered = FALSE;
        c->aborted = FALSE;
        c->scope_empty = FALSE;
        engine_child_disarm(e, c);
        mark_child(e, c);
        if (stop_completed) {
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_CONTROL_STOP_COMPLETED, c);
                if (c->stop_cause == STOP_CONTROL || c->restart_pending)
                        engine_ev_cmd(ev, &c->cmd);
        }
        if (c->retiring) {
                /* Removed by a reload: its last incarnation is gone. */
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                engine_ev_decision(ev, STEWARD_DECISION_STOP);
                engine_ev_cmd(ev, &c->cmd);
                engine_child_forget(e, c);
                return;
        }

        if (engine_sup_covers(s, &c->node)) {
                /* A pending commanded restart is served by the strategy's
                 * restart, which starts it with the others. */
                if (s->job != JOB_RESTART) {
                        c->restart_pending = FALSE;
                        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                        engine_ev_decision(ev, STEWARD_DECISION_STOP);
                        if (e->shutting_down)
                                engine_ev_cmd(ev, &e->shutdown_cmd);
                }
                engine_sup_job_step(e, s);
                return;
        }
        if (c->restart_pending) {
                c->restart_pending = FALSE;
                engine_child_owe_release(c);
                if (!engine_child_primary_up(c))
                        return;
                (void) engine_child_spawn(e, c, c->pending_is_restart, &c->cmd);
                return;
        }
        if (c->mode == MODE_AUTO && c->backoff_after_gone && !e->shutting_down) {
                c->backoff_after_gone = FALSE;
                engine_child_arm(e, c, TIMER_BACKOFF, c->backoff_delay);
                c->next_restart_usec = c->timer.when;
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_BACKOFF_SCHEDULED, c);
                ev->delay_usec = c->backoff_delay;
                ev->next_usec = c->next_restart_usec;
                ev->fields |= STEWARD_EVENT_FIELD_DELAY;
                return;
        }
        /* Adopted on its way out for a reason the previous stewardd took
         * with it (a strategy restart, a shutdown it did not finish): a
         * supervised child comes back at once, as the strategy would have
         * brought it back. A supervisor about to start it does so itself. */
        if (restart_when_gone && c->mode == MODE_AUTO && engine_child_primary_up(c) &&
            engine_node_blocked(e, &c->node) == BLOCK_NONE) {
                c->restart_count++;
                (void) engine_child_spawn(e, c, TRUE, NULL);
                return;
        }
        engine_child_come_to_rest(e, c);
}

/* ---- deadlines ---- */

/* Start timeout or watchdog (expired, or WATCHDOG=trigger): a failure
 * whatever the exit, the incarnation stopped with KillSignal= or
 * WatchdogSignal=. */
void
engine_child_force_failure(StewardEngine *e, Child *c, gboolean start_timeout)
{
        StewardEvent *ev;

        ev = engine_emit_child(
                e, start_timeout ? STEWARD_EVENT_CHILD_START_TIMEOUT : STEWARD_EVENT_CHILD_WATCHDOG_EXPIRED,
                c);
        engine_ev_decision(ev, STEWARD_DECISION_FAILURE);
        c->forced_failure = TRUE;
        engine_child_request_stop(e, c, STOP_FORCED, start_timeout ? c->kill_signal : c->watchdog_signal);
        /* Failed before ready: no longer holds its siblings. */
        engine_sup_advance(e, c->node.parent);
}

/* A reload of the live incarnation begins: ReloadSignal= went (@cmd) or
 * the child said RELOADING=1 by itself (no command). */
void
engine_child_reload_begin(StewardEngine *e, Child *c, const Cmd *cmd)
{
        StewardEvent *ev;

        c->reloading = TRUE;
        c->reload_notified = FALSE;
        if (cmd && cmd->id)
                engine_cmd_copy(&c->reload_cmd, cmd);
        else
                engine_cmd_clear(&c->reload_cmd);
        /* As systemd times a reload: TimeoutStartSec=. */
        if (c->timeout_start_usec > 0) {
                guint64 delay = c->timeout_start_usec;
                guint64 when = G_MAXUINT64 - e->now > delay ? e->now + delay : G_MAXUINT64 - 1;

                steward_timers_arm(&e->timers, &c->reload_timer, when, TIMER_RELOAD);
        }
        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RELOADING, c);
        engine_ev_cmd(ev, &c->reload_cmd);
        mark_child(e, c);
}

/* The reload is over: @kind tells how (child_reloaded, child_reload_failed
 * with @d); _STEWARD_EVENT_KIND_MAX: silently, the child is forgotten. */
void
engine_child_reload_end(StewardEngine *e, Child *c, StewardEventKind kind, StewardDecision d)
{
        StewardEvent *ev;

        if (steward_timer_is_armed(&c->reload_timer))
                steward_timers_disarm(&e->timers, &c->reload_timer);
        if (!c->reloading)
                return;
        c->reloading = FALSE;
        c->reload_notified = FALSE;
        if (kind != _STEWARD_EVENT_KIND_MAX) {
                ev = engine_emit_child(e, kind, c);
                engine_ev_cmd(ev, &c->reload_cmd);
                if (d != STEWARD_DECISION_NONE)
                        engine_ev_decision(ev, d);
        }
        engine_cmd_clear(&c->reload_cmd);
        mark_child(e, c);
}

void
engine_child_timer_fired(StewardEngine *e, Child *c)
{
        StewardEvent *ev;

        switch ((TimerKind) c->timer.kind) {
        case TIMER_BACKOFF:
                c->next_restart_usec = 0;
                mark_child(e, c);
                if (c->mode != MODE_AUTO || c->inc != INC_NONE || !engine_child_primary_up(c) ||
                    engine_node_blocked(e, &c->node) != BLOCK_NONE)
                        break;
                c->restart_count++;
                (void) engine_child_spawn(e, c, TRUE, NULL);
                break;
        case TIMER_START:
        case TIMER_WATCHDOG:
                engine_child_force_failure(e, c, c->timer.kind == TIMER_START);
                break;
        case TIMER_STOP:
                c->aborted = TRUE;
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED, c);
                if (c->restart_pending || c->stop_cause == STOP_CONTROL)
                        engine_ev_cmd(ev, &c->cmd);
                engine_push_incarnation_action(e, STEWARD_ACTION_KILL, c, SIGKILL);
                mark_child(e, c);
                break;
        case TIMER_SUP_RESTART:
        case TIMER_SHUTDOWN_HAND_OVER:
        case TIMER_SHUTDOWN:
        case TIMER_SHUTDOWN_KILL_GRACE:
        case TIMER_PROBE_INTERVAL:
        case TIMER_PROBE_TIMEOUT:
        case TIMER_HEARTBEAT:
        case TIMER_RELOAD:
                g_assert_not_reached();
        }
}

guint64
steward_child_fence_wait_usec(const StewardChildInfo *info, guint64 now)
{
        guint64 total = info->fence_wait_usec;

        if (info->fence_waiting && now > info->fence_wait_since)
                total += now - info->fence_wait_since;
        return total;
}
