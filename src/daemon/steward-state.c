/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-state.c: the state file's model, its key file form, and the checks that decide whether to believe
 * it. */
#include "config.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "steward-error.h"
#include "steward-names.h"
#include "steward-parse.h"
#include "steward-proc.h"
#include "steward-spec.h"
#include "steward-state.h"
#include "steward-util.h"

#define GROUP_STATE "State"
#define GROUP_CHILD_PREFIX "Child "
#define GROUP_SUPERVISOR_PREFIX "Supervisor "

static const char *const operator_names[_STEWARD_STATE_OPERATOR_MAX] = {
        [STEWARD_STATE_OPERATOR_RUNNING] = "running", [STEWARD_STATE_OPERATOR_STOPPED] = "stopped",
        [STEWARD_STATE_OPERATOR_PAUSED] = "paused",   [STEWARD_STATE_OPERATOR_QUARANTINED] = "quarantined",
        [STEWARD_STATE_OPERATOR_FAILED] = "failed",
};

static const char *const problem_names[_STEWARD_STATE_PROBLEM_MAX] = {
        [STEWARD_STATE_PROBLEM_NONE] = "",
        [STEWARD_STATE_PROBLEM_MISSING] = "missing",
        [STEWARD_STATE_PROBLEM_UNREADABLE] = "unreadable",
        [STEWARD_STATE_PROBLEM_CORRUPT] = "corrupt",
        [STEWARD_STATE_PROBLEM_OTHER_VERSION] = "other-version",
        [STEWARD_STATE_PROBLEM_OTHER_BOOT] = "other-boot",
};

const char *
steward_state_operator_to_string(StewardStateOperator s)
{
        return (guint) s < _STEWARD_STATE_OPERATOR_MAX ? operator_names[s] : NULL;
}

gboolean
steward_state_operator_from_string(const char *s, StewardStateOperator *ret)
{
        for (guint i = 0; i < _STEWARD_STATE_OPERATOR_MAX; i++)
                if (g_strcmp0(s, operator_names[i]) == 0) {
                        *ret = i;
                        return TRUE;
                }
        return FALSE;
}

const char *
steward_state_problem_to_string(StewardStateProblem p)
{
        return (guint) p < _STEWARD_STATE_PROBLEM_MAX ? problem_names[p] : NULL;
}

/* ---- the model ------------------------------------------------------------ */

void
steward_state_command_free(StewardStateCommand *c)
{
        if (!c)
                return;
        g_free(c->id);
        g_free(c->kind);
        g_free(c->reason);
        g_free(c);
}

static void
child_record_unref(StewardChildRecord *r)
{
        if (!r || !g_ref_count_dec(&r->ref))
                return;
        g_free(r->text);
        g_free(r->name);
        g_array_unref(r->restart_window);
        steward_state_command_free(r->pending);
        g_free(r->fingerprint);
        g_free(r->spawn_error);
        g_free(r);
}

static void
supervisor_record_free(StewardSupervisorRecord *r)
{
        if (!r)
                return;
        g_free(r->name);
        g_array_unref(r->restart_window);
        g_free(r);
}

static GArray *
window_new(void)
{
        return g_array_new(FALSE, FALSE, sizeof(guint64));
}

static StewardState *
state_new_empty(void)
{
        StewardState *state = g_new0(StewardState, 1);

        state->version = STEWARD_STATE_VERSION;
        state->children = g_ptr_array_new_with_free_func((GDestroyNotify) child_record_unref);
        state->supervisors = g_ptr_array_new_with_free_func((GDestroyNotify) supervisor_record_free);
        state->children_by_name = g_hash_table_new(g_str_hash, g_str_equal);
        state->supervisors_by_name = g_hash_table_new(g_str_hash, g_str_equal);
        return state;
}

StewardState *
steward_state_new(void)
{
        StewardState *state = state_new_empty();

        state->boot_id = steward_state_boot_id(NULL);
        return state;
}

void
steward_state_free(StewardState *state)
{
        if (!state)
                return;
        g_free(state->boot_id);
        g_hash_table_unref(state->children_by_name);
        g_hash_table_unref(state->supervisors_by_name);
        g_ptr_array_unref(state->children);
        g_ptr_array_unref(state->supervisors);
        g_free(state);
}

void
steward_child_record_set_pending(StewardChildRecord *r, const char *id, const char *kind, const char *reason)
{
        g_return_if_fail(r);

        g_clear_pointer(&r->pending, steward_state_command_free);
        if (!id)
                return;
        r->pending = g_new0(StewardStateCommand, 1);
        r->pending->id = g_strdup(id);
        r->pending->kind = g_strdup(kind);
        r->pending->reason = g_strdup(reason ? reason : "");
}

StewardChildRecord *
steward_state_find_child(const StewardState *state, const char *name)
{
        return state ? g_hash_table_lookup(state->children_by_name, name) : NULL;
}

StewardSupervisorRecord *
steward_state_find_supervisor(const StewardState *state, const char *name)
{
        return state ? g_hash_table_lookup(state->supervisors_by_name, name) : NULL;
}

StewardChildRecord *
steward_state_add_child(StewardState *state, const char *name)
{
        StewardChildRecord *r;

        g_return_val_if_fail(state, NULL);
        g_return_val_if_fail(steward_name_is_valid(name), NULL);
        g_return_val_if_fail(!steward_state_find_child(state, name), NULL);

        r = g_new0(StewardChildRecord, 1);
        g_ref_count_init(&r->ref);
        r->name = g_strdup(name);
        r->operator_state = STEWARD_STATE_OPERATOR_RUNNING;
        r->restart_window = window_new();
        g_ptr_array_add(state->children, r);
        g_hash_table_insert(state->children_by_name, r->name, r);
        return r;
}

void
steward_state_add_child_record(StewardState *state, StewardChildRecord *r)
{
        g_return_if_fail(state);
        g_return_if_fail(r);
        g_return_if_fail(!steward_state_find_child(state, r->name));

        g_ref_count_inc(&r->ref);
        r->frozen = TRUE;
        g_ptr_array_add(state->children, r);
        g_hash_table_insert(state->children_by_name, r->name, r);
}

