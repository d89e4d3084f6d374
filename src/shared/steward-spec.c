/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-spec.c: constructors, role defaults and enum names of the supervision tree spec. */
#include "config.h"

#include <signal.h>

#include "steward-spec.h"

typedef struct {
        const char *name;
        int value;
} NameValue;

static const NameValue strategy_names[] = {
        { "one-for-one", STEWARD_STRATEGY_ONE_FOR_ONE },
        { "one-for-all", STEWARD_STRATEGY_ONE_FOR_ALL },
        { "rest-for-one", STEWARD_STRATEGY_REST_FOR_ONE },
};

static const NameValue escalation_names[] = {
        { "parent", STEWARD_ESCALATION_PARENT },
        { "shutdown", STEWARD_ESCALATION_SHUTDOWN },
        { "quarantine", STEWARD_ESCALATION_QUARANTINE },
};

static const NameValue role_names[] = {
        { "service", STEWARD_ROLE_SERVICE },
        { "worker", STEWARD_ROLE_WORKER },
        { "job", STEWARD_ROLE_JOB },
        { "sidecar", STEWARD_ROLE_SIDECAR },
};

static const NameValue restart_names[] = {
        { "permanent", STEWARD_RESTART_PERMANENT },
        { "transient", STEWARD_RESTART_TRANSIENT },
        { "temporary", STEWARD_RESTART_TEMPORARY },
};

static const NameValue child_type_names[] = {
        { "simple", STEWARD_CHILD_SIMPLE },
        { "notify", STEWARD_CHILD_NOTIFY },
};

static const NameValue health_action_names[] = {
        { "none", STEWARD_HEALTH_ACTION_NONE },
        { "restart", STEWARD_HEALTH_ACTION_RESTART },
};

static const char *
name_of(const NameValue *table, size_t n, int value)
{
        for (size_t i = 0; i < n; i++)
                if (table[i].value == value)
                        return table[i].name;
        return NULL;
}

static gboolean
value_of(const NameValue *table, size_t n, const char *s, int *ret)
{
        if (!s)
                return FALSE;
        for (size_t i = 0; i < n; i++)
                if (g_str_equal(table[i].name, s)) {
                        *ret = table[i].value;
                        return TRUE;
                }
        return FALSE;
}

#define DEFINE_ENUM_STRINGS(type, prefix, table)                     \
        const char *prefix##_to_string(type v)                       \
        {                                                            \
                return name_of(table, G_N_ELEMENTS(table), (int) v); \
        }                                                            \
        gboolean prefix##_from_string(const char *s, type *ret)      \
        {                                                            \
                int v;                                               \
                if (!value_of(table, G_N_ELEMENTS(table), s, &v))    \
                        return FALSE;                                \
                *ret = (type) v;                                     \
                return TRUE;                                         \
        }

DEFINE_ENUM_STRINGS(StewardStrategy, steward_strategy, strategy_names)
DEFINE_ENUM_STRINGS(StewardEscalation, steward_escalation, escalation_names)
DEFINE_ENUM_STRINGS(StewardRole, steward_role, role_names)
DEFINE_ENUM_STRINGS(StewardRestart, steward_restart, restart_names)
DEFINE_ENUM_STRINGS(StewardChildType, steward_child_type, child_type_names)
DEFINE_ENUM_STRINGS(StewardHealthAction, steward_health_action, health_action_names)

gboolean
steward_name_is_valid(const char *name)
{
        size_t n;

        if (!name)
                return FALSE;
        n = strlen(name);
        if (n < 1 || n > STEWARD_NAME_MAX)
                return FALSE;
        for (const char *p = name; *p; p++)
                if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
                        return FALSE;
        return TRUE;
}

void
steward_resources_init(StewardResources *r)
{
        *r = (StewardResources){
                .memory_max = { STEWARD_LIMIT_UNSET, FALSE },
                .memory_high = { STEWARD_LIMIT_UNSET, FALSE },
                .tasks_max = { STEWARD_LIMIT_UNSET, FALSE },
                .cpu_weight = STEWARD_LIMIT_UNSET,
                .cpu_quota = STEWARD_LIMIT_UNSET,
                .io_weight = STEWARD_LIMIT_UNSET,
        };
}

void
steward_resources_clear(StewardResources *r)
{
        g_clear_pointer(&r->allowed_cpus, g_bytes_unref);
        steward_resources_init(r);
}

void
steward_resources_copy(StewardResources *dst, const StewardResources *src)
{
        if (dst == src)
                return;
        steward_resources_clear(dst);
        *dst = *src;
        if (dst->allowed_cpus)
                g_bytes_ref(dst->allowed_cpus);
}

static gboolean
limit_equal(const StewardLimit *a, const StewardLimit *b)
{
        return a->value == b->value && a->relative == b->relative;
}

gboolean
steward_resources_equal(const StewardResources *a, const StewardResources *b)
{
        return limit_equal(&a->memory_max, &b->memory_max) &&
               limit_equal(&a->memory_high, &b->memory_high) && limit_equal(&a->tasks_max, &b->tasks_max) &&
               a->cpu_weight == b->cpu_weight && a->cpu_quota == b->cpu_quota &&
               a->io_weight == b->io_weight &&
               (a->allowed_cpus && b->allowed_cpus ? g_bytes_equal(a->allowed_cpus, b->allowed_cpus)
                                                   : a->allowed_cpus == b->allowed_cpus);
}

gboolean
steward_resources_is_set(const StewardResources *r)
{
        StewardResources unset;

        steward_resources_init(&unset);
        return !steward_resources_equal(r, &unset);
}

