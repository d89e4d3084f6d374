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

/* Supervisors and children by name: a lookup per reference and per step
 * up the tree must not scan the lists, or a deep tree takes cubic time. */
typedef struct {
        GHashTable *supervisors; /* name -> StewardSupervisorSpec */
        GHashTable *children; /* name -> StewardChildSpec */
} Tree;

static void
tree_clear(Tree *t)
{
        g_clear_pointer(&t->supervisors, g_hash_table_unref);
        g_clear_pointer(&t->children, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Tree, tree_clear)

static void
tree_init(Tree *t, const StewardSpec *spec)
{
        t->supervisors = g_hash_table_new(g_str_hash, g_str_equal);
        t->children = g_hash_table_new(g_str_hash, g_str_equal);
        /* Names are unique by now; the first would win as in the spec's own
         * lookups. */
        for (guint i = spec->supervisors->len; i-- > 0;) {
                StewardSupervisorSpec *sup = g_ptr_array_index(spec->supervisors, i);
                g_hash_table_insert(t->supervisors, sup->name, sup);
        }
        for (guint i = spec->children->len; i-- > 0;) {
                StewardChildSpec *c = g_ptr_array_index(spec->children, i);
                g_hash_table_insert(t->children, c->name, c);
        }
}

static StewardSupervisorSpec *
tree_supervisor(const Tree *t, const char *name)
{
        return name ? g_hash_table_lookup(t->supervisors, name) : NULL;
}

static StewardChildSpec *
tree_child(const Tree *t, const char *name)
{
        return name ? g_hash_table_lookup(t->children, name) : NULL;
}

static void
check_supervisor_ref(Loader *l, const StewardSpec *spec, const Tree *t, const Entry *e, const char *key,
                     const char *target)
{
        g_autofree const char **names = NULL;
        const char *hint;

        if (!e || !target || tree_supervisor(t, target))
                return;
        if (tree_child(t, target)) {
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

/* Reports the cycle through @member once, at its earliest declared member,
 * with the path from there around. */
static void
report_cycle(Loader *l, const Tree *t, StewardSupervisorSpec *member)
{
        StewardSupervisorSpec *earliest = member, *cur = member;
        g_autoptr(GString) path = NULL;

        while ((cur = tree_supervisor(t, cur->parent)) != member)
                if (cur->origin.order < earliest->origin.order)
                        earliest = cur;
        path = g_string_new(earliest->name);
        cur = earliest;
        do {
                cur = tree_supervisor(t, cur->parent);
                g_string_append_printf(path, " -> %s", cur->name);
        } while (cur != earliest);
        error_at(l, entry_of(l, "Supervisor", earliest->name, "Parent"),
                 _("Parent=: '%s' makes a cycle: %s"), earliest->parent, path->str);
}

/* Every supervisor must reach the root through Parent=. Each walk up the
 * tree stops where an earlier walk has been, so every supervisor is
 * stepped on once; a walk that comes back onto itself has found a cycle. */
static void
check_cycles(Loader *l, const StewardSpec *spec, const Tree *t)
{
        /* supervisor -> 1 + index of the walk that reached it first */
        g_autoptr(GHashTable) walk_of = g_hash_table_new(NULL, NULL);

        for (guint i = 1; i < spec->supervisors->len; i++) {
                StewardSupervisorSpec *cur = g_ptr_array_index(spec->supervisors, i);

                while (cur && !g_hash_table_contains(walk_of, cur)) {
                        g_hash_table_insert(walk_of, cur, GUINT_TO_POINTER(i + 1));
                        cur = tree_supervisor(t, cur->parent);
                }
                if (cur && GPOINTER_TO_UINT(g_hash_table_lookup(walk_of, cur)) == i + 1)
                        report_cycle(l, t, cur);
        }
}

/* A sidecar lives and dies with its primary, so both must be under one
 * supervisor: its strategy restarts and stops them together, and a
 * subtree never reaches into another. A sidecar of a sidecar is refused
 * too: the chain would have no single primary. */
static void
check_sidecar(Loader *l, const StewardSpec *spec, const Tree *t, const StewardChildSpec *c)
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
        primary = tree_child(t, c->sidecar_of);
        if (!primary) {
                if (tree_supervisor(t, c->sidecar_of)) {
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
        g_auto(Tree) t = { 0 };

        tree_init(&t, spec);
        for (guint i = 1; i < spec->supervisors->len; i++) {
                StewardSupervisorSpec *sup = g_ptr_array_index(spec->supervisors, i);
                check_supervisor_ref(l, spec, &t, entry_of(l, "Supervisor", sup->name, "Parent"), "Parent",
                                     sup->parent);
        }
        check_cycles(l, spec, &t);
        for (guint i = 0; i < spec->children->len; i++) {
                StewardChildSpec *c = g_ptr_array_index(spec->children, i);
                check_supervisor_ref(l, spec, &t, entry_of(l, "Child", c->name, "Supervisor"), "Supervisor",
                                     c->supervisor);
                check_sidecar(l, spec, &t, c);
        }
}
