/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-state.c: libFuzzer target feeding arbitrary bytes to the state file's reader as one state file. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "steward-state.h"

/* The boot the seeds are of (fuzz/state-corpus/), so that the fuzzer
 * gets past the BootID= check. */
#define FUZZ_BOOT "0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_autoptr(StewardState) state = NULL;
        g_autoptr(StewardState) again = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        g_autofree char *text2 = NULL;
        StewardStateProblem problem;
        gsize len, len2;

        if (!steward_state_from_data((const char *) data, size, FUZZ_BOOT, &state, &problem, &error)) {
                g_assert(error && !state);
                g_assert(problem != STEWARD_STATE_PROBLEM_NONE && problem != STEWARD_STATE_PROBLEM_MISSING &&
                         problem != STEWARD_STATE_PROBLEM_UNREADABLE);
                /* Messages go to the journal and the bus. */
                g_assert(g_utf8_validate(error->message, -1, NULL));
                return 0;
        }
        g_assert(problem == STEWARD_STATE_PROBLEM_NONE);

        /* What was accepted is what save writes: it writes again, and
         * reads back as the same text. */
        text = steward_state_to_data(state, &len, &error);
        g_assert_no_error(error);
        g_assert(steward_state_from_data(text, len, FUZZ_BOOT, &again, NULL, &error));
        g_assert_no_error(error);
        text2 = steward_state_to_data(again, &len2, &error);
        g_assert_no_error(error);
        g_assert(len == len2 && memcmp(text, text2, len) == 0);
        return 0;
}
