/* sha256: FIPS 180-4 SHA-256, for hashing API keys (stored only as hashes)
 * and request bodies (idempotency), and HMAC for webhook signatures. Keys are 256-bit random, so a fast hash
 * is the right tool: there is nothing to brute-force. */
#ifndef EXECQ_SHA256_H
#define EXECQ_SHA256_H

#include <stddef.h>

/* Writes the hex digest (64 chars + NUL) of n bytes at p into out. */
void sha256_hex(const void *p, size_t n, char out[65]);

/* HMAC-SHA256 (RFC 2104) under key of the message made of msg[0..nmsg)
 * (at most 8 parts, joined): its hex digest into out. Webhook signatures. */
struct iovec;
void sha256_hmac_hex(const void *key, size_t key_len, const struct iovec *msg, int nmsg, char out[65]);

#endif
