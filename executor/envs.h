/* envs: the environments (package sets) this executor offers beside the
 * default interpreter. An operator declares each as a requirements file
 * (--env NAME=FILE, or --envs-dir DIR holding NAME/requirements.txt); the
 * executor builds it once, off the request path, into a virtual
 * environment over the default interpreter's packages (--system-site-packages)
 * under --env-cache, named by the sha256 of what the build depends on (the
 * requirements as written, the interpreter's version, the index): a
 * rebuild happens only when that changes. Builds take wheels only (no
 * package code runs at install), honour hashes when the file gives them,
 * run as an unprivileged uid with a clean environment and no descriptor of
 * ours, and end read-only and root's. A job names one with "env": sbx.c
 * starts its zygote (sandbox/zygote.h, with the env's warm imports) and
 * binds its directory read-only into the sandbox.
 *
 * Each executor announces its environments, the default one included, on
 * the envs topic (schemas/env.schema.json): at every change and every 60 s;
 * the API lists them (GET /v1/envs) and checks a job's "env" against them. */
#ifndef EXECQ_ENVS_H
#define EXECQ_ENVS_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "cfg.h"
#include "job.h"

#define ENVS_MAX 32

/* What sbx needs of a ready environment. */
struct env_spec {
    char name[JOB_ENV_MAX];
    char hash[65];
    char dir[300];       /* the virtual environment (jail_cfg.env_dir) */
    char site[400];      /* its site-packages (jail_cfg.env_site) */
    char imports[1024];  /* what its zygote imports ahead of every job */
    int untrusted;       /* a job's own requirements: its zygote runs none of its code (launcher_proto.h) */
};

struct envs;

/* Reads the declarations (cfg env, envs-dir), each requirements file and
 * its "# execq: warm_imports=a,b" line (default: the executor's own
 * warm-imports), and finds which are built already. Returns the handle, or
 * NULL with the reason in errstr (a bad declaration stops the executor; a
 * package that fails to build does not). */
struct envs *envs_new(const struct cfg *c, char *errstr, size_t errstr_size);

/* Starts building the environments not built yet, one after another, in a
 * thread of its own. Returns 0, or -1 with the reason. */
int envs_build_start(struct envs *e, char *errstr, size_t errstr_size);

/* Starts announcing on c->envs_topic through producer (thread-safe, the
 * caller's) as executor instance. Returns 0, or -1 with the reason. */
int envs_announce_start(struct envs *e, rd_kafka_t *producer, const char *instance, char *errstr, size_t errstr_size);
/* Stops announcing and publishes a tombstone for each of ours (flushed with
 * the caller's producer). NULL-safe. */
void envs_announce_stop(struct envs *e);

/* Name's spec if it is ready here: returns 0; else -1 with why (unknown
 * here, still building, or failed and why) in why. NULL e: only the
 * default is known. */
int envs_get(struct envs *e, const char *name, struct env_spec *out, char *why, size_t why_size);

/* A job's own requirements (j->requirements, --allow-requirements): the
 * environment of that set over the default one, "req-<hash prefix>",
 * built now in the calling thread if this executor has not built it
 * (wheels only, within requirements-build-s, the job's deadline less its
 * timeout and requirements-max-mb; another job of the same set waits for
 * that build), or found in the cache. Returns 0 with out filled and
 * *built_ms set if this call built it, or -1 with why. A failed set fails
 * at once for a minute, then is tried again. Thread-safe. */
int envs_adhoc(struct envs *e, const struct job *j, struct env_spec *out, long *built_ms, char *why, size_t why_size);

/* Counts by state (metrics): the declared environments, and the sets of
 * jobs' own requirements held (built). */
void envs_counts(struct envs *e, long *ready, long *building, long *failed);
long envs_requirement_sets(struct envs *e);

/* Stops the builder (a build under way is killed) and frees. NULL-safe. */
void envs_free(struct envs *e);

#endif
