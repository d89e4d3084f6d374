/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-auth.h: who may manage: the caller's credentials from the bus, and the one rule that judges them.
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "steward-event.h"
#include "steward-mode.h"

G_BEGIN_DECLS

/* The caller as the bus daemon vouches for it. */
typedef struct {
        guint32 uid;
        guint32 pid;
        char *comm; /* /proc/PID/comm, "" when unknown */
        GArray *gids; /* of guint32, from the bus when it tells, else NSS */
} StewardCaller;

void steward_caller_free(StewardCaller *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardCaller, steward_caller_free)

/* The actor a command is recorded with; borrows from @c. */
StewardActor steward_caller_actor(const StewardCaller *c);

/* What a caller is judged against: the daemon's mode, the uid it runs as,
 * and the group AllowedGroup= names ((gid_t) -1: none). */
typedef struct {
        StewardMode mode;
        uid_t owner_uid;
        gid_t allowed_gid;
} StewardAuthRule;

/* uid 0; in user mode the uid the daemon runs as, the way systemd's user
 * manager serves its own user; otherwise membership of the allowed group. */
gboolean steward_caller_may_manage(const StewardCaller *c, const StewardAuthRule *rule);

/* A process name as /proc/PID/comm gives it (@length bytes, not
 * terminated), made fit for an event: valid UTF-8, without the newline. */
char *steward_caller_comm_from_bytes(const char *data, gsize length);

/* The answer of steward_caller_lookup(): @caller (to free) or @error. */
typedef void (*StewardCallerFunc)(StewardCaller *caller, const GError *error, gpointer user_data);

/* Asks the bus daemon for @sender's credentials (GetConnectionCredentials),
 * without blocking. @func runs once, unless *@slot (the call's) is
 * unreferenced before; a negative errno when the call cannot be made. */
int steward_caller_lookup(sd_bus *bus, const char *sender, sd_bus_slot **slot, StewardCallerFunc func,
                          gpointer user_data);

/* The client of a direct connection (no bus daemon between): its
 * credentials as the kernel gave them when it connected (SO_PEERCRED,
 * SO_PEERGROUPS). NULL, with @error, when the connection cannot tell. */
StewardCaller *steward_caller_of_peer(sd_bus_message *call, GError **error);

G_END_DECLS
