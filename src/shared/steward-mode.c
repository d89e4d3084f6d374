/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-mode.c: the names of the modes and backend kinds. */
#include "config.h"

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
