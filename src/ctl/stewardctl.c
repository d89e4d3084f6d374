/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl.c: the command-line client; speaks only the public bus API (org.steward.Supervisor1(5)). */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "steward-names.h"
#include "steward-spec.h"
#include "steward-util.h"
#include "stewardctl-connect.h"
#include "stewardctl-format.h"
#include "stewardctl-journal.h"
#include "stewardctl-list.h"
#include "stewardctl-metrics.h"
#include "stewardctl-sd-bus.h"
#include "stewardctl-wait.h"
#include "steward-proc.h"

/* The daemon caps reasons at this size (dbus/org.steward.Supervisor1.xml). */

static gboolean opt_no_pager, opt_no_block;
static gboolean opt_user, opt_system, opt_json, opt_follow, opt_names, opt_no_legend, opt_version,
        opt_persist;
static char *opt_reason, *opt_child, *opt_command_id, *opt_since, *opt_until, *opt_output, *opt_output_file;
static int opt_lines = -1;

static const GOptionEntry entries[] = {
        { "user", 0, 0, G_OPTION_ARG_NONE, &opt_user,
          N_("Talk to the user's stewardd (the default as non-root)"), NULL },
        { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system,
          N_("Talk to the system's stewardd (the default as root)"), NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print JSON instead of text"), NULL },
        { "reason", 0, 0, G_OPTION_ARG_STRING, &opt_reason, N_("Record TEXT as the reason of a command"),
          /* Placeholders that read the same in German stay unmarked. */
          "TEXT" },
        { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow,
          N_("events: go on printing events as they happen"), NULL },
        { "child", 0, 0, G_OPTION_ARG_STRING, &opt_child, N_("events: only those of child NAME"), "NAME" },
        { "command-id", 0, 0, G_OPTION_ARG_STRING, &opt_command_id,
          N_("events: only those a command caused"), "ID" },
        { "since", 'S', 0, G_OPTION_ARG_STRING, &opt_since, N_("events: from TIME on"), N_("TIME") },
        { "until", 'U', 0, G_OPTION_ARG_STRING, &opt_until, N_("events: up to TIME"), N_("TIME") },
        { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_lines,
          N_("events: the last N (default: all; 10 with --follow); status NAME: N journal lines (default "
             "10)"),
          "N" },
        { "output", 'o', 0, G_OPTION_ARG_STRING, &opt_output,
          N_("Output format: short (the default) or json"), "FORMAT" },
        { "names", 0, 0, G_OPTION_ARG_NONE, &opt_names, N_("list, list-supervisors: print only the names"),
          NULL },
        { "no-legend", 0, 0, G_OPTION_ARG_NONE, &opt_no_legend,
          N_("list, list-supervisors: omit the header"), NULL },
        { "persist", 0, 0, G_OPTION_ARG_NONE, &opt_persist,
          N_("add: write the child to the configuration's drop-ins, not the runtime directory"), NULL },
        { "output-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_output_file,
          N_("metrics: write to FILE atomically (a temporary file renamed over it), mode 0644"), "FILE" },
        { "no-block", 0, 0, G_OPTION_ARG_NONE, &opt_no_block,
          N_("start, stop, restart, pause, resume, quarantine, reload-child, remove: do not wait until it "
             "is done"),
          NULL },
        { "no-pager", 0, 0, G_OPTION_ARG_NONE, &opt_no_pager, N_("Do not pipe the output into a pager"),
          NULL },
        { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, N_("Show the version and exit"), NULL },
        { NULL },
};

/* Options that only some commands take; each command names those it accepts. */
enum {
        TAKES_REASON = 1 << 0,
        TAKES_FOLLOW = 1 << 1,
        TAKES_LISTING = 1 << 2, /* --names, --no-legend */
        TAKES_PERSIST = 1 << 3,
        ARG_IS_FILE = 1 << 4, /* the argument is a file (or -), not a name */
        TAKES_LINES = 1 << 5, /* -n */
        PAGED = 1 << 6, /* its output goes through a pager on a terminal */
        TAKES_OUTPUT_FILE = 1 << 7, /* --output-file */
        /* waits on the bus's name owners (daemon-reexec, events --follow):
         * the bus while there is one, stewardd's private socket without */
        WATCHES_NAME = 1 << 8,
        /* waits until the command is carried out, unless --no-block */
        BLOCKS = 1 << 9,
};

/* The daemon reads at most this much of a configuration file, and so of a
 * fragment (STEWARD_CONFIG_FILE_MAX); one byte more tells it is over. */
#define FRAGMENT_MAX (1024 * 1024)

typedef struct {
        /* To stewardd: its private socket, or the bus (ctl_connect()). */
        GDBusConnection *steward;
        const char *name; /* stewardd's bus name; NULL on its private socket, where there are none */
        /* The bus, for what only the service manager knows: the one stewardd
         * is reached on, or opened when first needed (ctl_bus()). */
        GDBusConnection *bus;
        gboolean bus_tried;
        gboolean system;
        StewardctlStyle style;
        /* The processes of the process groups in @proc_groups, read from
         * /proc when first needed (ctl_procs()). */
        GArray *procs;
        GHashTable *proc_groups;
} Ctl;

/* The processes of the process backend's children whose main processes
 * lead @groups (a set of GUINT_TO_POINTER(pgid)): one pass over /proc for a
 * whole status, however many children it shows, which reads the stat
 * files of those groups' members alone (steward_proc_scan()). Asked for a
 * group not read yet, it reads every group asked for so far again. */
static GArray *
ctl_procs(Ctl *ctl, GHashTable *groups)
{
        GHashTableIter iter;
        gpointer pgid;
        gboolean more = FALSE;

        if (!ctl->proc_groups)
                ctl->proc_groups = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_hash_table_iter_init(&iter, groups);
        while (g_hash_table_iter_next(&iter, &pgid, NULL))
                more |= g_hash_table_add(ctl->proc_groups, pgid);
        if (more || !ctl->procs) {
                g_clear_pointer(&ctl->procs, g_array_unref);
                ctl->procs = steward_proc_scan(ctl->proc_groups);
        }
        return ctl->procs;
}

typedef struct Command Command;
struct Command {
        const char *name;
        const char *usage;
        int min_args, max_args; /* max -1: any number */
        unsigned takes;
        gboolean needs_bus; /* a connection to stewardd */
        int (*run)(Ctl *ctl, const Command *cmd, char **args);
        const char *method; /* the Manager method, for the commands that are one call */
};

/* The system bus or the user's, set to end the client, not kill it with
 * SIGPIPE later, when it goes away. */
static GDBusConnection *
bus_get(const Ctl *ctl, GError **error)
{
        GDBusConnection *bus =
                g_bus_get_sync(ctl->system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, error);

        if (bus)
                g_dbus_connection_set_exit_on_close(bus, FALSE);
        return bus;
}

/* A connection to stewardd: its private socket, else the bus; the bus
 * first for a command that watches its names (@watches_name), the private
 * socket then only where there is no bus (a container without a bus
 * daemon). The error is the bus's. */
static gboolean
ctl_connect(Ctl *ctl, gboolean watches_name, GError **error)
{
        g_autoptr(GError) bus_error = NULL;

        if (!watches_name)
                ctl->steward = stewardctl_connect_private(ctl->system);
        if (!ctl->steward) {
                ctl->bus = bus_get(ctl, &bus_error);
                ctl->bus_tried = TRUE;
                if (ctl->bus) {
                        ctl->steward = g_object_ref(ctl->bus);
                        ctl->name = STEWARD_BUS_NAME;
                        return TRUE;
                }
        }
        if (!ctl->steward && watches_name)
                ctl->steward = stewardctl_connect_private(ctl->system);
        if (!ctl->steward) {
                g_propagate_error(error, g_steal_pointer(&bus_error));
                return FALSE;
        }
        return TRUE;
}

/* The bus, for the service manager's figures (a scope's resources,
 * processes and memory), or NULL when there is none: what the manager
 * would have said is then left out, as when it does not answer. */
static GDBusConnection *
ctl_bus(Ctl *ctl)
{
        g_autoptr(GError) error = NULL;

        if (ctl->bus_tried)
                return ctl->bus;
        ctl->bus_tried = TRUE;
        ctl->bus = bus_get(ctl, &error);
        if (!ctl->bus)
                g_debug("No bus, leaving out what the manager would tell: %s", error->message);
        return ctl->bus;
}

/* Whole sentences for each bus, so that a translation need not bend a bus's name into its grammar. */
static void
print_not_running(const Ctl *ctl)
{
        if (ctl->system)
                g_printerr(_("stewardctl: stewardd is not running (%s is not on the system bus)\n"),
                           STEWARD_BUS_NAME);
        else
                g_printerr(_("stewardctl: stewardd is not running (%s is not on the user bus)\n"),
                           STEWARD_BUS_NAME);
}

static void
print_cannot_connect(const Ctl *ctl, const GError *error)
{
        if (ctl->system)
                g_printerr(_("stewardctl: cannot connect to the system bus: %s\n"), error->message);
        else
                g_printerr(_("stewardctl: cannot connect to the user bus: %s\n"), error->message);
}

/* Prints the error as stewardctl(1) documents it and returns its exit code. */
static int
fail(const Ctl *ctl, const GError *error)
{
        int code = stewardctl_exit_code_for_error(error);
        g_autofree char *remote = g_dbus_error_get_remote_error(error);

        /* The bus's own wording ("not provided by any .service files") does
         * not tell a user what to do; say which daemon is missing. */
        if (code == STEWARDCTL_EXIT_NOT_RUNNING &&
            !(remote && g_str_has_prefix(remote, DBUS_ERROR_SPAWN_PREFIX)))
                print_not_running(ctl);
        else {
                g_autofree char *message = stewardctl_error_message(error);

                g_printerr("stewardctl: %s\n", message);
        }
        return code;
}

/* Every call says NO_AUTO_START: a client asking for status must not bring
 * up a supervisor (and its whole tree) as a side effect, and "not running"
 * has its own exit code. */
static GVariant *
call(Ctl *ctl, const char *path, const char *interface, const char *method, GVariant *params,
     const char *reply_type, GError **error)
{
        return g_dbus_connection_call_sync(ctl->steward, ctl->name, path, interface, method, params,
                                           G_VARIANT_TYPE(reply_type), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                                           NULL, error);
}

static GVariant *
get_all(Ctl *ctl, const char *path, const char *interface, GError **error)
{
        g_autoptr(GVariant) reply = call(ctl, path, DBUS_PROPERTIES_INTERFACE, "GetAll",
                                         g_variant_new("(s)", interface), "(a{sv})", error);

        return reply ? g_variant_get_child_value(reply, 0) : NULL;
}

static void
print_json(GVariant *value)
{
        g_autofree char *json = stewardctl_variant_to_json(value, FALSE);

        g_print("%s\n", json);
}

static gboolean
check_name(const char *name)
{
        if (steward_name_is_valid(name))
                return TRUE;
        g_printerr(_("stewardctl: invalid name '%s': 1 to %d of A-Z a-z 0-9 _ . -\n"), name,
                   STEWARD_NAME_MAX);
        return FALSE;
}

/* The reason recorded with a command. Without --reason the command line
 * says what happened well enough, and the daemon refuses an empty reason
 * (its bus handler wants 1 to 1024 bytes) although the XML allows one. */
static char *
reason(const Command *cmd)
{
        if (opt_reason && *opt_reason)
                return g_strdup(opt_reason);
        return g_strdup_printf("stewardctl %s", cmd->name);
}

/* A child command being carried out, as its events tell (stewardctl-wait.c). */
typedef struct {
        StewardctlWait wait;
        /* The target generation started: is it up (Ready)? Asked between
         * two sd_bus_process() calls, not from inside one. */
        gboolean ask_ready;
        int ret; /* -1 until it is decided */
} Waiting;

static int
on_waited_event(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Waiting *w = userdata;
        guint64 sequence, generation;
        const char *kind, *child;
        g_autoptr(GVariant) fields = NULL;
        g_autofree char *line = NULL;
        int r;

        if (w->ret >= 0)
                return 0;
        r = sd_bus_message_read(m, "tsst", &sequence, &kind, &child, &generation);
        if (r > 0)
                r = stewardctl_sd_bus_read_vardict(m, &fields);
        if (r <= 0) {
                g_debug("Event that does not read as (tssta{sv}), ignoring");
                return 0;
        }
        g_variant_ref_sink(fields);
        switch (stewardctl_wait_event(&w->wait, kind, child, generation, fields)) {
        case STEWARDCTL_WAIT_PENDING:
                break;
        case STEWARDCTL_WAIT_ASK_READY:
                w->ask_ready = TRUE;
                break;
        case STEWARDCTL_WAIT_DONE:
                w->ret = STEWARDCTL_EXIT_SUCCESS;
                break;
        case STEWARDCTL_WAIT_FAILED:
                /* The event that ended it, as events prints it. */
                line = stewardctl_format_event(sequence, kind, child, generation, fields);
                if (w->wait.kind == STEWARDCTL_WAIT_RELOAD)
                        g_printerr(_("stewardctl: %s did not reload: %s\n"), w->wait.child, line);
                else
                        g_printerr(_("stewardctl: %s did not come up: %s\n"), w->wait.child, line);
                w->ret = STEWARDCTL_EXIT_FAILURE;
                break;
        }
        return 0;
}

/* stewardd left the bus: its name has no owner any more. */
static int
on_waited_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Waiting *w = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) > 0 && !*new_owner && w->ret < 0)
                w->ret = STEWARDCTL_EXIT_NOT_RUNNING;
        return 0;
}