void
steward_state_freeze(StewardState *state)
{
        g_return_if_fail(state);

        for (guint i = 0; i < state->children->len; i++)
                ((StewardChildRecord *) g_ptr_array_index(state->children, i))->frozen = TRUE;
}

StewardSupervisorRecord *
steward_state_add_supervisor(StewardState *state, const char *name)
{
        StewardSupervisorRecord *r;

        g_return_val_if_fail(state, NULL);
        g_return_val_if_fail(steward_name_is_valid(name), NULL);
        g_return_val_if_fail(!steward_state_find_supervisor(state, name), NULL);

        r = g_new0(StewardSupervisorRecord, 1);
        r->name = g_strdup(name);
        r->restart_window = window_new();
        g_ptr_array_add(state->supervisors, r);
        g_hash_table_insert(state->supervisors_by_name, r->name, r);
        return r;
}

/* ---- validation: what is written is what is accepted ------------------------- */

static gboolean
boot_id_is_valid(const char *s)
{
        if (!s || strlen(s) != 32)
                return FALSE;
        for (const char *p = s; *p; p++)
                if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
                        return FALSE;
        return TRUE;
}

static gboolean
window_is_valid(const GArray *w)
{
        if (!w)
                return FALSE;
        for (guint i = 1; i < w->len; i++)
                if (g_array_index(w, guint64, i) < g_array_index(w, guint64, i - 1))
                        return FALSE;
        return TRUE;
}

static gboolean
command_is_valid(const StewardStateCommand *c)
{
        return steward_name_is_valid(c->id) && steward_name_is_valid(c->kind) && c->reason &&
               strlen(c->reason) <= STEWARD_REASON_MAX && g_utf8_validate(c->reason, -1, NULL);
}

/* Written as the raw value: nothing GKeyFile would escape or strip. */
static gboolean
fingerprint_is_valid(const char *s)
{
        gsize n = s ? strlen(s) : 0;

        if (n == 0 || n > STEWARD_STATE_FINGERPRINT_MAX)
                return FALSE;
        for (const char *p = s; *p; p++)
                if (!g_ascii_isgraph(*p))
                        return FALSE;
        return TRUE;
}

static gboolean
spawn_error_is_valid(const char *s)
{
        return s && strlen(s) <= STEWARD_STATE_SPAWN_ERROR_MAX && g_utf8_validate(s, -1, NULL);
}

static gboolean invalid(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static gboolean
invalid(GError **error, const char *format, ...)
{
        g_autofree char *message = NULL;
        va_list ap;

        va_start(ap, format);
        message = g_strdup_vprintf(format, ap);
        va_end(ap);
        g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, message);
        return FALSE;
}

static gboolean
validate_child(const StewardChildRecord *r, GError **error)
{
        if (!steward_name_is_valid(r->name))
                return invalid(error, "invalid child name");
        if (r->main_pid > G_MAXINT32)
                return invalid(error, "child '%s': MainPID= out of range", r->name);
        if (r->main_pid == 0 && r->main_pid_start_time != 0)
                return invalid(error, "child '%s': a start time without a MainPID=", r->name);
        if ((guint) r->operator_state >= _STEWARD_STATE_OPERATOR_MAX)
                return invalid(error, "child '%s': invalid OperatorState=", r->name);
        if (!window_is_valid(r->restart_window))
                return invalid(error, "child '%s': RestartWindow= not oldest first", r->name);
        if (r->pending && !command_is_valid(r->pending))
                return invalid(error, "child '%s': invalid PendingCommand=", r->name);
        if (r->fingerprint && !fingerprint_is_valid(r->fingerprint))
                return invalid(error, "child '%s': invalid Fingerprint=", r->name);
        if (r->spawn_error && !spawn_error_is_valid(r->spawn_error))
                return invalid(error, "child '%s': invalid LastSpawnError=", r->name);
        return TRUE;
}

/* Every record, or (@all FALSE) those not written before: those were
 * validated when they were. A name is in the index once, so a record its
 * name does not find there is a second one of that name. */
static gboolean
state_validate(const StewardState *state, gboolean all, GError **error)
{
        if (state->version != STEWARD_STATE_VERSION)
                return invalid(error, "Version=%u is not %d", state->version, STEWARD_STATE_VERSION);
        if (!boot_id_is_valid(state->boot_id))
                return invalid(error, "no valid BootID=");
        for (guint i = 0; i < state->children->len; i++) {
                const StewardChildRecord *r = g_ptr_array_index(state->children, i);

                if ((all || !r->text) && !validate_child(r, error))
                        return FALSE;
                if (g_hash_table_lookup(state->children_by_name, r->name) != r)
                        return invalid(error, "child '%s' twice", r->name);
        }
        for (guint i = 0; i < state->supervisors->len; i++) {
                const StewardSupervisorRecord *r = g_ptr_array_index(state->supervisors, i);

                if (!steward_name_is_valid(r->name))
                        return invalid(error, "invalid supervisor name");
                if (!window_is_valid(r->restart_window))
                        return invalid(error, "supervisor '%s': RestartWindow= not oldest first", r->name);
                if (g_hash_table_lookup(state->supervisors_by_name, r->name) != r)
                        return invalid(error, "supervisor '%s' twice", r->name);
        }
        return TRUE;
}

gboolean
steward_state_validate(const StewardState *state, GError **error)
{
        g_return_val_if_fail(state, FALSE);

        return state_validate(state, TRUE, error);
}

/* ---- writing ------------------------------------------------------------ */

/* The file is written as text, not through GKeyFile, which took most of
 * a save's time (16 µs a child); every value is a number, a boolean, a
 * name or hex digits, none of which a key file escapes, except the reason
 * of a pending command, which GKeyFile escapes (escape_string()). The
 * reader is GKeyFile, so the two cannot drift apart unnoticed: the round
 * trip is tested. */
static void
put_uint(GString *out, const char *key, guint64 v)
{
        g_string_append_printf(out, "%s=%" G_GUINT64_FORMAT "\n", key, v);
}

