/* cfg: one table of {name, default, min, max, help} for both programs
 * (redis config.c style). Defaults come first, then EXECQ_<NAME> from the
 * environment, then --name=value flags, each checked the same way. */
#include "cfg.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cfg_type { CFG_STR, CFG_INT };

struct cfg_entry {
    const char *name;      /* flag name; env name is EXECQ_ + upper(name) with - as _ */
    enum cfg_type type;
    size_t offset;
    size_t size;           /* CFG_STR: buffer size */
    const char *def;
    long min, max;         /* CFG_INT bounds; CFG_STR: min length */
    unsigned mask;
    const char *help;
};

#define S(field, name, def, minlen, mask, help) \
    {name, CFG_STR, offsetof(struct cfg, field), sizeof(((struct cfg *)0)->field), def, minlen, 0, mask, help}
#define I(field, name, def, min, max, mask, help) \
    {name, CFG_INT, offsetof(struct cfg, field), 0, def, min, max, mask, help}

static const struct cfg_entry cfg_table[] = {
    S(brokers, "brokers", "127.0.0.1:9092", 1, CFG_API | CFG_EXEC | CFG_HOOKS, "Kafka bootstrap servers (host:port,...)"),
    S(jobs_topic, "jobs-topic", "execq.jobs", 1, CFG_API | CFG_EXEC, "topic sync jobs are written to (the fast lane)"),
    S(batch_topic, "batch-topic", "", 0, CFG_API | CFG_EXEC, "topic async and batch jobs are written to, served after sync jobs (empty: <jobs-topic>.batch)"),
    S(results_topic, "results-topic", "execq.results", 1, CFG_API | CFG_EXEC | CFG_HOOKS, "topic results are written to (the reply topic)"),
    S(output_topic, "output-topic", "", 0, CFG_API | CFG_EXEC, "topic of streamed output chunks, on the partition of the API that serves the stream (empty: <results-topic>.output; kept one hour)"),
    S(control_topic, "control-topic", "", 0, CFG_API | CFG_EXEC, "topic of cancel notices, one partition, read from its start by every executor (empty: <jobs-topic>.control; kept two days)"),
    S(envs_topic, "envs-topic", "execq.envs", 1, CFG_API | CFG_EXEC, "compacted topic where each executor announces its environments (package sets: state, Python, packages); the API lists them at GET /v1/envs and checks a job's \"env\" against them"),
    S(accounts_topic, "accounts-topic", "execq.accounts", 1, CFG_API | CFG_EXEC, "compacted topic of account notices (suspended or not, by account id): executors fail a suspended account's jobs without running them"),
    S(sessions_topic, "sessions-topic", "", 0, CFG_API | CFG_EXEC, "topic of session execs: each executor reads one partition of it, the one its instance id hashes to, and serves the sessions it holds (empty: <jobs-topic>.sessions)"),
    I(sessions_partitions, "sessions-partitions", "16", 1, 1000, CFG_API | CFG_EXEC, "partitions of the sessions topic when execq creates it (more than executors, so few share one)"),
    I(jobs_partitions, "jobs-partitions", "12", 1, 1000, CFG_API | CFG_EXEC, "partitions of the jobs topic when execq creates it (caps executors per group)"),
    I(results_partitions, "results-partitions", "6", 1, 1000, CFG_API | CFG_EXEC, "partitions of the results topic when execq creates it"),
    S(listen_addr, "listen-addr", "127.0.0.1", 1, CFG_API, "HTTP listen address (IPv4)"),
    I(port, "port", "8080", 1, 65535, CFG_API, "HTTP listen port"),
    S(demo_key, "demo-key", "demo_key_slopshop", 8, CFG_API, "the API key accepted until accounts land"),
    S(cors_origins, "cors-origins", "", 0, CFG_API, "origins (scheme://host[:port], comma-separated) whose web pages may call the API from a browser (CORS: preflights answered, answers readable); \"*\": any; empty: none, as without a browser"),
    I(price_credits, "price-credits", "5", 0, 1000000, CFG_API, "credits charged per run"),
    I(default_timeout_ms, "default-timeout-ms", "10000", 1, 3600000, CFG_API, "timeout of a job that names none"),
    I(max_timeout_ms, "max-timeout-ms", "30000", 1, 3600000, CFG_API, "largest timeout a job may ask for"),
    I(sync_grace_ms, "sync-grace-ms", "5000", 100, 600000, CFG_API, "a sync call gives up this long after the job's timeout"),
    I(max_body_bytes, "max-body-bytes", "1048576", 1024, 67108864, CFG_API, "largest request body (413 beyond)"),
    I(max_code_bytes, "max-code-bytes", "131071", 1, 131071, CFG_API, "largest code string (the kernel's argv string limit)"),
    I(stream_buffer_kb, "stream-buffer-kb", "256", 16, 65536, CFG_API, "output a streamed call may have queued for a slow client; beyond, chunks are dropped (an event says which bytes; the result still has them)"),
    I(stream_keepalive_s, "stream-keepalive-s", "15", 1, 300, CFG_API, "a streamed call idle this long gets a comment line, so proxies keep it open"),
    I(max_pending, "max-pending", "10000", 1, 1000000, CFG_API, "sync calls that may wait at once (503 beyond)"),
    S(db_path, "db-path", "execq.db", 1, CFG_API | CFG_HOOKS, "SQLite database of accounts, ledger, async jobs"),
    S(db_url, "db-url", "", 0, CFG_API | CFG_HOOKS, "PostgreSQL store shared by several APIs (postgres://user@host/db; better in EXECQ_DB_URL if it holds a password); empty: the SQLite file db-path"),
    I(reply_partition, "reply-partition", "-1", -1, 999, CFG_API, "partition of the results topic this API's sync results come back on (executors answer there), one per API; -1: claim a free one (a lease in the store, renewed while the API runs)"),
    S(api_group_id, "api-group-id", "execq-api", 1, CFG_API, "consumer group that stores results (commits after storing)"),
    I(signup_credits, "signup-credits", "500", 0, 1000000000, CFG_API, "free credits of a new account"),
    I(demo_credits, "demo-credits", "1000000", 0, 1000000000, CFG_API, "credits the demo account gets when first created"),
    I(signups_per_hour, "signups-per-hour", "5", 1, 1000000, CFG_API, "signups allowed per client address per hour"),
    I(max_batch_jobs, "max-batch-jobs", "1000", 1, 100000, CFG_API, "jobs in one batch at most"),
    I(max_batch_body_bytes, "max-batch-body-bytes", "16777216", 1024, 268435456, CFG_API, "largest batch request body"),
    I(retention_s, "retention-s", "604800", 1, 315360000, CFG_API, "finished jobs, their results, batches and ledger rows are deleted this long after they finish"),
    I(idempotency_ttl_s, "idempotency-ttl-s", "86400", 1, 31536000, CFG_API, "an Idempotency-Key is remembered this long"),
    I(lost_after_ms, "lost-after-ms", "90000", 1000, 86400000, CFG_API, "a job with no result this long past its deadline is failed as lost and refunded (keep it above max-timeout-ms)"),
    I(session_max_open, "session-max-open", "5", 0, 100000, CFG_API, "open sessions one account may have (an operator sets an account's own in its limits); beyond, 429 too_many_sessions"),
    I(session_create_credits, "session-create-credits", "0", 0, 1000000, CFG_API, "credits charged to create a session (each exec costs price-credits)"),
    I(session_max_lifetime_s, "session-max-lifetime-s", "86400", 60, 604800, CFG_API, "longest max_lifetime_s a session may ask for (and its default)"),
    I(max_wait_s, "max-wait-s", "30", 0, 600, CFG_API, "longest ?wait= a GET may ask for"),
    S(group_id, "group-id", "execq-executors", 1, CFG_EXEC, "consumer group of the executors"),
    S(instance_id, "instance-id", "", 0, CFG_EXEC, "static group member id (empty: <hostname>-<uid-base>, unique on a host and the same across restarts)"),
    I(slots, "slots", "0", 0, 1024, CFG_EXEC, "jobs run at once by one executor (0 = number of CPUs)"),
    I(session_slots, "session-slots", "4", 0, 512, CFG_EXEC, "sessions one executor holds at once, beside its job slots (each its own sandbox, uids and cgroup; 0 = none)"),
    I(session_memory_mb, "session-memory-mb", "1024", 0, 1048576, CFG_EXEC, "memory the sessions of one executor may hold together (the sum of their memory_mb); a session that does not fit is refused, so sessions never take the job slots' memory"),
    I(live_after_ms, "live-after-ms", "1000", -1, 3600000, CFG_EXEC, "an async or batch job that runs this long has its output published as it comes, so GET /v1/jobs/{id}/events can follow it (what it printed before goes at once; a job that asked with stream gets it from its start; -1: never)"),
    S(python, "python", "/usr/bin/python3", 1, CFG_EXEC, "the Python interpreter jobs run with"),
    I(max_output_bytes, "max-output-bytes", "1048576", 1024, 1048576, CFG_EXEC, "bytes kept of stdout and of stderr each (rest drained and dropped); at most 1 MiB so a result fits a 16 MiB message"),
    I(max_scratch_mb, "max-scratch-mb", "512", 0, 65536, CFG_EXEC | CFG_API, "largest scratch_mb a job may ask for (a private tmpfs at /tmp, counted against its memory limit; 0 = no scratch space)"),
    I(max_input_bytes, "max-input-bytes", "8388608", 0, 67108864, CFG_API, "input files of one job together, in bytes (max-body-bytes bounds the request too)"),
    I(max_files_bytes, "max-files-bytes", "4194304", 0, 8388608, CFG_EXEC, "output files (/tmp/out) returned with a result, in bytes together; the rest is left out, files_truncated"),
    I(max_images_bytes, "max-images-bytes", "4194304", 0, 8388608, CFG_EXEC, "figures returned with a result, in bytes together; the rest is left out, images_truncated"),
    I(memory_mb, "memory-mb", "256", 16, 65536, CFG_EXEC | CFG_API, "memory limit of a job that names none"),
    I(max_memory_mb, "max-memory-mb", "1024", 16, 65536, CFG_EXEC | CFG_API, "largest memory_mb a job may ask for"),
    I(pids_max, "pids-max", "64", 4, 100000, CFG_EXEC, "processes and threads a job may have at once"),
    I(zygote_max_jobs, "zygote-max-jobs", "10000", 0, 1000000000, CFG_EXEC, "warm mode: make the zygote again after this many jobs (every warm job shares its address-space layout and str hash seed), off the request path (0 = never)"),
    I(zygote_max_age_s, "zygote-max-age-s", "600", 0, 31536000, CFG_EXEC, "warm mode: make the zygote again once it is this many seconds old (0 = never)"),
    I(zygote_huge_pages, "zygote-huge-pages", "1", 0, 1, CFG_EXEC, "warm mode: back the zygote's memory with 2 MiB pages where the kernel can (MADV_COLLAPSE), so each job's fork and exit walk fewer page-table entries (1) or not (0)"),
    I(cpu_percent, "cpu-percent", "100", 1, 100000, CFG_EXEC, "CPU a job may use, in percent of one CPU"),
    S(cgroup_parent, "cgroup-parent", "execq", 1, CFG_EXEC, "cgroup (relative to each hierarchy's root) each executor makes its group x<pid> under, the job groups inside it; \"delegated\" (cgroup v2): the group the executor was started in (a systemd unit with Delegate=yes), which it moves itself down into <group>/main to use"),
    I(host_reserve_mb, "host-reserve-mb", "1024", 0, 1048576, CFG_EXEC, "memory kept from jobs for the host (broker, API, kernel): the executor refuses to start unless slots x max-memory-mb + 64 MiB fits in the rest"),
    I(jobs_cpu_percent, "jobs-cpu-percent", "0", 0, 100000, CFG_EXEC, "CPU all of this executor's jobs may use together, in percent of one CPU (0 = every CPU but half of one, which stays for the broker and the API)"),
    I(allow_uncapped_swap, "allow-uncapped-swap", "0", 0, 1, CFG_EXEC, "1: start on cgroup v1 without swap accounting, where a job's swap is not capped (only for hosts without swap)"),
    I(uid_base, "uid-base", "200000", 1000, 2000000000, CFG_EXEC, "first host uid of the sandboxes (slot N: uid-base+2N as namespace root, +2N+1 for the code)"),
    S(sandbox_paths, "sandbox-paths", SBX_PATHS_DEFAULT, 1, CFG_EXEC, "host paths under /usr a job sees, read-only, comma-separated (nothing else of /usr; /usr/local only if listed)"),
    S(sandbox_root, "sandbox-root", "/run/execq", 1, CFG_EXEC, "directory for the executor's empty mount points"),
    S(sandbox, "sandbox", "full", 1, CFG_EXEC, "full (the only mode for untrusted code)"),
    S(sandbox_mode, "sandbox-mode", "warm", 4, CFG_EXEC, "warm (each job a fork of a ready Python) or fresh (each job a new python3 process)"),
    S(launcher, "launcher", "", 0, CFG_EXEC, "path of execq-launcher (empty: beside the execq-executor binary)"),
    S(warm_imports, "warm-imports", SBX_WARM_IMPORTS_DEFAULT, 0, CFG_EXEC, "modules the warm Python imports before any job (comma-separated)"),
    S(envs, "env", "", 0, CFG_EXEC, "an environment jobs may choose with \"env\": NAME=path/to/requirements.txt (repeatable; the environment variable takes them comma-separated); built once into a virtual environment over the default interpreter's packages, wheels only, and warmed in a zygote of its own (docs/operations.md, Environments)"),
    S(envs_dir, "envs-dir", "", 0, CFG_EXEC, "a directory of environments, one NAME/requirements.txt each (beside --env)"),
    S(env_cache, "env-cache", "/var/lib/execq/envs", 1, CFG_EXEC, "where environments are built, one directory per name and hash of its requirements (a rebuild only when that hash changes); jobs see their environment's directory read-only at the same path"),
    S(pip_index_url, "pip-index-url", "", 0, CFG_EXEC, "the package index environments are built from (empty: pip's own default, PyPI); the host's pip configuration is never read"),
    S(pip_proxy, "pip-proxy", "", 0, CFG_EXEC, "an HTTP(S) proxy environment builds reach the index through (http://host:port; empty: none)"),
    I(env_zygotes_mb, "env-zygotes-mb", "1024", 0, 1048576, CFG_EXEC, "memory the warm interpreters (zygotes) of environments may hold together on this executor; beyond, the least recently used idle one is stopped, and started again on its next job (env_cold_start_ms in that result)"),
    I(env_build_timeout_s, "env-build-timeout-s", "600", 10, 86400, CFG_EXEC, "longest an environment's build may take before it fails"),
    I(env_build_uid, "env-build-uid", "65534", 1, 2000000000, CFG_EXEC, "the unprivileged host uid (and gid) environments are built as (default nobody); the result is then made root's and read-only"),
    I(allow_requirements, "allow-requirements", "0", 0, 1, CFG_API | CFG_EXEC, "1: a job may carry its own \"requirements\" (pip requirement strings: names with version specifiers, no options or URLs), an environment over the default one built on its first use, wheels only, and kept for the next job that names the same set (give it to the API and the executors alike)"),
    I(requirements_max, "requirements-max", "16", 1, 100, CFG_API, "requirement strings one job may carry"),
    I(requirements_build_s, "requirements-build-s", "120", 10, 3600, CFG_API | CFG_EXEC, "longest a job's requirements may take to build (a sync call that carries some waits this much longer than its timeout)"),
    I(requirements_max_mb, "requirements-max-mb", "512", 16, 1048576, CFG_EXEC, "largest a job's requirements may be once installed, in MiB (beyond: the build fails)"),
    I(requirements_max_envs, "requirements-max-envs", "64", 1, 10000, CFG_EXEC, "requirement sets one executor builds and keeps (a set beyond fails: declare a named environment instead)"),
    S(admin_token, "admin-token", "", 0, CFG_API, "the operator token of the admin API (better in EXECQ_ADMIN_TOKEN or a file: a flag shows in ps); empty: no admin API"),
    S(admin_token_file, "admin-token-file", "", 0, CFG_API, "a file whose first line is the operator token (instead of admin-token)"),
    I(account_rps, "account-requests-per-s", "200", 0, 1000000, CFG_API, "requests per second one account may make (bursts of twice that); beyond, 429 rate_limited with Retry-After (0 = no limit)"),
    I(account_max_queued, "account-max-queued", "32", 0, 1000000, CFG_API, "async and batch jobs of one account handed to Kafka and unfinished at once; the rest wait in the store, released as these finish, so one account's batch queues at most this many jobs ahead of another's (0 = no limit: arrival order)"),
    I(account_max_sync, "account-max-sync", "100", 0, 1000000, CFG_API, "sync calls of one account waiting at once; beyond, 429 too_many_jobs and nothing charged, so one account cannot take every waiting slot (--max-pending) from the others (0 = no limit)"),
    I(store_timeout_ms, "store-timeout-ms", "3000", 100, 600000, CFG_API | CFG_HOOKS, "PostgreSQL: how long a statement or a connection attempt may take before it fails (answered 503 store_unavailable with Retry-After; then calls fail at once for 2 s until the store answers again)"),
    I(account_max_waits, "account-max-waits", "100", 0, 1000000, CFG_API, "GETs of one account waiting at once (?wait=); beyond, 429 too_many_jobs, so one account cannot take every connection from the others (0 = no limit)"),
    I(max_conns_per_address, "max-connections-per-address", "1024", 0, 1000000, CFG_API, "HTTP connections one client address may hold open at once, waiting or sending a body slowly included; beyond, refused at accept (0 = no limit)"),
    I(account_max_open, "account-max-open", "10000", 0, 100000000, CFG_API, "unfinished async and batch jobs one account may have (held ones included); beyond, 429 too_many_jobs and nothing charged (0 = no limit)"),
    I(allow_http_callbacks, "allow-http-callbacks", "0", 0, 1, CFG_API | CFG_HOOKS, "1: callback URLs may be http:// (else https:// only; give it to the API and execq-hooks alike)"),
    I(allow_private_callbacks, "allow-private-callbacks", "0", 0, 1, CFG_API | CFG_HOOKS, "1: callbacks may reach loopback, private, link-local and metadata addresses (else refused when the URL is given and again at every connection, after DNS; give it to the API and execq-hooks alike)"),
    S(hooks_group_id, "hooks-group-id", "execq-hooks", 1, CFG_HOOKS, "consumer group of the delivery daemons on the results topic"),
    S(hooks_name, "hooks-name", "", 0, CFG_HOOKS, "this daemon's name in the store's leases (empty: <hostname>-hooks; the same across restarts, so a restarted daemon takes back its own at once)"),
    S(public_url, "public-url", "", 0, CFG_HOOKS, "the API's address as callers reach it (https://api.example.com), for the links in callbacks; empty: links are paths (/v1/jobs/ID)"),
    I(hooks_timeout_ms, "hooks-timeout-ms", "10000", 100, 60000, CFG_HOOKS, "a callback's POST gives up after this long (connection included)"),
    I(hooks_max_inflight, "hooks-max-inflight", "64", 1, 10000, CFG_HOOKS, "callbacks one daemon sends at once"),
    I(hooks_per_destination, "hooks-per-destination", "4", 1, 1000, CFG_HOOKS, "callbacks sent at once to one destination (scheme, host and port) by all the daemons of a store together: a slow receiver holds this many, never the rest"),
    I(hooks_retry_base_ms, "hooks-retry-base-ms", "5000", 10, 3600000, CFG_HOOKS, "the first retry's delay; each next one doubles (with full jitter), up to hooks-retry-max-ms"),
    I(hooks_retry_max_ms, "hooks-retry-max-ms", "3600000", 10, 86400000, CFG_HOOKS, "the longest delay between two attempts"),
    I(hooks_give_up_s, "hooks-give-up-s", "86400", 1, 2592000, CFG_HOOKS, "an event not delivered this long after it was made is dead-lettered (execq hooks replay sends it again)"),
    I(hooks_max_body_kb, "hooks-max-body-kb", "1024", 16, 65536, CFG_HOOKS, "largest callback body; a larger result is sent without its files and images, with a link to GET /v1/jobs/{id}"),
    I(hooks_lease_ms, "hooks-lease-ms", "60000", 1000, 3600000, CFG_HOOKS, "how long a daemon holds an event it sends (above hooks-timeout-ms): a daemon killed mid-send loses its events to the others for this long"),
    S(log_level, "log-level", "info", 1, CFG_API | CFG_EXEC | CFG_HOOKS, "error, warning, info or debug"),
    S(log_format, "log-format", "text", 1, CFG_API | CFG_EXEC | CFG_HOOKS, "text (one line per event) or json (one JSON object per line, key=value tokens as fields)"),
    S(metrics_addr, "metrics-addr", "", 0, CFG_EXEC | CFG_HOOKS, "host:port serving GET /metrics (Prometheus text format); empty: none (the API serves /metrics on its own port)"),
};
#define CFG_N (sizeof(cfg_table) / sizeof(cfg_table[0]))

