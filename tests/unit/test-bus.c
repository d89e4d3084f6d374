/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-bus.c: the bus objects against a fake manager, on a private bus daemon and on a direct
 * connection, without root. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "steward-auth.h"
#include "steward-bus.h"
#include "steward-names.h"
#include "steward-sd-bus.h"
#include "steward-test.h"
#include "steward-util.h"

/* ---- a fake manager: two children, two supervisors ------------------------- */

typedef struct {
        StewardChildInfo children[2];
        StewardSupervisorInfo supervisors[2];
        const char *units[2];
        const char *files[2];
        gid_t allowed_gid;
        StewardMode mode;
        StewardTreeState tree_state;
        gboolean shutting_down;
        guint commands;
        StewardCommandKind last_kind;
        char *last_target;
        char *last_reason;
        guint denied;
        char *denied_method;
        char *last_comm; /* of the last caller, allowed or not */
        guint reloads;
        guint reexecutes;
        guint64 notify_dropped;
        guint walked; /* entries read by index: a walk over the tree */
} Fake;

static gboolean
fake_command(gpointer user_data, StewardCommandKind kind, const char *target, const char *reason,
             const StewardActor *actor, StewardCommandOutcome *outcome, char **command_id, GError **error)
{
        Fake *f = user_data;
        gboolean found = kind == STEWARD_COMMAND_SHUTDOWN;

        for (guint i = 0; i < 2 && !found; i++)
                found = kind == STEWARD_COMMAND_RESUME_SUPERVISOR
                                ? g_str_equal(f->supervisors[i].name, target)
                                : g_str_equal(f->children[i].name, target);
        if (!found) {
                g_set_error(error, STEWARD_ERROR,
                            kind == STEWARD_COMMAND_RESUME_SUPERVISOR ? STEWARD_ERROR_NO_SUCH_SUPERVISOR
                                                                      : STEWARD_ERROR_NO_SUCH_CHILD,
                            "No '%s'", target);
                return FALSE;
        }
        f->commands++;
        f->last_kind = kind;
        g_free(f->last_target);
        f->last_target = g_strdup(target);
        g_free(f->last_reason);
        f->last_reason = g_strdup(reason);
        g_free(f->last_comm);
        f->last_comm = g_strdup(actor->comm);
        *outcome = (StewardCommandOutcome){ .decision = STEWARD_DECISION_STARTED_IMMEDIATELY,
                                            .generation = 3,
                                            .state = STEWARD_CHILD_STATE_STARTING };
        if (command_id)
                *command_id = g_strdup("cmd-fake-1");
        return TRUE;
}

static void
fake_command_denied(gpointer user_data, const char *method, const char *target, const StewardActor *actor)
{
        Fake *f = user_data;

        f->denied++;
        g_free(f->denied_method);
        f->denied_method = g_strdup(method);
        g_free(f->last_comm);
        f->last_comm = g_strdup(actor->comm);
}

static gboolean
fake_reload(gpointer user_data, const StewardActor *actor, GStrv *added, GStrv *removed, GStrv *changed,
            GError **error)
{
        Fake *f = user_data;
        const char *none[] = { NULL };
        const char *one[] = { "web", NULL };

        f->reloads++;
        *added = g_strdupv((char **) none);
        *removed = g_strdupv((char **) none);
        *changed = g_strdupv((char **) one);
        return TRUE;
}

static StewardTreeState
fake_get_tree_state(gpointer user_data)
{
        return ((Fake *) user_data)->tree_state;
}

static gboolean
fake_is_shutting_down(gpointer user_data)
{
        return ((Fake *) user_data)->shutting_down;
}

static guint
fake_get_n(gpointer user_data)
{
        return 2;
}

static gboolean
fake_get_child_at(gpointer user_data, guint index, StewardChildInfo *info)
{
        Fake *f = user_data;

        f->walked++;
        if (index >= 2)
                return FALSE;
        *info = f->children[index];
        return TRUE;
}

static gboolean
fake_get_child(gpointer user_data, const char *name, StewardChildInfo *info)
{
        Fake *f = user_data;

        for (guint i = 0; i < 2; i++)
                if (g_str_equal(f->children[i].name, name)) {
                        *info = f->children[i];
                        return TRUE;
                }
        return FALSE;
}

static gboolean
fake_get_supervisor_at(gpointer user_data, guint index, StewardSupervisorInfo *info)
{
        Fake *f = user_data;

        f->walked++;
        if (index >= 2)
                return FALSE;
        *info = f->supervisors[index];
        return TRUE;
}

static gboolean
fake_get_supervisor(gpointer user_data, const char *name, StewardSupervisorInfo *info)
{
        Fake *f = user_data;

        for (guint i = 0; i < 2; i++)
                if (g_str_equal(f->supervisors[i].name, name)) {
                        *info = f->supervisors[i];
                        return TRUE;
                }
        return FALSE;
}

static const char *
fake_get_unit(gpointer user_data, const char *child)
{
        Fake *f = user_data;

        for (guint i = 0; i < 2; i++)
                if (g_str_equal(f->children[i].name, child))
                        return f->units[i];
        return NULL;
}

static StewardMode
fake_get_mode(gpointer user_data)
{
        return ((Fake *) user_data)->mode;
}

static const char *
fake_get_backend_name(gpointer user_data)
{
        return "process";
}

static const char *const *
fake_get_config_files(gpointer user_data)
{
        return ((Fake *) user_data)->files;
}

static gid_t
fake_get_allowed_gid(gpointer user_data)
{
        return ((Fake *) user_data)->allowed_gid;
}

static gboolean
fake_reexecute(gpointer user_data, const StewardActor *actor, GError **error)
{
        ((Fake *) user_data)->reexecutes++;
        return TRUE;
}

static guint64
fake_get_notify_dropped(gpointer user_data)
{
        return ((Fake *) user_data)->notify_dropped;
}

static const StewardBusOps fake_ops = {
        .reexecute = fake_reexecute,
        .command = fake_command,
        .command_denied = fake_command_denied,
        .reload = fake_reload,
        .get_tree_state = fake_get_tree_state,
        .is_shutting_down = fake_is_shutting_down,
        .get_n_children = fake_get_n,
        .get_child_at = fake_get_child_at,
        .get_child = fake_get_child,
        .get_n_supervisors = fake_get_n,
        .get_supervisor_at = fake_get_supervisor_at,
        .get_supervisor = fake_get_supervisor,
        .get_unit = fake_get_unit,
        .get_mode = fake_get_mode,
        .get_backend_name = fake_get_backend_name,
        .get_config_files = fake_get_config_files,
        .get_allowed_gid = fake_get_allowed_gid,
        .get_notify_dropped = fake_get_notify_dropped,
};

/* ---- a private bus with the objects on it ------------------------------------ */

/* The objects are served by sd-bus as in stewardd; the client is GDBus, as
 * stewardctl and most clients are. Both are run by this thread's default
 * main context. */
typedef struct {
        GTestDBus *dbus;
        sd_bus *server;
        GSource *server_source;
        const char *server_name; /* what the client calls */
        GDBusConnection *client;
        StewardBus *bus;
        Fake fake;
        gboolean hold_start; /* setup() leaves the tree unstarted */
        gboolean direct; /* the client is connected straight to the objects, no bus */
} Fixture;

static Fixture fx;

static GDBusConnection *
connect_to(const char *address)
{
        g_autoptr(GError) error = NULL;
        GDBusConnection *c = g_dbus_connection_new_for_address_sync(
                address,
                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, &error);

        ck_assert_msg(c, "%s", error ? error->message : "");
        return c;
}

/* An sd-bus connection to the test's bus daemon, dispatched by the default
 * main context. */
static void
connect_server(const char *address)
{
        ck_assert_int_ge(sd_bus_new(&fx.server), 0);
        ck_assert_int_ge(sd_bus_set_address(fx.server, address), 0);
        ck_assert_int_ge(sd_bus_set_bus_client(fx.server, 1), 0);
        ck_assert_int_ge(sd_bus_start(fx.server), 0);
        /* Blocks until the bus daemon has answered Hello. */
        ck_assert_int_ge(sd_bus_get_unique_name(fx.server, &fx.server_name), 0);
        fx.server_source = steward_sd_bus_source_new(fx.server);
        g_source_attach(fx.server_source, NULL);
}

static void
on_client_ready(GObject *source, GAsyncResult *res, gpointer user_data)
{
        GDBusConnection **client = user_data;
        g_autoptr(GError) error = NULL;

        *client = g_dbus_connection_new_finish(res, &error);
        ck_assert_msg(*client, "%s", error ? error->message : "");
}

/* A GDBus client on one end of a socket pair, @b serving the other. The
 * handshake is answered by this thread: the main context turns until it is
 * over. */
