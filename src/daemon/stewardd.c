/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardd.c: the daemon's entry point: parses arguments and wires the parts together.
 *
 * The manager runs the tree and tells its listeners what happened: the
 * journal writer, the bus objects and our own service manager. None of them
 * knows the others; this file connects them, owns the bus name, and runs the
 * main loop. */
#include "config.h"

#include <glib-unix.h>
#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "steward-bus.h"
#include "steward-config.h"
#include "steward-direct.h"
#include "steward-log.h"
#include "steward-manager.h"
#include "steward-memory.h"
#include "steward-names.h"
#include "steward-notify.h"
#include "steward-reaper.h"
#include "steward-sd-bus.h"
#include "steward-service.h"
#include "steward-spawn.h"

enum {
        EXIT_USAGE = 2,
};

#if !GLIB_CHECK_VERSION(2, 76, 0)
/* Before the libraries' constructors: by main() GSlice is set up
 * (steward-memory.c). */
static void (*const memory_preinit)(int, char **, char **)
        __attribute__((section(".preinit_array"), used)) = steward_memory_preinit;
#endif

static gboolean opt_system, opt_user, opt_check_config, opt_version, opt_verbose;
static char *opt_config, *opt_backend, *opt_log_target, *opt_manager_connection;

static const GOptionEntry entries[] = {
        { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, N_("Run in system mode (the default as root)"),
          NULL },
        { "user", 0, 0, G_OPTION_ARG_NONE, &opt_user, N_("Run in user mode (the default otherwise)"), NULL },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config, N_("Read the configuration from PATH"),
          N_("PATH") },
        { "check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config,
          N_("Validate the configuration and exit"), NULL },
        { "backend", 0, 0, G_OPTION_ARG_STRING, &opt_backend, N_("Force a backend"), "scope|process" },
        { "manager-connection", 0, 0, G_OPTION_ARG_STRING, &opt_manager_connection,
          N_("How to reach the systemd manager"), "private|bus" },
        { "log-target", 0, 0, G_OPTION_ARG_STRING, &opt_log_target, N_("Where events go"),
          "journal|console|auto" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, N_("Log informational messages"), NULL },
        { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, N_("Show the version and exit"), NULL },
        { NULL },
};

/* --check-config: every problem on stderr as FILE:LINE: message, a one-line
 * summary on stdout. Without --config, a missing default config is the
 * empty tree the daemon would run; an explicit path must exist. */
static int
check_config(const char *path, gboolean explicit_path, const StewardConfigOptions *options)
{
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;

        if (explicit_path)
                spec = steward_config_load(path, options, &problems, &error);
        else
                spec = steward_config_load_default(options, &problems, &error);
        for (guint i = 0; problems && i < problems->len; i++) {
                g_autofree char *line = steward_problem_format(g_ptr_array_index(problems, i));
                g_printerr("%s\n", line);
        }
        if (!spec) {
                if (!g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG))
                        g_printerr("%s\n", error->message);
                return EXIT_FAILURE;
        }
        {
                guint ns = spec->supervisors->len, nc = spec->children->len;
                g_autofree char *sups = g_strdup_printf(
                        g_dngettext(GETTEXT_PACKAGE, "%u supervisor", "%u supervisors", ns), ns);
                g_autofree char *kids =
                        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u child", "%u children", nc), nc);
                g_print(_("%s: valid: %s, %s\n"), path, sups, kids);
        }
        return EXIT_SUCCESS;
}

/* ---- the parts, connected ------------------------------------------------- */

typedef struct {
        StewardManager *manager;
        StewardLog *log;
        StewardBus *bus;
        StewardDirect *direct; /* the private socket; NULL: none */
        StewardService *service;
        StewardMemory *memory;
        GMainLoop *loop;
        int exit_code;
        gboolean exited;
        sd_bus_slot *name_request;
        sd_bus_slot *bus_filter; /* NameLost, Disconnected */
        gboolean name_acquired;
        gboolean name_lost;
        /* Reexecute: the program at the path we were started from, with the
         * arguments we were given. */
        const char *exe; /* NULL: unknown */
        char **argv;
} Daemon;

static void
daemon_quit(Daemon *d, int exit_code)
{
        if (d->exited)
                return;
        d->exited = TRUE;
        d->exit_code = exit_code;
        g_main_loop_quit(d->loop);
}

