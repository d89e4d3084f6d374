/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager-ratelimit.c: the events one sender can cause in numbers (child_status, command_denied),
 * rate-limited per child and per caller.
 *
 * An event held back is never numbered, so STEWARD_SEQUENCE keeps no gap;
 * the newest one held back is kept (one per key, replaced each time, so
 * memory does not grow with the flood) and goes out when its window ends,
 * with STEWARD_SUPPRESSED counting every one held back: the journal ends
 * on the child's last STATUS= and the last refused caller, as journald's
 * own rate limiting ends on its "Suppressed N messages" line. */
#include "config.h"

#include "manager-private.h"
#include "steward-names.h"
#include "steward-ratelimit.h"

typedef struct {
        StewardManager *m;
        StewardRateLimit rl;
        StewardEvent held; /* the newest event held back, kind 0 and no fields when none */
        gboolean holding;
        GSource *timer; /* at the window's end, while holding */
} Limited;

static void
limited_free(Limited *l)
{
        if (!l)
                return;
        if (l->timer) {
                g_source_destroy(l->timer);
                g_source_unref(l->timer);
        }
        steward_event_clear(&l->held);
        g_free(l);
}

/* The summary of the window that ended: the newest event held back, with
 * the count. Numbered now, like any event. */
static void
limited_flush(Limited *l)
{
        guint64 n = steward_ratelimit_take_suppressed(&l->rl);

        if (l->timer) {
                g_source_destroy(l->timer);
                g_clear_pointer(&l->timer, g_source_unref);
        }
        if (!l->holding)
                return;
        l->holding = FALSE;
        l->held.fields |= STEWARD_EVENT_FIELD_SUPPRESSED;
        l->held.suppressed = n;
        l->held.time_usec = manager_now();
        manager_emit_now(l->m, &l->held, NULL);
        steward_event_clear(&l->held);
}

typedef struct {
        GSource source;
        Limited *limited;
} WindowEnd;

static gboolean
window_end_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
        /* Destroys @source: limited_flush() lets go of it. */
        limited_flush(((WindowEnd *) source)->limited);
        return G_SOURCE_REMOVE;
}

static GSourceFuncs window_end_funcs = {
        .dispatch = window_end_dispatch,
};

/* The key an event is limited by, NULL for a kind that is not limited. */
static char *
limit_key(const StewardEvent *ev, guint *burst)
{
        switch (ev->kind) {
        case STEWARD_EVENT_CHILD_STATUS:
                *burst = STEWARD_RATELIMIT_CHILD_STATUS_BURST;
                return g_strdup_printf("child_status/%s", ev->child);
        case STEWARD_EVENT_COMMAND_DENIED:
                *burst = STEWARD_RATELIMIT_COMMAND_DENIED_BURST;
                return g_strdup_printf("command_denied/%u", ev->actor_uid);
        default:
                return NULL;
        }
}

/* Past STEWARD_RATELIMIT_KEYS_MAX keys, the idle ones are forgotten; if
 * none is idle, a newcomer shares the kind's overflow key. */
static Limited *
limited_lookup(StewardManager *m, const StewardEvent *ev, const char *key, guint burst)
{
        g_autofree char *owned = NULL;
        Limited *l = g_hash_table_lookup(m->limits, key);
        guint64 now = manager_now();

        if (l)
                return l;
        if (g_hash_table_size(m->limits) >= STEWARD_RATELIMIT_KEYS_MAX) {
                GHashTableIter iter;
                gpointer value;

                g_hash_table_iter_init(&iter, m->limits);
                while (g_hash_table_iter_next(&iter, NULL, &value)) {
                        Limited *old = value;
                        if (!old->holding && steward_ratelimit_expired(&old->rl, now))
                                g_hash_table_iter_remove(&iter);
                }
        }
        if (g_hash_table_size(m->limits) >= STEWARD_RATELIMIT_KEYS_MAX) {
                g_autofree char *overflow = g_strdup_printf("%s/*", steward_event_kind_to_string(ev->kind));

                l = g_hash_table_lookup(m->limits, overflow);
                if (l)
                        return l;
                owned = g_steal_pointer(&overflow);
        } else
                owned = g_strdup(key);
        l = g_new0(Limited, 1);
        l->m = m;
        l->rl.interval_usec = STEWARD_RATELIMIT_INTERVAL_USEC;
        l->rl.burst = burst;
        g_hash_table_insert(m->limits, g_steal_pointer(&owned), l);
        return l;
}

gboolean
manager_ratelimit_pass(StewardManager *m, const StewardEvent *ev)
{
        g_autofree char *key = NULL;
        guint64 now = manager_now();
        guint burst = 0;
        Limited *l;

        key = limit_key(ev, &burst);
        if (!key)
                return TRUE;
        l = limited_lookup(m, ev, key, burst);
        /* The previous window's summary goes first, should its timer
         * not have run yet. */
        if (steward_ratelimit_expired(&l->rl, now))
                limited_flush(l);
        if (steward_ratelimit_below(&l->rl, now))
                return TRUE;
        steward_event_clear(&l->held);
        steward_event_copy(&l->held, ev);
        l->holding = TRUE;
        if (!l->timer) {
                /* On the monotonic clock the limiter is fed with. */
                l->timer = g_source_new(&window_end_funcs, sizeof(WindowEnd));
                ((WindowEnd *) l->timer)->limited = l;
                g_source_set_ready_time(l->timer, (gint64) steward_ratelimit_end(&l->rl));
                g_source_attach(l->timer, NULL);
        }
        return FALSE;
}

void
manager_ratelimit_flush_all(StewardManager *m)
{
        GHashTableIter iter;
        gpointer value;

        g_hash_table_iter_init(&iter, m->limits);
        while (g_hash_table_iter_next(&iter, NULL, &value))
                limited_flush(value);
}

void
manager_ratelimit_init(StewardManager *m)
{
        m->limits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) limited_free);
}

void
manager_ratelimit_clear(StewardManager *m)
{
        g_clear_pointer(&m->limits, g_hash_table_unref);
}
