/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-state.c: unit tests of the state file: round trip, every refusal, atomic replacement, pid checks. */
#include "config.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steward-error.h"
#include "steward-names.h"
#include "steward-state.h"
#include "steward-test.h"
#include "steward-util.h"

#define BOOT "0123456789abcdef0123456789abcdef"
#define OTHER_BOOT "fedcba9876543210fedcba9876543210"

/* A reason with everything a key file line could mangle. */
#define AWKWARD_REASON "  lead and trail  \n\ttab\\back #hash =eq [br] ünï \x01 "

/* What the engine's fingerprint looks like: a SHA-256 in hex. */
#define FINGERPRINT "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static StewardState *
full_state(const char *boot_id)
{
        StewardState *s = steward_state_new();
        StewardChildRecord *c;
        StewardSupervisorRecord *sup;
        guint64 t;

        g_free(s->boot_id);
        s->boot_id = g_strdup(boot_id);
        s->sequence = G_MAXUINT64;
        s->command_counter = 17;

        c = steward_state_add_child(s, "api");
        c->generation = 3;
        c->attempt = 4;
        c->main_pid = 1234;
        c->main_pid_start_time = 987654321;
        c->ready = TRUE;
        c->operator_state = STEWARD_STATE_OPERATOR_PAUSED;
        for (t = 100; t <= 300; t += 100)
                g_array_append_val(c->restart_window, t);
        g_array_append_val(c->restart_window, t); /* equal stamps are in order */
        g_array_append_val(c->restart_window, t);
        c->backoff_failures = 2;
        steward_child_record_set_pending(c, "cmd-42-17", "restart", AWKWARD_REASON);
        c->fingerprint = g_strdup(FINGERPRINT);
        /* What a key file would mangle unescaped: leading space, a line break, a backslash. */
        c->spawn_error = g_strdup(" exec '/opt/a b\\c': No such file or directory\n#");

        c = steward_state_add_child(s, "db_1.x-y");
        c->generation = G_MAXUINT64;
        c->operator_state = STEWARD_STATE_OPERATOR_QUARANTINED;
        steward_child_record_set_pending(c, "cmd-1-1", "stop", "");

        c = steward_state_add_child(s, "idle");
        c->operator_state = STEWARD_STATE_OPERATOR_STOPPED;

        c = steward_state_add_child(s, "held");
        c->operator_state = STEWARD_STATE_OPERATOR_PAUSED;
        c->quarantined = TRUE;

        sup = steward_state_add_supervisor(s, "root");
        t = 5;
        g_array_append_val(sup->restart_window, t);
        sup = steward_state_add_supervisor(s, "web");
        sup->quarantined = TRUE;
        return s;
}

static void
assert_windows_equal(const GArray *a, const GArray *b)
{
        ck_assert_uint_eq(a->len, b->len);
        for (guint i = 0; i < a->len; i++)
                ck_assert_uint_eq(g_array_index(a, guint64, i), g_array_index(b, guint64, i));
}

static void
assert_states_equal(const StewardState *a, const StewardState *b)
{
        ck_assert_uint_eq(a->version, b->version);
        ck_assert_str_eq(a->boot_id, b->boot_id);
        ck_assert_uint_eq(a->sequence, b->sequence);
        ck_assert_uint_eq(a->command_counter, b->command_counter);
        ck_assert_uint_eq(a->children->len, b->children->len);
        for (guint i = 0; i < a->children->len; i++) {
                const StewardChildRecord *x = g_ptr_array_index(a->children, i);
                const StewardChildRecord *y = steward_state_find_child(b, x->name);

                ck_assert_msg(y, "child %s lost", x->name);
                ck_assert_uint_eq(x->generation, y->generation);
                ck_assert_uint_eq(x->attempt, y->attempt);
                ck_assert_uint_eq(x->main_pid, y->main_pid);
                ck_assert_uint_eq(x->main_pid_start_time, y->main_pid_start_time);
                ck_assert_int_eq(!!x->ready, !!y->ready);
                ck_assert_int_eq(x->operator_state, y->operator_state);
                assert_windows_equal(x->restart_window, y->restart_window);
                ck_assert_uint_eq(x->backoff_failures, y->backoff_failures);
                ck_assert_int_eq(!!x->pending, !!y->pending);
                if (x->pending) {
                        ck_assert_str_eq(x->pending->id, y->pending->id);
                        ck_assert_str_eq(x->pending->kind, y->pending->kind);
                        ck_assert_str_eq(x->pending->reason, y->pending->reason);
                }
                ck_assert_str_eq(x->fingerprint ? x->fingerprint : "(none)",
                                 y->fingerprint ? y->fingerprint : "(none)");
                ck_assert_str_eq(x->spawn_error ? x->spawn_error : "(none)",
                                 y->spawn_error ? y->spawn_error : "(none)");
                ck_assert_int_eq(!!x->quarantined, !!y->quarantined);
        }
        ck_assert_uint_eq(a->supervisors->len, b->supervisors->len);
        for (guint i = 0; i < a->supervisors->len; i++) {
                const StewardSupervisorRecord *x = g_ptr_array_index(a->supervisors, i);
                const StewardSupervisorRecord *y = steward_state_find_supervisor(b, x->name);

                ck_assert_msg(y, "supervisor %s lost", x->name);
                ck_assert_int_eq(!!x->quarantined, !!y->quarantined);
                assert_windows_equal(x->restart_window, y->restart_window);
        }
}

static char *
temp_dir(void)
{
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("test-state-XXXXXX", &error);

        ck_assert_msg(dir, "%s", error ? error->message : "");
        return dir;
}

/* Removes @dir and the plain files in it. */
static void
temp_remove(const char *dir)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);

                (void) g_unlink(p);
        }
        (void) g_rmdir(dir);
}

static char *
current_boot(void)
{
        g_autoptr(GError) error = NULL;
        char *boot = steward_state_boot_id(&error);

        ck_assert_msg(boot, "%s", error ? error->message : "");
        return boot;
}

/* ---- round trip ---------------------------------------------------------- */

