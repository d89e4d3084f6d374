/* test-engine.c: placeholder until the module lands. */
#include "config.h"

#include "steward-test.h"

START_TEST(test_placeholder)
{
        ck_assert(1);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("engine");
        TCase *tc = tcase_create("engine");

        tcase_add_test(tc, test_placeholder);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
