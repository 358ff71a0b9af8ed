/* job: the job and result messages that cross Kafka, and their JSON codec.
 * schemas/job.schema.json and schemas/result.schema.json describe the same
 * fields; bump JOB_SCHEMA_VERSION when either changes incompatibly. */
#ifndef EXECQ_JOB_H
#define EXECQ_JOB_H

#include <stddef.h>
#include <stdint.h>

#define JOB_SCHEMA_VERSION 1

/* A named blob of bytes: an input file of a job, an output file or an
 * image of its result. data is owned by whoever owns the array. */
struct job_file {
    char name[256];        /* input/output: a relative path (job_file_name_ok); image: its MIME type */
    unsigned char *data;
    size_t len;
};

/* Limits every reader of job and result messages applies. */
#define JOB_MAX_FILES 64          /* input files of a job, output files or images of a result */
#define JOB_MAX_INPUT_MB 64       /* cfg bounds max-input-bytes below this */
#define JOB_MAX_SCRATCH_MB 65536
/* An environment's name (a package set the executors offer, GET /v1/envs):
 * [a-z0-9][a-z0-9_-]*, at most 31 bytes; "" (or "default") is the default
 * interpreter. job_env_name_ok checks one. */
#define JOB_ENV_MAX 32
int job_env_name_ok(const char *name);
/* A job's own requirements (--allow-requirements): pip requirement
 * strings, a name with optional [extras] and version specifiers only (no
 * option, URL, path, marker or space), each at most JOB_REQUIREMENT_MAX
 * bytes, at most JOB_REQUIREMENTS_MAX of them. job_requirement_ok checks one. */
#define JOB_REQUIREMENT_MAX 100
#define JOB_REQUIREMENTS_MAX 100
int job_requirement_ok(const char *s);
/* Reads a "requirements" array (NULL or null: none, *out NULL) into *out:
 * the strings checked, sorted and distinct, each "\n"-ended (malloc'd).
 * Returns 0, or -1 with the reason in errstr. */
struct cJSON;
int job_requirements_parse(const struct cJSON *v, char **out, char *errstr, size_t errstr_size);

/* A job as the API publishes it. Strings are owned by the struct. */
struct job {
    char id[37];
    char *code;            /* never contains NUL */
    char *stdin_data;      /* may be NULL; any bytes (NUL included) */
    size_t stdin_len;      /* bytes of stdin_data */
    long timeout_ms;
    long memory_mb;
    long scratch_mb;       /* 0: read-only filesystem; N: a private N MiB tmpfs at /tmp (with /tmp/out) */
    struct job_file *files;   /* input files, placed read-only under /input */
    int nfiles;
    long credits;          /* what the API charged for it; echoed in the result */
    char kind[8];          /* "sync" or "async" */
    char account[64];
    char batch_id[37];     /* "" when not in a batch */
    char env[JOB_ENV_MAX]; /* the environment it runs in; "": the default */
    char *requirements;    /* NULL, or its own requirements, sorted and distinct, one per line ("\n"-ended) */
    int64_t submitted_at_ms;  /* wall clock */
    int64_t expires_at_ms;    /* wall clock; an executor that sees it later does not run it */
    int stream;            /* 1: output chunks go to the output topic as the job prints (job_output) */
    /* A session's message ("session" in the JSON): create one (on the jobs
     * topic, any executor), run an exec in one or end one (on the sessions
     * topic, the executor that holds it). "" when a plain job. */
    char session_id[37];
    char session_op[8];    /* "create", "exec", "fork" or "end" */
    char session_new_id[37];     /* fork: the new session's id */
    char session_executor[160];   /* exec, end: the executor that holds it */
    long session_idle_s;   /* create: idle timeout */
    long session_lifetime_s;   /* create: the most it lives */
    int session_interactive;   /* exec: one statement, run as python3's prompt runs it */
    int session_hops;      /* create: executors it was passed on by, having no room (at most SESSION_MAX_HOPS) */
};

enum result_status {
    RESULT_COMPLETED = 0,  /* the code ran (whatever it did) */
    RESULT_EXPIRED,        /* reached an executor after expires_at_ms; not run */
    RESULT_FAILED,         /* the executor could not run it (sandbox error) */
};

/* What running a job produced. Output buffers hold raw bytes (any bytes). */
struct result {
    char id[37];
    enum result_status status;
    char *stdout_data; size_t stdout_len; int stdout_truncated;
    char *stderr_data; size_t stderr_len; int stderr_truncated;
    int exit_code;         /* exit status, -signal if killed, -1 on timeout */
    int term_signal;       /* 0 unless killed by a signal */
    int timed_out;
    int memory_exceeded;   /* the memory cgroup limit was hit and a process was killed */
    int cancelled;         /* cancelled (POST /v1/jobs/{id}/cancel): killed while it ran (completed, charged),
                            * or never run (failed, refunded) */
    long execution_time_ms;
    long cpu_time_ms;
    long peak_memory_kb;
    long credits;          /* what was charged: the job's credits, 0 if it never ran */
    char account[64];
    char batch_id[37];
    char executor[64];
    char env[JOB_ENV_MAX];    /* the job's environment ("": the default) */
    long env_cold_start_ms;   /* its zygote was started for this job, taking this long; -1: it was running */
    long env_build_ms;        /* the job's requirements were built for it, taking this long; -1: they were not */
    struct job_file *files;   /* what the job left in /tmp/out (scratch jobs) */
    int nfiles;
    int files_truncated;      /* some were left out (count, size or the message limit) */
    struct job_file *images;  /* figures (name = MIME type, "image/png") */
    int nimages;
    int images_truncated;
    char error[256];       /* why, when status != RESULT_COMPLETED */
    /* A session's create or exec ("session" in the JSON): its id, where its
     * execs go (create: the sessions topic's partition the executor reads,
     * else -1), lost: it was not there (the exec never ran: failed, not
     * charged), ended: it is gone after this exec (the code left, the
     * memory limit, or it would not stop at its deadline). */
    char session_id[37];
    char session_op[8];          /* what it answers: "create", "fork" or "exec" */
    char session_executor[160];   /* create: the instance id execs must name */
    int session_partition;
    int session_lost;
    int session_ended;
    int session_full;      /* create: the executor had no room (not in the JSON: it passes the create on) */
    int64_t finished_at_ms;
};