static void
log_on_event(gpointer user_data, guint64 sequence, const StewardEvent *ev, const char *unit)
{
        steward_log_event(user_data, sequence, ev, unit);
}

static const StewardManagerListener log_listener = {
        .event = log_on_event,
};

static void
bus_on_event(gpointer user_data, guint64 sequence, const StewardEvent *ev, const char *unit)
{
        steward_bus_emit_event(user_data, sequence, ev, unit);
}

static void
bus_on_child_changed(gpointer user_data, const char *child, guint changed)
{
        steward_bus_child_changed(user_data, child, changed);
}

static void
bus_on_supervisor_changed(gpointer user_data, const char *supervisor, guint changed)
{
        steward_bus_supervisor_changed(user_data, supervisor, changed);
}

static void
bus_on_manager_changed(gpointer user_data, guint changed)
{
        steward_bus_manager_changed(user_data, changed);
}

static void
bus_on_started(gpointer user_data)
{
        steward_bus_tree_started(user_data);
}

static const StewardManagerListener bus_listener = {
        .started = bus_on_started,
        .event = bus_on_event,
        .child_changed = bus_on_child_changed,
        .supervisor_changed = bus_on_supervisor_changed,
        .manager_changed = bus_on_manager_changed,
};

static void
daemon_on_exit(gpointer user_data, int exit_code)
{
        daemon_quit(user_data, exit_code);
}

/* The manager wrote the state file: become the program at our own path (a
 * new version after an upgrade), which adopts every child. Our PID stays,
 * so the service manager and the children's parent see no change. */
static void
daemon_on_reexecute(gpointer user_data)
{
        Daemon *d = user_data;
        int notify_fd = steward_manager_get_notify_fd(d->manager);
        g_auto(GStrv) env = g_get_environ();
        int errsv;

        /* Our service manager was told RELOADING=1 (steward-service.c); a
         * failure here ends that with READY=1. */
        if (!d->exe) {
                g_warning("Cannot re-execute: /proc/self/exe was unreadable at start; going on as we are");
                (void) sd_notify(0, "READY=1");
                return;
        }
        /* The children's notify socket goes across as it is: nothing they
         * send in between is lost. */
        if (notify_fd >= 0 && fcntl(notify_fd, F_SETFD, 0) == 0) {
                g_autofree char *value = g_strdup_printf("%d", notify_fd);
                env = g_environ_setenv(env, STEWARD_NOTIFY_FD_ENV, value, TRUE);
        }
        steward_manager_flush(d->manager);
        /* The journal entries still queued would die with this image. */
        steward_log_flush(d->log);
        steward_spawn_restore_nofile();
        (void) execve(d->exe, d->argv, env);
        errsv = errno;
        steward_spawn_raise_nofile();
        if (notify_fd >= 0)
                (void) fcntl(notify_fd, F_SETFD, FD_CLOEXEC);
        g_warning("Cannot re-execute %s: %s; going on as we are", d->exe, g_strerror(errsv));
        (void) sd_notify(0, "READY=1");
}

static void
memory_on_settled(gpointer user_data)
{
        steward_memory_input(user_data);
}

static const StewardManagerListener memory_listener = {
        .settled = memory_on_settled,
};

static void on_name_lost(Daemon *d, const char *why);

/* Told after the Disconnected a closed connection brings (on_bus_message()),
 * and alone when sd-bus gave up on the connection without one. */
static void
daemon_on_bus_ended(gpointer user_data)
{
        on_name_lost(user_data, "the bus connection failed");
}

static const StewardManagerListener daemon_listener = {
        .exit = daemon_on_exit,
        .reexecute = daemon_on_reexecute,
        .bus_ended = daemon_on_bus_ended,
};

/* The bus objects served from the manager and its engine. */

static gboolean
ops_command(gpointer m, StewardCommandKind kind, const char *target, const char *reason,
            const StewardActor *actor, StewardCommandOutcome *outcome, char **command_id, GError **error)
{
        return steward_manager_command(m, kind, target, reason, actor, outcome, command_id, error);
}

static void
ops_command_denied(gpointer m, const char *method, const char *target, const StewardActor *actor)
{
        steward_manager_command_denied(m, method, target, actor);
}

