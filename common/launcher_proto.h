/* launcher_proto: everything that crosses the privilege boundary between
 * execq-executor (executor/: Kafka, tenant data, threads) and
 * execq-launcher with the sandboxes it builds (sandbox/: single-threaded
 * root code that never sees a job's data: the job goes from the executor
 * straight to its sandbox's control socket).
 * Both sides include this header and nothing else of the other's.
 *
 * Three channels:
 * - the launcher socket (SOCK_SEQPACKET, one message each): lnch_hello
 *   once, then lnch_req -> lnch_rep per sandbox, the reply carrying
 *   descriptors (ctl, status, pidfd) over SCM_RIGHTS (common/fdpass.h);
 * - a sandbox's control socket (ctl): the input files, then the job
 *   (jail_job_hdr with its stdio over SCM_RIGHTS, then the code);
 * - a sandbox's status pipe: 'E' + text + '\n' or 'S' + a wait status;
 * - a job's display pipe (JAIL_FD_DISPLAY inside): figures, each as
 *   "EXQIMG <mime> <len>\n" and len bytes (sandbox/zygote.h writes them,
 *   executor/outfiles.h reads them under a cap).
 * All of it is fixed-size plain data: the structs are copied whole, and
 * every string in them is NUL-ended by its sender and checked again by the
 * receiver. */
#ifndef EXECQ_LAUNCHER_PROTO_H
#define EXECQ_LAUNCHER_PROTO_H

#include <stdint.h>

/* The largest code a job may carry (the kernel's limit on one argv string,
 * which fresh mode hands python3). */
#define JAIL_CODE_MAX 131071

/* Where an environment's zygote (in the launcher's own mount namespace) and
 * its jobs see it: the same path in both, which its modules' __file__ and
 * __path__ name, and a path that says nothing of the host (the env cache's
 * path is the operator's). Its jobs' sandboxes have nothing else there. */
#define JAIL_ENV_PATH "/usr/local"

/* Where a job sees matplotlib's config and font cache (jail_cfg.mpl_dir). */
#define JAIL_MPL_DIR "/etc/matplotlib"

/* What a sandbox is built from; copied into the launcher at its start. */
struct jail_cfg {
    int32_t warm;             /* 1: run jobs in the zygote's interpreter */
    int32_t pids_max;         /* RLIMIT_NPROC, a second line behind pids.max */
    char python[256];         /* fresh mode's interpreter (also warm's sys.executable) */
    char root[300];           /* empty root-owned directory each job's root is mounted on */
    char usr_paths[1024];     /* comma-separated host paths under /usr bound read-only (sbx.c checks them) */
    char mpl_dir[300];        /* host directory of matplotlib's config and font cache, copied into each
                               * sandbox at JAIL_MPL_DIR ("" or missing: none) */
    char dev_dir[300];        /* where the launcher keeps each slot's files (JAIL_DEV_SUBDIR of the sandbox root) */
    char nodes_dir[300];      /* rootless: device nodes root made for each slot, <nodes_dir>/slot<N>/<name>
                               * (JAIL_NODES_SUBDIR; packaging/make-device-nodes), "" as root */
    char env_dir[300];        /* an environment's directory on the host (a virtual environment the executor
                               * built), seen at JAIL_ENV_PATH by its zygote and its sandboxes; "": the default */
    char env_site[400];       /* its site-packages as seen there, on sys.path ahead of the host's */
    int32_t env_untrusted;    /* a job's own requirements: none of its code may run outside a sandbox, so the
                               * zygote imports nothing and its .pth files are read in each job process */
    /* Per sandbox (the launcher fills them from its request): a job that
     * asks for scratch space or input files gets a sandbox built for it. */
    int32_t scratch_mb;       /* 0: no writable path; N: a private N MiB tmpfs at /tmp with /tmp/out */
    int32_t ninputs;          /* input files that follow on ctl (JAIL_INPUT_*), placed read-only under /input */
    int64_t input_bytes;      /* their size together */
    int32_t slot;             /* whose files (jail_slot_files) the sandbox gets */
    int32_t session;          /* 1: a session's sandbox: its job process runs one exec after another
                               * (jail_job_hdr ... jail_exec_end on ctl) in the same interpreter */
};

/* The launcher's own mount namespace holds, at this path (under the
 * sandbox root), a tmpfs with one directory per slot: the host files a
 * sandbox sees, each through a read-only overlay the launcher mounted for
 * that slot, device nodes it made for it, and a copy of matplotlib's
 * config (jail_slot_files). A sandbox binds its slot's, never the host's
 * own inodes, so no inode a job can lock is shared with another slot's,
 * another executor's or the host's processes; a slot's jobs run one after
 * another, and a lock dies with its holder. Built once per slot: a sandbox
 * costs bind mounts only. */
