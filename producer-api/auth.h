/* auth: maps "Authorization: Bearer <key>" to an account, and makes keys.
 * Keys are 256 random bits; the store keeps only their SHA-256. */
#ifndef EXECQ_AUTH_H
#define EXECQ_AUTH_H

#include <stddef.h>

#include "store.h"

#define AUTH_KEY_LEN 67   /* "eq_" + 64 hex */

/* Checks the header against the store. Returns 0 and writes the account id
 * (40 bytes), 1 with a message for the caller in errstr (missing, malformed,
 * unknown or expired key: answer 401), 2 (the account is suspended: 403,
 * the account id written too), or -1 (store error: answer 500). */
int auth_check(struct store *st, const char *header, char account[40], char *errstr, size_t errstr_size);

/* The hash of the key in "Bearer <key>"; returns 0, or -1 if malformed. */
int auth_key_hash(const char *header, char hash[65]);

/* 1 when header is "Bearer <token>" (compared as hashes, in constant
 * time); 0 otherwise, and always when token is NULL or "". */
int auth_admin(const char *token, const char *header);

/* Writes a new random key ("eq_" + 64 hex, NUL-ended) into key and its
 * hash into hash. */
void auth_new_key(char key[AUTH_KEY_LEN + 1], char hash[65]);

/* Writes the hash under which key is stored. */
void auth_hash(const char *key, char hash[65]);

#endif