/* A create job is passed on this many times at most by executors with no
 * room for another session before one answers that none was made. */
#define SESSION_MAX_HOPS 8

void job_init(struct job *j);      /* does not allocate j */
void job_release(struct job *j);   /* frees the contents, not j */
void result_init(struct result *r);
void result_release(struct result *r);

const char *result_status_name(enum result_status s);

/* Returns a malloc'd JSON string (cJSON_PrintUnformatted; free with free()), or NULL. */
char *job_to_json(const struct job *j);
/* Parses a job message. Returns 0, or -1 with the reason in errstr (j is then released). */
int job_from_json(struct job *j, const char *json, size_t len, char *errstr, size_t errstr_size);

/* Result as published on the results topic. Output text is valid UTF-8: bytes
 * that are not (and NUL) become U+FFFD, and then stdout_base64 / stderr_base64
 * carry the exact bytes. Returns a malloc'd string; the caller frees it. */
char *result_to_json(const struct result *r);
int result_from_json(struct result *r, const char *json, size_t len, char *errstr, size_t errstr_size);

/* A chunk of a running job's output (schemas/output.schema.json): bytes
 * [offset, offset + len) of its stdout or stderr as kept so far. */
enum job_stream { JOB_STDOUT = 0, JOB_STDERR = 1 };
struct job_output {
    char id[37];
    char run[17];          /* which run of the job (hex): a job run again elsewhere starts over */
    enum job_stream stream;
    size_t offset;
    char *data;            /* malloc'd, len bytes and a NUL not counted */
    size_t len;
};
/* The chunk message: "text" when the bytes are valid UTF-8 without NUL,
 * else "base64". Returns a malloc'd string; the caller frees it. */
char *job_output_json(const char *id, const char *run, enum job_stream stream, size_t offset, const char *p,
                      size_t n);
/* Adds bytes p[0..n) to JSON object o as "text" (valid UTF-8 without NUL)
 * or else "base64": the form of a chunk here and in a stream's events. */
struct cJSON;
void job_add_chunk(struct cJSON *o, const char *p, size_t n);
/* Parses one. Returns 0, or -1 with the reason (o is then released). */
int job_output_from_json(struct job_output *o, const char *json, size_t len, char *errstr, size_t errstr_size);
void job_output_release(struct job_output *o);   /* frees data, not o */

/* The "started" event an executor publishes when it takes an async job.
 * Returns a malloc'd string; the caller frees it. */
char *job_started_json(const char *job_id, const char *executor, int64_t at_ms);

/* A cancel notice on the control topic (schemas/control.schema.json): job
 * id is not to run (an executor that has it running kills it), until
 * expires_at_ms, when no executor would run it anyway. Returns a malloc'd
 * string; the caller frees it. */
char *job_cancel_json(const char *job_id, int64_t expires_at_ms, int64_t at_ms);
/* Parses one. Returns 0, or -1 with the reason. */
int job_cancel_from_json(const char *json, size_t len, char id[37], int64_t *expires_at_ms, char *errstr,
                         size_t errstr_size);

/* The HTTP response body of a result: the seed's fields plus extras.
 * Returns a malloc'd string; the caller frees it. */
char *result_to_http_json(const struct result *r);

/* Encodes n raw bytes as JSON-safe text: valid UTF-8 kept, NUL and invalid
 * bytes replaced by U+FFFD. Returns a malloc'd string; *lossy set to 1 if any
 * byte was replaced. */
char *job_text_from_bytes(const char *p, size_t n, int *lossy);
/* 1 if p[0..n) is valid UTF-8 without NUL (RFC 3629: no overlongs,
 * surrogates or code points above U+10FFFF), else 0. */
int job_utf8_valid(const char *p, size_t n);

/* 1 if name is a valid input or output file name: a relative path of 1-255
 * bytes, components separated by single '/', none empty, "." or "..", no
 * byte below 0x20 nor 0x7f, valid UTF-8, at most 8 components. */
int job_file_name_ok(const char *name);

/* Frees an array of n files and their data. NULL-safe. */
void job_files_free(struct job_file *f, int n);

/* Returns malloc'd base64 of n bytes; the caller frees it. */
char *job_base64(const unsigned char *p, size_t n);
/* Decodes base64 into a malloc'd buffer (*out_len bytes, then a NUL not
 * counted). Returns NULL on bad input. */
char *job_unbase64(const char *s, size_t *out_len);

#endif