static GDBusConnection *
connect_direct(StewardBus *b)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GSocket) socket = NULL;
        g_autoptr(GSocketConnection) stream = NULL;
        GDBusConnection *client = NULL;
        int fds[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ck_assert_msg(steward_bus_add_direct(b, fds[0], &error), "%s", error ? error->message : "");
        socket = g_socket_new_from_fd(fds[1], &error);
        ck_assert_msg(socket, "%s", error ? error->message : "");
        stream = g_socket_connection_factory_create_connection(socket);
        g_dbus_connection_new(G_IO_STREAM(stream), NULL, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL,
                              NULL, on_client_ready, &client);
        while (!client)
                g_main_context_iteration(NULL, TRUE);
        return client;
}

static void
setup(void)
{
        g_autoptr(GError) error = NULL;
        gboolean hold_start = fx.hold_start, direct = fx.direct;

        memset(&fx, 0, sizeof(fx));
        fx.hold_start = hold_start;
        fx.direct = direct;
        fx.fake.children[0] = (StewardChildInfo){ .name = "web",
                                                  .supervisor = STEWARD_ROOT_SUPERVISOR,
                                                  .role = STEWARD_ROLE_SERVICE,
                                                  .state = STEWARD_CHILD_STATE_RUNNING,
                                                  .generation = 2,
                                                  .attempt = 3,
                                                  .main_pid = 4242,
                                                  .status_text = "serving",
                                                  .last_spawn_error = "" };
        fx.fake.children[1] =
                (StewardChildInfo){ .name = "db.1",
                                    .supervisor = "tier",
                                    .role = STEWARD_ROLE_WORKER,
                                    .state = STEWARD_CHILD_STATE_STOPPED,
                                    .status_text = "",
                                    .last_spawn_error = "exec '/usr/bin/db': No such file or directory" };
        fx.fake.supervisors[0] = (StewardSupervisorInfo){ .name = STEWARD_ROOT_SUPERVISOR,
                                                          .state = STEWARD_SUPERVISOR_STATE_RUNNING };
        fx.fake.supervisors[1] = (StewardSupervisorInfo){ .name = "tier",
                                                          .parent = STEWARD_ROOT_SUPERVISOR,
                                                          .strategy = STEWARD_STRATEGY_ONE_FOR_ALL,
                                                          .escalation = STEWARD_ESCALATION_QUARANTINE,
                                                          .state = STEWARD_SUPERVISOR_STATE_QUARANTINED };
        fx.fake.units[0] = "steward-web-2.scope";
        fx.fake.files[0] = "/etc/steward/steward.conf";
        fx.fake.allowed_gid = (gid_t) -1;
        fx.fake.mode = STEWARD_MODE_USER;
        fx.fake.tree_state = STEWARD_TREE_STATE_RUNNING;

        if (direct) {
                /* No bus at all: the objects serve the client alone. */
                fx.bus = steward_bus_new(NULL, &fake_ops, &fx.fake, &error);
                ck_assert_msg(fx.bus, "%s", error ? error->message : "");
                fx.client = connect_direct(fx.bus);
        } else {
                fx.dbus = g_test_dbus_new(G_TEST_DBUS_NONE);
                g_test_dbus_up(fx.dbus);
                connect_server(g_test_dbus_get_bus_address(fx.dbus));
                fx.client = connect_to(g_test_dbus_get_bus_address(fx.dbus));
                fx.bus = steward_bus_new(fx.server, &fake_ops, &fx.fake, &error);
                ck_assert_msg(fx.bus, "%s", error ? error->message : "");
        }
        if (!fx.hold_start)
                steward_bus_tree_started(fx.bus);
}

/* The tree is still being taken over from a previous run. */
static void
setup_unstarted(void)
{
        fx.hold_start = TRUE;
        setup();
}

/* The same objects to a client connected straight to them, as stewardctl
 * is through the private socket. */
static void
setup_direct(void)
{
        fx.direct = TRUE;
        setup();
}

static void
setup_direct_unstarted(void)
{
        fx.direct = TRUE;
        setup_unstarted();
}

static void
teardown(void)
{
        g_clear_pointer(&fx.bus, steward_bus_free);
        if (fx.server_source) {
                g_source_destroy(fx.server_source);
                g_clear_pointer(&fx.server_source, g_source_unref);
        }
        fx.server = sd_bus_flush_close_unref(fx.server);
        g_dbus_connection_close_sync(fx.client, NULL, NULL);
        g_clear_object(&fx.client);
        if (fx.dbus) {
                g_test_dbus_down(fx.dbus);
                g_clear_object(&fx.dbus);
        }
        g_free(fx.fake.last_target);
        g_free(fx.fake.last_reason);
        g_free(fx.fake.denied_method);
        g_free(fx.fake.last_comm);
        fx.hold_start = fx.direct = FALSE;
}

typedef struct {
        GVariant *reply;
        GError *error;
        gboolean done;
} Reply;

static void
on_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Reply *r = user_data;

        r->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &r->error);
        r->done = TRUE;
}

/* One call, served by this very thread: the main context turns until the
 * answer is back (a synchronous call would wait for itself). */
static GVariant *
call(const char *path, const char *iface, const char *method, GVariant *params, GError **error)
{
        Reply r = { 0 };

        g_dbus_connection_call(fx.client, fx.server_name, path, iface, method, params, NULL,
                               G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_reply, &r);
        while (!r.done)
                g_main_context_iteration(NULL, TRUE);
        if (r.error)
                g_propagate_error(error, r.error);
        return r.reply;
}

static GVariant *
call_ok(const char *path, const char *iface, const char *method, GVariant *params)
{
        g_autoptr(GError) error = NULL;
        GVariant *reply = call(path, iface, method, params, &error);

        ck_assert_msg(reply, "%s: %s", method, error ? error->message : "");
        return reply;
}

static void
assert_call_error(const char *path, const char *iface, const char *method, GVariant *params,
                  const char *error_name)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = call(path, iface, method, params, &error);
        g_autofree char *remote = NULL;

        ck_assert_msg(!reply, "%s succeeded", method);
        remote = g_dbus_error_get_remote_error(error);
        ck_assert_msg(g_strcmp0(remote, error_name) == 0, "%s: %s, not %s (%s)", method, remote, error_name,
                      error->message);
}

static GVariant *
manager_call(const char *method, GVariant *params)
{
        return call_ok(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, method, params);
}

static void
manager_error(const char *method, GVariant *params, const char *error_name)
{
        assert_call_error(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, method, params, error_name);
}

static char *
path_of(const char *prefix, const char *name)
{
        g_autofree char *label = steward_bus_label_escape(name);

        return g_strdup_printf("%s/%s", prefix, label);
}

static GVariant *
get_property(const char *path, const char *iface, const char *property)
{
        g_autoptr(GVariant) reply =
                call_ok(path, DBUS_PROPERTIES_INTERFACE, "Get", g_variant_new("(ss)", iface, property));
        GVariant *v;

        g_variant_get(reply, "(v)", &v);
        return v;
}

static void
assert_string_property(const char *path, const char *iface, const char *property, const char *expected)
{
        g_autoptr(GVariant) v = get_property(path, iface, property);

        ck_assert_str_eq(g_variant_get_string(v, NULL), expected);
}

static guint64
uint64_property(const char *path, const char *iface, const char *property)
{
        g_autoptr(GVariant) v = get_property(path, iface, property);

        return g_variant_get_uint64(v);
}

#define INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"
#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
/* What sd-bus answers a call to an object path it serves nothing at. */
#define UNKNOWN_OBJECT "org.freedesktop.DBus.Error.UnknownObject"

/* ---- tests ---------------------------------------------------------------------- */

