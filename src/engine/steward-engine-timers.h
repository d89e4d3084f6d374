/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-engine-timers.h: the engine's deadlines, an indexed binary min-heap (private to the engine). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STEWARD_TIMER_UNARMED G_MAXUINT

/* Embedded in whatever owns the deadline; the heap only points at it. */
typedef struct {
        guint64 when;
        guint64 seq; /* arming order: equal deadlines fire first armed, first fired */
        guint index; /* position in the heap, STEWARD_TIMER_UNARMED when not armed */
        int kind; /* the owner's business */
        gpointer owner;
} StewardTimer;

typedef struct {
        GPtrArray *heap; /* of StewardTimer*, not owned */
        guint64 seq;
} StewardTimers;

void steward_timers_init(StewardTimers *t);
void steward_timers_clear(StewardTimers *t);

static inline gboolean
steward_timer_is_armed(const StewardTimer *timer)
{
        return timer->index != STEWARD_TIMER_UNARMED;
}

/* (Re-)arms @timer at @when; O(log n). */
void steward_timers_arm(StewardTimers *t, StewardTimer *timer, guint64 when, int kind);
/* Disarms @timer if armed; O(log n). */
void steward_timers_disarm(StewardTimers *t, StewardTimer *timer);
/* The earliest timer, NULL when none. */
StewardTimer *steward_timers_peek(StewardTimers *t);

G_END_DECLS
