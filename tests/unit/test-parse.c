/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-parse.c: unit tests of the systemd-compatible value parsers, and of /proc/PID/stat's. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "steward-parse.h"
#include "steward-proc.h"
#include "steward-test.h"

#define USEC_PER_SEC G_GUINT64_CONSTANT(1000000)

static guint64
span(const char *s)
{
        guint64 v = 12345;

        ck_assert_msg(steward_parse_time_span(s, &v), "'%s' should parse", s);
        return v;
}

START_TEST(test_time_span)
{
        guint64 v;

        ck_assert_uint_eq(span("250ms"), 250000);
        ck_assert_uint_eq(span("5s"), 5 * USEC_PER_SEC);
        ck_assert_uint_eq(span("5"), 5 * USEC_PER_SEC);
        ck_assert_uint_eq(span("0"), 0);
        ck_assert_uint_eq(span("1min 30s"), 90 * USEC_PER_SEC);
        ck_assert_uint_eq(span("1min30s"), 90 * USEC_PER_SEC);
        ck_assert_uint_eq(span("  2 h "), 7200 * USEC_PER_SEC);
        ck_assert_uint_eq(span("1.5s"), 1500000);
        ck_assert_uint_eq(span(".5s"), 500000);
        ck_assert_uint_eq(span("1d"), 86400 * USEC_PER_SEC);
        ck_assert_uint_eq(span("1w"), 7 * 86400 * USEC_PER_SEC);
        ck_assert_uint_eq(span("2m"), 120 * USEC_PER_SEC);
        ck_assert_uint_eq(span("1M"), 2629800 * USEC_PER_SEC);
        ck_assert_uint_eq(span("1y"), 31557600 * USEC_PER_SEC);
        ck_assert_uint_eq(span("10us"), 10);
        ck_assert_uint_eq(span("10\xc2\xb5s"), 10);
        ck_assert_uint_eq(span("3 seconds 2 msec"), 3002000);
        ck_assert_uint_eq(span("1hr 1minute 1sec"), 3661 * USEC_PER_SEC);
        ck_assert_uint_eq(span("infinity"), STEWARD_USEC_INFINITY);

        ck_assert(!steward_parse_time_span("", &v));
        ck_assert(!steward_parse_time_span("   ", &v));
        ck_assert(!steward_parse_time_span("5x", &v));
        ck_assert(!steward_parse_time_span("-5s", &v));
        ck_assert(!steward_parse_time_span("+5s", &v));
        ck_assert(!steward_parse_time_span(".", &v));
        ck_assert(!steward_parse_time_span("s", &v));
        ck_assert(!steward_parse_time_span("5 s s", &v));
        ck_assert(!steward_parse_time_span("1S", &v));
        ck_assert(!steward_parse_time_span("infinity 5s", &v));
        ck_assert(!steward_parse_time_span("Infinity", &v));
        ck_assert(!steward_parse_time_span("99999999999999999999", &v));
        ck_assert(!steward_parse_time_span("99999999999999y", &v));
        ck_assert(!steward_parse_time_span("18446744073709551615us", &v));
        ck_assert(!steward_parse_time_span(NULL, &v));
}
END_TEST

START_TEST(test_size)
{
        guint64 v;

        ck_assert(steward_parse_size("512M", &v));
        ck_assert_uint_eq(v, 512ull << 20);
        ck_assert(steward_parse_size("2G", &v));
        ck_assert_uint_eq(v, 2ull << 30);
        ck_assert(steward_parse_size("1.5K", &v));
        ck_assert_uint_eq(v, 1536);
        ck_assert(steward_parse_size("4096", &v));
        ck_assert_uint_eq(v, 4096);
        ck_assert(steward_parse_size("10B", &v));
        ck_assert_uint_eq(v, 10);
        ck_assert(steward_parse_size("1T", &v));
        ck_assert_uint_eq(v, 1ull << 40);
        ck_assert(steward_parse_size("1G 512M", &v));
        ck_assert_uint_eq(v, (1ull << 30) + (512ull << 20));
        ck_assert(steward_parse_size("infinity", &v));
        ck_assert_uint_eq(v, STEWARD_SIZE_INFINITY);

        ck_assert(!steward_parse_size("512m", &v));
        ck_assert(!steward_parse_size("12Q", &v));
        ck_assert(!steward_parse_size("50%", &v));
        ck_assert(!steward_parse_size("-1", &v));
        ck_assert(!steward_parse_size("", &v));
        ck_assert(!steward_parse_size("16E", &v));
        ck_assert(!steward_parse_size("MB", &v));
}
END_TEST

