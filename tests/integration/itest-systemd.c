/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* itest-systemd.c: the benches' systemd side, the strongest way the
 * manager itself does a job, for comparison in the same run. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "itest.h"

#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_OBJECT_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"

static void
on_job_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
               const char *signal, GVariant *params, gpointer user_data)
{
        ItestJobs *c = user_data;
        const char *unit, *result;

        g_variant_get(params, "(u&o&s&s)", NULL, NULL, &unit, &result);
        if (!g_str_has_prefix(unit, c->prefix) || !g_str_equal(result, "done"))
                return;
        if (c->done++ == 0)
                c->first_usec = g_get_monotonic_time();
        if (c->done >= c->want)
                c->reached = TRUE;
}

static void
on_unit_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *signal, GVariant *params, gpointer user_data)
{
        ItestJobs *c = user_data;
        const char *unit;

        g_variant_get(params, "(&s&o)", &unit, NULL);
        if (g_str_has_prefix(unit, c->prefix) && ++c->removed >= c->want)
                c->gone = TRUE;
}

ItestJobs *
itest_jobs_new(GDBusConnection *bus, const char *prefix, guint want)
{
        ItestJobs *c = g_new0(ItestJobs, 1);
        g_autoptr(GVariant) r = NULL;

        c->bus = g_object_ref(bus);
        c->prefix = g_strdup(prefix);
        c->want = want;
        c->job_sub = g_dbus_connection_signal_subscribe(bus, SYSTEMD_BUS_NAME, SYSTEMD_MANAGER_INTERFACE,
                                                        "JobRemoved", SYSTEMD_OBJECT_PATH, NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE, on_job_removed, c, NULL);
        c->unit_sub = g_dbus_connection_signal_subscribe(bus, SYSTEMD_BUS_NAME, SYSTEMD_MANAGER_INTERFACE,
                                                         "UnitRemoved", SYSTEMD_OBJECT_PATH, NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE, on_unit_removed, c, NULL);
        /* The manager sends JobRemoved and UnitRemoved to subscribers only. */
        r = g_dbus_connection_call_sync(bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                        SYSTEMD_MANAGER_INTERFACE, "Subscribe", NULL, NULL,
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        return c;
}

void
itest_jobs_free(ItestJobs *c)
{
        g_autoptr(GVariant) r = NULL;

        if (!c)
                return;
        /* A subscriber left behind makes the manager send every signal of
         * every unit through the bus daemon too, for the rest of the
         * harness's run: work that whatever is measured next would pay
         * for (a bring-up by stewardd, which has its own connection). */
        r = g_dbus_connection_call_sync(c->bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                        SYSTEMD_MANAGER_INTERFACE, "Unsubscribe", NULL, NULL,
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        g_dbus_connection_signal_unsubscribe(c->bus, c->job_sub);
        g_dbus_connection_signal_unsubscribe(c->bus, c->unit_sub);
        g_clear_error(&c->error);
        g_object_unref(c->bus);
        g_free(c->prefix);
        g_free(c);
}

/* A reply to one StartTransientUnit of many in flight. */
static void
on_start_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        ItestJobs *c = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

        if (!reply) {
                c->failed = TRUE;
                if (!c->error)
                        c->error = g_steal_pointer(&error);
        }
        c->pending--;
}

double
itest_pipelined_scopes(GDBusConnection *bus, guint n, const char *prefix, const char *slice,
                       ItestPeersCpu *ret_spent)
{
        g_autoptr(ItestJobs) c = itest_jobs_new(bus, prefix, n);
        g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(GPid));
        ItestPeers peers;
        gint64 start;
        double took;

        itest_peers_begin(bus, &peers);
        start = g_get_monotonic_time();
        for (guint i = 0; i < n; i++) {
                g_autofree char *unit = g_strdup_printf("%s%u.scope", prefix, i);
                const char *argv[] = { "sleep", "100000", NULL };
                GVariantBuilder props;
                GPid pid;

                if (!g_spawn_async(NULL, (char **) argv, NULL,
                                   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                   &c->error)) {
                        fprintf(stderr, "# process %u of %u: %s\n", i, n, c->error->message);
                        return -1;
                }
                g_array_append_val(pids, pid);
                g_variant_builder_init(&props, G_VARIANT_TYPE("a(sv)"));
                g_variant_builder_add(
                        &props, "(sv)", "PIDs",
                        g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, &pid, 1, sizeof(guint32)));
                if (slice)
                        g_variant_builder_add(&props, "(sv)", "Slice", g_variant_new_string(slice));
                c->pending++;
                /* No timeout of the call's own: the manager answers them in
                 * turn, and at 10,000 the last answer may come after
                 * GDBus's 25 s; the wait below bounds them all. */
                g_dbus_connection_call(bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH, SYSTEMD_MANAGER_INTERFACE,
                                       "StartTransientUnit",
                                       g_variant_new("(ssa(sv)a(sa(sv)))", unit, "fail", &props, NULL),
                                       G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL,
                                       on_start_done, c);
        }
        if (!itest_wait_flag(&c->reached, 600) || c->failed) {
                fprintf(stderr, "# %u of %u scopes started: %s\n", c->done, n,
                        c->error ? c->error->message : "timed out");
                return -1;
        }
        took = (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
        if (ret_spent)
                itest_peers_spent(&peers, ret_spent);
        while (c->pending > 0)
                g_main_context_iteration(NULL, TRUE);
        for (guint i = 0; i < pids->len; i++) {
                (void) kill(g_array_index(pids, GPid, i), SIGKILL);
                (void) waitpid(g_array_index(pids, GPid, i), NULL, 0);
        }
        /* Gone from the manager too, so that what runs next does not
         * share it with them. */
        return itest_wait_flag(&c->gone, 600) ? took : -1;
}

typedef struct {
        const char *old_owner;
        gboolean back;
} ManagerBack;

static void
on_manager_owner_changed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                         const char *signal, GVariant *params, gpointer user_data)
{
        ManagerBack *b = user_data;
        const char *new_owner;

        g_variant_get(params, "(&s&s&s)", NULL, NULL, &new_owner);
        if (*new_owner && !g_str_equal(new_owner, b->old_owner))
                b->back = TRUE;
}

void
itest_manager_reexec(void)
{
        const char *argv[] = { "systemctl", "--user", "daemon-reexec", NULL };
        g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, NULL);
        g_autoptr(GVariant) owner = NULL;
        ManagerBack b = { 0 };
        guint sub;

        ck_assert(bus);
        owner = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "GetNameOwner",
                                            g_variant_new("(s)", SYSTEMD_BUS_NAME), G_VARIANT_TYPE("(s)"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert_msg(owner, "the manager is not on the bus");
        g_variant_get(owner, "(&s)", &b.old_owner);
        /* Subscribed first: the new owner may come before systemctl returns. */
        sub = g_dbus_connection_signal_subscribe(bus, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                                 "NameOwnerChanged", "/org/freedesktop/DBus",
                                                 SYSTEMD_BUS_NAME, G_DBUS_SIGNAL_FLAGS_NONE,
                                                 on_manager_owner_changed, &b, NULL);
        itest_bus_sync(bus);
        ck_assert_int_eq(itest_run(argv, NULL), 0);
        /* systemctl returns once the old manager's connection closed; its
         * bus name comes back with the new one's, a moment later. */
        ck_assert_msg(itest_wait_flag(&b.back, ITEST_TIMEOUT_SEC), "the manager never came back on the bus");
        g_dbus_connection_signal_unsubscribe(bus, sub);
}
