/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-memory.c: stewardd's heap: the allocator's settings, and freed memory given back after a burst.
 *
 * What stewardd keeps per child is small; what it goes through is not. A
 * bring-up or a restart of many children brings thousands of D-Bus
 * messages from the service manager (every scope's PropertiesChanged) and
 * sends thousands of signals, each made and freed between allocations of
 * the children's own state. Left alone, that peak stays resident: on GLib
 * before 2.76 in GSlice's slabs and magazines, and in glibc's heaps as free
 * chunks between live ones. So: GSlice hands every block to malloc, and
 * once a burst is over malloc_trim() gives the free pages back. */
#include "config.h"

#include <malloc.h>

#include "steward-memory.h"

/* Blocks from this size on are mapped on their own and unmapped when
 * freed (glibc's default, fixed: left to itself glibc raises it to the
 * largest block freed so far, such as a ListChildren reply of a large
 * tree, and keeps such blocks in the heap from then on). The same for
 * the free space at the heap's top that free() gives back at once. */
#define MMAP_THRESHOLD (128 * 1024)
#define TRIM_THRESHOLD (128 * 1024)

void
steward_memory_preinit(int argc, char **argv, char **envp)
{
#if !GLIB_CHECK_VERSION(2, 76, 0)
        /* GSlice takes this as its default and reads G_SLICE over it when
         * it sets itself up, at its first block, in GObject's constructor:
         * hence before the constructors, and not as an environment
         * variable, which libc's own start-up would reset and which the
         * children would inherit. G_SLICE can still add its debugging
         * options. The call is deprecated as debugging API, and the only
         * way in. */
        G_GNUC_BEGIN_IGNORE_DEPRECATIONS
        g_slice_set_config(G_SLICE_CONFIG_ALWAYS_MALLOC, TRUE);
        G_GNUC_END_IGNORE_DEPRECATIONS
#endif
}

void
steward_memory_configure(void)
{
        /* Only the thresholds: every message, the manager's and ours, is
         * made and freed in the main thread (sd-bus), and the arenas are
         * glibc's own. */
        (void) mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        (void) mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
}

struct _StewardMemory {
        GSource *source; /* ready once the quiet after a burst has lasted; -1: no burst */
        guint64 quiet_usec;
        guint burst_inputs;
        guint inputs; /* since the last trim */
        gint64 last_input; /* monotonic */
        StewardMemoryTrimFunc trim;
        gpointer trim_data;
};

typedef struct {
        GSource source;
        StewardMemory *memory;
} MemorySource;

static void
trim_heap(gpointer user_data)
{
        (void) malloc_trim(0);
}

static gboolean
memory_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
        StewardMemory *m = ((MemorySource *) source)->memory;
        gint64 quiet_end = m->last_input + (gint64) m->quiet_usec;

        /* The burst went on: wait for its end (one wake-up per quiet
         * period at most, rather than moving the time at every input). */
        if (g_get_monotonic_time() < quiet_end) {
                g_source_set_ready_time(source, quiet_end);
                return G_SOURCE_CONTINUE;
        }
        g_source_set_ready_time(source, -1);
        m->inputs = 0;
        m->trim(m->trim_data);
        return G_SOURCE_CONTINUE;
}

static GSourceFuncs memory_source_funcs = {
        .dispatch = memory_dispatch,
};

StewardMemory *
steward_memory_new(guint64 quiet_usec, guint burst_inputs, StewardMemoryTrimFunc trim, gpointer user_data)
{
        StewardMemory *m = g_new0(StewardMemory, 1);

        m->quiet_usec = quiet_usec;
        m->burst_inputs = MAX(burst_inputs, 1);
        m->trim = trim ? trim : trim_heap;
        m->trim_data = user_data;
        m->source = g_source_new(&memory_source_funcs, sizeof(MemorySource));
        ((MemorySource *) m->source)->memory = m;
        /* After everything else: a trim never delays an input. */
        g_source_set_priority(m->source, G_PRIORITY_LOW);
        g_source_set_static_name(m->source, "steward-memory-trim");
        g_source_set_ready_time(m->source, -1);
        g_source_attach(m->source, NULL);
        return m;
}

void
steward_memory_free(StewardMemory *m)
{
        if (!m)
                return;
        g_source_destroy(m->source);
        g_source_unref(m->source);
        g_free(m);
}

void
steward_memory_input(StewardMemory *m)
{
        m->last_input = g_get_monotonic_time();
        if (m->inputs < G_MAXUINT)
                m->inputs++;
        if (m->inputs >= m->burst_inputs && g_source_get_ready_time(m->source) < 0)
                g_source_set_ready_time(m->source, m->last_input + (gint64) m->quiet_usec);
}

gboolean
steward_memory_is_pending(StewardMemory *m)
{
        return g_source_get_ready_time(m->source) >= 0;
}