static void
put_value(GString *out, const char *key, const char *value)
{
        g_string_append_printf(out, "%s=%s\n", key, value);
}

static void
put_bool(GString *out, const char *key, gboolean v)
{
        put_value(out, key, v ? "true" : "false");
}

static void
put_window(GString *out, const GArray *w)
{
        g_string_append(out, "RestartWindow=");
        for (guint i = 0; i < w->len; i++)
                g_string_append_printf(out, "%s%" G_GUINT64_FORMAT, i > 0 ? " " : "",
                                       g_array_index(w, guint64, i));
        g_string_append_c(out, '\n');
}

/* A string as GKeyFile writes it: what would end the line or be stripped
 * at its start escaped. */
static char *
escape_string(const char *s)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();

        g_key_file_set_string(kf, "g", "k", s);
        return g_key_file_get_value(kf, "g", "k", NULL);
}

static void
put_child(GString *out, const StewardChildRecord *r)
{
        g_string_append_printf(out, "\n[%s%s]\n", GROUP_CHILD_PREFIX, r->name);
        put_uint(out, "Generation", r->generation);
        put_uint(out, "Attempt", r->attempt);
        if (r->main_pid != 0) {
                put_uint(out, "MainPID", r->main_pid);
                put_uint(out, "MainPIDStartTime", r->main_pid_start_time);
        }
        put_bool(out, "Ready", r->ready);
        put_value(out, "OperatorState", steward_state_operator_to_string(r->operator_state));
        put_window(out, r->restart_window);
        put_uint(out, "BackoffFailures", r->backoff_failures);
        put_uint(out, "RestartCount", r->restart_count);
        put_bool(out, "Alive", r->alive);
        put_bool(out, "Stopping", r->stopping);
        if (r->pending) {
                g_autofree char *v =
                        g_strdup_printf("%s %s %s", r->pending->id, r->pending->kind, r->pending->reason);
                g_autofree char *escaped = escape_string(v);

                put_value(out, "PendingCommand", escaped);
        }
        if (r->fingerprint)
                put_value(out, "Fingerprint", r->fingerprint);
        if (r->spawn_error) {
                g_autofree char *escaped = escape_string(r->spawn_error);

                put_value(out, "LastSpawnError", escaped);
        }
        if (r->quarantined)
                put_bool(out, "Quarantined", TRUE);
}

/* The file's text in pieces, in order: the [State] group, each child's
 * group, the supervisors'. A frozen record's group is its text, made
 * once; the rest are made into @scratch, which holds them. */
typedef struct {
        GArray *pieces; /* of struct iovec */
        GPtrArray *scratch; /* of GString */
        gsize length;
} StateText;

static void
string_free(GString *s)
{
        g_string_free(s, TRUE);
}

static void
state_text_clear(StateText *t)
{
        g_clear_pointer(&t->pieces, g_array_unref);
        g_clear_pointer(&t->scratch, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StateText, state_text_clear)

static void
state_text_add(StateText *t, const char *data, gsize length)
{
        struct iovec v = { .iov_base = (char *) data, .iov_len = length };

        g_array_append_val(t->pieces, v);
        t->length += length;
}

static GString *
state_text_scratch(StateText *t, gsize size)
{
        GString *out = g_string_sized_new(size);

        g_ptr_array_add(t->scratch, out);
        return out;
}

static gboolean
state_text(const StewardState *state, StateText *t, GError **error)
{
        GString *out;

        if (!state_validate(state, FALSE, error))
                return FALSE;

        t->pieces = g_array_sized_new(FALSE, FALSE, sizeof(struct iovec), state->children->len + 2);
        t->scratch = g_ptr_array_new_with_free_func((GDestroyNotify) string_free);
        t->length = 0;

        out = state_text_scratch(t, 128);
        g_string_append_printf(out, "[%s]\n", GROUP_STATE);
        put_uint(out, "Version", state->version);
        put_value(out, "BootID", state->boot_id);
        put_uint(out, "Sequence", state->sequence);
        put_uint(out, "CommandCounter", state->command_counter);
        state_text_add(t, out->str, out->len);

        for (guint i = 0; i < state->children->len; i++) {
                StewardChildRecord *r = g_ptr_array_index(state->children, i);

                if (!r->text && r->frozen) {
                        g_autoptr(GString) group = g_string_sized_new(320);

                        put_child(group, r);
                        /* Kept until the child changes: its length, not the GString's 512. */
                        r->text_length = group->len;
                        r->text = g_strndup(group->str, group->len);
                }
                if (r->text) {
                        state_text_add(t, r->text, r->text_length);
                        continue;
                }
                out = state_text_scratch(t, 320);
                put_child(out, r);
                state_text_add(t, out->str, out->len);
        }

        out = state_text_scratch(t, 64 * state->supervisors->len);
        for (guint i = 0; i < state->supervisors->len; i++) {
                const StewardSupervisorRecord *r = g_ptr_array_index(state->supervisors, i);

                g_string_append_printf(out, "\n[%s%s]\n", GROUP_SUPERVISOR_PREFIX, r->name);
                put_value(out, "State", r->quarantined ? "quarantined" : "running");
                put_window(out, r->restart_window);
        }
        state_text_add(t, out->str, out->len);
        return TRUE;
}

char *
steward_state_to_data(const StewardState *state, gsize *ret_length, GError **error)
{
        g_auto(StateText) t = { 0 };
        char *data, *at;

        g_return_val_if_fail(state, NULL);

        if (!state_text(state, &t, error))
                return NULL;
        at = data = g_malloc(t.length + 1);
        for (guint i = 0; i < t.pieces->len; i++) {
                const struct iovec *v = &g_array_index(t.pieces, struct iovec, i);

                at = mempcpy(at, v->iov_base, v->iov_len);
        }
        *at = '\0';
        if (ret_length)
                *ret_length = t.length;
        return data;
}

/* Every piece, in as few writes as the kernel takes: a tree's text is
 * not copied into one buffer first (at 10,000 children a fresh mapping of
 * 2.5 MB, every page of it faulted in, at every save). */
static gboolean
write_pieces(int fd, GArray *pieces)
{
        struct iovec *v = (struct iovec *) (void *) pieces->data;
        guint n = pieces->len;

        while (n > 0) {
                ssize_t written = writev(fd, v, (int) MIN(n, (guint) IOV_MAX));

                if (written < 0 && errno == EINTR)
                        continue;
                if (written == 0)
                        errno = EIO;
                if (written <= 0)
                        return FALSE;
                /* Past what was written, part of a piece included. */
                for (; n > 0 && (gsize) written >= v->iov_len; v++, n--)
                        written -= (ssize_t) v->iov_len;
                if (n > 0) {
                        v->iov_base = (char *) v->iov_base + written;
                        v->iov_len -= (gsize) written;
                }
        }
        return TRUE;
}

gboolean
steward_state_save(const StewardState *state, const char *path, GError **error)
{
        g_auto(StateText) t = { 0 };
        g_autofree char *tmp = NULL;
        steward_autofd int fd = -1;
        int errsv;

        g_return_val_if_fail(state, FALSE);
        g_return_val_if_fail(path, FALSE);

        if (!state_text(state, &t, error))
                return FALSE;
        if (t.length > STEWARD_STATE_SIZE_MAX)
                return invalid(error, "the state is larger than %d bytes", STEWARD_STATE_SIZE_MAX);

        /* g_file_set_contents_full() would do, but GLib 2.74 opens its
         * temporary file without O_CLOEXEC, and stewardd spawns. The
         * temporary file is in the same directory, so that rename() makes
         * the new file appear whole in place of the old one; it is 0600
         * from its creation (it names processes and reasons). */
        tmp = g_strconcat(path, ".XXXXXX", NULL);
        fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0) {
                errsv = errno;
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED, "cannot create '%s': %s", tmp,
                            g_strerror(errsv));
                return FALSE;
        }
        /* The umask may have taken bits away: ours are exact. */
        if (fchmod(fd, 0600) < 0 || !write_pieces(fd, t.pieces) || fsync(fd) < 0) {
                errsv = errno;
                (void) unlink(tmp);
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED, "cannot write '%s': %s", tmp,
                            g_strerror(errsv));
                return FALSE;
        }
        if (close(g_steal_fd(&fd)) < 0 || rename(tmp, path) < 0) {
                errsv = errno;
                (void) unlink(tmp);
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED, "cannot replace '%s': %s", path,
                            g_strerror(errsv));
                return FALSE;
        }
        return TRUE;
}

