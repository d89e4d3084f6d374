/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-auth.c: who may manage: the caller's credentials from the bus, and the one rule that judges them.
 *
 * Only what the bus daemon says about a connection counts; nothing the
 * caller sends in a message does. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "steward-auth.h"

void
steward_caller_free(StewardCaller *c)
{
        if (!c)
                return;
        g_free(c->comm);
        if (c->gids)
                g_array_unref(c->gids);
        g_free(c);
}

StewardActor
steward_caller_actor(const StewardCaller *c)
{
        StewardActor a = { .uid = c->uid, .pid = c->pid, .comm = c->comm };

        return a;
}

gboolean
steward_caller_may_manage(const StewardCaller *c, const StewardAuthRule *rule)
{
        if (c->uid == 0)
                return TRUE;
        /* A user instance is its owner's: refusing them would leave it
         * manageable by root alone. */
        if (rule->mode == STEWARD_MODE_USER && c->uid == (guint32) rule->owner_uid)
                return TRUE;
        if (rule->allowed_gid == (gid_t) -1 || !c->gids)
                return FALSE;
        for (guint i = 0; i < c->gids->len; i++)
                if (g_array_index(c->gids, guint32, i) == (guint32) rule->allowed_gid)
                        return TRUE;
        return FALSE;
}

/* The groups of a uid from NSS, for buses that do not report them. */
static GArray *
groups_of_uid(uid_t uid)
{
        GArray *gids = g_array_new(FALSE, FALSE, sizeof(guint32));
        struct passwd pw, *pwr = NULL;
        char buf[16384];
        gid_t groups[256];
        int n = G_N_ELEMENTS(groups);

        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwr) != 0 || !pwr)
                return gids;
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
                n = G_N_ELEMENTS(groups);
        for (int i = 0; i < n; i++) {
                guint32 g = groups[i];
                g_array_append_val(gids, g);
        }
        return gids;
}

char *
steward_caller_comm_from_bytes(const char *data, gsize length)
{
        const char *nul = memchr(data, '\0', length);
        g_autofree char *comm = NULL;

        if (nul)
                length = (gsize) (nul - data);
        /* Any process can name itself any bytes (PR_SET_NAME), and the
         * name goes into events, the journal and GVariant strings, which
         * must be UTF-8: invalid bytes become U+FFFD. */
        comm = g_utf8_make_valid(data, (gssize) length);
        return g_strdup(g_strchomp(comm));
}

static char *
comm_of(guint32 pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%u/comm", pid);
        g_autofree char *comm = NULL;
        gsize length;

        if (pid == 0 || !g_file_get_contents(path, &comm, &length, NULL))
                return g_strdup("");
        return steward_caller_comm_from_bytes(comm, length);
}

static void
on_credentials(GObject *source, GAsyncResult *res, gpointer user_data)
{
        g_autoptr(GTask) task = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) creds = NULL;
        g_autoptr(GVariant) groups = NULL;
        g_autoptr(StewardCaller) c = g_new0(StewardCaller, 1);

        reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        if (!reply) {
                g_task_return_error(task, g_steal_pointer(&error));
                return;
        }
        g_variant_get(reply, "(@a{sv})", &creds);
        if (!g_variant_lookup(creds, "UnixUserID", "u", &c->uid)) {
                g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                        "the bus does not know the caller's uid");
                return;
        }
        (void) g_variant_lookup(creds, "ProcessID", "u", &c->pid);
        c->comm = comm_of(c->pid);
        groups = g_variant_lookup_value(creds, "UnixGroupIDs", G_VARIANT_TYPE("au"));
        if (groups) {
                gsize n;
                const guint32 *gids = g_variant_get_fixed_array(groups, &n, sizeof(guint32));
                c->gids = g_array_sized_new(FALSE, FALSE, sizeof(guint32), (guint) n);
                g_array_append_vals(c->gids, gids, (guint) n);
        } else if (c->uid != 0)
                c->gids = groups_of_uid(c->uid);
        g_task_return_pointer(task, g_steal_pointer(&c), (GDestroyNotify) steward_caller_free);
}

void
steward_caller_lookup(GDBusConnection *bus, const char *sender, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
        GTask *task = g_task_new(bus, cancellable, callback, user_data);

        g_task_set_source_tag(task, steward_caller_lookup);
        g_dbus_connection_call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionCredentials", g_variant_new("(s)", sender),
                               G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                               on_credentials, task);
}

StewardCaller *
steward_caller_lookup_finish(GAsyncResult *res, GError **error)
{
        return g_task_propagate_pointer(G_TASK(res), error);
}
