/* Unit tests of common/cfg.c: defaults, environment, flags, bounds. */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "check.h"

int main(void)
{
    struct cfg c;
    char err[256];
    char *argv1[] = {"x", "--port=9000", "--brokers", "h:1", NULL};
    char *argv2[] = {"x", "--port=0", NULL};
    char *argv3[] = {"x", "--slots=4", NULL};          /* an executor option */
    char *argv4[] = {"x", "--nonsense=1", NULL};
    char *argv5[] = {"x", "--help", NULL};

    unsetenv("EXECQ_PORT");
    CHECK(cfg_load(&c, CFG_API, 1, argv1, err, sizeof(err)) == 0);
    CHECK(c.port == 8080 && strcmp(c.brokers, "127.0.0.1:9092") == 0);
    CHECK(c.price_credits == 5 && c.max_timeout_ms == 30000 && c.default_timeout_ms == 10000);
    CHECK(strcmp(c.demo_key, "demo_key_slopshop") == 0);
    CHECK(cfg_load(&c, CFG_API, 4, argv1, err, sizeof(err)) == 0);
    CHECK(c.port == 9000 && strcmp(c.brokers, "h:1") == 0);
    setenv("EXECQ_PORT", "7000", 1);
    CHECK(cfg_load(&c, CFG_API, 1, argv1, err, sizeof(err)) == 0 && c.port == 7000);
    CHECK(cfg_load(&c, CFG_API, 2, argv1, err, sizeof(err)) == 0 && c.port == 9000);   /* flag wins */
    setenv("EXECQ_PORT", "seventy", 1);
    CHECK(cfg_load(&c, CFG_API, 1, argv1, err, sizeof(err)) == -1 && strstr(err, "EXECQ_PORT"));
    unsetenv("EXECQ_PORT");
    CHECK(cfg_load(&c, CFG_API, 2, argv2, err, sizeof(err)) == -1 && strstr(err, "port"));
    CHECK(cfg_load(&c, CFG_API, 2, argv3, err, sizeof(err)) == -1);
    CHECK(cfg_load(&c, CFG_EXEC, 2, argv3, err, sizeof(err)) == 0 && c.slots == 4);
    CHECK(cfg_load(&c, CFG_EXEC, 2, argv4, err, sizeof(err)) == -1);
    CHECK(cfg_load(&c, CFG_API, 2, argv5, err, sizeof(err)) == 1);
    {
        /* --env repeats: flags append; together they replace the
         * environment variable's comma-separated list. */
        char *e1[] = {"x", "--env=a=/r/a.txt", "--env", "b=/r/b.txt", NULL};
        char *e2[] = {"x", "--env=c=/r/c.txt", NULL};
        setenv("EXECQ_ENV", "x=/r/x.txt,y=/r/y.txt", 1);
        CHECK(cfg_load(&c, CFG_EXEC, 1, e1, err, sizeof(err)) == 0 && strcmp(c.envs, "x=/r/x.txt,y=/r/y.txt") == 0);
        CHECK(cfg_load(&c, CFG_EXEC, 4, e1, err, sizeof(err)) == 0 && strcmp(c.envs, "a=/r/a.txt,b=/r/b.txt") == 0);
        CHECK(cfg_load(&c, CFG_EXEC, 2, e2, err, sizeof(err)) == 0 && strcmp(c.envs, "c=/r/c.txt") == 0);
        unsetenv("EXECQ_ENV");
        CHECK(cfg_load(&c, CFG_API, 2, e2, err, sizeof(err)) == -1);   /* an executor option */
        CHECK(cfg_load(&c, CFG_EXEC, 1, e2, err, sizeof(err)) == 0 && c.allow_requirements == 0 &&
              c.env_zygotes_mb == 1024 && strcmp(c.env_cache, "/var/lib/execq/envs") == 0 &&
              strcmp(c.envs_topic, "execq.envs") == 0 && c.env_build_uid == 65534);
    }
    setenv("EXECQ_DEMO_KEY", "short", 1);   /* under the 8-character minimum */
    CHECK(cfg_load(&c, CFG_API, 1, argv1, err, sizeof(err)) == -1);
    unsetenv("EXECQ_DEMO_KEY");
    {
        /* Word options: a typo fails the start instead of becoming a default. */
        char *a[] = {"x", "--log-level=debgu"}, *b[] = {"x", "--log-level=debug"}, *m[] = {"x", "--sandbox-mode=lukewarm"};
        CHECK(cfg_load(&c, CFG_API, 2, a, err, sizeof(err)) == -1 && strstr(err, "\"debgu\" is not one of"));
        CHECK(cfg_load(&c, CFG_API, 2, b, err, sizeof(err)) == 0);
        CHECK(cfg_load(&c, CFG_EXEC, 2, m, err, sizeof(err)) == -1 && strstr(err, "warm, fresh"));
        /* The batch topic defaults to the jobs topic's name + ".batch". */
        CHECK(cfg_load(&c, CFG_API, 1, a, err, sizeof(err)) == 0 && strcmp(c.batch_topic, "execq.jobs.batch") == 0);
    }
    {
        /* librdkafka properties: EXECQ_KAFKA_<PROPERTY> then -X (both forms), in that order. */
        char *x[] = {"x", "-X", "client.id=me", "-Xsasl.username=u=v"}, *bad[] = {"x", "-X", "novalue"};
        setenv("EXECQ_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", 1);
        setenv("EXECQ_KAFKA_PORT", "9092", 1);   /* make run's, not a property */
        CHECK(cfg_load(&c, CFG_API, 4, x, err, sizeof(err)) == 0);
        CHECK(strcmp(c.kafka_props, "security.protocol=SASL_SSL\nclient.id=me\nsasl.username=u=v\n") == 0);
        CHECK(cfg_load(&c, CFG_EXEC, 3, bad, err, sizeof(err)) == -1 && strstr(err, "novalue"));
        unsetenv("EXECQ_KAFKA_SECURITY_PROTOCOL");
        unsetenv("EXECQ_KAFKA_PORT");
    }
    CHECK_DONE();
}