/* ---- reading ------------------------------------------------------------ */

static gboolean refuse(StewardStateProblem *problem, StewardStateProblem p, GError **error,
                       const char *format, ...) G_GNUC_PRINTF(4, 5);

static gboolean
refuse(StewardStateProblem *problem, StewardStateProblem p, GError **error, const char *format, ...)
{
        g_autofree char *message = NULL;
        va_list ap;

        if (problem)
                *problem = p;
        va_start(ap, format);
        message = g_strdup_vprintf(format, ap);
        va_end(ap);
        /* It may quote the file, and goes to the journal and the bus. */
        if (!g_utf8_validate(message, -1, NULL)) {
                char *valid = g_utf8_make_valid(message, -1);

                g_free(message);
                message = valid;
        }
        g_set_error_literal(error, STEWARD_ERROR,
                            p == STEWARD_STATE_PROBLEM_MISSING ? STEWARD_ERROR_NOT_FOUND
                                                               : STEWARD_ERROR_FAILED,
                            message);
        return FALSE;
}

/* GKeyFile merges a repeated group into the first and keeps the last of a
 * repeated key, so a file stitched from two states would load as a third.
 * The lines are split as GKeyFile splits them (what it refuses is its own
 * to report). */
static gboolean
has_repeats(const char *data, gsize length, char **ret_what)
{
        g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autofree char *group = NULL;
        const char *end = data + length;

        for (const char *line = data; line < end;) {
                const char *eol = memchr(line, '\n', (size_t) (end - line));
                const char *next = eol ? eol + 1 : end;

                if (!eol)
                        eol = end;
                while (line < eol && g_ascii_isspace(*line))
                        line++;
                while (eol > line && g_ascii_isspace(eol[-1]))
                        eol--;
                if (line < eol && *line == '[') {
                        const char *close = eol - 1;

                        while (close > line && *close != ']')
                                close--;
                        g_free(group);
                        group = g_strndup(line + 1, (gsize) MAX(close - line - 1, 0));
                        if (!g_hash_table_add(groups, g_strdup(group))) {
                                *ret_what = g_strdup_printf("group [%s]", group);
                                return TRUE;
                        }
                } else if (line < eol && *line != '#') {
                        const char *eq = memchr(line, '=', (size_t) (eol - line));

                        if (eq && group) {
                                const char *key_end = eq;
                                g_autofree char *key = NULL;

                                while (key_end > line && g_ascii_isspace(key_end[-1]))
                                        key_end--;
                                key = g_strdup_printf("%s\n%.*s", group, (int) (key_end - line), line);
                                if (!g_hash_table_add(keys, g_steal_pointer(&key))) {
                                        *ret_what = g_strdup_printf("key %.*s= in [%s]",
                                                                    (int) (key_end - line), line, group);
                                        return TRUE;
                                }
                        }
                }
                line = next;
        }
        return FALSE;
}

typedef struct {
        GKeyFile *kf;
        const char *group;
        GError **error;
} Reader;

static gboolean
corrupt(const Reader *rd, const char *key, const char *what)
{
        g_set_error(rd->error, STEWARD_ERROR, STEWARD_ERROR_FAILED, "[%s] %s=: %s", rd->group, key, what);
        return FALSE;
}

/* The raw value of a required key; NULL with the error when absent. */
static char *
get_raw(const Reader *rd, const char *key)
{
        char *v = g_key_file_get_value(rd->kf, rd->group, key, NULL);

        if (!v)
                (void) corrupt(rd, key, "missing");
        return v;
}