static void env_name(const char *name, char *out, size_t out_size)
{
    size_t i = 0, j;

    i = (size_t)snprintf(out, out_size, "EXECQ_");
    for (j = 0; name[j] && i + 1 < out_size; j++, i++)
        out[i] = name[j] == '-' ? '_' : (char)toupper((unsigned char)name[j]);
    out[i] = '\0';
}

/* Returns 0, or -1 with the reason in errstr. */
static int cfg_set(struct cfg *c, const struct cfg_entry *e, const char *value, const char *from,
                   char *errstr, size_t errstr_size)
{
    char *p = (char *)c + e->offset;

    if (e->type == CFG_STR) {
        if (strlen(value) >= e->size || strlen(value) < (size_t)e->min) {
            snprintf(errstr, errstr_size, "%s (%s): length must be %ld to %zu", e->name, from,
                     e->min, e->size - 1);
            return -1;
        }
        memcpy(p, value, strlen(value) + 1);
        return 0;
    }
    char *end;
    long v;
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end != '\0' || v < e->min || v > e->max) {
        snprintf(errstr, errstr_size, "%s (%s): \"%s\" is not a whole number from %ld to %ld",
                 e->name, from, value, e->min, e->max);
        return -1;
    }
    *(long *)(void *)p = v;
    return 0;
}

