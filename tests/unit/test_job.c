/* Unit tests of common/job.c: the job/result codec, UTF-8 and base64. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "job.h"
#include "util.h"

static void test_job_roundtrip(void)
{
    struct job j, k;
    char err[128], *json;

    job_init(&j);
    util_uuid(j.id);
    j.code = strdup("print('hé \"q\"')\n");
    j.stdin_data = strdup("line1\nline2");
    j.timeout_ms = 2500;
    j.memory_mb = 128;
    j.credits = 5;
    strcpy(j.kind, "sync");
    strcpy(j.account, "demo");
    j.submitted_at_ms = 1700000000000;
    j.expires_at_ms = 1700000007500;
    json = job_to_json(&j);
    CHECK(json != NULL);
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(strcmp(k.id, j.id) == 0);
    CHECK(strcmp(k.code, j.code) == 0);
    CHECK(strcmp(k.stdin_data, j.stdin_data) == 0);
    CHECK(k.timeout_ms == 2500 && k.memory_mb == 128 && k.credits == 5);
    CHECK(k.expires_at_ms == 1700000007500);
    free(json);
    job_release(&k);
    job_release(&j);
}

static void test_job_rejects(void)
{
    struct job k;
    char err[128];
    const char *bad[] = {
        "not json", "[]", "{}",
        "{\"schema_version\":1,\"job_id\":\"x\",\"kind\":\"sync\",\"account\":\"a\",\"code\":\"1\",\"timeout_ms\":1,"
        "\"memory_mb\":1,\"credits\":0,\"submitted_at_ms\":0,\"expires_at_ms\":0}",
        "{\"schema_version\":9,\"job_id\":\"00000000-0000-4000-8000-000000000000\"}",
        "{\"schema_version\":1,\"job_id\":\"00000000-0000-4000-8000-000000000000\",\"kind\":\"sync\",\"account\":\"a\","
        "\"code\":5,\"timeout_ms\":1,\"memory_mb\":1,\"credits\":0,\"submitted_at_ms\":0,\"expires_at_ms\":0}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK(job_from_json(&k, bad[i], strlen(bad[i]), err, sizeof(err)) == -1);
        CHECK(err[0] != '\0');
    }
}

static void test_text(void)
{
    int lossy;
    char *t;

    t = job_text_from_bytes("plain é ✓", strlen("plain é ✓"), &lossy);
    CHECK(!lossy && strcmp(t, "plain é ✓") == 0);
    free(t);
    t = job_text_from_bytes("a\0b", 3, &lossy);
    CHECK(lossy && strcmp(t, "a\xef\xbf\xbd" "b") == 0);
    free(t);
    t = job_text_from_bytes("\xff\xc3", 2, &lossy);   /* invalid byte, truncated sequence */
    CHECK(lossy && strcmp(t, "\xef\xbf\xbd\xef\xbf\xbd") == 0);
    free(t);
    t = job_text_from_bytes("\xed\xa0\x80", 3, &lossy);   /* a UTF-16 surrogate is not UTF-8 */
    CHECK(lossy);
    free(t);
    t = job_text_from_bytes("\xc0\xaf", 2, &lossy);   /* overlong "/" */
    CHECK(lossy);
    free(t);
}

static void test_base64(void)
{
    const unsigned char in[] = {0, 1, 2, 0xff, 0xfe, 'x', 0};
    for (size_t n = 0; n <= sizeof(in); n++) {
        char *e = job_base64(in, n), *d;
        size_t dl = 99;
        CHECK(strlen(e) == (n + 2) / 3 * 4);
        d = job_unbase64(e, &dl);
        CHECK(d && dl == n && memcmp(d, in, n) == 0);
        free(e);
        free(d);
    }
    size_t dl;
    CHECK(job_unbase64("abc", &dl) == NULL);
    CHECK(job_unbase64("ab!d", &dl) == NULL);
    CHECK(job_unbase64("AB=C", &dl) == NULL);   /* a character after the padding (issue 31: the schema's pattern) */
    char *padded = job_unbase64("AB==", &dl);
    CHECK(padded != NULL && dl == 1);
    free(padded);
}

