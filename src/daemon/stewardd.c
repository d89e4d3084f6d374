/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardd.c: the daemon's entry point; parses arguments and hands over to the manager. */
#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "steward-config.h"
#include "steward-manager.h"
#include "steward-reaper.h"

enum {
        EXIT_USAGE = 2,
};

static gboolean opt_system, opt_user, opt_check_config, opt_version, opt_verbose;
static char *opt_config, *opt_backend, *opt_log_target;

static const GOptionEntry entries[] = {
        { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, N_("Run in system mode (the default as root)"),
          NULL },
        { "user", 0, 0, G_OPTION_ARG_NONE, &opt_user, N_("Run in user mode (the default otherwise)"), NULL },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config, N_("Read the configuration from PATH"),
          "PATH" },
        { "check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config,
          N_("Validate the configuration and exit"), NULL },
        { "backend", 0, 0, G_OPTION_ARG_STRING, &opt_backend, N_("Force a backend"), "scope|process" },
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

int
main(int argc, char **argv)
{
        g_autoptr(GOptionContext) ctx = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *config_path = NULL;
        g_autoptr(StewardManager) manager = NULL;
        StewardConfigOptions options = { 0 };
        StewardManagerOptions mo = { 0 };
        const char *localedir = g_getenv("STEWARD_LOCALEDIR");

        /* Before any thread exists, so no thread ever takes SIGCHLD from
         * the reaper's signalfd. */
        steward_reaper_block_sigchld();
        setlocale(LC_ALL, "");
        /* STEWARD_LOCALEDIR points at uninstalled catalogs (the build tree's
         * po/, as "meson devenv" and the integration tests set it): LOCALEDIR
         * is the install prefix, which a build tree run cannot use. */
        bindtextdomain(GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        textdomain(GETTEXT_PACKAGE);

        ctx = g_option_context_new(NULL);
        g_option_context_set_summary(ctx, _("Supervise long-running programs in transient systemd scopes."));
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
        options.mode = opt_system       ? STEWARD_MODE_SYSTEM
                       : opt_user       ? STEWARD_MODE_USER
                       : geteuid() == 0 ? STEWARD_MODE_SYSTEM
                                        : STEWARD_MODE_USER;
        if (!opt_backend)
                options.backend = STEWARD_BACKEND_SCOPE;
        else if (!steward_backend_kind_from_string(opt_backend, &options.backend)) {
                g_printerr("stewardd: unknown backend '%s', expected 'scope' or 'process'\n", opt_backend);
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
        if (!steward_log_target_from_string(opt_log_target ? opt_log_target : "auto", &mo.log_target)) {
                g_printerr("stewardd: unknown log target '%s', expected 'journal', 'console' or 'auto'\n",
                           opt_log_target);
                return EXIT_USAGE;
        }
        if (opt_verbose)
                g_log_set_debug_enabled(TRUE);

        manager = steward_manager_new(&mo, &error);
        if (!manager) {
                g_printerr("%s\n", error->message);
                /* A config that does not validate at start-up is a usage error (docs/ARCHITECTURE.md, "Exit
                 * codes"). */
                return g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG) ? EXIT_USAGE
                                                                                           : EXIT_FAILURE;
        }
        return steward_manager_run(manager);
}
