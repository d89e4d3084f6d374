/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-memory.h: stewardd's heap: the allocator's settings, and freed memory given back after a burst. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A burst is over once no input came for this long. */
#define STEWARD_MEMORY_QUIET_USEC (1 * G_USEC_PER_SEC)

/* Inputs since the last trim that make a burst worth a trim: fewer leave
 * too little freed behind to pay for the wake-up. */
#define STEWARD_MEMORY_BURST_INPUTS 64

/* For the executable's .preinit_array, before any library's constructor
 * (GObject's sets GSlice up): on GLib before 2.76, GSlice hands every
 * block to malloc, as with G_SLICE=always-malloc. */
void steward_memory_preinit(int argc, char **argv, char **envp);

/* First thing in main(), before any thread: malloc's settings. */
void steward_memory_configure(void);

typedef struct _StewardMemory StewardMemory;

/* Gives memory back; @user_data as given to steward_memory_new(). */
typedef void (*StewardMemoryTrimFunc)(gpointer user_data);

/**
 * steward_memory_new:
 * @quiet_usec: how long without input ends a burst
 * @burst_inputs: how many inputs make a burst
 * @trim: (nullable): what gives memory back, malloc_trim() when NULL
 *
 * Trims once a burst of at least @burst_inputs inputs has been followed
 * by @quiet_usec without any: no wake-up while stewardd is idle, at most
 * one per burst.
 */
StewardMemory *steward_memory_new(guint64 quiet_usec, guint burst_inputs, StewardMemoryTrimFunc trim,
                                  gpointer user_data);
void steward_memory_free(StewardMemory *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardMemory, steward_memory_free)

/* One input was handled (the manager settled). */
void steward_memory_input(StewardMemory *m);
/* Whether a trim waits for the quiet. */
gboolean steward_memory_is_pending(StewardMemory *m);

G_END_DECLS