static gboolean
ops_reload(gpointer m, const StewardActor *actor, GStrv *added, GStrv *removed, GStrv *changed,
           GError **error)
{
        return steward_manager_reload(m, actor, added, removed, changed, error);
}

static gboolean
ops_add_child(gpointer m, const char *fragment, gboolean persist, const char *reason,
              const StewardActor *actor, StewardChildChange *change, GError **error)
{
        return steward_manager_add_child(m, fragment, persist, reason, actor, change, error);
}

static gboolean
ops_remove_child(gpointer m, const char *name, const char *reason, const StewardActor *actor,
                 StewardChildChange *change, GError **error)
{
        return steward_manager_remove_child(m, name, reason, actor, change, error);
}

static gboolean
ops_reexecute(gpointer m, const StewardActor *actor, GError **error)
{
        return steward_manager_reexecute(m, actor, error);
}

static StewardTreeState
ops_get_tree_state(gpointer m)
{
        return steward_engine_get_tree_state(steward_manager_get_engine(m));
}

static gboolean
ops_is_shutting_down(gpointer m)
{
        return steward_engine_is_shutting_down(steward_manager_get_engine(m));
}

static guint
ops_get_n_children(gpointer m)
{
        return steward_engine_get_n_children(steward_manager_get_engine(m));
}

static gboolean
ops_get_child_at(gpointer m, guint index, StewardChildInfo *info)
{
        return steward_engine_get_child_at(steward_manager_get_engine(m), index, info);
}

static gboolean
ops_get_child(gpointer m, const char *name, StewardChildInfo *info)
{
        return steward_engine_get_child(steward_manager_get_engine(m), name, info);
}

static guint
ops_get_n_supervisors(gpointer m)
{
        return steward_engine_get_n_supervisors(steward_manager_get_engine(m));
}

static gboolean
ops_get_supervisor_at(gpointer m, guint index, StewardSupervisorInfo *info)
{
        return steward_engine_get_supervisor_at(steward_manager_get_engine(m), index, info);
}

static gboolean
ops_get_supervisor(gpointer m, const char *name, StewardSupervisorInfo *info)
{
        return steward_engine_get_supervisor(steward_manager_get_engine(m), name, info);
}

static const char *
ops_get_unit(gpointer m, const char *child)
{
        return steward_manager_get_unit(m, child);
}

static StewardMode
ops_get_mode(gpointer m)
{
        return steward_manager_get_mode(m);
}

static const char *
ops_get_backend_name(gpointer m)
{
        return steward_manager_get_backend_name(m);
}

static const char *const *
ops_get_config_files(gpointer m)
{
        return steward_manager_get_config_files(m);
}

static gid_t
ops_get_allowed_gid(gpointer m)
{
        return steward_manager_get_allowed_gid(m);
}

static guint64
ops_get_notify_dropped(gpointer m)
{
        return steward_manager_get_notify_dropped(m);
}

static const StewardBusOps manager_ops = {
        .command = ops_command,
        .command_denied = ops_command_denied,
        .reload = ops_reload,
        .add_child = ops_add_child,
        .remove_child = ops_remove_child,
        .reexecute = ops_reexecute,
        .get_tree_state = ops_get_tree_state,
        .is_shutting_down = ops_is_shutting_down,
        .get_n_children = ops_get_n_children,
        .get_child_at = ops_get_child_at,
        .get_child = ops_get_child,
        .get_n_supervisors = ops_get_n_supervisors,
        .get_supervisor_at = ops_get_supervisor_at,
        .get_supervisor = ops_get_supervisor,
        .get_unit = ops_get_unit,
        .get_mode = ops_get_mode,
        .get_backend_name = ops_get_backend_name,
        .get_config_files = ops_get_config_files,
        .get_allowed_gid = ops_get_allowed_gid,
        .get_notify_dropped = ops_get_notify_dropped,
};

static gboolean
on_terminate(gpointer user_data)
{
        Daemon *d = user_data;

        steward_manager_shutdown(d->manager, "signal");
        return G_SOURCE_CONTINUE;
}

/* SIGHUP reloads, the way daemons of this platform take it and what
 * ExecReload= of our units sends: the same path as the bus's Reload, with
 * RELOADING=1 and READY=1 around it and a refused configuration recorded as
 * config_rejected, the tree untouched. Who sent the signal is unknown
 * (g_unix_signal_add gives no siginfo), so the actor is stewardd's own uid
 * with pid 0 and the name "signal", as for a shutdown by signal. */
