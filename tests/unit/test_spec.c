/* Unit tests of producer-api/spec.c's body check: a NUL is refused, and the
 * error names where it is (issue 31: a NUL in an admin body's unknown key
 * was answered "code and stdin may not contain NUL characters"). */
#include <string.h>

#include "check.h"
#include "spec.h"

static const char *msg_of(const char *body)
{
    static struct spec_err e;
    memset(&e, 0, sizeof(e));
    return spec_body_check(body, strlen(body), &e) < 0 ? e.msg : "";
}

int main(void)
{
    char key[64];

    CHECK(spec_nul_where("{\"code\":\"print(1)\"}", 18, key, sizeof(key)) == 0);
    CHECK(spec_nul_where("{\"code\":\"a\\u0000b\"}", 20, key, sizeof(key)) == 1);
    CHECK(strcmp(key, "code") == 0);
    CHECK(spec_nul_where("{\"x\\u0000\": {}, \"reason\": \"r\"}", 29, key, sizeof(key)) == 2);
    CHECK(spec_nul_where("{\"a\\\"b\": \"\\\\u0000\"}", 19, key, sizeof(key)) == 0);   /* an escaped backslash, then u0000 */
    CHECK(spec_nul_where("{\"a\": \"x\0\"}", 11, key, sizeof(key)) == 1);
    CHECK(spec_nul_where("{\"a\": 1}\0", 9, key, sizeof(key)) == 3);
    CHECK(spec_nul_where("{\"stdin\": \"\\u0000\"}", 19, key, sizeof(key)) == 1);
    CHECK(spec_nul_where("{\"stdin\": \"\\u0001\"}", 19, key, sizeof(key)) == 0);

    CHECK(strstr(msg_of("{\"stdin\": \"a\\u0000\"}"), "\"stdin\" may not contain NUL") != NULL);
    CHECK(strstr(msg_of("{\"stdin\": \"a\\u0000\"}"), "stdin_b64") != NULL);
    CHECK(strstr(msg_of("{\"code\": \"a\\u0000\"}"), "\"code\" may not contain NUL") != NULL);
    CHECK(strstr(msg_of("{\"reason\": \"\\u0000\"}"), "\"reason\" may not") != NULL);
    CHECK(strstr(msg_of("{\"\\u00cc\\u0000\": {}, \"reason\": \"r\"}"), "a key of the body") != NULL);
    CHECK(strstr(msg_of("{\"\\u00cc\\u0000\": {}}"), "code and stdin") == NULL);
    CHECK(strcmp(msg_of("{\"code\": \"print(1)\"}"), "") == 0);
    CHECK_DONE();
}