static gboolean
child_is_ready(sd_bus *bus, const char *child)
{
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error e = SD_BUS_ERROR_NULL;
        g_autofree char *path = steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, child);
        int ready = 0;

        return sd_bus_get_property_trivial(bus, stewardctl_sd_bus_destination(bus), path,
                                           STEWARD_CHILD_INTERFACE, "Ready", &e, 'b', &ready) >= 0 &&
               ready;
}

/* Until the command @w was initialized for is carried out, as systemctl
 * waits for its job; its events were subscribed to before the call. */
static int
wait_carried_out(sd_bus *bus, Waiting *w)
{
        int r = 0;

        if (w->wait.kind == STEWARDCTL_WAIT_NONE)
                return STEWARDCTL_EXIT_SUCCESS;
        /* The events of the call, read with its answer, come first. */
        while (w->ret < 0 && r >= 0) {
                r = sd_bus_process(bus, NULL);
                if (w->ask_ready) {
                        w->ask_ready = FALSE;
                        if (child_is_ready(bus, w->wait.child))
                                w->ret = STEWARDCTL_EXIT_SUCCESS;
                }
                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        }
        if (w->ret < 0 || w->ret == STEWARDCTL_EXIT_NOT_RUNNING) {
                /* The private socket's connection closed, or the name went. */
                g_printerr(
                        _("stewardctl: stewardd went away before %s was carried out; see its command %s in "
                          "'stewardctl events'\n"),
                        w->wait.child, w->wait.command_id);
                w->ret = STEWARDCTL_EXIT_FAILURE;
        }
        return w->ret;
}

/* Whether @cmd waits until it is carried out (BLOCKS, and no --no-block). */
static gboolean
command_blocks(const Command *cmd)
{
        return cmd->takes & BLOCKS && !opt_no_block;
}

/* One call of a child command (and its events, for a command that waits)
 * on sd-bus, on a connection of its own: a GDBus connection costs more
 * than the command (stewardctl-sd-bus.c). */
typedef struct {
        sd_bus *bus;
        sd_bus_slot *event_slot;
        sd_bus_slot *owner_slot;
        Waiting w;
} CommandCall;

static void
command_call_clear(CommandCall *c)
{
        c->owner_slot = sd_bus_slot_unref(c->owner_slot);
        c->event_slot = sd_bus_slot_unref(c->event_slot);
        c->bus = sd_bus_flush_close_unref(c->bus);
        stewardctl_wait_clear(&c->w.wait);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CommandCall, command_call_clear)

/* Calls cmd->method(@name, reason) and reads its outcome; with @blocks,
 * subscribed to its events first. An exit code (the error told), or -1. */
static int
command_call(Ctl *ctl, const Command *cmd, const char *name, gboolean blocks, CommandCall *c,
             GVariant **ret_outcome)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *why = reason(cmd);
        const char *destination;
        GVariant *outcome = NULL;
        int r = 0;

        c->w.ret = -1;
        c->bus = stewardctl_sd_bus_connect(ctl->system, &error);
        if (!c->bus) {
                print_cannot_connect(ctl, error);
                return STEWARDCTL_EXIT_NOT_RUNNING;
        }
        destination = stewardctl_sd_bus_destination(c->bus);
        /* Before the call: its events are emitted before its answer. On a
         * bus the match rules are in place once these return. */
        if (blocks)
                r = sd_bus_match_signal(c->bus, &c->event_slot, destination, STEWARD_OBJECT_PATH,
                                        STEWARD_MANAGER_INTERFACE, "Event", on_waited_event, &c->w);
        if (blocks && destination && r >= 0) {
                g_autofree char *match =
                        g_strdup_printf("type='signal',sender='org.freedesktop.DBus',"
                                        "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                        "member='NameOwnerChanged',arg0='%s'",
                                        destination);

                r = sd_bus_add_match(c->bus, &c->owner_slot, match, on_waited_owner, &c->w);
        }
        if (r < 0) {
                stewardctl_sd_bus_set_error(&error, r, NULL);
                return fail(ctl, error);
        }
        if (!stewardctl_sd_bus_call(c->bus, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, cmd->method,
                                    &reply, &error, "ss", name, why))
                return fail(ctl, error);
        r = stewardctl_sd_bus_read_vardict(reply, &outcome);
        if (r <= 0) {
                g_printerr(_("stewardctl: %s returned no outcome: %s\n"), cmd->method, g_strerror(-r));
                return STEWARDCTL_EXIT_FAILURE;
        }
        *ret_outcome = g_variant_ref_sink(outcome);
        return -1;
}

/* start, stop, restart, pause, resume, quarantine, reload-child,
 * resume-supervisor: one call, one outcome; then, for the commands that
 * block, the wait until it is carried out. */
static int
run_command(Ctl *ctl, const Command *cmd, char **args)
{
        g_auto(CommandCall) c = { 0 };
        g_autoptr(GVariant) outcome = NULL;
        gboolean blocks = command_blocks(cmd);
        int ret = command_call(ctl, cmd, args[0], blocks, &c, &outcome);

        if (ret >= 0)
                return ret;
        if (opt_json)
                print_json(outcome);
        else {
                gboolean child = !g_str_equal(cmd->method, "ResumeSupervisor");
                g_autofree char *line = stewardctl_format_outcome(args[0], outcome, child, &ctl->style);

                g_print("%s\n", line);
        }
        if (!blocks)
                return STEWARDCTL_EXIT_SUCCESS;
        /* The decision first, then the wait for what it promised. */
        (void) fflush(stdout);
        stewardctl_wait_init(&c.w.wait, args[0], outcome);
        return wait_carried_out(c.bus, &c.w);
}

static int
run_shutdown(Ctl *ctl, const Command *cmd, char **args)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_autofree char *why = reason(cmd);

        reply = call(ctl, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "ShutdownTree",
                     g_variant_new("(s)", why), "(a{sv})", &error);
        if (!reply)
                return fail(ctl, error);
        outcome = g_variant_get_child_value(reply, 0);
        if (opt_json)
                print_json(outcome);
        else {
                g_autofree char *line = stewardctl_format_outcome("tree", outcome, FALSE, &ctl->style);

                g_print("%s\n", line);
        }
        return STEWARDCTL_EXIT_SUCCESS;
}

