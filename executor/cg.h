/* cg: one cgroup per job, made with libcgroup, on cgroup v1 or v2 (detected
 * once at start). Limits: memory with swap forbidden, pids, CPU. Reads back
 * peak memory, CPU time and whether the OOM killer struck; kills every
 * process in the group; removes it. Only groups under cfg.cgroup_parent,
 * made by this executor, are ever touched. */
#ifndef EXECQ_CG_H
#define EXECQ_CG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cg_version { CG_V1 = 1, CG_V2 = 2 };

/* Where each controller's hierarchy is mounted. On v2 all are unified. */
struct cg_layout {
    enum cg_version version;
    char memory[256], pids[256], cpu[256], cpuacct[256], freezer[256];  /* v1 mount points */
    char unified[256];                                                   /* v2 mount point */
    char top[128];       /* relative, the configured parent, e.g. "execq", shared by executors */
    char parent[160];    /* top/x<pid>: this executor's group, holding its job groups */
    int memsw, tcp;      /* v1: swap and socket-buffer accounting present */
};

struct cg_limits {
    int64_t memory_bytes;
    int64_t pids_max;
    int64_t cpu_quota_us;     /* per cpu_period_us; 0 = no limit */
    int64_t cpu_period_us;
};

struct cg_stats {
    int64_t peak_memory_bytes;
    int64_t cpu_time_us;
    int oom_killed;           /* the kernel killed a process for memory */
};

struct cg_job;   /* one live job cgroup */

#define CG_DELEGATED "delegated"   /* --cgroup-parent: the group this process was started in (v2) */

/* Initialises libcgroup, detects the version and mount points, and makes
 * the shared parent group and, under it, this executor's own group
 * (<parent>/x<pid>) with the limits of all its jobs together in all (memory,
 * swap forbidden, socket buffers on v1, CPU quota; pids_max unused). Job
 * groups go under the executor's group. On cgroup v1 without swap
 * accounting it refuses unless allow_swap (cg_swap_check). parent
 * CG_DELEGATED (v2 only): the group this process is in is the shared
 * parent; the process moves itself into its leaf <group>/main first.
 * Returns 0, or -1 with the reason (no controller, not mounted, no permission) in errstr. */
int cg_init(struct cg_layout *l, const char *parent, const struct cg_limits *all, int allow_swap,
            char *errstr, size_t errstr_size);

/* Removes this executor's group (empty once every job group is destroyed). */
void cg_fini(const struct cg_layout *l);

/* Refuses (-1, errstr) a v1 memory hierarchy at memory_mount without
 * memory.memsw.* (a job's swap would be uncapped) unless allow_swap. */
int cg_swap_check(const char *memory_mount, int allow_swap, char *errstr, size_t errstr_size);

/* Removes the groups an executor that is no longer running left under the
 * shared parent (its group "x<pid>" and the job groups in it, or old-style
 * "x<pid>-..." job groups; an executor killed with SIGKILL cannot clean up),
 * killing first whatever still runs in them. Groups of live executors, and
 * anything not named so, are left alone; an executor counts as gone once
 * its pid is no process, a zombie or another program. Returns how many
 * groups were removed (in all hierarchies together). */
int cg_reap_orphans(const struct cg_layout *l);

/* Creates group <parent>/<name> with the limits. Returns it, or NULL with the
 * reason. The caller releases it with cg_job_destroy(). */
struct cg_job *cg_job_create(const struct cg_layout *l, const char *name, const struct cg_limits *lim,
                             char *errstr, size_t errstr_size);

/* The files a pid is written to to move it into the group (v1: each
 * hierarchy's tasks; v2: cgroup.procs), at most max. Returns the count.
 * The launcher writes them, while the new process cannot yet be reaped. */
int cg_job_task_files(const struct cg_job *j, char files[][512], int max);

/* Moves pid (and its future children) into the group. Returns 0 or -1. */
int cg_job_attach(struct cg_job *j, pid_t pid, char *errstr, size_t errstr_size);

/* Changes the memory limit from old_bytes to new_bytes (swap still
 * forbidden). Returns 0, or -1 with errno. */
int cg_job_set_memory(struct cg_job *j, int64_t new_bytes, int64_t old_bytes);

/* Restarts the peak-memory and CPU counters where the kernel allows it
 * (v1: both; v2: neither, the counters then include the sandbox's set-up,
 * a few hundred KiB and milliseconds). */
void cg_job_reset_stats(struct cg_job *j);

/* Kills every process in the group (v2: cgroup.kill; v1: freeze, SIGKILL
 * each task, thaw). Safe to call more than once. */
void cg_job_kill(struct cg_job *j);

/* Reads the group's counters. Returns 0, or -1 if a counter could not be read. */
int cg_job_stats(const struct cg_job *j, struct cg_stats *st);

/* Kills what is left, removes the group and frees j. NULL-safe. */
void cg_job_destroy(struct cg_job *j);

/* File-level pieces, exposed for the unit tests (they run against a fake
 * hierarchy in a temporary directory, v1 and v2 alike). dir_* are group
 * directories. Return 0, or -1. */
int cg_read_stats_v1(const char *dir_memory, const char *dir_cpuacct, struct cg_stats *st);
int cg_read_stats_v2(const char *dir, struct cg_stats *st);
/* Returns the value of "key N" lines in a flat-keyed file (memory.events,
 * cpu.stat, memory.oom_control), or -1. */
int64_t cg_read_keyed(const char *path, const char *key);
/* The v2 settings of lim as file/value pairs, in the order they must be
 * written. Returns the count written into names/values (at most max). */
size_t cg_v2_settings(const struct cg_limits *lim, const char *names[], char values[][32], size_t max);
size_t cg_v1_settings(const struct cg_limits *lim, int memsw, int tcp, const char *ctrl[], const char *names[],
                      char values[][32], size_t max);
/* Writes "1" to <dir>/cgroup.kill (v2). Returns 0, or -1. */
int cg_kill_v2(const char *dir);

#endif