START_TEST(test_round_trip_data)
{
        g_autoptr(StewardState) s = full_state(BOOT);
        g_autoptr(StewardState) back = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *data = NULL;
        g_autofree char *again = NULL;
        StewardStateProblem problem = STEWARD_STATE_PROBLEM_CORRUPT;
        gsize len, len2;

        data = steward_state_to_data(s, &len, &error);
        ck_assert_msg(data, "%s", error ? error->message : "");
        ck_assert_ptr_nonnull(strstr(data, "[State]\nVersion=1\nBootID=" BOOT "\n"));
        ck_assert_ptr_nonnull(strstr(data, "[Child api]\n"));
        ck_assert_ptr_nonnull(strstr(data, "RestartWindow=100 200 300 400 400\n"));
        ck_assert_ptr_nonnull(strstr(data, "[Supervisor web]\nState=quarantined\nRestartWindow=\n"));
        ck_assert_ptr_null(strstr(strstr(data, "[Child idle]"), "MainPID"));
        ck_assert_ptr_nonnull(strstr(data, "\nFingerprint=" FINGERPRINT "\n"));
        /* Optional: written only when known. */
        ck_assert_ptr_null(strstr(strstr(data, "[Child idle]"), "Fingerprint"));
        ck_assert_ptr_nonnull(strstr(strstr(data, "[Child held]"), "OperatorState=paused\n"));
        ck_assert_ptr_nonnull(strstr(strstr(data, "[Child held]"), "Quarantined=true\n"));
        ck_assert_ptr_null(strstr(data, "Quarantined=false"));

        ck_assert_msg(steward_state_from_data(data, len, BOOT, &back, &problem, &error), "%s\n%s",
                      error ? error->message : "", data);
        ck_assert_int_eq(problem, STEWARD_STATE_PROBLEM_NONE);
        assert_states_equal(s, back);

        /* And the same text again. */
        again = steward_state_to_data(back, &len2, &error);
        ck_assert_str_eq(data, again);
}
END_TEST

/* A save shares the records of the children that did not change since the
 * last one (steward_state_add_child_record()): its text is what a state of
 * its own would give, and a shared record's text, made once, is kept. */
START_TEST(test_shared_records)
{
        g_autoptr(StewardState) first = full_state(BOOT);
        g_autoptr(StewardState) own = full_state(BOOT);
        g_autoptr(StewardState) next = steward_state_new();
        g_autofree char *want = NULL, *got = NULL, *again = NULL;
        StewardChildRecord *idle;

        g_free(next->boot_id);
        next->boot_id = g_strdup(BOOT);
        next->sequence = first->sequence;
        next->command_counter = first->command_counter;
        for (guint i = 0; i < first->children->len; i++) {
                StewardChildRecord *r = g_ptr_array_index(first->children, i);

                if (!g_str_equal(r->name, "idle")) {
                        steward_state_add_child_record(next, r);
                        continue;
                }
                /* The one that changed: a record of its own. */
                idle = steward_state_add_child(next, "idle");
                idle->generation = 9;
                idle->operator_state = STEWARD_STATE_OPERATOR_STOPPED;
        }
        for (guint i = 0; i < first->supervisors->len; i++) {
                const StewardSupervisorRecord *r = g_ptr_array_index(first->supervisors, i);
                StewardSupervisorRecord *copy = steward_state_add_supervisor(next, r->name);

                copy->quarantined = r->quarantined;
                g_array_append_vals(copy->restart_window, r->restart_window->data, r->restart_window->len);
        }
        steward_state_find_child(own, "idle")->generation = 9;
        want = steward_state_to_data(own, NULL, NULL);
        ck_assert_ptr_nonnull(want);

        got = steward_state_to_data(next, NULL, NULL);
        ck_assert_str_eq(got, want);
        /* Kept for the next save, which shares it again; a record of one state only is not. */
        ck_assert_ptr_nonnull(steward_state_find_child(next, "api")->text);
        ck_assert_ptr_null(idle->text);
        ck_assert_ptr_null(steward_state_find_child(own, "api")->text);

        /* The records outlive the state they were made for, as a save's do the last one's. */
        g_clear_pointer(&first, steward_state_free);
        again = steward_state_to_data(next, NULL, NULL);
        ck_assert_str_eq(again, want);
        ck_assert(steward_state_validate(next, NULL));
}
END_TEST

/* A frozen state's records keep the text its save made of them, so the
 * next save, sharing them, does not make it again; the text is the same. */
START_TEST(test_frozen_records)
{
        g_autoptr(StewardState) s = full_state(BOOT);
        g_autofree char *want = steward_state_to_data(s, NULL, NULL);
        g_autofree char *got = NULL, *again = NULL;
        StewardChildRecord *api = steward_state_find_child(s, "api");

        ck_assert_ptr_nonnull(want);
        ck_assert_ptr_null(api->text);
        steward_state_freeze(s);
        got = steward_state_to_data(s, NULL, NULL);
        ck_assert_str_eq(got, want);
        ck_assert_ptr_nonnull(api->text);
        ck_assert_ptr_nonnull(strstr(want, api->text));
        again = steward_state_to_data(s, NULL, NULL);
        ck_assert_str_eq(again, want);
}
END_TEST

START_TEST(test_round_trip_file)
{
        g_autofree char *dir = temp_dir();
        g_autofree char *path = g_build_filename(dir, "state", NULL);
        g_autofree char *boot = current_boot();
        g_autoptr(StewardState) s = full_state(boot);
        g_autoptr(StewardState) back = NULL;
        g_autoptr(StewardState) fresh = steward_state_new();
        g_autoptr(GError) error = NULL;
        StewardStateProblem problem;

        /* A new state is of this boot. */
        ck_assert_str_eq(fresh->boot_id, boot);
        ck_assert_uint_eq(fresh->version, STEWARD_STATE_VERSION);

        ck_assert_msg(steward_state_save(s, path, &error), "%s", error ? error->message : "");
        ck_assert_msg(steward_state_load(path, &back, &problem, &error), "%s", error ? error->message : "");
        ck_assert_int_eq(problem, STEWARD_STATE_PROBLEM_NONE);
        assert_states_equal(s, back);
        temp_remove(dir);
}
END_TEST

