/* cg: job cgroups (see cg.h). libcgroup creates, attaches and deletes the
 * groups and finds the mount points. Three things it has no call for are done
 * with plain file I/O, each said where it happens: cgroup.kill (v2), the
 * freezer dance (v1), and reading single counters (cgroup_get_cgroup reads
 * every file of every controller, far too slow per job). */
#include "cg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

struct cg_job {
    const struct cg_layout *l;
    char name[192];            /* <parent>/<job> */
};

static int write_file(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, value, strlen(value));
    close(fd);
    return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* Reads a small file into buf. Returns bytes read, or -1. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

static int64_t read_int(const char *path)
{
    char buf[64];
    if (read_file(path, buf, sizeof(buf)) <= 0)
        return -1;
    return strtoll(buf, NULL, 10);
}

int64_t cg_read_keyed(const char *path, const char *key)
{
    char buf[4096], *line, *save = NULL;
    size_t kl = strlen(key);

    if (read_file(path, buf, sizeof(buf)) < 0)
        return -1;
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
            return strtoll(line + kl + 1, NULL, 10);
    return -1;
}

int cg_read_stats_v1(const char *dir_memory, const char *dir_cpuacct, struct cg_stats *st)
{
    char p[1024];
    int64_t oom;

    snprintf(p, sizeof(p), "%s/memory.max_usage_in_bytes", dir_memory);
    st->peak_memory_bytes = read_int(p);
    snprintf(p, sizeof(p), "%s/cpuacct.usage", dir_cpuacct);
    st->cpu_time_us = read_int(p);
    if (st->cpu_time_us >= 0)
        st->cpu_time_us /= 1000;   /* ns */
    /* oom_kill counts kills in this group (kernel >= 4.13); under_oom alone
     * would miss a kill that already finished. */
    snprintf(p, sizeof(p), "%s/memory.oom_control", dir_memory);
    oom = cg_read_keyed(p, "oom_kill");
    st->oom_killed = oom > 0;
    return st->peak_memory_bytes < 0 || st->cpu_time_us < 0 || oom < 0 ? -1 : 0;
}

int cg_read_stats_v2(const char *dir, struct cg_stats *st)
{
    char p[1024];
    int64_t oom;

    snprintf(p, sizeof(p), "%s/memory.peak", dir);   /* kernel >= 5.19 */
    st->peak_memory_bytes = read_int(p);
    if (st->peak_memory_bytes < 0) {
        snprintf(p, sizeof(p), "%s/memory.current", dir);
        st->peak_memory_bytes = read_int(p);
    }
    snprintf(p, sizeof(p), "%s/cpu.stat", dir);
    st->cpu_time_us = cg_read_keyed(p, "usage_usec");
    snprintf(p, sizeof(p), "%s/memory.events", dir);
    oom = cg_read_keyed(p, "oom_kill");
    st->oom_killed = oom > 0;
    return st->peak_memory_bytes < 0 || st->cpu_time_us < 0 || oom < 0 ? -1 : 0;
}

size_t cg_v2_settings(const struct cg_limits *lim, const char *names[], char values[][32], size_t max)
{
    size_t n = 0;

#define ADD(nm, ...) do { if (n < max) { names[n] = nm; snprintf(values[n], 32, __VA_ARGS__); n++; } } while (0)
    ADD("memory.max", "%lld", (long long)lim->memory_bytes);
    ADD("memory.swap.max", "0");          /* no swap: the limit is the limit */
    /* memory.oom.group stays 0, as on v1: the kernel kills the job's
     * biggest process, and a job whose child was killed goes on (the
     * hostile res_oom_label and res_kernel_memory; with 1 the whole job
     * died with any child, issue 28). The job's end kills the rest. */
    ADD("pids.max", "%lld", (long long)lim->pids_max);
    if (lim->cpu_quota_us > 0)
        ADD("cpu.max", "%lld %lld", (long long)lim->cpu_quota_us, (long long)lim->cpu_period_us);
#undef ADD
    return n;
}

