/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-command.c: the operator commands (steward_engine_command()) and the restart fence they enter. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "engine-private.h"

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

/* A command merged into the pending one: recorded under the pending
 * command's id, with the count so far. The merged command's own id is
 * recorded by command_completed (steward_engine_command()). */
static void
child_merged(StewardEngine *e, Child *c, StewardCommandOutcome *o)
{
        StewardEvent *ev;

        o->merged = ++c->merged;
        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESTART_CONFLICT, c);
        engine_ev_cmd(ev, &c->cmd);
        engine_ev_decision(ev, STEWARD_DECISION_ALREADY_PENDING);
        ev->merged = c->merged;
        ev->fields |= STEWARD_EVENT_FIELD_MERGED;
}

/* A commanded (re)start is a fresh start: the budget and the backoff
 * begin anew, as after systemctl reset-failed. */
static void
child_fresh_start(StewardEngine *e, Child *c, gboolean restart, const StewardCommand *cmd,
                  StewardCommandOutcome *o)
{
        c->failures = 0;
        engine_window_reset(&c->budget);
        c->mode = MODE_AUTO;
        c->queued = FALSE;
        engine_cmd_set(&c->cmd, cmd);
        (void) engine_child_spawn(e, c, restart, &c->cmd);
        o->target_generation = c->generation;
}

/* Queues a start behind the stop of the live incarnation (the fence). */
void
engine_child_queue_after_stop(Child *c, gboolean restart, const StewardCommand *cmd,
                              StewardCommandOutcome *o)
{
        c->restart_pending = TRUE;
        c->pending_is_restart = !!restart;
        c->merged = 0;
        c->mode = MODE_AUTO;
        c->backoff_after_gone = FALSE;
        engine_cmd_set(&c->cmd, cmd);
        o->target_generation = engine_child_next_generation(c);
}

/* A quarantined child takes no command but resume (and quarantine again):
 * the operator lifts a quarantine deliberately, as with ResumeSupervisor. */
static gboolean
child_refuses(StewardEngine *e, Child *c, StewardCommandOutcome *o)
{
        if (c->mode != MODE_QUARANTINED)
                return FALSE;
        o->decision = e->shutting_down ? STEWARD_DECISION_BLOCKED_BY_SHUTDOWN
                                       : STEWARD_DECISION_BLOCKED_BY_QUARANTINE;
        return TRUE;
}

static void
command_start(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = engine_node_blocked(e, &c->node);

        if (child_refuses(e, c, o))
                return;
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
                        o->target_generation = engine_child_next_generation(c);
                        if (c->restart_pending)
                                child_merged(e, c, o);
                } else {
                        engine_child_queue_after_stop(c, FALSE, cmd, o);
                        o->decision = STEWARD_DECISION_QUEUED_AFTER_STOP;
                }
                return;
        }
        if (c->mode == MODE_AUTO && (c->queued || steward_timer_is_armed(&c->timer))) {
                o->decision = STEWARD_DECISION_ALREADY_PENDING;
                o->idempotent = TRUE;
                o->target_generation = c->ever_started ? engine_child_next_generation(c) : 0;
                return;
        }
        if (!engine_child_primary_up(c)) {
                o->idempotent = c->mode == MODE_AUTO;
                c->mode = MODE_AUTO;
                o->decision = STEWARD_DECISION_WAITING_FOR_PRIMARY;
                return;
        }
        child_fresh_start(e, c, FALSE, cmd, o);
        o->decision = STEWARD_DECISION_STARTED_IMMEDIATELY;
}

/* A restart of the live incarnation under @cmd: the next one starts once
 * it is gone (the fence). Also how live restore restarts an adopted child
 * whose configuration changed while stewardd was down. */
void
engine_child_restart_fenced(StewardEngine *e, Child *c, const Cmd *cmd, StewardCommandOutcome *o)
{
        gboolean was_stopping = c->stopping;
        StewardEvent *ev;

        if (c->mode == MODE_AUTO && c->backoff_after_gone)
                engine_emit_policy_conflict(e, c, cmd); /* the policy's own restart gives way */
        c->restart_pending = TRUE;
        c->pending_is_restart = TRUE;
        c->merged = 0;
        c->mode = MODE_AUTO;
        c->backoff_after_gone = FALSE;
        engine_cmd_copy(&c->cmd, cmd);
        o->target_generation = engine_child_next_generation(c);
        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED, c);
        c->fence_waits++;
        if (!c->fence_timing) {
                c->fence_timing = TRUE;
                c->fence_since = e->now;
        }
        engine_ev_cmd(ev, &c->cmd);
        engine_ev_decision(ev, STEWARD_DECISION_QUEUED_AFTER_STOP);
        ev->target_generation = o->target_generation;
        ev->fields |= STEWARD_EVENT_FIELD_TARGET_GENERATION;
        if (!was_stopping) {
                engine_child_request_stop(e, c, STOP_CONTROL, c->kill_signal);
                o->cancel_delivered = c->stop_delivered;
        }
        o->decision = STEWARD_DECISION_QUEUED_AFTER_STOP;
        mark_child(e, c);
}

