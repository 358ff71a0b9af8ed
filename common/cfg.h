/* cfg: the one configuration of execq. main() fills a struct cfg from the
 * table's defaults, then EXECQ_* environment variables, then --flags; every
 * value is checked against the table's bounds. Modules get a const pointer
 * and never call getenv(). */
#ifndef EXECQ_CFG_H
#define EXECQ_CFG_H

#include <stddef.h>

#define CFG_API  1u   /* used by producer-api */
#define CFG_EXEC 2u   /* used by executor */
#define CFG_HOOKS 4u  /* used by execq-hooks */

/* What the warm Python imports ahead of every job: numpy and pandas (the
 * heaviest imports users of a Python execution API make, ~0.4 s cold) and
 * the standard modules scripts import most; see docs/architecture.md. */
/* What a job sees of the host's /usr (Debian 12, amd64): the interpreter, its
 * standard library, the Debian packages (numpy, pandas), the shared
 * libraries they load (BLAS through /etc/alternatives), the loader, the
 * C.UTF-8 locale, the time zones, and matplotlib's data and fonts. */
#define SBX_PATHS_DEFAULT                                                                              \
    "/usr/bin/python3,/usr/bin/python3.11,/usr/lib/python3.11,/usr/lib/python3/dist-packages,"         \
    "/usr/lib/x86_64-linux-gnu,/usr/lib64,/usr/lib/locale,/usr/share/zoneinfo,/usr/share/matplotlib,"    \
    "/usr/share/fonts"
#define SBX_WARM_IMPORTS_DEFAULT \
    "numpy,pandas,json,math,re,random,collections,itertools,functools,datetime,decimal,fractions," \
    "statistics,string,textwrap,csv,io,hashlib,base64,typing,dataclasses,heapq,bisect,time,os,sys," \
    "secrets,uuid,tempfile,pathlib,struct,copy,operator,enum,matplotlib,matplotlib.pyplot"

struct cfg {
    /* Kafka, both programs */
    char brokers[256];
    char jobs_topic[128];
    char batch_topic[128];
    char results_topic[128];
    char output_topic[128];
    char control_topic[128];
    char sessions_topic[128];
    char envs_topic[128];
    long sessions_partitions;
    long jobs_partitions;
    long results_partitions;
    /* producer-api */
    char listen_addr[64];
    long account_max_queued;
    long account_max_sync;
    long account_max_waits;
    char accounts_topic[128];
    long store_timeout_ms;
    long max_conns_per_address;
    long account_rps;
    char admin_token[256];
    char cors_origins[1024];
    char admin_token_file[256];
    long account_max_open;
    long session_max_open;
    long session_create_credits;
    long session_max_lifetime_s;
    long port;
    char demo_key[128];
    long price_credits;
    long default_timeout_ms;
    long max_timeout_ms;
    long sync_grace_ms;
    long max_body_bytes;
    long max_code_bytes;
    long max_pending;
    long stream_buffer_kb;
    long stream_keepalive_s;
    char db_path[256];
    char db_url[512];
    long reply_partition;
    char api_group_id[128];
    long signup_credits;
    long demo_credits;
    long signups_per_hour;
    long max_batch_jobs;
    long max_batch_body_bytes;
    long max_wait_s;
    long lost_after_ms;
    long retention_s;
    long idempotency_ttl_s;
    /* executor */
    char group_id[128];
    char instance_id[128];
    long slots;
    long session_slots;
    long session_memory_mb;
    long live_after_ms;
    char python[256];
    long max_output_bytes;
    long max_scratch_mb;
    long max_input_bytes;
    long max_files_bytes;
    long max_images_bytes;
    long memory_mb;
    long max_memory_mb;
    long pids_max;
    long cpu_percent;
    long zygote_max_jobs;
    long zygote_max_age_s;
    long zygote_huge_pages;
    char cgroup_parent[128];
    long host_reserve_mb;
    long jobs_cpu_percent;
    long allow_uncapped_swap;
    long uid_base;
    char sandbox_paths[1024];
    char sandbox_root[256];
    char sandbox[16];
    char sandbox_mode[16];
    char warm_imports[1024];
    char launcher[256];
    char envs[2048];          /* "NAME=requirements-file,...": --env flags append */
    char envs_dir[256];
    char env_cache[256];
    char pip_index_url[256];
    char pip_proxy[256];
    long env_zygotes_mb;
    long env_build_timeout_s;
    long env_build_uid;
    long allow_requirements;
    long requirements_max;
    long requirements_build_s;
    long requirements_max_mb;
    long requirements_max_envs;
    /* webhooks: the API checks callback URLs, execq-hooks delivers */
    long allow_http_callbacks;
    long allow_private_callbacks;
    char hooks_group_id[128];
    char hooks_name[128];
    char public_url[256];
    long hooks_timeout_ms;
    long hooks_max_inflight;
    long hooks_per_destination;
    long hooks_retry_base_ms;
    long hooks_retry_max_ms;
    long hooks_give_up_s;
    long hooks_max_body_kb;
    long hooks_lease_ms;
    /* both */
    char log_level[16];
    char log_format[8];
    char metrics_addr[64];
    char kafka_props[4096];   /* librdkafka properties, "key=value\n" each, from -X and EXECQ_KAFKA_* */
};

/* Fills c from defaults, environment, then argv (--name=value or --name value).
 * Only entries whose mask matches prog_mask are accepted as flags.
 * Returns 0; 1 when --help was printed (the caller exits 0); -1 with the
 * reason in errstr. */
int cfg_load(struct cfg *c, unsigned prog_mask, int argc, char **argv,
             char *errstr, size_t errstr_size);

/* Prints the table (name, environment variable, default, bounds, help) of the
 * entries in prog_mask to stdout. */
void cfg_print_help(const char *prog, unsigned prog_mask);

#endif