size_t cg_v1_settings(const struct cg_limits *lim, int memsw, int tcp, const char *ctrl[], const char *names[],
                      char values[][32], size_t max)
{
    size_t n = 0;

#define ADD(c, nm, ...) do { if (n < max) { ctrl[n] = c; names[n] = nm; snprintf(values[n], 32, __VA_ARGS__); n++; } } while (0)
    ADD("memory", "memory.limit_in_bytes", "%lld", (long long)lim->memory_bytes);
    /* memsw (memory+swap) equal to the memory limit forbids swap; it must
     * come after limit_in_bytes, which it may never be below. */
    if (memsw)
        ADD("memory", "memory.memsw.limit_in_bytes", "%lld", (long long)lim->memory_bytes);
    /* Socket buffers: v1 charges them to the group only once this limit is
     * set (then every socket's buffers count, TCP and UDP alike, in their
     * own counter). Without it a job queued a gigabyte in loopback TCP
     * buffers with a 256 MiB limit, from the host's shared tcp_mem. */
    if (tcp)
        ADD("memory", "memory.kmem.tcp.limit_in_bytes", "%lld", (long long)lim->memory_bytes);
    ADD("pids", "pids.max", "%lld", (long long)lim->pids_max);
    if (lim->cpu_quota_us > 0) {
        ADD("cpu", "cpu.cfs_period_us", "%lld", (long long)lim->cpu_period_us);
        ADD("cpu", "cpu.cfs_quota_us", "%lld", (long long)lim->cpu_quota_us);
    }
#undef ADD
    return n;
}

int cg_kill_v2(const char *dir)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/cgroup.kill", dir);   /* kernel >= 5.14; libcgroup has no call */
    return write_file(p, "1");
}

static int mount_point(const char *ctrl, char *out, size_t size)
{
    char *mp = NULL;
    if (cgroup_get_subsys_mount_point(ctrl, &mp) != 0 || !mp)
        return -1;
    snprintf(out, size, "%s", mp);
    free(mp);
    return 0;
}

/* Whether this v1 memory hierarchy has swap accounting (memsw) and socket
 * buffer accounting (kmem.tcp): 1, or 0. */
static int access_memsw(const char *memory_mount)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/memory.memsw.limit_in_bytes", memory_mount);
    return access(p, F_OK) == 0;
}

static int access_tcp(const char *memory_mount)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/memory.kmem.tcp.limit_in_bytes", memory_mount);
    return access(p, F_OK) == 0;
}

/* The mount points of the hierarchies this executor uses: five on v1, the
 * unified one on v2. Returns the count put in out. */
static size_t layout_mounts(const struct cg_layout *l, const char *out[5])
{
    if (l->version == CG_V2) {
        out[0] = l->unified;
        return 1;
    }
    out[0] = l->memory, out[1] = l->pids, out[2] = l->cpu, out[3] = l->cpuacct, out[4] = l->freezer;
    return 5;
}

/* v2: enables memory, pids and cpu for the children of group rel (its
 * first len bytes; 0: the root group). */
static int enable_in(const struct cg_layout *l, const char *rel, int len, char *errstr, size_t errstr_size)
{
    char p[1024];

    snprintf(p, sizeof(p), "%s/%.*s%scgroup.subtree_control", l->unified, len, rel, len ? "/" : "");
    if (write_file(p, "+memory +pids +cpu") < 0) {
        snprintf(errstr, errstr_size, "enable memory, pids and cpu in %s: %s", p, strerror(errno));
        return -1;
    }
    return 0;
}

/* v2: enables them in the root group and in each group above name, so
 * that name's own group has them (a host where no one enabled them yet: a
 * guest without systemd). As root only: a delegated group's ancestors are
 * not ours. */
static int enable_above(const struct cg_layout *l, const char *name, char *errstr, size_t errstr_size)
{
    if (enable_in(l, name, 0, errstr, errstr_size) < 0)
        return -1;
    for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/'))
        if (enable_in(l, name, (int)(slash - name), errstr, errstr_size) < 0)
            return -1;
    return 0;
}

/* Creates group name (relative) in every controller this executor uses. An
 * existing group is fine (a shared parent from an earlier run). */