static int
run_reload(Ctl *ctl, const Command *cmd, char **args)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;

        reply = call(ctl, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "Reload", NULL, "(a{sv})", &error);
        if (!reply)
                return fail(ctl, error);
        outcome = g_variant_get_child_value(reply, 0);
        if (opt_json)
                print_json(outcome);
        else {
                g_autofree char *text = stewardctl_format_reload(outcome);

                g_print("%s\n", text);
        }
        return STEWARDCTL_EXIT_SUCCESS;
}

/* The fragment in @path, or on stdin for "-". */
static char *
read_fragment(const char *path, GError **error)
{
        g_autoptr(GInputStream) in = NULL;
        g_autofree char *data = g_malloc(FRAGMENT_MAX + 2);
        gsize length = 0;

        if (g_str_equal(path, "-"))
                in = g_unix_input_stream_new(STDIN_FILENO, FALSE);
        else {
                g_autoptr(GFile) file = g_file_new_for_commandline_arg(path);

                in = G_INPUT_STREAM(g_file_read(file, NULL, error));
                if (!in)
                        return NULL;
        }
        if (!g_input_stream_read_all(in, data, FRAGMENT_MAX + 1, &length, NULL, error))
                return NULL;
        data[length] = '\0';
        if (length > FRAGMENT_MAX) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: larger than %d bytes"), path,
                            FRAGMENT_MAX);
                return NULL;
        }
        if (strlen(data) != length || !g_utf8_validate(data, -1, NULL)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: not UTF-8 text"), path);
                return NULL;
        }
        return g_steal_pointer(&data);
}

/* add FILE|-: AddChild with the fragment read from FILE or stdin. */
static int
run_add(Ctl *ctl, const Command *cmd, char **args)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_autofree char *fragment = NULL;
        g_autofree char *why = reason(cmd);
        GVariantBuilder options;
        const char *child = "", *supervisor = "", *file = "", *state = "", *id = "";

        fragment = read_fragment(args[0], &error);
        if (!fragment) {
                g_printerr(_("stewardctl: cannot read the fragment: %s\n"), error->message);
                return STEWARDCTL_EXIT_FAILURE;
        }
        g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
        if (opt_persist)
                g_variant_builder_add(&options, "{sv}", "persist", g_variant_new_boolean(TRUE));
        g_variant_builder_add(&options, "{sv}", "reason", g_variant_new_string(why));
        reply = call(ctl, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "AddChild",
                     g_variant_new("(sa{sv})", fragment, &options), "(a{sv})", &error);
        if (!reply)
                return fail(ctl, error);
        outcome = g_variant_get_child_value(reply, 0);
        if (opt_json) {
                print_json(outcome);
                return STEWARDCTL_EXIT_SUCCESS;
        }
        (void) g_variant_lookup(outcome, "child", "&s", &child);
        (void) g_variant_lookup(outcome, "supervisor", "&s", &supervisor);
        (void) g_variant_lookup(outcome, "file", "&s", &file);
        (void) g_variant_lookup(outcome, "state", "&s", &state);
        (void) g_variant_lookup(outcome, "command_id", "&s", &id);
        /* The state is the protocol's name for it, as in status. */
        g_print(_("%s: added to %s, %s (%s, command %s)\n"), child, supervisor, state, file, id);
        return STEWARDCTL_EXIT_SUCCESS;
}

/* remove CHILD: RemoveChild. */
static int
run_remove(Ctl *ctl, const Command *cmd, char **args)
{
        g_auto(CommandCall) c = { 0 };
        g_autoptr(GVariant) outcome = NULL;
        gboolean blocks = command_blocks(cmd);
        const char *file = "", *id = "";
        gboolean gone = FALSE;
        int ret = command_call(ctl, cmd, args[0], blocks, &c, &outcome);

        if (ret >= 0)
                return ret;
        (void) g_variant_lookup(outcome, "file", "&s", &file);
        (void) g_variant_lookup(outcome, "command_id", "&s", &id);
        (void) g_variant_lookup(outcome, "gone", "b", &gone);
        if (opt_json)
                print_json(outcome);
        else if (gone)
                g_print(_("%s: removed, gone (%s deleted, command %s)\n"), args[0], file, id);
        else
                g_print(_("%s: removed, stopping (%s deleted, command %s)\n"), args[0], file, id);
        if (!blocks || gone)
                return STEWARDCTL_EXIT_SUCCESS;
        /* Out of the tree at once; its last incarnation goes through the fence. */
        (void) fflush(stdout);
        stewardctl_wait_init_gone(&c.w.wait, args[0], id);
        return wait_carried_out(c.bus, &c.w);
}

typedef struct {
        char *old_owner;
        gboolean back;
        gboolean timed_out;
} ReexecWait;

static void
on_reexec_owner(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *signal, GVariant *params, gpointer user_data)
{
        ReexecWait *w = user_data;
        const char *name, *new_owner;

        g_variant_get(params, "(&s&s&s)", &name, NULL, &new_owner);
        if (g_str_equal(name, STEWARD_BUS_NAME) && new_owner[0] && g_strcmp0(new_owner, w->old_owner) != 0)
                w->back = TRUE;
}

static gboolean
on_reexec_timeout(gpointer user_data)
{
        ReexecWait *w = user_data;

        w->timed_out = TRUE;
        return G_SOURCE_REMOVE;
}

/* What daemon-reexec says once it has waited for @what (the bus name, or
 * the private socket) to come back, or in vain. */
static int
reexec_done(const Ctl *ctl, gboolean back, const char *what)
{
        if (!back) {
                g_printerr(_("stewardctl: stewardd did not take %s again within 90 s; see journalctl%s -t "
                             "stewardd\n"),
                           what, ctl->system ? "" : " --user");
                return STEWARDCTL_EXIT_FAILURE;
        }
        if (!opt_json)
                g_print(_("stewardd re-executed\n"));
        return STEWARDCTL_EXIT_SUCCESS;
}

/* daemon-reexec on the bus: Reexecute, then wait until the new image holds
 * the name, as systemctl daemon-reexec waits for systemd to come back. */
static int
reexec_on_bus(Ctl *ctl)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) owner = NULL;
        g_autoptr(GVariant) reply = NULL;
        ReexecWait w = { 0 };
        guint subscription, timeout;

        owner = g_dbus_connection_call_sync(ctl->steward, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "GetNameOwner",
                                            g_variant_new("(s)", STEWARD_BUS_NAME), G_VARIANT_TYPE("(s)"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        if (owner)
                g_variant_get(owner, "(s)", &w.old_owner);
        /* Before the call: the name may come back before its reply is read. */
        subscription = g_dbus_connection_signal_subscribe(
                ctl->steward, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                "/org/freedesktop/DBus", STEWARD_BUS_NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_reexec_owner, &w,
                NULL);
        reply = g_dbus_connection_call_sync(ctl->steward, STEWARD_BUS_NAME, STEWARD_OBJECT_PATH,
                                            STEWARD_MANAGER_INTERFACE, "Reexecute", NULL, NULL,
                                            G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, &error);
        if (!reply) {
                g_dbus_connection_signal_unsubscribe(ctl->steward, subscription);
                g_free(w.old_owner);
                return fail(ctl, error);
        }
        timeout = g_timeout_add_seconds(90, on_reexec_timeout, &w);
        while (!w.back && !w.timed_out)
                g_main_context_iteration(NULL, TRUE);
        if (!w.timed_out)
                g_source_remove(timeout);
        g_dbus_connection_signal_unsubscribe(ctl->steward, subscription);
        g_free(w.old_owner);
        return reexec_done(ctl, w.back, STEWARD_BUS_NAME);
}

/* daemon-reexec where there is no bus, on the private socket: the old
 * image closes the connection as it goes, the new one serves the socket
 * again (stewardctl-connect.c). */
static int
reexec_on_private_socket(Ctl *ctl)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(StewardctlSocketWatch) watch = NULL;
        g_autofree char *path = stewardctl_private_socket(ctl->system);

        /* Before the call: the socket may be back before its reply is read. */
        watch = stewardctl_socket_watch_new(ctl->system, ctl->steward, &error);
        if (!watch) {
                g_printerr("stewardctl: %s\n", error->message);
                return STEWARDCTL_EXIT_FAILURE;
        }
        reply = call(ctl, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, "Reexecute", NULL, "()", &error);
        if (!reply)
                return fail(ctl, error);
        return reexec_done(ctl, stewardctl_socket_watch_wait(watch, 90), path);
}

static int
run_daemon_reexec(Ctl *ctl, const Command *cmd, char **args)
{
        return ctl->name ? reexec_on_bus(ctl) : reexec_on_private_socket(ctl);
}

/* A row as an object with named members: positions in a tuple are not
 * something a script should depend on. */
static void
print_rows_json(const StewardctlListing *l, gboolean children)
{
        g_autoptr(GVariantBuilder) b = g_variant_builder_new(G_VARIANT_TYPE("aa{sv}"));
        g_autoptr(GVariant) array = NULL;

        for (guint i = 0; i < l->rows->len; i++) {
                const StewardctlRow *r = &g_array_index(l->rows, StewardctlRow, i);

                if (children)
                        g_variant_builder_add_parsed(b,
                                                     "{'name': <%s>, 'supervisor': <%s>, 'state': <%s>, "
                                                     "'generation': <%t>, 'attempt': <%t>, 'path': <%o>}",
                                                     r->name, r->parent, r->state, r->generation, r->attempt,
                                                     r->path);
                else
                        g_variant_builder_add_parsed(
                                b, "{'name': <%s>, 'parent': <%s>, 'state': <%s>, 'path': <%o>}", r->name,
                                r->parent, r->state, r->path);
        }
        array = g_variant_ref_sink(g_variant_builder_end(b));
        print_json(array);
}

/* list and list-supervisors: the rows as a table, names or JSON. They
 * read the reply with sd-bus, on a connection of their own
 * (stewardctl-list.c says why). */
