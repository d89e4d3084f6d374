/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-adopt.c: live restore: taking over the incarnations and operator state a previous stewardd left. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "engine-private.h"

/* Adoption describes the world as the engine finds it before it acts, so
 * it is refused once anything may have been started. */
static gboolean
restore_allowed(StewardEngine *e, const char *name, GError **error)
{
        if (!e->started && !e->shutting_down)
                return TRUE;
        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                    _("Cannot restore '%s': the tree has already started"), name ? name : "");
        return FALSE;
}

static Child *
restore_target(StewardEngine *e, const char *child, GError **error)
{
        Child *c = child ? g_hash_table_lookup(e->child_by_name, child) : NULL;

        if (!restore_allowed(e, child, error))
                return NULL;
        if (!c) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, _("No child '%s'"),
                            child ? child : "");
                return NULL;
        }
        return c;
}

gboolean
steward_engine_adopt_child(StewardEngine *e, const char *child, const StewardAdoption *a, guint64 now,
                           GArray *out, GError **error)
{
        Child *c;

        g_return_val_if_fail(e && a && out, FALSE);

        if (!(c = restore_target(e, child, error)))
                return FALSE;
        if (c->inc != INC_NONE) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            _("Child '%s' has been adopted already"), child);
                return FALSE;
        }
        /* Its successor needs a generation of its own. */
        if (a->generation == G_MAXUINT64) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            _("Generation %" PRIu64 " of '%s' is out of range"), a->generation, child);
                return FALSE;
        }

        engine_begin(e, now, out);
        c->ever_started = TRUE;
        c->generation = a->generation;
        c->attempt = a->attempt > 0 ? a->attempt : a->generation + 1;
        c->inc = a->main_pid > 0 ? INC_UP : INC_EXITED;
        c->main_pid = a->main_pid;
        /* What the previous stewardd showed; only an incarnation that is
         * up and not on its way out acts on it. */
        c->ready = a->main_pid > 0 && (c->type == STEWARD_CHILD_SIMPLE || a->ready);
        c->up_since = G_MAXUINT64;
        c->restart_count = a->restart_count;
        c->failures = a->backoff_failures;
        c->end_unjudged = a->main_pid == 0;
        c->unjudged_verdict = a->stopping ? STEWARD_DECISION_STOP : STEWARD_DECISION_FAILURE;
        c->restart_when_gone = a->stopping && !a->pending_command_id;
        c->changed_while_down = a->fingerprint && !g_str_equal(a->fingerprint, c->fingerprint);

        if (a->pending_command_id) {
                c->restart_pending = TRUE;
                c->pending_is_restart = TRUE;
                c->merged = 0;
                engine_cmd_clear(&c->cmd);
                c->cmd.id = g_strdup(a->pending_command_id);
                c->cmd.reason = g_strdup(a->pending_reason);
        }
        if (a->stopping || a->pending_command_id || a->main_pid == 0) {
                /* On its way out. What is left of a main process that ended
                 * unwatched, and a stop the fence needs but that had not been
                 * delivered, are stopped by steward_engine_start(). */
                c->stopping = TRUE;
                c->stop_signal = c->kill_signal;
                c->stop_cause = a->pending_command_id ? STOP_CONTROL
                                : a->stopping         ? STOP_ADOPTED
                                                      : STOP_LEFTOVER;
                if (a->stopping) {
                        c->stop_delivered = TRUE;
                        c->stop_unconfirmed = TRUE;
                        if (c->timeout_stop_usec > 0)
                                engine_child_arm(e, c, TIMER_STOP, c->timeout_stop_usec);
                }
        } else if (c->type == STEWARD_CHILD_NOTIFY && !a->ready) {
                c->ready = FALSE;
                if (c->timeout_start_usec > 0)
                        engine_child_arm(e, c, TIMER_START, c->timeout_start_usec);
        } else {
                /* Up; a full watchdog interval from now covers the gap. */
                c->ready = TRUE;
                c->up_since = now;
                if (engine_child_watchdog_usec(c) > 0)
                        engine_child_arm(e, c, TIMER_WATCHDOG, engine_child_watchdog_usec(c));
        }
        mark_child(e, c);
        engine_end(e);
        return TRUE;
}