static int make_group(const struct cg_layout *l, const char *name, char *errstr, size_t errstr_size)
{
    struct cgroup *cg;
    int err, ret = -1;

    if (l->version == CG_V2) {
        /* mkdir, not libcgroup: a rootless executor's libcgroup finds no
         * group it may describe in its delegated subtree ("requested group
         * parameter does not exist"), and v2 needs nothing more. Children
         * need the controllers enabled in the group's subtree_control. */
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", l->unified, name);
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            snprintf(errstr, errstr_size, "create cgroup %s: %s", p, strerror(errno));
            return -1;
        }
        return enable_in(l, name, (int)strlen(name), errstr, errstr_size);
    }
    if (!(cg = cgroup_new_cgroup(name)))
        goto nomem;
    {
        const char *ctrls[] = {"memory", "pids", "cpu", "cpuacct", "freezer"};
        for (size_t i = 0; i < 5; i++)
            if (!cgroup_add_controller(cg, ctrls[i]))
                goto nomem;
    }
    if ((err = cgroup_create_cgroup(cg, 0)) != 0) {
        snprintf(errstr, errstr_size, "create cgroup %s: %s", name, cgroup_strerror(err));
        goto out;
    }
    ret = 0;
    goto out;
nomem:
    snprintf(errstr, errstr_size, "libcgroup: cannot describe cgroup %s", name);
out:
    cgroup_free(&cg);
    return ret;
}

/* Writes one limit file of the executor's group; errstr says which failed. */
static int put_limit(const char *mount, const char *group, const char *file, const char *value,
                     char *errstr, size_t errstr_size)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s/%s", mount, group, file);
    if (write_file(p, value) < 0) {
        snprintf(errstr, errstr_size, "%s = %s: %s", p, value, strerror(errno));
        return -1;
    }
    return 0;
}

int cg_swap_check(const char *memory_mount, int allow_swap, char *errstr, size_t errstr_size)
{
    if (access_memsw(memory_mount) || allow_swap)
        return 0;
    snprintf(errstr, errstr_size, "cgroup v1 without memory.memsw.* (swap accounting is off): a job's swap "
                                  "would be uncapped, so its memory limit would not hold. Boot with "
                                  "swapaccount=1 (or use cgroup v2), or start with --allow-uncapped-swap=1 "
                                  "on a host without swap");
    return -1;
}

/* --cgroup-parent=delegated: the group this process was started in (a
 * systemd unit with Delegate=yes, a container's cgroup namespace) is
 * ours. v2 lets a group with processes in it pass no controllers to
 * children (no internal processes), so the executor first moves itself
 * into a leaf "<group>/main", then enables memory, pids and cpu for the
 * group's children. Nothing is written outside the group. */
static int take_delegated(struct cg_layout *l, char *errstr, size_t errstr_size)
{
    char buf[1024], p[1024], pid[24], *path;

    if (l->version != CG_V2) {
        snprintf(errstr, errstr_size, "--cgroup-parent=%s needs cgroup v2 (on v1, name a group: execq)", CG_DELEGATED);
        return -1;
    }
    if (read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0 || !(path = strstr(buf, "0::/"))) {
        snprintf(errstr, errstr_size, "--cgroup-parent=%s: no v2 entry in /proc/self/cgroup", CG_DELEGATED);
        return -1;
    }
    path += 4;
    path[strcspn(path, "\n")] = '\0';
    /* Already in our leaf (an exec'd restart in place): its parent is the group. */
    if (strlen(path) >= 5 && strcmp(path + strlen(path) - 5, "/main") == 0)
        path[strlen(path) - 5] = '\0';
    if (!path[0] || strlen(path) >= sizeof(l->top)) {
        snprintf(errstr, errstr_size, "--cgroup-parent=%s: this process is in %s, not in a group of its own "
                                      "(start it under systemd with Delegate=yes, or name a group)",
                 CG_DELEGATED, path[0] ? "too deep a group" : "the root group");
        return -1;
    }
    snprintf(l->top, sizeof(l->top), "%s", path);
    snprintf(l->parent, sizeof(l->parent), "%s/x%d", l->top, (int)getpid());
    snprintf(p, sizeof(p), "%s/%s/main", l->unified, l->top);
    if (mkdir(p, 0755) < 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "create cgroup %s: %s (is the group delegated to this user?)", p, strerror(errno));
        return -1;
    }
    snprintf(p, sizeof(p), "%s/%s/main/cgroup.procs", l->unified, l->top);
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    if (write_file(p, pid) < 0) {
        snprintf(errstr, errstr_size, "move the executor into %s: %s", p, strerror(errno));
        return -1;
    }
    return enable_in(l, l->top, (int)strlen(l->top), errstr, errstr_size);
}

