/* stewardctl.c: the command-line client; speaks only the public bus API. */
#include "config.h"

#include <glib.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
        gboolean version = FALSE;
        GOptionEntry entries[] = {
                { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Show the version and exit", NULL },
                { NULL },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [NAME...]");
        g_autoptr(GError) error = NULL;

        g_option_context_add_main_entries(ctx, entries, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                g_printerr("stewardctl: %s\n", error->message);
                return 2;
        }
        if (version) {
                g_print("stewardctl %s\n", PACKAGE_VERSION);
                return EXIT_SUCCESS;
        }
        g_printerr("stewardctl: no command given\n");
        return 2;
}
