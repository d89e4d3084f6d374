/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-engine-timers.c: an indexed binary min-heap so next-deadline is O(1) and (re)arming O(log n). */
#include "config.h"

#include "steward-engine-timers.h"

static gboolean
timer_before(const StewardTimer *a, const StewardTimer *b)
{
        if (a->when != b->when)
                return a->when < b->when;
        return a->seq < b->seq;
}

static inline StewardTimer *
at(StewardTimers *t, guint i)
{
        return g_ptr_array_index(t->heap, i);
}

static void
place(StewardTimers *t, guint i, StewardTimer *timer)
{
        t->heap->pdata[i] = timer;
        timer->index = i;
}

static void
sift_up(StewardTimers *t, guint i)
{
        StewardTimer *timer = at(t, i);

        while (i > 0) {
                guint parent = (i - 1) / 2;
                if (!timer_before(timer, at(t, parent)))
                        break;
                place(t, i, at(t, parent));
                i = parent;
        }
        place(t, i, timer);
}

static void
sift_down(StewardTimers *t, guint i)
{
        StewardTimer *timer = at(t, i);
        guint n = t->heap->len;

        for (;;) {
                guint l = 2 * i + 1, r = l + 1, m = i;
                StewardTimer *best = timer;

                if (l < n && timer_before(at(t, l), best)) {
                        m = l;
                        best = at(t, l);
                }
                if (r < n && timer_before(at(t, r), best))
                        m = r;
                if (m == i)
                        break;
                place(t, i, at(t, m));
                i = m;
        }
        place(t, i, timer);
}

void
steward_timers_init(StewardTimers *t)
{
        t->heap = g_ptr_array_new();
        t->seq = 0;
}

void
steward_timers_clear(StewardTimers *t)
{
        if (!t->heap)
                return;
        for (guint i = 0; i < t->heap->len; i++)
                at(t, i)->index = STEWARD_TIMER_UNARMED;
        g_clear_pointer(&t->heap, g_ptr_array_unref);
}

void
steward_timers_disarm(StewardTimers *t, StewardTimer *timer)
{
        guint i = timer->index;
        StewardTimer *last;

        if (i == STEWARD_TIMER_UNARMED)
                return;
        timer->index = STEWARD_TIMER_UNARMED;
        last = g_ptr_array_steal_index(t->heap, t->heap->len - 1);
        if (last == timer)
                return;
        place(t, i, last);
        /* The moved element may belong above or below its new place. */
        sift_up(t, i);
        sift_down(t, last->index);
}

void
steward_timers_arm(StewardTimers *t, StewardTimer *timer, guint64 when, int kind)
{
        steward_timers_disarm(t, timer);
        timer->when = when;
        timer->kind = kind;
        timer->seq = t->seq++;
        g_ptr_array_add(t->heap, timer);
        timer->index = t->heap->len - 1;
        sift_up(t, timer->index);
}

StewardTimer *
steward_timers_peek(StewardTimers *t)
{
        return t->heap->len > 0 ? at(t, 0) : NULL;
}