int cg_init(struct cg_layout *l, const char *parent, const struct cg_limits *all, int allow_swap,
            char *errstr, size_t errstr_size)
{
    struct stat sb;
    char v[32];
    int err;

    memset(l, 0, sizeof(*l));
    snprintf(l->top, sizeof(l->top), "%s", parent);
    snprintf(l->parent, sizeof(l->parent), "%s/x%d", parent, (int)getpid());
    if ((err = cgroup_init()) != 0) {
        snprintf(errstr, errstr_size, "libcgroup init: %s", cgroup_strerror(err));
        return -1;
    }
    /* v2 when the root of /sys/fs/cgroup is itself the unified hierarchy. */
    if (stat("/sys/fs/cgroup/cgroup.controllers", &sb) == 0) {
        char ctl[256];
        l->version = CG_V2;
        snprintf(l->unified, sizeof(l->unified), "/sys/fs/cgroup");
        if (read_file("/sys/fs/cgroup/cgroup.controllers", ctl, sizeof(ctl)) < 0 ||
            !strstr(ctl, "memory") || !strstr(ctl, "pids") || !strstr(ctl, "cpu")) {
            snprintf(errstr, errstr_size, "cgroup v2: memory, pids and cpu controllers are needed");
            return -1;
        }
    } else {
        l->version = CG_V1;
        if (mount_point("memory", l->memory, sizeof(l->memory)) < 0 ||
            mount_point("pids", l->pids, sizeof(l->pids)) < 0 ||
            mount_point("cpu", l->cpu, sizeof(l->cpu)) < 0 ||
            mount_point("cpuacct", l->cpuacct, sizeof(l->cpuacct)) < 0 ||
            mount_point("freezer", l->freezer, sizeof(l->freezer)) < 0) {
            snprintf(errstr, errstr_size, "cgroup v1: memory, pids, cpu, cpuacct and freezer must be mounted");
            return -1;
        }
        if (cg_swap_check(l->memory, allow_swap, errstr, errstr_size) < 0)
            return -1;
    }
    if (strcmp(parent, CG_DELEGATED) == 0) {
        if (take_delegated(l, errstr, errstr_size) < 0)
            return -1;
    } else if ((l->version == CG_V2 && enable_above(l, l->top, errstr, errstr_size) < 0) ||
               make_group(l, l->top, errstr, errstr_size) < 0) {
        return -1;
    }
    /* The shared parent (above), then this executor's own group under it,
     * which holds every job group of this executor and caps them together:
     * jobs in every slot at their largest limit fit, and nothing more, so
     * they can never take the memory or CPU the broker and the API need. */
    if (make_group(l, l->parent, errstr, errstr_size) < 0)
        return -1;
    snprintf(v, sizeof(v), "%lld", (long long)all->memory_bytes);
    if (l->version == CG_V2) {
        char q[64];
        snprintf(q, sizeof(q), "%lld %lld", (long long)all->cpu_quota_us, (long long)all->cpu_period_us);
        if (put_limit(l->unified, l->parent, "memory.max", v, errstr, errstr_size) < 0 ||
            put_limit(l->unified, l->parent, "memory.swap.max", "0", errstr, errstr_size) < 0 ||
            (all->cpu_quota_us > 0 && put_limit(l->unified, l->parent, "cpu.max", q, errstr, errstr_size) < 0))
            return -1;
    } else {
        char per[32], quota[32];
        snprintf(per, sizeof(per), "%lld", (long long)all->cpu_period_us);
        snprintf(quota, sizeof(quota), "%lld", (long long)all->cpu_quota_us);
        /* A new group: both memory limits are unlimited, so the plain
         * limit goes first (memsw may never be below it). */
        l->memsw = access_memsw(l->memory);
        l->tcp = access_tcp(l->memory);
        if (put_limit(l->memory, l->parent, "memory.limit_in_bytes", v, errstr, errstr_size) < 0 ||
            (l->memsw && put_limit(l->memory, l->parent, "memory.memsw.limit_in_bytes", v, errstr, errstr_size) < 0) ||
            (all->cpu_quota_us > 0 &&
             (put_limit(l->cpu, l->parent, "cpu.cfs_period_us", per, errstr, errstr_size) < 0 ||
              put_limit(l->cpu, l->parent, "cpu.cfs_quota_us", quota, errstr, errstr_size) < 0)))
            return -1;
        if (l->tcp && put_limit(l->memory, l->parent, "memory.kmem.tcp.limit_in_bytes", v, errstr, errstr_size) < 0)
            return -1;
    }
    return 0;
}