START_TEST(test_queries)
{
        g_autoptr(GVariant) children = manager_call("ListChildren", NULL);
        g_autoptr(GVariant) supervisors = manager_call("ListSupervisors", NULL);
        g_autoptr(GVariant) child = manager_call("GetChild", g_variant_new("(s)", "db.1"));
        g_autoptr(GVariant) sup = manager_call("GetSupervisor", g_variant_new("(s)", "tier"));
        g_autoptr(GVariant) rows = g_variant_get_child_value(children, 0);
        g_autoptr(GVariant) sup_rows = g_variant_get_child_value(supervisors, 0);
        g_autofree char *web_path = path_of(STEWARD_CHILD_PATH_PREFIX, "web");
        g_autofree char *db_path = path_of(STEWARD_CHILD_PATH_PREFIX, "db.1");
        g_autofree char *root_path = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, STEWARD_ROOT_SUPERVISOR);
        g_autofree char *tier_path = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "tier");
        const char *name, *supervisor, *state, *path;
        guint64 generation, attempt;

        /* Each row is written straight into the reply: every field of both. */
        ck_assert_str_eq(g_variant_get_type_string(children), "(a(ssstto))");
        ck_assert_uint_eq(g_variant_n_children(rows), 2);
        g_variant_get_child(rows, 0, "(&s&s&stt&o)", &name, &supervisor, &state, &generation, &attempt,
                            &path);
        ck_assert_str_eq(name, "web");
        ck_assert_str_eq(supervisor, STEWARD_ROOT_SUPERVISOR);
        ck_assert_str_eq(state, "running");
        ck_assert_uint_eq(generation, 2);
        ck_assert_uint_eq(attempt, 3);
        ck_assert_str_eq(path, web_path);
        g_variant_get_child(rows, 1, "(&s&s&stt&o)", &name, &supervisor, &state, &generation, &attempt,
                            &path);
        ck_assert_str_eq(name, "db.1");
        ck_assert_str_eq(supervisor, "tier");
        ck_assert_str_eq(state, "stopped");
        ck_assert_uint_eq(generation, 0);
        ck_assert_uint_eq(attempt, 0);
        ck_assert_str_eq(path, db_path);

        ck_assert_str_eq(g_variant_get_type_string(supervisors), "(a(ssso))");
        ck_assert_uint_eq(g_variant_n_children(sup_rows), 2);
        g_variant_get_child(sup_rows, 0, "(&s&s&s&o)", &name, &supervisor, &state, &path);
        ck_assert_str_eq(name, STEWARD_ROOT_SUPERVISOR);
        ck_assert_str_eq(supervisor, "");
        ck_assert_str_eq(state, "running");
        ck_assert_str_eq(path, root_path);
        g_variant_get_child(sup_rows, 1, "(&s&s&s&o)", &name, &supervisor, &state, &path);
        ck_assert_str_eq(name, "tier");
        ck_assert_str_eq(supervisor, STEWARD_ROOT_SUPERVISOR);
        ck_assert_str_eq(state, "quarantined");
        ck_assert_str_eq(path, tier_path);

        g_variant_get(child, "(&o)", &path);
        ck_assert_str_eq(path, db_path);
        g_variant_get(sup, "(&o)", &path);
        ck_assert_str_eq(path, tier_path);

        manager_error("GetChild", g_variant_new("(s)", "ghost"),
                      "org.steward.Supervisor1.Error.NoSuchChild");
        manager_error("GetSupervisor", g_variant_new("(s)", "ghost"),
                      "org.steward.Supervisor1.Error.NoSuchSupervisor");
        manager_error("GetChild", g_variant_new("(s)", "bad/name"), INVALID_ARGS);
        manager_error("GetSupervisor", g_variant_new("(s)", ""), INVALID_ARGS);
}
END_TEST

START_TEST(test_properties)
{
        g_autofree char *web = path_of(STEWARD_CHILD_PATH_PREFIX, "web");
        g_autofree char *db = path_of(STEWARD_CHILD_PATH_PREFIX, "db.1");
        g_autofree char *tier = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "tier");
        g_autofree char *ghost = path_of(STEWARD_CHILD_PATH_PREFIX, "ghost");
        g_autoptr(GVariant) count =
                get_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "ChildCount");
        g_autoptr(GVariant) files =
                get_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "ConfigFiles");
        g_autoptr(GVariant) pid = get_property(web, STEWARD_CHILD_INTERFACE, "MainPID");
        g_autoptr(GVariant) gen = get_property(web, STEWARD_CHILD_INTERFACE, "Generation");

        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "Version", PACKAGE_VERSION);
        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "Mode", "user");
        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "Backend", "process");
        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "State", "running");
        ck_assert_uint_eq(g_variant_get_uint32(count), 2);
        {
                g_autofree const char **paths = g_variant_get_strv(files, NULL);
                ck_assert_str_eq(paths[0], "/etc/steward/steward.conf");
        }

        assert_string_property(web, STEWARD_CHILD_INTERFACE, "Unit", "steward-web-2.scope");
        assert_string_property(web, STEWARD_CHILD_INTERFACE, "Role", "service");
        assert_string_property(web, STEWARD_CHILD_INTERFACE, "StatusText", "serving");
        assert_string_property(web, STEWARD_CHILD_INTERFACE, "LastSpawnError", "");
        assert_string_property(db, STEWARD_CHILD_INTERFACE, "LastSpawnError",
                               "exec '/usr/bin/db': No such file or directory");
        ck_assert_uint_eq(g_variant_get_uint32(pid), 4242);
        ck_assert_uint_eq(g_variant_get_uint64(gen), 2);
        assert_string_property(db, STEWARD_CHILD_INTERFACE, "Unit", "");
        assert_string_property(db, STEWARD_CHILD_INTERFACE, "Supervisor", "tier");
        assert_string_property(db, STEWARD_CHILD_INTERFACE, "Role", "worker");
        assert_string_property(tier, STEWARD_SUPERVISOR_INTERFACE, "Parent", "root");
        assert_string_property(tier, STEWARD_SUPERVISOR_INTERFACE, "Strategy", "one-for-all");
        assert_string_property(tier, STEWARD_SUPERVISOR_INTERFACE, "Escalation", "quarantine");
        assert_string_property(tier, STEWARD_SUPERVISOR_INTERFACE, "State", "quarantined");
        /* No object for a name the tree does not have. */
        assert_call_error(ghost, DBUS_PROPERTIES_INTERFACE, "Get",
                          g_variant_new("(ss)", STEWARD_CHILD_INTERFACE, "State"), UNKNOWN_OBJECT);
}
END_TEST

/* A call to one object costs a look-up of its name, not a walk over the
 * tree: a whole-tree status makes one per child. sd-bus asks the node
 * enumerators only for an Introspect, GDBus enumerated a subtree for each
 * call to one of its nodes unless told not to. */
START_TEST(test_object_calls_do_not_walk)
{
        g_autofree char *web = path_of(STEWARD_CHILD_PATH_PREFIX, "web");
        g_autofree char *tier = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "tier");
        g_autofree char *ghost = path_of(STEWARD_CHILD_PATH_PREFIX, "ghost");
        g_autofree char *ghost_sup = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "ghost");
        g_autoptr(GVariant) all = NULL;
        g_autoptr(GVariant) sup = NULL;
        g_autoptr(GVariant) state = NULL;
        g_autoptr(GVariant) restarted = NULL;

        fx.fake.walked = 0;
        all = call_ok(web, DBUS_PROPERTIES_INTERFACE, "GetAll",
                      g_variant_new("(s)", STEWARD_CHILD_INTERFACE));
        sup = call_ok(tier, DBUS_PROPERTIES_INTERFACE, "GetAll",
                      g_variant_new("(s)", STEWARD_SUPERVISOR_INTERFACE));
        state = get_property(web, STEWARD_CHILD_INTERFACE, "State");
        restarted = call_ok(web, STEWARD_CHILD_INTERFACE, "Restart", g_variant_new("(s)", "test"));
        ck_assert_uint_eq(fx.fake.walked, 0);
        ck_assert_str_eq(g_variant_get_string(state, NULL), "running");
        ck_assert_uint_eq(fx.fake.commands, 1);
        ck_assert_str_eq(fx.fake.last_target, "web");

        /* A name the tree does not have is still no object. */
        assert_call_error(ghost, DBUS_PROPERTIES_INTERFACE, "GetAll",
                          g_variant_new("(s)", STEWARD_CHILD_INTERFACE), UNKNOWN_OBJECT);
        assert_call_error(ghost, STEWARD_CHILD_INTERFACE, "Restart", g_variant_new("(s)", "test"),
                          UNKNOWN_OBJECT);
        assert_call_error(ghost_sup, DBUS_PROPERTIES_INTERFACE, "GetAll",
                          g_variant_new("(s)", STEWARD_SUPERVISOR_INTERFACE), UNKNOWN_OBJECT);
        assert_call_error(STEWARD_CHILD_PATH_PREFIX "/bad_", DBUS_PROPERTIES_INTERFACE, "GetAll",
                          g_variant_new("(s)", STEWARD_CHILD_INTERFACE), UNKNOWN_OBJECT);
        ck_assert_uint_eq(fx.fake.walked, 0);
}
END_TEST

static void
no_trim(gpointer user_data)
{
}

/* Every call is an input of stewardd's heap trim, reads too: a GetAll of
 * a child is one, whatever its properties; so is a manager property. */
START_TEST(test_calls_are_memory_inputs)
{
        g_autofree char *web = path_of(STEWARD_CHILD_PATH_PREFIX, "web");
        g_autofree char *tier = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "tier");
        /* A burst of three; a quiet long enough that no trim runs here. */
        g_autoptr(StewardMemory) m = steward_memory_new((guint64) 3600 * G_USEC_PER_SEC, 3, no_trim, NULL);
        g_autoptr(GVariant) all = NULL;
        g_autoptr(GVariant) sup = NULL;
        g_autoptr(GVariant) mode = NULL;

        steward_bus_set_memory(fx.bus, m);
        /* A signal reads its values as a call would, and is no call. */
        for (guint i = 0; i < 3; i++) {
                steward_bus_child_changed(fx.bus, "web", STEWARD_PROPERTY_STATE);
                steward_bus_supervisor_changed(fx.bus, "tier", STEWARD_PROPERTY_STATE);
                steward_bus_manager_changed(fx.bus, STEWARD_PROPERTY_STATE | STEWARD_PROPERTY_CHILD_COUNT);
        }
        ck_assert(!steward_memory_is_pending(m));
        all = call_ok(web, DBUS_PROPERTIES_INTERFACE, "GetAll",
                      g_variant_new("(s)", STEWARD_CHILD_INTERFACE));
        sup = call_ok(tier, DBUS_PROPERTIES_INTERFACE, "GetAll",
                      g_variant_new("(s)", STEWARD_SUPERVISOR_INTERFACE));
        ck_assert(!steward_memory_is_pending(m));
        mode = get_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "Mode");
        ck_assert(steward_memory_is_pending(m));
        steward_bus_set_memory(fx.bus, NULL);
}
END_TEST