/* More groups than one writev() takes (IOV_MAX pieces), shared and not. */
START_TEST(test_many_children_file)
{
        g_autofree char *dir = temp_dir();
        g_autofree char *path = g_build_filename(dir, "state", NULL);
        g_autofree char *boot = current_boot();
        g_autoptr(StewardState) first = full_state(boot);
        g_autoptr(StewardState) s = full_state(boot);
        g_autoptr(StewardState) back = NULL;
        g_autofree char *want = NULL;
        g_autofree char *seen = NULL;

        for (guint i = 0; i < 3 * IOV_MAX; i++) {
                g_autofree char *name = g_strdup_printf("c%u", i);
                StewardChildRecord *r = steward_state_add_child(first, name);

                r->generation = i;
                if (i % 3 == 0)
                        steward_state_add_child_record(s, r);
                else
                        steward_state_add_child(s, name)->generation = i;
        }
        want = steward_state_to_data(s, NULL, NULL);
        ck_assert(steward_state_save(s, path, NULL));
        ck_assert(g_file_get_contents(path, &seen, NULL, NULL));
        ck_assert_str_eq(seen, want);
        ck_assert(steward_state_load(path, &back, NULL, NULL));
        assert_states_equal(s, back);
        temp_remove(dir);
}
END_TEST

START_TEST(test_enums)
{
        StewardStateOperator op;

        for (guint i = 0; i < _STEWARD_STATE_OPERATOR_MAX; i++) {
                ck_assert(steward_state_operator_from_string(steward_state_operator_to_string(i), &op));
                ck_assert_uint_eq(op, i);
        }
        ck_assert(!steward_state_operator_from_string("Running", &op));
        ck_assert(!steward_state_operator_from_string(NULL, &op));
        ck_assert_ptr_null(steward_state_operator_to_string(_STEWARD_STATE_OPERATOR_MAX));
        ck_assert_str_eq(steward_state_problem_to_string(STEWARD_STATE_PROBLEM_OTHER_BOOT), "other-boot");
        ck_assert_str_eq(steward_state_problem_to_string(STEWARD_STATE_PROBLEM_MISSING), "missing");
        ck_assert_ptr_null(steward_state_problem_to_string(_STEWARD_STATE_PROBLEM_MAX));
}
END_TEST

