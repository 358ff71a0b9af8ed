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

int claim_overlaps_subids(const char *path, long base, long count, char *who, size_t who_size)
{
    char line[512];
    FILE *f = fopen(path, "re");
    int found = 0;

    if (!f)
        return errno == ENOENT ? 0 : -1;
    while (!found && fgets(line, sizeof(line), f)) {
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
        if (start < base + count && base < start + n) {
            snprintf(who, who_size, "%.*s (%ld..%ld)", (int)(c1 - line), line, start, start + n - 1);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

int claim_uids(struct claim *cl, long base, long count, const char *lock_path, const char *subuid_path,
               const char *subgid_path, char *errstr, size_t errstr_size)
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
        int rc = claim_overlaps_subids(files[i], base, count, who, sizeof(who));
        if (rc < 0) {
            snprintf(errstr, errstr_size, "read %s: %s", files[i], strerror(errno));
            return -1;
        }
        if (rc > 0) {
            snprintf(errstr, errstr_size, "sandbox uids %ld..%ld overlap %s in %s: choose another --uid-base",
                     base, base + count - 1, who, files[i]);
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