START_TEST(test_uint_and_double)
{
        guint64 u;
        double d;

        ck_assert(steward_parse_uint("0", 10, &u));
        ck_assert_uint_eq(u, 0);
        ck_assert(steward_parse_uint("10", 10, &u));
        ck_assert(!steward_parse_uint("11", 10, &u));
        ck_assert(!steward_parse_uint("-1", 10, &u));
        ck_assert(!steward_parse_uint("+1", 10, &u));
        ck_assert(!steward_parse_uint(" 1", 10, &u));
        ck_assert(!steward_parse_uint("1 ", 10, &u));
        ck_assert(!steward_parse_uint("0x1", 10, &u));
        ck_assert(!steward_parse_uint("", 10, &u));

        ck_assert(steward_parse_double("0.2", &d));
        ck_assert_double_eq_tol(d, 0.2, 1e-9);
        ck_assert(steward_parse_double("1", &d));
        ck_assert(steward_parse_double(".5", &d));
        ck_assert(steward_parse_double("1.", &d));
        ck_assert(!steward_parse_double("nan", &d));
        ck_assert(!steward_parse_double("inf", &d));
        ck_assert(!steward_parse_double("1e3", &d));
        ck_assert(!steward_parse_double("-0.1", &d));
        ck_assert(!steward_parse_double(".", &d));
        ck_assert(!steward_parse_double("", &d));
}
END_TEST

START_TEST(test_signal)
{
        int s;

        ck_assert(steward_parse_signal("SIGTERM", &s));
        ck_assert_int_eq(s, SIGTERM);
        ck_assert(steward_parse_signal("TERM", &s));
        ck_assert_int_eq(s, SIGTERM);
        ck_assert(steward_parse_signal("15", &s));
        ck_assert_int_eq(s, 15);
        ck_assert(steward_parse_signal("SIGKILL", &s));
        ck_assert_int_eq(s, SIGKILL);
        ck_assert(steward_parse_signal("HUP", &s));
        ck_assert_int_eq(s, SIGHUP);
        ck_assert(steward_parse_signal("SIGRTMIN+2", &s));
        ck_assert_int_eq(s, SIGRTMIN + 2);
        ck_assert(steward_parse_signal("RTMAX-1", &s));
        ck_assert_int_eq(s, SIGRTMAX - 1);
        ck_assert(steward_parse_signal("RTMIN", &s));
        ck_assert_int_eq(s, SIGRTMIN);

        ck_assert(!steward_parse_signal("0", &s));
        ck_assert(!steward_parse_signal("65", &s));
        ck_assert(!steward_parse_signal("sigterm", &s));
        ck_assert(!steward_parse_signal("SIGFOO", &s));
        ck_assert(!steward_parse_signal("SIG", &s));
        ck_assert(!steward_parse_signal("RTMIN-1", &s));
        ck_assert(!steward_parse_signal("RTMIN+999", &s));
        ck_assert(!steward_parse_signal("", &s));
        ck_assert(!steward_parse_signal(NULL, &s));

        ck_assert_str_eq(steward_signal_to_string(SIGTERM), "SIGTERM");
        ck_assert_str_eq(steward_signal_to_string(SIGABRT), "SIGABRT");
        ck_assert_ptr_null(steward_signal_to_string(0));
        ck_assert_ptr_null(steward_signal_to_string(1000));
}
END_TEST

