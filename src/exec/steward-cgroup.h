/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-cgroup.h: what the kernel counted in an incarnation's cgroup (OOM kills, refused forks), for its
 * exit cause. */
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
 * a counter (no memory or pids controller there). */
StewardCgroupCounters *steward_cgroup_counters_open(pid_t pid, const char *unit);
/* The cause since the counters were opened; NONE when nothing counted,
 * or the cgroup is gone and was never read with a count. */
StewardExitCause steward_cgroup_counters_cause(StewardCgroupCounters *c);
void steward_cgroup_counters_free(StewardCgroupCounters *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardCgroupCounters, steward_cgroup_counters_free)

G_END_DECLS