/* A state nothing would refuse can not be saved either. */
START_TEST(test_save_refuses_invalid)
{
        g_autoptr(StewardState) s = full_state(BOOT);
        g_autoptr(GError) error = NULL;
        StewardChildRecord *c = steward_state_find_child(s, "api");
        guint64 t = 1;

        ck_assert(steward_state_validate(s, NULL));
        g_array_append_val(c->restart_window, t);
        ck_assert(!steward_state_validate(s, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        g_array_set_size(c->restart_window, 0);
        ck_assert(steward_state_validate(s, NULL));

        g_free(s->boot_id);
        s->boot_id = g_strdup("0123456789ABCDEF0123456789ABCDEF");
        ck_assert(!steward_state_validate(s, NULL));
        g_clear_pointer(&s->boot_id, g_free);
        ck_assert(!steward_state_save(s, "/nonexistent/state", NULL));
        s->boot_id = g_strdup(BOOT);

        steward_child_record_set_pending(c, "cmd 1", "restart", "x");
        ck_assert(!steward_state_validate(s, NULL));
        steward_child_record_set_pending(c, "cmd-1", "restart", "\xff");
        ck_assert(!steward_state_validate(s, NULL));
        steward_child_record_set_pending(c, NULL, NULL, NULL);
        ck_assert(steward_state_validate(s, NULL));

        /* Fingerprints: printable ASCII without spaces, bounded. */
        g_free(c->fingerprint);
        c->fingerprint = g_strnfill(STEWARD_STATE_FINGERPRINT_MAX, 'f');
        ck_assert(steward_state_validate(s, NULL));
        g_free(c->fingerprint);
        c->fingerprint = g_strnfill(STEWARD_STATE_FINGERPRINT_MAX + 1, 'f');
        ck_assert(!steward_state_validate(s, NULL));
        g_free(c->fingerprint);
        c->fingerprint = g_strdup("");
        ck_assert(!steward_state_validate(s, NULL));
        g_free(c->fingerprint);
        c->fingerprint = g_strdup("ab cd");
        g_clear_error(&error);
        ck_assert(!steward_state_validate(s, &error));
        ck_assert_ptr_nonnull(strstr(error->message, "Fingerprint"));
        g_clear_error(&error);
        g_free(c->fingerprint);
        c->fingerprint = g_strdup("ab\ncd");
        ck_assert(!steward_state_validate(s, NULL));
        g_free(c->fingerprint);
        c->fingerprint = g_strdup("\xc3\xbc");
        ck_assert(!steward_state_validate(s, NULL));
        g_clear_pointer(&c->fingerprint, g_free);
        ck_assert(steward_state_validate(s, NULL));

        /* LastSpawnError=: UTF-8, bounded. */
        g_free(c->spawn_error);
        c->spawn_error = g_strnfill(STEWARD_STATE_SPAWN_ERROR_MAX, 'e');
        ck_assert(steward_state_validate(s, NULL));
        g_free(c->spawn_error);
        c->spawn_error = g_strnfill(STEWARD_STATE_SPAWN_ERROR_MAX + 1, 'e');
        ck_assert(!steward_state_validate(s, &error));
        ck_assert_ptr_nonnull(strstr(error->message, "LastSpawnError"));
        g_clear_error(&error);
        g_free(c->spawn_error);
        c->spawn_error = g_strdup("exec: \xff");
        ck_assert(!steward_state_validate(s, NULL));
        g_clear_pointer(&c->spawn_error, g_free);
        ck_assert(steward_state_validate(s, NULL));

        c->main_pid = 0;
        ck_assert(!steward_state_validate(s, NULL));
}
END_TEST

/* ---- refusals ------------------------------------------------------------ */

static char *
valid_text(void)
{
        g_autoptr(StewardState) s = full_state(BOOT);

        return steward_state_to_data(s, NULL, NULL);
}

/* The valid text with the first @from replaced by @to. */
static char *
edited(const char *from, const char *to)
{
        g_autofree char *text = valid_text();
        const char *at = strstr(text, from);

        ck_assert_msg(at, "'%s' not in the text", from);
        return g_strdup_printf("%.*s%s%s", (int) (at - text), text, to, at + strlen(from));
}

static void
assert_refused_data(const char *data, gsize len, StewardStateProblem expected)
{
        g_autoptr(StewardState) s = NULL;
        g_autoptr(GError) error = NULL;
        StewardStateProblem problem = STEWARD_STATE_PROBLEM_NONE;

        ck_assert_msg(!steward_state_from_data(data, len, BOOT, &s, &problem, &error), "accepted:\n%s",
                      data);
        ck_assert_ptr_null(s);
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(problem == expected, "%s instead of %s for: %s\n%s",
                      steward_state_problem_to_string(problem), steward_state_problem_to_string(expected),
                      error->message, data);
}

static void
assert_corrupt_edit(const char *from, const char *to)
{
        g_autofree char *text = edited(from, to);

        assert_refused_data(text, strlen(text), STEWARD_STATE_PROBLEM_CORRUPT);
}

static void
assert_accepted(const char *text)
{
        g_autoptr(StewardState) s = NULL;
        g_autoptr(GError) error = NULL;

        ck_assert_msg(steward_state_from_data(text, strlen(text), BOOT, &s, NULL, &error), "%s\n%s",
                      error ? error->message : "", text);
}

START_TEST(test_refuse_version_and_boot)
{
        g_autofree char *v2 = edited("Version=1", "Version=2");
        g_autofree char *v2_garbage = g_strconcat(v2, "[Child a]\n[Child a]\n", NULL);
        g_autofree char *other = edited(BOOT, OTHER_BOOT);
        g_autofree char *text = valid_text();
        g_autoptr(StewardState) s = NULL;
        StewardStateProblem problem;

        assert_refused_data(v2, strlen(v2), STEWARD_STATE_PROBLEM_OTHER_VERSION);
        /* Another version may lay out the rest in any way. */
        assert_refused_data(v2_garbage, strlen(v2_garbage), STEWARD_STATE_PROBLEM_OTHER_VERSION);
        assert_refused_data(other, strlen(other), STEWARD_STATE_PROBLEM_OTHER_BOOT);
        /* Nor is a state believed when this boot's id is unknown. */
        ck_assert(!steward_state_from_data(text, strlen(text), NULL, &s, &problem, NULL));
        ck_assert_int_eq(problem, STEWARD_STATE_PROBLEM_OTHER_BOOT);
        assert_corrupt_edit("Version=1", "Version=-1");
        assert_corrupt_edit("Version=1", "Version=99999999999999999999999");
        assert_corrupt_edit("Version=1\n", "");
        assert_corrupt_edit(BOOT, "0123456789abcdef");
        assert_corrupt_edit(BOOT, "0123456789ABCDEF0123456789ABCDEF");
}
END_TEST

START_TEST(test_refuse_garbage)
{
        static const char garbage[] = "\x7f"
                                      "ELF\x02\x01\x01\0\0\0garbage\n[\xff\xfe]\n=====\n";
        g_autofree char *text = valid_text();
        g_autofree char *with_nul = g_strdup(text);
        g_autofree char *big = g_malloc(STEWARD_STATE_SIZE_MAX + 1);

        assert_refused_data(garbage, sizeof(garbage) - 1, STEWARD_STATE_PROBLEM_CORRUPT);
        assert_refused_data("", 0, STEWARD_STATE_PROBLEM_CORRUPT);
        assert_refused_data("[State]\n", 8, STEWARD_STATE_PROBLEM_CORRUPT);
        assert_refused_data("Version=1\n", 10, STEWARD_STATE_PROBLEM_CORRUPT);
        with_nul[strlen(with_nul) - 2] = '\0';
        assert_refused_data(with_nul, strlen(text), STEWARD_STATE_PROBLEM_CORRUPT);
        /* Longer than the bound: not even looked at. */
        memset(big, '#', STEWARD_STATE_SIZE_MAX + 1);
        assert_refused_data(big, STEWARD_STATE_SIZE_MAX + 1, STEWARD_STATE_PROBLEM_CORRUPT);
}
END_TEST

START_TEST(test_refuse_values)
{
        /* Numbers: no sign, nothing huge, nothing else. */
        assert_corrupt_edit("Generation=3", "Generation=-1");
        assert_corrupt_edit("Generation=3", "Generation=99999999999999999999999");
        assert_corrupt_edit("Generation=3", "Generation=18446744073709551616");
        assert_corrupt_edit("Generation=3", "Generation=+3");
        assert_corrupt_edit("Generation=3", "Generation=3x");
        assert_corrupt_edit("Generation=3", "Generation=0x3");
        assert_corrupt_edit("Generation=3", "Generation=");
        assert_corrupt_edit("Attempt=4", "Attempt=four");
        assert_corrupt_edit("Sequence=", "Sequence=-");
        assert_corrupt_edit("CommandCounter=17", "CommandCounter=1.5");
        assert_corrupt_edit("MainPID=1234", "MainPID=0");
        assert_corrupt_edit("MainPID=1234", "MainPID=2147483648");
        assert_corrupt_edit("MainPIDStartTime=987654321\n", "");
        assert_corrupt_edit("BackoffFailures=2", "BackoffFailures=4294967296");
        assert_corrupt_edit("Ready=true", "Ready=maybe");
        assert_corrupt_edit("OperatorState=paused", "OperatorState=Paused");
        assert_corrupt_edit("RestartWindow=100 200", "RestartWindow=200 100");
        assert_corrupt_edit("RestartWindow=100 200", "RestartWindow=100  200");
        assert_corrupt_edit("RestartWindow=100 200", "RestartWindow=100,200");
        assert_corrupt_edit("RestartWindow=100 200", "RestartWindow=-100 200");
        assert_corrupt_edit("\nState=quarantined", "\nState=paused");
        /* Every required key. */
        assert_corrupt_edit("Sequence=", "Sequenc=");
        assert_corrupt_edit("Generation=3", "Generatio=3");
        assert_corrupt_edit("Ready=true", "Rady=true");
        assert_corrupt_edit("BackoffFailures=2", "BackoffFailure=2");
        assert_corrupt_edit("\nState=quarantined", "\nStat=quarantined");
        /* Pending commands. */
        assert_corrupt_edit("PendingCommand=cmd-42-17 restart", "PendingCommand=cmd/42 restart");
        assert_corrupt_edit("PendingCommand=cmd-42-17 restart", "PendingCommand=cmd-42-17");
        assert_corrupt_edit("PendingCommand=cmd-42-17 restart", "PendingCommand=\\q restart");
        /* More than one bad escape: GLib 2.74 would set its error twice
         * (a GLib-WARNING, fatal here) if the value were asked for. */
        assert_corrupt_edit("PendingCommand=cmd-42-17 restart", "PendingCommand=\\q\\z restart\\");
        assert_corrupt_edit("LastSpawnError=", "LastSpawnError=\\q\\z");
        assert_corrupt_edit("PendingCommand=cmd-42-17 restart", "PendingCommand=cmd-42-17 restart \xff");
}
END_TEST

START_TEST(test_fingerprint)
{
        g_autofree char *long_fp = g_strnfill(STEWARD_STATE_FINGERPRINT_MAX + 1, 'a');
        g_autofree char *too_long = g_strconcat("Fingerprint=", long_fp, NULL);
        g_autofree char *longest = g_strconcat("Fingerprint=", long_fp + 1, NULL);
        g_autofree char *absent = edited("Fingerprint=" FINGERPRINT "\n", "");
        g_autofree char *at_max = edited("Fingerprint=" FINGERPRINT, longest);
        g_autofree char *odd = edited("Fingerprint=" FINGERPRINT, "Fingerprint=sha256:AB~!{}");
        g_autoptr(StewardState) s = NULL;

        /* Optional: a file of a writer that knows none is taken as it is. */
        ck_assert(steward_state_from_data(absent, strlen(absent), BOOT, &s, NULL, NULL));
        ck_assert_ptr_null(steward_state_find_child(s, "api")->fingerprint);
        g_clear_pointer(&s, steward_state_free);
        /* Any printable ASCII up to the bound: the reader does not judge its form. */
        ck_assert(steward_state_from_data(at_max, strlen(at_max), BOOT, &s, NULL, NULL));
        ck_assert_str_eq(steward_state_find_child(s, "api")->fingerprint, long_fp + 1);
        g_clear_pointer(&s, steward_state_free);
        ck_assert(steward_state_from_data(odd, strlen(odd), BOOT, &s, NULL, NULL));
        ck_assert_str_eq(steward_state_find_child(s, "api")->fingerprint, "sha256:AB~!{}");

        assert_corrupt_edit("Fingerprint=" FINGERPRINT, too_long);
        assert_corrupt_edit("Fingerprint=" FINGERPRINT, "Fingerprint=");
        assert_corrupt_edit("Fingerprint=" FINGERPRINT, "Fingerprint=ab cd");
        assert_corrupt_edit("Fingerprint=" FINGERPRINT, "Fingerprint=ab\tcd");
        assert_corrupt_edit("Fingerprint=" FINGERPRINT, "Fingerprint=\xc3\xbc");
        assert_corrupt_edit("Fingerprint=" FINGERPRINT, "Fingerprint=ab\x7f");
        assert_corrupt_edit("Fingerprint=" FINGERPRINT "\n",
                            "Fingerprint=" FINGERPRINT "\nFingerprint=" FINGERPRINT "\n");
}
END_TEST

START_TEST(test_refuse_names_and_repeats)
{
        g_autofree char *text = valid_text();
        g_autofree char *repeated_group = g_strconcat(text, "[Child api]\nGeneration=3\n", NULL);
        g_autofree char *long_name = g_strnfill(STEWARD_NAME_MAX + 1, 'a');
        g_autofree char *long_group = g_strdup_printf("[Child %s]", long_name);

        assert_corrupt_edit("[Child api]", "[Child a/b]");
        assert_corrupt_edit("[Child api]", "[Child ../api]");
        assert_corrupt_edit("[Child api]", "[Child ]");
        assert_corrupt_edit("[Child api]", "[Child api x]");
        assert_corrupt_edit("[Child api]", long_group);
        assert_corrupt_edit("[Supervisor web]", "[Supervisor w%b]");
        assert_refused_data(repeated_group, strlen(repeated_group), STEWARD_STATE_PROBLEM_CORRUPT);
        assert_corrupt_edit("Attempt=4\n", "Attempt=4\nAttempt=5\n");
        assert_corrupt_edit("Attempt=4\n", "Attempt=4\nAttempt = 5\n");
        assert_corrupt_edit("[Child idle]", "[Child api]");
}
END_TEST

/* What a later writer may add under the same version. */
START_TEST(test_unknown_ignored)
{
        g_autofree char *key = edited("Attempt=4\n", "Attempt=4\nSomethingNew=x y z\n");
        g_autofree char *group = edited("[Child api]", "[Timers]\nNext=5\n\n[Child api]");
        g_autofree char *comment = edited("[Child api]", "# a comment\n\n[Child api]");

        assert_accepted(key);
        assert_accepted(group);
        assert_accepted(comment);
}
END_TEST

static void
assert_load_refused(const char *path, StewardStateProblem expected)
{
        g_autoptr(StewardState) s = NULL;
        g_autoptr(GError) error = NULL;
        StewardStateProblem problem = STEWARD_STATE_PROBLEM_NONE;

        ck_assert(!steward_state_load(path, &s, &problem, &error));
        ck_assert_ptr_null(s);
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(problem == expected, "%s instead of %s: %s", steward_state_problem_to_string(problem),
                      steward_state_problem_to_string(expected), error->message);
}

START_TEST(test_refuse_files)
{
        g_autofree char *dir = temp_dir();
        g_autofree char *path = g_build_filename(dir, "state", NULL);
        g_autofree char *target = g_build_filename(dir, "target", NULL);
        g_autofree char *boot = current_boot();
        g_autoptr(StewardState) s = full_state(boot);
        g_autoptr(StewardState) back = NULL;
        g_autoptr(GError) error = NULL;
        StewardStateProblem problem;
        steward_autofd int fd = -1;

        assert_load_refused(path, STEWARD_STATE_PROBLEM_MISSING);
        ck_assert_int_eq(steward_state_load(path, &back, NULL, &error), FALSE);
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND));

        /* A FIFO with no writer: refused, not waited on. */
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        assert_load_refused(path, STEWARD_STATE_PROBLEM_UNREADABLE);
        ck_assert_int_eq(g_unlink(path), 0);

        /* A directory. */
        ck_assert_int_eq(g_mkdir(path, 0700), 0);
        assert_load_refused(path, STEWARD_STATE_PROBLEM_UNREADABLE);
        ck_assert_int_eq(g_rmdir(path), 0);

        /* A symlink, even to a valid state. */
        ck_assert(steward_state_save(s, target, NULL));
        ck_assert_int_eq(symlink(target, path), 0);
        assert_load_refused(path, STEWARD_STATE_PROBLEM_UNREADABLE);
        ck_assert_int_eq(g_unlink(path), 0);
        ck_assert(steward_state_load(target, &back, &problem, NULL));
        g_clear_pointer(&back, steward_state_free);

        /* A device. */
        assert_load_refused("/dev/null", STEWARD_STATE_PROBLEM_UNREADABLE);

        /* 17 MiB (sparse: refused by its size, unread). */
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, 17 * 1024 * 1024), 0);
        steward_close_fdp(&fd);
        assert_load_refused(path, STEWARD_STATE_PROBLEM_CORRUPT);

        /* Garbage. */
        ck_assert(g_file_set_contents(path, "\x01\x02garbage\n", -1, NULL));
        assert_load_refused(path, STEWARD_STATE_PROBLEM_CORRUPT);

        /* Another boot, written as a file. */
        g_free(s->boot_id);
        s->boot_id = g_strdup(g_str_equal(boot, OTHER_BOOT) ? BOOT : OTHER_BOOT);
        ck_assert(steward_state_save(s, path, NULL));
        assert_load_refused(path, STEWARD_STATE_PROBLEM_OTHER_BOOT);

        (void) g_unlink(target);
        temp_remove(dir);
}
END_TEST

