/* webhook: callback URLs, addresses, events and signatures (webhook.h). */
#include "webhook.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cjson/cJSON.h>

#include "sha256.h"
#include "util.h"

static const char *const event_names[] = {"job.completed", "batch.completed", "session.ended"};

const char *webhook_event_name(unsigned bit)
{
    for (unsigned i = 0; i < 3; i++)
        if (bit == 1u << i)
            return event_names[i];
    return NULL;
}

int webhook_events_parse(const cJSON *v, unsigned allowed, unsigned def, unsigned *mask, char *why, size_t why_size)
{
    const cJSON *e;

    if (!v || cJSON_IsNull(v)) {
        *mask = def;
        return 0;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        snprintf(why, why_size, "events must be a non-empty array of event names");
        return -1;
    }
    *mask = 0;
    cJSON_ArrayForEach(e, v) {
        unsigned bit = 0;
        for (unsigned i = 0; i < 3; i++)
            if (cJSON_IsString(e) && strcmp(e->valuestring, event_names[i]) == 0)
                bit = 1u << i;
        if (!bit || !(bit & allowed)) {
            char names[64] = "";
            for (unsigned i = 0; i < 3; i++)
                if (allowed & (1u << i))
                    snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", names[0] ? ", " : "",
                             event_names[i]);
            snprintf(why, why_size, "events: %s%.40s%s is not one of: %s", cJSON_IsString(e) ? "\"" : "",
                     cJSON_IsString(e) ? e->valuestring : "a non-string", cJSON_IsString(e) ? "\"" : "", names);
            return -1;
        }
        *mask |= bit;
    }
    return 0;
}

cJSON *webhook_events_json(unsigned mask)
{
    cJSON *a = cJSON_CreateArray();
    for (unsigned i = 0; i < 3; i++)
        if (mask & (1u << i))
            cJSON_AddItemToArray(a, cJSON_CreateString(event_names[i]));
    return a;
}

/* RFC 3986's characters: a host (reg-name or IPv4: unreserved, sub-delims,
 * pct-encoded), and a path and query (pchar, "/" and "?"). */
static int host_char(int c)
{
    return isalnum(c) || strchr("-._~%!$&'()*+,;=", c) != NULL;
}

static int path_char(int c)
{
    return host_char(c) || c == ':' || c == '@' || c == '/' || c == '?';
}

int webhook_url_check(const char *url, int allow_http, int allow_private, char *why, size_t why_size)
{
    const char *host, *p;
    char h[256];
    size_t n = strlen(url), hl;
    struct sockaddr_in v4;

    if (n > WEBHOOK_URL_MAX) {
        snprintf(why, why_size, "is longer than %d bytes", WEBHOOK_URL_MAX);
        return -1;
    }
    if (strncmp(url, "https://", 8) == 0) {
        host = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        if (!allow_http) {
            snprintf(why, why_size, "must be https:// (this server does not send callbacks over plain http)");
            return -1;
        }
        host = url + 7;
    } else {
        snprintf(why, why_size, "must start with https://");
        return -1;
    }
    for (p = host; *p && host_char((unsigned char)*p); p++) {
    }
    hl = (size_t)(p - host);
    if (*p == '@') {
        snprintf(why, why_size, "must not hold a user or password");
        return -1;
    }
    if (*p == '[') {
        snprintf(why, why_size, "must name its host, not an IPv6 literal");
        return -1;
    }
    if (hl == 0 || hl >= sizeof(h)) {
        snprintf(why, why_size, "has no host, or one over 255 bytes");
        return -1;
    }
    if (*p == ':') {   /* a port: 1 to 65535, no leading zero */
        long port = 0;
        const char *d = ++p;
        while (isdigit((unsigned char)*p) && port <= 65535)
            port = port * 10 + (*p++ - '0');
        if (p == d || *d == '0' || port > 65535 || p - d > 5) {
            snprintf(why, why_size, "has a malformed port (1 to 65535)");
            return -1;
        }
    }
    if (*p && *p != '/' && *p != '?') {
        snprintf(why, why_size, "has a character its host may not hold (%s)",
                 *p == '#' ? "a fragment" : "percent-encode it");
        return -1;
    }
    for (; *p; p++)
        if (!path_char((unsigned char)*p)) {
            snprintf(why, why_size, "%s", *p == '#' ? "must not hold a fragment (#)"
                                                    : "holds a character a URL may not (a space, a quote, a "
                                                      "control or non-ASCII character: percent-encode it)");
            return -1;
        }
    memcpy(h, host, hl);
    h[hl] = '\0';
    memset(&v4, 0, sizeof(v4));
    v4.sin_family = AF_INET;
    if (!allow_private && inet_pton(AF_INET, h, &v4.sin_addr) == 1 &&
        webhook_addr_refused((struct sockaddr *)&v4, why, why_size)) {
        char kind[64];
        snprintf(kind, sizeof(kind), "%s", why);
        snprintf(why, why_size, "names a %s address (refused unless the server allows private callbacks)", kind);
        return -1;
    }
    if (!allow_private && (strcasecmp(h, "localhost") == 0 || strcasecmp(h, "localhost.") == 0 ||
                           (hl > 10 && strcasecmp(h + hl - 10, ".localhost") == 0))) {
        snprintf(why, why_size, "names localhost (refused unless the server allows private callbacks)");
        return -1;
    }
    return 0;
}