static gboolean
get_uint(const Reader *rd, const char *key, guint64 max, guint64 *ret)
{
        g_autofree char *v = get_raw(rd, key);

        if (!v)
                return FALSE;
        if (!steward_parse_uint(v, max, ret))
                return corrupt(rd, key, "not a number in range");
        return TRUE;
}

/* Leaves *ret as it is when @key is absent. */
static gboolean
get_optional_boolean(const Reader *rd, const char *key, gboolean *ret)
{
        g_autofree char *v = NULL;

        if (!g_key_file_has_key(rd->kf, rd->group, key, NULL))
                return TRUE;
        v = get_raw(rd, key);
        if (!v)
                return FALSE;
        if (!steward_parse_boolean(v, ret))
                return corrupt(rd, key, "not a boolean");
        return TRUE;
}

static gboolean
get_window(const Reader *rd, GArray *w)
{
        g_autofree char *v = get_raw(rd, "RestartWindow");
        g_auto(GStrv) words = NULL;

        if (!v)
                return FALSE;
        if (v[0] == '\0')
                return TRUE;
        words = g_strsplit(v, " ", -1);
        for (guint i = 0; words[i]; i++) {
                guint64 t;

                if (!steward_parse_uint(words[i], G_MAXUINT64, &t))
                        return corrupt(rd, "RestartWindow", "not a list of numbers");
                if (w->len > 0 && t < g_array_index(w, guint64, w->len - 1))
                        return corrupt(rd, "RestartWindow", "not oldest first");
                g_array_append_val(w, t);
        }
        return TRUE;
}

/* GKeyFile's escapes (\s \n \t \r \\) only, none cut off at the end. GLib
 * 2.74's g_key_file_get_string() sets its error twice on a value with more
 * than one bad escape (a GLib-WARNING, fatal under G_DEBUG=fatal-warnings),
 * so such a value is refused before it is asked for. */
static gboolean
escapes_are_valid(const char *raw)
{
        for (const char *p = raw; *p; p++) {
                if (*p != '\\')
                        continue;
                if (!p[1] || !strchr("sntr\\", p[1]))
                        return FALSE;
                p++;
        }
        return TRUE;
}

/* An optional string value, unescaped; TRUE with *ret NULL when absent. */
static gboolean
get_optional_string(const Reader *rd, const char *key, char **ret)
{
        g_autofree char *raw = g_key_file_get_value(rd->kf, rd->group, key, NULL);
        g_autoptr(GError) local = NULL;

        *ret = NULL;
        if (!raw)
                return TRUE;
        if (!escapes_are_valid(raw))
                return corrupt(rd, key, "an invalid escape sequence");
        *ret = g_key_file_get_string(rd->kf, rd->group, key, &local);
        if (!*ret)
                return corrupt(rd, key, local->message);
        return TRUE;
}

static gboolean
get_pending(const Reader *rd, StewardChildRecord *r)
{
        g_autofree char *v = NULL;
        g_auto(GStrv) parts = NULL;

        if (!get_optional_string(rd, "PendingCommand", &v))
                return FALSE;
        if (!v)
                return TRUE;
        parts = g_strsplit(v, " ", 3);
        if (!parts[0] || !parts[1] || !steward_name_is_valid(parts[0]) || !steward_name_is_valid(parts[1]))
                return corrupt(rd, "PendingCommand", "not ID KIND REASON");
        steward_child_record_set_pending(r, parts[0], parts[1], parts[2]);
        if (!command_is_valid(r->pending))
                return corrupt(rd, "PendingCommand", "reason too long or not UTF-8");
        return TRUE;
}

static gboolean
get_fingerprint(const Reader *rd, StewardChildRecord *r)
{
        g_autofree char *v = g_key_file_get_value(rd->kf, rd->group, "Fingerprint", NULL);

        if (!v)
                return TRUE;
        if (!fingerprint_is_valid(v))
                return corrupt(rd, "Fingerprint", "not 1 to 128 printable ASCII characters");
        r->fingerprint = g_steal_pointer(&v);
        return TRUE;
}

static gboolean
get_spawn_error(const Reader *rd, StewardChildRecord *r)
{
        g_autofree char *v = NULL;

        if (!get_optional_string(rd, "LastSpawnError", &v))
                return FALSE;
        if (!v)
                return TRUE;
        if (!spawn_error_is_valid(v))
                return corrupt(rd, "LastSpawnError", "too long or not UTF-8");
        r->spawn_error = g_steal_pointer(&v);
        return TRUE;
}

static gboolean
read_child(GKeyFile *kf, const char *group, StewardState *state, GError **error)
{
        const char *name = group + strlen(GROUP_CHILD_PREFIX);
        const Reader rd = { .kf = kf, .group = group, .error = error };
        StewardChildRecord *r;
        g_autofree char *ready = NULL;
        g_autofree char *op = NULL;
        guint64 v;

        if (!steward_name_is_valid(name))
                return invalid(error, "[%s]: not a valid child name", group);
        /* Group names are unique (has_repeats()), so the name is new. */
        r = steward_state_add_child(state, name);

        if (!get_uint(&rd, "Generation", G_MAXUINT64, &r->generation) ||
            !get_uint(&rd, "Attempt", G_MAXUINT64, &r->attempt))
                return FALSE;
        if (g_key_file_has_key(kf, group, "MainPID", NULL)) {
                if (!get_uint(&rd, "MainPID", G_MAXINT32, &v))
                        return FALSE;
                if (v == 0)
                        return corrupt(&rd, "MainPID", "not a process");
                r->main_pid = (guint32) v;
                if (!get_uint(&rd, "MainPIDStartTime", G_MAXUINT64, &r->main_pid_start_time))
                        return FALSE;
        }
        ready = get_raw(&rd, "Ready");
        if (!ready)
                return FALSE;
        if (!steward_parse_boolean(ready, &r->ready))
                return corrupt(&rd, "Ready", "not a boolean");
        op = get_raw(&rd, "OperatorState");
        if (!op)
                return FALSE;
        if (!steward_state_operator_from_string(op, &r->operator_state))
                return corrupt(&rd, "OperatorState", "unknown");
        if (!get_window(&rd, r->restart_window))
                return FALSE;
        if (!get_uint(&rd, "BackoffFailures", G_MAXUINT32, &v))
                return FALSE;
        r->backoff_failures = (guint) v;
        /* Optional, so that they may be added under the same Version=. */
        if (g_key_file_has_key(kf, group, "RestartCount", NULL)) {
                if (!get_uint(&rd, "RestartCount", G_MAXUINT32, &v))
                        return FALSE;
                r->restart_count = (guint) v;
        }
        r->alive = r->main_pid != 0;
        if (!get_optional_boolean(&rd, "Alive", &r->alive) ||
            !get_optional_boolean(&rd, "Stopping", &r->stopping) ||
            !get_optional_boolean(&rd, "Quarantined", &r->quarantined))
                return FALSE;
        if (!get_pending(&rd, r) || !get_spawn_error(&rd, r))
                return FALSE;
        return get_fingerprint(&rd, r);
}