/* ---- changes written ahead ------------------------------------------------ */

/* Two notify children starting, one ready already, one stopped. */
static StewardState *
starting_state(void)
{
        StewardState *s = steward_state_new();
        StewardChildRecord *c;

        c = steward_state_add_child(s, "db");
        c->generation = 4;
        c->attempt = 5;
        c = steward_state_add_child(s, "web");
        c->generation = 2;
        c->attempt = 3;
        c = steward_state_add_child(s, "up");
        c->generation = 0;
        c->attempt = 1;
        c->ready = TRUE;
        c = steward_state_add_child(s, "off");
        c->operator_state = STEWARD_STATE_OPERATOR_STOPPED;
        (void) steward_state_add_supervisor(s, "web-tier");
        steward_state_add_supervisor(s, "flaky")->quarantined = TRUE;
        return s;
}

START_TEST(test_notes_ready)
{
        g_autoptr(StewardState) s = starting_state();
        g_autoptr(GError) error = NULL;
        g_autofree char *line = NULL;
        g_autoptr(GString) text = g_string_new(NULL);
        gsize length;
        guint applied = 99;

        line = steward_state_note_ready("db", 4, &length);
        ck_assert_str_eq(line, "ready db 4\n");
        ck_assert_uint_eq(length, 11);
        g_string_append(text, line);
        /* Of an older incarnation, of a newer one the file does not know,
         * of a child it does not know, of one ready already: nothing. */
        g_string_append(text, "ready web 1\nready web 3\nready ghost 0\nready up 0\n");
        /* A kill cannot cut a write(2) short; a line without its end is
         * not taken all the same. */
        g_string_append(text, "ready web 2");
        ck_assert_msg(steward_state_apply_notes(s, text->str, text->len, &applied, &error), "%s",
                      error ? error->message : "");
        ck_assert_uint_eq(applied, 1);
        ck_assert(steward_state_find_child(s, "db")->ready);
        ck_assert(!steward_state_find_child(s, "web")->ready);
        ck_assert(steward_state_find_child(s, "up")->ready);
        /* A child added since the last save needs no record to be ready:
         * adopted without one, a running child is taken as ready. */
        ck_assert(!steward_state_find_child(s, "ghost"));

        /* Twice the same line: one record changed. */
        g_string_assign(text, "ready web 2\nready web 2\n");
        ck_assert(steward_state_apply_notes(s, text->str, text->len, &applied, NULL));
        ck_assert_uint_eq(applied, 1);
        ck_assert(steward_state_find_child(s, "web")->ready);

        /* Nothing at all. */
        ck_assert(steward_state_apply_notes(s, NULL, 0, &applied, NULL));
        ck_assert_uint_eq(applied, 0);
}
END_TEST

