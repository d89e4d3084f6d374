/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-test.h: the shared main() of the libcheck unit suites, reporting TAP to meson. */
#pragma once

#include <check.h>
#include <stdlib.h>

/* Each suite file defines make_suite() and ends with STEWARD_TEST_MAIN(). */
#define STEWARD_TEST_MAIN(make_suite)                             \
        int main(void)                                            \
        {                                                         \
                SRunner *sr = srunner_create(make_suite());       \
                int failed;                                       \
                srunner_set_tap(sr, "-");                         \
                srunner_run_all(sr, CK_SILENT);                   \
                failed = srunner_ntests_failed(sr);               \
                srunner_free(sr);                                 \
                return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE; \
        }
