/* Unit tests of common/webhook.c and sha256.c's HMAC: callback URLs, the
 * address check execq-hooks makes at every connection, and signatures. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "sha256.h"
#include "webhook.h"

static int refused(const char *ip)
{
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    char why[64];

    if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1)
        return webhook_addr_refused((struct sockaddr *)&v4, why, sizeof(why));
    if (inet_pton(AF_INET6, ip, &v6.sin6_addr) == 1)
        return webhook_addr_refused((struct sockaddr *)&v6, why, sizeof(why));
    return -1;
}

static int url_ok(const char *url, int http, int priv)
{
    char why[200];
    return webhook_url_check(url, http, priv, why, sizeof(why)) == 0;
}

int main(void)
{
    char h[65], sig[200], why[200];
    unsigned mask = 0;
    cJSON *v;
    /* RFC 4231, test case 2 */
    struct iovec m = {"what do ya want for nothing?", 28};
    struct iovec parts[3] = {{"what do ya ", 11}, {"want for ", 9}, {"nothing?", 8}};
    unsigned char longkey[131];

    sha256_hmac_hex("Jefe", 4, &m, 1, h);
    CHECK(strcmp(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0);
    sha256_hmac_hex("Jefe", 4, parts, 3, h);   /* the same message in parts */
    CHECK(strcmp(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0);
    /* RFC 4231, test case 6: a key longer than a block */
    memset(longkey, 0xaa, sizeof(longkey));
    m = (struct iovec){"Test Using Larger Than Block-Size Key - Hash Key First", 54};
    sha256_hmac_hex(longkey, sizeof(longkey), &m, 1, h);
    CHECK(strcmp(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54") == 0);

    /* The signature: t=..., v1 over "t.body"; two v1 during a rotation. */
    webhook_sign("whsec_a", NULL, 1700000000, "{}", 2, sig, sizeof(sig));
    m = (struct iovec){"1700000000.{}", 13};
    sha256_hmac_hex("whsec_a", 7, &m, 1, h);
    CHECK(strncmp(sig, "t=1700000000,v1=", 16) == 0 && strcmp(sig + 16, h) == 0);
    webhook_sign("whsec_a", "whsec_b", 1700000000, "{}", 2, sig, sizeof(sig));
    CHECK(strlen(sig) == 16 + 64 + 4 + 64 && strncmp(sig + 16, h, 64) == 0 && strncmp(sig + 80, ",v1=", 4) == 0 &&
          strncmp(sig + 84, h, 64) != 0);

    /* Addresses no callback may reach. */
    CHECK(refused("127.0.0.1") == 1 && refused("127.8.9.10") == 1 && refused("10.1.2.3") == 1);
    CHECK(refused("172.16.0.1") == 1 && refused("172.31.255.255") == 1 && refused("172.32.0.1") == 0);
    CHECK(refused("192.168.1.1") == 1 && refused("169.254.169.254") == 1 && refused("100.64.0.1") == 1);
    CHECK(refused("0.0.0.0") == 1 && refused("224.0.0.1") == 1 && refused("255.255.255.255") == 1);
    CHECK(refused("::1") == 1 && refused("::") == 1 && refused("fe80::1") == 1 && refused("fd00:ec2::254") == 1);
    CHECK(refused("::ffff:127.0.0.1") == 1 && refused("::ffff:10.0.0.1") == 1 && refused("64:ff9b::a9fe:a9fe") == 1);
    CHECK(refused("8.8.8.8") == 0 && refused("1.1.1.1") == 0 && refused("2606:4700::1111") == 0);
    CHECK(refused("::ffff:8.8.8.8") == 0);
    {
        struct sockaddr_in v4 = {.sin_family = AF_INET};
        inet_pton(AF_INET, "169.254.169.254", &v4.sin_addr);
        webhook_addr_refused((struct sockaddr *)&v4, why, sizeof(why));
        CHECK(strcmp(why, "metadata service") == 0);
    }

    /* URLs. */
    CHECK(url_ok("https://hooks.example.com/execq?x=1", 0, 0));
    CHECK(url_ok("https://hooks.example.com:8443/a", 0, 0));
    CHECK(!url_ok("http://hooks.example.com/a", 0, 0) && url_ok("http://hooks.example.com/a", 1, 0));
    CHECK(!url_ok("ftp://hooks.example.com/a", 1, 1) && !url_ok("hooks.example.com", 1, 1));
    CHECK(!url_ok("https://user:pw@hooks.example.com/", 0, 0));
    CHECK(!url_ok("https://hooks.example.com/a#frag", 0, 0));
    CHECK(!url_ok("https://hooks.example.com/a b", 0, 0) && !url_ok("https://", 0, 0));
    CHECK(!url_ok("https://hooks.example.com:0/", 0, 0) && !url_ok("https://hooks.example.com:99999/", 0, 0));
    CHECK(!url_ok("https://127.0.0.1/", 0, 0) && url_ok("https://127.0.0.1/", 0, 1));
    CHECK(!url_ok("https://[::1]:8443/", 0, 0) && !url_ok("https://[::1]:8443/", 0, 1));   /* names only */
    CHECK(!url_ok("https://example.com:080/", 0, 0) && url_ok("https://example.com:8080/a?b=c&d=%20", 0, 0));
    CHECK(!url_ok("https://example.com/a\"b", 0, 0) && !url_ok("https://exa mple.com/", 0, 0));
    CHECK(!url_ok("https://example.com/\xc3\xa9", 0, 0) && !url_ok("https://a.localhost/", 0, 0));
    CHECK(!url_ok("https://169.254.169.254/latest/meta-data", 0, 0) && !url_ok("https://localhost/", 0, 0));
    CHECK(url_ok("https://8.8.8.8/", 0, 0));

    /* Events. */
    v = cJSON_Parse("[\"job.completed\", \"batch.completed\"]");
    CHECK(webhook_events_parse(v, WEBHOOK_ALL_EVENTS, 0, &mask, why, sizeof(why)) == 0 &&
          mask == (WEBHOOK_JOB_COMPLETED | WEBHOOK_BATCH_COMPLETED));
    CHECK(webhook_events_parse(v, WEBHOOK_JOB_COMPLETED, 0, &mask, why, sizeof(why)) < 0 &&
          strstr(why, "batch.completed") != NULL);
    cJSON_Delete(v);
    v = cJSON_Parse("[\"job.done\"]");
    CHECK(webhook_events_parse(v, WEBHOOK_ALL_EVENTS, 0, &mask, why, sizeof(why)) < 0);
    cJSON_Delete(v);
    v = cJSON_Parse("[]");
    CHECK(webhook_events_parse(v, WEBHOOK_ALL_EVENTS, 0, &mask, why, sizeof(why)) < 0);
    cJSON_Delete(v);
    CHECK(webhook_events_parse(NULL, WEBHOOK_ALL_EVENTS, WEBHOOK_BATCH_COMPLETED, &mask, why, sizeof(why)) == 0 &&
          mask == WEBHOOK_BATCH_COMPLETED);
    {
        char s1[71], s2[71];
        webhook_new_secret(s1);
        webhook_new_secret(s2);
        CHECK(strncmp(s1, "whsec_", 6) == 0 && strlen(s1) == 70 && strcmp(s1, s2) != 0);
    }
    CHECK_DONE();
}