static gboolean
read_supervisor(GKeyFile *kf, const char *group, StewardState *state, GError **error)
{
        const char *name = group + strlen(GROUP_SUPERVISOR_PREFIX);
        const Reader rd = { .kf = kf, .group = group, .error = error };
        StewardSupervisorRecord *r;
        g_autofree char *s = NULL;

        if (!steward_name_is_valid(name))
                return invalid(error, "[%s]: not a valid supervisor name", group);
        r = steward_state_add_supervisor(state, name);
        s = get_raw(&rd, "State");
        if (!s)
                return FALSE;
        if (g_str_equal(s, "quarantined"))
                r->quarantined = TRUE;
        else if (!g_str_equal(s, "running"))
                return corrupt(&rd, "State", "neither running nor quarantined");
        return get_window(&rd, r->restart_window);
}

gboolean
steward_state_from_data(const char *data, gsize length, const char *boot_id, StewardState **ret,
                        StewardStateProblem *problem, GError **error)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(StewardState) state = state_new_empty();
        g_autoptr(GError) local = NULL;
        g_auto(GStrv) groups = NULL;
        g_autofree char *repeated = NULL;
        const Reader rd = { .kf = kf, .group = GROUP_STATE, .error = &local };
        guint64 version;

        g_return_val_if_fail(data || length == 0, FALSE);
        g_return_val_if_fail(ret, FALSE);

        if (problem)
                *problem = STEWARD_STATE_PROBLEM_NONE;
        if (length > STEWARD_STATE_SIZE_MAX)
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "larger than %d bytes",
                              STEWARD_STATE_SIZE_MAX);
        /* GKeyFile would read a NUL as the end of its line. */
        if (length > 0 && memchr(data, '\0', length))
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "a NUL byte");
        if (!g_key_file_load_from_data(kf, length > 0 ? data : "", length, G_KEY_FILE_NONE, &local))
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "%s", local->message);

        /* Version= first: another version may mean anything by the rest. */
        if (!get_uint(&rd, "Version", G_MAXUINT32, &version))
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "%s", local->message);
        if (version != STEWARD_STATE_VERSION)
                return refuse(problem, STEWARD_STATE_PROBLEM_OTHER_VERSION, error,
                              "Version=%" G_GUINT64_FORMAT ", this stewardd reads %d", version,
                              STEWARD_STATE_VERSION);
        state->boot_id = get_raw(&rd, "BootID");
        if (!state->boot_id)
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "%s", local->message);
        if (!boot_id_is_valid(state->boot_id))
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "BootID=: not a boot id");
        if (g_strcmp0(state->boot_id, boot_id) != 0)
                return refuse(problem, STEWARD_STATE_PROBLEM_OTHER_BOOT, error, "BootID=%s, this boot is %s",
                              state->boot_id, boot_id ? boot_id : "unknown");

        if (has_repeats(data, length, &repeated))
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "%s twice", repeated);
        if (!get_uint(&rd, "Sequence", G_MAXUINT64, &state->sequence) ||
            !get_uint(&rd, "CommandCounter", G_MAXUINT64, &state->command_counter))
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "%s", local->message);

        groups = g_key_file_get_groups(kf, NULL);
        for (guint i = 0; groups[i]; i++) {
                gboolean ok = TRUE;

                if (g_str_has_prefix(groups[i], GROUP_CHILD_PREFIX))
                        ok = read_child(kf, groups[i], state, &local);
                else if (g_str_has_prefix(groups[i], GROUP_SUPERVISOR_PREFIX))
                        ok = read_supervisor(kf, groups[i], state, &local);
                /* Other groups are a later writer's additions (see the header). */
                if (!ok)
                        return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "%s", local->message);
        }

        /* What the readers above let through is what save writes. */
        if (!steward_state_validate(state, &local))
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "%s", local->message);
        *ret = g_steal_pointer(&state);
        return TRUE;
}

/* Reads at most @max + 1 bytes of @fd, so that a longer file is told. */
static GString *
read_bounded(int fd, gsize max, GError **error)
{
        g_autoptr(GString) buf = g_string_sized_new(4096);

        for (;;) {
                gsize room = MIN(max + 1 - buf->len, (gsize) 65536);
                gsize old = buf->len;
                ssize_t n;

                if (room == 0)
                        break;
                g_string_set_size(buf, old + room);
                n = read(fd, buf->str + old, room);
                if (n < 0 && errno == EINTR) {
                        g_string_set_size(buf, old);
                        continue;
                }
                if (n < 0) {
                        int errsv = errno;

                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED, "read: %s",
                                    g_strerror(errsv));
                        return NULL;
                }
                g_string_set_size(buf, old + (gsize) n);
                if (n == 0)
                        break;
        }
        return g_steal_pointer(&buf);
}

/* *@ret: the text of @path, a regular file of ours of at most
 * STEWARD_STATE_SIZE_MAX bytes; FALSE with *@problem saying why not. */
