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

/* systemd's manager. */
#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_OBJECT_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_UNIT_PATH_PREFIX SYSTEMD_OBJECT_PATH "/unit/"
#define SYSTEMD_MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"
#define SYSTEMD_UNIT_INTERFACE "org.freedesktop.systemd1.Unit"
#define SYSTEMD_ERROR_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"
#define SYSTEMD_ERROR_UNIT_EXISTS "org.freedesktop.systemd1.UnitExists"

#define DBUS_PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define DBUS_ERROR_INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"
#define DBUS_ERROR_PROPERTY_READ_ONLY "org.freedesktop.DBus.Error.PropertyReadOnly"
#define DBUS_ERROR_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
/* What a client gets when the daemon is not on the bus (or cannot be activated). */
#define DBUS_ERROR_SERVICE_UNKNOWN "org.freedesktop.DBus.Error.ServiceUnknown"
#define DBUS_ERROR_NAME_HAS_NO_OWNER "org.freedesktop.DBus.Error.NameHasNoOwner"
#define DBUS_ERROR_SPAWN_PREFIX "org.freedesktop.DBus.Error.Spawn."

/* The journal's stream socket: its presence says a journal is there. */
#define JOURNAL_STDOUT_SOCKET "/run/systemd/journal/stdout"