static const struct cfg_entry *cfg_find(const char *name, size_t len, unsigned mask)
{
    for (size_t i = 0; i < CFG_N; i++)
        if ((cfg_table[i].mask & mask) && strlen(cfg_table[i].name) == len &&
            strncmp(cfg_table[i].name, name, len) == 0)
            return &cfg_table[i];
    return NULL;
}

/* Appends "key=value\n" to c->kafka_props (from says where it came from).
 * Returns 0, or -1 with the reason in errstr. */
static int add_kafka_prop(struct cfg *c, const char *kv, const char *from, char *errstr, size_t errstr_size)
{
    const char *eq = strchr(kv, '=');
    size_t used = strlen(c->kafka_props), n = strlen(kv);

    if (!eq || eq == kv || strchr(kv, '\n')) {
        snprintf(errstr, errstr_size, "%s: \"%s\" is not a librdkafka property=value", from, kv);
        return -1;
    }
    if (used + n + 2 > sizeof(c->kafka_props)) {
        snprintf(errstr, errstr_size, "%s: too many Kafka properties (at most %zu bytes)", from,
                 sizeof(c->kafka_props) - 1);
        return -1;
    }
    memcpy(c->kafka_props + used, kv, n);
    memcpy(c->kafka_props + used + n, "\n", 2);
    return 0;
}

