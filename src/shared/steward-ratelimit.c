/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-ratelimit.c: interval-and-burst rate limiting on an injected clock, as systemd's RateLimit. */
#include "config.h"

#include "steward-ratelimit.h"

gboolean
steward_ratelimit_expired(const StewardRateLimit *rl, guint64 now)
{
        /* A clock that went backwards cannot close a window early. */
        return rl->begin_usec != 0 && now >= rl->begin_usec && now - rl->begin_usec >= rl->interval_usec;
}

guint64
steward_ratelimit_end(const StewardRateLimit *rl)
{
        if (rl->begin_usec == 0)
                return G_MAXUINT64;
        return rl->begin_usec + rl->interval_usec;
}

gboolean
steward_ratelimit_below(StewardRateLimit *rl, guint64 now)
{
        g_return_val_if_fail(now > 0, TRUE);

        if (rl->begin_usec == 0 || steward_ratelimit_expired(rl, now)) {
                rl->begin_usec = now;
                rl->num = 0;
        }
        if (rl->num < rl->burst) {
                rl->num++;
                return TRUE;
        }
        rl->suppressed++;
        return FALSE;
}

guint64
steward_ratelimit_take_suppressed(StewardRateLimit *rl)
{
        guint64 n = rl->suppressed;

        rl->suppressed = 0;
        return n;
}
