/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager-children.c: AddChild and RemoveChild: children added to and removed from the running tree.
 *
 * A run-time child is a drop-in, 50-runtime-NAME.conf in steward.conf.d of
 * the runtime directory, which the loader reads after the configured
 * drop-ins: so it is in the tree after a Reload, a re-exec and a live
 * restore exactly as it was added, and gone at reboot, like systemd's
 * set-property --runtime. The fragment is validated by the loader with
 * everything the files declare; the tree takes it through the engine's
 * reload, the one way children join and leave a running tree, so that the
 * start order, the readiness of the siblings before it and the fence are
 * those of a Reload. The spec applied is the running one plus (or minus)
 * the child: edits of the files that were not reloaded yet stay for the
 * next Reload. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "manager-private.h"

#define RUNTIME_DROPIN_DIR "steward.conf.d"
#define RUNTIME_PREFIX "50-runtime-"
#define PERSIST_PREFIX "50-"

char *
manager_runtime_dropin_dir(StewardMode mode)
{
        g_autofree char *dir = steward_runtime_dir(mode);

        return dir ? g_build_filename(dir, RUNTIME_DROPIN_DIR, NULL) : NULL;
}

static gboolean
child_spec_has_name(gconstpointer spec, gconstpointer name)
{
        return g_str_equal(((const StewardChildSpec *) spec)->name, name);
}

/* Whether @cs was read from the runtime directory's drop-ins. */
static gboolean
is_runtime_child(StewardManager *m, const StewardChildSpec *cs)
{
        g_autofree char *dir = NULL;

        if (!m->runtime_dropin_dir || !cs->origin.file)
                return FALSE;
        dir = g_strconcat(m->runtime_dropin_dir, "/", NULL);
        return g_str_has_prefix(cs->origin.file, dir);
}

static guint
count_runtime_children(StewardManager *m)
{
        guint n = 0;

        for (guint i = 0; i < m->spec->children->len; i++)
                n += is_runtime_child(m, g_ptr_array_index(m->spec->children, i));
        return n;
}

/* After every supervisor and child of the running spec: the place a
 * drop-in read last gives it. */
static guint
next_order(StewardManager *m)
{
        guint order = 0;

        for (guint i = 0; i < m->spec->supervisors->len; i++)
                order = MAX(order, ((StewardSupervisorSpec *) g_ptr_array_index(m->spec->supervisors, i))
                                                   ->origin.order +
                                           1);
        for (guint i = 0; i < m->spec->children->len; i++)
                order = MAX(order,
                            ((StewardChildSpec *) g_ptr_array_index(m->spec->children, i))->origin.order +
                                    1);
        return order;
}

static void
files_add(StewardSpec *spec, const char *file)
{
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();

        g_strv_builder_addv(b, (const char **) spec->files);
        g_strv_builder_add(b, file);
        g_strfreev(spec->files);
        spec->files = g_strv_builder_end(b);
}

static void
files_remove(StewardSpec *spec, const char *file)
{
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();

        for (char **f = spec->files; f && *f; f++)
                if (!g_str_equal(*f, file))
                        g_strv_builder_add(b, *f);
        g_strfreev(spec->files);
        spec->files = g_strv_builder_end(b);
}

/* Writes @fragment to @path, which must not exist yet, under a comment
 * that says where it came from. */
static gboolean
write_dropin(const char *path, const char *fragment, const char *command_id, const StewardActor *actor,
             gboolean runtime, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *text = NULL;
        gsize n = strlen(fragment);

        if (g_mkdir_with_parents(dir, 0755) < 0) {
                int e = errno;
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED, _("Cannot create '%s': %s"), dir,
                            g_strerror(e));
                return FALSE;
        }
        if (g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED,
                            _("'%s' exists already, not overwriting it"), path);
                return FALSE;
        }
        text = g_strdup_printf("# Added with AddChild (%s) by uid %u%s.\n%s%s", command_id, actor->uid,
                               runtime ? "; RemoveChild deletes this file" : "", fragment,
                               n > 0 && fragment[n - 1] == '\n' ? "" : "\n");
        return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static void
