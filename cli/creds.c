/* creds: see creds.h. */
#include "creds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory, without the file name. Returns 0 or -1 (no HOME). */
static int creds_dir(char *out, size_t out_size)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (xdg && xdg[0] == '/')
        snprintf(out, out_size, "%s/execq", xdg);
    else if (home && *home)
        snprintf(out, out_size, "%s/.config/execq", home);
    else
        return -1;
    return 0;
}

int creds_load(struct creds *c, char *errstr, size_t errstr_size)
{
    char dir[900], path[1024], line[1024];
    struct stat st;
    FILE *f;

    memset(c, 0, sizeof(*c));
    if (creds_dir(dir, sizeof(dir)) < 0)
        return 0;
    snprintf(path, sizeof(path), "%s/credentials", dir);
    if (!(f = fopen(path, "re")))
        return errno == ENOENT ? 0 : (snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno)), -1);
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
        snprintf(errstr, errstr_size, "%s is readable by others (mode %03o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 0777));
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '=');
        line[strcspn(line, "\r\n")] = '\0';
        if (!eq || line[0] == '#')
            continue;
        *eq++ = '\0';
        if (strcmp(line, "url") == 0)
            snprintf(c->url, sizeof(c->url), "%s", eq);
        else if (strcmp(line, "api_key") == 0)
            snprintf(c->key, sizeof(c->key), "%s", eq);
        else if (strcmp(line, "account_id") == 0)
            snprintf(c->account, sizeof(c->account), "%s", eq);
    }
    fclose(f);
    return 0;
}

int creds_save(const char *url, const char *key, const char *account, char *path, size_t path_size, char *errstr,
               size_t errstr_size)
{
    char dir[900], tmp[1100], parent[900], *slash;
    FILE *f = NULL;
    int fd = -1, ret = -1;

    if (creds_dir(dir, sizeof(dir)) < 0) {
        snprintf(errstr, errstr_size, "neither XDG_CONFIG_HOME nor HOME is set");
        return -1;
    }
    snprintf(parent, sizeof(parent), "%s", dir);
    if ((slash = strrchr(parent, '/')) && slash != parent) {
        *slash = '\0';
        if (mkdir(parent, 0700) < 0 && errno != EEXIST) {   /* ~/.config */
            snprintf(errstr, errstr_size, "mkdir %s: %s", parent, strerror(errno));
            return -1;
        }
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, path_size, "%s/credentials", dir);
    snprintf(tmp, sizeof(tmp), "%s/.credentials.%ld", dir, (long)getpid());
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 || !(f = fdopen(fd, "w"))) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;   /* f owns it */
    fprintf(f, "# written by `execq signup`; keep it secret\nurl=%s\napi_key=%s\naccount_id=%s\n", url, key, account);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
        f = NULL;
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) < 0) {
        snprintf(errstr, errstr_size, "rename to %s: %s", path, strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    if (ret < 0)
        unlink(tmp);
    return ret;
}