static gboolean
on_reload_signal(gpointer user_data)
{
        Daemon *d = user_data;
        StewardActor actor = { .uid = getuid(), .pid = 0, .comm = "signal" };
        g_auto(GStrv) added = NULL, removed = NULL, changed = NULL;
        g_autoptr(GError) error = NULL;

        if (d->exited || steward_engine_is_shutting_down(steward_manager_get_engine(d->manager))) {
                g_message("SIGHUP while the tree is shutting down; not reloading");
                return G_SOURCE_CONTINUE;
        }
        /* The refusal is already an event, config_rejected, in the journal. */
        if (!steward_manager_reload(d->manager, &actor, &added, &removed, &changed, &error))
                g_debug("Reload on SIGHUP refused: %s", error->message);
        return G_SOURCE_CONTINUE;
}

/* The private socket, once we are the instance: with the name, or
 * without a bus. Without it clients still have the bus. */
static void
daemon_listen(Daemon *d)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *path = steward_direct_default_path(steward_manager_get_mode(d->manager));

        if (!path) {
                g_debug("No runtime directory: no private socket");
                return;
        }
        d->direct = steward_direct_new(path, d->bus, &error);
        if (!d->direct)
                g_warning("No private socket, clients must use the bus: %s", error->message);
}

/* Only the owner of the name may touch steward-*.scope: adopting or stopping
 * a previous run's scopes before holding it would take another running
 * stewardd's. Adoption is synchronous from here, so no call under the name
 * is served before it. */
static void
on_name_acquired(Daemon *d)
{
        if (d->name_acquired)
                return;
        d->name_acquired = TRUE;
        /* Before the start: once anyone hears of the tree, it listens. */
        daemon_listen(d);
        steward_manager_start(d->manager);
}

static void
on_name_lost(Daemon *d, const char *why)
{
        if (d->name_lost)
                return;
        d->name_lost = TRUE;
        if (!d->name_acquired) {
                g_message("Cannot own the bus name %s (%s); not starting", STEWARD_BUS_NAME, why);
                daemon_quit(d, EXIT_FAILURE);
                return;
        }
        /* Without our name nobody can reach us: stop the tree and leave. */
        g_message("Lost the bus name %s (%s); shutting down", STEWARD_BUS_NAME, why);
        if (!d->exited)
                steward_manager_shutdown(d->manager, "signal");
}

static int
on_name_requested(sd_bus_message *reply, void *user_data, sd_bus_error *ret_error)
{
        Daemon *d = user_data;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t result = 0;

        if (e)
                on_name_lost(d, e->message ? e->message : e->name);
        else if (sd_bus_message_read(reply, "u", &result) < 0)
                on_name_lost(d, "unreadable reply");
        else if (result == 1 /* primary owner */ || result == 4 /* already owner */)
                on_name_acquired(d);
        else
                on_name_lost(d, "another stewardd has it");
        return 0;
}

/* The bus daemon tells the owner it lost a name with a NameLost sent to
 * it alone, and sd-bus tells of a closed connection with a Disconnected
 * of its own: a filter sees both, without asking the bus for a match. */
static int
on_bus_message(sd_bus_message *m, void *user_data, sd_bus_error *ret_error)
{
        Daemon *d = user_data;
        const char *name;

        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected"))
                on_name_lost(d, "the bus connection closed");
        else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus", "NameLost") &&
                 g_strcmp0(sd_bus_message_get_sender(m), "org.freedesktop.DBus") == 0 &&
                 sd_bus_message_read(m, "s", &name) >= 0 && g_str_equal(name, STEWARD_BUS_NAME))
                on_name_lost(d, "NameLost");
        return 0;
}

static void
on_prepared(gpointer user_data)
{
        Daemon *d = user_data;
        sd_bus *bus = steward_manager_get_connection(d->manager);
        int r;

        if (d->exited)
                return;
        if (!bus) {
                daemon_listen(d);
                steward_manager_start(d->manager);
                return;
        }
        /* Not queued: a second stewardd leaves at once. */
        if ((r = sd_bus_add_filter(bus, &d->bus_filter, on_bus_message, d)) < 0 ||
            (r = sd_bus_request_name_async(bus, &d->name_request, STEWARD_BUS_NAME, 0, on_name_requested,
                                           d)) < 0)
                on_name_lost(d, g_strerror(-r));
}

