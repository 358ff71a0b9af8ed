/* auth: maps the Authorization header to an account. Until the accounts
 * store lands, the one accepted key is cfg.demo_key (account "demo"). */
#ifndef EXECQ_AUTH_H
#define EXECQ_AUTH_H

#include <stddef.h>

#include "cfg.h"

/* Checks "Bearer <key>". Returns 0 and writes the account id into account, or
 * -1 with a message for the caller in errstr (missing, malformed, unknown). */
int auth_check(const struct cfg *c, const char *header, char *account, size_t account_size,
               char *errstr, size_t errstr_size);

#endif
