/* stewardd.c: the daemon's entry point; parses arguments and hands over to the manager. */
#include "config.h"

#include <glib.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "steward-config.h"

enum {
        EXIT_USAGE = 2,
};

static gboolean opt_system, opt_user, opt_check_config, opt_version, opt_verbose;
static char *opt_config, *opt_backend;

static const GOptionEntry entries[] = {
        { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, "Run in system mode (the default as root)", NULL },
        { "user", 0, 0, G_OPTION_ARG_NONE, &opt_user, "Run in user mode (the default otherwise)", NULL },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config, "Read the configuration from PATH", "PATH" },
        { "check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config, "Validate the configuration and exit", NULL },
        { "backend", 0, 0, G_OPTION_ARG_STRING, &opt_backend, "Force a backend", "scope|process" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log informational messages", NULL },
        { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Show the version and exit", NULL },
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
                if (!g_error_matches(error, STEWARD_CONFIG_ERROR, STEWARD_CONFIG_ERROR_INVALID))
                        g_printerr("%s\n", error->message);
                return EXIT_FAILURE;
        }
        g_print("%s: valid: %u supervisors, %u children\n", path, spec->supervisors->len, spec->children->len);
        return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
        g_autoptr(GOptionContext) ctx = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *config_path = NULL;
        StewardConfigOptions options = { 0 };

        setlocale(LC_ALL, "");

        ctx = g_option_context_new(NULL);
        g_option_context_set_summary(ctx, "Supervise long-running programs in transient systemd scopes.");
        g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                g_printerr("stewardd: %s\n", error->message);
                return EXIT_USAGE;
        }
        if (argc > 1) {
                g_printerr("stewardd: unexpected argument '%s'\n", argv[1]);
                return EXIT_USAGE;
        }
        if (opt_version) {
                g_print("stewardd %s\n", PACKAGE_VERSION);
                return EXIT_SUCCESS;
        }
        if (opt_system && opt_user) {
                g_printerr("stewardd: --system and --user are mutually exclusive\n");
                return EXIT_USAGE;
        }
        options.mode = opt_system ? STEWARD_MODE_SYSTEM
                       : opt_user ? STEWARD_MODE_USER
                       : geteuid() == 0 ? STEWARD_MODE_SYSTEM : STEWARD_MODE_USER;
        if (!opt_backend || g_str_equal(opt_backend, "scope"))
                options.backend = STEWARD_BACKEND_SCOPE;
        else if (g_str_equal(opt_backend, "process"))
                options.backend = STEWARD_BACKEND_PROCESS;
        else {
                g_printerr("stewardd: unknown backend '%s', expected 'scope' or 'process'\n", opt_backend);
                return EXIT_USAGE;
        }

        config_path = opt_config ? g_strdup(opt_config) : steward_config_default_dir(options.mode);

        if (opt_check_config) {
                options.check_executables = TRUE;
                return check_config(config_path, opt_config != NULL, &options);
        }

        g_printerr("stewardd: the daemon is not implemented yet\n");
        return EXIT_FAILURE;
}