START_TEST(test_boolean)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on", "YES", "On" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off", "False", "OFF" };
        gboolean b;

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                b = FALSE;
                ck_assert(steward_parse_boolean(yes[i], &b));
                ck_assert(b);
                b = TRUE;
                ck_assert(steward_parse_boolean(no[i], &b));
                ck_assert(!b);
        }
        ck_assert(!steward_parse_boolean("2", &b));
        ck_assert(!steward_parse_boolean("", &b));
        ck_assert(!steward_parse_boolean("yess", &b));
        ck_assert(!steward_parse_boolean(NULL, &b));
}
END_TEST

START_TEST(test_exit_status_list)
{
        g_autoptr(GArray) a = NULL;
        g_autofree char *bad = NULL;

        ck_assert(steward_parse_exit_status_list("0 75  3\t75", &a, NULL));
        ck_assert_uint_eq(a->len, 3);
        ck_assert_int_eq(g_array_index(a, int, 0), 0);
        ck_assert_int_eq(g_array_index(a, int, 1), 75);
        ck_assert_int_eq(g_array_index(a, int, 2), 3);
        g_clear_pointer(&a, g_array_unref);

        ck_assert(steward_parse_exit_status_list("", &a, NULL));
        ck_assert_uint_eq(a->len, 0);
        g_clear_pointer(&a, g_array_unref);

        ck_assert(!steward_parse_exit_status_list("0 256", &a, &bad));
        ck_assert_str_eq(bad, "256");
        g_clear_pointer(&bad, g_free);
        ck_assert(!steward_parse_exit_status_list("1 SIGTERM", &a, &bad));
        ck_assert_str_eq(bad, "SIGTERM");
        ck_assert(!steward_parse_exit_status_list("-1", &a, NULL));
        ck_assert_ptr_null(a);
}
END_TEST

static void
assert_words(const char *s, const char *const *expected)
{
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) words = steward_split_words(s, &error);

        ck_assert_msg(words, "'%s': %s", s, error ? error->message : "");
        ck_assert_uint_eq(g_strv_length(words), g_strv_length((char **) expected));
        for (guint i = 0; expected[i]; i++)
                ck_assert_str_eq(words[i], expected[i]);
}

static void
assert_split_error(const char *s, const char *message)
{
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) words = steward_split_words(s, &error);

        ck_assert_ptr_null(words);
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG));
        ck_assert_str_eq(error->message, message);
}

START_TEST(test_split_words)
{
        assert_words("/usr/bin/api --port 8080",
                     (const char *const[]){ "/usr/bin/api", "--port", "8080", NULL });
        assert_words("  a\t b  ", (const char *const[]){ "a", "b", NULL });
        assert_words("", (const char *const[]){ NULL });
        assert_words("/bin/sh -c 'echo \"hi there\"; exit 3'",
                     (const char *const[]){ "/bin/sh", "-c", "echo \"hi there\"; exit 3", NULL });
        assert_words("\"a b\" 'c d'", (const char *const[]){ "a b", "c d", NULL });
        assert_words("pre\"mid dle\"post", (const char *const[]){ "premid dlepost", NULL });
        assert_words("\"\" x", (const char *const[]){ "", "x", NULL });
        assert_words("a\\sb \\\"q\\\" \\\\", (const char *const[]){ "a b", "\"q\"", "\\", NULL });
        assert_words("\"tab\\there\" nl\\n", (const char *const[]){ "tab\there", "nl\n", NULL });
        assert_words("\\x41\\102\\u00e9\\U0001F600",
                     (const char *const[]){ "AB\xc3\xa9\xf0\x9f\x98\x80", NULL });
        assert_words("a \\; b", (const char *const[]){ "a", ";", "b", NULL });
        assert_words("$HOME %n *", (const char *const[]){ "$HOME", "%n", "*", NULL });

        assert_split_error("'open", "the quote ' is not closed");
        assert_split_error("\"open", "the quote \" is not closed");
        assert_split_error("trailing\\", "a backslash ends the line");
        assert_split_error("\\q", "unknown escape sequence '\\q'");
        assert_split_error("\\x4", "\\x needs two hexadecimal digits");
        assert_split_error("\\x00", "a NUL byte cannot be part of an argument");
        assert_split_error("\\000", "a NUL byte cannot be part of an argument");
        assert_split_error("\\18", "an octal escape needs three digits");
        assert_split_error("\\u12", "\\u needs 4 hexadecimal digits");
        assert_split_error("\\UFFFFFFFF", "\\U escape is not a valid character");
        assert_split_error("\\ud800", "\\u escape is not a valid character");
        assert_split_error("/bin/\\x82", "the escape sequences make invalid UTF-8");
        assert_split_error("\\303", "the escape sequences make invalid UTF-8");
        assert_words("\\303\\251", (const char *const[]){ "\xc3\xa9", NULL });
}
END_TEST

