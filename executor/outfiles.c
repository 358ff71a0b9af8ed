/* outfiles: files and figures a job hands back (see outfiles.h). */
#include "outfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OUTF_MAX_ENTRIES 10000
#define OUTF_MAX_DEPTH 8

struct walk {
    struct job_file *files;
    int n;
    size_t bytes, max_bytes;
    int entries;
    int truncated;
};

/* openat2 confined to the tmpfs: no symlink anywhere on the path, nothing
 * above dirfd, no other mount. */
static int open_beneath(int dirfd, const char *name, int flags)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    return (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads regular file name (in dirfd) as path into w, if it fits. */
static void take_file(struct walk *w, int dirfd, const char *name, const char *path)
{
    struct stat sb;
    struct job_file *f;
    size_t got = 0;
    int fd;

    if (w->n >= JOB_MAX_FILES || !job_file_name_ok(path) || strlen(path) >= sizeof(f->name)) {
        w->truncated = 1;
        return;
    }
    /* O_NONBLOCK: should a FIFO appear here after all, opening it never waits. */
    fd = open_beneath(dirfd, name, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return;
    }
    if ((size_t)sb.st_size > w->max_bytes - w->bytes) {
        w->truncated = 1;   /* a sparse 10 GB file is never read */
        close(fd);
        return;
    }
    f = &w->files[w->n];
    memset(f, 0, sizeof(*f));
    f->data = malloc((size_t)sb.st_size + 1);
    if (!f->data) {
        w->truncated = 1;
        close(fd);
        return;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = pread(fd, f->data + got, (size_t)sb.st_size - got, (off_t)got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    snprintf(f->name, sizeof(f->name), "%s", path);
    f->len = got;
    w->bytes += got;
    w->n++;
}

/* Walks directory dirfd (taken and closed), whose path below out/ is
 * prefix ("" at the top). */
static void walk_dir(struct walk *w, int fd, const char *prefix, int depth)
{
    DIR *d = fdopendir(fd);
    struct dirent *e;
    char **names = NULL;
    size_t nn = 0, cap = 0;

    if (!d) {
        close(fd);
        return;
    }
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (++w->entries > OUTF_MAX_ENTRIES) {
            w->truncated = 1;
            break;
        }
        if (nn == cap) {
            char **m = realloc(names, (cap = cap ? 2 * cap : 32) * sizeof(*names));
            if (!m)
                break;
            names = m;
        }
        if (!(names[nn] = strdup(e->d_name)))
            break;
        nn++;
    }
    if (nn > 0)   /* names is NULL for an empty directory: qsort must not see it */
        qsort(names, nn, sizeof(*names), cmp_names);
    for (size_t i = 0; i < nn; i++) {
        struct stat sb;
        char path[512];
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "/" : "", names[i]);
        if (fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISREG(sb.st_mode)) {
            take_file(w, dirfd(d), names[i], path);
        } else if (S_ISDIR(sb.st_mode)) {
            int sub;
            if (depth >= OUTF_MAX_DEPTH || !job_file_name_ok(path)) {
                w->truncated = 1;
                continue;
            }
            sub = open_beneath(dirfd(d), names[i], O_RDONLY | O_DIRECTORY);
            if (sub >= 0)
                walk_dir(w, sub, path, depth + 1);
        }
        /* symlinks, FIFOs, sockets, devices: not files to return */
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    closedir(d);
}

int outf_collect(int tmp, size_t max_bytes, struct job_file **files, int *n, int *truncated)
{
    struct walk w = {.max_bytes = max_bytes};
    int out;

    *files = NULL;
    *n = 0;
    *truncated = 0;
    out = open_beneath(tmp, "out", O_RDONLY | O_DIRECTORY);
    if (out < 0) {
        /* Removed, or replaced by something not a directory: nothing to return. */
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV ? 0 : -1;
    }
    if (!(w.files = calloc(JOB_MAX_FILES, sizeof(*w.files)))) {
        close(out);
        return -1;
    }
    walk_dir(&w, out, "", 1);
    *files = w.files;
    *n = w.n;
    *truncated = w.truncated;
    return 0;
}

int outf_images(const char *p, size_t len, int stream_truncated, struct job_file **images, int *n, int *truncated)
{
    size_t off = 0;
    int count = 0;

    *images = NULL;
    *n = 0;
    *truncated = stream_truncated;
    if (len == 0)
        return 0;
    if (!(*images = calloc(JOB_MAX_FILES, sizeof(**images))))
        return -1;
    while (off < len) {
        char mime[128], head[201];
        unsigned long long size;
        const char *nl = memchr(p + off, '\n', len - off < 200 ? len - off : 200);
        int used = 0;
        struct job_file *f;
        if (nl) {   /* sscanf needs a NUL-ended string: the header alone */
            memcpy(head, p + off, (size_t)(nl - (p + off)));
            head[nl - (p + off)] = '\0';
        }
        if (!nl || count >= JOB_MAX_FILES ||
            sscanf(head, "EXQIMG %127[a-z/+.-] %llu%n", mime, &size, &used) != 2 || head[used] != '\0' ||
            strncmp(mime, "image/", 6) != 0 || size > len - (size_t)(nl + 1 - p)) {
            *truncated = 1;
            break;
        }
        off = (size_t)(nl + 1 - p);
        f = &(*images)[count];
        if (!(f->data = malloc(size + 1))) {
            job_files_free(*images, count);
            *images = NULL;
            return -1;
        }
        memcpy(f->data, p + off, size);
        f->len = size;
        snprintf(f->name, sizeof(f->name), "%s", mime);
        off += size;
        count++;
    }
    *n = count;
    return 0;
}