static int
run_list(Ctl *ctl, const Command *cmd, char **args)
{
        gboolean children = g_str_equal(cmd->method, "ListChildren");
        g_autoptr(GError) error = NULL;
        __attribute__((cleanup(sd_bus_flush_close_unrefp))) sd_bus *bus = NULL;
        StewardctlListing l;
        const StewardctlRow *rows;

        bus = stewardctl_sd_bus_connect(ctl->system, &error);
        if (!bus) {
                print_cannot_connect(ctl, error);
                return STEWARDCTL_EXIT_NOT_RUNNING;
        }
        if (!stewardctl_list_read(bus, children, &l, &error))
                return fail(ctl, error);
        rows = (const StewardctlRow *) l.rows->data;
        if (opt_json)
                print_rows_json(&l, children);
        else if (opt_names)
                for (guint i = 0; i < l.rows->len; i++)
                        g_print("%s\n", rows[i].name);
        else {
                g_autofree char *table =
                        children ? stewardctl_format_child_table(rows, l.rows->len, !opt_no_legend)
                                 : stewardctl_format_supervisor_table(rows, l.rows->len, !opt_no_legend);

                if (*table)
                        g_print("%s\n", table);
        }
        stewardctl_listing_clear(&l);
        return STEWARDCTL_EXIT_SUCCESS;
}

/* How long the main process has run, from /proc: the bus has no start
 * time. Only trusted when the pid is in the child's scope, so a pid from
 * another namespace or a recycled one is not misread. */
static gboolean
main_pid_uptime(guint32 pid, const char *unit, guint64 *ret)
{
        StewardProcStat st;
        struct timespec now;
        long hz = sysconf(_SC_CLK_TCK);
        guint64 now_usec, start_usec;

        if (pid == 0 || hz <= 0)
                return FALSE;
        if (unit && *unit) {
                g_autofree char *cgroup_path = g_strdup_printf("/proc/%u/cgroup", pid);
                g_autofree char *cgroup = NULL;
                g_autofree char *needle = g_strdup_printf("/%s", unit);

                if (!g_file_get_contents(cgroup_path, &cgroup, NULL, NULL) || !strstr(cgroup, needle))
                        return FALSE;
        }
        if (!steward_proc_stat_read(pid, &st) || clock_gettime(CLOCK_BOOTTIME, &now) < 0)
                return FALSE;
        now_usec = (guint64) now.tv_sec * G_USEC_PER_SEC + (guint64) now.tv_nsec / 1000;
        start_usec = st.start_ticks * G_USEC_PER_SEC / (guint64) hz;
        if (start_usec > now_usec)
                return FALSE;
        *ret = now_usec - start_usec;
        return TRUE;
}

static const char *
props_name(GVariant *props)
{
        const char *name = "";

        (void) g_variant_lookup(props, "Name", "&s", &name);
        return name;
}

/* Everything status shows, read from the bus. */
typedef struct {
        GVariant *manager;
        GPtrArray *supervisors;
        GPtrArray *children;
        GHashTable *uptimes;
        GHashTable *memory; /* child name → guint64* bytes, for the tree's memory column */
} Snapshot;

static void
snapshot_clear(Snapshot *s)
{
        g_clear_pointer(&s->manager, g_variant_unref);
        g_clear_pointer(&s->supervisors, g_ptr_array_unref);
        g_clear_pointer(&s->children, g_ptr_array_unref);
        g_clear_pointer(&s->uptimes, g_hash_table_unref);
        g_clear_pointer(&s->memory, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Snapshot, snapshot_clear)

/* A batch of calls sent at once, answered to a main context of its own so
 * that nothing else of stewardctl's runs in between. */
typedef struct {
        GMainContext *context;
        guint pending;
        gboolean timed_out;
} Batch;

static void
batch_begin(Batch *b)
{
        *b = (Batch){ .context = g_main_context_new() };
        g_main_context_push_thread_default(b->context);
}

static gboolean
on_batch_timeout(gpointer user_data)
{
        ((Batch *) user_data)->timed_out = TRUE;
        return G_SOURCE_REMOVE;
}

/* Waits for every answer of the batch of @n calls, or until its time is up:
 * each call waits behind the ones before it, so GDBus's 25 s per call would
 * fail a batch of ten thousand that the daemon answers at a steady pace.
 * One deadline for the whole batch, not a timeout source per call (sent
 * with G_MAXINT): GLib checks every source of a context in every
 * iteration, and ten thousand of them made the wait quadratic (a quarter
 * of a whole-tree status's time at 10,000 children). Past the deadline the
 * calls still out are abandoned with the context: their callbacks run only
 * from it, and it is never iterated again. */
static gboolean
batch_wait(Batch *b, guint n, GError **error)
{
        g_autoptr(GSource) deadline = g_timeout_source_new((guint) MIN(25000 + (guint64) n * 10, G_MAXUINT));

        g_source_set_callback(deadline, on_batch_timeout, b, NULL);
        g_source_attach(deadline, b->context);
        while (b->pending > 0 && !b->timed_out)
                g_main_context_iteration(b->context, TRUE);
        g_source_destroy(deadline);
        g_main_context_pop_thread_default(b->context);
        g_clear_pointer(&b->context, g_main_context_unref);
        if (b->timed_out) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                            _("Timed out waiting for %u of %u answers"), b->pending, n);
                return FALSE;
        }
        return TRUE;
}

/* One GetAll of read_paths(), answered in any order, kept in the order asked. */
typedef struct {
        Batch *batch;
        GVariant *props;
        GError *error;
} PropsRead;

static void
on_get_all(GObject *source, GAsyncResult *res, gpointer user_data)
{
        PropsRead *r = user_data;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &r->error);

        if (reply)
                r->props = g_variant_get_child_value(reply, 0);
        r->batch->pending--;
}

/* The properties (GetAll of @interface) of the objects at @paths, into
 * @into in that order. The calls are all sent before the first answer is
 * waited for: a tree of thousands costs the daemon's time, not thousands of
 * round trips. An object that is not there (a reload removed it, or it
 * never was) is left out; anything else, e.g. the daemon leaving, fails
 * the whole read. */
static gboolean
read_paths(Ctl *ctl, const char *interface, GPtrArray *paths, GPtrArray *into, GError **error)
{
        /* Kept if the batch times out: the calls abandoned still point into it. */
        PropsRead *reads = g_new0(PropsRead, paths->len);
        gboolean ok = TRUE;
        Batch batch;

        batch_begin(&batch);
        for (guint i = 0; i < paths->len; i++) {
                reads[i].batch = &batch;
                batch.pending++;
                g_dbus_connection_call(ctl->steward, ctl->name, g_ptr_array_index(paths, i),
                                       DBUS_PROPERTIES_INTERFACE, "GetAll", g_variant_new("(s)", interface),
                                       G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NO_AUTO_START, G_MAXINT,
                                       NULL, on_get_all, &reads[i]);
        }
        if (!batch_wait(&batch, paths->len, error))
                return FALSE;

        for (guint i = 0; i < paths->len; i++) {
                PropsRead *r = &reads[i];

                if (r->props)
                        g_ptr_array_add(into, g_steal_pointer(&r->props));
                else if (r->error && ok &&
                         !g_error_matches(r->error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) &&
                         !g_error_matches(r->error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) &&
                         !g_error_matches(r->error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
                        g_propagate_error(error, g_steal_pointer(&r->error));
                        ok = FALSE;
                } else if (r->error)
                        g_debug("no object at %s, ignoring: %s", (const char *) g_ptr_array_index(paths, i),
                                r->error->message);
                g_clear_error(&r->error);
        }
        g_free(reads);
        return ok;
}

/* Reads the properties of every object a List method names, or of those
 * named in @names or whose second column (a child's supervisor) is in
 * @parents, when either is not NULL (read_paths()). */
static gboolean
read_objects(Ctl *ctl, const char *method, const char *reply_type, const char *interface,
             const char *const *names, GPtrArray *parents, GPtrArray *into, GError **error)
{
        g_autoptr(GVariant) reply =
                call(ctl, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, method, NULL, reply_type, error);
        g_autoptr(GPtrArray) paths = g_ptr_array_new();
        g_autoptr(GVariant) rows = NULL;
        const char *name, *parent, *path;

        if (!reply)
                return FALSE;
        rows = g_variant_get_child_value(reply, 0);
        for (gsize i = 0; i < g_variant_n_children(rows); i++) {
                g_autoptr(GVariant) row = g_variant_get_child_value(rows, i);
                gsize columns = g_variant_n_children(row);

                /* Name and parent come first in every List row, the path last. */
                g_variant_get_child(row, 0, "&s", &name);
                g_variant_get_child(row, 1, "&s", &parent);
                g_variant_get_child(row, columns - 1, "&o", &path);
                if ((names || parents) && !(names && g_strv_contains(names, name)) &&
                    !(parents && g_ptr_array_find_with_equal_func(parents, parent, g_str_equal, NULL)))
                        continue;
                /* The strings stay in @rows' buffer, which @reply holds. */
                g_ptr_array_add(paths, (gpointer) path);
        }
        return read_paths(ctl, interface, paths, into, error);
}

/* The children of @names, by their object paths: no list of all of them,
 * so that `status NAME` costs the same in a tree of ten or of ten thousand.
 * A name that is no child is left out. */
static gboolean
read_named_children(Ctl *ctl, const char *const *names, GPtrArray *into, GError **error)
{
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);

        for (const char *const *n = names; *n; n++)
                g_ptr_array_add(paths, steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, *n));
        return read_paths(ctl, STEWARD_CHILD_INTERFACE, paths, into, error);
}

/* One Get of MemoryCurrent by read_memory(), answered in any order. */
typedef struct {
        Batch *batch;
        const char *name; /* the child's, borrowed from its properties */
        guint64 bytes;
        gboolean known;
} MemoryRead;

static void
on_get_memory(GObject *source, GAsyncResult *res, gpointer user_data)
{
        MemoryRead *r = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        g_autoptr(GVariant) value = NULL;

        if (reply)
                g_variant_get(reply, "(v)", &value);
        /* systemd's "no value" (no accounting, or no cgroup any more) shows as none. */
        if (value && g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64) &&
            g_variant_get_uint64(value) != G_MAXUINT64) {
                r->bytes = g_variant_get_uint64(value);
                r->known = TRUE;
        } else if (error)
                g_debug("No memory figure for %s, ignoring: %s", r->name, error->message);
        r->batch->pending--;
}