START_TEST(test_command_line)
{
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) argv = NULL;

        argv = steward_parse_command_line("/bin/sh -c 'sleep 1'", &error);
        ck_assert_ptr_nonnull(argv);
        ck_assert_uint_eq(g_strv_length(argv), 3);
        ck_assert_str_eq(argv[2], "sleep 1");
        g_clear_pointer(&argv, g_strfreev);

        argv = steward_parse_command_line("   ", &error);
        ck_assert_ptr_null(argv);
        ck_assert_str_eq(error->message, "no command given");
}
END_TEST

START_TEST(test_environment)
{
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) env = NULL;

        env = steward_parse_environment("LOG=info \"GREETING=hello world\" EMPTY= LOG=debug A_1='x=y'",
                                        &error);
        ck_assert_ptr_nonnull(env);
        ck_assert_uint_eq(g_strv_length(env), 4);
        ck_assert_str_eq(env[0], "GREETING=hello world");
        ck_assert_str_eq(env[1], "EMPTY=");
        ck_assert_str_eq(env[2], "LOG=debug");
        ck_assert_str_eq(env[3], "A_1=x=y");
        g_clear_pointer(&env, g_strfreev);

        env = steward_parse_environment("", &error);
        ck_assert_ptr_nonnull(env);
        ck_assert_ptr_null(env[0]);
        g_clear_pointer(&env, g_strfreev);

        env = steward_parse_environment("OK=1 NOEQUALS", &error);
        ck_assert_ptr_null(env);
        ck_assert_str_eq(error->message, "'NOEQUALS' is not an assignment NAME=VALUE");
        g_clear_error(&error);
        env = steward_parse_environment("\"A=unterminated", &error);
        ck_assert_ptr_null(env);
        ck_assert_str_eq(error->message, "the quote \" is not closed");

        ck_assert(steward_environment_assignment_is_valid("_X=1"));
        ck_assert(!steward_environment_assignment_is_valid("=1"));
        ck_assert(!steward_environment_assignment_is_valid("1A=1"));
        ck_assert(!steward_environment_assignment_is_valid("A-B=1"));
        ck_assert(!steward_environment_assignment_is_valid("A"));
        ck_assert(!steward_environment_assignment_is_valid(NULL));
}
END_TEST

