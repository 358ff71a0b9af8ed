/* Unit tests of producer-api/spec.c's body check: a NUL is refused, and the
 * error names where it is (issue 31: a NUL in an admin body's unknown key
 * was answered "code and stdin may not contain NUL characters"). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "spec.h"

/* Parses body as a job with c; returns the error code, or "" and fills j. */
static const char *job_code(const struct cfg *c, const char *body, struct job *j)
{
    static struct spec_err e;
    cJSON *o = cJSON_Parse(body);
    int rc;

    memset(&e, 0, sizeof(e));
    job_release(j);
    rc = spec_parse(c, o, j, &e);
    cJSON_Delete(o);
    return rc < 0 ? e.code : "";
}

/* "env" and "requirements" (issue 27). */
static void test_env_and_requirements(void)
{
    struct cfg c;
    struct job j;
    char err[256], *argv[] = {"x", NULL};

    CHECK(cfg_load(&c, CFG_API, 1, argv, err, sizeof(err)) == 0);
    job_init(&j);
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"env\": \"sympy\"}", &j), "") == 0 && strcmp(j.env, "sympy") == 0);
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"env\": \"default\"}", &j), "") == 0 && j.env[0] == '\0');
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"env\": null}", &j), "") == 0 && j.env[0] == '\0');
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"env\": \"Sympy\"}", &j), "invalid_env") == 0);
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"env\": 3}", &j), "invalid_env") == 0);
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"env\": \"\"}", &j), "invalid_env") == 0);
    /* requirements: refused unless the operator allows them */
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"requirements\": [\"sympy==1.12\"]}", &j), "requirements_disabled") == 0);
    c.allow_requirements = 1;
    c.requirements_max = 2;
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"requirements\": [\"b==1\", \"a\"]}", &j), "") == 0 &&
          strcmp(j.requirements, "a\nb==1\n") == 0);
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"requirements\": [\"a\", \"b\", \"c\"]}", &j), "invalid_requirements") == 0);
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"requirements\": [\"--index-url=x\"]}", &j), "invalid_requirements") == 0);
    CHECK(strcmp(job_code(&c, "{\"code\": \"1\", \"env\": \"x\", \"requirements\": [\"a\"]}", &j),
                 "invalid_requirements") == 0);
    job_release(&j);
}

static const char *msg_of(const char *body)
{
    static struct spec_err e;
    memset(&e, 0, sizeof(e));
    return spec_body_check(body, strlen(body), &e) < 0 ? e.msg : "";
}

int main(void)
{
    char key[64];

    test_env_and_requirements();

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
