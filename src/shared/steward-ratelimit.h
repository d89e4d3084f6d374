/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-ratelimit.h: interval-and-burst rate limiting on an injected clock, as systemd's RateLimit. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* At most @burst passes in each window of @interval_usec that begins with
 * the first pass after the previous window ended; what is refused in a
 * window is counted, so that the caller can say how much it held back.
 * Plain data: zero-initialise it, set interval and burst, no freeing. */
typedef struct {
        guint64 interval_usec;
        guint burst;
        guint64 begin_usec; /* 0: no window open */
        guint num; /* passes in the open window */
        guint64 suppressed; /* refused in the open window */
} StewardRateLimit;

/* Whether one more may pass at @now (monotonic, > 0), counting it either
 * way. A window that has ended is closed first: the caller must have
 * taken its suppressed count (steward_ratelimit_take_suppressed()) before,
 * or it is lost. */
gboolean steward_ratelimit_below(StewardRateLimit *rl, guint64 now);

/* Whether the open window has ended at @now: the moment to report what
 * it suppressed. */
gboolean steward_ratelimit_expired(const StewardRateLimit *rl, guint64 now);

/* The monotonic time the open window ends, G_MAXUINT64 when none is open. */
guint64 steward_ratelimit_end(const StewardRateLimit *rl);

/* The count of refusals since the last take, and resets it. */
guint64 steward_ratelimit_take_suppressed(StewardRateLimit *rl);

G_END_DECLS