void
engine_command_restart(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = engine_node_blocked(e, &c->node);

        if (child_refuses(e, c, o))
                return;
        if (b != BLOCK_NONE) {
                o->decision = block_decision(b);
                if (b == BLOCK_PENDING) {
                        o->idempotent = TRUE;
                        c->mode = MODE_AUTO;
                }
                return;
        }
        if (c->inc != INC_NONE) {
                Cmd tmp = { 0 };

                if (c->restart_pending) {
                        o->decision = STEWARD_DECISION_ALREADY_PENDING;
                        o->idempotent = TRUE;
                        o->target_generation = engine_child_next_generation(c);
                        child_merged(e, c, o);
                        return;
                }
                engine_cmd_set(&tmp, cmd);
                engine_child_restart_fenced(e, c, &tmp, o);
                engine_cmd_clear(&tmp);
                return;
        }
        if (c->queued) {
                o->decision = STEWARD_DECISION_ALREADY_PENDING;
                o->idempotent = TRUE;
                return;
        }
        if (!engine_child_primary_up(c)) {
                c->mode = MODE_AUTO;
                o->decision = STEWARD_DECISION_WAITING_FOR_PRIMARY;
                return;
        }
        if (steward_timer_is_armed(&c->timer) && c->timer.kind == TIMER_BACKOFF) {
                Cmd tmp = { 0 };

                engine_cmd_set(&tmp, cmd);
                engine_emit_policy_conflict(e, c, &tmp);
                engine_cmd_clear(&tmp);
        }
        child_fresh_start(e, c, c->ever_started, cmd, o);
        o->decision = STEWARD_DECISION_STARTED_IMMEDIATELY;
}

/* Stop and pause differ only in the mode they leave behind. */
static void
command_stop(StewardEngine *e, Child *c, ChildMode mode, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        gboolean pause = mode == MODE_PAUSED;

        if (child_refuses(e, c, o))
                return;
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
                engine_cmd_set(&c->cmd, cmd);
                if (!c->stopping) {
                        engine_child_request_stop(e, c, STOP_CONTROL, c->kill_signal);
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
        engine_child_disarm(e, c);
        engine_cmd_set(&c->cmd, cmd);
        engine_child_come_to_rest(e, c);
        o->decision = pause ? STEWARD_DECISION_PAUSED : STEWARD_DECISION_STOPPED_IMMEDIATELY;
}

static void
command_resume(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = engine_node_blocked(e, &c->node);
        StewardEvent *ev;

        if (b != BLOCK_NONE && b != BLOCK_PENDING) {
                o->decision = block_decision(b);
                return;
        }
        if (c->mode != MODE_PAUSED && c->mode != MODE_QUARANTINED) {
                o->decision = STEWARD_DECISION_NOT_PAUSED;
                o->idempotent = TRUE;
                return;
        }
        o->decision = STEWARD_DECISION_RESUMED;
        c->mode = MODE_AUTO;
        engine_cmd_set(&c->cmd, cmd);
        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_RESUMED, c);
        engine_ev_cmd(ev, &c->cmd);
        mark_child(e, c);
        if (b == BLOCK_PENDING)
                return;
        if (c->inc != INC_NONE)
                engine_child_queue_after_stop(c, FALSE, cmd, o);
        else if (engine_child_primary_up(c))
                child_fresh_start(e, c, FALSE, cmd, o);
}

/* QuarantineChild: a stop through the fence that only ResumeChild undoes.
 * The quarantine holds from the command on (child_quarantine_entered), so
 * nothing restarts the child while its last incarnation goes. */
static void
command_quarantine(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        StewardEvent *ev;

        if (e->shutting_down) {
                o->decision = STEWARD_DECISION_BLOCKED_BY_SHUTDOWN;
                return;
        }
        if (c->mode == MODE_QUARANTINED) {
                o->decision = STEWARD_DECISION_ALREADY_QUARANTINED;
                o->idempotent = TRUE;
                return;
        }
        /* Supersedes a pending (re)start, a backoff and a queued start. */
        c->restart_pending = FALSE;
        c->backoff_after_gone = FALSE;
        c->queued = FALSE;
        c->mode = MODE_QUARANTINED;
        c->rest_decision = STEWARD_DECISION_STOP;
        engine_cmd_set(&c->cmd, cmd);
        o->decision = STEWARD_DECISION_QUARANTINED;
        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_QUARANTINE_ENTERED, c);
        engine_ev_cmd(ev, &c->cmd);
        engine_ev_decision(ev, o->decision);
        if (c->inc == INC_NONE) {
                engine_child_disarm(e, c);
        } else if (!c->stopping) {
                engine_child_request_stop(e, c, STOP_CONTROL, c->kill_signal);
                o->cancel_delivered = c->stop_delivered;
        } else if (c->stop_cause != STOP_JOB) {
                c->stop_cause = STOP_CONTROL;
        }
        mark_child(e, c);
        /* A Type=notify child not ready yet no longer holds its siblings. */
        engine_sup_advance(e, c->node.parent);
}