static int
journal_refuses(const struct iovec *iov, int n, gpointer user_data)
{
        return -EIO;
}

/* The daemon's counters (stewardctl metrics): read on demand from what counts them. */
START_TEST(test_counters)
{
        g_autofree char *web = path_of(STEWARD_CHILD_PATH_PREFIX, "web");
        StewardEvent ev = { .kind = STEWARD_EVENT_CHILD_STARTED,
                            .fields = STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_GENERATION,
                            .child = "web",
                            .generation = 2 };
        g_autoptr(StewardLog) log = steward_log_new_journal(journal_refuses, NULL, 8);

        ck_assert_uint_eq(uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "EventsTotal"), 0);
        ck_assert_uint_eq(uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "CallsDenied"), 0);
        ck_assert_uint_eq(
                uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "JournalEntriesLost"), 0);
        for (guint i = 0; i < 3; i++)
                steward_bus_emit_event(fx.bus, 10 + i, &ev, NULL);
        ck_assert_uint_eq(uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "EventsTotal"), 3);

        fx.fake.notify_dropped = 17;
        ck_assert_uint_eq(
                uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "NotifyMessagesDropped"),
                17);

        steward_bus_set_log(fx.bus, log);
        steward_log_event(log, 1, &ev, NULL);
        steward_log_flush(log);
        ck_assert_uint_gt(steward_log_get_failures(log), 0);
        ck_assert_uint_eq(
                uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "JournalEntriesLost"),
                steward_log_get_failures(log));
        steward_bus_set_log(fx.bus, NULL);

        /* A child's fences: the ended waits, and the one under way as it grows. */
        fx.fake.children[0].fence_waits = 3;
        fx.fake.children[0].fence_wait_usec = 5 * G_USEC_PER_SEC;
        ck_assert_uint_eq(uint64_property(web, STEWARD_CHILD_INTERFACE, "FenceWaits"), 3);
        ck_assert_uint_eq(uint64_property(web, STEWARD_CHILD_INTERFACE, "FenceWaitUSec"),
                          5 * G_USEC_PER_SEC);
        fx.fake.children[0].fence_waiting = TRUE;
        fx.fake.children[0].fence_wait_since = g_get_monotonic_time() - 2 * G_USEC_PER_SEC;
        ck_assert_uint_ge(uint64_property(web, STEWARD_CHILD_INTERFACE, "FenceWaitUSec"),
                          7 * G_USEC_PER_SEC);
}
END_TEST

/* The caller is this process: root may manage, and so may the owner of a
 * user instance, which the fake serves as this process's uid. */
static gboolean
this_process_may_manage(void)
{
        return getuid() == 0 || fx.fake.mode == STEWARD_MODE_USER;
}

/* Every mutating method reaches the fake as its command, for a caller who
 * may manage: root, whatever the allowed group. Anyone else is refused and
 * the refusal recorded. */
static void
assert_command(const char *path, const char *iface, const char *method, GVariant *params,
               StewardCommandKind kind, const char *target)
{
        guint commands = fx.fake.commands, denied = fx.fake.denied;

        g_variant_ref_sink(params);
        if (this_process_may_manage()) {
                g_autoptr(GVariant) reply = call_ok(path, iface, method, params);
                g_autoptr(GVariant) outcome = NULL;
                const char *decision;

                ck_assert_uint_eq(fx.fake.commands, commands + 1);
                ck_assert_int_eq(fx.fake.last_kind, kind);
                ck_assert_str_eq(fx.fake.last_target ? fx.fake.last_target : "", target ? target : "");
                ck_assert_str_eq(fx.fake.last_reason, "why");
                g_variant_get(reply, "(@a{sv})", &outcome);
                ck_assert(g_variant_lookup(outcome, "decision", "&s", &decision));
                ck_assert_str_eq(decision, "started_immediately");
        } else {
                assert_call_error(path, iface, method, params, ACCESS_DENIED);
                ck_assert_uint_eq(fx.fake.commands, commands);
                ck_assert_uint_eq(fx.fake.denied, denied + 1);
                ck_assert_str_eq(fx.fake.denied_method, method);
        }
        g_variant_unref(params);
}

START_TEST(test_commands)
{
        static const struct {
                const char *manager_method;
                const char *child_method;
                StewardCommandKind kind;
        } commands[] = {
                { "StartChild", "Start", STEWARD_COMMAND_START },
                { "StopChild", "Stop", STEWARD_COMMAND_STOP },
                { "RestartChild", "Restart", STEWARD_COMMAND_RESTART },
                { "PauseChild", "Pause", STEWARD_COMMAND_PAUSE },
                { "ResumeChild", "Resume", STEWARD_COMMAND_RESUME },
                { "QuarantineChild", "Quarantine", STEWARD_COMMAND_QUARANTINE },
                { "ReloadChild", "Reload", STEWARD_COMMAND_RELOAD },
        };
        g_autofree char *db = path_of(STEWARD_CHILD_PATH_PREFIX, "db.1");
        g_autofree char *tier = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "tier");

        /* In system mode only root may: a test run by anyone else sees the
         * refusals. */
        fx.fake.mode = STEWARD_MODE_SYSTEM;
        for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
                assert_command(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, commands[i].manager_method,
                               g_variant_new("(ss)", "web", "why"), commands[i].kind, "web");
                assert_command(db, STEWARD_CHILD_INTERFACE, commands[i].child_method,
                               g_variant_new("(s)", "why"), commands[i].kind, "db.1");
        }
        assert_command(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "ResumeSupervisor",
                       g_variant_new("(ss)", "tier", "why"), STEWARD_COMMAND_RESUME_SUPERVISOR, "tier");
        assert_command(tier, STEWARD_SUPERVISOR_INTERFACE, "Resume", g_variant_new("(s)", "why"),
                       STEWARD_COMMAND_RESUME_SUPERVISOR, "tier");
        assert_command(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "ShutdownTree",
                       g_variant_new("(s)", "why"), STEWARD_COMMAND_SHUTDOWN, NULL);

        if (this_process_may_manage()) {
                g_autoptr(GVariant) reply = manager_call("Reload", NULL);
                g_autoptr(GVariant) outcome = NULL;
                g_autofree const char **changed = NULL;

                ck_assert_uint_eq(fx.fake.reloads, 1);
                g_variant_get(reply, "(@a{sv})", &outcome);
                ck_assert(g_variant_lookup(outcome, "changed", "^a&s", &changed));
                ck_assert_str_eq(changed[0], "web");
                /* The fake's own errors go out under their registered names. */
                manager_error("StartChild", g_variant_new("(ss)", "ghost", "why"),
                              "org.steward.Supervisor1.Error.NoSuchChild");
                manager_error("ResumeSupervisor", g_variant_new("(ss)", "ghost", "why"),
                              "org.steward.Supervisor1.Error.NoSuchSupervisor");
                fx.fake.shutting_down = TRUE;
                manager_error("Reload", NULL, "org.steward.Supervisor1.Error.ShuttingDown");
        } else {
                manager_error("Reload", NULL, ACCESS_DENIED);
                ck_assert_uint_eq(fx.fake.reloads, 0);
        }
}
END_TEST

static StewardCaller *
caller_new(guint32 uid, const guint32 *gids, guint n_gids)
{
        StewardCaller *c = g_new0(StewardCaller, 1);

        c->uid = uid;
        c->comm = g_strdup("");
        c->gids = g_array_new(FALSE, FALSE, sizeof(guint32));
        g_array_append_vals(c->gids, gids, n_gids);
        return c;
}

/* The one rule, with callers made up: root always; the allowed group in
 * either mode; in user mode also the uid the daemon runs as, and no one
 * else. */
/* Commands during the adoption of a previous run's children wait for the
 * tree to start, then run in the order they came. */