void
steward_engine_set_next_generation(StewardEngine *e, const char *child, guint64 next_generation)
{
        Child *c;

        g_return_if_fail(e);

        c = child ? g_hash_table_lookup(e->child_by_name, child) : NULL;
        if (!c) {
                g_debug("Next generation of unknown child '%s', ignoring", child ? child : "(null)");
                return;
        }
        /* Kept as a floor too: an adoption after this call replaces what
         * the child shows, not where its numbering goes on. */
        c->next_generation = MAX(c->next_generation, next_generation);
        if (c->ever_started || next_generation <= c->first_generation)
                return;
        /* Shown as the previous run left it, as a child a reload brings
         * back (engine-reload.c): nothing seen on the bus goes back. The
         * next input publishes it. */
        c->first_generation = next_generation;
        c->generation = next_generation - 1;
        c->attempt = next_generation;
        engine_mark(e, &c->node);
}

gboolean
steward_engine_restore_child_stopped(StewardEngine *e, const char *child, gboolean paused, GError **error)
{
        Child *c;

        g_return_val_if_fail(e, FALSE);

        if (!(c = restore_target(e, child, error)))
                return FALSE;
        c->mode = paused ? MODE_PAUSED : MODE_STOPPED;
        c->rest_decision = STEWARD_DECISION_STOP;
        /* Published by the start, the next input. */
        engine_mark(e, &c->node);
        return TRUE;
}

gboolean
steward_engine_restore_child_mode(StewardEngine *e, const char *child, StewardChildMode mode, GError **error)
{
        Child *c;

        g_return_val_if_fail(e, FALSE);

        if ((guint) mode >= _STEWARD_CHILD_MODE_MAX) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, _("Unknown child mode %d"),
                            (int) mode);
                return FALSE;
        }
        if (!(c = restore_target(e, child, error)))
                return FALSE;
        switch (mode) {
        case STEWARD_CHILD_MODE_RUNNING:
                break;
        case STEWARD_CHILD_MODE_STOPPED:
        case STEWARD_CHILD_MODE_PAUSED:
                return steward_engine_restore_child_stopped(e, child, mode == STEWARD_CHILD_MODE_PAUSED,
                                                            error);
        case STEWARD_CHILD_MODE_FAILED:
                /* Given up or finished by its restart type: which one went
                 * with the previous stewardd. */
                c->mode = MODE_FAILED;
                c->rest_decision = STEWARD_DECISION_FINISHED;
                engine_mark(e, &c->node);
                break;
        case STEWARD_CHILD_MODE_QUARANTINED:
                /* Nothing is announced again: child_quarantine_entered was
                 * the previous stewardd's. start() stops an adopted
                 * incarnation of it as it stops a stopped one's. */
                c->mode = MODE_QUARANTINED;
                c->rest_decision = STEWARD_DECISION_STOP;
                engine_mark(e, &c->node);
                break;
        case _STEWARD_CHILD_MODE_MAX:
                g_assert_not_reached();
        }
        return TRUE;
}

gboolean
steward_engine_restore_child_last(StewardEngine *e, const char *child, guint64 generation, guint64 attempt,
                                  GError **error)
{
        Child *c;

        g_return_val_if_fail(e, FALSE);

        if (!(c = restore_target(e, child, error)))
                return FALSE;
        if (c->inc != INC_NONE) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            _("Child '%s' has been adopted already"), child);
                return FALSE;
        }
        if (generation == G_MAXUINT64) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            _("Generation %" PRIu64 " of '%s' is out of range"), generation, child);
                return FALSE;
        }
        if (attempt == 0)
                return TRUE;
        /* Started before: its next start is a restart, counted as one. */
        c->ever_started = TRUE;
        c->generation = generation;
        c->attempt = attempt;
        c->next_generation = MAX(c->next_generation, generation + 1);
        engine_mark(e, &c->node);
        return TRUE;
}