/* IPv4 ranges no callback may reach, as (network, prefix length, kind). */
static const struct {
    uint32_t net;
    int len;
    const char *kind;
} v4_refused[] = {
    {0x00000000, 8, "unspecified"},  {0x0a000000, 8, "private"},       {0x64400000, 10, "carrier-grade NAT"},
    {0x7f000000, 8, "loopback"},     {0xa9fe0000, 16, "link-local"},   {0xac100000, 12, "private"},
    {0xc0000000, 24, "reserved"},    {0xc0000200, 24, "documentation"}, {0xc0a80000, 16, "private"},
    {0xc6120000, 15, "benchmarking"}, {0xc6336400, 24, "documentation"}, {0xcb007100, 24, "documentation"},
    {0xe0000000, 4, "multicast"},    {0xf0000000, 4, "reserved"},
};

static int v4_check(uint32_t a, char *why, size_t why_size)
{
    for (size_t i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++) {
        uint32_t mask = 0xffffffffu << (32 - v4_refused[i].len);
        if ((a & mask) == v4_refused[i].net) {
            snprintf(why, why_size, "%s", a == 0xa9fea9fe ? "metadata service" : v4_refused[i].kind);
            return 1;
        }
    }
    return 0;
}

int webhook_addr_refused(const struct sockaddr *sa, char *why, size_t why_size)
{
    if (sa->sa_family == AF_INET)
        return v4_check(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr), why, why_size);
    if (sa->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        static const unsigned char zero[15];
        if (memcmp(b, mapped, 12) == 0)   /* ::ffff:a.b.c.d */
            return v4_check((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15], why,
                            why_size);
        if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) {
            snprintf(why, why_size, "%s", b[15] ? "loopback" : "unspecified");
            return 1;
        }
        if ((b[0] & 0xfe) == 0xfc) {   /* fc00::/7, AWS's metadata fd00:ec2::254 among them */
            snprintf(why, why_size, "private");
            return 1;
        }
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {
            snprintf(why, why_size, "link-local");
            return 1;
        }
        if (b[0] == 0xff) {
            snprintf(why, why_size, "multicast");
            return 1;
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
            snprintf(why, why_size, "documentation");
            return 1;
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {   /* NAT64: a v4 inside */
            return v4_check((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15], why,
                            why_size);
        }
        return 0;
    }
    snprintf(why, why_size, "not IPv4 or IPv6");
    return 1;
}

void webhook_sign(const char *secret, const char *prev_secret, int64_t t, const char *body, size_t body_len, char *out,
                  size_t out_size)
{
    char ts[24], mac[65];
    struct iovec msg[3];
    int n;

    snprintf(ts, sizeof(ts), "%lld", (long long)t);
    msg[0] = (struct iovec){ts, strlen(ts)};
    msg[1] = (struct iovec){".", 1};
    msg[2] = (struct iovec){(void *)body, body_len};
    sha256_hmac_hex(secret, strlen(secret), msg, 3, mac);
    n = snprintf(out, out_size, "t=%s,v1=%s", ts, mac);
    if (prev_secret && prev_secret[0] && n > 0 && (size_t)n < out_size) {
        sha256_hmac_hex(prev_secret, strlen(prev_secret), msg, 3, mac);
        snprintf(out + n, out_size - (size_t)n, ",v1=%s", mac);
    }
}

void webhook_new_secret(char out[71])
{
    unsigned char r[32];

    util_random(r, sizeof(r));
    memcpy(out, "whsec_", 6);
    for (int i = 0; i < 32; i++)
        snprintf(out + 6 + 2 * i, 3, "%02x", r[i]);
}