START_TEST(test_commands_wait_for_start)
{
        Reply restart = { 0 }, reexec = { 0 };
        g_autoptr(GVariant) list = NULL;

        g_dbus_connection_call(fx.client, fx.server_name, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE,
                               "RestartChild", g_variant_new("(ss)", "web", "why"), NULL,
                               G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_reply, &restart);
        g_dbus_connection_call(fx.client, fx.server_name, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE,
                               "Reexecute", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_reply,
                               &reexec);
        /* Queries are answered meanwhile; the commands are not run. */
        list = manager_call("ListChildren", NULL);
        ck_assert(!restart.done && !reexec.done);
        ck_assert_uint_eq(fx.fake.commands, 0);
        ck_assert_uint_eq(fx.fake.reexecutes, 0);

        steward_bus_tree_started(fx.bus);
        while (!restart.done || !reexec.done)
                g_main_context_iteration(NULL, TRUE);
        ck_assert_msg(restart.reply, "%s", restart.error ? restart.error->message : "");
        ck_assert_msg(reexec.reply, "%s", reexec.error ? reexec.error->message : "");
        g_variant_unref(restart.reply);
        g_variant_unref(reexec.reply);
        ck_assert_uint_eq(fx.fake.commands, 1);
        ck_assert_uint_eq(fx.fake.reexecutes, 1);
}
END_TEST

static void
on_owner_changed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                 const char *signal, GVariant *params, gpointer user_data)
{
        gboolean *gone = user_data;
        const char *name, *old_owner, *new_owner;

        g_variant_get(params, "(&s&s&s)", &name, &old_owner, &new_owner);
        if (!*new_owner)
                *gone = TRUE;
}

static gboolean
on_flag_timeout(gpointer user_data)
{
        *(gboolean *) user_data = TRUE;
        return G_SOURCE_REMOVE;
}

/* A caller gone before the bus daemon could vouch for it: its command is
 * refused and counted, not run, and the objects go on answering. */
START_TEST(test_caller_gone)
{
        const char *address = g_test_dbus_get_bus_address(fx.dbus);
        g_autoptr(GMainContext) side = g_main_context_new();
        g_autoptr(GDBusConnection) leaver = connect_to(address);
        g_autoptr(GDBusConnection) watcher = NULL;
        g_autoptr(GDBusMessage) call = NULL;
        g_autoptr(GVariant) id = NULL;
        g_autoptr(GSource) timeout = g_timeout_source_new_seconds(10);
        gboolean gone = FALSE, timed_out = FALSE;
        guint64 denied = 0;
        guint subscription;

        /* The watcher's signals come through @side, which turns while the
         * server's context does not: the call waits in the server's socket
         * until the bus daemon has forgotten its sender. */
        g_main_context_push_thread_default(side);
        watcher = connect_to(address);
        subscription = g_dbus_connection_signal_subscribe(
                watcher, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                "/org/freedesktop/DBus", g_dbus_connection_get_unique_name(leaver), G_DBUS_SIGNAL_FLAGS_NONE,
                on_owner_changed, &gone, NULL);
        g_main_context_pop_thread_default(side);
        /* A round trip after the AddMatch: the match is in place. */
        id = g_dbus_connection_call_sync(watcher, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "GetId", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                                         -1, NULL, NULL);
        ck_assert(id);

        call = g_dbus_message_new_method_call(fx.server_name, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE,
                                              "RestartChild");
        g_dbus_message_set_body(call, g_variant_new("(ss)", "web", "leaving"));
        ck_assert(g_dbus_connection_send_message(leaver, call, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL));
        ck_assert(g_dbus_connection_flush_sync(leaver, NULL, NULL));
        ck_assert(g_dbus_connection_close_sync(leaver, NULL, NULL));

        g_source_set_callback(timeout, on_flag_timeout, &timed_out, NULL);
        g_source_attach(timeout, side);
        while (!gone && !timed_out)
                g_main_context_iteration(side, TRUE);
        g_source_destroy(timeout);
        g_dbus_connection_signal_unsubscribe(watcher, subscription);
        ck_assert_msg(gone, "the caller's name never went away");

        /* Each read is a round trip through the server's loop, which handles
         * the credentials' error on the way; a bounded number of them. */
        for (guint i = 0; i < 1000 && denied == 0; i++)
                denied = uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "CallsDenied");
        ck_assert_uint_eq(denied, 1);
        ck_assert_uint_eq(fx.fake.commands, 0);
        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "State", "running");
}
END_TEST

/* One connection may have STEWARD_BUS_PENDING_PER_SENDER_MAX mutating
 * calls waiting; more are refused at once, and the waiting ones still run. */
START_TEST(test_pending_calls_bounded)
{
        enum { N = STEWARD_BUS_PENDING_PER_SENDER_MAX + 6 };
        Reply replies[N] = { 0 };
        guint refused = 0, done = 0;

        for (guint i = 0; i < N; i++)
                g_dbus_connection_call(fx.client, fx.server_name, STEWARD_OBJECT_PATH,
                                       STEWARD_MANAGER_INTERFACE, "RestartChild",
                                       g_variant_new("(ss)", "web", "flood"), NULL, G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, on_reply, &replies[i]);
        /* The ones past the bound are answered while the rest wait. */
        while (refused < N - STEWARD_BUS_PENDING_PER_SENDER_MAX) {
                g_main_context_iteration(NULL, TRUE);
                refused = 0;
                for (guint i = 0; i < N; i++)
                        if (replies[i].done) {
                                g_autofree char *remote = NULL;

                                ck_assert_msg(replies[i].error, "call %u ran before the start", i);
                                remote = g_dbus_error_get_remote_error(replies[i].error);
                                ck_assert_str_eq(remote, "org.freedesktop.DBus.Error.LimitsExceeded");
                                refused++;
                        }
        }
        ck_assert_uint_eq(fx.fake.commands, 0);

        steward_bus_tree_started(fx.bus);
        while (done < N) {
                g_main_context_iteration(NULL, TRUE);
                done = 0;
                for (guint i = 0; i < N; i++)
                        done += replies[i].done;
        }
        ck_assert_uint_eq(fx.fake.commands, STEWARD_BUS_PENDING_PER_SENDER_MAX);
        /* Every refusal counts, none of the calls that ran. */
        ck_assert_uint_eq(uint64_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "CallsDenied"),
                          N - STEWARD_BUS_PENDING_PER_SENDER_MAX);
        for (guint i = 0; i < N; i++) {
                g_clear_pointer(&replies[i].reply, g_variant_unref);
                g_clear_error(&replies[i].error);
        }
        /* Answered calls no longer count: the connection may call again. */
        g_variant_unref(manager_call("RestartChild", g_variant_new("(ss)", "web", "again")));
        ck_assert_uint_eq(fx.fake.commands, STEWARD_BUS_PENDING_PER_SENDER_MAX + 1);
}
END_TEST

START_TEST(test_auth_rule)
{
        static const guint32 ops_groups[] = { 100, 4242 };
        static const guint32 other_groups[] = { 100 };
        g_autoptr(StewardCaller) root = caller_new(0, NULL, 0);
        g_autoptr(StewardCaller) owner = caller_new(1000, other_groups, G_N_ELEMENTS(other_groups));
        g_autoptr(StewardCaller) member = caller_new(1001, ops_groups, G_N_ELEMENTS(ops_groups));
        g_autoptr(StewardCaller) stranger = caller_new(1002, other_groups, G_N_ELEMENTS(other_groups));
        StewardAuthRule system = { .mode = STEWARD_MODE_SYSTEM, .owner_uid = 0, .allowed_gid = 4242 };
        StewardAuthRule system_no_group = { .mode = STEWARD_MODE_SYSTEM,
                                            .owner_uid = 0,
                                            .allowed_gid = (gid_t) -1 };
        StewardAuthRule user = { .mode = STEWARD_MODE_USER, .owner_uid = 1000, .allowed_gid = 4242 };
        StewardAuthRule user_no_group = { .mode = STEWARD_MODE_USER,
                                          .owner_uid = 1000,
                                          .allowed_gid = (gid_t) -1 };
        /* A system instance run as some uid does not make that uid its owner. */
        StewardAuthRule system_as_1000 = { .mode = STEWARD_MODE_SYSTEM,
                                           .owner_uid = 1000,
                                           .allowed_gid = (gid_t) -1 };

        ck_assert(steward_caller_may_manage(root, &system));
        ck_assert(steward_caller_may_manage(root, &system_no_group));
        ck_assert(steward_caller_may_manage(root, &user_no_group));
        ck_assert(steward_caller_may_manage(member, &system));
        ck_assert(!steward_caller_may_manage(member, &system_no_group));
        ck_assert(!steward_caller_may_manage(stranger, &system));
        ck_assert(!steward_caller_may_manage(owner, &system));
        ck_assert(!steward_caller_may_manage(owner, &system_as_1000));

        ck_assert(steward_caller_may_manage(owner, &user));
        ck_assert(steward_caller_may_manage(owner, &user_no_group));
        ck_assert(!steward_caller_may_manage(stranger, &user));
        ck_assert(!steward_caller_may_manage(stranger, &user_no_group));
        ck_assert(steward_caller_may_manage(member, &user));
        ck_assert(!steward_caller_may_manage(member, &user_no_group));
}
END_TEST

/* A process may name itself any bytes; its name reaches the manager, and
 * from there events, the journal and the bus, as valid UTF-8. */