START_TEST(test_notes_mode)
{
        g_autoptr(StewardState) s = starting_state();
        g_autoptr(GError) error = NULL;
        g_autofree char *line = NULL;
        g_autoptr(GString) text = g_string_new(NULL);
        StewardChildRecord *db, *web, *off;
        guint applied = 99;

        line = steward_state_note_mode("db", STEWARD_STATE_OPERATOR_STOPPED, NULL);
        ck_assert_str_eq(line, "mode db stopped\n");
        g_string_append(text, line);
        /* The last of a child's wins: paused, then quarantined. */
        g_string_append(text, "mode web paused\nready web 2\nmode web quarantined\n");
        /* Started again by an operator. */
        g_string_append(text, "mode off running\n");
        /* Added since the last save (AddChild), ready as generation 0 and
         * 2, stopped: a record keeps its mode, that it ran up to 2, ready. */
        g_string_append(text, "ready ghost 0\nready ghost 2\nready ghost 1\nmode ghost stopped\n");
        /* Added since, and only ready: no record, as before. */
        g_string_append(text, "ready spook 0\n");
        ck_assert_msg(steward_state_apply_notes(s, text->str, text->len, &applied, &error), "%s",
                      error ? error->message : "");
        ck_assert_uint_eq(applied, 4);
        {
                StewardChildRecord *ghost = steward_state_find_child(s, "ghost");

                ck_assert(ghost);
                ck_assert_int_eq(ghost->operator_state, STEWARD_STATE_OPERATOR_STOPPED);
                ck_assert_uint_eq(ghost->generation, 2);
                ck_assert_uint_eq(ghost->attempt, 3);
                ck_assert(ghost->ready);
                ck_assert(!ghost->alive);
                ck_assert(!steward_state_find_child(s, "spook"));
        }
        db = steward_state_find_child(s, "db");
        web = steward_state_find_child(s, "web");
        off = steward_state_find_child(s, "off");
        ck_assert_int_eq(db->operator_state, STEWARD_STATE_OPERATOR_STOPPED);
        ck_assert(!db->quarantined);
        /* As the state file spells a quarantine. */
        ck_assert_int_eq(web->operator_state, STEWARD_STATE_OPERATOR_PAUSED);
        ck_assert(web->quarantined);
        ck_assert(web->ready);
        ck_assert_int_eq(off->operator_state, STEWARD_STATE_OPERATOR_RUNNING);

        /* Supervisors: the last line of each wins. */
        g_free(line);
        line = steward_state_note_supervisor("web-tier", TRUE, NULL);
        ck_assert_str_eq(line, "supervisor web-tier quarantined\n");
        g_string_assign(
                text, "supervisor flaky quarantined\nsupervisor flaky running\nsupervisor ghost running\n");
        g_string_append(text, line);
        ck_assert(steward_state_apply_notes(s, text->str, text->len, &applied, NULL));
        ck_assert_uint_eq(applied, 2);
        ck_assert(!steward_state_find_supervisor(s, "flaky")->quarantined);
        ck_assert(steward_state_find_supervisor(s, "web-tier")->quarantined);

        /* Resumed from the quarantine. */
        g_string_assign(text, "mode web running\n");
        ck_assert(steward_state_apply_notes(s, text->str, text->len, &applied, NULL));
        ck_assert_uint_eq(applied, 1);
        ck_assert_int_eq(web->operator_state, STEWARD_STATE_OPERATOR_RUNNING);
        ck_assert(!web->quarantined);
}
END_TEST

