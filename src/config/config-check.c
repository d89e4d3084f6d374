/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-check.c: the checks that need more than one key: names of supervisors and children,
 * executables under --check-config, and the tree (parents, cycles, sidecars) once it is built. */
#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "config-private.h"

/* A supervisor's or child's name must be well-formed, not the root's for a
 * child, and not taken already. */
gboolean
config_check_name(Loader *l, const Section *s, SectionKind kind, const char *name, GHashTable *names)
{
        const Section *other;
        Entry tmp;

        if (!steward_name_is_valid(name)) {
                error_at(l, section_header(s, &tmp),
                         _("[%s]: invalid name '%s' (expected 1 to %d of A-Z a-z 0-9 _ . -)"), s->group,
                         name, STEWARD_NAME_MAX);
                return FALSE;
        }
        if (kind == SECTION_CHILD && g_str_equal(name, STEWARD_ROOT_SUPERVISOR)) {
                error_at(l, section_header(s, &tmp), _("[%s]: the name '%s' belongs to the root supervisor"),
                         s->group, name);
                return FALSE;
        }
        if ((other = g_hash_table_lookup(names, name))) {
                error_at(l, section_header(s, &tmp), _("[%s]: the name '%s' is taken by [%s] at %s:%d"),
                         s->group, name, other->group, other->file, other->line);
                return FALSE;
        }
        g_hash_table_insert(names, (gpointer) name, (gpointer) s);
        return TRUE;
}

/* --check-config: ExecStart= must name an executable file now; at run time
 * a missing one is left to fail at spawn. */
gboolean
config_check_executable(Loader *l, const Entry *e, const char *key, const char *path)
{
        if (!l->options->check_executables)
                return TRUE;
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && access(path, X_OK) >= 0)
                return TRUE;
        error_at(l, e, _("%s=: '%s' is not an executable file"), key, path);
        return FALSE;
}

/* Names of every supervisor, for "did you mean". */
static const char **
supervisor_names(const StewardSpec *spec)
{
        const char **names = g_new0(const char *, spec->supervisors->len + 1);

        for (guint i = 0; i < spec->supervisors->len; i++)
                names[i] = ((StewardSupervisorSpec *) g_ptr_array_index(spec->supervisors, i))->name;
        return names;
}

static const char **
child_names(const StewardSpec *spec)
{
        const char **names = g_new0(const char *, spec->children->len + 1);

        for (guint i = 0; i < spec->children->len; i++)
                names[i] = ((StewardChildSpec *) g_ptr_array_index(spec->children, i))->name;
        return names;
}

static void
check_supervisor_ref(Loader *l, const StewardSpec *spec, const Entry *e, const char *key, const char *target)
{
        g_autofree const char **names = NULL;
        const char *hint;

        if (!e || !target || steward_spec_find_supervisor(spec, target))
                return;
        if (steward_spec_find_child(spec, target)) {
                error_at(l, e, _("%s=: '%s' is a child, not a supervisor"), key, target);
                return;
        }
        names = supervisor_names(spec);
        hint = config_closest(target, names, spec->supervisors->len);
        if (hint)
                error_at(l, e, _("%s=: no supervisor named '%s', did you mean '%s'?"), key, target, hint);
        else
                error_at(l, e, _("%s=: no supervisor named '%s'"), key, target);
}

static const Entry *
entry_of(Loader *l, const char *kind, const char *name, const char *key)
{
        g_autofree char *group = g_strconcat(kind, " ", name, NULL);
        const Section *s = g_hash_table_lookup(l->by_group, group);

        return s ? section_entry(s, key) : NULL;
}

/* Every supervisor must reach the root through Parent=. A cycle is
 * reported once, at its earliest declared member. */
static void
check_cycles(Loader *l, const StewardSpec *spec)
{
        guint n = spec->supervisors->len;

        for (guint i = 1; i < n; i++) {
                StewardSupervisorSpec *start = g_ptr_array_index(spec->supervisors, i);
                StewardSupervisorSpec *cur = start, *earliest = start;
                g_autoptr(GString) path = g_string_new(start->name);
                gboolean cycle = FALSE;

                for (guint steps = 0; steps < n && cur && cur->parent; steps++) {
                        cur = steward_spec_find_supervisor(spec, cur->parent);
                        if (!cur)
                                break;
                        g_string_append_printf(path, " -> %s", cur->name);
                        if (cur == start) {
                                cycle = TRUE;
                                break;
                        }
                        if (cur->origin.order < earliest->origin.order)
                                earliest = cur;
                }
                if (cycle && earliest == start)
                        error_at(l, entry_of(l, "Supervisor", start->name, "Parent"),
                                 _("Parent=: '%s' makes a cycle: %s"), start->parent, path->str);
        }
}

/* A sidecar lives and dies with its primary, so both must be under one
 * supervisor: its strategy restarts and stops them together, and a
 * subtree never reaches into another. A sidecar of a sidecar is refused
 * too: the chain would have no single primary. */
static void
check_sidecar(Loader *l, const StewardSpec *spec, const StewardChildSpec *c)
{
        const Entry *e = entry_of(l, "Child", c->name, "SidecarOf");
        g_autofree const char **names = NULL;
        const StewardChildSpec *primary;
        const char *hint;

        if (!c->sidecar_of || !e)
                return;
        if (c->role != STEWARD_ROLE_SIDECAR) {
                error_at(l, e, _("SidecarOf=: only a Role=sidecar child has one, this child has Role=%s"),
                         steward_role_to_string(c->role));
                return;
        }
        if (g_str_equal(c->sidecar_of, c->name)) {
                error_at(l, e, _("SidecarOf=: '%s' is this child itself"), c->sidecar_of);
                return;
        }
        primary = steward_spec_find_child(spec, c->sidecar_of);
        if (!primary) {
                if (steward_spec_find_supervisor(spec, c->sidecar_of)) {
                        error_at(l, e, _("SidecarOf=: '%s' is a supervisor, not a child"), c->sidecar_of);
                        return;
                }
                names = child_names(spec);
                hint = config_closest(c->sidecar_of, names, spec->children->len);
                if (hint)
                        error_at(l, e, _("SidecarOf=: no child named '%s', did you mean '%s'?"),
                                 c->sidecar_of, hint);
                else
                        error_at(l, e, _("SidecarOf=: no child named '%s'"), c->sidecar_of);
                return;
        }
        if (primary->role == STEWARD_ROLE_SIDECAR)
                error_at(l, e, _("SidecarOf=: '%s' is a sidecar itself"), c->sidecar_of);
        else if (!g_str_equal(primary->supervisor, c->supervisor))
                error_at(l, e, _("SidecarOf=: '%s' is under supervisor '%s' but this sidecar under '%s'"),
                         c->sidecar_of, primary->supervisor, c->supervisor);
}

void
config_check_tree(Loader *l, const StewardSpec *spec)
{
        for (guint i = 1; i < spec->supervisors->len; i++) {
                StewardSupervisorSpec *sup = g_ptr_array_index(spec->supervisors, i);
                check_supervisor_ref(l, spec, entry_of(l, "Supervisor", sup->name, "Parent"), "Parent",
                                     sup->parent);
        }
        check_cycles(l, spec);
        for (guint i = 0; i < spec->children->len; i++) {
                StewardChildSpec *c = g_ptr_array_index(spec->children, i);
                check_supervisor_ref(l, spec, entry_of(l, "Child", c->name, "Supervisor"), "Supervisor",
                                     c->supervisor);
                check_sidecar(l, spec, c);
        }
}
