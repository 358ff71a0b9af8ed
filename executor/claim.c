/* claim: one executor's range of host uids (see claim.h). */
#include "claim.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether the name field of a subid line (name_len bytes) is owner: its
 * name or its uid in decimal. */
static int line_is(const char *name, size_t name_len, const struct claim_owner *owner)
{
    char uid[24];

    if (!owner)
        return 0;
    snprintf(uid, sizeof(uid), "%ld", owner->uid);
    return (strlen(owner->name) == name_len && strncmp(name, owner->name, name_len) == 0) ||
           (strlen(uid) == name_len && strncmp(name, uid, name_len) == 0);
}

/* Calls each(start, n, is_owner, line, arg) for every "name:start:count"
 * line of path until it returns non-zero, which is returned (0 at the end
 * or without the file; -1 if it cannot be read). */
static int each_subid(const char *path, const struct claim_owner *owner,
                      int (*each)(long, long, int, const char *, size_t, void *), void *arg)
{
    char line[512];
    FILE *f = fopen(path, "re");
    int rc = 0;

    if (!f)
        return errno == ENOENT ? 0 : -1;
    while (!rc && fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2, *end;
        long start, n;
        if (!c1 || !(c2 = strchr(c1 + 1, ':')))
            continue;   /* not a range line (comments, blanks) */
        start = strtol(c1 + 1, &end, 10);
        if (end != c2)
            continue;
        n = strtol(c2 + 1, &end, 10);
        if (n <= 0 || start < 0)
            continue;
        rc = each(start, n, line_is(line, (size_t)(c1 - line), owner), line, (size_t)(c1 - line), arg);
    }
    fclose(f);
    return rc;
}

struct span {
    long base, count;
    char *who;          /* overlaps: whose range, for the message */
    size_t who_size;
};

static int overlaps(long start, long n, int mine, const char *name, size_t name_len, void *arg)
{
    struct span *sp = arg;

    if (mine || !(start < sp->base + sp->count && sp->base < start + n))
        return 0;
    snprintf(sp->who, sp->who_size, "%.*s (%ld..%ld)", (int)name_len, name, start, start + n - 1);
    return 1;
}

static int holds(long start, long n, int mine, const char *name, size_t name_len, void *arg)
{
    struct span *sp = arg;

    (void)name, (void)name_len;
    return mine && start <= sp->base && sp->base + sp->count <= start + n;
}

int claim_within_subids(const char *path, const struct claim_owner *owner, long base, long count)
{
    struct span sp = {base, count, NULL, 0};
    return each_subid(path, owner, holds, &sp);
}

int claim_overlaps_others(const char *path, const struct claim_owner *owner, long base, long count, char *who,
                          size_t who_size)
{
    struct span sp = {base, count, who, who_size};
    return each_subid(path, owner, overlaps, &sp);
}

int claim_uids(struct claim *cl, long base, long count, const char *lock_path, const char *subuid_path,
               const char *subgid_path, const struct claim_owner *owner, char *errstr, size_t errstr_size)
{
    const char *files[2] = {subuid_path, subgid_path};
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = base, .l_len = count};
    char who[300];
    int fd = -1;

    cl->fd = -1;
    if (count < 1) {
        /* fcntl reads a length of 0 as "to the end of the file": every uid
         * above base would be taken. */
        snprintf(errstr, errstr_size, "no sandbox uids to claim (%ld): an executor needs at least one slot", count);
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        int rc = claim_overlaps_others(files[i], owner, base, count, who, sizeof(who));
        if (rc > 0) {
            snprintf(errstr, errstr_size, "sandbox uids %ld..%ld overlap %s in %s: choose another --uid-base",
                     base, base + count - 1, who, files[i]);
            return -1;
        }
        if (rc == 0 && owner && (rc = claim_within_subids(files[i], owner, base, count)) == 0) {
            snprintf(errstr, errstr_size, "sandbox uids %ld..%ld are not in a range of %s's in %s (a rootless "
                                          "executor maps its sandboxes from there): add one, or choose another "
                                          "--uid-base", base, base + count - 1, owner->name, files[i]);
            return -1;
        }
        if (rc < 0) {
            snprintf(errstr, errstr_size, "read %s: %s", files[i], strerror(errno));
            return -1;
        }
    }
    for (long id = base; id < base + count; id++) {
        struct passwd *pw = getpwuid((uid_t)id);
        struct group *gr = pw ? NULL : getgrgid((gid_t)id);
        if (pw || gr) {
            snprintf(errstr, errstr_size, "sandbox uids %ld..%ld include %s %ld (%s): choose another --uid-base",
                     base, base + count - 1, pw ? "the user" : "the group", id, pw ? pw->pw_name : gr->gr_name);
            return -1;
        }
    }
    /* A byte range per executor, over the uid numbers themselves: ranges
     * that overlap conflict, disjoint ones never do, whatever their size. */
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "open %s: %s", lock_path, strerror(errno));
        return -1;
    }
    if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
        int e = errno;
        if (e == EAGAIN || e == EACCES) {
            struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = base, .l_len = count};
            char end[24] = "";   /* l_len 0: locked to the end of the file */
            if (fcntl(fd, F_OFD_GETLK, &q) == 0 && q.l_type != F_UNLCK) {
                if (q.l_len > 0)
                    snprintf(end, sizeof(end), "%lld", (long long)(q.l_start + q.l_len - 1));
                snprintf(errstr, errstr_size, "sandbox uids %ld..%ld overlap %lld..%s, taken by another executor on "
                         "this host (%s): give each executor its own --uid-base", base, base + count - 1,
                         (long long)q.l_start, end, lock_path);
            } else {
                snprintf(errstr, errstr_size, "sandbox uids %ld..%ld are taken by another executor on this host (%s)",
                         base, base + count - 1, lock_path);
            }
        } else {
            snprintf(errstr, errstr_size, "lock %s: %s", lock_path, strerror(e));
        }
        close(fd);
        return -1;
    }
    cl->fd = fd;
    return 0;
}

void claim_release(struct claim *cl)
{
    if (cl->fd >= 0)
        close(cl->fd);   /* drops the open file description, and its lock */
    cl->fd = -1;
}