/* EXECQ_KAFKA_<PROPERTY>=value: PROPERTY lower-cased with "_" as "." (so
 * EXECQ_KAFKA_SECURITY_PROTOCOL is security.protocol). EXECQ_KAFKA_PORT and
 * EXECQ_KAFKA_CONTROLLER_PORT belong to `make run`'s local broker. */
static int kafka_props_from_env(struct cfg *c, char *errstr, size_t errstr_size)
{
    extern char **environ;

    for (char **e = environ; e && *e; e++) {
        char kv[1200], from[160];
        const char *p = *e + strlen("EXECQ_KAFKA_");
        size_t k = 0;

        if (strncmp(*e, "EXECQ_KAFKA_", strlen("EXECQ_KAFKA_")) != 0 || strncmp(p, "PORT=", 5) == 0 ||
            strncmp(p, "CONTROLLER_PORT=", 16) == 0)
            continue;
        for (; *p && *p != '=' && k + 1 < sizeof(kv); p++)
            kv[k++] = *p == '_' ? '.' : (char)tolower((unsigned char)*p);
        snprintf(kv + k, sizeof(kv) - k, "%s", p);
        snprintf(from, sizeof(from), "%.*s", (int)(strchr(*e, '=') ? strchr(*e, '=') - *e : 0), *e);
        if (add_kafka_prop(c, kv, from, errstr, errstr_size) < 0)
            return -1;
    }
    return 0;
}