START_TEST(test_caller_comm)
{
        g_autofree char *plain = steward_caller_comm_from_bytes("stewardctl\n", 11);
        g_autofree char *bad = steward_caller_comm_from_bytes("a\xff\xfe"
                                                              "b\n",
                                                              5);
        g_autofree char *cut = steward_caller_comm_from_bytes("a\0b\n", 4);
        g_autofree char *empty = steward_caller_comm_from_bytes("", 0);

        ck_assert_str_eq(plain, "stewardctl");
        ck_assert_str_eq(bad, "a\xef\xbf\xbd\xef\xbf\xbd"
                              "b");
        ck_assert_str_eq(cut, "a");
        ck_assert_str_eq(empty, "");

        /* This process is the caller: /proc/PID/comm is its main thread's. */
        ck_assert_int_eq(prctl(PR_SET_NAME, (unsigned long) "bad\xff\xfename", 0, 0, 0), 0);
        assert_command(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "StartChild",
                       g_variant_new("(ss)", "web", "why"), STEWARD_COMMAND_START, "web");
        ck_assert_ptr_nonnull(fx.fake.last_comm);
        ck_assert_str_eq(fx.fake.last_comm, "bad\xef\xbf\xbd\xef\xbf\xbdname");
}
END_TEST

/* The arguments are judged before the caller: the same answer for anyone. */
START_TEST(test_invalid_arguments)
{
        g_autofree char *long_reason = g_strnfill(STEWARD_REASON_MAX + 1, 'a');
        g_autofree char *long_name = g_strnfill(STEWARD_NAME_MAX + 1, 'a');
        g_autofree char *web = path_of(STEWARD_CHILD_PATH_PREFIX, "web");

        manager_error("StartChild", g_variant_new("(ss)", "bad name", "why"), INVALID_ARGS);
        manager_error("StartChild", g_variant_new("(ss)", "", "why"), INVALID_ARGS);
        manager_error("StopChild", g_variant_new("(ss)", long_name, "why"), INVALID_ARGS);
        manager_error("RestartChild", g_variant_new("(ss)", "web", ""), INVALID_ARGS);
        manager_error("PauseChild", g_variant_new("(ss)", "web", long_reason), INVALID_ARGS);
        manager_error("ResumeSupervisor", g_variant_new("(ss)", "bad/sup", "why"), INVALID_ARGS);
        manager_error("ShutdownTree", g_variant_new("(s)", ""), INVALID_ARGS);
        assert_call_error(web, STEWARD_CHILD_INTERFACE, "Start", g_variant_new("(s)", ""), INVALID_ARGS);
        /* A reason that is not UTF-8 cannot be sent at all: the bus daemon
         * validates every string and drops the connection that sends one,
         * so it never reaches the checks here. */
        ck_assert_uint_eq(fx.fake.commands, 0);
        ck_assert_uint_eq(fx.fake.denied, 0);
}
END_TEST

typedef struct {
        GPtrArray *seen; /* "Event kind child unit" or "PATH NAME=VALUE..." */
} Signals;

static void
on_signal(GDBusConnection *bus, const char *sender, const char *path, const char *iface, const char *signal,
          GVariant *params, gpointer user_data)
{
        Signals *s = user_data;

        if (g_str_equal(signal, "Event")) {
                g_autoptr(GVariant) fields = NULL;
                const char *kind, *child, *unit = "";
                guint64 sequence;

                g_variant_get(params, "(t&s&st@a{sv})", &sequence, &kind, &child, NULL, &fields);
                (void) g_variant_lookup(fields, "unit", "&s", &unit);
                g_ptr_array_add(s->seen, g_strdup_printf("Event %" G_GUINT64_FORMAT " %s %s %s", sequence,
                                                         kind, child, unit));
        } else if (g_str_equal(signal, "PropertiesChanged")) {
                g_autoptr(GVariant) changed = NULL;
                g_autoptr(GString) line = g_string_new(path);
                GVariantIter iter;
                const char *name;
                GVariant *value;

                g_variant_get(params, "(&s@a{sv}@as)", NULL, &changed, NULL);
                g_variant_iter_init(&iter, changed);
                while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
                        g_autofree char *text = g_variant_print(value, FALSE);
                        g_string_append_printf(line, " %s=%s", name, text);
                        g_variant_unref(value);
                }
                g_ptr_array_add(s->seen, g_string_free(g_steal_pointer(&line), FALSE));
        }
}

START_TEST(test_signals)
{
        Signals s = { g_ptr_array_new_with_free_func(g_free) };
        StewardEvent ev = { .kind = STEWARD_EVENT_CHILD_STARTED,
                            .fields = STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_GENERATION,
                            .child = "web",
                            .generation = 2 };
        g_autofree char *web = path_of(STEWARD_CHILD_PATH_PREFIX, "web");
        g_autofree char *tier = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "tier");
        g_autofree char *expect_child = g_strdup_printf("%s State='running' Unit='' Role='worker'", web);
        g_autofree char *expect_sup = g_strdup_printf("%s State='quarantined' RestartCount=0", tier);
        guint sub, ping;

        sub = g_dbus_connection_signal_subscribe(fx.client, NULL, NULL, NULL, NULL, NULL,
                                                 G_DBUS_SIGNAL_FLAGS_NONE, on_signal, &s, NULL);
        /* The subscription is in place once a round trip is over. */
        g_variant_unref(manager_call("ListSupervisors", NULL));

        steward_bus_emit_event(fx.bus, 7, &ev, "steward-web-2.scope");
        /* What a listener tells the bus after the fake's incarnation is gone. */
        fx.fake.units[0] = NULL;
        fx.fake.children[0].role = STEWARD_ROLE_WORKER;
        steward_bus_child_changed(fx.bus, "web",
                                  STEWARD_PROPERTY_STATE | STEWARD_PROPERTY_EXTRA_UNIT |
                                          STEWARD_PROPERTY_EXTRA_ROLE);
        steward_bus_supervisor_changed(fx.bus, "tier", STEWARD_PROPERTY_STATE);
        steward_bus_manager_changed(fx.bus, STEWARD_PROPERTY_EXTRA_CONFIG_FILES);
        /* Nothing for a child the tree does not have, nor for no change. */
        steward_bus_child_changed(fx.bus, "ghost", STEWARD_PROPERTY_STATE);
        steward_bus_manager_changed(fx.bus, 0);

        /* A burst of StatusText changes is one signal, with the last text. */
        for (guint i = 0; i < 100; i++) {
                fx.fake.children[1].status_text = i < 99 ? "busy" : "done";
                steward_bus_child_changed(fx.bus, "db.1", STEWARD_PROPERTY_STATUS_TEXT);
        }

        for (ping = 0; s.seen->len < 5 && ping < 1000; ping++)
                g_main_context_iteration(NULL, TRUE);
        /* Anything sent before a round trip's answer has arrived by its end. */
        g_variant_unref(manager_call("ListSupervisors", NULL));
        g_dbus_connection_signal_unsubscribe(fx.client, sub);
        ck_assert_uint_eq(s.seen->len, 5);
        ck_assert_str_eq(g_ptr_array_index(s.seen, 0), "Event 7 child_started web steward-web-2.scope");
        ck_assert_str_eq(g_ptr_array_index(s.seen, 1), expect_child);
        ck_assert_str_eq(g_ptr_array_index(s.seen, 2), expect_sup);
        ck_assert_str_eq(g_ptr_array_index(s.seen, 3),
                         "/org/steward/Supervisor1 ConfigFiles=['/etc/steward/steward.conf']");
        ck_assert_str_eq(g_ptr_array_index(s.seen, 4),
                         "/org/steward/Supervisor1/child/db_2e1 StatusText='done'");
        g_ptr_array_unref(s.seen);
}
END_TEST

/* ---- the introspection against dbus/org.steward.Supervisor1.xml ----------------- */

#define EMITS_CHANGED "org.freedesktop.DBus.Property.EmitsChangedSignal"

static GDBusNodeInfo *
parse_node(const char *what, const char *xml)
{
        g_autoptr(GError) error = NULL;
        GDBusNodeInfo *node = g_dbus_node_info_new_for_xml(xml, &error);

        ck_assert_msg(node, "%s: %s", what, error ? error->message : "");
        return node;
}

/* The interface as documented: the file every client is written against. */
static GDBusNodeInfo *
documented_node(void)
{
        const char *srcdir = g_getenv("STEWARD_SOURCE_DIR");
        g_autofree char *path = NULL;
        g_autofree char *xml = NULL;
        g_autoptr(GError) error = NULL;

        ck_assert_msg(srcdir, "STEWARD_SOURCE_DIR is not set");
        path = g_build_filename(srcdir, "dbus", STEWARD_BUS_NAME ".xml", NULL);
        ck_assert_msg(g_file_get_contents(path, &xml, NULL, &error), "%s", error ? error->message : "");
        return parse_node(path, xml);
}

