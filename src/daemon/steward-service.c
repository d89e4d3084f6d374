/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-service.c: stewardd as a Type=notify service of its own manager (sd_notify).
 *
 * A listener of the manager like the bus objects and the journal: what
 * systemctl status shows of stewardd is derived from the same changes. */
#include "config.h"

#include <systemd/sd-daemon.h>

#include "steward-service.h"

struct _StewardService {
        StewardEngine *engine;
        StewardLog *log;
        GHashTable *child_states; /* interned child -> GINT_TO_POINTER(StewardChildState) */
        guint state_counts[_STEWARD_CHILD_STATE_MAX];
        guint64 journal_failures; /* as last shown in STATUS= */
        gboolean status_dirty;
        char *status_sent;
        guint watchdog_source;
};

/* Keeps a count of children per state from the state changes, so the
 * STATUS= line costs O(1) per change rather than a scan of the tree. */
static void
service_count_state(StewardService *s, const char *child)
{
        StewardChildInfo info;
        gpointer old;

        child = g_intern_string(child);
        if (!steward_engine_get_child(s->engine, child, &info)) {
                /* A reload removed it and the engine has forgotten it. */
                if (g_hash_table_lookup_extended(s->child_states, child, NULL, &old)) {
                        s->state_counts[GPOINTER_TO_INT(old)]--;
                        g_hash_table_remove(s->child_states, child);
                        s->status_dirty = TRUE;
                }
                return;
        }
        if (g_hash_table_lookup_extended(s->child_states, child, NULL, &old)) {
                if ((StewardChildState) GPOINTER_TO_INT(old) == info.state)
                        return;
                s->state_counts[GPOINTER_TO_INT(old)]--;
        }
        s->state_counts[info.state]++;
        g_hash_table_insert(s->child_states, (gpointer) child, GINT_TO_POINTER(info.state));
        s->status_dirty = TRUE;
}

/* "12 children: 11 up, 1 in backoff", sent to our manager when it changes. */
static void
on_settled(gpointer user_data)
{
        static const struct {
                StewardChildState state;
                const char *label;
        } parts[] = {
                { STEWARD_CHILD_STATE_STARTING, "starting" },
                { STEWARD_CHILD_STATE_STOPPING, "stopping" },
                { STEWARD_CHILD_STATE_BACKOFF, "in backoff" },
                { STEWARD_CHILD_STATE_FAILED, "failed" },
                { STEWARD_CHILD_STATE_PAUSED, "paused" },
                { STEWARD_CHILD_STATE_QUARANTINED, "quarantined" },
                { STEWARD_CHILD_STATE_STOPPED, "stopped" },
        };
        StewardService *s = user_data;
        g_autoptr(GString) line = NULL;

        if (!s->status_dirty)
                return;
        s->status_dirty = FALSE;
        line = g_string_new("STATUS=");
        /* A child reloading is up: it serves with its old configuration. */
        g_string_append_printf(line, "%u children: %u up", g_hash_table_size(s->child_states),
                               s->state_counts[STEWARD_CHILD_STATE_RUNNING] +
                                       s->state_counts[STEWARD_CHILD_STATE_READY] +
                                       s->state_counts[STEWARD_CHILD_STATE_RELOADING]);
        for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
                if (s->state_counts[parts[i].state])
                        g_string_append_printf(line, ", %u %s", s->state_counts[parts[i].state],
                                               parts[i].label);
        if (s->journal_failures)
                g_string_append_printf(line, "; %" G_GUINT64_FORMAT " journal writes failed",
                                       s->journal_failures);
        if (g_strcmp0(line->str, s->status_sent) == 0)
                return;
        (void) sd_notify(0, line->str);
        g_free(s->status_sent);
        s->status_sent = g_string_free(g_steal_pointer(&line), FALSE);
}

static void
on_event(gpointer user_data, guint64 sequence, const StewardEvent *ev, const char *unit)
{
        StewardService *s = user_data;

        /* The journal was told first: a lost entry is reported where an
         * administrator looks first, systemctl status, besides the line on
         * stderr. */
        if (steward_log_get_failures(s->log) != s->journal_failures) {
                s->journal_failures = steward_log_get_failures(s->log);
                s->status_dirty = TRUE;
        }
        if (ev->kind == STEWARD_EVENT_MANAGER_READY)
                (void) sd_notify(0, "READY=1");
}

static void
on_child_changed(gpointer user_data, const char *child, guint changed)
{
        StewardService *s = user_data;

        if (changed & STEWARD_PROPERTY_STATE)
                service_count_state(s, child);
}

static void
on_manager_changed(gpointer user_data, guint changed)
{
        StewardService *s = user_data;

        if ((changed & STEWARD_PROPERTY_STATE) &&
            steward_engine_get_tree_state(s->engine) == STEWARD_TREE_STATE_STOPPING)
                (void) sd_notify(0, "STOPPING=1");
}

static void
on_reloading(gpointer user_data, gboolean reloading)
{
        (void) sd_notify(0, reloading ? "RELOADING=1" : "READY=1");
}

/* Our PID stays across the exec, so the manager sees a reload: READY=1
 * comes from the new image once its tree is adopted. */
static void
on_reexecute(gpointer user_data)
{
        (void) sd_notify(0, "RELOADING=1\nSTATUS=Re-executing");
}

static const StewardManagerListener service_listener = {
        .event = on_event,
        .child_changed = on_child_changed,
        .manager_changed = on_manager_changed,
        .reloading = on_reloading,
        .reexecute = on_reexecute,
        .settled = on_settled,
};

static gboolean
on_watchdog(gpointer user_data)
{
        (void) sd_notify(0, "WATCHDOG=1");
        return G_SOURCE_CONTINUE;
}

StewardService *
steward_service_new(StewardManager *m, StewardLog *log)
{
        StewardService *s = g_new0(StewardService, 1);
        guint64 usec = 0;

        s->engine = steward_manager_get_engine(m);
        s->log = log;
        s->child_states = g_hash_table_new(g_direct_hash, g_direct_equal);
        for (guint i = 0; i < steward_engine_get_n_children(s->engine); i++) {
                StewardChildInfo info;

                if (steward_engine_get_child_at(s->engine, i, &info))
                        service_count_state(s, info.name);
        }
        /* Our manager's WatchdogSec=: pinged from the main loop at half the
         * interval, so a loop that hangs is what gets us killed. */
        if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
                s->watchdog_source = g_timeout_add((guint) MAX(usec / 2 / 1000, 1), on_watchdog, s);
        steward_manager_add_listener(m, &service_listener, s);
        return s;
}

void
steward_service_free(StewardService *s)
{
        if (!s)
                return;
        if (s->watchdog_source)
                g_source_remove(s->watchdog_source);
        g_clear_pointer(&s->child_states, g_hash_table_unref);
        g_free(s->status_sent);
        g_free(s);
}
