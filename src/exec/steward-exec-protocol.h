/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-exec-protocol.h: what stewardd hands steward-exec, the helper that becomes an incarnation.
 *
 * stewardd never forks itself: a fork of a large, multi-threaded process
 * costs a copy of its page tables and a TLB shootdown for every page it
 * touches afterwards. The small steward-exec is made instead, forked by
 * the spawner (below) or, without one, posix_spawn()ed (CLONE_VM|
 * CLONE_VFORK), already in a new session with every signal at its default
 * and none blocked, and is passed one descriptor, 3: a SOCK_SEQPACKET
 * socket, its only line to stewardd, which says on it, in this order:
 *
 *   - the parameters, NUL-terminated strings (below): the message itself,
 *     up to STEWARD_EXEC_PARAMS_INLINE_MAX bytes; larger, one byte with a
 *     sealed memfd of them (SCM_RIGHTS). A helper is made before its
 *     incarnation is known (a spare, made so that a restart does not wait
 *     for a spawn), and waits for them;
 *   - the gate: one byte, which lets it go on to exec once its scope holds
 *     it.
 *
 * EOF before either (stewardd closed or shut down its end) makes it leave
 * quietly. It answers with a StewardExecReport when a stage fails, and the
 * socket closes on exec: EOF on stewardd's end is the exec's success.
 * Before that it may send one STEWARD_EXEC_STAGE_STDIO_FALLBACK report,
 * which is a notice, not a failure: the journal refused the stream (error
 * says why) and stdout/stderr went elsewhere. One socket where a pipe
 * each way and a second socket for a spare were three descriptors to
 * make, pass and close per spawn.
 *
 * Nothing else is inherited but 0, 1 and 2 (stewardd's own). The process
 * stewardd spawned is the incarnation's main process from its first
 * instruction to the end: the PID the scope is created around, the one the
 * program runs as after execve(), and what the state a later stewardd
 * adopts names.
 *
 * The parameters, each a NUL-terminated string:
 *
 *   "steward-exec/1"                     magic and version
 *   argc, then argc strings              ExecStart=
 *   envc, then envc strings              the complete environment
 *   own-pid key                          "WATCHDOG_PID" or "": this variable
 *                                        is set to the helper's own PID
 *   working directory                    "" for stewardd's
 *   syslog identifier                    "": keep stdout/stderr as they are,
 *                                        else a journal stream under it;
 *                                        when the journal refuses it,
 *                                        stewardd's stderr (or /dev/null
 *                                        when that is unusable) for both
 *   credentials                          "": keep them, else
 *                                        "UID GID NGROUPS GID1 GID2 ..."
 *
 * Counts and ids are decimal.
 *
 * The spawner: "steward-exec --spawner", spawned once, forks the helpers
 * instead, so that stewardd makes no process of its own for a spawn (its
 * clone3() and the spawn around it were a quarter of stewardd's CPU a
 * child) and no helper is exec'd and loaded again. Its descriptor 3 is a
 * SOCK_SEQPACKET socket; each request on it is one byte with the helper's
 * socket (SCM_RIGHTS). It forks with CLONE_PARENT, so the helper is
 * stewardd's child as a spawned one is, puts the socket at 3, starts a
 * session and goes on as a spawned helper; it answers each request with
 * the helper's PID, or a negative errno (an int32_t), in the order asked.
 * EOF makes it leave. */
#pragma once

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#define STEWARD_EXEC_MAGIC "steward-exec/1"

#define STEWARD_EXEC_FD 3

/* The parameters may be no larger: ARG_MAX-sized argv and environments
 * are the kernel's limit as well. */
#define STEWARD_EXEC_PARAMS_MAX (4 * 1024 * 1024)
/* Parameters up to this size go in the message: a spawn makes, fills,
 * seals and closes no memfd for them. Well below the socket's buffer
 * (wmem_default, 208 KiB), which bounds a SOCK_SEQPACKET message. */
#define STEWARD_EXEC_PARAMS_INLINE_MAX (64 * 1024)

/* The stage that failed, in the report. */
typedef enum {
        STEWARD_EXEC_STAGE_GATE,
        STEWARD_EXEC_STAGE_SESSION,
        STEWARD_EXEC_STAGE_STDIO,
        STEWARD_EXEC_STAGE_CHDIR,
        STEWARD_EXEC_STAGE_CREDENTIALS,
        STEWARD_EXEC_STAGE_EXEC,
        STEWARD_EXEC_STAGE_PARAMS, /* the parameters did not parse: a stewardd/steward-exec mismatch */
        /* Not a failure: the journal refused the stream, the helper goes on
         * with a fallback; a failure or the exec's EOF still follows. */
        STEWARD_EXEC_STAGE_STDIO_FALLBACK,
        _STEWARD_EXEC_STAGE_MAX,
} StewardExecStage;

typedef struct {
        int stage; /* StewardExecStage */
        int error; /* errno */
} StewardExecReport;

/* The message that hands a helper its parameters (one byte, and the memfd
 * by SCM_RIGHTS), or the spawner a helper's socket. Sender and receiver
 * set it up alike. */
typedef struct {
        struct msghdr msg;
        struct iovec iov;
        char byte;
        union {
                struct cmsghdr header;
                char space[CMSG_SPACE(sizeof(int))];
        } control;
} StewardExecFdMessage;

static inline void
steward_exec_fd_message_init(StewardExecFdMessage *m)
{
        *m = (StewardExecFdMessage){ .byte = 0 };
        m->iov.iov_base = &m->byte;
        m->iov.iov_len = 1;
        m->msg.msg_iov = &m->iov;
        m->msg.msg_iovlen = 1;
        m->msg.msg_control = &m->control;
        m->msg.msg_controllen = sizeof(m->control);
}

/* @m made ready to send, with the @n descriptors of @fds (1 at most). */
static inline void
steward_exec_fd_message_set(StewardExecFdMessage *m, const int *fds, size_t n)
{
        struct cmsghdr *c;

        steward_exec_fd_message_init(m);
        m->msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
        c = CMSG_FIRSTHDR(&m->msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(n * sizeof(int));
        memcpy(CMSG_DATA(c), fds, n * sizeof(int));
}

/* The @n descriptors a received @m carries, into @fds; false when it
 * carries anything else, or the kernel cut them short. */
static inline bool
steward_exec_fd_message_get(StewardExecFdMessage *m, int *fds, size_t n)
{
        struct cmsghdr *c = CMSG_FIRSTHDR(&m->msg);

        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len != CMSG_LEN(n * sizeof(int)) || (m->msg.msg_flags & MSG_CTRUNC))
                return false;
        memcpy(fds, CMSG_DATA(c), n * sizeof(int));
        return true;
}
