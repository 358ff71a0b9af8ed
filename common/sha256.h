/* sha256: FIPS 180-4 SHA-256, for hashing API keys (stored only as hashes)
 * and request bodies (idempotency). Keys are 256-bit random, so a fast hash
 * is the right tool: there is nothing to brute-force. */
#ifndef EXECQ_SHA256_H
#define EXECQ_SHA256_H

#include <stddef.h>

/* Writes the hex digest (64 chars + NUL) of n bytes at p into out. */
void sha256_hex(const void *p, size_t n, char out[65]);

#endif