StewardSupervisorSpec *
steward_supervisor_spec_new(const char *name)
{
        StewardSupervisorSpec *s = g_new0(StewardSupervisorSpec, 1);

        s->name = g_strdup(name);
        s->strategy = STEWARD_STRATEGY_ONE_FOR_ONE;
        /* OTP's defaults are 1 restart in 5 s; the example in steward.conf(5) shows 5 in 10 s,
         * which suits OS processes that take longer to come up. */
        s->restart_intensity = 5;
        s->restart_period_usec = 10 * G_USEC_PER_SEC;
        s->escalation = STEWARD_ESCALATION_PARENT;
        steward_resources_init(&s->resources);
        return s;
}

void
steward_supervisor_spec_free(StewardSupervisorSpec *s)
{
        if (!s)
                return;
        g_free(s->name);
        g_free(s->parent);
        g_free(s->origin.file);
        steward_resources_clear(&s->resources);
        g_free(s);
}

void
steward_child_spec_apply_role(StewardChildSpec *c, StewardRole role)
{
        c->role = role;
        c->restart_period_usec = 60 * G_USEC_PER_SEC;
        switch (role) {
        case STEWARD_ROLE_SERVICE:
        case STEWARD_ROLE_SIDECAR:
                c->restart = STEWARD_RESTART_PERMANENT;
                c->restart_intensity = 10;
                break;
        case STEWARD_ROLE_WORKER:
                c->restart = STEWARD_RESTART_TRANSIENT;
                c->restart_intensity = 3;
                break;
        case STEWARD_ROLE_JOB:
                c->restart = STEWARD_RESTART_TRANSIENT;
                c->restart_intensity = 1;
                break;
        }
}

StewardChildSpec *
steward_child_spec_new(const char *name)
{
        StewardChildSpec *c = g_new0(StewardChildSpec, 1);

        c->name = g_strdup(name);
        c->supervisor = g_strdup(STEWARD_ROOT_SUPERVISOR);
        c->type = STEWARD_CHILD_SIMPLE;
        /* systemd's defaults where systemd has the same key. */
        c->restart_usec = 100 * 1000;
        c->restart_max_delay_usec = 30 * G_USEC_PER_SEC;
        c->restart_jitter = 0.0;
        c->restart_stable_usec = 10 * G_USEC_PER_SEC;
        c->timeout_start_usec = 90 * G_USEC_PER_SEC;
        c->timeout_stop_usec = 90 * G_USEC_PER_SEC;
        c->kill_signal = SIGTERM;
        c->watchdog_signal = SIGABRT;
        c->reload_signal = SIGHUP; /* systemd's ReloadSignal= default */
        c->success_exit_status = g_array_new(FALSE, FALSE, sizeof(int));
        /* Docker's HEALTHCHECK defaults. */
        c->health_interval_usec = 30 * G_USEC_PER_SEC;
        c->health_timeout_usec = 30 * G_USEC_PER_SEC;
        c->health_retries = 3;
        steward_resources_init(&c->resources);
        steward_child_spec_apply_role(c, STEWARD_ROLE_SERVICE);
        return c;
}

void
steward_child_spec_free(StewardChildSpec *c)
{
        if (!c)
                return;
        g_free(c->name);
        g_free(c->supervisor);
        g_strfreev(c->argv);
        g_strfreev(c->environment);
        g_strfreev(c->health_argv);
        g_free(c->working_directory);
        g_free(c->user);
        g_free(c->group);
        g_free(c->syslog_identifier);
        g_free(c->sidecar_of);
        if (c->success_exit_status)
                g_array_unref(c->success_exit_status);
        steward_resources_clear(&c->resources);
        g_free(c->origin.file);
        g_free(c);
}

StewardSpec *
steward_spec_new(void)
{
        StewardSpec *s = g_new0(StewardSpec, 1);

        s->slice = g_strdup(STEWARD_SLICE_DEFAULT);
        s->allowed_group = g_strdup("steward");
        s->shutdown_timeout_usec = 90 * G_USEC_PER_SEC;
        s->supervisors = g_ptr_array_new_with_free_func((GDestroyNotify) steward_supervisor_spec_free);
        s->children = g_ptr_array_new_with_free_func((GDestroyNotify) steward_child_spec_free);
        g_ptr_array_add(s->supervisors, steward_supervisor_spec_new(STEWARD_ROOT_SUPERVISOR));
        s->files = g_new0(char *, 1);
        return s;
}

void
steward_spec_free(StewardSpec *s)
{
        if (!s)
                return;
        g_free(s->slice);
        g_free(s->allowed_group);
        g_clear_pointer(&s->supervisors, g_ptr_array_unref);
        g_clear_pointer(&s->children, g_ptr_array_unref);
        g_strfreev(s->files);
        g_free(s);
}

StewardSupervisorSpec *
steward_spec_find_supervisor(const StewardSpec *s, const char *name)
{
        for (guint i = 0; i < s->supervisors->len; i++) {
                StewardSupervisorSpec *sup = g_ptr_array_index(s->supervisors, i);
                if (g_str_equal(sup->name, name))
                        return sup;
        }
        return NULL;
}

StewardChildSpec *
steward_spec_find_child(const StewardSpec *s, const char *name)
{
        for (guint i = 0; i < s->children->len; i++) {
                StewardChildSpec *c = g_ptr_array_index(s->children, i);
                if (g_str_equal(c->name, name))
                        return c;
        }
        return NULL;
}
