/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-error.c: the error domain and its bus names. */
#include "config.h"

#include "steward-error.h"
#include "steward-names.h"

/* INVALID_ARGS and ACCESS_DENIED are not registered: GIO owns their
 * org.freedesktop.DBus.Error names already (G_DBUS_ERROR). */
static const GDBusErrorEntry steward_error_entries[] = {
        { STEWARD_ERROR_FAILED, STEWARD_ERROR_PREFIX "Failed" },
        { STEWARD_ERROR_NO_SUCH_CHILD, STEWARD_ERROR_PREFIX "NoSuchChild" },
        { STEWARD_ERROR_NO_SUCH_SUPERVISOR, STEWARD_ERROR_PREFIX "NoSuchSupervisor" },
        { STEWARD_ERROR_SHUTTING_DOWN, STEWARD_ERROR_PREFIX "ShuttingDown" },
        { STEWARD_ERROR_INVALID_CONFIG, STEWARD_ERROR_PREFIX "InvalidConfig" },
        { STEWARD_ERROR_NOT_SUPPORTED, STEWARD_ERROR_PREFIX "NotSupported" },
        { STEWARD_ERROR_NOT_FOUND, STEWARD_ERROR_PREFIX "NotFound" },
};

GQuark
steward_error_quark(void)
{
        static gsize quark = 0;

        g_dbus_error_register_error_domain("steward-error-quark", &quark, steward_error_entries,
                                           G_N_ELEMENTS(steward_error_entries));
        return (GQuark) quark;
}

GError *
steward_error_to_dbus(const GError *error)
{
        if (g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS))
                return g_error_new_literal(G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, error->message);
        if (g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_ACCESS_DENIED))
                return g_error_new_literal(G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, error->message);
        return g_error_copy(error);
}