/* The process backend has no scope: what /proc counts resident for the
 * process group its main process leads, summed over the group
 * (ctl_procs()). Pages another process shares count in each. */
static void
read_process_group_memory(Ctl *ctl, GPtrArray *children, GHashTable *into)
{
        g_autoptr(GHashTable) groups = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_autoptr(GHashTable) sums = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        GHashTableIter iter;
        GArray *procs;
        gpointer key, value;
        long page = sysconf(_SC_PAGESIZE);

        for (guint i = 0; i < children->len; i++) {
                GVariant *props = g_ptr_array_index(children, i);
                const char *unit = "";
                guint32 pid = 0;

                (void) g_variant_lookup(props, "Unit", "&s", &unit);
                (void) g_variant_lookup(props, "MainPID", "u", &pid);
                if (!*unit && pid > 0)
                        g_hash_table_insert(groups, GUINT_TO_POINTER(pid), (gpointer) props_name(props));
        }
        if (g_hash_table_size(groups) == 0 || page <= 0)
                return;
        procs = ctl_procs(ctl, groups);
        for (guint i = 0; i < procs->len; i++) {
                const StewardProcStat *st = &g_array_index(procs, StewardProcStat, i);
                guint64 *sum;

                if (st->pgid == 0 || !g_hash_table_contains(groups, GUINT_TO_POINTER(st->pgid)))
                        continue;
                sum = g_hash_table_lookup(sums, GUINT_TO_POINTER(st->pgid));
                if (!sum) {
                        sum = g_new0(guint64, 1);
                        g_hash_table_insert(sums, GUINT_TO_POINTER(st->pgid), sum);
                }
                *sum += st->rss_pages * (guint64) page;
        }
        g_hash_table_iter_init(&iter, sums);
        while (g_hash_table_iter_next(&iter, &key, &value))
                g_hash_table_insert(into, g_strdup(g_hash_table_lookup(groups, key)),
                                    g_memdup2(value, sizeof(guint64)));
}

/* How much memory each child uses now, for the tree's memory column: its
 * scope's MemoryCurrent, the figure status NAME shows. The Gets are all sent
 * before the first answer is waited for, as read_objects() sends its
 * GetAlls: one round trip for the whole tree, not one per child. A child
 * without a figure (not running, no accounting) is left out. */
static void
read_memory(Ctl *ctl, GPtrArray *children, GHashTable *into)
{
        /* Kept if the batch times out: the calls abandoned still point into it. */
        MemoryRead *reads = g_new0(MemoryRead, children->len);
        g_autoptr(GError) error = NULL;
        GDBusConnection *bus = NULL;
        Batch batch;
        guint sent;

        /* The bus only if there is a scope to ask about, and before the
         * batch's context: what the connection does of its own goes to ours. */
        for (guint i = 0; i < children->len && !bus; i++) {
                const char *unit = "";

                if (g_variant_lookup(g_ptr_array_index(children, i), "Unit", "&s", &unit) && *unit)
                        bus = ctl_bus(ctl);
        }
        batch_begin(&batch);
        for (guint i = 0; i < children->len && bus; i++) {
                GVariant *props = g_ptr_array_index(children, i);
                const char *unit = "";
                g_autofree char *path = NULL;

                (void) g_variant_lookup(props, "Unit", "&s", &unit);
                if (!*unit)
                        continue;
                path = steward_unit_object_path(unit);
                reads[i].batch = &batch;
                reads[i].name = props_name(props);
                batch.pending++;
                g_dbus_connection_call(bus, SYSTEMD_BUS_NAME, path, DBUS_PROPERTIES_INTERFACE, "Get",
                                       g_variant_new("(ss)", SYSTEMD_SCOPE_INTERFACE, "MemoryCurrent"),
                                       G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, G_MAXINT,
                                       NULL, on_get_memory, &reads[i]);
        }
        /* The figures that came in time are shown; the rest show as none. */
        sent = batch.pending;
        if (!batch_wait(&batch, sent, &error))
                g_debug("No memory figures for some children, ignoring: %s", error->message);

        for (guint i = 0; i < children->len; i++)
                if (reads[i].known)
                        g_hash_table_insert(into, g_strdup(reads[i].name),
                                            g_memdup2(&reads[i].bytes, sizeof(guint64)));
        if (batch.pending == 0)
                g_free(reads);
        read_process_group_memory(ctl, children, into);
}

static GVariant *find_by_name(GPtrArray *objects, const char *name);
static GPtrArray *subtree(GPtrArray *supervisors, GVariant *top);

/* The tree, or (@names not NULL) what status shows of those names: the
 * supervisors, and only the children named or below a supervisor named. */
static gboolean
snapshot_read(Ctl *ctl, Snapshot *s, const char *const *names, GError **error)
{
        g_autoptr(GPtrArray) parents = NULL;

        s->supervisors = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        s->children = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        s->uptimes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        s->memory = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

        s->manager = get_all(ctl, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE, error);
        if (!s->manager)
                return FALSE;
        if (!read_objects(ctl, "ListSupervisors", "(a(ssso))", STEWARD_SUPERVISOR_INTERFACE, NULL, NULL,
                          s->supervisors, error))
                return FALSE;
        if (names) {
                parents = g_ptr_array_new();
                for (const char *const *n = names; *n; n++) {
                        GVariant *sup = find_by_name(s->supervisors, *n);
                        g_autoptr(GPtrArray) below = sup ? subtree(s->supervisors, sup) : NULL;

                        for (guint i = 0; below && i < below->len; i++)
                                g_ptr_array_add(parents, (gpointer) props_name(g_ptr_array_index(below, i)));
                }
        }
        if (names && parents->len == 0) {
                if (!read_named_children(ctl, names, s->children, error))
                        return FALSE;
        } else if (!read_objects(ctl, "ListChildren", "(a(ssstto))", STEWARD_CHILD_INTERFACE, names, parents,
                                 s->children, error))
                return FALSE;
        for (guint i = 0; i < s->children->len; i++) {
                GVariant *props = g_ptr_array_index(s->children, i);
                guint32 pid = 0;
                const char *unit = "";
                guint64 up;

                (void) g_variant_lookup(props, "MainPID", "u", &pid);
                (void) g_variant_lookup(props, "Unit", "&s", &unit);
                if (main_pid_uptime(pid, unit, &up))
                        g_hash_table_insert(s->uptimes, g_strdup(props_name(props)),
                                            g_memdup2(&up, sizeof(up)));
        }
        return TRUE;
}

static GVariant *
find_by_name(GPtrArray *objects, const char *name)
{
        for (guint i = 0; i < objects->len; i++)
                if (g_str_equal(props_name(g_ptr_array_index(objects, i)), name))
                        return g_ptr_array_index(objects, i);
        return NULL;
}

/* The supervisor and every supervisor below it, parents before children. */
static GPtrArray *
subtree(GPtrArray *supervisors, GVariant *top)
{
        GPtrArray *out = g_ptr_array_new();

        g_ptr_array_add(out, top);
        for (guint i = 0; i < out->len; i++) {
                const char *name = props_name(g_ptr_array_index(out, i));

                for (guint j = 0; j < supervisors->len; j++) {
                        GVariant *sup = g_ptr_array_index(supervisors, j);
                        const char *parent = "";

                        (void) g_variant_lookup(sup, "Parent", "&s", &parent);
                        if (g_str_equal(parent, name))
                                g_ptr_array_add(out, sup);
                }
        }
        return out;
}

static JsonNode *
props_array_to_json(GPtrArray *objects)
{
        JsonArray *array = json_array_new();
        JsonNode *node = json_node_new(JSON_NODE_ARRAY);

        for (guint i = 0; i < objects->len; i++)
                json_array_add_element(array, json_gvariant_serialize(g_ptr_array_index(objects, i)));
        json_node_take_array(node, array);
        return node;
}

static void
print_status_json(GVariant *manager, GPtrArray *supervisors, GPtrArray *children)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *text = NULL;

        json_builder_begin_object(b);
        if (manager) {
                json_builder_set_member_name(b, "manager");
                json_builder_add_value(b, json_gvariant_serialize(manager));
        }
        json_builder_set_member_name(b, "supervisors");
        json_builder_add_value(b, props_array_to_json(supervisors));
        json_builder_set_member_name(b, "children");
        json_builder_add_value(b, props_array_to_json(children));
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        text = json_generator_to_data(gen, NULL);
        g_print("%s\n", text);
}

/* The process backend has no scope: the members of the child's process
 * group (its main process leads one), from /proc (ctl_procs()), with
 * their command lines, as rows a(us). */
static GVariant *
process_group_members(Ctl *ctl, guint32 pgid)
{
        g_autoptr(GHashTable) group = g_hash_table_new(g_direct_hash, g_direct_equal);
        GArray *procs;
        GVariantBuilder list;

        g_hash_table_add(group, GUINT_TO_POINTER(pgid));
        procs = ctl_procs(ctl, group);
        g_variant_builder_init(&list, G_VARIANT_TYPE("a(us)"));
        for (guint i = 0; i < procs->len; i++) {
                const StewardProcStat *st = &g_array_index(procs, StewardProcStat, i);
                g_autofree char *cmd_path = NULL;
                g_autofree char *cmdline = NULL;
                g_autofree char *valid = NULL;
                gsize len = 0;

                if (st->pgid != pgid)
                        continue;
                cmd_path = g_strdup_printf("/proc/%u/cmdline", st->pid);
                if (g_file_get_contents(cmd_path, &cmdline, &len, NULL) && len > 0) {
                        for (gsize j = 0; j + 1 < len; j++)
                                if (cmdline[j] == '\0')
                                        cmdline[j] = ' ';
                } else {
                        /* None (a zombie, or caught mid-exec): [comm], as ps
                         * and the manager show it. */
                        g_free(cmdline);
                        cmdline = g_strdup_printf("[%s]", st->comm);
                }
                valid = g_utf8_make_valid(cmdline, -1);
                g_variant_builder_add(&list, "(us)", st->pid, valid);
        }
        return g_variant_builder_end(&list);
}

