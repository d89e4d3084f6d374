/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-notify.h: the sd_notify socket on which children report readiness, status and liveness. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "steward-error.h"
#include "steward-mode.h"

G_BEGIN_DECLS

/* The environment variable that hands the socket over across execve(): its
 * descriptor number, without FD_CLOEXEC. */
#define STEWARD_NOTIFY_FD_ENV "STEWARD_NOTIFY_FD"

/* As systemd (NOTIFY_BUFFER_MAX): a longer datagram is refused whole. */
#define STEWARD_NOTIFY_PAYLOAD_MAX 4096

/* What a message said, one bit per key present with a usable value. */
typedef enum {
        STEWARD_NOTIFY_READY = 1 << 0, /* READY=1 */
        STEWARD_NOTIFY_STATUS = 1 << 1, /* STATUS=... */
        STEWARD_NOTIFY_WATCHDOG = 1 << 2, /* WATCHDOG=1 */
        STEWARD_NOTIFY_WATCHDOG_TRIGGER = 1 << 3, /* WATCHDOG=trigger */
        STEWARD_NOTIFY_WATCHDOG_USEC = 1 << 4, /* WATCHDOG_USEC=N */
        STEWARD_NOTIFY_STOPPING = 1 << 5, /* STOPPING=1 */
        STEWARD_NOTIFY_RELOADING = 1 << 6, /* RELOADING=1 */
        STEWARD_NOTIFY_EXTEND_TIMEOUT = 1 << 7, /* EXTEND_TIMEOUT_USEC=N */
        STEWARD_NOTIFY_MAINPID = 1 << 8, /* MAINPID=N */
        STEWARD_NOTIFY_ERRNO = 1 << 9, /* ERRNO=N */
        STEWARD_NOTIFY_BARRIER = 1 << 10, /* BARRIER=1, with one descriptor (sd_notify_barrier()) */
        STEWARD_NOTIFY_FDSTORE = 1 << 11, /* FDSTORE=1, with descriptors to keep: refused */
} StewardNotifyField;

typedef struct {
        guint fields; /* StewardNotifyField bits */
        char *status; /* "" clears the status text */
        guint64 watchdog_usec;
        guint64 extend_timeout_usec;
        pid_t main_pid;
        int errno_value;
        /* Descriptors that came with it (the listener's, not the parser's):
         * the listener closes them once the message was handled. */
        guint n_fds;
} StewardNotifyMessage;

/**
 * steward_notify_parse:
 * @data: the datagram's payload, @len bytes, not NUL-terminated
 * @msg: (out): filled on success; clear with steward_notify_message_clear()
 *
 * Parses newline-separated KEY=VALUE lines as systemd does: the first
 * occurrence of a key counts, unknown keys are ignored, and so (with a
 * g_debug) is a known key with a value it cannot use. A payload over
 * STEWARD_NOTIFY_PAYLOAD_MAX bytes, with a NUL byte, not valid UTF-8, or with
 * a non-empty line that is not KEY=VALUE ([A-Za-z0-9_]+ keys) is refused
 * whole.
 */
gboolean steward_notify_parse(const char *data, gsize len, StewardNotifyMessage *msg, GError **error);
void steward_notify_message_clear(StewardNotifyMessage *msg);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StewardNotifyMessage, steward_notify_message_clear)

/* Called for every well-formed message with the sender's credentials from
 * the kernel (SCM_CREDENTIALS), never from the payload. Returns FALSE when
 * the sender is nobody it listens to: the message is counted as dropped.
 *
 * Descriptors come only with BARRIER=1 (exactly one) or FDSTORE=1; any
 * other message carrying some is dropped. They are closed after this
 * returns: datagrams are read and handled in order, one at a time, so by
 * then everything the sender sent before its barrier has been handled,
 * which is all sd_notify_barrier() waits for. */
typedef gboolean (*StewardNotifyFunc)(pid_t pid, uid_t uid, const StewardNotifyMessage *msg,
                                      gpointer user_data);

typedef struct _StewardNotifyListener StewardNotifyListener;

/**
 * steward_notify_listener_new:
 * @path: (nullable): the socket's path, steward_notify_default_path();
 *   NULL for a fresh abstract address that does not outlive stewardd
 *
 * Listens on a SOCK_DGRAM unix socket with SO_PASSCRED, read from the
 * default main context. The socket is, in this order of preference: the
 * one a previous image handed over in STEWARD_NOTIFY_FD (the variable is
 * removed); the one named "notify" in the unit's file descriptor store
 * (LISTEN_FDS, consumed); or a new one bound to @path, in a directory
 * created if missing (0755) and writable by nobody but its owner. A
 * socket file nobody listens on any more is replaced, and so is anything
 * else that is not a directory (never followed, if a symlink); a socket
 * still in use is an error (G_IO_ERROR_ADDRESS_IN_USE: another stewardd).
 * The file is mode 0666, for children running as other users. A socket
 * not taken from the store is put there (FDSTORE=1) when stewardd has a
 * NOTIFY_SOCKET of its own.
 */
StewardNotifyListener *steward_notify_listener_new(const char *path, StewardNotifyFunc func,
                                                   gpointer user_data, GError **error);
void steward_notify_listener_free(StewardNotifyListener *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardNotifyListener, steward_notify_listener_free)

/* The value for a child's NOTIFY_SOCKET: the path, or "@..." for an
 * abstract address. */
const char *steward_notify_listener_get_address(StewardNotifyListener *l);
/* The socket, to hand over across execve(): clear FD_CLOEXEC and put its
 * number in STEWARD_NOTIFY_FD_ENV. Still the listener's to close. */
int steward_notify_listener_get_fd(StewardNotifyListener *l);
/* Reads what is queued now (bounded), as the source would; for the
 * moment before a deadline is judged. */
void steward_notify_listener_drain(StewardNotifyListener *l);
/* Datagrams refused or dropped so far. */
guint64 steward_notify_listener_get_dropped(StewardNotifyListener *l);

/* "notify" in steward_runtime_dir(): /run/steward/notify,
 * $XDG_RUNTIME_DIR/steward/notify or $RUNTIME_DIRECTORY/notify. NULL for
 * the user mode without XDG_RUNTIME_DIR. */
char *steward_notify_default_path(StewardMode mode);

G_END_DECLS