static gboolean
read_ours(const char *path, GString **ret, StewardStateProblem *problem, GError **error)
{
        steward_autofd int fd = -1;
        g_autoptr(GString) buf = NULL;
        g_autoptr(GError) local = NULL;
        struct stat st;

        /* O_NONBLOCK: a FIFO in its place must not hang us before fstat()
         * tells what it is. O_NOFOLLOW: the file is ours, not what a link
         * points to. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0) {
                int errsv = errno;

                if (errsv == ENOENT)
                        return refuse(problem, STEWARD_STATE_PROBLEM_MISSING, error, "'%s' does not exist",
                                      path);
                if (errsv == ELOOP)
                        return refuse(problem, STEWARD_STATE_PROBLEM_UNREADABLE, error, "'%s' is a symlink",
                                      path);
                return refuse(problem, STEWARD_STATE_PROBLEM_UNREADABLE, error, "cannot open '%s': %s", path,
                              g_strerror(errsv));
        }
        if (fstat(fd, &st) < 0) {
                int errsv = errno;

                return refuse(problem, STEWARD_STATE_PROBLEM_UNREADABLE, error, "cannot stat '%s': %s", path,
                              g_strerror(errsv));
        }
        if (!S_ISREG(st.st_mode))
                return refuse(problem, STEWARD_STATE_PROBLEM_UNREADABLE, error, "'%s' is not a regular file",
                              path);
        if (st.st_uid != geteuid())
                return refuse(problem, STEWARD_STATE_PROBLEM_UNREADABLE, error,
                              "'%s' belongs to uid %u, not to us", path, (guint) st.st_uid);
        if (st.st_size > STEWARD_STATE_SIZE_MAX)
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "'%s' is larger than %d bytes",
                              path, STEWARD_STATE_SIZE_MAX);

        buf = read_bounded(fd, STEWARD_STATE_SIZE_MAX, &local);
        if (!buf)
                return refuse(problem, STEWARD_STATE_PROBLEM_UNREADABLE, error, "'%s': %s", path,
                              local->message);
        /* It grew after fstat(). */
        if (buf->len > STEWARD_STATE_SIZE_MAX)
                return refuse(problem, STEWARD_STATE_PROBLEM_CORRUPT, error, "'%s' is larger than %d bytes",
                              path, STEWARD_STATE_SIZE_MAX);
        *ret = g_steal_pointer(&buf);
        return TRUE;
}

gboolean
steward_state_load(const char *path, StewardState **ret, StewardStateProblem *problem, GError **error)
{
        g_autoptr(GString) buf = NULL;
        g_autoptr(GError) local = NULL;
        g_autofree char *boot_id = NULL;

        g_return_val_if_fail(path, FALSE);
        g_return_val_if_fail(ret, FALSE);

        if (!read_ours(path, &buf, problem, error))
                return FALSE;
        boot_id = steward_state_boot_id(&local);
        if (!boot_id)
                return refuse(problem, STEWARD_STATE_PROBLEM_OTHER_BOOT, error,
                              "this boot's id is unknown (%s): '%s' cannot be matched to it", local->message,
                              path);
        if (!steward_state_from_data(buf->str, buf->len, boot_id, ret, problem, &local)) {
                g_propagate_prefixed_error(error, g_steal_pointer(&local), "'%s': ", path);
                return FALSE;
        }
        return TRUE;
}

/* ---- changes written ahead ---------------------------------------------- */

/* One line of the changes file: "KIND NAME VALUE\n". */
static char *
note_line(const char *kind, const char *name, const char *value, gsize *ret_length)
{
        char *line = g_strconcat(kind, " ", name, " ", value, "\n", NULL);

        if (ret_length)
                *ret_length = strlen(line);
        return line;
}

char *
steward_state_note_ready(const char *child, guint64 generation, gsize *ret_length)
{
        g_autofree char *value = g_strdup_printf("%" G_GUINT64_FORMAT, generation);

        return note_line("ready", child, value, ret_length);
}

char *
steward_state_note_mode(const char *child, StewardStateOperator mode, gsize *ret_length)
{
        return note_line("mode", child, steward_state_operator_to_string(mode), ret_length);
}

char *
steward_state_note_supervisor(const char *supervisor, gboolean quarantined, gsize *ret_length)
{
        return note_line("supervisor", supervisor, quarantined ? "quarantined" : "running", ret_length);
}

/* @mode noted of @r's child, as the state file spells it (a quarantine is
 * paused and Quarantined=, steward-state.h); TRUE if that changed @r. */
static gboolean
apply_mode(StewardChildRecord *r, StewardStateOperator mode)
{
        StewardStateOperator op =
                mode == STEWARD_STATE_OPERATOR_QUARANTINED ? STEWARD_STATE_OPERATOR_PAUSED : mode;
        gboolean quarantined = mode == STEWARD_STATE_OPERATOR_QUARANTINED;

        if (r->operator_state == op && r->quarantined == quarantined)
                return FALSE;
        r->operator_state = op;
        r->quarantined = quarantined;
        return TRUE;
}

/* What the lines say of a child, kept until every line is read. */
typedef struct {
        /* Of a child with a record, that its record's generation was
         * ready; of one without, the newest generation that was. */
        gboolean ready;
        guint64 generation;
        gboolean has_mode;
        StewardStateOperator mode; /* the last one noted */
} Noted;

/* A record for a child the state does not know, added (AddChild) after
 * the last save and given a mode since: all it did is after that save.
 * Its generation is the newest it was ready as, 0 if none; that one
 * counts as run (attempt), so that the next is new. What runs of it
 * is adopted from its scope. */
static void
add_noted_child(StewardState *state, const char *name, const Noted *n)
{
        StewardChildRecord *r = steward_state_add_child(state, name);

        r->generation = n->ready ? n->generation : 0;
        r->attempt = r->generation + 1;
        r->ready = n->ready;
        (void) apply_mode(r, n->mode);
}