static void test_result_roundtrip(void)
{
    struct result r, s;
    char err[128], *json, *http;

    result_init(&r);
    util_uuid(r.id);
    r.status = RESULT_COMPLETED;
    r.stdout_data = malloc(4);
    memcpy(r.stdout_data, "a\0\xff\n", 4);
    r.stdout_len = 4;
    r.stderr_data = strdup("err");
    r.stderr_len = 3;
    r.exit_code = -9;
    r.term_signal = 9;
    r.memory_exceeded = 1;
    r.execution_time_ms = 12;
    r.credits = 5;
    strcpy(r.executor, "h:1");
    strcpy(r.account, "acct_1");
    strcpy(r.batch_id, "b");
    json = result_to_json(&r);
    CHECK(strstr(json, "\"stdout_base64\"") != NULL);
    CHECK(strstr(json, "\"stderr_base64\"") == NULL);
    CHECK(result_from_json(&s, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(s.stdout_len == 4 && memcmp(s.stdout_data, "a\0\xff\n", 4) == 0);
    CHECK(s.exit_code == -9 && s.term_signal == 9 && s.memory_exceeded == 1);
    CHECK(s.status == RESULT_COMPLETED && s.credits == 5);
    CHECK(strcmp(s.account, "acct_1") == 0 && strcmp(s.batch_id, "b") == 0);
    http = result_to_http_json(&s);
    CHECK(strstr(http, "\"ok\":true") && strstr(http, "\"_engine\":\"real\"") && strstr(http, "\"timed_out\":false"));
    free(json);
    free(http);
    result_release(&r);
    result_release(&s);
}

/* stdin with bytes a JSON string cannot carry travels as stdin_b64, and
 * comes back byte for byte; valid UTF-8 stays a plain "stdin". */
static void test_binary_stdin(void)
{
    struct job j, k;
    char err[200], *json;
    static const char bytes[] = {'a', 0, (char)0xff, 'b'};

    job_init(&j);
    snprintf(j.id, sizeof(j.id), "00000000-0000-4000-8000-000000000001");
    j.code = util_strdup("print(1)");
    j.stdin_data = malloc(sizeof(bytes));
    memcpy(j.stdin_data, bytes, sizeof(bytes));
    j.stdin_len = sizeof(bytes);
    snprintf(j.kind, sizeof(j.kind), "sync");
    snprintf(j.account, sizeof(j.account), "demo");
    j.timeout_ms = 1000;
    j.memory_mb = 64;
    json = job_to_json(&j);
    CHECK(strstr(json, "\"stdin_b64\":\"YQD/Yg==\"") && !strstr(json, "\"stdin\""));
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(k.stdin_len == sizeof(bytes) && memcmp(k.stdin_data, bytes, sizeof(bytes)) == 0);
    job_release(&k);
    free(json);
    CHECK(job_utf8_valid("h\xc3\xa9llo", 6) == 1);
    CHECK(job_utf8_valid("\xff", 1) == 0 && job_utf8_valid("\xc0\xaf", 2) == 0);   /* not UTF-8, overlong */
    CHECK(job_utf8_valid("\xed\xa0\x80", 3) == 0);                                   /* a surrogate */
    job_release(&j);
}

/* The output chunk of a streamed job, and the job's stream flag. */
static void test_output_chunks(void)
{
    const char *id = "0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60";
    char err[200], *json;
    struct job_output o;
    struct job j, k;

    json = job_output_json(id, "0123456789abcdef", JOB_STDERR, 42, "h\xc3\xa9\n", 4);
    CHECK(strstr(json, "\"text\":\"h\xc3\xa9\\n\"") && strstr(json, "\"offset\":42") && !strstr(json, "base64"));
    CHECK(job_output_from_json(&o, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(o.stream == JOB_STDERR && o.offset == 42 && o.len == 4 && memcmp(o.data, "h\xc3\xa9\n", 4) == 0);
    CHECK(strcmp(o.run, "0123456789abcdef") == 0 && strcmp(o.id, id) == 0);
    job_output_release(&o);
    free(json);
    /* Bytes that are not UTF-8, and a NUL: base64, exact. */
    json = job_output_json(id, "0123456789abcdef", JOB_STDOUT, 0, "a\0\xff", 3);
    CHECK(strstr(json, "\"base64\":\"YQD/\"") && !strstr(json, "\"text\""));
    CHECK(job_output_from_json(&o, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(o.stream == JOB_STDOUT && o.len == 3 && memcmp(o.data, "a\0\xff", 3) == 0);
    job_output_release(&o);
    free(json);
    /* Refused: no run, another stream, both forms, neither. */
    {
        static const char *bad[] = {
            "{\"schema_version\":1,\"job_id\":\"0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60\",\"stream\":\"stdout\","
            "\"offset\":0,\"text\":\"a\"}",
            "{\"schema_version\":1,\"job_id\":\"0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60\",\"run\":\"ab\","
            "\"stream\":\"stdin\",\"offset\":0,\"text\":\"a\"}",
            "{\"schema_version\":1,\"job_id\":\"0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60\",\"run\":\"ab\","
            "\"stream\":\"stdout\",\"offset\":0,\"text\":\"a\",\"base64\":\"YQ==\"}",
            "{\"schema_version\":1,\"job_id\":\"0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60\",\"run\":\"ab\","
            "\"stream\":\"stdout\",\"offset\":0}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            CHECK(job_output_from_json(&o, bad[i], strlen(bad[i]), err, sizeof(err)) < 0 && o.data == NULL);
    }
    /* The stream flag travels only when set. */
    job_init(&j);
    snprintf(j.id, sizeof(j.id), "%s", id);
    j.code = util_strdup("print(1)");
    snprintf(j.kind, sizeof(j.kind), "sync");
    snprintf(j.account, sizeof(j.account), "demo");
    j.timeout_ms = 1000;
    j.memory_mb = 64;
    json = job_to_json(&j);
    CHECK(!strstr(json, "stream"));
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0 && k.stream == 0);
    job_release(&k);
    free(json);
    j.stream = 1;
    json = job_to_json(&j);
    CHECK(strstr(json, "\"stream\":true") != NULL);
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0 && k.stream == 1);
    job_release(&k);
    free(json);
    job_release(&j);
}

/* A session's fields on a job (create, exec, fork) and a result, and the
 * messages a reader must refuse. */
static void test_session_fields(void)
{
    const char *id = "0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60", *sid = "1c6d8a63-4e9f-4e7b-8b62-3c2e4d5f6a71";
    char err[300], *json;
    struct job j, k;
    struct result r, q;

    job_init(&j);
    snprintf(j.id, sizeof(j.id), "%s", id);
    j.code = util_strdup("");
    snprintf(j.kind, sizeof(j.kind), "sync");
    snprintf(j.account, sizeof(j.account), "demo");
    j.timeout_ms = 1000;
    j.memory_mb = 64;
    json = job_to_json(&j);
    CHECK(!strstr(json, "session"));   /* a plain job carries none */
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0 && k.session_id[0] == '\0');
    job_release(&k);
    free(json);
    snprintf(j.session_id, sizeof(j.session_id), "%s", sid);
    snprintf(j.session_op, sizeof(j.session_op), "create");
    j.session_idle_s = 600;
    j.session_lifetime_s = 3600;
    j.session_hops = 2;
    json = job_to_json(&j);
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(strcmp(k.session_id, sid) == 0 && strcmp(k.session_op, "create") == 0 && k.session_idle_s == 600 &&
          k.session_lifetime_s == 3600 && k.session_hops == 2 && !k.session_interactive);
    job_release(&k);
    free(json);
    snprintf(j.session_op, sizeof(j.session_op), "exec");
    snprintf(j.session_executor, sizeof(j.session_executor), "host-200000");
    j.session_interactive = 1;
    json = job_to_json(&j);
    CHECK(strstr(json, "\"interactive\":true") && !strstr(json, "idle_timeout_s"));
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(strcmp(k.session_executor, "host-200000") == 0 && k.session_interactive == 1 && k.session_idle_s == 0);
    job_release(&k);
    free(json);
    job_release(&j);
    /* Refused: an unknown op, a session id that is not one, a fork with no new id, hops past the most. */
    {
        static const char *bad[] = {
            "\"session\":{\"id\":\"1c6d8a63-4e9f-4e7b-8b62-3c2e4d5f6a71\",\"op\":\"steal\"}",
            "\"session\":{\"id\":\"../../etc\",\"op\":\"exec\"}",
            "\"session\":{\"id\":\"1c6d8a63-4e9f-4e7b-8b62-3c2e4d5f6a71\",\"op\":\"fork\",\"idle_timeout_s\":1,"
            "\"max_lifetime_s\":1}",
            "\"session\":{\"id\":\"1c6d8a63-4e9f-4e7b-8b62-3c2e4d5f6a71\",\"op\":\"create\",\"idle_timeout_s\":1,"
            "\"max_lifetime_s\":1,\"hops\":9}",
            "\"session\":\"1c6d8a63-4e9f-4e7b-8b62-3c2e4d5f6a71\"",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char msg[600];
            snprintf(msg, sizeof(msg),
                     "{\"schema_version\":1,\"job_id\":\"%s\",\"kind\":\"sync\",\"account\":\"a\",\"code\":\"\","
                     "\"timeout_ms\":1000,\"memory_mb\":64,\"credits\":0,\"submitted_at_ms\":1,\"expires_at_ms\":2,%s}",
                     id, bad[i]);
            CHECK(job_from_json(&k, msg, strlen(msg), err, sizeof(err)) < 0);
        }
    }
    /* A result: its session, what it answers, where the session lives. */
    result_init(&r);
    CHECK(r.session_partition == -1);
    snprintf(r.id, sizeof(r.id), "%s", id);
    snprintf(r.executor, sizeof(r.executor), "host:1");
    snprintf(r.session_id, sizeof(r.session_id), "%s", sid);
    snprintf(r.session_op, sizeof(r.session_op), "create");
    snprintf(r.session_executor, sizeof(r.session_executor), "host-200000");
    r.session_partition = 7;
    json = result_to_json(&r);
    CHECK(result_from_json(&q, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(strcmp(q.session_id, sid) == 0 && strcmp(q.session_op, "create") == 0 && q.session_partition == 7 &&
          strcmp(q.session_executor, "host-200000") == 0 && !q.session_lost && !q.session_ended);
    result_release(&q);
    free(json);
    r.session_partition = -1;
    r.session_executor[0] = '\0';
    snprintf(r.session_op, sizeof(r.session_op), "exec");
    r.session_lost = r.session_ended = 1;
    json = result_to_json(&r);
    CHECK(!strstr(json, "partition"));
    CHECK(result_from_json(&q, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(q.session_partition == -1 && q.session_lost && q.session_ended);
    result_release(&q);
    free(json);
    result_release(&r);
}

/* Environments (issue 27): names, a job's own requirements, and the
 * fields they add to job and result messages. */
static void test_env_fields(void)
{
    struct job j, k;
    struct result r, q;
    char err[256], *json;
    cJSON *a;

    CHECK(job_env_name_ok("sympy") && job_env_name_ok("py3_data-1") && job_env_name_ok("0"));
    CHECK(!job_env_name_ok("") && !job_env_name_ok("Sympy") && !job_env_name_ok("-x") && !job_env_name_ok("a b") &&
          !job_env_name_ok("../x") && !job_env_name_ok("a/b") && !job_env_name_ok("x2345678901234567890123456789012"));
    CHECK(job_requirement_ok("sympy==1.12") && job_requirement_ok("numpy>=1.20,<2") &&
          job_requirement_ok("pandas[performance]==2.0") && job_requirement_ok("mpmath") &&
          job_requirement_ok("a!=1.4.*") && job_requirement_ok("x~=3.0"));
    CHECK(!job_requirement_ok("") && !job_requirement_ok("--index-url=http://x") && !job_requirement_ok("-r x") &&
          !job_requirement_ok("x @ http://h/x.whl") && !job_requirement_ok("x; python_version>'3'") &&
          !job_requirement_ok("./x.whl") && !job_requirement_ok("x y") && !job_requirement_ok("x[a") &&
          !job_requirement_ok("/etc/passwd") && !job_requirement_ok("git+https://h/x"));
    {
        char long_one[JOB_REQUIREMENT_MAX + 2];
        memset(long_one, 'a', sizeof(long_one) - 1);
        long_one[sizeof(long_one) - 1] = '\0';
        CHECK(!job_requirement_ok(long_one));
    }
    /* Sorted and distinct: the same set in any order is one set. */
    a = cJSON_Parse("[\"sympy==1.12\", \"mpmath\", \"sympy==1.12\"]");
    CHECK(job_requirements_parse(a, &json, err, sizeof(err)) == 0 && strcmp(json, "mpmath\nsympy==1.12\n") == 0);
    free(json);
    cJSON_Delete(a);
    a = cJSON_Parse("[\"x\", 5]");
    CHECK(job_requirements_parse(a, &json, err, sizeof(err)) < 0 && json == NULL && strstr(err, "not a requirement"));
    cJSON_Delete(a);
    a = cJSON_Parse("[]");
    CHECK(job_requirements_parse(a, &json, err, sizeof(err)) < 0);
    cJSON_Delete(a);
    CHECK(job_requirements_parse(NULL, &json, err, sizeof(err)) == 0 && json == NULL);

    job_init(&j);
    util_uuid(j.id);
    j.code = strdup("print(1)");
    strcpy(j.kind, "sync");
    strcpy(j.account, "demo");
    strcpy(j.env, "sympy");
    j.requirements = strdup("mpmath\nsympy==1.12\n");
    j.timeout_ms = 1000;
    j.memory_mb = 256;
    j.expires_at_ms = 2;
    json = job_to_json(&j);
    CHECK(json && strstr(json, "\"env\":\"sympy\"") && strstr(json, "\"requirements\":[\"mpmath\",\"sympy==1.12\"]"));
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(strcmp(k.env, "sympy") == 0 && strcmp(k.requirements, j.requirements) == 0);
    free(json);
    job_release(&k);
    /* A message naming a malformed environment or requirement is refused. */
    json = strdup("{\"schema_version\":1,\"job_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"kind\":\"sync\","
                  "\"account\":\"demo\",\"env\":\"../x\",\"code\":\"x\",\"timeout_ms\":1,\"memory_mb\":1,"
                  "\"credits\":5,\"submitted_at_ms\":1,\"expires_at_ms\":2}");
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) < 0 && strstr(err, "env"));
    free(json);
    job_release(&j);

    result_init(&r);
    CHECK(r.env_cold_start_ms == -1 && r.env_build_ms == -1);
    util_uuid(r.id);
    strcpy(r.executor, "e");
    json = result_to_json(&r);
    CHECK(json && !strstr(json, "env"));   /* the default: no field at all */
    free(json);
    strcpy(r.env, "req-0123456789ab");
    r.env_cold_start_ms = 260;
    r.env_build_ms = 0;
    json = result_to_json(&r);
    CHECK(result_from_json(&q, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(strcmp(q.env, r.env) == 0 && q.env_cold_start_ms == 260 && q.env_build_ms == 0);
    free(json);
    result_release(&q);
    result_release(&r);
}

int main(void)
{
    test_env_fields();
    test_session_fields();
    test_output_chunks();
    test_binary_stdin();
    test_job_roundtrip();
    test_job_rejects();
    test_text();
    test_base64();
    test_result_roundtrip();
    CHECK_DONE();
}