gboolean
steward_engine_restore_child_spawn_error(StewardEngine *e, const char *child, const char *spawn_error,
                                         GError **error)
{
        Child *c;

        g_return_val_if_fail(e, FALSE);

        if (!(c = restore_target(e, child, error)))
                return FALSE;
        if (g_strcmp0(c->spawn_error, spawn_error && *spawn_error ? spawn_error : NULL) == 0)
                return TRUE;
        g_free(c->spawn_error);
        c->spawn_error = spawn_error && *spawn_error ? g_strdup(spawn_error) : NULL;
        c->spawn_error_serial++;
        engine_mark(e, &c->node);
        return TRUE;
}

/* Oldest first, as every window is kept. */
static gboolean
window_check(const char *what, const char *name, const guint64 *t, guint n, GError **error)
{
        if (n > 0 && !t) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            _("No restart window of %s '%s'"), what, name);
                return FALSE;
        }
        for (guint i = 1; i < n; i++)
                if (t[i] < t[i - 1]) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                                    _("The restart window of %s '%s' is not oldest first"), what, name);
                        return FALSE;
                }
        return TRUE;
}

/* A window never holds more than intensity + 1 restarts
 * (engine_window_exceeded()): the newest of them are the ones that count. */
static void
window_restore(Window *w, guint intensity, const guint64 *t, guint n)
{
        guint skip = n > intensity + 1 ? n - (intensity + 1) : 0;

        engine_window_reset(w);
        if (n == 0)
                return;
        w->t = g_array_sized_new(FALSE, FALSE, sizeof(guint64), n - skip);
        g_array_append_vals(w->t, t + skip, n - skip);
        w->serial++;
}

gboolean
steward_engine_restore_child_counters(StewardEngine *e, const char *child, guint restart_count,
                                      guint backoff_failures, const guint64 *window, guint n_window,
                                      GError **error)
{
        Child *c;

        g_return_val_if_fail(e, FALSE);

        if (!(c = restore_target(e, child, error)))
                return FALSE;
        if (!window_check("child", child, window, n_window, error))
                return FALSE;
        c->restart_count = restart_count;
        c->failures = backoff_failures;
        window_restore(&c->budget, c->intensity, window, n_window);
        engine_mark(e, &c->node);
        return TRUE;
}

/* engine_sup_quarantine() as it was when the previous stewardd
 * quarantined @s: nothing to announce again. */
static void
sup_restore_quarantine(StewardEngine *e, Sup *s, gboolean on)
{
        for (guint i = 0; i < s->members->len; i++) {
                Node *m = member(s, i);
                Child *c = as_child(m);
                Sup *t = as_sup(m);

                if (c) {
                        c->quarantined = !!on;
                        engine_mark(e, &c->node);
                } else if (!t->quarantined) {
                        sup_restore_quarantine(e, t, on);
                }
        }
}

gboolean
steward_engine_restore_supervisor(StewardEngine *e, const char *name, gboolean quarantined,
                                  const guint64 *window, guint n_window, GError **error)
{
        Sup *s;

        g_return_val_if_fail(e, FALSE);

        s = name ? g_hash_table_lookup(e->sup_by_name, name) : NULL;
        if (!restore_allowed(e, name, error))
                return FALSE;
        if (!s) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, _("No supervisor '%s'"),
                            name ? name : "");
                return FALSE;
        }
        if (!window_check("supervisor", name, window, n_window, error))
                return FALSE;
        window_restore(&s->window, s->intensity, window, n_window);
        if (s->quarantined != !!quarantined) {
                s->quarantined = !!quarantined;
                sup_restore_quarantine(e, s, s->quarantined);
        }
        engine_mark(e, &s->node);
        return TRUE;
}

