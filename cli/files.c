/* files: input files up, output files and figures down (see files.h). */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "job.h"

int files_add_input(cJSON *files, const char *spec, char *errstr, size_t errstr_size)
{
    const char *eq = strchr(spec, '='), *name;
    char path[4096], *data, *b64;
    size_t len;
    cJSON *o;

    if (eq) {
        snprintf(path, sizeof(path), "%.*s", (int)(eq - spec), spec);
        name = eq + 1;
    } else {
        snprintf(path, sizeof(path), "%s", spec);
        name = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
    }
    if (!job_file_name_ok(name)) {
        snprintf(errstr, errstr_size, "%s: \"%s\" is not a valid file name (a relative path without \"..\")", spec, name);
        return -1;
    }
    if (!(data = cli_slurp(path, &len))) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    b64 = job_base64((const unsigned char *)data, len);
    free(data);
    if (!b64 || !(o = cJSON_CreateObject())) {
        free(b64);
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "content", b64);
    cJSON_AddStringToObject(o, "encoding", "base64");
    cJSON_AddItemToArray(files, o);
    free(b64);
    return 0;
}

/* Opens (creating) name below dirfd for writing, one part at a time, never
 * through a link. Returns the descriptor, or -1 with errno. */
static int open_below(int dirfd, const char *name)
{
    char part[256];
    const char *p = name;
    int d = dup(dirfd), fd = -1;

    while (d >= 0) {
        size_t n = strcspn(p, "/");
        snprintf(part, sizeof(part), "%.*s", (int)n, p);
        if (p[n] == '\0') {
            fd = openat(d, part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
            break;
        }
        if (mkdirat(d, part, 0755) < 0 && errno != EEXIST)
            break;
        {
            int next = openat(d, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            close(d);
            d = next;
        }
        p += n + 1;
    }
    if (d >= 0) {
        int e = errno;
        close(d);
        errno = e;
    }
    return fd;
}

static int write_one(int dirfd, const char *name, const char *b64, char *errstr, size_t errstr_size)
{
    size_t len;
    char *data = job_unbase64(b64, &len);
    int fd, ok;

    if (!data) {
        snprintf(errstr, errstr_size, "%s: the answer's content is not base64", name);
        return -1;
    }
    fd = open_below(dirfd, name);
    ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    if (!ok)
        snprintf(errstr, errstr_size, "%s: %s", name, strerror(errno));
    if (fd >= 0 && close(fd) < 0 && ok) {
        snprintf(errstr, errstr_size, "%s: %s", name, strerror(errno));
        ok = 0;
    }
    free(data);
    return ok ? 0 : -1;
}

int files_save_outputs(const cJSON *result, const char *dir, char *errstr, size_t errstr_size)
{
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(result, "files");
    const cJSON *images = cJSON_GetObjectItemCaseSensitive(result, "images");
    const cJSON *e;
    int dirfd, n = 0, k = 0;

    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        snprintf(errstr, errstr_size, "%s: %s", dir, strerror(errno));
        return -1;
    }
    cJSON_ArrayForEach(e, files) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(e, "content_base64");
        if (!cJSON_IsString(nm) || !cJSON_IsString(ct) || !job_file_name_ok(nm->valuestring)) {
            snprintf(errstr, errstr_size, "the answer names a file badly; nothing more written");
            goto fail;
        }
        if (write_one(dirfd, nm->valuestring, ct->valuestring, errstr, errstr_size) < 0)
            goto fail;
        fprintf(stderr, "execq: wrote %s/%s\n", dir, nm->valuestring);
        n++;
    }
    cJSON_ArrayForEach(e, images) {
        const cJSON *mt = cJSON_GetObjectItemCaseSensitive(e, "mime_type");
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(e, "content_base64");
        char name[64];
        const char *ext = cJSON_IsString(mt) && strcmp(mt->valuestring, "image/png") == 0 ? "png" : "img";
        snprintf(name, sizeof(name), "image-%d.%s", ++k, ext);
        if (!cJSON_IsString(ct) || write_one(dirfd, name, ct->valuestring, errstr, errstr_size) < 0)
            goto fail;
        fprintf(stderr, "execq: wrote %s/%s\n", dir, name);
        n++;
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "files_truncated")) ||
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "images_truncated")))
        fprintf(stderr, "execq: the server left some files or images out (over its caps)\n");
    close(dirfd);
    return n;
fail:
    close(dirfd);
    return -1;
}