void cg_fini(const struct cg_layout *l)
{
    const char *mounts[5];
    size_t nmounts = layout_mounts(l, mounts);
    char p[1024];

    if (!l->version)
        return;
    for (size_t i = 0; i < nmounts; i++) {
        snprintf(p, sizeof(p), "%s/%s", mounts[i], l->parent);
        rmdir(p);   /* empty by now: every job group was destroyed */
    }
}

static void kill_group(const struct cg_layout *l, const char *name);

/* Kills what group name (relative to the mounts) holds and removes it:
 * rmdir, not libcgroup, since an orphan may exist in some hierarchies only
 * and removing an empty group is all that is needed. Returns 0 once gone. */
static int remove_group(const struct cg_layout *l, const char *mount, const char *name)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/%s", mount, name);
    for (int k = 0; k < 500 && rmdir(path) < 0 && errno == EBUSY; k++) {
        if (k % 50 == 0)
            kill_group(l, name);
        util_sleep_ms(2);
    }
    return access(path, F_OK) < 0 ? 0 : -1;
}

/* Whether pid is a running executor: a process of that name that has not
 * exited. A pid that still exists is not enough: a SIGKILLed executor stays
 * a zombie until its supervisor reaps it (make run restarts at once, and
 * some pid 1s never reap), and its number can be reused by anything. */
static int executor_alive(long pid)
{
    char path[64], stat[512], *open_paren, *close_paren;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if (!(f = fopen(path, "re")))
        return 0;
    n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    open_paren = strchr(stat, '(');
    close_paren = strrchr(stat, ')');
    if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
        return 1;   /* unreadable: leave it be */
    *close_paren = '\0';
    return strcmp(open_paren + 1, "execq-executor") == 0 && close_paren[2] != 'Z' && close_paren[2] != 'X';
}

int cg_reap_orphans(const struct cg_layout *l)
{
    const char *mounts[5];
    size_t nmounts = layout_mounts(l, mounts);
    char dir[600];
    struct dirent *e;
    DIR *d;
    int n = 0;

    for (size_t i = 0; i < nmounts; i++) {
        snprintf(dir, sizeof(dir), "%s/%s", mounts[i], l->top);
        if (!(d = opendir(dir)))
            continue;
        while ((e = readdir(d))) {
            char name[400], sub[700], *end;
            struct dirent *f;
            DIR *sd;
            long pid;

            if (e->d_name[0] != 'x' || e->d_type != DT_DIR)
                continue;
            /* x<pid> (an executor's group) or x<pid>-... (a job group of an
             * executor before executors had their own group). */
            pid = strtol(e->d_name + 1, &end, 10);
            if (end == e->d_name + 1 || (*end != '-' && *end != '\0') || pid <= 0 || pid == (long)getpid() ||
                executor_alive(pid))
                continue;   /* not ours, or its executor still runs */
            /* A job of a dead executor may still run (its executor was
             * killed before it could clean up): kill what each group holds,
             * the job groups first, then remove them. */
            snprintf(name, sizeof(name), "%s/%s", l->top, e->d_name);
            snprintf(sub, sizeof(sub), "%s/%s", mounts[i], name);
            if ((sd = opendir(sub))) {
                while ((f = readdir(sd))) {
                    char child[700];
                    if (f->d_type != DT_DIR || f->d_name[0] == '.')
                        continue;
                    snprintf(child, sizeof(child), "%s/%s", name, f->d_name);
                    if (remove_group(l, mounts[i], child) == 0)
                        n++;
                }
                closedir(sd);
            }
            if (remove_group(l, mounts[i], name) == 0)
                n++;
        }
        closedir(d);
    }
    return n;
}