static void
command_resume_supervisor(StewardEngine *e, Sup *s, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Block b = engine_node_blocked(e, &s->node);
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
        engine_sup_quarantine(e, s, FALSE);
        engine_cmd_set(&tmp, cmd);
        ev = engine_emit_sup(e, STEWARD_EVENT_SUPERVISOR_RESTARTING, s);
        engine_ev_cmd(ev, &tmp);
        engine_ev_decision(ev, STEWARD_DECISION_RESUMED);
        engine_cmd_clear(&tmp);
        engine_window_reset(&s->window);
        mark_sup(e, s);
        o->decision = STEWARD_DECISION_RESUMED;
        if (b != BLOCK_NONE)
                return; /* the supervisor above starts it when it starts again */
        s->cursor = 0;
        engine_sup_mark_queued(e, s, 0, 0);
        s->down = FALSE;
        /* Every start this brings carries the command's id. */
        engine_cmd_set(&s->start_cmd, cmd);
        engine_sup_advance(e, s);
}

/* Does an event emitted since @from carry @id? */
static gboolean
command_recorded(StewardEngine *e, guint from, const char *id)
{
        for (guint i = from; i < e->out->len; i++) {
                const StewardAction *a = &g_array_index(e->out, StewardAction, i);

                if (a->type == STEWARD_ACTION_EVENT && a->event.command_id &&
                    g_str_equal(a->event.command_id, id))
                        return TRUE;
        }
        return FALSE;
}

/* Every command id a method returns is in the journal: a command no other
 * event records (a repeat, a refusal, a merge) gets command_completed, with
 * its decision and reason. */
static void
command_record(StewardEngine *e, guint from, Child *c, Sup *s, const StewardCommand *cmd,
               const StewardCommandOutcome *o)
{
        StewardEvent *ev;
        Cmd tmp = { 0 };

        if (!cmd->command_id || command_recorded(e, from, cmd->command_id))
                return;
        ev = c ? engine_emit_child(e, STEWARD_EVENT_COMMAND_COMPLETED, c)
               : engine_emit_sup(e, STEWARD_EVENT_COMMAND_COMPLETED, s ? s : e->root);
        engine_cmd_set(&tmp, cmd);
        engine_ev_cmd(ev, &tmp);
        engine_cmd_clear(&tmp);
        engine_ev_decision(ev, o->decision);
}

/* ReloadChild (see steward-engine.h). */
static void
command_reload(StewardEngine *e, Child *c, const StewardCommand *cmd, StewardCommandOutcome *o)
{
        Cmd tmp = { 0 };

        if (child_refuses(e, c, o))
                return;
        if (c->inc != INC_UP || c->stopping || c->notified_stopping || !c->ready) {
                o->decision = STEWARD_DECISION_NOT_RUNNING;
                return;
        }
        if (c->reloading) {
                o->decision = STEWARD_DECISION_ALREADY_RELOADING;
                o->idempotent = TRUE;
                return;
        }
        engine_push_incarnation_action(e, STEWARD_ACTION_SIGNAL, c, c->reload_signal);
        engine_cmd_set(&tmp, cmd);
        engine_child_reload_begin(e, c, &tmp);
        /* Nothing to wait for from a child that cannot say it is done. */
        if (c->type != STEWARD_CHILD_NOTIFY)
                engine_child_reload_end(e, c, STEWARD_EVENT_CHILD_RELOADED, STEWARD_DECISION_NONE);
        engine_cmd_clear(&tmp);
        o->decision = STEWARD_DECISION_RELOAD_REQUESTED;
}

gboolean
steward_engine_command(StewardEngine *e, const StewardCommand *cmd, guint64 now, GArray *out,
                       StewardCommandOutcome *o, GError **error)
{
        Child *c = NULL;
        Sup *s = NULL;
        guint from;

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
        from = out->len;
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
                engine_command_restart(e, c, cmd, o);
                break;
        case STEWARD_COMMAND_RESUME:
                command_resume(e, c, cmd, o);
                break;
        case STEWARD_COMMAND_QUARANTINE:
                command_quarantine(e, c, cmd, o);
                break;
        case STEWARD_COMMAND_RESUME_SUPERVISOR:
                command_resume_supervisor(e, s, cmd, o);
                break;
        case STEWARD_COMMAND_RELOAD:
                command_reload(e, c, cmd, o);
                break;
        case STEWARD_COMMAND_SHUTDOWN:
                if (e->shutting_down) {
                        o->decision = STEWARD_DECISION_ALREADY_SHUTTING_DOWN;
                        o->idempotent = TRUE;
                } else {
                        Cmd tmp = { 0 };

                        engine_cmd_set(&tmp, cmd);
                        engine_begin_shutdown(e, 0, &tmp, NULL);
                        engine_cmd_clear(&tmp);
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
                o->generation = engine_child_shown_generation(c);
                o->attempt = engine_child_shown_attempt(c);
                o->state = engine_child_state(c);
                if (c->restart_pending && o->merged == 0)
                        o->merged = c->merged;
        }
        if (s)
                o->supervisor_state = engine_sup_state(s);
        o->tree_state = e->tree_state;
        command_record(e, from, c, s, cmd, o);
        engine_end(e);
        return TRUE;
}
