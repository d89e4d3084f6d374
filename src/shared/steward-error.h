/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-error.h: the one error domain of steward, registered with GDBus so that every code has its bus
 * name. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Every layer reports its failures in this domain; the bus replies with
 * them as they are. The names are those of org.steward.Supervisor1(5),
 * except STEWARD_ERROR_INVALID_ARGS and STEWARD_ERROR_ACCESS_DENIED, which
 * go out under the bus's own org.freedesktop.DBus.Error names (see
 * steward_error_to_dbus()). */
#define STEWARD_ERROR (steward_error_quark())
GQuark steward_error_quark(void);

typedef enum {
        STEWARD_ERROR_FAILED, /* Error.Failed: anything not listed below */
        STEWARD_ERROR_NO_SUCH_CHILD, /* Error.NoSuchChild */
        STEWARD_ERROR_NO_SUCH_SUPERVISOR, /* Error.NoSuchSupervisor */
        STEWARD_ERROR_SHUTTING_DOWN, /* Error.ShuttingDown */
        STEWARD_ERROR_INVALID_CONFIG, /* Error.InvalidConfig: a value, a file or a tree that does not
                                         validate */
        STEWARD_ERROR_NOT_SUPPORTED, /* Error.NotSupported */
        STEWARD_ERROR_NOT_FOUND, /* Error.NotFound: a file that does not exist */
        STEWARD_ERROR_INVALID_ARGS, /* malformed input: a call's arguments, a notify datagram */
        STEWARD_ERROR_ACCESS_DENIED, /* a sender that may not do what it asked */
        _STEWARD_ERROR_MAX,
} StewardErrorCode;

/* @error as it goes out on the bus: itself, or for the two codes above the
 * G_DBUS_ERROR with the same message. */
GError *steward_error_to_dbus(const GError *error);

G_END_DECLS
