/* auth: bearer keys (see auth.h). Lookup is by hash, so the comparison the
 * database makes is between hashes: timing tells nothing about the key. */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sha256.h"
#include "util.h"

void auth_hash(const char *key, char hash[65])
{
    sha256_hex(key, strlen(key), hash);
}

void auth_new_key(char key[AUTH_KEY_LEN + 1], char hash[65])
{
    unsigned char r[32];

    util_random(r, sizeof(r));
    memcpy(key, "eq_", 3);
    for (size_t i = 0; i < sizeof(r); i++)
        snprintf(key + 3 + 2 * i, 3, "%02x", r[i]);
    auth_hash(key, hash);
}

int auth_check(struct store *st, const char *header, char account[40], char *errstr, size_t errstr_size)
{
    const char *key;
    char hash[65], why[200];
    int rc;

    if (!header || !*header) {
        snprintf(errstr, errstr_size, "missing Authorization header (use \"Authorization: Bearer <key>\")");
        return 1;
    }
    if (strncasecmp(header, "Bearer ", 7) != 0) {
        snprintf(errstr, errstr_size, "Authorization must be \"Bearer <key>\"");
        return 1;
    }
    key = header + 7;
    while (*key == ' ')
        key++;
    if (!*key || strlen(key) > 256) {
        snprintf(errstr, errstr_size, "unknown API key");
        return 1;
    }
    auth_hash(key, hash);
    rc = store_account_by_key(st, hash, account, why, sizeof(why));
    if (rc == 1)
        snprintf(errstr, errstr_size, "unknown or expired API key");
    else if (rc == 2)
        snprintf(errstr, errstr_size, "this account is suspended: %s", why);
    else if (rc < 0)
        snprintf(errstr, errstr_size, "account store unavailable");
    return rc;
}

int auth_key_hash(const char *header, char hash[65])
{
    const char *key;

    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return -1;
    for (key = header + 7; *key == ' '; key++)
        ;
    if (!*key || strlen(key) > 256)
        return -1;
    auth_hash(key, hash);
    return 0;
}

int auth_admin(const char *token, const char *header)
{
    char want[65], got[65];
    unsigned diff = 0;

    if (!token || !*token || auth_key_hash(header, got) < 0)
        return 0;
    auth_hash(token, want);
    for (int i = 0; i < 64; i++)   /* constant time: hashes compared whole */
        diff |= (unsigned)(want[i] ^ got[i]);
    return diff == 0;
}