/* The interface as sd-bus serves it at @path. */
static GDBusNodeInfo *
served_node(const char *path)
{
        g_autoptr(GVariant) reply = call_ok(path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL);
        const char *xml;

        g_variant_get(reply, "(&s)", &xml);
        return parse_node(path, xml);
}

/* The length of a NULL-terminated array of GDBus*Info, which may be NULL. */
static guint
n_infos(gconstpointer infos)
{
        const gpointer *p = infos;
        guint n = 0;

        while (p && p[n])
                n++;
        return n;
}

static const char *
access_of(GDBusPropertyInfoFlags flags)
{
        switch ((int) flags) {
        case G_DBUS_PROPERTY_INFO_FLAGS_READABLE:
                return "read";
        case G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE:
                return "write";
        case G_DBUS_PROPERTY_INFO_FLAGS_READABLE | G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE:
                return "readwrite";
        default:
                return "none";
        }
}

/* The annotations of a member, both ways, EmitsChangedSignal aside
 * (property_emits_changed()): sd-bus writes one only for what its flags
 * say (Deprecated, NoReply, systemd1.Privileged for a method not flagged
 * SD_BUS_VTABLE_UNPRIVILEGED), and each is part of the contract. */
static void
assert_annotations(const char *what, GDBusAnnotationInfo **served, GDBusAnnotationInfo **documented)
{
        for (guint i = 0; i < n_infos(served); i++) {
                const char *value = g_dbus_annotation_info_lookup(documented, served[i]->key);

                if (g_str_equal(served[i]->key, EMITS_CHANGED))
                        continue;
                ck_assert_msg(g_strcmp0(value, served[i]->value) == 0,
                              "%s: annotation %s is '%s' served, '%s' documented", what, served[i]->key,
                              served[i]->value, value ? value : "(none)");
        }
        for (guint i = 0; i < n_infos(documented); i++)
                ck_assert_msg(g_str_equal(documented[i]->key, EMITS_CHANGED) ||
                                      g_dbus_annotation_info_lookup(served, documented[i]->key),
                              "%s: annotation %s is documented, not served", what, documented[i]->key);
}

/* The same arguments in the same order: names and signatures. */
static void
assert_args(const char *what, const char *direction, GDBusArgInfo **served, GDBusArgInfo **documented)
{
        ck_assert_msg(n_infos(served) == n_infos(documented), "%s: %u %s-args served, %u documented", what,
                      n_infos(served), direction, n_infos(documented));
        for (guint i = 0; i < n_infos(served); i++) {
                ck_assert_msg(g_strcmp0(served[i]->name, documented[i]->name) == 0,
                              "%s: %s-arg %u is '%s' served, '%s' documented", what, direction, i,
                              served[i]->name, documented[i]->name);
                ck_assert_msg(g_str_equal(served[i]->signature, documented[i]->signature),
                              "%s: %s-arg %s is '%s' served, '%s' documented", what, direction,
                              served[i]->name, served[i]->signature, documented[i]->signature);
        }
}

/* What a property's EmitsChangedSignal is: its own annotation, else its
 * interface's, else the D-Bus default "true" (sd-bus writes none for
 * SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE; the XML spells each out). */
static const char *
property_emits_changed(const GDBusInterfaceInfo *iface, const GDBusPropertyInfo *property)
{
        const char *value = g_dbus_annotation_info_lookup(property->annotations, EMITS_CHANGED);

        if (!value)
                value = g_dbus_annotation_info_lookup(iface->annotations, EMITS_CHANGED);
        return value ? value : "true";
}

/* Every method, signal and property of @name in both, the same in both. */
static void
assert_interface_matches(GDBusNodeInfo *served_at, GDBusNodeInfo *documented_at, const char *name)
{
        GDBusInterfaceInfo *served = g_dbus_node_info_lookup_interface(served_at, name);
        GDBusInterfaceInfo *documented = g_dbus_node_info_lookup_interface(documented_at, name);

        ck_assert_msg(served, "%s is not served", name);
        ck_assert_msg(documented, "%s is not documented", name);
        assert_annotations(name, served->annotations, documented->annotations);

        for (guint i = 0; i < n_infos(served->methods); i++) {
                GDBusMethodInfo *m = served->methods[i];
                GDBusMethodInfo *doc = g_dbus_interface_info_lookup_method(documented, m->name);
                g_autofree char *what = g_strdup_printf("%s.%s()", name, m->name);

                ck_assert_msg(doc, "%s is served, not documented", what);
                assert_args(what, "in", m->in_args, doc->in_args);
                assert_args(what, "out", m->out_args, doc->out_args);
                assert_annotations(what, m->annotations, doc->annotations);
        }
        for (guint i = 0; i < n_infos(documented->methods); i++)
                ck_assert_msg(g_dbus_interface_info_lookup_method(served, documented->methods[i]->name),
                              "%s.%s() is documented, not served", name, documented->methods[i]->name);

        for (guint i = 0; i < n_infos(served->signals); i++) {
                GDBusSignalInfo *sig = served->signals[i];
                GDBusSignalInfo *doc = g_dbus_interface_info_lookup_signal(documented, sig->name);
                g_autofree char *what = g_strdup_printf("%s.%s signal", name, sig->name);

                ck_assert_msg(doc, "%s is served, not documented", what);
                assert_args(what, "signal", sig->args, doc->args);
                assert_annotations(what, sig->annotations, doc->annotations);
        }
        for (guint i = 0; i < n_infos(documented->signals); i++)
                ck_assert_msg(g_dbus_interface_info_lookup_signal(served, documented->signals[i]->name),
                              "%s.%s signal is documented, not served", name, documented->signals[i]->name);

        for (guint i = 0; i < n_infos(served->properties); i++) {
                GDBusPropertyInfo *p = served->properties[i];
                GDBusPropertyInfo *doc = g_dbus_interface_info_lookup_property(documented, p->name);
                g_autofree char *what = g_strdup_printf("%s.%s", name, p->name);

                ck_assert_msg(doc, "%s is served, not documented", what);
                ck_assert_msg(g_str_equal(p->signature, doc->signature),
                              "%s: type '%s' served, '%s' documented", what, p->signature, doc->signature);
                ck_assert_msg(p->flags == doc->flags, "%s: access %s served, %s documented", what,
                              access_of(p->flags), access_of(doc->flags));
                ck_assert_msg(g_str_equal(property_emits_changed(served, p),
                                          property_emits_changed(documented, doc)),
                              "%s: EmitsChangedSignal '%s' served, '%s' documented", what,
                              property_emits_changed(served, p), property_emits_changed(documented, doc));
                assert_annotations(what, p->annotations, doc->annotations);
        }
        for (guint i = 0; i < n_infos(documented->properties); i++)
                ck_assert_msg(g_dbus_interface_info_lookup_property(served, documented->properties[i]->name),
                              "%s.%s is documented, not served", name, documented->properties[i]->name);
}

/* What sd-bus serves from the vtables is what the XML documents, member by
 * member: the vtables are the only definition stewardd has now. */
START_TEST(test_introspection_matches_xml)
{
        g_autofree char *web = path_of(STEWARD_CHILD_PATH_PREFIX, "web");
        g_autofree char *tier = path_of(STEWARD_SUPERVISOR_PATH_PREFIX, "tier");
        const char *paths[] = { STEWARD_OBJECT_PATH, web, tier };
        const char *ifaces[] = { STEWARD_MANAGER_INTERFACE, STEWARD_CHILD_INTERFACE,
                                 STEWARD_SUPERVISOR_INTERFACE };
        g_autoptr(GDBusNodeInfo) documented = documented_node();

        /* No more interfaces are documented than these three. */
        ck_assert_uint_eq(n_infos(documented->interfaces), G_N_ELEMENTS(ifaces));
        for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
                g_autoptr(GDBusNodeInfo) served = served_node(paths[i]);

                assert_interface_matches(served, documented, ifaces[i]);
                /* Each object serves its own interface only. */
                for (guint j = 0; j < G_N_ELEMENTS(ifaces); j++)
                        ck_assert_msg(j == i || !g_dbus_node_info_lookup_interface(served, ifaces[j]),
                                      "%s serves %s", paths[i], ifaces[j]);
        }
}
END_TEST

/* ---- direct connections ---------------------------------------------------------- */

/* Turns the main context until the objects serve @n direct clients; FALSE
 * after 10 s. */
static gboolean
wait_n_direct(guint n)
{
        g_autoptr(GSource) timeout = g_timeout_source_new_seconds(10);
        gboolean timed_out = FALSE;

        g_source_set_callback(timeout, on_flag_timeout, &timed_out, NULL);
        g_source_attach(timeout, NULL);
        while (steward_bus_get_n_direct(fx.bus) != n && !timed_out)
                g_main_context_iteration(NULL, TRUE);
        g_source_destroy(timeout);
        return steward_bus_get_n_direct(fx.bus) == n;
}

