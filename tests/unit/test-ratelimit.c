/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ratelimit.c: the interval-and-burst limiter on an injected clock. */
#include "config.h"

#include "steward-ratelimit.h"
#include "steward-test.h"

#define SEC 1000000ULL

/* A burst passes, the rest of the window is counted, and the next window
 * begins with the first pass after it ended. */
START_TEST(test_burst_then_window)
{
        StewardRateLimit rl = { .interval_usec = 5 * SEC, .burst = 3 };
        guint64 t0 = 100 * SEC;

        ck_assert(steward_ratelimit_end(&rl) == G_MAXUINT64);
        ck_assert(!steward_ratelimit_expired(&rl, t0));
        for (guint i = 0; i < 3; i++)
                ck_assert(steward_ratelimit_below(&rl, t0 + i));
        ck_assert(steward_ratelimit_end(&rl) == t0 + 5 * SEC);
        for (guint i = 0; i < 1000; i++)
                ck_assert(!steward_ratelimit_below(&rl, t0 + SEC + i));
        ck_assert(!steward_ratelimit_expired(&rl, t0 + 5 * SEC - 1));
        ck_assert(!steward_ratelimit_below(&rl, t0 + 5 * SEC - 1));
        ck_assert(steward_ratelimit_expired(&rl, t0 + 5 * SEC));
        ck_assert_uint_eq(steward_ratelimit_take_suppressed(&rl), 1001);
        ck_assert_uint_eq(steward_ratelimit_take_suppressed(&rl), 0);

        /* A new window, counted from its first pass. */
        ck_assert(steward_ratelimit_below(&rl, t0 + 7 * SEC));
        ck_assert(steward_ratelimit_end(&rl) == t0 + 12 * SEC);
        ck_assert(steward_ratelimit_below(&rl, t0 + 8 * SEC));
        ck_assert(steward_ratelimit_below(&rl, t0 + 9 * SEC));
        ck_assert(!steward_ratelimit_below(&rl, t0 + 11 * SEC));
        ck_assert(steward_ratelimit_below(&rl, t0 + 12 * SEC));
        ck_assert_uint_eq(steward_ratelimit_take_suppressed(&rl), 1);
}
END_TEST

/* Slow callers are never held back. */
START_TEST(test_slow_passes)
{
        StewardRateLimit rl = { .interval_usec = 5 * SEC, .burst = 2 };

        for (guint i = 1; i <= 100; i++)
                ck_assert(steward_ratelimit_below(&rl, i * 3 * SEC));
        ck_assert_uint_eq(steward_ratelimit_take_suppressed(&rl), 0);
}
END_TEST

/* A clock that goes backwards neither opens a window early nor wraps. */
START_TEST(test_clock_backwards)
{
        StewardRateLimit rl = { .interval_usec = 5 * SEC, .burst = 1 };

        ck_assert(steward_ratelimit_below(&rl, 10 * SEC));
        ck_assert(!steward_ratelimit_below(&rl, 9 * SEC));
        ck_assert(!steward_ratelimit_expired(&rl, 9 * SEC));
        ck_assert(!steward_ratelimit_below(&rl, 14 * SEC));
        ck_assert(steward_ratelimit_below(&rl, 15 * SEC));
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("ratelimit");
        TCase *tc = tcase_create("ratelimit");

        tcase_add_test(tc, test_burst_then_window);
        tcase_add_test(tc, test_slow_passes);
        tcase_add_test(tc, test_clock_backwards);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
