/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-private.h: the loader's internal types and the functions its rooms share; not installed. */
#pragma once

#include <glib.h>

#include "steward-config.h"

/* The merged value of one key: the last file that set it wins. */
typedef struct {
        char *value; /* stripped of surrounding whitespace */
        const char *file; /* owned by Loader.files */
        int line;
} Entry;

/* One [Section] as merged over the main file and its drop-ins. */
typedef struct {
        char *group;
        const char *file; /* where it was first declared */
        int line;
        GPtrArray *keys; /* of char*, in the order first seen */
        GHashTable *entries; /* key -> Entry* */
} Section;

typedef struct {
        const StewardConfigOptions *options;
        GPtrArray *files; /* of char*, in the order read */
        GPtrArray *problems; /* of StewardProblem* */
        GPtrArray *sections; /* of Section*, in the order first declared */
        GHashTable *by_group; /* group -> Section* */
} Loader;

typedef enum {
        SECTION_MANAGER,
        SECTION_SUPERVISOR,
        SECTION_CHILD,
        SECTION_UNKNOWN,
} SectionKind;

static inline const Entry *
section_entry(const Section *s, const char *key)
{
        return g_hash_table_lookup(s->entries, key);
}

static inline const Entry *
section_header(const Section *s, Entry *tmp)
{
        tmp->value = NULL;
        tmp->file = s->file;
        tmp->line = s->line;
        return tmp;
}

/* ---- config-problems.c: the problem collector and "did you mean" ------ */

void config_report(Loader *l, StewardProblemSeverity severity, const char *file, int line,
                   const char *format, ...) G_GNUC_PRINTF(5, 6);
/* A problem located at the key (or section header) @e. */
void config_report_at(Loader *l, StewardProblemSeverity severity, const Entry *e, const char *format, ...)
        G_GNUC_PRINTF(4, 5);

#define error_at(l, e, ...) config_report_at((l), STEWARD_PROBLEM_ERROR, (e), __VA_ARGS__)
#define warn_at(l, e, ...) config_report_at((l), STEWARD_PROBLEM_WARNING, (e), __VA_ARGS__)
/* File order, then line order, stable within a line. */
void config_problems_sort(Loader *l);
/* The candidate closest to @word if it is a plausible typo of it. */
const char *config_closest(const char *word, const char *const *candidates, size_t n);

/* ---- config-files.c: reading files into merged sections -------------- */

void config_section_free(Section *s);
/* Reads one file's text into the merged sections. */
void config_loader_add_data(Loader *l, const char *path, const char *data, gsize length);
/* Reads @path; FALSE if it does not exist. */
gboolean config_loader_add_file(Loader *l, const char *path);
/* The *.conf drop-ins of @dir, in lexical order. */
void config_loader_add_dropins(Loader *l, const char *dir);

/* ---- config-keys.c: the key tables and the sections into a spec ------ */

/* Builds the supervisors and children of every section into @spec. */
void config_build_spec(Loader *l, StewardSpec *spec);

/* ---- config-check.c: checks of names, executables and the tree ------- */

/* Whether section @s of @kind may take @name; records it in @names
 * (name -> Section*) if so. */
gboolean config_check_name(Loader *l, const Section *s, SectionKind kind, const char *name,
                           GHashTable *names);
/* Whether ExecStart= @path may stand, under --check-config. */
gboolean config_check_executable(Loader *l, const Entry *e, const char *key, const char *path);
/* The references between supervisors and children, once all are built. */
void config_check_tree(Loader *l, const StewardSpec *spec);
