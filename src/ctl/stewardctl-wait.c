/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-wait.c: when a command is carried out, told from stewardd's events, as systemctl waits for a
 * job. */
#include "config.h"

#include "stewardctl-wait.h"

static gboolean
str_in(const char *s, const char *const *set)
{
        return s && g_strv_contains(set, s);
}

void
stewardctl_wait_init(StewardctlWait *w, const char *child, GVariant *outcome)
{
        /* A start begun, or queued behind the fence. */
        static const char *const starts[] = { "started_immediately", "queued_after_stop", NULL };
        /* Merged into a start already pending, or resumed: a start if it
         * names a generation, or shows the child starting. A child's first
         * generation is 0, which is also what target_generation says when
         * nothing comes up: the decision and the state tell the two apart. */
        static const char *const may_start[] = { "already_pending", "resumed", NULL };
        /* A stop on its way: the live incarnation has it. */
        static const char *const stopping[] = {
                "stop_delivered", "already_stopping",    "paused", "already_paused",
                "quarantined",    "already_quarantined", NULL
        };
        static const char *const reloading[] = { "reload_requested", "already_reloading", NULL };
        const char *decision = NULL, *state = NULL, *id = NULL;
        guint64 target = 0;

        *w = (StewardctlWait){ .kind = STEWARDCTL_WAIT_NONE };
        (void) g_variant_lookup(outcome, "decision", "&s", &decision);
        (void) g_variant_lookup(outcome, "state", "&s", &state);
        (void) g_variant_lookup(outcome, "command_id", "&s", &id);
        (void) g_variant_lookup(outcome, "target_generation", "t", &target);
        if (!id || !*id)
                return;
        if (str_in(decision, starts) ||
            (str_in(decision, may_start) && (target > 0 || g_strcmp0(state, "starting") == 0)))
                w->kind = STEWARDCTL_WAIT_UP;
        else if (g_strcmp0(state, "stopping") == 0 && str_in(decision, stopping))
                w->kind = STEWARDCTL_WAIT_DOWN;
        /* A Type=simple child's reload is done with its signal, before the
         * answer: only a reload still under way is waited for. */
        else if (g_strcmp0(state, "reloading") == 0 && str_in(decision, reloading))
                w->kind = STEWARDCTL_WAIT_RELOAD;
        else
                return;
        w->child = g_strdup(child);
        w->command_id = g_strdup(id);
        w->target_generation = target;
}

void
stewardctl_wait_init_gone(StewardctlWait *w, const char *child, const char *command_id)
{
        *w = (StewardctlWait){ .kind = STEWARDCTL_WAIT_NONE };
        if (!command_id || !*command_id)
                return;
        w->kind = STEWARDCTL_WAIT_DOWN;
        w->child = g_strdup(child);
        w->command_id = g_strdup(command_id);
}

StewardctlWaitStep
stewardctl_wait_event(StewardctlWait *w, const char *kind, const char *child, guint64 generation,
                      GVariant *fields)
{
        /* What ends a wait for a start that has not come up: another
         * command took the child down, or took it away. */
        static const char *const put_down[] = { "child_stopped", "child_paused", "child_quarantined",
                                                "child_removed", NULL };
        /* The target generation's end before it was up. */
        static const char *const failed[] = { "child_spawn_failed", "child_exited", "child_start_timeout",
                                              NULL };
        /* The last incarnation is gone (stop_completed), and what the child
         * came to rest as (child_stopped also ends a removed one's). Not
         * child_removed: RemoveChild records it first, before the stop. */
        static const char *const gone[] = { "child_control_stop_completed", "child_stopped", "child_paused",
                                            "child_quarantined", NULL };
        const char *id = NULL;

        if (w->kind == STEWARDCTL_WAIT_NONE)
                return STEWARDCTL_WAIT_DONE;
        if (!w->since_command) {
                if (!fields || !g_variant_lookup(fields, "command_id", "&s", &id) ||
                    !g_str_equal(id, w->command_id))
                        return STEWARDCTL_WAIT_PENDING;
                w->since_command = TRUE;
        }
        if (w->kind == STEWARDCTL_WAIT_UP && g_strcmp0(kind, "tree_shutdown_started") == 0)
                return STEWARDCTL_WAIT_FAILED;
        if (g_strcmp0(child, w->child) != 0)
                return STEWARDCTL_WAIT_PENDING;
        if (w->kind == STEWARDCTL_WAIT_DOWN)
                return str_in(kind, gone) ? STEWARDCTL_WAIT_DONE : STEWARDCTL_WAIT_PENDING;
        /* child_reload_failed ends every reload that did not complete: a
         * timeout, the child's exit, a stop. */
        if (w->kind == STEWARDCTL_WAIT_RELOAD)
                return g_strcmp0(kind, "child_reloaded") == 0        ? STEWARDCTL_WAIT_DONE
                       : g_strcmp0(kind, "child_reload_failed") == 0 ? STEWARDCTL_WAIT_FAILED
                                                                     : STEWARDCTL_WAIT_PENDING;
        if (str_in(kind, put_down))
                return STEWARDCTL_WAIT_FAILED;
        /* The old incarnation's end, on the way to the target. */
        if (generation < w->target_generation)
                return STEWARDCTL_WAIT_PENDING;
        if (g_strcmp0(kind, "child_ready") == 0)
                return STEWARDCTL_WAIT_DONE;
        if (g_strcmp0(kind, "child_started") == 0)
                return STEWARDCTL_WAIT_ASK_READY;
        return str_in(kind, failed) ? STEWARDCTL_WAIT_FAILED : STEWARDCTL_WAIT_PENDING;
}

void
stewardctl_wait_clear(StewardctlWait *w)
{
        g_clear_pointer(&w->child, g_free);
        g_clear_pointer(&w->command_id, g_free);
        w->kind = STEWARDCTL_WAIT_NONE;
}
