/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-supervisor.c: supervisors: start order, jobs, strategies, intensity, escalation, shutdown. */
#include "config.h"

#include <signal.h>

#include "engine-private.h"

static void sup_member_failed(StewardEngine *e, Sup *p, Sup *t);

/* ---- restart windows ---- */

/* Records a restart at @now and says whether there were more than
 * @intensity within @period (OTP's MaxR/MaxT check). */
gboolean
engine_window_exceeded(Window *w, guint intensity, guint64 period, guint64 now)
{
        guint drop = 0;

        if (!w->t)
                w->t = g_array_new(FALSE, FALSE, sizeof(guint64));
        while (drop < w->t->len && g_array_index(w->t, guint64, drop) + period <= now)
                drop++;
        if (drop > 0)
                g_array_remove_range(w->t, 0, drop);
        g_array_append_val(w->t, now);
        w->serial++;
        /* Bounded: once exceeded, the owner fails and resets the window. */
        if (w->t->len > (guint64) intensity + 1)
                g_array_remove_index(w->t, 0);
        return w->t->len > intensity;
}

void
engine_window_reset(Window *w)
{
        if (w->t && w->t->len > 0)
                w->serial++;
        g_clear_pointer(&w->t, g_array_unref);
}

void
steward_restart_budget(guint burst, guint64 interval_usec, const guint64 *window, guint n_window,
                       guint64 now, guint *used, guint *remaining, guint64 *expiry_usec)
{
        guint first = 0;

        /* The same test as engine_window_exceeded(): a restart at t counts
         * while t + period > now. */
        while (first < n_window && window[first] + interval_usec <= now)
                first++;
        if (used)
                *used = n_window - first;
        if (remaining)
                *remaining = n_window - first >= burst ? 0 : burst - (n_window - first);
        if (expiry_usec)
                *expiry_usec = first < n_window ? window[first] + interval_usec : 0;
}

/* ---- supervisors ---- */

/* What the supervisors above allow for @n; O(depth). */
Block
engine_node_blocked(StewardEngine *e, Node *n)
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
                else if ((a->job == JOB_RESTART || engine_sup_restart_scheduled(a)) && covered)
                        b = MAX(b, BLOCK_PENDING);
                else if (a->down && b < BLOCK_PENDING)
                        b = BLOCK_SUPERVISOR;
        }
        return b;
}

gboolean
engine_sup_covers(Sup *s, Node *n)
{
        return s->job != JOB_NONE && n->index >= s->low;
}

gboolean
engine_sup_count_restart(StewardEngine *e, Sup *s)
{
        s->restart_count++;
        mark_sup(e, s); /* RestartCount and the budget */
        return engine_window_exceeded(&s->window, s->intensity, s->period_usec, e->now);
}

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
                return !t->down && t->job == JOB_NONE && !engine_sup_restart_scheduled(t) &&
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
        engine_cmd_clear(&s->start_cmd);
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
                engine_child_disarm_kind(e, c, TIMER_BACKOFF);
                if (s->job != JOB_RESTART)
                        c->restart_pending = FALSE;
                engine_child_request_stop(e, c, STOP_JOB, c->kill_signal);
                mark_child(e, c);
                return;
        }
        if (t->job == JOB_STOP || member_down(m))
                return;
        sup_start_stop_job(e, t, JOB_STOP);
        engine_sup_job_step(e, t);
}

/* Marks @s's members from @from on (recursively) to be started by the
 * cursor; nested supervisors start afresh, as a restarted OTP supervisor. */
void
engine_sup_mark_queued(StewardEngine *e, Sup *s, guint from, guint64 next_restart)
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
                        engine_window_reset(&t->window);
                        engine_sup_mark_queued(e, t, 0, next_restart);
                        mark_sup(e, t);
                }
        }
}

/* The command a start sequence of @s runs under (ResumeSupervisor of it
 * or of a supervisor above), NULL when none. O(depth). */
static const Cmd *
sup_start_cmd(Sup *s)
{
        for (; s; s = s->node.parent)
                if (s->start_cmd.id)
                        return &s->start_cmd;
        return NULL;
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
                        engine_sup_mark_queued(e, t, 0, 0);
                t->down = FALSE;
                mark_sup(e, t);
                engine_sup_advance(e, t);
                return TRUE;
        }
        if (!c->queued)
                return FALSE;
        c->queued = FALSE;
        c->next_restart_usec = 0;
        mark_child(e, c);
        if (c->mode != MODE_AUTO || c->inc != INC_NONE || !engine_child_primary_up(c))
                return FALSE;
        if (c->restart_pending) {
                c->restart_pending = FALSE;
                engine_child_owe_release(c);
                return engine_child_spawn(e, c, TRUE, &c->cmd);
        }
        if (c->ever_started)
                c->restart_count++;
        return engine_child_spawn(e, c, c->ever_started, sup_start_cmd(c->node.parent));
}