START_TEST(test_notes_refused)
{
        static const char *const bad[] = {
                "ready db\n",
                "ready db 4 5\n",
                "ready db -4\n",
                "ready db 4x\n",
                "ready db  4\n",
                "ready ../db 4\n",
                " ready db 4\n",
                "ready db 184467440737095516160\n",
                "\n",
                "ready db 0x4\n",
                "db 4\n",
                "mode db asleep\n",
                "mode db Stopped\n",
                "mode db\n",
                "stop db 4\n",
                "mode db stopped extra\n",
                "supervisor db paused\n",
                "supervisor db\n",
        };

        for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(StewardState) s = starting_state();
                g_autoptr(GError) error = NULL;
                /* A good line first: all or nothing. */
                g_autofree char *text =
                        g_strconcat("ready db 4\nmode db stopped\nmode newcomer paused\n", bad[i], NULL);

                ck_assert_msg(!steward_state_apply_notes(s, text, strlen(text), NULL, &error), "took %s",
                              bad[i]);
                ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
                ck_assert(!steward_state_find_child(s, "db")->ready);
                ck_assert_int_eq(steward_state_find_child(s, "db")->operator_state,
                                 STEWARD_STATE_OPERATOR_RUNNING);
                ck_assert(!steward_state_find_child(s, "newcomer"));
        }
        /* A NUL inside a line. */
        {
                g_autoptr(StewardState) s = starting_state();
                static const char nul[] = "ready db 4\0junk\n";

                ck_assert(!steward_state_apply_notes(s, nul, sizeof(nul) - 1, NULL, NULL));
        }
}
END_TEST

START_TEST(test_notes_file)
{
        g_autofree char *dir = temp_dir();
        g_autofree char *path = g_build_filename(dir, "changes", NULL);
        g_autofree char *target = g_build_filename(dir, "target", NULL);
        g_autoptr(StewardState) s = starting_state();
        g_autoptr(GError) error = NULL;
        guint applied = 99;

        /* No file: nothing noted after the last save. */
        ck_assert(steward_state_load_notes(s, path, &applied, &error));
        ck_assert_uint_eq(applied, 0);

        /* A symlink to a good file is not followed. */
        ck_assert(g_file_set_contents(target, "ready db 4\n", -1, NULL));
        ck_assert_int_eq(symlink(target, path), 0);
        ck_assert(!steward_state_load_notes(s, path, &applied, &error));
        ck_assert_ptr_nonnull(strstr(error->message, "symlink"));
        g_clear_error(&error);
        ck_assert(!steward_state_find_child(s, "db")->ready);
        ck_assert_int_eq(g_unlink(path), 0);

        /* Refused whole, the file named. */
        ck_assert(g_file_set_contents(path, "ready db 4\nready web two\n", -1, NULL));
        ck_assert(!steward_state_load_notes(s, path, &applied, &error));
        ck_assert_ptr_nonnull(strstr(error->message, path));
        g_clear_error(&error);
        ck_assert(!steward_state_find_child(s, "db")->ready);

        ck_assert(g_file_set_contents(path, "ready db 4\nready web 2\nmode db stopped\n", -1, NULL));
        ck_assert_msg(steward_state_load_notes(s, path, &applied, &error), "%s",
                      error ? error->message : "");
        ck_assert_uint_eq(applied, 2);
        ck_assert(steward_state_find_child(s, "db")->ready);
        ck_assert(steward_state_find_child(s, "web")->ready);
        ck_assert_int_eq(steward_state_find_child(s, "db")->operator_state, STEWARD_STATE_OPERATOR_STOPPED);

        (void) g_unlink(path);
        (void) g_unlink(target);
        temp_remove(dir);
}
END_TEST

/* ---- atomicity and permissions ------------------------------------------- */

START_TEST(test_atomic_replace)
{
        g_autofree char *dir = temp_dir();
        g_autofree char *path = g_build_filename(dir, "state", NULL);
        g_autofree char *boot = current_boot();
        g_autoptr(StewardState) s = full_state(boot);
        g_autoptr(StewardState) back = NULL;
        g_autofree char *old_text = NULL;
        g_autofree char *seen = NULL;
        g_autoptr(GDir) d = NULL;
        steward_autofd int old_fd = -1;
        struct stat before, after;
        char buf[65536];
        ssize_t n;

        ck_assert(steward_state_save(s, path, NULL));
        ck_assert(g_file_get_contents(path, &old_text, NULL, NULL));
        ck_assert_int_eq(stat(path, &before), 0);
        old_fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(old_fd, 0);

        s->sequence = 1;
        steward_state_find_child(s, "api")->generation = 4;
        ck_assert(steward_state_save(s, path, NULL));

        /* A reader that had the old file open still reads all of it: the
         * new one was written beside it and renamed over it, not written
         * into it. */
        n = read(old_fd, buf, sizeof(buf) - 1);
        ck_assert_int_ge(n, 0);
        buf[n] = '\0';
        ck_assert_str_eq(buf, old_text);
        ck_assert_int_eq(stat(path, &after), 0);
        ck_assert_uint_ne(before.st_ino, after.st_ino);
        ck_assert_uint_eq(before.st_dev, after.st_dev);

        /* Nothing is left beside it. */
        d = g_dir_open(dir, 0, NULL);
        ck_assert_ptr_nonnull(d);
        ck_assert_str_eq(g_dir_read_name(d), "state");
        ck_assert_ptr_null(g_dir_read_name(d));

        ck_assert(steward_state_load(path, &back, NULL, NULL));
        ck_assert_uint_eq(back->sequence, 1);
        ck_assert_uint_eq(steward_state_find_child(back, "api")->generation, 4);

        /* A failed save leaves the old file. */
        g_free(s->boot_id);
        s->boot_id = g_strdup("nope");
        ck_assert(!steward_state_save(s, path, NULL));
        ck_assert(g_file_get_contents(path, &seen, NULL, NULL));
        ck_assert_ptr_nonnull(strstr(seen, "Sequence=1\n"));
        temp_remove(dir);
}
END_TEST

