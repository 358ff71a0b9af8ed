/* creds: the key `execq signup` stores, in $XDG_CONFIG_HOME/execq/credentials
 * (else ~/.config/execq/credentials): "key=value" lines (url, api_key,
 * account_id), mode 0600 in a 0700 directory. */
#ifndef EXECQ_CREDS_H
#define EXECQ_CREDS_H

#include <stddef.h>

struct creds {
    char url[512];
    char key[256];
    char account[64];
};

/* Fills c from the file; all "" when there is none. Returns 0, or -1 with
 * the reason in errstr when the file exists but cannot be read or is
 * readable by others (a key must not be). */
int creds_load(struct creds *c, char *errstr, size_t errstr_size);

/* Writes url, key and account (replacing the file, atomically) and puts
 * its path in path. Returns 0, or -1 with the reason in errstr. */
int creds_save(const char *url, const char *key, const char *account, char *path, size_t path_size, char *errstr,
               size_t errstr_size);

#endif