START_TEST(test_permyriad)
{
        guint64 v = 0;

        ck_assert(steward_parse_permyriad("50%", 10000, &v));
        ck_assert_uint_eq(v, 5000);
        ck_assert(steward_parse_permyriad("0%", 10000, &v));
        ck_assert_uint_eq(v, 0);
        ck_assert(steward_parse_permyriad("100%", 10000, &v));
        ck_assert_uint_eq(v, 10000);
        ck_assert(steward_parse_permyriad("12.5%", 10000, &v));
        ck_assert_uint_eq(v, 1250);
        ck_assert(steward_parse_permyriad("12.34%", 10000, &v));
        ck_assert_uint_eq(v, 1234);
        ck_assert(steward_parse_permyriad("125\xe2\x80\xb0", 10000, &v)); /* per mille */
        ck_assert_uint_eq(v, 1250);
        ck_assert(steward_parse_permyriad("12.5\xe2\x80\xb0", 10000, &v));
        ck_assert_uint_eq(v, 125);
        ck_assert(steward_parse_permyriad("7\xe2\x80\xb1", 10000, &v)); /* per ten thousand */
        ck_assert_uint_eq(v, 7);
        ck_assert(steward_parse_permyriad("250%", G_MAXUINT32, &v));
        ck_assert_uint_eq(v, 25000);

        ck_assert(!steward_parse_permyriad("101%", 10000, &v));
        ck_assert(!steward_parse_permyriad("250%", 10000, &v));
        ck_assert(!steward_parse_permyriad("50", 10000, &v));
        ck_assert(!steward_parse_permyriad("%", 10000, &v));
        ck_assert(!steward_parse_permyriad("-5%", 10000, &v));
        ck_assert(!steward_parse_permyriad(" 5%", 10000, &v));
        ck_assert(!steward_parse_permyriad("5 %", 10000, &v));
        ck_assert(!steward_parse_permyriad("1.234%", 10000, &v));
        ck_assert(!steward_parse_permyriad("5.%", 10000, &v));
        ck_assert(!steward_parse_permyriad(".5%", 10000, &v));
        ck_assert(!steward_parse_permyriad("1.5\xe2\x80\xb1", 10000, &v));
        ck_assert(!steward_parse_permyriad("99999999999%", G_MAXUINT32, &v));
        ck_assert(!steward_parse_permyriad(NULL, 10000, &v));
}
END_TEST

START_TEST(test_weights)
{
        guint64 v = 0;

        ck_assert(steward_parse_cpu_weight("idle", &v));
        ck_assert_uint_eq(v, STEWARD_CPU_WEIGHT_IDLE);
        ck_assert(steward_parse_cpu_weight("1", &v));
        ck_assert_uint_eq(v, 1);
        ck_assert(steward_parse_cpu_weight("10000", &v));
        ck_assert_uint_eq(v, 10000);
        ck_assert(!steward_parse_cpu_weight("0", &v));
        ck_assert(!steward_parse_cpu_weight("10001", &v));
        ck_assert(!steward_parse_cpu_weight("Idle", &v));
        ck_assert(!steward_parse_cpu_weight("+5", &v));
        ck_assert(steward_parse_weight("100", &v));
        ck_assert_uint_eq(v, 100);
        ck_assert(!steward_parse_weight("idle", &v));
        ck_assert(!steward_parse_weight("0", &v));
        ck_assert(!steward_parse_weight("", &v));
}
END_TEST

static char *
cpu_set_hex(const char *s)
{
        g_autoptr(GBytes) set = NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        const guint8 *data;
        gsize n;

        if (!steward_parse_cpu_set(s, &set))
                return g_strdup("invalid");
        data = g_bytes_get_data(set, &n);
        for (gsize i = 0; i < n; i++)
                g_string_append_printf(out, "%02x", data[i]);
        return g_string_free(g_steal_pointer(&out), FALSE);
}