START_TEST(test_permissions)
{
        g_autofree char *dir = temp_dir();
        g_autofree char *path = g_build_filename(dir, "state", NULL);
        g_autoptr(StewardState) s = full_state(BOOT);
        struct stat st;
        mode_t old_umask;

        /* Whatever the umask lets through and whatever was there. */
        old_umask = umask(0);
        ck_assert(g_file_set_contents_full(path, "x", 1, G_FILE_SET_CONTENTS_NONE, 0666, NULL));
        ck_assert(steward_state_save(s, path, NULL));
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        ck_assert(S_ISREG(st.st_mode));
        (void) umask(old_umask);
        temp_remove(dir);
}
END_TEST

/* ---- processes ----------------------------------------------------------- */

START_TEST(test_pid_self)
{
        guint32 self = (guint32) getpid();
        guint64 t = steward_state_pid_start_time(self);

        ck_assert_uint_ne(t, 0);
        ck_assert(steward_state_pid_matches(self, t));
        ck_assert(!steward_state_pid_matches(self, t + 1));
        ck_assert(!steward_state_pid_matches(self, 0));
        ck_assert(!steward_state_pid_matches(0, t));
        ck_assert_uint_eq(steward_state_pid_start_time(0), 0);
        ck_assert_uint_eq(steward_state_pid_start_time(G_MAXUINT32), 0);
}
END_TEST

START_TEST(test_pid_dead)
{
        char *argv[] = { (char *) "true", NULL };
        g_autoptr(GError) error = NULL;
        GPid pid;
        int status;

        ck_assert_msg(g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                    NULL, &pid, &error),
                      "%s", error ? error->message : "");
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_uint_eq(steward_state_pid_start_time((guint32) pid), 0);
        ck_assert(!steward_state_pid_matches((guint32) pid, 1));
}
END_TEST

/* A program names itself: the name may hold ") " and look like fields. */
START_TEST(test_pid_awkward_comm)
{
        guint64 self = steward_state_pid_start_time((guint32) getpid());
        int ready[2];
        pid_t pid;
        char c;
        guint64 t;

        ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                (void) prctl(PR_SET_NAME, (unsigned long) ") R 1 2 (3) ", 0, 0, 0);
                (void) write(ready[1], "x", 1);
                pause();
                _exit(0);
        }
        close(ready[1]);
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        close(ready[0]);

        t = steward_state_pid_start_time((guint32) pid);
        ck_assert_uint_ge(t, self);
        ck_assert(steward_state_pid_matches((guint32) pid, t));
        (void) kill(pid, SIGKILL);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        ck_assert(!steward_state_pid_matches((guint32) pid, t));
}
END_TEST

/* ---- where --------------------------------------------------------------- */

static void
assert_path(StewardMode mode, const char *expected)
{
        g_autofree char *p = steward_state_default_path(mode);

        ck_assert_str_eq(p ? p : "(null)", expected ? expected : "(null)");
}

START_TEST(test_default_path)
{
        g_setenv("RUNTIME_DIRECTORY", "/run/steward-x:/run/other", TRUE);
        assert_path(STEWARD_MODE_SYSTEM, "/run/steward-x/state");
        assert_path(STEWARD_MODE_USER, "/run/steward-x/state");
        g_setenv("RUNTIME_DIRECTORY", "relative", TRUE);
        assert_path(STEWARD_MODE_SYSTEM, "/run/steward/state");
        g_unsetenv("RUNTIME_DIRECTORY");
        assert_path(STEWARD_MODE_SYSTEM, "/run/steward/state");
        g_setenv("XDG_RUNTIME_DIR", "/run/user/1000", TRUE);
        assert_path(STEWARD_MODE_USER, "/run/user/1000/steward/state");
        g_unsetenv("XDG_RUNTIME_DIR");
        assert_path(STEWARD_MODE_USER, NULL);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("state");
        TCase *tc = tcase_create("state");

        tcase_add_test(tc, test_round_trip_data);
        tcase_add_test(tc, test_round_trip_file);
        tcase_add_test(tc, test_shared_records);
        tcase_add_test(tc, test_frozen_records);
        tcase_add_test(tc, test_many_children_file);
        tcase_add_test(tc, test_enums);
        tcase_add_test(tc, test_save_refuses_invalid);
        tcase_add_test(tc, test_refuse_version_and_boot);
        tcase_add_test(tc, test_refuse_garbage);
        tcase_add_test(tc, test_refuse_values);
        tcase_add_test(tc, test_fingerprint);
        tcase_add_test(tc, test_refuse_names_and_repeats);
        tcase_add_test(tc, test_unknown_ignored);
        tcase_add_test(tc, test_refuse_files);
        tcase_add_test(tc, test_notes_ready);
        tcase_add_test(tc, test_notes_mode);
        tcase_add_test(tc, test_notes_refused);
        tcase_add_test(tc, test_notes_file);
        tcase_add_test(tc, test_atomic_replace);
        tcase_add_test(tc, test_permissions);
        tcase_add_test(tc, test_pid_self);
        tcase_add_test(tc, test_pid_dead);
        tcase_add_test(tc, test_pid_awkward_comm);
        tcase_add_test(tc, test_default_path);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
