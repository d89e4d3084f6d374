/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-names.h: every bus name, object path and interface steward speaks, ours and systemd's. */
#pragma once

/* Ours (org.steward.Supervisor1(5)). */
#define STEWARD_BUS_NAME "org.steward.Supervisor1"
#define STEWARD_OBJECT_PATH "/org/steward/Supervisor1"
#define STEWARD_CHILD_PATH_PREFIX STEWARD_OBJECT_PATH "/child"
#define STEWARD_SUPERVISOR_PATH_PREFIX STEWARD_OBJECT_PATH "/supervisor"
#define STEWARD_MANAGER_INTERFACE "org.steward.Supervisor1.Manager"
#define STEWARD_CHILD_INTERFACE "org.steward.Supervisor1.Child"
#define STEWARD_SUPERVISOR_INTERFACE "org.steward.Supervisor1.Supervisor"
#define STEWARD_ERROR_PREFIX "org.steward.Supervisor1.Error."
#define STEWARD_ERROR_NAME_NO_SUCH_CHILD STEWARD_ERROR_PREFIX "NoSuchChild"
#define STEWARD_ERROR_NAME_NO_SUCH_SUPERVISOR STEWARD_ERROR_PREFIX "NoSuchSupervisor"
/* stewardd's private socket: the same objects peer to peer, without the bus daemon. Its name
 * in stewardd's runtime directory; where that is for the system instance, and for a user's
 * below its $XDG_RUNTIME_DIR, as the units' RuntimeDirectory=steward makes it. */
#define STEWARD_PRIVATE_SOCKET_NAME "private"
#define STEWARD_PRIVATE_SOCKET_SYSTEM "/run/steward/" STEWARD_PRIVATE_SOCKET_NAME
#define STEWARD_PRIVATE_SOCKET_USER "steward/" STEWARD_PRIVATE_SOCKET_NAME

/* systemd's manager. */
#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_OBJECT_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_UNIT_PATH_PREFIX SYSTEMD_OBJECT_PATH "/unit/"
#define SYSTEMD_MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"
#define SYSTEMD_UNIT_INTERFACE "org.freedesktop.systemd1.Unit"
#define SYSTEMD_SCOPE_INTERFACE "org.freedesktop.systemd1.Scope"
#define SYSTEMD_JOB_INTERFACE "org.freedesktop.systemd1.Job"
/* The manager's private socket, a direct connection without the bus daemon: the system manager's
 * (root only), and a user manager's below its $XDG_RUNTIME_DIR. */
#define SYSTEMD_PRIVATE_SOCKET_SYSTEM "/run/systemd/private"
#define SYSTEMD_PRIVATE_SOCKET_USER "systemd/private"
/* Where the manager's cgroup paths (ControlGroup) are rooted: the unified hierarchy, or the
 * named systemd one of a legacy or hybrid setup. */
#define CGROUP_ROOT_UNIFIED "/sys/fs/cgroup"
#define CGROUP_ROOT_LEGACY "/sys/fs/cgroup/systemd"
#define SYSTEMD_ERROR_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"
#define SYSTEMD_ERROR_UNIT_EXISTS "org.freedesktop.systemd1.UnitExists"
#define SYSTEMD_ERROR_NO_SUCH_JOB "org.freedesktop.systemd1.NoSuchJob"
#define SYSTEMD_ERROR_LOAD_FAILED "org.freedesktop.systemd1.LoadFailed"

#define DBUS_PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define DBUS_PEER_INTERFACE "org.freedesktop.DBus.Peer"
#define DBUS_ERROR_INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"
#define DBUS_ERROR_PROPERTY_READ_ONLY "org.freedesktop.DBus.Error.PropertyReadOnly"
#define DBUS_ERROR_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define DBUS_ERROR_UNKNOWN_OBJECT "org.freedesktop.DBus.Error.UnknownObject"
/* What a client gets when the daemon is not on the bus (or cannot be activated). */
#define DBUS_ERROR_SERVICE_UNKNOWN "org.freedesktop.DBus.Error.ServiceUnknown"
#define DBUS_ERROR_NAME_HAS_NO_OWNER "org.freedesktop.DBus.Error.NameHasNoOwner"
#define DBUS_ERROR_SPAWN_PREFIX "org.freedesktop.DBus.Error.Spawn."

/* ---- names and limits every layer checks the same way ------------------- */

/* A child's or supervisor's name: 1 to STEWARD_NAME_MAX of [A-Za-z0-9_.-]
 * (steward_name_is_valid()). */
#define STEWARD_NAME_MAX 64
/* A command's reason, in bytes of UTF-8. */
#define STEWARD_REASON_MAX 1024
/* systemd's longest unit name (UNIT_NAME_MAX). */
#define STEWARD_UNIT_NAME_MAX 255
/* The parent slice of every scope unless Slice= says otherwise. */
#define STEWARD_SLICE_DEFAULT "steward.slice"
/* An incarnation's scope: STEWARD_SCOPE_PREFIX CHILD "-" GENERATION STEWARD_SCOPE_SUFFIX. */
#define STEWARD_SCOPE_PREFIX "steward-"
#define STEWARD_SCOPE_SUFFIX ".scope"
#define STEWARD_SLICE_SUFFIX ".slice"

/* The journal's stream socket: its presence says a journal is there. */
#define JOURNAL_STDOUT_SOCKET "/run/systemd/journal/stdout"

/* ---- what one sender may cost (docs/ARCHITECTURE.md, "Rate limits") ----- */

/* The window of every event rate limit, and how many entries of a kind
 * one key (a child, a caller's uid) may write in it; the rest are counted
 * and summed up in one entry when the window ends. */
#define STEWARD_RATELIMIT_INTERVAL_USEC (5 * 1000 * 1000)
#define STEWARD_RATELIMIT_CHILD_STATUS_BURST 20
#define STEWARD_RATELIMIT_COMMAND_DENIED_BURST 10
/* Keys tracked at once; past it, new callers share one limit. */
#define STEWARD_RATELIMIT_KEYS_MAX 1024
/* Mutating calls of one bus connection waiting for their caller's
 * credentials or for the tree to start; more fail with LimitsExceeded. */
#define STEWARD_BUS_PENDING_PER_SENDER_MAX 64
/* Clients connected to the private socket at once; more are hung up on. */
#define STEWARD_BUS_DIRECT_MAX 64
/* Messages queued for a direct client that does not read them; past it,
 * stewardd hangs up on it rather than keep them. */
#define STEWARD_BUS_DIRECT_QUEUE_MAX 16384
