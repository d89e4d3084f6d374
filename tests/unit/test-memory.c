/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-memory.c: GSlice set up early, and the trim once a burst is over. */
#include "config.h"

#include "steward-memory.h"
#include "steward-test.h"

/* A short quiet, so the suite does not wait a second per case; only lower
 * bounds of time are asserted, which a loaded machine cannot break. */
#define QUIET_USEC (20 * 1000)
#define BURST 3
#define WAIT_USEC (10 * G_USEC_PER_SEC)

#if !GLIB_CHECK_VERSION(2, 76, 0)
/* As stewardd.c has it. */
static void (*const memory_preinit)(int, char **, char **)
        __attribute__((section(".preinit_array"), used)) = steward_memory_preinit;

/* GObject's constructor set GSlice up before main(): had the setting come
 * any later, GSlice would keep its magazines. */
START_TEST(test_slice_always_malloc)
{
        G_GNUC_BEGIN_IGNORE_DEPRECATIONS
        ck_assert_int_eq(g_slice_get_config(G_SLICE_CONFIG_ALWAYS_MALLOC), TRUE);
        G_GNUC_END_IGNORE_DEPRECATIONS
        /* No variable for the children to inherit. */
        ck_assert_ptr_null(g_getenv("G_SLICE"));
}
END_TEST
#endif

typedef struct {
        guint trims;
        gint64 last_trim;
} Trims;

static void
count_trim(gpointer user_data)
{
        Trims *t = user_data;

        t->trims++;
        t->last_trim = g_get_monotonic_time();
}

static gboolean
on_deadline(gpointer user_data)
{
        gboolean *expired = user_data;

        *expired = TRUE;
        return G_SOURCE_REMOVE;
}

/* Runs the default context until @t has @n trims, for WAIT_USEC at most. */
static gboolean
wait_trims(Trims *t, guint n)
{
        gboolean expired = FALSE;
        guint deadline = g_timeout_add(WAIT_USEC / 1000, on_deadline, &expired);

        while (t->trims < n && !expired)
                g_main_context_iteration(NULL, TRUE);
        if (!expired)
                g_source_remove(deadline);
        return t->trims >= n;
}

/* Fewer inputs than a burst arm nothing: an idle stewardd never wakes. */
START_TEST(test_no_burst_no_trim)
{
        Trims t = { 0 };
        g_autoptr(StewardMemory) m = steward_memory_new(QUIET_USEC, BURST, count_trim, &t);

        ck_assert(!steward_memory_is_pending(m));
        for (guint i = 0; i < BURST - 1; i++)
                steward_memory_input(m);
        ck_assert(!steward_memory_is_pending(m));
        while (g_main_context_iteration(NULL, FALSE))
                ;
        ck_assert_uint_eq(t.trims, 0);
}
END_TEST

/* A burst: one trim, once the quiet after its last input has lasted, and
 * nothing pending after it. */
START_TEST(test_burst_trims_once)
{
        Trims t = { 0 };
        g_autoptr(StewardMemory) m = steward_memory_new(QUIET_USEC, BURST, count_trim, &t);
        gint64 last_input;

        for (guint i = 0; i < BURST; i++)
                steward_memory_input(m);
        last_input = g_get_monotonic_time();
        ck_assert(steward_memory_is_pending(m));
        ck_assert(wait_trims(&t, 1));
        ck_assert_int_ge(t.last_trim - last_input, QUIET_USEC);
        ck_assert(!steward_memory_is_pending(m));
        ck_assert_uint_eq(t.trims, 1);

        /* The count starts again: the next burst is BURST inputs on. */
        for (guint i = 0; i < BURST - 1; i++)
                steward_memory_input(m);
        ck_assert(!steward_memory_is_pending(m));
        steward_memory_input(m);
        ck_assert(steward_memory_is_pending(m));
        ck_assert(wait_trims(&t, 2));
}
END_TEST

typedef struct {
        StewardMemory *memory;
        guint left;
        gint64 last_input;
} Feeder;

static gboolean
on_feed(gpointer user_data)
{
        Feeder *f = user_data;

        steward_memory_input(f->memory);
        f->last_input = g_get_monotonic_time();
        return --f->left > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Inputs that go on past the first quiet period move the trim after the
 * last of them: not in the middle of a burst. */
START_TEST(test_trim_waits_for_the_end)
{
        Trims t = { 0 };
        g_autoptr(StewardMemory) m = steward_memory_new(QUIET_USEC, BURST, count_trim, &t);
        Feeder f = { .memory = m, .left = 10 };

        for (guint i = 0; i < BURST; i++)
                steward_memory_input(m);
        /* An input every half quiet period, ten of them. */
        g_timeout_add(QUIET_USEC / 2000, on_feed, &f);
        ck_assert(wait_trims(&t, 1));
        ck_assert_uint_eq(f.left, 0);
        ck_assert_int_ge(t.last_trim - f.last_input, QUIET_USEC);
        ck_assert_uint_eq(t.trims, 1);
}
END_TEST

/* The default trim runs (malloc_trim) and freeing a pending one is safe. */
START_TEST(test_default_trim_and_free)
{
        StewardMemory *m = steward_memory_new(QUIET_USEC, 1, NULL, NULL);
        gboolean expired = FALSE;
        guint deadline = g_timeout_add(WAIT_USEC / 1000, on_deadline, &expired);

        steward_memory_input(m);
        ck_assert(steward_memory_is_pending(m));
        while (steward_memory_is_pending(m) && !expired)
                g_main_context_iteration(NULL, TRUE);
        ck_assert(!expired);
        g_source_remove(deadline);
        steward_memory_input(m);
        ck_assert(steward_memory_is_pending(m));
        steward_memory_free(m);
        steward_memory_free(NULL);
        while (g_main_context_iteration(NULL, FALSE))
                ;
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("memory");
        TCase *tc = tcase_create("memory");

#if !GLIB_CHECK_VERSION(2, 76, 0)
        tcase_add_test(tc, test_slice_always_malloc);
#endif
        tcase_add_test(tc, test_no_burst_no_trim);
        tcase_add_test(tc, test_burst_trims_once);
        tcase_add_test(tc, test_trim_waits_for_the_end);
        tcase_add_test(tc, test_default_trim_and_free);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
