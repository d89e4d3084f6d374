/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-save.c: live restore: what a stewardd saves of the engine's state for the next one. */
#include "config.h"

#include "engine-private.h"

static const char *const child_mode_names[_STEWARD_CHILD_MODE_MAX] = {
        [STEWARD_CHILD_MODE_RUNNING] = "running",         [STEWARD_CHILD_MODE_STOPPED] = "stopped",
        [STEWARD_CHILD_MODE_PAUSED] = "paused",           [STEWARD_CHILD_MODE_FAILED] = "failed",
        [STEWARD_CHILD_MODE_QUARANTINED] = "quarantined",
};

const char *
steward_child_mode_to_string(StewardChildMode m)
{
        return (guint) m < G_N_ELEMENTS(child_mode_names) ? child_mode_names[m] : NULL;
}

static StewardChildMode
child_mode(Child *c)
{
        switch (c->mode) {
        case MODE_STOPPED:
                return STEWARD_CHILD_MODE_STOPPED;
        case MODE_PAUSED:
                return STEWARD_CHILD_MODE_PAUSED;
        case MODE_FAILED:
                return STEWARD_CHILD_MODE_FAILED;
        case MODE_QUARANTINED:
                return STEWARD_CHILD_MODE_QUARANTINED;
        case MODE_AUTO:
                break;
        }
        return STEWARD_CHILD_MODE_RUNNING;
}

static void
window_view(const Window *w, const guint64 **ret, guint *n)
{
        *ret = w->t && w->t->len > 0 ? (const guint64 *) w->t->data : NULL;
        *n = w->t ? w->t->len : 0;
}

gboolean
steward_engine_save_child(StewardEngine *e, const char *child, StewardChildSave *out)
{
        gboolean alive;
        Child *c;

        g_return_val_if_fail(e && out, FALSE);

        c = child ? g_hash_table_lookup(e->child_by_name, child) : NULL;
        if (!c)
                return FALSE;
        /* A spawn in flight is not an incarnation yet: it may never run. The
         * record names the last one that did; if the spawn went through
         * after all, the next stewardd finds its scope, which names its
         * generation, and adopts that. */
        alive = c->inc != INC_NONE && c->inc != INC_SPAWNING;
        *out = (StewardChildSave){
                .alive = alive,
                .generation = engine_child_shown_generation(c),
                .attempt = engine_child_shown_attempt(c),
                .main_pid = c->main_pid,
                .ready = c->inc == INC_UP && c->ready,
                .stopping = alive && c->stopping && c->stop_delivered,
                .pending_command_id = c->restart_pending ? c->cmd.id : NULL,
                .pending_reason = c->restart_pending ? c->cmd.reason : NULL,
                .pending_kind = c->restart_pending && !c->pending_is_restart ? STEWARD_COMMAND_START
                                                                             : STEWARD_COMMAND_RESTART,
                /* The generation of a spawn in flight is still the next one's. */
                .next_generation = c->inc == INC_SPAWNING ? c->generation : engine_child_next_generation(c),
                .restart_count = c->restart_count,
                .backoff_failures = c->failures,
                .mode = child_mode(c),
                .quarantined = c->quarantined,
                .fingerprint = c->fingerprint,
                .spawn_error = c->spawn_error,
        };
        window_view(&c->budget, &out->restart_window, &out->n_restart_window);
        return TRUE;
}

gboolean
steward_engine_save_supervisor(StewardEngine *e, const char *name, StewardSupervisorSave *out)
{
        Sup *s;

        g_return_val_if_fail(e && out, FALSE);

        s = name ? g_hash_table_lookup(e->sup_by_name, name) : NULL;
        if (!s)
                return FALSE;
        *out = (StewardSupervisorSave){ .quarantined = s->quarantined };
        window_view(&s->window, &out->restart_window, &out->n_restart_window);
        return TRUE;
}

char *
steward_child_spec_fingerprint(const StewardChildSpec *spec)
{
        g_return_val_if_fail(spec, NULL);

        return engine_child_fingerprint(spec);
}

const char *
steward_engine_get_child_fingerprint(StewardEngine *e, const char *child)
{
        Child *c;

        g_return_val_if_fail(e, NULL);

        c = child ? g_hash_table_lookup(e->child_by_name, child) : NULL;
        return c ? c->fingerprint : NULL;
}
