/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-mode.c: the names of the modes and backend kinds, and where each mode keeps its runtime files. */
#include "config.h"

#include <string.h>

#include "steward-mode.h"

static const char *const mode_names[_STEWARD_MODE_MAX] = {
        [STEWARD_MODE_SYSTEM] = "system",
        [STEWARD_MODE_USER] = "user",
};

static const char *const backend_kind_names[_STEWARD_BACKEND_KIND_MAX] = {
        [STEWARD_BACKEND_SCOPE] = "scope",
        [STEWARD_BACKEND_PROCESS] = "process",
};

const char *
steward_mode_to_string(StewardMode mode)
{
        return (guint) mode < _STEWARD_MODE_MAX ? mode_names[mode] : NULL;
}

const char *
steward_backend_kind_to_string(StewardBackendKind kind)
{
        return (guint) kind < _STEWARD_BACKEND_KIND_MAX ? backend_kind_names[kind] : NULL;
}

gboolean
steward_backend_kind_from_string(const char *s, StewardBackendKind *ret)
{
        for (guint i = 0; i < _STEWARD_BACKEND_KIND_MAX; i++)
                if (g_strcmp0(s, backend_kind_names[i]) == 0) {
                        *ret = i;
                        return TRUE;
                }
        return FALSE;
}

char *
steward_runtime_dir(StewardMode mode)
{
        const char *dir = g_getenv("RUNTIME_DIRECTORY");

        /* systemd sets it for RuntimeDirectory=, one absolute path per
         * directory, separated by ':'. */
        if (dir && g_path_is_absolute(dir)) {
                const char *colon = strchr(dir, ':');

                return g_strndup(dir, colon ? (gsize) (colon - dir) : strlen(dir));
        }
        if (mode == STEWARD_MODE_SYSTEM)
                return g_strdup("/run/steward");
        dir = g_getenv("XDG_RUNTIME_DIR");
        if (!dir || !g_path_is_absolute(dir))
                return NULL;
        return g_build_filename(dir, "steward", NULL);
}
