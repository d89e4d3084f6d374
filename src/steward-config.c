/* steward-config.c: placeholder until the loader lands. */
#include "config.h"

#include "steward-config.h"

G_DEFINE_QUARK(steward-config-error-quark, steward_config_error)

void
steward_problem_free(StewardProblem *p)
{
        if (!p)
                return;
        g_free(p->file);
        g_free(p->message);
        g_free(p);
}

char *
steward_problem_format(const StewardProblem *p)
{
        return g_strdup_printf("%s:%d: %s%s", p->file, p->line,
                               p->severity == STEWARD_PROBLEM_WARNING ? "warning: " : "", p->message);
}

char *
steward_config_default_dir(StewardMode mode)
{
        if (mode == STEWARD_MODE_SYSTEM)
                return g_build_filename(SYSCONFDIR, "steward", NULL);
        return g_build_filename(g_get_user_config_dir(), "steward", NULL);
}

StewardSpec *
steward_config_load(const char *path, const StewardConfigOptions *options, GPtrArray **problems, GError **error)
{
        if (problems)
                *problems = g_ptr_array_new_with_free_func((GDestroyNotify) steward_problem_free);
        return steward_spec_new();
}