int cg_job_task_files(const struct cg_job *j, char files[][512], int max)
{
    const struct cg_layout *l = j->l;
    const char *v1[] = {l->memory, l->pids, l->cpu, l->cpuacct, l->freezer};
    int n = 0;

    if (l->version == CG_V2) {
        if (max >= 1)
            snprintf(files[n++], 512, "%s/%s/cgroup.procs", l->unified, j->name);
        return n;
    }
    for (int i = 0; i < 5 && n < max; i++)
        snprintf(files[n++], 512, "%s/%s/tasks", v1[i], j->name);
    return n;
}

/* The mount point of a v1 controller this executor uses. */
static const char *v1_mount(const struct cg_layout *l, const char *ctrl)
{
    return strcmp(ctrl, "memory") == 0 ? l->memory : strcmp(ctrl, "pids") == 0 ? l->pids : l->cpu;
}

/* mkdir and the limit files, not libcgroup's cgroup_create_cgroup: that
 * one also chowns every file of every controller and reads the mount table,
 * which took a fifth of the executor's CPU per job (docs/performance.md). */
struct cg_job *cg_job_create(const struct cg_layout *l, const char *name, const struct cg_limits *lim,
                             char *errstr, size_t errstr_size)
{
    struct cg_job *j = calloc(1, sizeof(*j));
    const char *mounts[5], *ctrl[8], *names[8];
    char values[8][32], p[1024];
    size_t nm, n;

    if (!j) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    j->l = l;
    snprintf(j->name, sizeof(j->name), "%s/%s", l->parent, name);
    nm = layout_mounts(l, mounts);
    for (size_t i = 0; i < nm; i++) {
        snprintf(p, sizeof(p), "%s/%s", mounts[i], j->name);
        /* EEXIST: a hierarchy mounted twice (cpu and cpuacct together). */
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            snprintf(errstr, errstr_size, "create cgroup %s: %s", p, strerror(errno));
            goto fail;
        }
    }
    if (l->version == CG_V2)
        n = cg_v2_settings(lim, names, values, 8);
    else
        n = cg_v1_settings(lim, l->memsw, l->tcp, ctrl, names, values, 8);
    for (size_t i = 0; i < n; i++) {   /* in the order given: memsw after the memory limit */
        snprintf(p, sizeof(p), "%s/%s/%s", l->version == CG_V2 ? l->unified : v1_mount(l, ctrl[i]), j->name,
                 names[i]);
        if (write_file(p, values[i]) < 0) {
            snprintf(errstr, errstr_size, "%s = %s: %s", p, values[i], strerror(errno));
            goto fail;
        }
    }
    return j;
fail:
    for (size_t i = 0; i < nm; i++) {
        snprintf(p, sizeof(p), "%s/%s", mounts[i], j->name);
        rmdir(p);
    }
    free(j);
    return NULL;
}