static void
sup_started(StewardEngine *e, Sup *s)
{
        engine_cmd_clear(&s->start_cmd);
        if (!s->node.parent) {
                if (e->tree_state == STEWARD_TREE_STATE_STARTING)
                        e->tree_state = STEWARD_TREE_STATE_RUNNING;
                return;
        }
        engine_sup_advance(e, s->node.parent);
}

/* Moves the start cursor as far as no member holds it. O(1) when there is
 * nothing to start, so every report may call it. */
void
engine_sup_advance(StewardEngine *e, Sup *s)
{
        guint n = s->members->len;

        if (e->shutting_down || s->down || s->advancing || s->job != JOB_NONE ||
            engine_sup_restart_scheduled(s) || s->cursor >= n)
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

void
engine_sup_restart_members(StewardEngine *e, Sup *s)
{
        engine_cmd_clear(&s->start_cmd);
        engine_sup_mark_queued(e, s, s->low, 0);
        /* A member a reload added before the restarted range starts too. */
        s->cursor = MIN(s->low, s->rewind);
        s->rewind = G_MAXUINT;
        mark_sup(e, s);
        engine_sup_advance(e, s);
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
        ev = engine_emit_sup(e, STEWARD_EVENT_TREE_SHUTDOWN_COMPLETED, e->root);
        engine_ev_decision(ev, how);
        engine_ev_cmd(ev, &e->shutdown_cmd);
        a = engine_push_action(e, STEWARD_ACTION_EXIT);
        a->exit_code = e->exit_code;
}

void
engine_sup_quarantine(StewardEngine *e, Sup *s, gboolean on)
{
        for (guint i = 0; i < s->members->len; i++) {
                Node *m = member(s, i);
                Child *c = as_child(m);
                Sup *t = as_sup(m);

                if (c) {
                        c->quarantined = !!on;
                        if (on && c->mode == MODE_AUTO)
                                (void) engine_emit_child(e, STEWARD_EVENT_CHILD_QUARANTINED, c);
                        mark_child(e, c);
                } else if (!t->quarantined) {
                        engine_sup_quarantine(e, t, on);
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
                engine_sup_quarantine(e, s, TRUE);
                if (p)
                        engine_sup_advance(e, p);
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
                        engine_sup_mark_queued(e, s, s->low, s->timer.when);
                } else {
                        engine_sup_restart_members(e, s);
                }
                break;
        case JOB_FAIL:
                sup_escalate(e, s);
                break;
        case JOB_STOP:
                s->down = TRUE;
                if (!s->node.parent) {
                        if (e->shutting_down)
                                tree_finish(e, e->shutdown_timed_out ? STEWARD_DECISION_TIMEOUT
                                                                     : STEWARD_DECISION_CLEAN);
                } else {
                        engine_sup_job_step(e, s->node.parent);
                }
                break;
        case JOB_NONE:
                break;
        }
}

/* Stops the job's members in reverse order, one at a time, each waited for
 * until down; re-entered whenever one of them goes down. */
void
engine_sup_job_step(StewardEngine *e, Sup *s)
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
void
engine_sup_begin_restart(StewardEngine *e, Sup *s, Node *trigger, guint64 delay)
{
        guint low = s->strategy == STEWARD_STRATEGY_ONE_FOR_ALL ? 0 : trigger->index;
        guint covered = s->job == JOB_RESTART || engine_sup_restart_scheduled(s) ? s->low : s->members->len;
        StewardEvent *ev;

        if (s->job == JOB_FAIL || s->job == JOB_STOP)
                return;
        if (s->job == JOB_RESTART) {
                /* rest-for-one: an earlier member failed too; widen. */
                s->low = MIN(s->low, low);
                s->restart_delay = MAX(s->restart_delay, delay);
        } else {
                if (engine_sup_restart_scheduled(s)) {
                        low = MIN(low, s->low);
                        steward_timers_disarm(&e->timers, &s->timer);
                }
                s->job = JOB_RESTART;
                s->low = low;
                s->stop_cursor = s->members->len;
                s->restart_delay = delay;
        }
        ev = engine_emit_sup(e, STEWARD_EVENT_SUPERVISOR_RESTARTING, s);
        ev->child = trigger->name;
        ev->fields |= STEWARD_EVENT_FIELD_CHILD;
        engine_ev_decision(ev, s->strategy == STEWARD_STRATEGY_ONE_FOR_ALL ? STEWARD_DECISION_ONE_FOR_ALL
                                                                           : STEWARD_DECISION_REST_FOR_ONE);
        if (delay > 0) {
                ev->delay_usec = delay;
                ev->fields |= STEWARD_EVENT_FIELD_DELAY;
        }
        /* A member the job now covers whose commanded restart is pending
         * is started once, by the strategy, under that command: the
         * strategy's own restart of it gives way (once per member). */
        for (guint i = s->low; i < covered; i++) {
                Child *c = as_child(member(s, i));

                if (c && c->restart_pending)
                        engine_emit_policy_conflict(e, c, &c->cmd);
        }
        mark_sup(e, s);
        engine_sup_job_step(e, s);
}

/* Intensity exceeded: stop every member in reverse order, then escalate. */
void
engine_sup_fail(StewardEngine *e, Sup *s, Node *trigger)
{
        StewardEvent *ev;
        static const StewardDecision esc[] = {
                [STEWARD_ESCALATION_PARENT] = STEWARD_DECISION_ESCALATE_PARENT,
                [STEWARD_ESCALATION_SHUTDOWN] = STEWARD_DECISION_ESCALATE_SHUTDOWN,
                [STEWARD_ESCALATION_QUARANTINE] = STEWARD_DECISION_ESCALATE_QUARANTINE,
        };

        if (s->job == JOB_FAIL || s->job == JOB_STOP)
                return;
        ev = engine_emit_sup(e, STEWARD_EVENT_SUPERVISOR_INTENSITY_EXCEEDED, s);
        if (trigger) {
                ev->child = trigger->name;
                ev->fields |= STEWARD_EVENT_FIELD_CHILD;
        }
        engine_ev_decision(ev, esc[s->escalation]);
        sup_start_stop_job(e, s, JOB_FAIL);
        engine_sup_job_step(e, s);
}

/* Escalation=parent: @p treats its failed member @t like a failed child. */
static void
sup_member_failed(StewardEngine *e, Sup *p, Sup *t)
{
        StewardEvent *ev;

        if (engine_sup_covers(p, &t->node)) {
                engine_sup_job_step(e, p);
                return;
        }
        if (engine_sup_count_restart(e, p)) {
                engine_sup_fail(e, p, &t->node);
                return;
        }
        if (p->strategy != STEWARD_STRATEGY_ONE_FOR_ONE) {
                engine_sup_begin_restart(e, p, &t->node, 0);
                return;
        }
        ev = engine_emit_sup(e, STEWARD_EVENT_SUPERVISOR_RESTARTING, t);
        engine_ev_decision(ev, STEWARD_DECISION_ONE_FOR_ONE);
        engine_window_reset(&t->window);
        engine_sup_mark_queued(e, t, 0, 0);
        t->cursor = 0;
        t->down = FALSE;
        mark_sup(e, t);
        engine_sup_advance(e, t);
}

void
engine_begin_shutdown(StewardEngine *e, int exit_code, const Cmd *cmd, Sup *cause)
{
        StewardEvent *ev;

        if (e->shutting_down)
                return;
        e->shutting_down = TRUE;
        if (cmd)
                engine_cmd_copy(&e->shutdown_cmd, cmd);
        e->exit_code = exit_code;
        e->tree_state = STEWARD_TREE_STATE_STOPPING;
        ev = engine_emit_sup(e, STEWARD_EVENT_TREE_SHUTDOWN_STARTED, cause ? cause : e->root);
        engine_ev_cmd(ev, cmd);
        if (cause)
                engine_ev_decision(ev, STEWARD_DECISION_ESCALATE_SHUTDOWN);
        /* One shared deadline. The reverse walk may wait for each member
         * until half of it is used up; then whoever has not had its stop
         * gets it, so every incarnation has at least the other half to
         * stop gracefully before the stragglers are killed. */
        if (e->shutdown_timeout_usec > 0) {
                e->shutdown_deadline = e->now + e->shutdown_timeout_usec;
                steward_timers_arm(&e->timers, &e->shutdown_timer, e->now + e->shutdown_timeout_usec / 2,
                                   TIMER_SHUTDOWN_HAND_OVER);
        }
        sup_start_stop_job(e, e->root, JOB_STOP);
        engine_sup_job_step(e, e->root);
}

/* The hand-over point: asks every incarnation of @s's subtree that was not
 * asked yet to stop, in reverse order, and turns every nested supervisor
 * still up into a stop job. The jobs' walks still wait for each member to
 * be gone before they move their cursors; they just no longer hold back
 * anybody's stop signal. */
static void
shutdown_hand_over(StewardEngine *e, Sup *s)
{
        for (guint i = s->members->len; i-- > 0;) {
                Node *m = member(s, i);
                Sup *t = as_sup(m);

                if (!t) {
                        member_stop(e, s, m);
                        continue;
                }
                if (member_down(m))
                        continue;
                if (t->job != JOB_STOP)
                        sup_start_stop_job(e, t, JOB_STOP);
                shutdown_hand_over(e, t);
                /* Done at once when everything under it is down already. */
                engine_sup_job_step(e, t);
        }
}

/* ShutdownTimeoutSec= passed: SIGKILL whatever is left. The shutdown ends
 * when their scopes are empty, as any shutdown does, so that each end is
 * recorded; SHUTDOWN_KILL_GRACE_USEC bounds that wait. A one-off walk over
 * all children is fine here: it happens once, at the end. */
static void
shutdown_kill_stragglers(StewardEngine *e)
{
        gboolean waiting = FALSE;

        e->shutdown_timed_out = TRUE;
        e->exit_code = 1;
        for (guint i = e->children->len; i-- > 0;) {
                Child *c = g_ptr_array_index(e->children, i);
                StewardEvent *ev;

                if (c->inc == INC_NONE)
                        continue;
                waiting = TRUE;
                if (c->scope_empty)
                        continue;
                if (!c->stopping) {
                        c->stopping = TRUE;
                        c->stop_cause = STOP_JOB;
                        c->stop_signal = c->kill_signal;
                }
                c->aborted = TRUE;
                engine_child_disarm(e, c);
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED, c);
                engine_ev_decision(ev, STEWARD_DECISION_TIMEOUT);
                engine_push_incarnation_action(e, STEWARD_ACTION_KILL, c, SIGKILL);
                mark_child(e, c);
        }
        if (!waiting) {
                tree_finish(e, STEWARD_DECISION_TIMEOUT);
                return;
        }
        steward_timers_arm(&e->timers, &e->shutdown_timer, e->now + SHUTDOWN_KILL_GRACE_USEC,
                           TIMER_SHUTDOWN_KILL_GRACE);
}