/* What systemctl status shows first, from the manager: the scope's memory,
 * tasks and CPU time, as "Resources" (a{sv}, those of the Scope
 * interface's properties the manager has), and its processes, as
 * "Processes" (a(us): PID and command line), and @logs (NULL: none) as
 * "Logs" (as), added to a child's properties. A child without a scope, or a
 * manager that does not answer (or no bus to ask it on), gets no resources
 * nor processes. */
static GVariant *
child_with_scope(Ctl *ctl, GVariant *props, char **logs)
{
        static const char *const keys[] = { "MemoryCurrent", "MemoryPeak", "MemoryHigh",  "MemoryMax",
                                            "TasksCurrent",  "TasksMax",   "CPUUsageNSec" };
        const char *unit = NULL;
        g_autofree char *path = NULL;
        g_autoptr(GVariant) all = NULL;
        g_autoptr(GVariant) procs = NULL;
        GDBusConnection *bus = NULL;
        GVariantBuilder res, out;
        GVariantIter iter;
        const char *key;
        GVariant *value;

        (void) g_variant_lookup(props, "Unit", "&s", &unit);
        path = steward_unit_object_path(unit && *unit ? unit : "-");
        if (unit && *unit)
                bus = ctl_bus(ctl);
        if (bus) {
                all = g_dbus_connection_call_sync(bus, SYSTEMD_BUS_NAME, path, DBUS_PROPERTIES_INTERFACE,
                                                  "GetAll", g_variant_new("(s)", SYSTEMD_SCOPE_INTERFACE),
                                                  G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                                  -1, NULL, NULL);
                procs = g_dbus_connection_call_sync(bus, SYSTEMD_BUS_NAME, SYSTEMD_OBJECT_PATH,
                                                    SYSTEMD_MANAGER_INTERFACE, "GetUnitProcesses",
                                                    g_variant_new("(s)", unit), G_VARIANT_TYPE("(a(sus))"),
                                                    G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL);
        }

        g_variant_builder_init(&out, G_VARIANT_TYPE_VARDICT);
        g_variant_iter_init(&iter, props);
        while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
                g_variant_builder_add(&out, "{sv}", key, value);
                g_variant_unref(value);
        }
        if (all) {
                g_autoptr(GVariant) dict = g_variant_get_child_value(all, 0);

                g_variant_builder_init(&res, G_VARIANT_TYPE_VARDICT);
                for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
                        guint64 v;

                        if (g_variant_lookup(dict, keys[i], "t", &v))
                                g_variant_builder_add(&res, "{sv}", keys[i], g_variant_new_uint64(v));
                }
                g_variant_builder_add(&out, "{sv}", "Resources", g_variant_builder_end(&res));
        }
        if (procs) {
                GVariantBuilder list;
                const char *cmdline;
                guint32 pid;

                g_autoptr(GVariantIter) rows = NULL;

                g_variant_builder_init(&list, G_VARIANT_TYPE("a(us)"));
                g_variant_get(procs, "(a(sus))", &rows);
                while (g_variant_iter_next(rows, "(&su&s)", NULL, &pid, &cmdline))
                        g_variant_builder_add(&list, "(us)", pid, cmdline);
                g_variant_builder_add(&out, "{sv}", "Processes", g_variant_builder_end(&list));
        } else if (!(unit && *unit)) {
                guint32 pid = 0;

                if (g_variant_lookup(props, "MainPID", "u", &pid) && pid > 0)
                        g_variant_builder_add(&out, "{sv}", "Processes", process_group_members(ctl, pid));
        }
        if (logs)
                g_variant_builder_add(&out, "{sv}", "Logs",
                                      g_variant_new_strv((const char *const *) logs, -1));
        return g_variant_ref_sink(g_variant_builder_end(&out));
}

/* Whether status draws a tree: without names, or for a supervisor named.
 * A child named alone has its own Memory: line instead. */
static gboolean
shows_tree(Snapshot *snap, char **args)
{
        if (!args[0])
                return TRUE;
        for (char **a = args; *a; a++)
                if (!find_by_name(snap->children, *a) && find_by_name(snap->supervisors, *a))
                        return TRUE;
        return FALSE;
}

static int
run_status(Ctl *ctl, const Command *cmd, char **args)
{
        g_auto(Snapshot) snap = { 0 };
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) shown_supervisors = g_ptr_array_new();
        g_autoptr(GPtrArray) shown_children = g_ptr_array_new();
        g_autoptr(GPtrArray) detailed = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        g_autoptr(GString) text = g_string_new(NULL);
        int ret = STEWARDCTL_EXIT_SUCCESS;

        if (!snapshot_read(ctl, &snap, args[0] ? (const char *const *) args : NULL, &error))
                return fail(ctl, error);
        /* Only the text's trees show it; -o json stays what the bus says. */
        if (!opt_json && shows_tree(&snap, args))
                read_memory(ctl, snap.children, snap.memory);

        if (!args[0]) {
                StewardctlStatus status = {
                        .manager = snap.manager,
                        .supervisors = snap.supervisors,
                        .children = snap.children,
                        .uptimes = snap.uptimes,
                        .memory = snap.memory,
                };
                g_autofree char *tree = NULL;

                if (opt_json) {
                        print_status_json(snap.manager, snap.supervisors, snap.children);
                        return STEWARDCTL_EXIT_SUCCESS;
                }
                tree = stewardctl_format_status_tree(&status, &ctl->style);
                g_print("%s\n", tree);
                return STEWARDCTL_EXIT_SUCCESS;
        }

        /* Names: a child shows alone, a supervisor with its subtree, each
         * block apart; a name that is neither is reported and the rest still
         * shown, as systemctl status does. */
        for (char **a = args; *a; a++) {
                GVariant *child = find_by_name(snap.children, *a);
                GVariant *sup = child ? NULL : find_by_name(snap.supervisors, *a);

                if (child) {
                        const guint64 *up = g_hash_table_lookup(snap.uptimes, *a);
                        const char *unit = "";
                        g_auto(GStrv) logs = NULL;
                        g_autoptr(GError) local = NULL;
                        g_autofree char *block = NULL;

                        /* As systemctl status: its last lines, -n of them (10 by default). */
                        (void) g_variant_lookup(child, "Unit", "&s", &unit);
                        if (opt_lines != 0) {
                                logs = stewardctl_journal_child_lines(*a, unit,
                                                                      opt_lines > 0 ? (guint) opt_lines : 10,
                                                                      !ctl->system, &local);
                                if (!logs)
                                        g_debug("No journal lines: %s", local->message);
                        }
                        child = child_with_scope(ctl, child, logs);
                        g_ptr_array_add(detailed, child);
                        block = stewardctl_format_child(child, up, &ctl->style);
                        g_ptr_array_add(shown_children, child);
                        g_string_append_printf(text, "%s%s\n", text->len ? "\n" : "", block);
                } else if (sup) {
                        g_autoptr(GPtrArray) tree_sups = subtree(snap.supervisors, sup);
                        StewardctlStatus status = {
                                .supervisors = tree_sups,
                                .children = snap.children,
                                .uptimes = snap.uptimes,
                                .memory = snap.memory,
                        };
                        g_autofree char *block = stewardctl_format_status_tree(&status, &ctl->style);

                        for (guint i = 0; i < tree_sups->len; i++) {
                                const char *name = props_name(g_ptr_array_index(tree_sups, i));

                                g_ptr_array_add(shown_supervisors, g_ptr_array_index(tree_sups, i));
                                for (guint j = 0; j < snap.children->len; j++) {
                                        GVariant *c = g_ptr_array_index(snap.children, j);
                                        const char *parent = "";

                                        (void) g_variant_lookup(c, "Supervisor", "&s", &parent);
                                        if (g_str_equal(parent, name))
                                                g_ptr_array_add(shown_children, c);
                                }
                        }
                        g_string_append_printf(text, "%s%s\n", text->len ? "\n" : "", block);
                } else {
                        g_printerr(_("stewardctl: no child or supervisor named '%s'\n"), *a);
                        ret = STEWARDCTL_EXIT_NO_SUCH;
                }
        }
        if (opt_json)
                print_status_json(NULL, shown_supervisors, shown_children);
        else
                g_print("%s", text->str);
        return ret;
}

typedef struct {
        Ctl *ctl;
        GMainLoop *loop;
        gboolean appeared;
        gboolean shutdown_completed;
        int ret;
        /* The last event the journal gave: signals up to it were printed
         * from there, until the first one after it. */
        gboolean boundary;
        guint64 last_sequence;
} Follow;

/* --child, --command-id: the same choice for the journal's events and the bus's. */
static gboolean
event_wanted(const char *child, GVariant *fields)
{
        const char *id = NULL;

        if (opt_child && g_strcmp0(child, opt_child) != 0)
                return FALSE;
        if (opt_command_id &&
            (!g_variant_lookup(fields, "command_id", "&s", &id) || !g_str_equal(id, opt_command_id)))
                return FALSE;
        return TRUE;
}

static void
print_event(guint64 sequence, const char *kind, const char *child, guint64 generation, GVariant *fields)
{
        g_autofree char *line = NULL;

        if (opt_json)
                line = stewardctl_event_to_json(sequence, kind, child, generation, fields);
        else
                line = stewardctl_format_event(sequence, kind, child, generation, fields);
        g_print("%s\n", line);
        /* Lines must reach a pipe as they happen, not when a buffer fills. */
        (void) fflush(stdout);
}

