/* auth: bearer-key check (see auth.h). The comparison runs in time that does
 * not depend on where the keys differ, so response timing leaks nothing. */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int equal_const_time(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);

    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return d == 0;
}

int auth_check(const struct cfg *c, const char *header, char *account, size_t account_size,
               char *errstr, size_t errstr_size)
{
    const char *key;

    if (!header || !*header) {
        snprintf(errstr, errstr_size, "missing Authorization header (use \"Authorization: Bearer <key>\")");
        return -1;
    }
    if (strncasecmp(header, "Bearer ", 7) != 0) {
        snprintf(errstr, errstr_size, "Authorization must be \"Bearer <key>\"");
        return -1;
    }
    key = header + 7;
    while (*key == ' ')
        key++;
    if (!equal_const_time(key, c->demo_key)) {
        snprintf(errstr, errstr_size, "unknown API key");
        return -1;
    }
    snprintf(account, account_size, "demo");
    return 0;
}