/* Released before we exit rather than when the connection closes, so that
 * a stewardd started right after us finds the name free; a bus daemon
 * that does not answer delays our exit by RELEASE_NAME_TIMEOUT_USEC at
 * most (sd_bus_release_name() would wait its 25 s default). */
#define RELEASE_NAME_TIMEOUT_USEC (2 * G_USEC_PER_SEC)

static void
release_name(sd_bus *bus)
{
        g_autoptr(sd_bus_message) m = NULL;
        int r;

        if ((r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                "org.freedesktop.DBus", "ReleaseName")) < 0 ||
            (r = sd_bus_message_append(m, "s", STEWARD_BUS_NAME)) < 0 ||
            (r = sd_bus_call(bus, m, RELEASE_NAME_TIMEOUT_USEC, NULL, NULL)) < 0)
                g_debug("Releasing the bus name %s: %s", STEWARD_BUS_NAME, g_strerror(-r));
}

/* Runs until the tree is down; returns the daemon's exit code
 * (docs/ARCHITECTURE.md, "Exit codes"). */
static int
daemon_run(Daemon *d, StewardLogTarget log_target)
{
        g_autoptr(GError) error = NULL;
        sd_bus *bus = steward_manager_get_connection(d->manager);
        guint signal_sources[3];

        d->loop = g_main_loop_new(NULL, FALSE);
        d->log = steward_log_new(log_target);
        /* As a unit, stderr is a journal stream and GLib would send its
         * messages to journald directly, blocking on a stuck one. */
        if (g_log_writer_is_journald(STDERR_FILENO))
                steward_log_route_glib(d->log);
        /* The journal first: an entry is written before anyone hears of it. */
        steward_manager_add_listener(d->manager, &log_listener, d->log);
        /* Served on the bus when there is one, and on the private socket. */
        d->bus = steward_bus_new(bus, &manager_ops, d->manager, &error);
        if (!d->bus) {
                g_printerr("stewardd: %s\n", error->message);
                return EXIT_FAILURE;
        }
        steward_bus_set_log(d->bus, d->log);
        steward_manager_add_listener(d->manager, &bus_listener, d->bus);
        d->service = steward_service_new(d->manager, d->log);
        d->memory = steward_memory_new(STEWARD_MEMORY_QUIET_USEC, STEWARD_MEMORY_BURST_INPUTS, NULL, NULL);
        steward_manager_add_listener(d->manager, &memory_listener, d->memory);
        steward_bus_set_memory(d->bus, d->memory);
        steward_manager_add_listener(d->manager, &daemon_listener, d);

        signal_sources[0] = g_unix_signal_add(SIGTERM, on_terminate, d);
        signal_sources[1] = g_unix_signal_add(SIGINT, on_terminate, d);
        signal_sources[2] = g_unix_signal_add(SIGHUP, on_reload_signal, d);

        steward_manager_announce_started(d->manager);
        /* The name comes after the tree is loaded, its objects exist and
         * what a previous run left is found; the tree is taken over and
         * started once we hold it. */
        steward_manager_prepare(d->manager, on_prepared, d);
        if (!d->exited)
                g_main_loop_run(d->loop);

        steward_manager_announce_stopping(d->manager);
        g_clear_pointer(&d->direct, steward_direct_free);
        for (guint i = 0; i < G_N_ELEMENTS(signal_sources); i++)
                g_source_remove(signal_sources[i]);
        d->name_request = sd_bus_slot_unref(d->name_request);
        d->bus_filter = sd_bus_slot_unref(d->bus_filter);
        if (d->name_acquired && !d->name_lost)
                release_name(bus);
        steward_manager_flush(d->manager);
        return d->name_lost ? EXIT_FAILURE : d->exit_code;
}

static void
daemon_clear(Daemon *d)
{
        /* The manager first: it tells its listeners nothing more. */
        g_clear_pointer(&d->manager, steward_manager_free);
        g_clear_pointer(&d->service, steward_service_free);
        g_clear_pointer(&d->bus, steward_bus_free);
        g_clear_pointer(&d->memory, steward_memory_free);
        g_clear_pointer(&d->log, steward_log_free);
        g_clear_pointer(&d->loop, g_main_loop_unref);
}