static void
on_event(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
         const char *signal, GVariant *params, gpointer user_data)
{
        Follow *f = user_data;
        guint64 sequence, generation;
        const char *kind, *child;
        g_autoptr(GVariant) fields = NULL;

        if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(tssta{sv})"))) {
                g_debug("Event with signature '%s', ignoring", g_variant_get_type_string(params));
                return;
        }
        g_variant_get(params, "(t&s&st@a{sv})", &sequence, &kind, &child, &generation, &fields);
        if (f->boundary && sequence <= f->last_sequence)
                return; /* the journal had it */
        f->boundary = FALSE;
        if (event_wanted(child, fields))
                print_event(sequence, kind, child, generation, fields);
        if (g_str_equal(kind, "tree_shutdown_completed"))
                f->shutdown_completed = TRUE;
}

static void
on_appeared(GDBusConnection *bus, const char *name, const char *owner, gpointer user_data)
{
        Follow *f = user_data;

        f->appeared = TRUE;
}

static void
on_vanished(GDBusConnection *bus, const char *name, gpointer user_data)
{
        Follow *f = user_data;

        if (!f->appeared)
                print_not_running(f->ctl);
        else if (!f->shutdown_completed)
                g_printerr(_("stewardctl: stewardd left the bus\n"));
        /* After a completed tree shutdown the daemon exits by design: the
         * stream ended normally. */
        f->ret =
                f->appeared && f->shutdown_completed ? STEWARDCTL_EXIT_SUCCESS : STEWARDCTL_EXIT_NOT_RUNNING;
        g_main_loop_quit(f->loop);
}

/* On the private socket there are no names to watch: the stream ends
 * with the connection, as on the bus with the name. */
static void
on_closed(GDBusConnection *c, gboolean remote_peer_vanished, GError *error, gpointer user_data)
{
        Follow *f = user_data;

        if (!f->shutdown_completed)
                g_printerr(_("stewardctl: stewardd closed the connection\n"));
        f->ret = f->shutdown_completed ? STEWARDCTL_EXIT_SUCCESS : STEWARDCTL_EXIT_NOT_RUNNING;
        g_main_loop_quit(f->loop);
}

static gboolean
on_quit_signal(gpointer user_data)
{
        Follow *f = user_data;

        f->ret = STEWARDCTL_EXIT_SUCCESS;
        g_main_loop_quit(f->loop);
        return G_SOURCE_CONTINUE;
}

static void
on_journal_event(StewardctlEvent *ev, gpointer user_data)
{
        Follow *f = user_data;

        print_event(ev->sequence, ev->kind, ev->child, ev->generation, ev->fields);
        f->last_sequence = ev->sequence;
        f->boundary = TRUE;
        stewardctl_event_clear(ev);
}

/* The journal's events as the query says; FALSE (told) for a bad time. */
static gboolean
print_history(Ctl *ctl, Follow *f, int *ret)
{
        StewardctlJournalQuery q = {
                .child = opt_child,
                .command_id = opt_command_id,
                .lines = opt_lines >= 0 ? (guint) opt_lines
                         : opt_follow   ? 10
                                        : 0,
                .user = !ctl->system,
        };
        g_autoptr(GError) error = NULL;

        if ((opt_since && !stewardctl_parse_timestamp(opt_since, g_get_real_time(), &q.since_usec)) ||
            (opt_until && !stewardctl_parse_timestamp(opt_until, g_get_real_time(), &q.until_usec))) {
                g_printerr(_("stewardctl: cannot read time '%s': expected now, today, yesterday, "
                             "YYYY-MM-DD [HH:MM[:SS]], @SECONDS or -SPAN (e.g. -5min)\n"),
                           opt_since && !q.since_usec ? opt_since : opt_until);
                *ret = STEWARDCTL_EXIT_USAGE;
                return FALSE;
        }
        /* -n 0 --follow: nothing of the past. */
        if (opt_follow && opt_lines == 0)
                return TRUE;
        if (!stewardctl_journal_read_events(&q, on_journal_event, f, &error)) {
                g_printerr("stewardctl: %s\n", error->message);
                *ret = STEWARDCTL_EXIT_FAILURE;
                return FALSE;
        }
        return TRUE;
}

static int
run_events(Ctl *ctl, const Command *cmd, char **args)
{
        g_autoptr(GMainLoop) loop = NULL;
        Follow f = { .ctl = ctl, .ret = STEWARDCTL_EXIT_SUCCESS };
        guint subscription, watch = 0, sigint, sigterm;
        gulong closed = 0;
        int ret = STEWARDCTL_EXIT_SUCCESS;

        if (!opt_follow) {
                /* The daemon keeps no history of its own; the journal does. */
                (void) print_history(ctl, &f, &ret);
                return ret;
        }

        loop = g_main_loop_new(NULL, FALSE);
        f.loop = loop;
        /* Subscribe before looking for the daemon, so nothing it emits
         * after it is found can be missed. */
        subscription = g_dbus_connection_signal_subscribe(ctl->steward, ctl->name, STEWARD_MANAGER_INTERFACE,
                                                          "Event", STEWARD_OBJECT_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_event, &f, NULL);
        if (ctl->name)
                watch = g_bus_watch_name_on_connection(ctl->steward, ctl->name,
                                                       G_BUS_NAME_WATCHER_FLAGS_NONE, on_appeared,
                                                       on_vanished, &f, NULL);
        else {
                /* Connected: it is there. */
                f.appeared = TRUE;
                closed = g_signal_connect(ctl->steward, "closed", G_CALLBACK(on_closed), &f);
        }
        sigint = g_unix_signal_add(SIGINT, on_quit_signal, &f);
        sigterm = g_unix_signal_add(SIGTERM, on_quit_signal, &f);

        /* The past after subscribing: what the daemon emits while the
         * journal is read waits in the connection, and the sequence numbers
         * say which of it the journal already had. */
        if (print_history(ctl, &f, &ret))
                g_main_loop_run(loop);
        else
                f.ret = ret;

        g_source_remove(sigterm);
        g_source_remove(sigint);
        if (watch)
                g_bus_unwatch_name(watch);
        if (closed)
                g_signal_handler_disconnect(ctl->steward, closed);
        g_dbus_connection_signal_unsubscribe(ctl->steward, subscription);
        return f.ret;
}

