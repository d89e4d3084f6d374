/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-auth.c: who may manage: the caller's credentials from the bus, and the one rule that judges them.
 *
 * Only what the bus daemon says about a connection counts; nothing the
 * caller sends in a message does. */
#include "config.h"

#include <errno.h>
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

/* What the credentials do not say: the process's name, and the groups
 * of a caller whose source told none. */
static void
caller_complete(StewardCaller *c)
{
        c->comm = comm_of(c->pid);
        if (!c->gids && c->uid != 0)
                c->gids = groups_of_uid(c->uid);
}

/* What a lookup answers to; freed with its call's slot. */
typedef struct {
        StewardCallerFunc func;
        gpointer user_data;
} Lookup;

/* GetConnectionCredentials' a{sv}: the uid is required, the rest is not. */
static int
read_credentials(sd_bus_message *reply, StewardCaller *c, gboolean *have_uid)
{
        int r;

        if ((r = sd_bus_message_enter_container(reply, 'a', "{sv}")) < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;

                if ((r = sd_bus_message_read(reply, "s", &key)) < 0)
                        return r;
                if (g_str_equal(key, "UnixUserID")) {
                        r = sd_bus_message_read(reply, "v", "u", &c->uid);
                        *have_uid = r >= 0;
                } else if (g_str_equal(key, "ProcessID"))
                        r = sd_bus_message_read(reply, "v", "u", &c->pid);
                else if (g_str_equal(key, "UnixGroupIDs") &&
                         (r = sd_bus_message_enter_container(reply, 'v', "au")) > 0) {
                        const void *gids;
                        size_t size;

                        if ((r = sd_bus_message_read_array(reply, 'u', &gids, &size)) < 0)
                                return r;
                        c->gids = g_array_sized_new(FALSE, FALSE, sizeof(guint32),
                                                    (guint) (size / sizeof(guint32)));
                        g_array_append_vals(c->gids, gids, (guint) (size / sizeof(guint32)));
                        r = sd_bus_message_exit_container(reply);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

static int
on_credentials(sd_bus_message *reply, void *user_data, sd_bus_error *ret_error)
{
        Lookup *l = user_data;
        g_autoptr(StewardCaller) c = g_new0(StewardCaller, 1);
        g_autoptr(GError) error = NULL;
        gboolean have_uid = FALSE;
        int r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);

                g_set_error(&error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", e->message ? e->message : e->name);
        } else if ((r = read_credentials(reply, c, &have_uid)) < 0)
                g_set_error(&error, G_IO_ERROR, g_io_error_from_errno(-r),
                            "the bus's credentials cannot be read: %s", g_strerror(-r));
        else if (!have_uid)
                g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                    "the bus does not know the caller's uid");
        if (error) {
                l->func(NULL, error, l->user_data);
                return 0;
        }
        caller_complete(c);
        l->func(g_steal_pointer(&c), NULL, l->user_data);
        return 0;
}

int
steward_caller_lookup(sd_bus *bus, const char *sender, sd_bus_slot **slot, StewardCallerFunc func,
                      gpointer user_data)
{
        Lookup *l;
        int r;

        /* A peer-to-peer connection has no sender, and no bus to vouch for it. */
        if (!sender)
                return -ENOTCONN;
        l = g_new(Lookup, 1);
        *l = (Lookup){ func, user_data };
        r = sd_bus_call_method_async(bus, slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetConnectionCredentials", on_credentials, l,
                                     "s", sender);
        if (r < 0) {
                g_free(l);
                return r;
        }
        sd_bus_slot_set_destroy_callback(*slot, g_free);
        return 0;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_creds, sd_bus_creds_unref)

StewardCaller *
steward_caller_of_peer(sd_bus_message *call, GError **error)
{
        g_autoptr(sd_bus_creds) creds = NULL;
        g_autoptr(StewardCaller) c = g_new0(StewardCaller, 1);
        const uint64_t mask = SD_BUS_CREDS_EUID | SD_BUS_CREDS_PID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS;
        const gid_t *gids = NULL;
        uid_t uid;
        pid_t pid;
        int r, n;

        /* Without a sender, sd-bus answers with the socket's peer. Its uid
         * is the effective one, as the bus daemon's UnixUserID is. */
        if ((r = sd_bus_query_sender_creds(call, mask, &creds)) < 0 ||
            (r = sd_bus_creds_get_euid(creds, &uid)) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
                            "the connection does not tell the client's uid: %s", g_strerror(-r));
                return NULL;
        }
        c->uid = uid;
        if (sd_bus_creds_get_pid(creds, &pid) >= 0)
                c->pid = (guint32) pid;
        n = sd_bus_creds_get_supplementary_gids(creds, &gids);
        if (n >= 0) {
                c->gids = g_array_sized_new(FALSE, FALSE, sizeof(guint32), (guint) n);
                for (int i = 0; i < n; i++) {
                        guint32 g = gids[i];
                        g_array_append_val(c->gids, g);
                }
        }
        caller_complete(c);
        return g_steal_pointer(&c);
}
