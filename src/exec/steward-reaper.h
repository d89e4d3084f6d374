/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-reaper.h: reaps every child of stewardd from one signalfd and tells whoever waits for it. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct _StewardReaper StewardReaper;

/* @status is a wait status as waitpid() gives it. */
typedef void (*StewardReaperFunc)(pid_t pid, int status, gpointer user_data);

/* Blocks SIGCHLD in the calling thread. Call first thing in main(), before
 * any thread exists, so every thread inherits the mask and the signal is
 * only ever seen through the reaper's signalfd. */
void steward_reaper_block_sigchld(void);

/**
 * steward_reaper_new:
 * @orphan: (nullable): called for processes reaped that nobody watched
 *   (orphans adopted as subreaper or as PID 1)
 *
 * Reaps with waitid(P_ALL), so it must be the only thing in the process
 * that waits for children: no g_child_watch_add() or g_spawn_sync().
 */
StewardReaper *steward_reaper_new(StewardReaperFunc orphan, gpointer orphan_data, GError **error);
void steward_reaper_free(StewardReaper *r);

/* Calls func once @pid has been reaped. A process may have exited and
 * been reaped before this is called only if nothing ran the main loop in
 * between, so watch right after fork(). */
void steward_reaper_watch(StewardReaper *r, pid_t pid, StewardReaperFunc func, gpointer user_data);
void steward_reaper_unwatch(StewardReaper *r, pid_t pid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardReaper, steward_reaper_free)

G_END_DECLS
