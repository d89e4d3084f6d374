/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-mode.h: which service manager stewardd serves, and how it runs incarnations. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
        STEWARD_MODE_SYSTEM,
        STEWARD_MODE_USER,
        _STEWARD_MODE_MAX,
} StewardMode;

typedef enum {
        STEWARD_BACKEND_SCOPE, /* each incarnation in a transient systemd scope */
        STEWARD_BACKEND_PROCESS, /* each incarnation in a process group of its own */
        _STEWARD_BACKEND_KIND_MAX,
} StewardBackendKind;

/* "system", "user": the Mode property. */
const char *steward_mode_to_string(StewardMode mode);
/* "scope", "process": the Backend property and --backend=. */
const char *steward_backend_kind_to_string(StewardBackendKind kind);
gboolean steward_backend_kind_from_string(const char *s, StewardBackendKind *ret);

/* stewardd's runtime directory, where the state file and the notify socket
 * live: $RUNTIME_DIRECTORY when stewardd runs as a unit with
 * RuntimeDirectory= (the first directory), else /run/steward or
 * $XDG_RUNTIME_DIR/steward. It is also how a test or a second instance
 * points stewardd elsewhere. NULL for the user mode without
 * XDG_RUNTIME_DIR. Creates nothing. */
char *steward_runtime_dir(StewardMode mode);

G_END_DECLS
