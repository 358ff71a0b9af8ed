/* sha256: a straightforward FIPS 180-4 implementation (see sha256.h);
 * tests/unit/test_sha256.c checks it against the standard's vectors. */
#include "sha256.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(uint32_t h[8], const unsigned char *b)
{
    uint32_t w[64], a, bb, c, d, e, f, g, hh;

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0]; bb = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* The digest of the bytes of parts[0..n), as one message. */
static void digest(const struct iovec *parts, int nparts, unsigned char out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    unsigned char blk[64], tail[128];
    size_t fill = 0, total = 0, tl;
    uint64_t bits;

    for (int k = 0; k < nparts; k++) {
        const unsigned char *in = parts[k].iov_base;
        size_t n = parts[k].iov_len;
        total += n;
        while (n > 0) {
            size_t take = 64 - fill < n ? 64 - fill : n;
            if (fill == 0 && n >= 64) {
                block(h, in);   /* whole blocks straight from the input */
                in += 64;
                n -= 64;
                continue;
            }
            memcpy(blk + fill, in, take);
            fill += take;
            in += take;
            n -= take;
            if (fill == 64) {
                block(h, blk);
                fill = 0;
            }
        }
    }
    bits = (uint64_t)total * 8;
    memset(tail, 0, sizeof(tail));
    memcpy(tail, blk, fill);
    tail[fill] = 0x80;
    tl = fill + 1 + 8 <= 64 ? 64 : 128;
    for (int i = 0; i < 8; i++)
        tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
    block(h, tail);
    if (tl == 128)
        block(h, tail + 64);
    for (int i = 0; i < 8; i++)
        for (int b = 0; b < 4; b++)
            out[4 * i + b] = (unsigned char)(h[i] >> (24 - 8 * b));
}

static void to_hex(const unsigned char d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void sha256_hex(const void *p, size_t n, char out[65])
{
    struct iovec v = {(void *)p, n};
    unsigned char d[32];

    digest(&v, 1, d);
    to_hex(d, out);
}

/* RFC 2104, with a 64-byte block: a key longer than a block is hashed first. */
void sha256_hmac_hex(const void *key, size_t key_len, const struct iovec *msg, int nmsg, char out[65])
{
    unsigned char k[64], pad[64], inner[32], d[32];
    struct iovec v[9];

    if (nmsg > 8)
        nmsg = 8;
    memset(k, 0, sizeof(k));
    if (key_len > 64) {
        struct iovec kv = {(void *)key, key_len};
        digest(&kv, 1, k);
    } else {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    v[0] = (struct iovec){pad, 64};
    memcpy(v + 1, msg, (size_t)nmsg * sizeof(*msg));
    digest(v, nmsg + 1, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    v[1] = (struct iovec){inner, 32};
    digest(v, 2, d);
    to_hex(d, out);
}
