/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-cgroup.h: what the kernel counted in an incarnation's cgroup (OOM kills, refused forks), for its
 * exit cause, and when the cgroup has no process left. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "steward-event.h"

G_BEGIN_DECLS

/* The value of @key in a flat-keyed cgroup file ("key value" lines, as
 * memory.events, pids.events, memory.oom_control); FALSE when absent. */
gboolean steward_cgroup_counter(const char *text, const char *key, guint64 *ret);

/* The path, relative to its hierarchy's root, of the cgroup /proc/PID/cgroup
 * (@proc_cgroup) names for @controller: the unified hierarchy's ("0::")
 * with NULL, else the v1 hierarchy that lists @controller. NULL when none. */
char *steward_cgroup_path_of(const char *proc_cgroup, const char *controller);

/* The cause the counts tell, the first that applies: an OOM kill, then a
 * fork refused at the pids limit. */
StewardExitCause steward_cgroup_exit_cause(guint64 oom_kills, guint64 pids_max);

/* The counter files of one scope, opened while it runs: read again when
 * its main process has ended, they say what the kernel did to it. */
typedef struct _StewardCgroupCounters StewardCgroupCounters;

/* Opens the counters of @unit's cgroup, found through /proc/@pid/cgroup;
 * NULL when @pid is not in a cgroup named @unit in any hierarchy with
 * a counter (no memory or pids controller there). @ret_unified_dir, when
 * not NULL, gets the cgroup's directory on the unified hierarchy, or NULL
 * when it has none (no unified hierarchy, or not a cgroup named @unit).
 * @fresh: the cgroup was made for this incarnation (a spawn's new scope),
 * so nothing has been counted in it yet; else (an adopted scope) what was
 * counted before is read now and left out. */
StewardCgroupCounters *steward_cgroup_counters_open(pid_t pid, const char *unit, gboolean fresh,
                                                    char **ret_unified_dir);
/* The cause since the counters were opened; NONE when nothing counted,
 * or the cgroup is gone and was never read with a count. */
StewardExitCause steward_cgroup_counters_cause(StewardCgroupCounters *c);
/* A memory limit of the cgroup or of one above it may have been set: on
 * the v1 memory controller, the OOM notification is asked for only where
 * a limit applies, and now may be. */
void steward_cgroup_counters_limits_changed(StewardCgroupCounters *c);
void steward_cgroup_counters_free(StewardCgroupCounters *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardCgroupCounters, steward_cgroup_counters_free)

/* Whether the cgroup.events text @text says the cgroup or one below it has
 * a process ("populated 1"); FALSE, and @ret untouched, when it has no
 * such line. */
gboolean steward_cgroup_populated(const char *text, gboolean *ret);

/* Tells when cgroups of the unified hierarchy have no process left, as
 * soon as the kernel knows: one inotify descriptor for all of them and a
 * watch of each one's cgroup.events, no descriptor per cgroup. */
typedef struct _StewardCgroupEmptyWatch StewardCgroupEmptyWatch;
typedef void (*StewardCgroupEmptyFunc)(gpointer user_data);

/* NULL, with @error set, when inotify cannot be had. */
StewardCgroupEmptyWatch *steward_cgroup_empty_watch_new(GError **error);
void steward_cgroup_empty_watch_free(StewardCgroupEmptyWatch *w);
/* Calls @func(@user_data) once, when the cgroup at @dir (a directory of the
 * unified hierarchy) has no process left or is removed. Returns the id of
 * the watch, 0 when it cannot watch or the cgroup has no process already:
 * then @func is never called. The watch ends before @func is called. */
int steward_cgroup_empty_watch_add(StewardCgroupEmptyWatch *w, const char *dir, StewardCgroupEmptyFunc func,
                                   gpointer user_data);
/* Ends the watch @id before it fired; @func is not called. */
void steward_cgroup_empty_watch_remove(StewardCgroupEmptyWatch *w, int id);
/* Whether the cgroup of the watch @id has no process left, read from its
 * file now. The kernel notifies a change of the file at most once every
 * 10 ms (later ones wait for the end of that interval, then for a worker
 * to send them), so the end of a cgroup whose file changed just before
 * is told late; asked when its main process has been reaped, the file
 * tells at once. TRUE ends the watch, and @func is not called. */
gboolean steward_cgroup_empty_watch_check(StewardCgroupEmptyWatch *w, int id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardCgroupEmptyWatch, steward_cgroup_empty_watch_free)

G_END_DECLS