int cfg_load(struct cfg *c, unsigned prog_mask, int argc, char **argv, char *errstr,
             size_t errstr_size)
{
    char env[96];
    int env_flags = 0;

    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < CFG_N; i++)
        if (cfg_set(c, &cfg_table[i], cfg_table[i].def, "default", errstr, errstr_size) < 0)
            return -1;
    for (size_t i = 0; i < CFG_N; i++) {
        const char *v;
        env_name(cfg_table[i].name, env, sizeof(env));
        if ((v = getenv(env)) && cfg_set(c, &cfg_table[i], v, env, errstr, errstr_size) < 0)
            return -1;
    }
    if (kafka_props_from_env(c, errstr, errstr_size) < 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq, *value;
        const struct cfg_entry *e;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        if (strncmp(a, "-X", 2) == 0) {   /* -X key=value or -Xkey=value, as kcat takes them */
            const char *kv = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : "");
            if (add_kafka_prop(c, kv, "-X", errstr, errstr_size) < 0)
                return -1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(errstr, errstr_size, "unexpected argument \"%s\" (see --help)", a);
            return -1;
        }
        a += 2;
        eq = strchr(a, '=');
        e = cfg_find(a, eq ? (size_t)(eq - a) : strlen(a), prog_mask);
        if (!e) {
            snprintf(errstr, errstr_size, "unknown option \"%s\" (see --help)", argv[i]);
            return -1;
        }
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            snprintf(errstr, errstr_size, "option --%s needs a value", e->name);
            return -1;
        }
        if (e->offset == offsetof(struct cfg, envs) && !env_flags++)
            c->envs[0] = '\0';   /* flags replace the environment variable's list, then append */
        if (e->offset == offsetof(struct cfg, envs) && c->envs[0]) {
            char joined[sizeof(c->envs)];
            if ((size_t)snprintf(joined, sizeof(joined), "%s,%s", c->envs, value) >= sizeof(joined)) {
                snprintf(errstr, errstr_size, "env: the flags together are over %zu bytes", sizeof(joined) - 1);
                return -1;
            }
            value = joined;
            if (cfg_set(c, e, value, "flag", errstr, errstr_size) < 0)
                return -1;
            continue;
        }
        if (cfg_set(c, e, value, "flag", errstr, errstr_size) < 0)
            return -1;
    }
    if (c->default_timeout_ms > c->max_timeout_ms) {
        snprintf(errstr, errstr_size, "default-timeout-ms exceeds max-timeout-ms");
        return -1;
    }
    if (c->memory_mb > c->max_memory_mb) {
        snprintf(errstr, errstr_size, "memory-mb exceeds max-memory-mb");
        return -1;
    }
    {
        /* Options that take one of a few words: a typo is an error at
         * start, never a silent default. */
        static const struct { const char *name; size_t off; const char *words[5]; } enums[] = {
            {"log-level", offsetof(struct cfg, log_level), {"error", "warning", "info", "debug", NULL}},
            {"sandbox-mode", offsetof(struct cfg, sandbox_mode), {"warm", "fresh", NULL}},
            {"log-format", offsetof(struct cfg, log_format), {"text", "json", NULL}},
        };
        for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
            const char *v = (const char *)c + enums[i].off;
            int ok = 0;
            for (int k = 0; enums[i].words[k]; k++)
                ok |= strcmp(v, enums[i].words[k]) == 0;
            if (!ok) {
                snprintf(errstr, errstr_size, "%s: \"%s\" is not one of %s%s%s%s%s%s%s", enums[i].name, v,
                         enums[i].words[0], enums[i].words[1] ? ", " : "", enums[i].words[1] ? enums[i].words[1] : "",
                         enums[i].words[2] ? ", " : "", enums[i].words[2] ? enums[i].words[2] : "",
                         enums[i].words[3] ? ", " : "", enums[i].words[3] ? enums[i].words[3] : "");
                return -1;
            }
        }
    }
    if (!c->batch_topic[0])   /* a default derived from another entry */
        snprintf(c->batch_topic, sizeof(c->batch_topic), "%.*s.batch", (int)sizeof(c->batch_topic) - 7,
                 c->jobs_topic);
    if (!c->control_topic[0])
        snprintf(c->control_topic, sizeof(c->control_topic), "%.*s.control", (int)sizeof(c->control_topic) - 9,
                 c->jobs_topic);
    if (!c->sessions_topic[0])
        snprintf(c->sessions_topic, sizeof(c->sessions_topic), "%.*s.sessions", (int)sizeof(c->sessions_topic) - 10,
                 c->jobs_topic);
    if (!c->output_topic[0])
        snprintf(c->output_topic, sizeof(c->output_topic), "%.*s.output", (int)sizeof(c->output_topic) - 8,
                 c->results_topic);
    if (strcmp(c->batch_topic, c->jobs_topic) == 0 || strcmp(c->batch_topic, c->results_topic) == 0) {
        snprintf(errstr, errstr_size, "batch-topic must differ from jobs-topic and results-topic");
        return -1;
    }
    if (strcmp(c->output_topic, c->jobs_topic) == 0 || strcmp(c->output_topic, c->batch_topic) == 0 ||
        strcmp(c->output_topic, c->results_topic) == 0 || strcmp(c->output_topic, c->accounts_topic) == 0 ||
        strcmp(c->output_topic, c->control_topic) == 0) {
        snprintf(errstr, errstr_size, "output-topic must differ from the jobs, batch, results, accounts and control "
                 "topics");
        return -1;
    }
    if (strcmp(c->control_topic, c->jobs_topic) == 0 || strcmp(c->control_topic, c->batch_topic) == 0 ||
        strcmp(c->control_topic, c->results_topic) == 0 || strcmp(c->control_topic, c->accounts_topic) == 0) {
        snprintf(errstr, errstr_size, "control-topic must differ from the jobs, batch, results and accounts topics");
        return -1;
    }
    return 0;
}

void cfg_print_help(const char *prog, unsigned prog_mask)
{
    char env[96], bounds[64];

    printf("usage: %s [--name=value ...]\n\n", prog);
    printf("Each option is also read from the environment variable shown; flags win.\n\n");
    printf("%-20s %-28s %-18s %-16s %s\n", "option", "environment", "default", "bounds", "meaning");
    for (size_t i = 0; i < CFG_N; i++) {
        const struct cfg_entry *e = &cfg_table[i];
        if (!(e->mask & prog_mask))
            continue;
        env_name(e->name, env, sizeof(env));
        if (e->type == CFG_INT)
            snprintf(bounds, sizeof(bounds), "%ld..%ld", e->min, e->max);
        else
            snprintf(bounds, sizeof(bounds), "string");
        printf("--%-18s %-28s %-18s %-16s %s\n", e->name, env, e->def, bounds, e->help);
    }
    printf("\n-X property=value (repeatable) or EXECQ_KAFKA_<PROPERTY>=value passes any librdkafka property\n"
           "to every Kafka client (e.g. -X security.protocol=SASL_SSL); a wrong one stops the start, named.\n");
}