#define JAIL_DEV_SUBDIR "dev"
#define JAIL_NODES_SUBDIR "nodes"

/* Kernel budgets each sandbox gets (sandbox/jail.c; sbx.c checks the host can afford them): queued signals and POSIX timers
 * (RLIMIT_SIGPENDING, counted per user namespace and, above it, against the
 * host root's own budget), TIME_WAIT sockets and queued AF_UNIX datagrams of
 * its network namespace. */
#define JAIL_SIGPENDING 256
#define JAIL_TW_BUCKETS 256
#define JAIL_UNIX_DGRAM_QLEN 16

/* A job cgroup's task files, one per controller (cg.h), and the longest path. */
#define LNCH_MAX_TASK_FILES 5
#define LNCH_PATH_MAX 512

/* Messages on the launcher socket. */
struct lnch_hello {               /* executor -> launcher, once */
    struct jail_cfg jail;
    int64_t uid_base;
    int32_t zygote_huge_pages;    /* zyg_init's huge */
    int32_t pad;
    char warm_imports[1024];
};
struct lnch_req {                 /* executor -> launcher: build a sandbox */
    int32_t slot;
    int32_t ntasks;
    int32_t scratch_mb;           /* jail_cfg's per-sandbox fields: sizes only, never a job's data */
    int32_t ninputs;
    int64_t input_bytes;
    int32_t session;              /* jail_cfg.session */
    int32_t pad;
    char task_files[LNCH_MAX_TASK_FILES][LNCH_PATH_MAX];   /* the job cgroup's tasks/cgroup.procs files */
};
struct lnch_rep {                 /* launcher -> executor; a sandbox comes with fds ctl, status, pidfd */
    int32_t ok;
    int32_t pid;                  /* init's pid on the host */
    int64_t huge_kib;             /* the launcher's first reply: the zygote's memory in 2 MiB pages */
    char err[240];
};

/* Input files on ctl, after the launcher's 'm', when ninputs > 0: for each,
 * a struct jail_input_hdr, the name (name_len bytes, no NUL) and the data.
 * Then, for any per-job sandbox, init answers on ctl with one byte 'r' once
 * its root is built; with scratch space, the message carries (SCM_RIGHTS)
 * an O_PATH descriptor of the scratch tmpfs's root, which the executor reads
 * /tmp/out through after the job (outfiles.h). */
struct jail_input_hdr {
    uint32_t name_len;        /* 1..255 */
    uint32_t data_len;
};

/* The job message on the control socket: this header, with the job's three
 * stdio descriptors attached (SCM_RIGHTS), then code_len bytes of code. */
struct jail_job_hdr {
    uint32_t code_len;
    uint32_t cpu_limit_s;     /* RLIMIT_CPU of the job process: the kernel's backstop of the timeout */
    uint32_t timeout_ms;      /* warm mode: a kernel timer SIGKILLs the job process then */
    uint32_t op;              /* JAIL_OP_*: a session's job process also forks */
    uint32_t interactive;     /* a session's exec: one statement, as python3's prompt runs it (an
                               * expression's value is printed) */
};
#define JAIL_OP_RUN 0
/* A session's fork (code_len 0): the first descriptor is the control socket
 * of the new session. The job process forks (a copy-on-write copy of the
 * interpreter and all it holds); the child answers a jail_exec_end (0) on
 * the new socket and serves execs there; the parent answers one on its own
 * with the child's pid in the sandbox (or -1), and goes on. */
#define JAIL_OP_FORK 1
/* With the header: 4 descriptors (stdin, stdout, stderr, display). */
#define JAIL_JOB_FDS 4

/* A session's sandbox (jail_cfg.session) answers 'r' on ctl once its job
 * process exists, like a per-job one, and then takes any number of jobs
 * (execs) on ctl, one at a time: after each, the job process puts
 * /dev/null on its stdio (the executor's pipes see EOF) and writes this on
 * ctl. The code in the session can write on ctl too: the message is the
 * tenant's word about its own session, read as 4 bytes and nothing more
 * (no descriptor is ever taken from it), and the exit code is clamped to
 * 0..255. The job process ending (its status on the status pipe, ctl
 * closed) ends the session. */
struct jail_exec_end {
    int32_t exit_code;
};

/* Status pipe messages: 'E' + text + '\n' when the set-up failed, or 'S' + an
 * int wait status when the job process ended. */

#endif
