/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-config.c: libFuzzer target feeding arbitrary bytes to the config loader as one steward.conf. */
#include "config.h"

#include <stdint.h>

#include "steward-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The input's length picks mode and backend, so that every branch
         * of the mode and backend warnings is reached without spending
         * input bytes on it. */
        StewardConfigOptions options = {
                .mode = size & 1 ? STEWARD_MODE_USER : STEWARD_MODE_SYSTEM,
                .backend = size & 2 ? STEWARD_BACKEND_PROCESS : STEWARD_BACKEND_SCOPE,
                .check_executables = TRUE,
        };
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;

        spec = steward_config_load_data("fuzz.conf", (const char *) data, (gssize) size, &options, &problems,
                                        &error);
        g_assert(problems);
        g_assert((spec == NULL) == (error != NULL));
        for (guint i = 0; i < problems->len; i++) {
                const StewardProblem *p = g_ptr_array_index(problems, i);
                g_autofree char *line = steward_problem_format(p);

                /* Messages go to terminals, the journal and the bus. */
                g_assert(g_utf8_validate(line, -1, NULL));
        }
        /* What the engine relies on in a tree that validated. */
        for (guint i = 0; spec && i < spec->children->len; i++) {
                const StewardChildSpec *c = g_ptr_array_index(spec->children, i);

                g_assert(steward_name_is_valid(c->name));
                g_assert(c->argv && c->argv[0] && g_path_is_absolute(c->argv[0]));
                g_assert(steward_spec_find_supervisor(spec, c->supervisor));
                g_assert(c->syslog_identifier);
                g_assert(c->restart_jitter >= 0.0 && c->restart_jitter <= 1.0);
                if (c->sidecar_of)
                        g_assert(steward_spec_find_child(spec, c->sidecar_of));
        }
        for (guint i = 1; spec && i < spec->supervisors->len; i++) {
                const StewardSupervisorSpec *s = g_ptr_array_index(spec->supervisors, i);
                const StewardSupervisorSpec *cur = s;
                guint steps = 0;

                /* Every supervisor reaches the root. */
                while (cur->parent && steps++ <= spec->supervisors->len)
                        cur = steward_spec_find_supervisor(spec, cur->parent);
                g_assert(cur && g_str_equal(cur->name, STEWARD_ROOT_SUPERVISOR));
        }
        return 0;
}
