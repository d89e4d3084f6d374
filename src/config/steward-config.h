/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-config.h: loading and validating steward.conf and its drop-ins into a StewardSpec. */
#pragma once

#include <gio/gio.h>

#include "steward-mode.h"
#include "steward-spec.h"
#include "steward-error.h"

G_BEGIN_DECLS

typedef enum {
        STEWARD_PROBLEM_ERROR,
        STEWARD_PROBLEM_WARNING,
} StewardProblemSeverity;

/* One finding of the validator, reported as FILE:LINE: message. */
typedef struct {
        StewardProblemSeverity severity;
        char *file;
        int line; /* 0 when the problem is not tied to a line */
        char *message;
} StewardProblem;

typedef struct {
        StewardMode mode;
        StewardBackendKind backend;
        /* --check-config: an ExecStart= that is not an executable file is an
         * error; at run time it is left to fail at spawn. */
        gboolean check_executables;
        /* Run-time drop-ins (children added with AddChild), read after the
         * configured ones; NULL for none. */
        const char *runtime_dropin_dir;
} StewardConfigOptions;

void steward_problem_free(StewardProblem *p);
/* "FILE:LINE: message", or "FILE:LINE: warning: message" for warnings;
 * "FILE: message" when the problem is not tied to a line. */
char *steward_problem_format(const StewardProblem *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardProblem, steward_problem_free)

/* The configuration directory of a mode: SYSCONFDIR/steward, or
 * $XDG_CONFIG_HOME/steward (~/.config/steward). */
char *steward_config_default_dir(StewardMode mode);

/* The drop-in directory of the configuration at @path (NULL: the mode's
 * default location): FILE.d beside its main file, the first place the
 * loader reads drop-ins from. */
char *steward_config_dropin_dir(const char *path, StewardMode mode);

/**
 * steward_config_load:
 * @path: a steward.conf file, or a directory holding one; its drop-ins are
 *   read from FILE.d/ beside it (steward.conf.d/ for steward.conf), *.conf
 *   in lexical order, each overriding the earlier ones key by key
 * @options: mode and backend, to judge keys they cannot honour
 * @problems: (out) (optional): every problem found, errors and warnings, in
 *   file and line order, as StewardProblem*
 *
 * Returns: (transfer full): the validated tree, or NULL with
 *   STEWARD_ERROR_INVALID_CONFIG when any problem is an error.
 */
StewardSpec *steward_config_load(const char *path, const StewardConfigOptions *options, GPtrArray **problems,
                                 GError **error);

/* As steward_config_load() on steward_config_default_dir(options->mode),
 * except that a missing steward.conf there is the empty tree (the root
 * supervisor alone): the shipped unit runs before anything is configured. */
StewardSpec *steward_config_load_default(const StewardConfigOptions *options, GPtrArray **problems,
                                         GError **error);

/**
 * steward_config_load_data:
 * @file: the name to report problems under
 * @data: the text of one steward.conf, not necessarily NUL-terminated
 * @length: its length, or -1 if NUL-terminated
 *
 * As steward_config_load() for a single file held in memory, without
 * drop-ins: for tests and the fuzzer.
 */
StewardSpec *steward_config_load_data(const char *file, const char *data, gssize length,
                                      const StewardConfigOptions *options, GPtrArray **problems,
                                      GError **error);

/**
 * steward_config_load_fragment:
 * @path: as for steward_config_load(), or NULL for the default location as
 *   steward_config_load_default() reads it
 * @file: the name to report the fragment's problems under, as FILE:LINE
 * @data: the fragment: exactly one [Child NAME] section, in the syntax of
 *   steward.conf
 * @length: its length, or -1 if NUL-terminated
 * @ret_child: (out) (optional): NAME, when the fragment declares one
 *
 * As steward_config_load(), with @data read last, as one more drop-in, and
 * validated in the context of everything else: a fragment that declares
 * anything but one [Child NAME], or a NAME some section has already, is an
 * error at its line, so that adding it never changes what the files say.
 */
StewardSpec *steward_config_load_fragment(const char *path, const StewardConfigOptions *options,
                                          const char *file, const char *data, gssize length,
                                          char **ret_child, GPtrArray **problems, GError **error);

/* The keys a section of kind @section ("Manager", "Supervisor" or "Child")
 * accepts, in the loader's order; NULL for any other kind. The loader's own
 * tables, so that documentation can be checked against them. */
char **steward_config_list_keys(const char *section);

/* Files larger than this are refused rather than read. */
#define STEWARD_CONFIG_FILE_MAX (1024 * 1024)

G_END_DECLS