gboolean
steward_state_apply_notes(StewardState *state, const char *data, gsize length, guint *ret_applied,
                          GError **error)
{
        /* Per child's name; the last mode of a child wins. */
        g_autoptr(GHashTable) children = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        /* A supervisor's record -> its last quarantine noted, + 1. */
        g_autoptr(GHashTable) supervisors = g_hash_table_new(NULL, NULL);
        GHashTableIter iter;
        gpointer key, value;
        const char *at = data, *end = data + length;
        guint line = 0, applied = 0;

        g_return_val_if_fail(state, FALSE);
        g_return_val_if_fail(data || length == 0, FALSE);

        if (length > STEWARD_STATE_SIZE_MAX)
                return invalid(error, "larger than %d bytes", STEWARD_STATE_SIZE_MAX);
        /* Whole lines only: one write(2) each, so a kill leaves no part of
         * one; a last line without its newline is not taken all the same. */
        for (const char *nl; at < end && (nl = memchr(at, '\n', end - at)); at = nl + 1) {
                g_autofree char *text = g_strndup(at, nl - at);
                g_auto(GStrv) words = NULL;
                StewardChildRecord *r;
                Noted *n;
                guint64 generation = 0;
                StewardStateOperator mode = STEWARD_STATE_OPERATOR_RUNNING;
                gboolean ready;

                line++;
                if (strlen(text) != (gsize) (nl - at))
                        return invalid(error, "line %u holds a NUL", line);
                words = g_strsplit(text, " ", -1);
                if (g_strv_length(words) != 3 || !steward_name_is_valid(words[1]))
                        return invalid(error, "line %u is not KIND NAME VALUE", line);
                if (g_str_equal(words[0], "supervisor")) {
                        StewardSupervisorRecord *sr = steward_state_find_supervisor(state, words[1]);
                        gboolean quarantined = g_str_equal(words[2], "quarantined");

                        if (!quarantined && !g_str_equal(words[2], "running"))
                                return invalid(error,
                                               "line %u is not \"supervisor NAME quarantined|running\"",
                                               line);
                        if (sr)
                                g_hash_table_insert(supervisors, sr, GINT_TO_POINTER(quarantined + 1));
                        continue;
                }
                ready = g_str_equal(words[0], "ready");
                if (ready ? !g_ascii_string_to_unsigned(words[2], 10, 0, G_MAXUINT64, &generation, NULL)
                          : !g_str_equal(words[0], "mode") ||
                                    !steward_state_operator_from_string(words[2], &mode))
                        return invalid(error,
                                       "line %u is not \"ready NAME GENERATION\" or \"mode NAME STATE\"",
                                       line);
                n = g_hash_table_lookup(children, words[1]);
                if (!n) {
                        n = g_new0(Noted, 1);
                        g_hash_table_insert(children, g_strdup(words[1]), n);
                }
                if (!ready) {
                        n->has_mode = TRUE;
                        n->mode = mode;
                        continue;
                }
                /* Of a record, another generation is one the state file
                 * does not know yet (adopted from its scope, and then
                 * taken as ready), or an older one, gone since. A child
                 * without one was added since the last save: all it did
                 * is in these lines. */
                r = steward_state_find_child(state, words[1]);
                if (r ? r->generation == generation : !n->ready || generation > n->generation) {
                        n->ready = TRUE;
                        n->generation = generation;
                }
        }
        /* All or nothing, as the state file: a malformed line says the file is not ours. */
        g_hash_table_iter_init(&iter, children);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
                StewardChildRecord *r = steward_state_find_child(state, key);
                const Noted *n = value;
                gboolean changed = FALSE;

                if (!r) {
                        /* Without a mode, nothing to keep: it is adopted from its
                         * scope as ready, or started, as a child without a record is. */
                        if (n->has_mode) {
                                add_noted_child(state, key, n);
                                applied++;
                        }
                        continue;
                }
                g_return_val_if_fail(!r->frozen, FALSE);
                if (n->ready && !r->ready) {
                        r->ready = TRUE;
                        changed = TRUE;
                }
                if (n->has_mode && apply_mode(r, n->mode))
                        changed = TRUE;
                applied += changed;
        }
        g_hash_table_iter_init(&iter, supervisors);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
                StewardSupervisorRecord *sr = key;
                gboolean quarantined = GPOINTER_TO_INT(value) - 1;

                if (sr->quarantined != quarantined) {
                        sr->quarantined = quarantined;
                        applied++;
                }
        }
        if (ret_applied)
                *ret_applied = applied;
        return TRUE;
}

gboolean
steward_state_load_notes(StewardState *state, const char *path, guint *ret_applied, GError **error)
{
        g_autoptr(GString) buf = NULL;
        g_autoptr(GError) local = NULL;
        StewardStateProblem problem = STEWARD_STATE_PROBLEM_NONE;

        g_return_val_if_fail(state, FALSE);
        g_return_val_if_fail(path, FALSE);

        if (ret_applied)
                *ret_applied = 0;
        if (!read_ours(path, &buf, &problem, &local)) {
                if (problem == STEWARD_STATE_PROBLEM_MISSING)
                        return TRUE;
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        if (!steward_state_apply_notes(state, buf->str, buf->len, ret_applied, &local)) {
                g_propagate_prefixed_error(error, g_steal_pointer(&local), "'%s': ", path);
                return FALSE;
        }
        return TRUE;
}

char *
steward_state_boot_id(GError **error)
{
        sd_id128_t id;
        char s[SD_ID128_STRING_MAX];
        int r;

        r = sd_id128_get_boot(&id);
        if (r < 0) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED, "cannot read the boot id: %s",
                            g_strerror(-r));
                return NULL;
        }
        return g_strdup(sd_id128_to_string(id, s));
}

/* ---- the processes ------------------------------------------------------- */

guint64
steward_state_pid_start_time(guint32 pid)
{
        StewardProcStat st;

        return steward_proc_stat_read(pid, &st) ? st.start_ticks : 0;
}

gboolean
steward_state_pid_matches(guint32 pid, guint64 start_time)
{
        return pid != 0 && start_time != 0 && steward_state_pid_start_time(pid) == start_time;
}

/* ---- where ------------------------------------------------------------- */

char *
steward_state_default_path(StewardMode mode)
{
        g_autofree char *dir = steward_runtime_dir(mode);

        return dir ? g_build_filename(dir, "state", NULL) : NULL;
}