int
main(int argc, char **argv)
{
        g_autoptr(GOptionContext) ctx = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *config_path = NULL;
        StewardConfigOptions options = { 0 };
        StewardManagerOptions mo = { 0 };
        StewardLogTarget log_target;
        Daemon d = { 0 };
        int ret;
        const char *localedir = g_getenv("STEWARD_LOCALEDIR");
        g_autofree char *exe = NULL;
        g_auto(GStrv) saved_argv = NULL;

        /* Before any thread exists: the allocator's settings hold for
         * every thread, and no thread ever takes SIGCHLD from the
         * reaper's signalfd. */
        steward_memory_configure();
        steward_reaper_block_sigchld();
        steward_spawn_raise_nofile();
        setlocale(LC_ALL, "");
        /* STEWARD_LOCALEDIR points at uninstalled catalogs (the build tree's
         * po/, as "meson devenv" and the integration tests set it): LOCALEDIR
         * is the install prefix, which a build tree run cannot use. */
        bindtextdomain(GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        textdomain(GETTEXT_PACKAGE);

        /* Before anything can replace the file: a re-exec runs what is at
         * this path then (a new version), with the same arguments. */
        exe = g_file_read_link("/proc/self/exe", NULL);
        saved_argv = g_strdupv(argv);
        d.exe = exe;
        d.argv = saved_argv;

        ctx = g_option_context_new(NULL);
        g_option_context_set_summary(ctx, _("Supervise long-running programs in transient systemd scopes."));
        g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                g_printerr("stewardd: %s\n", error->message);
                return EXIT_USAGE;
        }
        if (argc > 1) {
                g_printerr(_("stewardd: unexpected argument '%s'\n"), argv[1]);
                return EXIT_USAGE;
        }
        if (opt_version) {
                g_print("stewardd %s\n", PACKAGE_VERSION);
                return EXIT_SUCCESS;
        }
        if (opt_system && opt_user) {
                g_printerr(_("stewardd: --system and --user are mutually exclusive\n"));
                return EXIT_USAGE;
        }
        options.mode = opt_system       ? STEWARD_MODE_SYSTEM
                       : opt_user       ? STEWARD_MODE_USER
                       : geteuid() == 0 ? STEWARD_MODE_SYSTEM
                                        : STEWARD_MODE_USER;
        if (!opt_backend)
                options.backend = STEWARD_BACKEND_SCOPE;
        else if (!steward_backend_kind_from_string(opt_backend, &options.backend)) {
                g_printerr(_("stewardd: unknown backend '%s', expected 'scope' or 'process'\n"),
                           opt_backend);
                return EXIT_USAGE;
        }

        config_path = opt_config ? g_strdup(opt_config) : steward_config_default_dir(options.mode);

        if (opt_check_config) {
                options.check_executables = TRUE;
                return check_config(config_path, opt_config != NULL, &options);
        }

        mo.mode = options.mode;
        mo.backend_forced = opt_backend != NULL;
        mo.backend = options.backend;
        mo.config_path = opt_config;
        if (opt_manager_connection && !g_str_equal(opt_manager_connection, "private") &&
            !g_str_equal(opt_manager_connection, "bus")) {
                g_printerr("stewardd: unknown manager connection '%s', expected 'private' or 'bus'\n",
                           opt_manager_connection);
                return EXIT_USAGE;
        }
        mo.manager_bus_only = g_strcmp0(opt_manager_connection, "bus") == 0;
        if (!steward_log_target_from_string(opt_log_target ? opt_log_target : "auto", &log_target)) {
                g_printerr(_("stewardd: unknown log target '%s', expected 'journal', 'console' or 'auto'\n"),
                           opt_log_target);
                return EXIT_USAGE;
        }
        if (opt_verbose)
                g_log_set_debug_enabled(TRUE);

        d.manager = steward_manager_new(&mo, &error);
        if (!d.manager) {
                g_printerr("%s\n", error->message);
                /* A config that does not validate at start-up is a usage error (docs/ARCHITECTURE.md, "Exit
                 * codes"). */
                return g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG) ? EXIT_USAGE
                                                                                           : EXIT_FAILURE;
        }
        ret = daemon_run(&d, log_target);
        daemon_clear(&d);
        return ret;
}