/* A client that never speaks: the socket's other end, to add. */
static int
raw_client(int *server_end)
{
        int fds[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        *server_end = fds[0];
        return fds[1];
}

/* Whether the server hung up on @fd: whatever it wrote, then the end. */
static gboolean
hung_up(int fd)
{
        char buf[4096];
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0)
                ;
        return n == 0;
}

/* A client that hangs up is forgotten; the others are served on. */
START_TEST(test_direct_hangup)
{
        GDBusConnection *second = connect_direct(fx.bus);

        ck_assert_uint_eq(steward_bus_get_n_direct(fx.bus), 2);
        g_variant_unref(call_ok(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "ListChildren", NULL));
        ck_assert(g_dbus_connection_close_sync(second, NULL, NULL));
        g_object_unref(second);
        ck_assert_msg(wait_n_direct(1), "%u direct clients", steward_bus_get_n_direct(fx.bus));
        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "State", "running");
}
END_TEST

/* STEWARD_BUS_DIRECT_MAX clients at once; the next is hung up on at once,
 * and room is made as clients leave. */
START_TEST(test_direct_limit)
{
        int peers[STEWARD_BUS_DIRECT_MAX];
        guint n = 0;
        int server_end, extra;
        g_autoptr(GError) error = NULL;

        for (guint i = steward_bus_get_n_direct(fx.bus); i < STEWARD_BUS_DIRECT_MAX; i++) {
                peers[n] = raw_client(&server_end);
                ck_assert(steward_bus_add_direct(fx.bus, server_end, NULL));
                n++;
        }
        extra = raw_client(&server_end);
        ck_assert(!steward_bus_add_direct(fx.bus, server_end, &error));
        ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES));
        ck_assert(hung_up(extra));
        (void) close(extra);
        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "State", "running");

        for (guint i = 0; i < n; i++)
                (void) close(peers[i]);
        ck_assert_msg(wait_n_direct(1), "%u direct clients", steward_bus_get_n_direct(fx.bus));
        g_object_unref(connect_direct(fx.bus));
}
END_TEST

/* A client that reads nothing is hung up on once
 * STEWARD_BUS_DIRECT_QUEUE_MAX messages wait for it, rather than have
 * stewardd keep every signal for it. */
START_TEST(test_direct_not_reading)
{
        StewardEvent ev = { .kind = STEWARD_EVENT_CHILD_STARTED,
                            .fields = STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_GENERATION,
                            .child = "web",
                            .generation = 2 };
        int server_end, peer;

        /* The fixture's client reads in a thread of its own, which could fall
         * behind on a busy machine: not in this test. */
        ck_assert(g_dbus_connection_close_sync(fx.client, NULL, NULL));
        ck_assert(wait_n_direct(0));
        peer = raw_client(&server_end);
        ck_assert(steward_bus_add_direct(fx.bus, server_end, NULL));
        for (guint i = 0; i < STEWARD_BUS_DIRECT_QUEUE_MAX; i++)
                steward_bus_emit_event(fx.bus, i, &ev, NULL);
        ck_assert_uint_eq(steward_bus_get_n_direct(fx.bus), 1);
        steward_bus_emit_event(fx.bus, STEWARD_BUS_DIRECT_QUEUE_MAX, &ev, NULL);
        ck_assert(wait_n_direct(0));
        ck_assert(hung_up(peer));
        (void) close(peer);
}
END_TEST

/* Bytes that are no D-Bus end the connection that sent them, nothing else. */
START_TEST(test_direct_garbage)
{
        static const char junk[] = "GET / HTTP/1.0\r\n\r\n";
        int server_end, peer = raw_client(&server_end);

        ck_assert(steward_bus_add_direct(fx.bus, server_end, NULL));
        ck_assert_int_eq(write(peer, junk, sizeof(junk) - 1), (ssize_t) sizeof(junk) - 1);
        ck_assert(wait_n_direct(1));
        ck_assert(hung_up(peer));
        (void) close(peer);
        assert_string_property(STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "State", "running");
}
END_TEST

/* What the server sent @fd next, up to @len bytes: the main loop runs
 * until there is some. */
static gsize
read_served(int fd, char *buf, gsize len)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        while (poll(&p, 1, 0) == 0)
                g_main_context_iteration(NULL, TRUE);
        n = read(fd, buf, len - 1);
        ck_assert_int_gt(n, 0);
        buf[n] = '\0';
        return (gsize) n;
}

/* A client's BEGIN and its first call, read in one go, get an answer.
 * systemd 252's server-side sd-bus under sd-event leaves such a call in
 * its read buffer until something more comes (a GDBus client of
 * /run/systemd/private waits 25 s, once in a hundred calls or so): after
 * the handshake, stewardd's source goes on processing what was read. */
START_TEST(test_direct_begin_with_call)
{
        g_autofree char *uid = g_strdup_printf("%u", (unsigned) getuid());
        g_autoptr(GString) auth = g_string_new(NULL);
        g_autoptr(GDBusMessage) call = NULL, reply = NULL;
        g_autoptr(GByteArray) out = g_byte_array_new();
        g_autofree guchar *blob = NULL;
        int server_end, peer = raw_client(&server_end);
        char buf[4096];
        gsize size, n;

        ck_assert(steward_bus_add_direct(fx.bus, server_end, NULL));
        g_string_append_c(auth, '\0');
        g_string_append(auth, "AUTH EXTERNAL ");
        for (const char *c = uid; *c; c++)
                g_string_append_printf(auth, "%02x", (unsigned) *c);
        g_string_append(auth, "\r\n");
        ck_assert_int_eq(write(peer, auth->str, auth->len), (ssize_t) auth->len);
        read_served(peer, buf, sizeof(buf));
        ck_assert_msg(g_str_has_prefix(buf, "OK "), "%s", buf);
        ck_assert_int_eq(write(peer, "NEGOTIATE_UNIX_FD\r\n", 19), 19);
        read_served(peer, buf, sizeof(buf));
        ck_assert_str_eq(buf, "AGREE_UNIX_FD\r\n");

        call = g_dbus_message_new_method_call(NULL, STEWARD_OBJECT_PATH, DBUS_PROPERTIES_INTERFACE, "Get");
        g_dbus_message_set_body(call, g_variant_new("(ss)", STEWARD_MANAGER_INTERFACE, "State"));
        g_dbus_message_set_serial(call, 1);
        blob = g_dbus_message_to_blob(call, &size, G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING, NULL);
        ck_assert_ptr_nonnull(blob);
        g_byte_array_append(out, (const guint8 *) "BEGIN\r\n", 7);
        g_byte_array_append(out, blob, (guint) size);
        ck_assert_int_eq(write(peer, out->data, out->len), (ssize_t) out->len);

        n = read_served(peer, buf, sizeof(buf));
        reply = g_dbus_message_new_from_blob((guchar *) buf, n, G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING,
                                             NULL);
        ck_assert_msg(reply, "no D-Bus message: %zu bytes", n);
        ck_assert_int_eq(g_dbus_message_get_message_type(reply), G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
        ck_assert_uint_eq(g_dbus_message_get_reply_serial(reply), 1);
        (void) close(peer);
}
END_TEST

/* What both ways of reaching the objects must answer alike. */
static void
add_served_tests(TCase *tc)
{
        tcase_add_test(tc, test_queries);
        tcase_add_test(tc, test_properties);
        tcase_add_test(tc, test_object_calls_do_not_walk);
        tcase_add_test(tc, test_calls_are_memory_inputs);
        tcase_add_test(tc, test_commands);
        tcase_add_test(tc, test_caller_comm);
        tcase_add_test(tc, test_invalid_arguments);
        tcase_add_test(tc, test_signals);
        tcase_add_test(tc, test_introspection_matches_xml);
}

static TCase *
tcase_new(Suite *s, const char *name, void (*fixture)(void))
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, fixture, teardown);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);
        return tc;
}

static Suite *
make_suite(void)
{
        Suite *s = suite_create("bus");
        TCase *tc = tcase_new(s, "bus", setup);

        add_served_tests(tc);
        tcase_add_test(tc, test_counters);
        tcase_add_test(tc, test_caller_gone);
        tcase_add_test(tc, test_auth_rule);

        tc = tcase_new(s, "adopting", setup_unstarted);
        tcase_add_test(tc, test_commands_wait_for_start);
        tcase_add_test(tc, test_pending_calls_bounded);

        /* The same objects, to a client connected straight to them. */
        tc = tcase_new(s, "direct", setup_direct);
        add_served_tests(tc);
        tcase_add_test(tc, test_direct_hangup);
        tcase_add_test(tc, test_direct_limit);
        tcase_add_test(tc, test_direct_not_reading);
        tcase_add_test(tc, test_direct_garbage);
        tcase_add_test(tc, test_direct_begin_with_call);

        tc = tcase_new(s, "direct-adopting", setup_direct_unstarted);
        tcase_add_test(tc, test_commands_wait_for_start);
        tcase_add_test(tc, test_pending_calls_bounded);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