emit_child_change(StewardManager *m, StewardEventKind kind, const StewardChildSpec *cs,
                  const char *command_id, const char *reason, const StewardActor *actor)
{
        StewardEvent ev = { .kind = kind, .time_usec = manager_now() };

        ev.fields = STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_SUPERVISOR |
                    STEWARD_EVENT_FIELD_COMMAND_ID | STEWARD_EVENT_FIELD_REASON | STEWARD_EVENT_FIELD_ACTOR;
        ev.child = g_intern_string(cs->name);
        ev.supervisor = g_intern_string(cs->supervisor ? cs->supervisor : STEWARD_ROOT_SUPERVISOR);
        ev.command_id = g_strdup(command_id);
        ev.reason = g_strdup(reason);
        ev.actor_uid = actor->uid;
        ev.actor_pid = actor->pid;
        ev.actor_comm = g_strdup(actor->comm);
        manager_emit(m, &ev, NULL);
        steward_event_clear(&ev);
}

/* Applies m->spec, changed by one child, through the engine's reload. */
static gboolean
apply_spec(StewardManager *m, const char *command_id, const char *reason, const StewardActor *actor,
           GError **error)
{
        StewardCommand cmd = { 0 };

        cmd.command_id = command_id;
        cmd.reason = reason;
        cmd.actor = *actor;
        manager_index_spec(m);
        return steward_engine_reload(m->engine, m->spec, &cmd, manager_now(), m->actions, NULL, NULL, NULL,
                                     error);
}

static char *
new_command_id(StewardManager *m)
{
        return g_strdup_printf("cmd-%d-%" G_GUINT64_FORMAT, (int) getpid(), ++m->command_counter);
}

gboolean
steward_manager_add_child(StewardManager *m, const char *fragment, gboolean persist, const char *reason,
                          const StewardActor *actor, StewardChildChange *change, GError **error)
{
        g_autoptr(StewardSpec) spec = NULL;
        g_autoptr(GError) local = NULL;
        g_autofree char *name = NULL;
        g_autofree char *dir = NULL;
        g_autofree char *path = NULL;
        g_autofree char *id = NULL;
        StewardChildSpec *cs = NULL;
        guint index;

        g_return_val_if_fail(m && fragment && actor && change, FALSE);

        if (!reason)
                reason = "AddChild";
        if (steward_engine_is_shutting_down(m->engine)) {
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_SHUTTING_DOWN,
                                    _("The tree is shutting down"));
                return FALSE;
        }
        if (!persist && !m->runtime_dropin_dir) {
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                    _("No runtime directory to keep a run-time child in (XDG_RUNTIME_DIR is "
                                      "not set); add it with persist"));
                return FALSE;
        }
        if (!persist && count_runtime_children(m) >= STEWARD_MANAGER_RUNTIME_CHILDREN_MAX) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED,
                            _("There are %u run-time children already, the most there may be"),
                            STEWARD_MANAGER_RUNTIME_CHILDREN_MAX);
                return FALSE;
        }

        spec = manager_load_config(m, steward_backend_get_kind(m->backend), fragment, &name, &local);
        if (spec &&
            (!name || !g_ptr_array_find_with_equal_func(spec->children, name, child_spec_has_name, &index)))
                g_set_error(&local, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                            _("%s: no [Child NAME] in the result"), MANAGER_FRAGMENT_FILE);
        /* The files no longer name a child a Reload removed, but until it
         * is gone the tree still has it. */
        else if (spec && steward_engine_get_child(m->engine, name, &(StewardChildInfo){ 0 }))
                g_set_error(&local, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                            _("%s: child '%s' exists already"), MANAGER_FRAGMENT_FILE, name);
        if (local) {
                manager_emit_simple(m, STEWARD_EVENT_CONFIG_REJECTED, local->message);
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }

        dir = persist ? steward_config_dropin_dir(m->config_path, m->mode) : g_strdup(m->runtime_dropin_dir);
        if (persist) {
                /* Without the main file the loader reads no drop-in of the
                 * configuration: the child would be gone at the next Reload. */
                g_autofree char *main_file = g_strndup(dir, strlen(dir) - strlen(".d"));

                if (!g_file_test(main_file, G_FILE_TEST_EXISTS)) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND,
                                    _("%s: the configuration file does not exist, so its drop-ins are not "
                                      "read; create it to persist a child"),
                                    main_file);
                        return FALSE;
                }
        }
        id = new_command_id(m);
        path = g_strdup_printf("%s/%s%s.conf", dir, persist ? PERSIST_PREFIX : RUNTIME_PREFIX, name);
        if (!write_dropin(path, fragment, id, actor, !persist, error))
                return FALSE;

        cs = g_ptr_array_steal_index(spec->children, index);
        g_free(cs->origin.file);
        cs->origin.file = g_strdup(path);
        cs->origin.line += 1; /* below the comment write_dropin() put first */
        cs->origin.order = next_order(m);
        g_ptr_array_add(m->spec->children, cs);
        files_add(m->spec, path);
        if (!apply_spec(m, id, reason, actor, &local)) {
                /* Nothing changed in the engine: undo the rest. */
                g_ptr_array_remove(m->spec->children, cs);
                files_remove(m->spec, path);
                manager_index_spec(m);
                (void) g_unlink(path);
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        cs = steward_spec_find_child(m->spec, name);
        g_message("Child '%s' added by uid %u (%s), written to %s", name, actor->uid, id, path);
        /* Before the engine's events about it: the start follows the addition. */
        emit_child_change(m, STEWARD_EVENT_CHILD_ADDED, cs, id, reason, actor);
        manager_dispatch(m);
        manager_tell_manager_changed(m, STEWARD_PROPERTY_EXTRA_CONFIG_FILES);

        change->child = g_strdup(name);
        change->supervisor = g_strdup(cs->supervisor ? cs->supervisor : STEWARD_ROOT_SUPERVISOR);
        change->file = g_steal_pointer(&path);
        change->command_id = g_steal_pointer(&id);
        return TRUE;
}

