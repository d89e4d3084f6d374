/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-spec.c: unit tests of the spec defaults, role defaults and enum names. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "steward-spec.h"
#include "steward-test.h"
#include "steward-util.h"

START_TEST(test_names)
{
        ck_assert(steward_name_is_valid("api"));
        ck_assert(steward_name_is_valid("a.b-c_d9"));
        ck_assert(!steward_name_is_valid(""));
        ck_assert(!steward_name_is_valid(NULL));
        ck_assert(!steward_name_is_valid("with space"));
        ck_assert(!steward_name_is_valid("slash/name"));
        ck_assert(!steward_name_is_valid("ünïcode"));

        g_autofree char *longest = g_strnfill(STEWARD_NAME_MAX, 'x');
        g_autofree char *too_long = g_strnfill(STEWARD_NAME_MAX + 1, 'x');
        ck_assert(steward_name_is_valid(longest));
        ck_assert(!steward_name_is_valid(too_long));
}
END_TEST

START_TEST(test_enum_round_trip)
{
        StewardStrategy s;
        StewardEscalation e;
        StewardRole r;
        StewardRestart rs;
        StewardChildType t;

        ck_assert(steward_strategy_from_string("rest-for-one", &s));
        ck_assert_int_eq(s, STEWARD_STRATEGY_REST_FOR_ONE);
        ck_assert_str_eq(steward_strategy_to_string(STEWARD_STRATEGY_ONE_FOR_ALL), "one-for-all");
        ck_assert(!steward_strategy_from_string("one_for_one", &s));
        ck_assert(!steward_strategy_from_string(NULL, &s));

        ck_assert(steward_escalation_from_string("quarantine", &e));
        ck_assert_int_eq(e, STEWARD_ESCALATION_QUARANTINE);
        ck_assert(steward_role_from_string("sidecar", &r));
        ck_assert_int_eq(r, STEWARD_ROLE_SIDECAR);
        ck_assert(steward_restart_from_string("temporary", &rs));
        ck_assert_int_eq(rs, STEWARD_RESTART_TEMPORARY);
        ck_assert(steward_child_type_from_string("notify", &t));
        ck_assert_int_eq(t, STEWARD_CHILD_NOTIFY);
        ck_assert(!steward_child_type_from_string("Notify", &t));
}
END_TEST

START_TEST(test_role_defaults)
{
        g_autoptr(StewardChildSpec) c = steward_child_spec_new("api");

        ck_assert_str_eq(c->supervisor, STEWARD_ROOT_SUPERVISOR);
        ck_assert_int_eq(c->role, STEWARD_ROLE_SERVICE);
        ck_assert_int_eq(c->restart, STEWARD_RESTART_PERMANENT);
        ck_assert_uint_eq(c->restart_intensity, 10);
        ck_assert_uint_eq(c->restart_period_usec, 60 * G_USEC_PER_SEC);
        ck_assert_int_eq(c->kill_signal, SIGTERM);
        ck_assert_int_eq(c->watchdog_signal, SIGABRT);
        ck_assert_int_eq(c->reload_signal, SIGHUP);

        steward_child_spec_apply_role(c, STEWARD_ROLE_WORKER);
        ck_assert_int_eq(c->restart, STEWARD_RESTART_TRANSIENT);
        ck_assert_uint_eq(c->restart_intensity, 3);

        steward_child_spec_apply_role(c, STEWARD_ROLE_JOB);
        ck_assert_int_eq(c->restart, STEWARD_RESTART_TRANSIENT);
        ck_assert_uint_eq(c->restart_intensity, 1);

        steward_child_spec_apply_role(c, STEWARD_ROLE_SIDECAR);
        ck_assert_int_eq(c->restart, STEWARD_RESTART_PERMANENT);
}
END_TEST

START_TEST(test_spec_root)
{
        g_autoptr(StewardSpec) s = steward_spec_new();

        ck_assert_uint_eq(s->supervisors->len, 1);
        ck_assert_ptr_nonnull(steward_spec_find_supervisor(s, STEWARD_ROOT_SUPERVISOR));
        ck_assert_ptr_null(steward_spec_find_supervisor(s, "web"));
        ck_assert_ptr_null(steward_spec_find_child(s, "api"));
        ck_assert_str_eq(s->slice, "steward.slice");
        ck_assert_uint_eq(s->shutdown_timeout_usec, 90 * G_USEC_PER_SEC);

        /* Free functions accept NULL. */
        steward_spec_free(NULL);
        steward_child_spec_free(NULL);
        steward_supervisor_spec_free(NULL);
}
END_TEST

