/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-child-change.h: what AddChild and RemoveChild did, from the manager to the bus. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
        char *child;
        char *supervisor;
        char *file; /* the drop-in written or deleted */
        char *command_id;
} StewardChildChange;

static inline void
steward_child_change_clear(StewardChildChange *c)
{
        if (!c)
                return;
        g_clear_pointer(&c->child, g_free);
        g_clear_pointer(&c->supervisor, g_free);
        g_clear_pointer(&c->file, g_free);
        g_clear_pointer(&c->command_id, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StewardChildChange, steward_child_change_clear)

G_END_DECLS