gboolean
steward_manager_remove_child(StewardManager *m, const char *child, const char *reason,
                             const StewardActor *actor, StewardChildChange *change, GError **error)
{
        g_autoptr(StewardChildSpec) removed = NULL;
        g_autoptr(GError) local = NULL;
        g_autofree char *id = NULL;
        const StewardChildSpec *cs;
        guint index;

        g_return_val_if_fail(m && child && reason && actor && change, FALSE);

        if (steward_engine_is_shutting_down(m->engine)) {
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_SHUTTING_DOWN,
                                    _("The tree is shutting down"));
                return FALSE;
        }
        if (!g_ptr_array_find_with_equal_func(m->spec->children, child, child_spec_has_name, &index)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD, _("No child '%s'"), child);
                return FALSE;
        }
        cs = g_ptr_array_index(m->spec->children, index);
        if (!is_runtime_child(m, cs)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED,
                            _("Child '%s' is configured in %s:%d, not added at run time; a Reload would "
                              "bring it back: remove it there and Reload"),
                            child, cs->origin.file ? cs->origin.file : "?", cs->origin.line);
                return FALSE;
        }
        if (g_unlink(cs->origin.file) < 0 && errno != ENOENT) {
                int e = errno;

                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED, _("Cannot delete '%s': %s"),
                            cs->origin.file, g_strerror(e));
                return FALSE;
        }

        id = new_command_id(m);
        removed = g_ptr_array_steal_index(m->spec->children, index);
        files_remove(m->spec, removed->origin.file);
        if (!apply_spec(m, id, reason, actor, &local)) {
                /* Only a shutdown refuses, checked above; the file is
                 * gone, so the next Reload would remove it. */
                g_ptr_array_insert(m->spec->children, (gint) index, g_steal_pointer(&removed));
                manager_index_spec(m);
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        g_message("Child '%s' removed by uid %u (%s), %s deleted", child, actor->uid, id,
                  removed->origin.file);
        /* Before the engine's events: the stop follows the removal. */
        emit_child_change(m, STEWARD_EVENT_CHILD_REMOVED, removed, id, reason, actor);
        manager_dispatch(m);
        manager_tell_manager_changed(m, STEWARD_PROPERTY_EXTRA_CONFIG_FILES);

        change->child = g_strdup(child);
        change->supervisor = g_strdup(removed->supervisor ? removed->supervisor : STEWARD_ROOT_SUPERVISOR);
        change->file = g_strdup(removed->origin.file);
        change->command_id = g_steal_pointer(&id);
        return TRUE;
}