/* stewardctl-metrics.c does the format; this reads the tree as status does. */
static int
run_metrics(Ctl *ctl, const Command *cmd, char **args)
{
        g_auto(Snapshot) s = { 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;

        /* There is one format; -o json would be silently ignored. */
        if (opt_json) {
                g_printerr("stewardctl: --json does not apply to 'metrics'\n");
                return STEWARDCTL_EXIT_USAGE;
        }
        if (!snapshot_read(ctl, &s, NULL, &error))
                return fail(ctl, error);
        text = stewardctl_metrics_render(s.manager, s.supervisors, s.children);
        if (!opt_output_file) {
                g_print("%s", text);
                return STEWARDCTL_EXIT_SUCCESS;
        }
        if (!stewardctl_metrics_write_file(opt_output_file, text, &error)) {
                g_printerr("stewardctl: %s\n", error->message);
                return STEWARDCTL_EXIT_FAILURE;
        }
        return STEWARDCTL_EXIT_SUCCESS;
}

static int run_help(Ctl *ctl, const Command *cmd, char **args);

static const Command commands[] = {
        { "status", "[NAME...]", 0, -1, TAKES_LINES | PAGED, TRUE, run_status, NULL },
        /* On a connection of their own (run_list()). */
        { "list", "", 0, 0, TAKES_LISTING | PAGED, FALSE, run_list, "ListChildren" },
        { "list-supervisors", "", 0, 0, TAKES_LISTING | PAGED, FALSE, run_list, "ListSupervisors" },
        { "start", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_command, "StartChild" },
        { "stop", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_command, "StopChild" },
        { "restart", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_command, "RestartChild" },
        { "pause", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_command, "PauseChild" },
        { "resume", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_command, "ResumeChild" },
        { "quarantine", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_command, "QuarantineChild" },
        { "reload-child", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_command, "ReloadChild" },
        { "resume-supervisor", "NAME", 1, 1, TAKES_REASON, FALSE, run_command, "ResumeSupervisor" },
        { "add", "FILE|-", 1, 1, TAKES_REASON | TAKES_PERSIST | ARG_IS_FILE, TRUE, run_add, "AddChild" },
        { "remove", "NAME", 1, 1, TAKES_REASON | BLOCKS, FALSE, run_remove, "RemoveChild" },
        { "reload", "", 0, 0, 0, TRUE, run_reload, NULL },
        { "daemon-reexec", "", 0, 0, WATCHES_NAME, TRUE, run_daemon_reexec, NULL },
        { "shutdown", "", 0, 0, TAKES_REASON, TRUE, run_shutdown, NULL },
        /* With --follow, a connection that watches the name. */
        { "events", "", 0, 0, TAKES_FOLLOW | TAKES_LINES | PAGED | WATCHES_NAME, FALSE, run_events, NULL },
        { "metrics", "", 0, 0, TAKES_OUTPUT_FILE, TRUE, run_metrics, NULL },
        { "help", "", 0, 0, 0, FALSE, run_help, NULL },
};

/* --help's list of commands: the synopsis as typed, what it does translated. */
static const struct {
        const char *synopsis;
        const char *summary;
} command_help[] = {
        { "status [NAME...]", N_("Show the tree, or the named children and supervisors") },
        { "list", N_("List the children: name, supervisor, state, generation, attempt") },
        { "list-supervisors", N_("List the supervisors: name, parent, state") },
        { "start NAME", N_("Start a stopped, failed or paused child") },
        { "stop NAME", N_("Stop a child and keep it stopped") },
        { "restart NAME", N_("Restart a child behind its generation fence") },
        { "pause NAME", N_("Stop a child and hold it until resume") },
        { "resume NAME", N_("Let a paused or quarantined child start again") },
        { "quarantine NAME", N_("Stop a child and keep it down, whatever restarts, until resume") },
        { "reload-child NAME", N_("Ask a child to reload its configuration (ReloadSignal=)") },
        { "resume-supervisor NAME", N_("Lift the quarantine of a supervisor") },
        { "add FILE|-", N_("Add the [Child NAME] in FILE (or stdin) to the running tree") },
        { "remove NAME", N_("Stop and remove a child that add added") },
        { "reload", N_("Read the configuration again") },
        { "daemon-reexec", N_("Replace stewardd by its program again, keeping every child") },
        { "shutdown", N_("Stop the whole tree; stewardd exits afterwards") },
        { "events [--follow]", N_("Print past events from the journal; --follow: then live") },
        { "metrics", N_("Print the tree's metrics for Prometheus (node_exporter's textfile)") },
        { "help", N_("Show this help") },
};

static char *
description(void)
{
        g_autoptr(GString) s = g_string_new(_("Commands:"));

        g_string_append_c(s, '\n');
        for (gsize i = 0; i < G_N_ELEMENTS(command_help); i++)
                g_string_append_printf(s, "  %-26s%s\n", command_help[i].synopsis,
                                       _(command_help[i].summary));
        g_string_append_c(s, '\n');
        g_string_append(s, _("Exit status: 0 success, 1 failure, 2 usage, 4 no such child or supervisor,\n"
                             "5 access denied, 6 stewardd not running."));
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static GOptionContext *
option_context_new(void)
{
        GOptionContext *ctx = g_option_context_new(_("COMMAND [NAME...]"));
        g_autofree char *commands_text = description();

        g_option_context_set_summary(ctx, _("Query and control stewardd, the supervision tree."));
        g_option_context_set_description(ctx, commands_text);
        /* The domain translates the entries' descriptions and placeholders. */
        g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
        return ctx;
}

static int
run_help(Ctl *ctl, const Command *cmd, char **args)
{
        g_autoptr(GOptionContext) ctx = option_context_new();
        g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);

        g_print("%s", help);
        return STEWARDCTL_EXIT_SUCCESS;
}

static const Command *
find_command(const char *name)
{
        for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
                if (g_str_equal(commands[i].name, name))
                        return &commands[i];
        return NULL;
}

/* Refuses options the command would silently ignore. */
static gboolean
check_options(const Command *cmd)
{
        const char *stray = NULL;

        if (opt_reason && !(cmd->takes & TAKES_REASON))
                stray = "--reason";
        else if (opt_follow && !(cmd->takes & TAKES_FOLLOW))
                stray = "--follow";
        else if (opt_names && !(cmd->takes & TAKES_LISTING))
                stray = "--names";
        else if (opt_no_legend && !(cmd->takes & TAKES_LISTING))
                stray = "--no-legend";
        else if (opt_persist && !(cmd->takes & TAKES_PERSIST))
                stray = "--persist";
        else if (opt_no_block && !(cmd->takes & BLOCKS))
                stray = "--no-block";
        else if ((opt_child || opt_command_id || opt_since || opt_until) && !(cmd->takes & TAKES_FOLLOW))
                stray = opt_child        ? "--child"
                        : opt_command_id ? "--command-id"
                        : opt_since      ? "--since"
                                         : "--until";
        else if (opt_lines >= 0 && !(cmd->takes & TAKES_LINES))
                stray = "--lines";
        else if (opt_output_file && !(cmd->takes & TAKES_OUTPUT_FILE))
                stray = "--output-file";
        if (stray) {
                g_printerr(_("stewardctl: %s does not apply to '%s'\n"), stray, cmd->name);
                return FALSE;
        }
        if (opt_output) {
                if (g_str_equal(opt_output, "json"))
                        opt_json = TRUE;
                else if (!g_str_equal(opt_output, "short")) {
                        g_printerr(_("stewardctl: unknown output format '%s', expected 'short' or 'json'\n"),
                                   opt_output);
                        return FALSE;
                }
        }
        if (opt_until && opt_follow) {
                g_printerr(_("stewardctl: %s and %s exclude each other\n"), "--until", "--follow");
                return FALSE;
        }
        if ((opt_child && !check_name(opt_child)) ||
            (opt_command_id && !g_utf8_validate(opt_command_id, -1, NULL)))
                return FALSE;
        if (opt_names && opt_json) {
                g_printerr(_("stewardctl: %s and %s exclude each other\n"), "--names", "--json");
                return FALSE;
        }
        if (opt_reason &&
            (strlen(opt_reason) > STEWARD_REASON_MAX || !g_utf8_validate(opt_reason, -1, NULL))) {
                g_printerr(_("stewardctl: --reason must be UTF-8 of at most %d bytes\n"),
                           STEWARD_REASON_MAX);
                return FALSE;
        }
        return TRUE;
}

static GPid pager_pid;

/* As systemctl: output to a terminal goes through $SYSTEMD_PAGER, $PAGER
 * or less, with LESS=FRSXMK unless set (print and leave what fits on one
 * screen, keep colors); "" or "cat" means none, as does --no-pager. */
static void
pager_open(void)
{
        const char *pager = g_getenv("SYSTEMD_PAGER");
        g_auto(GStrv) env = g_get_environ();
        g_autoptr(GError) error = NULL;
        int in_fd;

        if (opt_no_pager || !isatty(STDOUT_FILENO))
                return;
        if (!pager)
                pager = g_getenv("PAGER");
        if (pager && (!*pager || g_str_equal(pager, "cat")))
                return;
        if (!g_environ_getenv(env, "LESS"))
                env = g_environ_setenv(env, "LESS", "FRSXMK", TRUE);
        {
                const char *const with_shell[] = { "/bin/sh", "-c", pager, NULL };
                const char *const less[] = { "less", NULL };

                if (!g_spawn_async_with_pipes(NULL, (char **) (pager ? with_shell : less), env,
                                              G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                              &pager_pid, &in_fd, NULL, NULL, &error)) {
                        g_debug("No pager: %s", error->message);
                        return;
                }
        }
        (void) fflush(stdout);
        if (dup2(in_fd, STDOUT_FILENO) < 0)
                g_debug("No pager: %s", g_strerror(errno));
        (void) close(in_fd);
}

/* The pager has all there is once our stdout is closed; it ends when the
 * reader quits it. */
static void
pager_close(void)
{
        if (pager_pid <= 0)
                return;
        (void) fflush(stdout);
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

static gboolean
use_color(void)
{
        const char *no_color = g_getenv("NO_COLOR");
        const char *term = g_getenv("TERM");

        /* https://no-color.org: any non-empty NO_COLOR turns color off. */
        if (no_color && *no_color)
                return FALSE;
        if (term && g_str_equal(term, "dumb"))
                return FALSE;
        return isatty(STDOUT_FILENO);
}

int
main(int argc, char **argv)
{
        g_autoptr(GOptionContext) ctx = NULL;
        g_autoptr(GError) error = NULL;
        const Command *cmd;
        Ctl ctl = { 0 };
        int nargs, ret;
        const char *localedir = g_getenv("STEWARD_LOCALEDIR");

        setlocale(LC_ALL, "");
        /* As stewardd: STEWARD_LOCALEDIR points at uninstalled catalogs (the
         * build tree's po/), LOCALEDIR is the install prefix's. */
        bindtextdomain(GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        textdomain(GETTEXT_PACKAGE);

        ctx = option_context_new();
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                g_printerr("stewardctl: %s\n", error->message);
                return STEWARDCTL_EXIT_USAGE;
        }
        /* GLib leaves the "--" that ends the options in place; names may
         * start with '-', so "--" is how to pass them, and is not a name. */
        for (int i = 1; i < argc; i++)
                if (g_str_equal(argv[i], "--")) {
                        memmove(argv + i, argv + i + 1, (argc - i) * sizeof(char *));
                        argc--;
                        break;
                }
        if (opt_version) {
                g_print("stewardctl %s\n", PACKAGE_VERSION);
                return STEWARDCTL_EXIT_SUCCESS;
        }
        if (opt_system && opt_user) {
                g_printerr(_("stewardctl: %s and %s exclude each other\n"), "--system", "--user");
                return STEWARDCTL_EXIT_USAGE;
        }
        if (argc < 2) {
                g_printerr(_("stewardctl: no command given; see 'stewardctl --help'\n"));
                return STEWARDCTL_EXIT_USAGE;
        }
        cmd = find_command(argv[1]);
        if (!cmd) {
                g_printerr(_("stewardctl: unknown command '%s'; see 'stewardctl --help'\n"), argv[1]);
                return STEWARDCTL_EXIT_USAGE;
        }
        nargs = argc - 2;
        if (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args)) {
                g_printerr(_("stewardctl: usage: stewardctl %s %s\n"), cmd->name, cmd->usage);
                return STEWARDCTL_EXIT_USAGE;
        }
        if (!check_options(cmd))
                return STEWARDCTL_EXIT_USAGE;
        /* Every argument after a command is a name; a malformed one is the
         * user's mistake, told before any bus is involved. */
        for (int i = 2; i < argc && !(cmd->takes & ARG_IS_FILE); i++)
                if (!check_name(argv[i]))
                        return STEWARDCTL_EXIT_USAGE;

        /* The same rule as stewardd's: root means the system instance. */
        ctl.system = opt_system || (!opt_user && geteuid() == 0);
        ctl.style.color = use_color();
        ctl.style.utf8 = g_get_charset(NULL);
        ctl.style.now_usec = g_get_real_time();
        if ((cmd->needs_bus || (cmd->takes & TAKES_FOLLOW && opt_follow)) &&
            !ctl_connect(&ctl, cmd->takes & WATCHES_NAME, &error)) {
                print_cannot_connect(&ctl, error);
                return STEWARDCTL_EXIT_NOT_RUNNING;
        }
        /* --follow goes on for as long as it runs: straight to the terminal. */
        if (cmd->takes & PAGED && !opt_follow)
                pager_open();
        ret = cmd->run(&ctl, cmd, argv + 2);
        pager_close();
        g_clear_pointer(&ctl.procs, g_array_unref);
        g_clear_pointer(&ctl.proc_groups, g_hash_table_unref);
        g_clear_object(&ctl.steward);
        g_clear_object(&ctl.bus);
        return ret;
}
