/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-reload.c: steward_engine_reload(): applies a new tree to the running one. */
#include "config.h"

#include "engine-private.h"

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
void
engine_child_forget(StewardEngine *e, Child *c)
{
        Sup *s = c->node.parent;
        guint64 *next = g_new(guint64, 1);
        StewardAction *a;

        /* Its reload timer must not outlive it in the heap. */
        engine_child_reload_end(e, c, _STEWARD_EVENT_KIND_MAX, STEWARD_DECISION_NONE);
        *next = engine_child_next_generation(c);
        g_hash_table_replace(e->history, (gpointer) c->node.name, next);
        if (steward_timer_is_armed(&c->timer))
                steward_timers_disarm(&e->timers, &c->timer);
        engine_child_health_stop(e, c);
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
        a = engine_push_action(e, STEWARD_ACTION_STATE_CHANGED);
        a->child = c->node.name;
        a->supervisor = s->node.name;
        a->generation = c->generation;
        a->attempt = c->attempt;
        a->changed = STEWARD_PROPERTY_STATE;
        g_ptr_array_remove(e->children, c); /* frees it */
        mark_sup(e, s);
        /* It may have been what a job or the start cursor waited for. */
        if (s->job != JOB_NONE)
                engine_sup_job_step(e, s);
        else
                engine_sup_advance(e, s);
}

/* Removed by a reload: stopped through the fence like StopChild, then
 * forgotten once gone. */
static void
child_retire(StewardEngine *e, Child *c, const StewardCommand *cmd)
{
        StewardChildState st = engine_child_state(c);
        StewardEvent *ev;

        c->retiring = TRUE;
        c->mode = MODE_STOPPED;
        c->rest_decision = STEWARD_DECISION_STOP;
        c->restart_pending = FALSE;
        c->backoff_after_gone = FALSE;
        c->queued = FALSE;
        engine_cmd_set(&c->cmd, cmd);
        mark_child(e, c);
        if (c->inc == INC_NONE) {
                engine_child_disarm(e, c);
                /* At rest already: nothing to report but a pending start called off. */
                if (st != STEWARD_CHILD_STATE_STOPPED && st != STEWARD_CHILD_STATE_FAILED &&
                    st != STEWARD_CHILD_STATE_PAUSED && st != STEWARD_CHILD_STATE_QUARANTINED) {
                        ev = engine_emit_child(e, STEWARD_EVENT_CHILD_STOPPED, c);
                        engine_ev_decision(ev, STEWARD_DECISION_STOP);
                        engine_ev_cmd(ev, &c->cmd);
                }
                engine_child_forget(e, c);
                return;
        }
        if (!c->stopping)
                engine_child_request_stop(e, c, STOP_CONTROL, c->kill_signal);
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
                    g_strcmp0(cs->sidecar_of, c->primary_name) != 0) {
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
        Child *c = engine_child_new(cs);
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
        c->published = engine_child_props(c);
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
        if (p->job == JOB_RESTART || engine_sup_restart_scheduled(p)) {
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
        g_autoptr(GPtrArray) relink = g_ptr_array_new();
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
                        /* Its primary was removed and forgotten meanwhile,
                         * and is back (maybe in this reload): linked below. */
                        if (c->primary_name && !c->primary)
                                g_ptr_array_add(relink, c);
                        engine_child_set_conf(c, cs);
                        c->mode = MODE_AUTO;
                        if (engine_node_blocked(e, &c->node) == BLOCK_NONE)
                                engine_child_queue_after_stop(c, FALSE, cmd, &o);
                        mark_child(e, c);
                        continue;
                }
                fp = engine_child_fingerprint(cs);
                if (g_str_equal(fp, c->fingerprint))
                        continue;
                g_strv_builder_add(ch, cs->name);
                engine_child_set_conf(c, cs);
                mark_child(e, c);
                if (c->inc != INC_NONE && !c->stopping && c->mode == MODE_AUTO) {
                        StewardCommandOutcome o;

                        engine_command_restart(e, c, &restart, &o);
                }
        }

        /* Added: linked and placed before any starts, so the start order
         * sees the whole new tree. */
        for (guint i = 0; i < fresh->len; i++) {
                Child *c = g_ptr_array_index(fresh, i);
                const StewardChildSpec *cs = g_hash_table_lookup(wanted, c->node.name);
                Child *p = cs->sidecar_of ? g_hash_table_lookup(e->child_by_name, cs->sidecar_of) : NULL;

                if (p && p != c)
                        engine_child_link_primary(c, p);
        }
        for (guint i = 0; i < relink->len; i++) {
                Child *c = g_ptr_array_index(relink, i);

                engine_child_link_primary(c, g_hash_table_lookup(e->child_by_name, c->primary_name));
        }
        for (guint i = 0; i < fresh->len; i++)
                reload_start_child(e, g_ptr_array_index(fresh, i));
        for (guint i = 0; i < fresh->len; i++)
                engine_sup_advance(e, ((Child *) g_ptr_array_index(fresh, i))->node.parent);
        engine_end(e);

        if (added)
                *added = g_strv_builder_end(a);
        if (removed)
                *removed = g_strv_builder_end(r);
        if (changed)
                *changed = g_strv_builder_end(ch);
        return TRUE;
}