/* Who restarts an adopted child whose configuration changed while no
 * stewardd ran, as a reload restarts a changed child under its command. */
static const Cmd live_restore_cmd = {
        .id = (char *) "live-restore",
        .reason = (char *) "the configuration changed while stewardd was down",
};

/* The part of steward_engine_start() about adopted incarnations: the
 * stops adoption found due, before anything new is spawned. */
void
engine_start_adopted(StewardEngine *e)
{
        for (guint i = 0; i < e->children->len; i++) {
                Child *c = g_ptr_array_index(e->children, i);
                gboolean changed = c->changed_while_down;

                c->changed_while_down = FALSE;
                if (c->inc == INC_NONE) {
                        c->stop_unconfirmed = FALSE;
                        continue;
                }
                if (c->mode != MODE_AUTO) {
                        /* The operator's stop supersedes what else was due. */
                        c->restart_pending = FALSE;
                        c->restart_when_gone = FALSE;
                        if (!c->stopping) {
                                c->stopping = TRUE;
                                c->stop_signal = c->kill_signal;
                        }
                        c->stop_cause = STOP_CONTROL;
                } else if (c->quarantined) {
                        /* Under a quarantined supervisor: its failing job had
                         * stopped its members before the quarantine; what is
                         * left goes now, and nothing brings it back. */
                        c->restart_pending = FALSE;
                        c->restart_when_gone = FALSE;
                        c->unjudged_verdict = STEWARD_DECISION_STOP;
                        if (!c->stopping) {
                                c->stopping = TRUE;
                                c->stop_signal = c->kill_signal;
                        }
                        c->stop_cause = STOP_JOB;
                }
                if (c->stopping && !c->stop_delivered)
                        engine_child_deliver_stop(e, c);
                else if (c->stopping && c->stop_unconfirmed)
                        /* The state file is written once the stop has been
                         * asked for, not once the manager has it: a stewardd
                         * killed in between leaves a scope nobody stops
                         * until TimeoutStopSec= runs out. Asked again; the
                         * manager's stop job of a scope on its way out
                         * already changes nothing. Its deadline runs from
                         * the adoption already, and it was announced. */
                        engine_push_incarnation_action(e, STEWARD_ACTION_STOP, c, c->stop_signal);
                c->stop_unconfirmed = FALSE;
                /* As a reload restarts a changed child: a running, supervised
                 * one through the fence; one on its way out starts with the
                 * new keys anyway. Its supervisor is not up yet, but the
                 * incarnation is, and the fence serves it as an adopted
                 * pending restart. */
                if (changed && !c->stopping && c->mode == MODE_AUTO) {
                        StewardCommandOutcome o;

                        engine_child_restart_fenced(e, c, &live_restore_cmd, &o);
                }
        }
}

/* The end of an adopted incarnation's main process that ended unwatched,
 * as an exit with unknown status. Its scope being gone is what usually
 * tells (engine_child_judge_adopted_end()); a shutdown that gives up on
 * the scope records it without that (shutdown_give_up()). */
void
engine_child_record_adopted_end(StewardEngine *e, Child *c)
{
        StewardEvent *ev;

        c->end_unjudged = FALSE;
        c->last_exit_code = STEWARD_EXIT_CODE_UNKNOWN;
        c->last_exit_status = 0;
        c->last_exit_cause = STEWARD_EXIT_CAUSE_NONE;
        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_EXITED, c);
        ev->exit_code = STEWARD_EXIT_CODE_UNKNOWN;
        ev->exit_status = 0;
        ev->fields |= STEWARD_EVENT_FIELD_EXIT;
        engine_ev_decision(ev, c->unjudged_verdict);
        mark_child(e, c);
}

/* An adopted incarnation whose main process ended unwatched is gone: its
 * end is judged now. */
void
engine_child_judge_adopted_end(StewardEngine *e, Child *c)
{
        engine_child_record_adopted_end(e, c);
        engine_child_main_ended(e, c, c->unjudged_verdict, TRUE);
}
