/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-sd-bus.c: stewardctl's calls with sd-bus: the connection, the call, errors and values as GDBus
 * gives them.
 *
 * GDBus sets up a type system, a worker thread and a parser for every
 * value, which in a process that lives for one call costs more than the
 * call: stewardctl restart took 1.6 ms less on sd-bus (docs/ARCHITECTURE.md,
 * "The restart path", "What the operator waits for"). The listing is read
 * in place (stewardctl-list.c); the commands' small answers become
 * GVariants for the formatting shared with the rest of stewardctl. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "steward-error.h"
#include "steward-names.h"
#include "stewardctl-connect.h"
#include "stewardctl-sd-bus.h"

gboolean
stewardctl_sd_bus_set_error(GError **error, int r, const sd_bus_error *e)
{
        if (sd_bus_error_is_set(e)) {
                /* Our own domain's names are known once it is registered. */
                (void) steward_error_quark();
                g_propagate_error(error,
                                  g_dbus_error_new_for_dbus_error(e->name, e->message ? e->message : ""));
        } else
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "%s", g_strerror(-r));
        return FALSE;
}

/* stewardd's private socket, as stewardctl_connect_private() connects to it. */
static sd_bus *
connect_private(gboolean system)
{
        __attribute__((cleanup(sd_bus_unrefp))) sd_bus *bus = NULL;
        g_autofree char *path = stewardctl_private_socket(system);
        g_autofree char *address = NULL;
        int r;

        if (!path)
                return NULL;
        address = stewardctl_private_address(path);
        /* Not a bus client: no Hello, no names. */
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_start(bus);
        /* sd_bus_start() only connects. Authenticating tells a stewardd
         * that serves us from one that hangs up (past its limit of clients,
         * or on its way out), which is as much a reason for the bus, as it
         * is for stewardctl_connect_private(). */
        while (r >= 0 && (r = sd_bus_is_ready(bus)) == 0)
                if ((r = sd_bus_process(bus, NULL)) == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0) {
                g_debug("Not using %s, using the bus: %s", path, g_strerror(-r));
                return NULL;
        }
        return g_steal_pointer(&bus);
}

sd_bus *
stewardctl_sd_bus_connect(gboolean system, GError **error)
{
        sd_bus *bus = connect_private(system);
        int r;

        if (bus)
                return bus;
        r = system ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);
        if (r < 0) {
                stewardctl_sd_bus_set_error(error, r, NULL);
                return NULL;
        }
        return bus;
}

const char *
stewardctl_sd_bus_destination(sd_bus *bus)
{
        return sd_bus_is_bus_client(bus) > 0 ? STEWARD_BUS_NAME : NULL;
}

gboolean
stewardctl_sd_bus_call(sd_bus *bus, const char *path, const char *interface, const char *member,
                       sd_bus_message **reply, GError **error, const char *types, ...)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *call = NULL;
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, stewardctl_sd_bus_destination(bus), path, interface,
                                           member);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(call, 0);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(call, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, &e, reply);
        return r >= 0 || stewardctl_sd_bus_set_error(error, r, &e);
}

static int
read_basic(sd_bus_message *m, char type, GVariant **ret)
{
        union {
                const char *s;
                int b;
                guint8 y;
                gint16 n;
                guint16 q;
                gint32 i;
                guint32 u;
                gint64 x;
                guint64 t;
                double d;
        } v;
        int r = sd_bus_message_read_basic(m, type, &v);

        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (type) {
        case SD_BUS_TYPE_STRING:
                *ret = g_variant_new_string(v.s);
                break;
        case SD_BUS_TYPE_OBJECT_PATH:
                *ret = g_variant_new_object_path(v.s);
                break;
        case SD_BUS_TYPE_SIGNATURE:
                *ret = g_variant_new_signature(v.s);
                break;
        case SD_BUS_TYPE_BOOLEAN:
                *ret = g_variant_new_boolean(v.b);
                break;
        case SD_BUS_TYPE_BYTE:
                *ret = g_variant_new_byte(v.y);
                break;
        case SD_BUS_TYPE_INT16:
                *ret = g_variant_new_int16(v.n);
                break;
        case SD_BUS_TYPE_UINT16:
                *ret = g_variant_new_uint16(v.q);
                break;
        case SD_BUS_TYPE_INT32:
                *ret = g_variant_new_int32(v.i);
                break;
        case SD_BUS_TYPE_UINT32:
                *ret = g_variant_new_uint32(v.u);
                break;
        case SD_BUS_TYPE_INT64:
                *ret = g_variant_new_int64(v.x);
                break;
        case SD_BUS_TYPE_UINT64:
                *ret = g_variant_new_uint64(v.t);
                break;
        case SD_BUS_TYPE_DOUBLE:
                *ret = g_variant_new_double(v.d);
                break;
        default:
                return -EBADMSG;
        }
        return 1;
}

int
stewardctl_sd_bus_read_vardict(sd_bus_message *m, GVariant **ret)
{
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                const char *key, *contents;
                GVariant *value = NULL;

                r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                /* The basic types but h, whose value is no use in a GVariant. */
                if (strlen(contents) == 1 && strchr("ybnqiuxtdsog", contents[0])) {
                        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, contents);
                        if (r >= 0)
                                r = read_basic(m, contents[0], &value);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0) {
                        if (value)
                                g_variant_unref(g_variant_ref_sink(value));
                        return r;
                }
                if (value)
                        g_variant_builder_add(&b, "{sv}", key, value);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
                return r;
        *ret = g_variant_builder_end(&b);
        return 1;
}
