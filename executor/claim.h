/* claim: the host uids an executor's sandboxes run as, taken for this
 * executor alone. Slot N runs as uid-base + 2N (namespace root) and
 * uid-base + 2N + 1 (the code), gids the same numbers: a range that must
 * belong to nobody else on the host. Another executor using it could signal
 * or ptrace our jobs; a user or a subordinate range (/etc/subuid, rootless
 * containers) sharing it would own their files and processes. */
#ifndef EXECQ_CLAIM_H
#define EXECQ_CLAIM_H

#include <stddef.h>

/* The host-wide lock file: one byte-range lock per executor over its uids
 * (a rootless executor, which cannot write /run, keeps it in its sandbox
 * root: its ranges are its user's alone). */
#define CLAIM_LOCK_PATH "/run/execq-uids.lock"
#define CLAIM_LOCK_NAME "uids.lock"

struct claim {
    int fd;   /* the lock file, holding our open-file-description lock; -1 when none */
};

/* A rootless executor's user: its subordinate ranges are where its
 * sandboxes' uids come from (newuidmap maps them). */
struct claim_owner {
    const char *name;
    long uid;
};

/* Takes [base, base + count) for this process (count >= 1; an empty range
 * is refused): refuses (-1, errstr) if the
 * range overlaps a range in subuid_path or subgid_path (missing files hold
 * none) of anyone but owner, lies outside owner's own ranges there (owner
 * NULL: an executor as root, whose range must be in no one's), includes an
 * existing user or group (through NSS), or overlaps the range another live
 * executor holds in lock_path. The lock is an open file description lock,
 * released by claim_release() or when the process dies, whatever way: no
 * stale claims. Returns 0 with cl->fd set. */
int claim_uids(struct claim *cl, long base, long count, const char *lock_path, const char *subuid_path,
               const char *subgid_path, const struct claim_owner *owner, char *errstr, size_t errstr_size);

/* Whether one of owner's lines of the subid file at path (by name or uid)
 * holds all of [base, base + count): 1, 0 if none does (or no such file),
 * -1 if it cannot be read. */
int claim_within_subids(const char *path, const struct claim_owner *owner, long base, long count);

/* Whether [base, base + count) overlaps a "name:start:count" line of the
 * file at path that is not owner's (owner NULL: any line): 1 with the
 * line's name and range in who, 0 if not (or no such file), -1 if it
 * cannot be read. */
int claim_overlaps_others(const char *path, const struct claim_owner *owner, long base, long count, char *who,
                          size_t who_size);

/* Releases the claim. Safe on a claim never taken (fd -1). */
void claim_release(struct claim *cl);

#endif