START_TEST(test_cpu_set)
{
        static const struct {
                const char *in, *hex;
        } cases[] = {
                { "0", "01" },       { "0-3", "0f" },     { "0-3,5", "2f" },     { "0-3, 5 7", "af" },
                { "8", "0001" },     { "1,1,1-2", "06" }, { "4-11", "f00f" },    { "8191", NULL },
                { "", "invalid" },   { ",", "invalid" },  { "3-1", "invalid" },  { "a", "invalid" },
                { "-1", "invalid" }, { "1-", "invalid" }, { "8192", "invalid" }, { "0-3-5", "invalid" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *hex = cpu_set_hex(cases[i].in);

                if (cases[i].hex)
                        ck_assert_msg(g_str_equal(hex, cases[i].hex), "'%s': %s, expected %s", cases[i].in,
                                      hex, cases[i].hex);
                else
                        /* The highest CPU sets the length: 1024 bytes. */
                        ck_assert_uint_eq(strlen(hex), 2048);
        }
}
END_TEST

/* /proc/PID/stat as proc(5) lays it out: a COMM with spaces and
 * parentheses, fields after it counted from its closing one. */
START_TEST(test_proc_stat)
{
        static const char stat[] =
                "4242 (a (b) c) S 1 4240 4240 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 12345678 321 "
                "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        static const char mine[] = "1 (init) S 0 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 7 1 2\n";
        StewardProcStat st;
        GArray *procs;
        gboolean found = FALSE;
        g_autoptr(GHashTable) ours = g_hash_table_new(g_direct_hash, g_direct_equal);

        ck_assert(steward_proc_stat_parse(stat, strlen(stat), &st));
        ck_assert_uint_eq(st.pid, 4242);
        ck_assert_str_eq(st.comm, "a (b) c");
        ck_assert_uint_eq(st.pgid, 4240);
        ck_assert_uint_eq(st.start_ticks, 987654);
        ck_assert_uint_eq(st.rss_pages, 321);
        ck_assert(steward_proc_stat_parse(mine, strlen(mine), &st));
        ck_assert_uint_eq(st.pgid, 1);
        ck_assert_uint_eq(st.rss_pages, 2);
        /* Cut short, or not a stat at all. */
        ck_assert(!steward_proc_stat_parse(stat, 40, &st));
        ck_assert(!steward_proc_stat_parse("4242 a b c", 10, &st));
        ck_assert(!steward_proc_stat_parse("x (a) S 1 2", 11, &st));
        /* This process, read and found in a pass over /proc. */
        ck_assert(steward_proc_stat_read((guint32) getpid(), &st));
        ck_assert_uint_eq(st.pid, (guint32) getpid());
        ck_assert_uint_eq(st.pgid, (guint32) getpgrp());
        ck_assert(!steward_proc_stat_read(0, &st));
        procs = steward_proc_scan(NULL);
        for (guint i = 0; i < procs->len; i++)
                found |= g_array_index(procs, StewardProcStat, i).pid == (guint32) getpid();
        ck_assert(found);
        ck_assert_uint_gt(procs->len, 1);
        g_array_unref(procs);
        /* Of our process group alone: this process, and nothing of another group. */
        g_hash_table_add(ours, GUINT_TO_POINTER((guint) getpgrp()));
        procs = steward_proc_scan(ours);
        found = FALSE;
        for (guint i = 0; i < procs->len; i++) {
                ck_assert_uint_eq(g_array_index(procs, StewardProcStat, i).pgid, (guint32) getpgrp());
                found |= g_array_index(procs, StewardProcStat, i).pid == (guint32) getpid();
        }
        ck_assert(found);
        g_array_unref(procs);
        g_hash_table_remove_all(ours);
        g_hash_table_add(ours, GUINT_TO_POINTER(G_MAXINT32));
        procs = steward_proc_scan(ours);
        ck_assert_uint_eq(procs->len, 0);
        g_array_unref(procs);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("parse");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_time_span);
        tcase_add_test(tc, test_permyriad);
        tcase_add_test(tc, test_weights);
        tcase_add_test(tc, test_cpu_set);
        tcase_add_test(tc, test_size);
        tcase_add_test(tc, test_uint_and_double);
        tcase_add_test(tc, test_signal);
        tcase_add_test(tc, test_boolean);
        tcase_add_test(tc, test_exit_status_list);
        tcase_add_test(tc, test_split_words);
        tcase_add_test(tc, test_command_line);
        tcase_add_test(tc, test_environment);
        tcase_add_test(tc, test_proc_stat);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)