/* The killed incarnations did not all report in time (a process stuck in
 * the kernel, a backend that lost them): stewardd exits without waiting
 * longer, and records the end of those whose main process was never
 * reported, with an unknown exit status. */
static void
shutdown_give_up(StewardEngine *e)
{
        for (guint i = e->children->len; i-- > 0;) {
                Child *c = g_ptr_array_index(e->children, i);
                StewardEvent *ev;

                /* Adopted after its main process ended unwatched: the end
                 * was to be judged when the scope emptied, which is no
                 * longer waited for. */
                if (c->inc == INC_EXITED && c->end_unjudged) {
                        engine_child_record_adopted_end(e, c);
                        continue;
                }
                if (c->inc != INC_SPAWNING && c->inc != INC_UP)
                        continue;
                c->last_exit_code = STEWARD_EXIT_CODE_UNKNOWN;
                c->last_exit_status = 0;
                c->last_exit_cause = STEWARD_EXIT_CAUSE_NONE;
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_EXITED, c);
                ev->exit_code = STEWARD_EXIT_CODE_UNKNOWN;
                ev->exit_status = 0;
                ev->fields |= STEWARD_EVENT_FIELD_EXIT;
                engine_ev_decision(ev, engine_child_verdict(c, STEWARD_EXIT_CODE_UNKNOWN, 0));
                if (c->stopping)
                        engine_ev_cmd(ev, engine_child_stop_cmd(e, c));
                c->inc = INC_EXITED;
                c->ready = FALSE;
                c->main_pid = 0;
                mark_child(e, c);
        }
        tree_finish(e, STEWARD_DECISION_TIMEOUT);
}

void
engine_shutdown_timer_fired(StewardEngine *e)
{
        switch ((TimerKind) e->shutdown_timer.kind) {
        case TIMER_SHUTDOWN_HAND_OVER:
                steward_timers_arm(&e->timers, &e->shutdown_timer, e->shutdown_deadline, TIMER_SHUTDOWN);
                shutdown_hand_over(e, e->root);
                break;
        case TIMER_SHUTDOWN:
                shutdown_kill_stragglers(e);
                break;
        case TIMER_SHUTDOWN_KILL_GRACE:
                shutdown_give_up(e);
                break;
        default:
                g_assert_not_reached();
        }
}