START_TEST(test_resources_copy)
{
        static const guint8 cpus[] = { 0x05 };
        StewardResources a, b;

        steward_resources_init(&a);
        steward_resources_init(&b);
        a.memory_max = (StewardLimit){ 50 * 100, TRUE };
        a.cpu_weight = 200;
        a.allowed_cpus = g_bytes_new(cpus, sizeof(cpus));
        b.io_weight = 10;
        steward_resources_copy(&b, &a);
        ck_assert(steward_resources_equal(&a, &b));
        ck_assert_uint_eq(b.io_weight, STEWARD_LIMIT_UNSET);
        /* Each owns its reference: one cleared, the other keeps its CPUs. */
        steward_resources_clear(&a);
        ck_assert(b.allowed_cpus && g_bytes_get_size(b.allowed_cpus) == 1);
        steward_resources_copy(&b, &b);
        ck_assert(b.allowed_cpus);
        steward_resources_copy(&b, &a);
        ck_assert(!steward_resources_is_set(&b));
        steward_resources_clear(&b);
}
END_TEST

START_TEST(test_unit_name_escape)
{
        g_autofree char *plain = steward_unit_name_escape("web");
        g_autofree char *dash = steward_unit_name_escape("db-tier");
        g_autofree char *dot = steward_unit_name_escape(".hidden.x");
        g_autofree char *label = steward_bus_label_escape("db-proxy");
        g_autofree char *digit = steward_bus_label_escape("1st");
        g_autofree char *back = steward_bus_label_unescape("db_2dproxy");
        g_autofree char *bad = steward_bus_label_unescape("db_2");
        g_autofree char *path = steward_bus_object_path(STEWARD_CHILD_PATH_PREFIX, "db-proxy");
        g_autofree char *unit = steward_unit_object_path("steward-db-proxy-3.scope");

        /* '-' nests slices, so a name's own dashes must not. */
        ck_assert_str_eq(plain, "web");
        ck_assert_str_eq(dash, "db\\x2dtier");
        ck_assert_str_eq(dot, "\\x2ehidden.x");
        /* Object path labels: systemd's bus_label_escape(). */
        ck_assert_str_eq(label, "db_2dproxy");
        ck_assert_str_eq(digit, "_31st");
        ck_assert_str_eq(back, "db-proxy");
        ck_assert_ptr_null(bad);
        ck_assert_str_eq(path, "/org/steward/Supervisor1/child/db_2dproxy");
        ck_assert_str_eq(unit, "/org/freedesktop/systemd1/unit/steward_2ddb_2dproxy_2d3_2escope");
        /* The scope backend finds a unit's incarnation from its path so. */
        {
                g_autofree char *name = steward_bus_label_unescape(unit + strlen(SYSTEMD_UNIT_PATH_PREFIX));

                ck_assert_str_eq(name, "steward-db-proxy-3.scope");
        }
}
END_TEST

/* What a pipe holds, read whole or cut one byte past the limit, the
 * buffer grown on the way (from a page). */
static gsize
read_pipe(gsize size, gsize limit, char **ret_data)
{
        g_autofree char *bytes = g_malloc(size + 1); /* not NULL, for memset() */
        int p[2];
        gsize length = 0;

        memset(bytes, 'a', size);
        if (size > 0)
                bytes[size - 1] = 'z';
        ck_assert_int_eq(pipe(p), 0);
        ck_assert(size <= 65536); /* the pipe's buffer: written at once */
        ck_assert_int_eq(write(p[1], bytes, size), (ssize_t) size);
        close(p[1]);
        ck_assert(steward_read_fd(p[0], limit, ret_data, &length));
        close(p[0]);
        ck_assert_uint_eq(strlen(*ret_data), length);
        return length;
}

START_TEST(test_read_fd)
{
        g_autofree char *empty = NULL, *whole = NULL, *cut = NULL, *exact = NULL;
        int bad = -1;
        char *none = NULL;
        gsize length;

        ck_assert_uint_eq(read_pipe(0, 100, &empty), 0);
        ck_assert_uint_eq(read_pipe(20000, 30000, &whole), 20000);
        ck_assert_int_eq(whole[19999], 'z');
        ck_assert_uint_eq(read_pipe(20000, 9000, &cut), 9001);
        ck_assert_uint_eq(read_pipe(9000, 9000, &exact), 9000);
        ck_assert(!steward_read_fd(bad, 100, &none, &length));
        ck_assert_int_eq(errno, EBADF);
        ck_assert_ptr_null(none);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("spec");
        TCase *tc = tcase_create("spec");

        tcase_add_test(tc, test_names);
        tcase_add_test(tc, test_enum_round_trip);
        tcase_add_test(tc, test_role_defaults);
        tcase_add_test(tc, test_spec_root);
        tcase_add_test(tc, test_unit_name_escape);
        tcase_add_test(tc, test_resources_copy);
        tcase_add_test(tc, test_read_fd);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