int cg_job_attach(struct cg_job *j, pid_t pid, char *errstr, size_t errstr_size)
{
    const char *mounts[5];
    size_t nm = layout_mounts(j->l, mounts);
    char p[1024], v[24];

    snprintf(v, sizeof(v), "%d", (int)pid);
    for (size_t i = 0; i < nm; i++) {
        snprintf(p, sizeof(p), "%s/%s/cgroup.procs", mounts[i], j->name);
        if (write_file(p, v) < 0) {
            snprintf(errstr, errstr_size, "attach %d to %s: %s", (int)pid, p, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Direct writes: cgroup_modify_cgroup() would rewrite every value the group
 * was made with, and on v1 the order of the two memory files matters. */
int cg_job_set_memory(struct cg_job *j, int64_t new_bytes, int64_t old_bytes)
{
    char lim[1024], sw[1024], tcp[1024], v[32];

    snprintf(v, sizeof(v), "%lld", (long long)new_bytes);
    if (j->l->version == CG_V2) {
        snprintf(lim, sizeof(lim), "%s/%s/memory.max", j->l->unified, j->name);
        return write_file(lim, v);
    }
    snprintf(lim, sizeof(lim), "%s/%s/memory.limit_in_bytes", j->l->memory, j->name);
    snprintf(sw, sizeof(sw), "%s/%s/memory.memsw.limit_in_bytes", j->l->memory, j->name);
    snprintf(tcp, sizeof(tcp), "%s/%s/memory.kmem.tcp.limit_in_bytes", j->l->memory, j->name);
    if (j->l->tcp && write_file(tcp, v) < 0)
        return -1;
    if (!j->l->memsw)
        return write_file(lim, v);
    /* memsw may never be below the memory limit: raise it first, lower it last. */
    if (new_bytes > old_bytes)
        return write_file(sw, v) < 0 || write_file(lim, v) < 0 ? -1 : 0;
    return write_file(lim, v) < 0 || write_file(sw, v) < 0 ? -1 : 0;
}

void cg_job_reset_stats(struct cg_job *j)
{
    char p[1024];

    if (j->l->version == CG_V2)
        return;
    snprintf(p, sizeof(p), "%s/%s/memory.max_usage_in_bytes", j->l->memory, j->name);
    write_file(p, "0");   /* resets the peak to the current usage */
    snprintf(p, sizeof(p), "%s/%s/cpuacct.usage", j->l->cpuacct, j->name);
    write_file(p, "0");
}

/* Kills every process of group name (<parent>/<job>). v2: cgroup.kill; v1
 * has none: freeze the group so nothing can fork while we walk
 * cgroup.procs, SIGKILL each process, then thaw so the kills are delivered. */
static void kill_group(const struct cg_layout *l, const char *name)
{
    char dir[640], p[1024], line[32];
    FILE *f;

    if (l->version == CG_V2) {
        snprintf(dir, sizeof(dir), "%s/%s", l->unified, name);
        cg_kill_v2(dir);
        return;
    }
    snprintf(dir, sizeof(dir), "%s/%s", l->freezer, name);
    snprintf(p, sizeof(p), "%s/freezer.state", dir);
    write_file(p, "FROZEN");
    snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
    if ((f = fopen(p, "re"))) {
        while (fgets(line, sizeof(line), f)) {
            pid_t pid = (pid_t)strtol(line, NULL, 10);
            if (pid > 1)
                kill(pid, SIGKILL);
        }
        fclose(f);
    }
    snprintf(p, sizeof(p), "%s/freezer.state", dir);
    write_file(p, "THAWED");
}

void cg_job_kill(struct cg_job *j)
{
    kill_group(j->l, j->name);
}

int cg_job_stats(const struct cg_job *j, struct cg_stats *st)
{
    char a[640], b[640];

    memset(st, 0, sizeof(*st));
    if (j->l->version == CG_V2) {
        snprintf(a, sizeof(a), "%s/%s", j->l->unified, j->name);
        return cg_read_stats_v2(a, st);
    }
    snprintf(a, sizeof(a), "%s/%s", j->l->memory, j->name);
    snprintf(b, sizeof(b), "%s/%s", j->l->cpuacct, j->name);
    return cg_read_stats_v1(a, b, st);
}

void cg_job_destroy(struct cg_job *j)
{
    const char *mounts[5];
    size_t nm;

    if (!j)
        return;
    /* Usually empty by now (its sandbox's init was killed and has exited,
     * which the kernel allows only once the rest of its PID namespace is
     * gone): then a plain rmdir. A group still busy is killed (on v1 the
     * freezer dance, whose freeze and thaw flip a kernel-wide static key,
     * with an IPI to every CPU: not per job) and removed (remove_group). */
    nm = layout_mounts(j->l, mounts);
    for (size_t i = 0; i < nm; i++)
        if (remove_group(j->l, mounts[i], j->name) < 0)
            log_msg(LOG_WARNING, "cgroup %s/%s still there after its tasks were killed", mounts[i], j->name);
    free(j);
}
