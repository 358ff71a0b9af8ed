/* envs: declaring, building and announcing environments (see envs.h).
 *
 * A build, for an environment whose directory D (<env-cache>/<name>-<hash
 * prefix>) holds no execq-env.json yet:
 *   python3 -m venv --without-pip --system-site-packages D
 *   python3 -m pip --python D/bin/python install --only-binary=:all: -r requirements.txt
 *   D/bin/python -I -c <list what D holds>
 * each as --env-build-uid, in a work directory of its own, with a clean
 * environment (no PIP_* of the host but ours, no configuration file), no
 * descriptor but /dev/null and a pipe, no_new_privs and a deadline; then
 * D becomes root's and execq-env.json is written last: a directory without
 * it is an interrupted build, removed and built again. */
#include "envs.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kq.h"
#include "launcher_proto.h"
#include "log.h"
#include "sha256.h"
#include "util.h"

enum env_state { ENV_BUILDING, ENV_READY, ENV_FAILED };
static const char *const state_names[] = {"building", "ready", "failed"};

/* The output kept of one build step (pip's errors come last). */
#define OUT_MAX 65536
/* A requirements file's largest size. */
#define REQ_MAX 65536
/* Announcements: every change, and this often besides. */
#define ANNOUNCE_EVERY_MS 60000

struct env {
    struct env_spec spec;
    char req_path[256];
    char *req;               /* the file's text, read at start */
    enum env_state state;
    char error[1024];
    cJSON *info;             /* ready: {"python", "packages"} */
    int building;            /* a job's requirements: a slot thread builds it now */
    int64_t failed_ms;       /* a job's requirements: when its build failed (tried again a minute on) */
};

struct envs {
    const struct cfg *c;
    pthread_mutex_t mu;      /* the states below; announcements */
    pthread_cond_t cond;
    struct env v[ENVS_MAX];
    int n;
    struct env *adhoc;       /* jobs' own requirements (--allow-requirements), requirements-max-envs of them */
    int nadhoc;
    cJSON *default_info;     /* the default interpreter's {"python", "packages"} */
    char python_version[128];
    char proxy_env[2][300];  /* https_proxy= and http_proxy= from pip-proxy, or "" */
    pthread_t builder;
    int building;            /* the builder thread runs */
    int stop;
    pthread_t announcer;
    int announcing;
    int changed;
    rd_kafka_t *rk;
    char instance[160];
};

/* What the default interpreter's record and a built environment's
 * execq-env.json say: the version and the distributions of sys.path (the
 * default) or of the environment's own site-packages (argv[1]: its
 * directory; run with -S, so that none of its .pth files, which may hold
 * code, is read: only its metadata files are). */
static const char info_src[] =
    "import importlib.metadata as m, json, sys\n"
    "own = ['%s/lib/python%d.%d/site-packages' % (sys.argv[1], *sys.version_info[:2])] if len(sys.argv) > 1 else []\n"
    "seen = {}\n"
    "for d in (m.distributions(path=own) if own else m.distributions()):\n"
    "    n = d.metadata['Name']\n"
    "    if n and n.lower() not in seen:\n"
    "        seen[n.lower()] = {'name': n, 'version': d.version}\n"
    "print(json.dumps({'python': sys.version.split()[0], 'site': own[0] if own else '',\n"
    "                  'packages': sorted(seen.values(), key=lambda p: p['name'].lower())}))\n";

/* Why pip found no distribution for a requirement: asks the index's page
 * of the project (PEP 503) whether it exists and has wheels. Prints one
 * word: missing, sdist, wheels, or unreachable and why. */
static const char index_src[] =
    "import re, sys, urllib.error, urllib.request\n"
    "idx, name = sys.argv[1].rstrip('/'), re.sub(r'[-_.]+', '-', sys.argv[2]).lower()\n"
    "try:\n"
    "    page = urllib.request.urlopen(idx + '/' + name + '/', timeout=20).read().decode('utf-8', 'replace')\n"
    "except urllib.error.HTTPError as e:\n"
    "    print('missing' if e.code == 404 else 'unreachable HTTP %d' % e.code)\n"
    "    sys.exit()\n"
    "except Exception as e:\n"
    "    print('unreachable %s' % e)\n"
    "    sys.exit()\n"
    "files = [f.split('#')[0].split('?')[0] for f in re.findall(r'href=\"([^\"]+)\"', page)]\n"
    "print('wheels' if any(f.endswith('.whl') for f in files) else 'sdist' if files else 'missing')\n";

static void set_state(struct envs *e, struct env *v, enum env_state st, const char *error)
{
    pthread_mutex_lock(&e->mu);
    v->state = st;
    snprintf(v->error, sizeof(v->error), "%s", error ? error : "");
    e->changed = 1;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mu);
}

/* Reads a whole small file (NUL-ended) into a malloc'd string, or NULL. */
static char *read_small(const char *path, size_t max)
{
    FILE *f = fopen(path, "re");
    char *s;
    size_t n;

    if (!f)
        return NULL;
    s = malloc(max + 1);
    n = s ? fread(s, 1, max + 1, f) : 0;
    fclose(f);
    if (!s || n > max || memchr(s, '\0', n)) {
        free(s);
        errno = EFBIG;
        return NULL;
    }
    s[n] = '\0';
    return s;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_tree(const char *path)
{
    if (access(path, F_OK) == 0 && nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
        log_msg(LOG_WARNING, "remove %s: %s", path, strerror(errno));
}

/* Makes every entry root's and not writable by others. */
static int own_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)flag;
    (void)ftw;
    if (lchown(path, 0, 0) < 0)
        return -1;
    if (!S_ISLNK(sb->st_mode) && chmod(path, sb->st_mode & 07755 & ~(mode_t)06000) < 0)
        return -1;
    return 0;
}

/* Runs argv (argv[0] an absolute path) as the build uid in work, with the
 * builders' environment, until it exits or the deadline passes (then its
 * process group is killed). Its output and errors, the last OUT_MAX bytes,
 * into out. Returns its exit status (0 success), or -1 with out saying why. */
static int run_builder(struct envs *e, char *const argv[], const char *work, int64_t deadline_ms, char *out)
{
    const struct cfg *c = e->c;
    uid_t uid = (uid_t)c->env_build_uid;
    char home[320], tmp[320], *envp[16];
    int p[2], st = 0, n = 0, timed_out = 0, rootless = geteuid() != 0;
    size_t len = 0;
    pid_t pid;

    snprintf(home, sizeof(home), "HOME=%s/home", work);
    snprintf(tmp, sizeof(tmp), "TMPDIR=%s/tmp", work);
    envp[n++] = "PATH=/usr/bin:/bin";
    envp[n++] = "LANG=C.UTF-8";
    envp[n++] = home;
    envp[n++] = tmp;
    envp[n++] = "PIP_CONFIG_FILE=/dev/null";   /* never the host's pip.conf (its indexes, find-links) */
    envp[n++] = "PIP_DISABLE_PIP_VERSION_CHECK=1";
    envp[n++] = "PYTHONNOUSERSITE=1";
    for (int i = 0; i < 2; i++)
        if (e->proxy_env[i][0])
            envp[n++] = e->proxy_env[i];
    envp[n] = NULL;
    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(out, OUT_MAX, "pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(out, OUT_MAX, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        /* A thread's fork: async-signal-safe calls only, then exec. */
        sigset_t none;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
            _exit(126);
        syscall(SYS_close_range, 3, ~0U, 0);
        /* A rootless executor (which declares no environment; sbx.c) lists
         * the default's packages as its own user: it has no uid to drop to. */
        if ((!rootless && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)) ||
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || chdir(work) < 0)
            _exit(126);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    close(p[1]);
    for (;;) {
        int64_t left = deadline_ms - util_mono_ms();
        struct pollfd q = {p[0], POLLIN, 0};
        ssize_t k;
        if (left <= 0 || __atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            break;
        }
        if (poll(&q, 1, left > 500 ? 500 : (int)left) <= 0)
            continue;
        if (len + 1 >= OUT_MAX) {   /* keep the last half: errors come last */
            memmove(out, out + OUT_MAX / 2, len - OUT_MAX / 2);
            len -= OUT_MAX / 2;
        }
        k = read(p[0], out + len, OUT_MAX - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    out[len] = '\0';
    close(p[0]);
    waitpid(pid, &st, 0);
    if (timed_out) {
        snprintf(out, OUT_MAX, "the build passed its deadline (env-build-timeout-s, %ld s; for a job's requirements "
                 "requirements-build-s and the job's own)", c->env_build_timeout_s);
        return -1;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 126) {
        snprintf(out, OUT_MAX, "cannot become the build uid %ld in %s", c->env_build_uid, work);
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The last line of out that starts with prefix (without it), into dst. */
static int last_line(const char *out, const char *prefix, char *dst, size_t size)
{
    const char *found = NULL, *p = out;
    size_t pl = strlen(prefix);

    while (p && *p) {
        if (strncmp(p, prefix, pl) == 0)
            found = p + pl;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!found)
        return -1;
    snprintf(dst, size, "%.*s", (int)strcspn(found, "\n"), found);
    return 0;
}

/* pip's failure, in words: which requirement and why (the index asked
 * again when pip found no distribution). */
static void diagnose(struct envs *e, const char *work, const char *out, int64_t deadline_ms, char *why, size_t size)
{
    char spec[512], name[256], line[1024];
    char *probe = malloc(OUT_MAX);
    const char *idx = e->c->pip_index_url[0] ? e->c->pip_index_url : "https://pypi.org/simple";

    if (last_line(out, "ERROR: No matching distribution found for ", spec, sizeof(spec)) == 0) {
        char *argv[] = {(char *)e->c->python, "-I", "-c", (char *)index_src, (char *)idx, name, NULL};
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(spec, "<>=!~;[ "), spec);
        if (probe && run_builder(e, argv, work, deadline_ms, probe) == 0) {
            probe[strcspn(probe, "\n")] = '\0';
            if (strcmp(probe, "missing") == 0)
                snprintf(why, size, "%s: no such package on %s", spec, idx);
            else if (strcmp(probe, "sdist") == 0)
                snprintf(why, size, "%s: %s has only source distributions of it; environments are built from "
                         "wheels only (no package code runs at install)", spec, idx);
            else if (strcmp(probe, "wheels") == 0)
                snprintf(why, size, "%s: no wheel on %s for this Python and platform in the versions asked", spec,
                         idx);
            else
                snprintf(why, size, "%s: no matching distribution (%s: %.200s)", spec, idx, probe);
            free(probe);
            return;
        }
        free(probe);
        snprintf(why, size, "%s: no matching distribution on %s", spec, idx);
        return;
    }
    free(probe);
    if (last_line(out, "ERROR: ", line, sizeof(line)) == 0) {
        snprintf(why, size, "pip: %.1000s", line);
        return;
    }
    {
        /* Its last non-empty line. */
        size_t n = strlen(out);
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
            n--;
        size_t b = n;
        while (b > 0 && out[b - 1] != '\n')
            b--;
        snprintf(why, size, "pip failed: %.*s", (int)(n - b), out + b);
    }
}

/* Reads D/execq-env.json: 0 with v ready (its info taken), or -1. */
static int load_built(struct env *v)
{
    char path[400], *s;
    cJSON *o;
    const cJSON *site, *hash;

    snprintf(path, sizeof(path), "%s/execq-env.json", v->spec.dir);
    if (!(s = read_small(path, 1 << 20)))
        return -1;
    o = cJSON_Parse(s);
    free(s);
    site = cJSON_GetObjectItemCaseSensitive(o, "site");
    hash = cJSON_GetObjectItemCaseSensitive(o, "hash");
    if (!cJSON_IsString(site) || !cJSON_IsString(hash) || strcmp(hash->valuestring, v->spec.hash) != 0 ||
        strncmp(site->valuestring, v->spec.dir, strlen(v->spec.dir)) != 0 ||
        strlen(site->valuestring) >= sizeof(v->spec.site)) {
        cJSON_Delete(o);
        return -1;
    }
    /* Where its zygote and jobs see it (launcher_proto.h). */
    snprintf(v->spec.site, sizeof(v->spec.site), "%s%s", JAIL_ENV_PATH, site->valuestring + strlen(v->spec.dir));
    cJSON_Delete(v->info);
    v->info = o;
    v->state = ENV_READY;
    return 0;
}

static int64_t du_bytes;
static int du_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)path;
    (void)flag;
    (void)ftw;
    du_bytes += (int64_t)sb->st_blocks * 512;   /* under du_mu */
    return 0;
}

/* The disk space of a tree (one build at a time measures: du_mu). */
static pthread_mutex_t du_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t tree_bytes(const char *dir)
{
    int64_t n;

    pthread_mutex_lock(&du_mu);
    du_bytes = 0;
    n = nftw(dir, du_entry, 16, FTW_PHYS) < 0 ? -1 : du_bytes;
    pthread_mutex_unlock(&du_mu);
    return n;
}

/* Builds v (state building) by deadline_ms; max_mb > 0: fails if it
 * installs more. Sets ready or failed. Thread-safe for different v. */
static void build(struct envs *e, struct env *v, int64_t deadline, long max_mb)
{
    const struct cfg *c = e->c;
    uid_t uid = (uid_t)c->env_build_uid;
    char work[300], path[400], py[400], why[1024];
    char *out = malloc(OUT_MAX);
    int64_t t0 = util_mono_ms();
    cJSON *info = NULL;
    char *json = NULL;
    FILE *f;
    int rc, lock = -1;

    if (!out) {
        snprintf(why, sizeof(why), "out of memory");
        goto fail_unlocked;
    }
    /* Executors of one host may share the cache: one builds, the others
     * wait for it and take what it built. */
    snprintf(path, sizeof(path), "%s/.lock-%s", c->env_cache, v->spec.name);
    if ((lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        snprintf(why, sizeof(why), "open %s: %s", path, strerror(errno));
        goto fail_unlocked;
    }
    while (flock(lock, LOCK_EX | LOCK_NB) < 0) {
        if (__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE) || util_mono_ms() > deadline) {
            snprintf(why, sizeof(why), "another executor's build of it held %s too long", path);
            close(lock);
            goto fail_unlocked;
        }
        util_sleep_ms(200);
    }
    pthread_mutex_lock(&e->mu);
    rc = load_built(v);
    pthread_mutex_unlock(&e->mu);
    if (rc == 0) {
        close(lock);
        free(out);
        log_msg(LOG_INFO, "env %s: built already, by another executor of this host (%s)", v->spec.name, v->spec.dir);
        set_state(e, v, ENV_READY, NULL);
        return;
    }
    log_msg(LOG_INFO, "env %s: building %s from %s (hash %.16s)", v->spec.name, v->spec.dir, v->req_path,
            v->spec.hash);
    snprintf(work, sizeof(work), "%s/.work-%s", c->env_cache, v->spec.name);
    rm_tree(work);
    rm_tree(v->spec.dir);   /* an interrupted build's */
    snprintf(path, sizeof(path), "%s/requirements.txt", work);
    if (mkdir(work, 0700) < 0 || chown(work, uid, uid) < 0 || mkdir(v->spec.dir, 0755) < 0 ||
        chown(v->spec.dir, uid, uid) < 0) {
        snprintf(why, sizeof(why), "make %s: %s", v->spec.dir, strerror(errno));
        goto fail;
    }
    {
        char sub[330];
        snprintf(sub, sizeof(sub), "%s/home", work);
        int ok = mkdir(sub, 0700) == 0 && chown(sub, uid, uid) == 0;
        snprintf(sub, sizeof(sub), "%s/tmp", work);
        ok = ok && mkdir(sub, 0700) == 0 && chown(sub, uid, uid) == 0;
        if (!ok || !(f = fopen(path, "we")) || fputs(v->req, f) < 0 || fclose(f) != 0 || chown(path, uid, uid) < 0) {
            snprintf(why, sizeof(why), "write %s: %s", path, strerror(errno));
            goto fail;
        }
    }
    {
        char *argv[] = {(char *)c->python, "-I", "-m", "venv", "--without-pip", "--system-site-packages",
                        v->spec.dir, NULL};
        if ((rc = run_builder(e, argv, work, deadline, out)) != 0) {
            snprintf(why, sizeof(why), "python3 -m venv failed (%d): %.900s", rc, out);
            goto fail;
        }
    }
    snprintf(py, sizeof(py), "%s/bin/python", v->spec.dir);
    {
        char *argv[20];
        int n = 0;
        argv[n++] = (char *)c->python;
        argv[n++] = "-I";
        argv[n++] = "-m";
        argv[n++] = "pip";
        argv[n++] = "--python";
        argv[n++] = py;
        argv[n++] = "install";
        argv[n++] = "--only-binary=:all:";   /* wheels only: no setup.py, no build backend runs */
        argv[n++] = "--no-cache-dir";
        argv[n++] = "--no-input";
        argv[n++] = "--progress-bar=off";
        argv[n++] = "--no-warn-script-location";
        if (c->pip_index_url[0]) {
            argv[n++] = "--index-url";
            argv[n++] = (char *)c->pip_index_url;
        }
        argv[n++] = "-r";
        argv[n++] = path;
        argv[n] = NULL;
        if ((rc = run_builder(e, argv, work, deadline, out)) != 0) {
            if (rc < 0)
                snprintf(why, sizeof(why), "%.1000s", out);
            else
                diagnose(e, work, out, deadline, why, sizeof(why));
            goto fail;
        }
    }
    if (max_mb > 0) {
        int64_t bytes = tree_bytes(v->spec.dir);
        if (bytes < 0 || bytes > ((int64_t)max_mb << 20)) {
            snprintf(why, sizeof(why), "the requirements installed %lld MiB, over requirements-max-mb (%ld)",
                     (long long)(bytes >> 20), max_mb);
            goto fail;
        }
    }
    {
        char *argv[] = {(char *)c->python, "-I", "-S", "-c", (char *)info_src, v->spec.dir, NULL};
        const cJSON *site;
        if ((rc = run_builder(e, argv, work, deadline, out)) != 0 || !(info = cJSON_Parse(out)) ||
            !cJSON_IsString(site = cJSON_GetObjectItemCaseSensitive(info, "site")) ||
            strncmp(site->valuestring, v->spec.dir, strlen(v->spec.dir)) != 0) {
            snprintf(why, sizeof(why), "list the environment's packages: %.900s", out);
            goto fail;
        }
    }
    /* Root's from now on: the build uid (nobody) can no longer change what
     * jobs will import. */
    if (nftw(v->spec.dir, own_entry, 16, FTW_PHYS) < 0) {
        snprintf(why, sizeof(why), "make %s root's: %s", v->spec.dir, strerror(errno));
        goto fail;
    }
    cJSON_AddStringToObject(info, "name", v->spec.name);
    cJSON_AddStringToObject(info, "hash", v->spec.hash);
    cJSON_AddNumberToObject(info, "built_at_ms", (double)util_wall_ms());
    snprintf(path, sizeof(path), "%s/execq-env.json", v->spec.dir);
    json = cJSON_PrintUnformatted(info);
    if (!json || !(f = fopen(path, "we")) || fputs(json, f) < 0 || fclose(f) != 0) {
        snprintf(why, sizeof(why), "write %s: %s", path, strerror(errno));
        goto fail;
    }
    free(json);
    cJSON_Delete(info);
    rm_tree(work);
    pthread_mutex_lock(&e->mu);
    rc = load_built(v);
    pthread_mutex_unlock(&e->mu);
    if (rc < 0) {
        snprintf(why, sizeof(why), "%s/execq-env.json does not read back", v->spec.dir);
        goto fail_kept;
    }
    close(lock);
    free(out);
    log_msg(LOG_INFO, "env %s: built in %lld ms", v->spec.name, (long long)(util_mono_ms() - t0));
    set_state(e, v, ENV_READY, NULL);
    return;
fail:
    free(json);
    cJSON_Delete(info);
    rm_tree(v->spec.dir);
fail_kept:
    rm_tree(work);
    close(lock);
fail_unlocked:
    free(out);
    log_msg(LOG_WARNING, "env %s: build failed after %lld ms: %s", v->spec.name, (long long)(util_mono_ms() - t0),
            why);
    set_state(e, v, ENV_FAILED, why);
}

static void *builder_main(void *arg)
{
    struct envs *e = arg;

    for (int i = 0; i < e->n && !__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE); i++)
        if (e->v[i].state == ENV_BUILDING)
            build(e, &e->v[i], util_mono_ms() + e->c->env_build_timeout_s * 1000, 0);
    return NULL;
}

/* The sha256 of what a build depends on: the requirements as written, the
 * interpreter's version and the index. */
static void build_hash(const struct envs *e, const char *req, char out[65])
{
    char material[256];
    size_t ml = (size_t)snprintf(material, sizeof(material), "execq-env 1\n%s\n%s\n", e->python_version,
                                 e->c->pip_index_url), rl = strlen(req);
    char *all = malloc(ml + rl + 1);

    if (!all) {
        sha256_hex(req, rl, out);   /* never two sets alike: still the requirements' own hash */
        return;
    }
    memcpy(all, material, ml);
    memcpy(all + ml, req, rl + 1);
    sha256_hex(all, ml + rl, out);
    free(all);
}

/* One declaration: name and requirements file. */
static int declare(struct envs *e, const char *name, const char *req, char *errstr, size_t errstr_size)
{
    const struct cfg *c = e->c;
    struct env *v;
    char *s, *line;

    if (!job_env_name_ok(name) || strcmp(name, "default") == 0) {
        snprintf(errstr, errstr_size, "env %s: a name is [a-z0-9][a-z0-9_-]*, at most %d bytes, and not \"default\"",
                 name, JOB_ENV_MAX - 1);
        return -1;
    }
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->v[i].spec.name, name) == 0) {
            snprintf(errstr, errstr_size, "env %s: declared twice", name);
            return -1;
        }
    if (e->n == ENVS_MAX) {
        snprintf(errstr, errstr_size, "more than %d environments", ENVS_MAX);
        return -1;
    }
    if (!(s = read_small(req, REQ_MAX))) {
        snprintf(errstr, errstr_size, "env %s: %s: %s", name, req, strerror(errno));
        return -1;
    }
    v = &e->v[e->n];
    memset(v, 0, sizeof(*v));
    v->req = s;
    snprintf(v->req_path, sizeof(v->req_path), "%s", req);
    snprintf(v->spec.name, sizeof(v->spec.name), "%s", name);
    snprintf(v->spec.imports, sizeof(v->spec.imports), "%s", c->warm_imports);
    /* Its own warm imports: "# execq: warm_imports=a,b" (pip skips comments). */
    for (line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *key = "# execq: warm_imports=";
        if (strncmp(line, key, strlen(key)) == 0) {
            size_t n = strcspn(line + strlen(key), "\r\n");
            if (n >= sizeof(v->spec.imports)) {
                snprintf(errstr, errstr_size, "env %s: warm_imports over %zu bytes", name, sizeof(v->spec.imports) - 1);
                free(s);
                return -1;
            }
            snprintf(v->spec.imports, sizeof(v->spec.imports), "%.*s", (int)n, line + strlen(key));
        }
    }
    build_hash(e, s, v->spec.hash);
    {
        char h16[17];
        snprintf(h16, sizeof(h16), "%.16s", v->spec.hash);
        snprintf(v->spec.dir, sizeof(v->spec.dir), "%s/%s-%s", c->env_cache, name, h16);
    }
    v->state = ENV_BUILDING;
    e->n++;
    if (load_built(v) == 0)
        log_msg(LOG_INFO, "env %s: built already (%s): not built again", name, v->spec.dir);
    return 0;
}

/* The --env list "NAME=FILE,NAME=FILE" and the envs-dir's NAME/requirements.txt. */
static int declare_all(struct envs *e, char *errstr, size_t errstr_size)
{
    const struct cfg *c = e->c;
    char list[sizeof(c->envs)], *save = NULL;

    snprintf(list, sizeof(list), "%s", c->envs);
    for (char *d = strtok_r(list, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(d, '=');
        if (!eq || eq == d || !eq[1]) {
            snprintf(errstr, errstr_size, "env \"%s\": NAME=path/to/requirements.txt", d);
            return -1;
        }
        *eq = '\0';
        if (declare(e, d, eq + 1, errstr, errstr_size) < 0)
            return -1;
    }
    if (c->envs_dir[0]) {
        struct dirent **names = NULL;
        int n = scandir(c->envs_dir, &names, NULL, alphasort), rc = 0;
        if (n < 0) {
            snprintf(errstr, errstr_size, "envs-dir %s: %s", c->envs_dir, strerror(errno));
            return -1;
        }
        for (int i = 0; i < n; i++) {
            char req[600];
            snprintf(req, sizeof(req), "%s/%s/requirements.txt", c->envs_dir, names[i]->d_name);
            if (rc == 0 && names[i]->d_name[0] != '.' && access(req, F_OK) == 0)
                rc = declare(e, names[i]->d_name, req, errstr, errstr_size);
            free(names[i]);
        }
        free(names);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The env cache's path: absolute, plain, and nowhere a sandbox has a
 * mount of its own (the environment appears there at the same path). */
static int cache_path_ok(const char *p)
{
    static const char *const taken[] = {"/usr", "/etc", "/dev", "/proc", "/tmp", "/input", "/bin", "/sbin",
                                        "/lib", "/lib64"};

    if (p[0] != '/' || strstr(p, "//") || strstr(p, "/.") || strcmp(p, "/") == 0)
        return 0;
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        size_t n = strlen(taken[i]);
        if (strncmp(p, taken[i], n) == 0 && (p[n] == '/' || p[n] == '\0'))
            return 0;
    }
    return 1;
}

struct envs *envs_new(const struct cfg *c, char *errstr, size_t errstr_size)
{
    struct envs *e = calloc(1, sizeof(*e));
    static char out[OUT_MAX];   /* the main thread's, at start */
    const cJSON *ver;

    if (!e) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    e->c = c;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cond, NULL);
    if (c->pip_proxy[0]) {   /* pip and the index probe (urllib) both read these */
        snprintf(e->proxy_env[0], sizeof(e->proxy_env[0]), "https_proxy=%s", c->pip_proxy);
        snprintf(e->proxy_env[1], sizeof(e->proxy_env[1]), "http_proxy=%s", c->pip_proxy);
    }
    /* The default interpreter's version and packages, listed as the build
     * uid would see them (in / : any directory it may enter). */
    {
        char *argv[] = {(char *)c->python, "-I", "-c", (char *)info_src, NULL};
        int rc = run_builder(e, argv, "/", util_mono_ms() + 60000, out);
        if (rc != 0 || !(e->default_info = cJSON_Parse(out)) ||
            !cJSON_IsString(ver = cJSON_GetObjectItemCaseSensitive(e->default_info, "python"))) {
            snprintf(errstr, errstr_size, "list the default interpreter's packages (%s as uid %ld): %.300s", c->python,
                     c->env_build_uid, out);
            goto fail;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(e->default_info, "site");
        snprintf(e->python_version, sizeof(e->python_version), "%s", ver->valuestring);
    }
    if (!c->envs[0] && !c->envs_dir[0] && !c->allow_requirements)
        return e;
    if (c->allow_requirements && !(e->adhoc = calloc((size_t)c->requirements_max_envs, sizeof(*e->adhoc)))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    if (!cache_path_ok(c->env_cache)) {
        snprintf(errstr, errstr_size, "env-cache %s: an absolute path outside /usr, /etc, /dev, /proc, /tmp and "
                 "/input (a sandbox sees its environment at the same path)", c->env_cache);
        goto fail;
    }
    {
        /* mkdir -p, root's, 0755: the build uid may enter, not write. */
        char p[sizeof(c->env_cache)];
        struct stat sb;
        snprintf(p, sizeof(p), "%s", c->env_cache);
        for (char *s = p + 1; *s; s++)
            if (*s == '/') {
                *s = '\0';
                mkdir(p, 0755);
                *s = '/';
            }
        mkdir(p, 0755);
        if (lstat(p, &sb) < 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 022)) {
            snprintf(errstr, errstr_size, "env-cache %s must be a root-owned directory not writable by others", p);
            goto fail;
        }
    }
    for (const char *p = c->sandbox_paths; *p;) {
        /* Nothing of the host's own there: environments are mounted at it. */
        size_t n = strcspn(p, ","), k = strlen(JAIL_ENV_PATH);
        if (n >= k && strncmp(p, JAIL_ENV_PATH, k) == 0 && (n == k || p[k] == '/')) {
            snprintf(errstr, errstr_size, "sandbox-paths lists %.*s, in %s, where environments are mounted", (int)n,
                     p, JAIL_ENV_PATH);
            goto fail;
        }
        p += n + (p[n] == ',');
    }
    if (declare_all(e, errstr, errstr_size) < 0)
        goto fail;
    return e;
fail:
    envs_free(e);
    return NULL;
}

int envs_build_start(struct envs *e, char *errstr, size_t errstr_size)
{
    int todo = 0;

    for (int i = 0; i < e->n; i++)
        todo += e->v[i].state == ENV_BUILDING;
    if (!todo)
        return 0;
    if (pthread_create(&e->builder, NULL, builder_main, e) != 0) {
        snprintf(errstr, errstr_size, "cannot start the environment builder");
        return -1;
    }
    e->building = 1;
    return 0;
}

/* One notice (schemas/env.schema.json); v NULL: the default. Caller holds mu. */
static char *notice(struct envs *e, const struct env *v)
{
    cJSON *o = cJSON_CreateObject(), *imports = cJSON_CreateArray(), *pk;
    const cJSON *info = v ? v->info : e->default_info, *x;
    char list[1024], *save = NULL;
    char *s;

    cJSON_AddNumberToObject(o, "schema_version", 1);
    cJSON_AddStringToObject(o, "executor", e->instance);
    cJSON_AddStringToObject(o, "env", v ? v->spec.name : "default");
    cJSON_AddStringToObject(o, "state", state_names[v ? v->state : ENV_READY]);
    if (v && v->state == ENV_FAILED)
        cJSON_AddStringToObject(o, "error", v->error);
    if (v)
        cJSON_AddStringToObject(o, "hash", v->spec.hash);
    snprintf(list, sizeof(list), "%s", v ? v->spec.imports : e->c->warm_imports);
    for (char *m = strtok_r(list, ", ", &save); m; m = strtok_r(NULL, ", ", &save))
        cJSON_AddItemToArray(imports, cJSON_CreateString(m));
    cJSON_AddItemToObject(o, "warm_imports", imports);
    if (info && (!v || v->state == ENV_READY)) {
        if ((x = cJSON_GetObjectItemCaseSensitive(info, "python")) && cJSON_IsString(x))
            cJSON_AddStringToObject(o, "python", x->valuestring);
        if ((x = cJSON_GetObjectItemCaseSensitive(info, "packages")) && cJSON_IsArray(x) &&
            (pk = cJSON_Duplicate(x, 1)))
            cJSON_AddItemToObject(o, "packages", pk);
    }
    cJSON_AddNumberToObject(o, "at_ms", (double)util_wall_ms());
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* Publishes one notice (value NULL: a tombstone) under <instance>/<name>. */
static void publish(struct envs *e, const char *name, char *value)
{
    char key[200];
    rd_kafka_headers_t *h = rd_kafka_headers_new(3);
    rd_kafka_resp_err_t err;

    snprintf(key, sizeof(key), "%s/%s", e->instance, name);
    rd_kafka_header_add(h, KQ_H_SCHEMA, -1, "1", -1);
    rd_kafka_header_add(h, KQ_H_CTYPE, -1, "application/json", -1);
    rd_kafka_header_add(h, KQ_H_MSGTYPE, -1, "env", -1);
    err = rd_kafka_producev(e->rk, RD_KAFKA_V_TOPIC(e->c->envs_topic), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(value, value ? strlen(value) : 0),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(h);
        free(value);
        log_msg(LOG_WARNING, "env %s: notice not sent: %s", name, rd_kafka_err2str(err));
    }
}

static void *announcer_main(void *arg)
{
    struct envs *e = arg;

    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        char *msgs[ENVS_MAX + 1];
        char names[ENVS_MAX + 1][JOB_ENV_MAX];
        int n = 0;
        struct timespec ts;
        msgs[n] = notice(e, NULL);
        snprintf(names[n++], JOB_ENV_MAX, "default");
        for (int i = 0; i < e->n; i++) {
            msgs[n] = notice(e, &e->v[i]);
            snprintf(names[n++], JOB_ENV_MAX, "%s", e->v[i].spec.name);
        }
        e->changed = 0;
        pthread_mutex_unlock(&e->mu);
        for (int i = 0; i < n; i++)
            publish(e, names[i], msgs[i]);
        pthread_mutex_lock(&e->mu);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += ANNOUNCE_EVERY_MS / 1000;
        while (!e->stop && !e->changed)
            if (pthread_cond_timedwait(&e->cond, &e->mu, &ts) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

int envs_announce_start(struct envs *e, rd_kafka_t *producer, const char *instance, char *errstr, size_t errstr_size)
{
    e->rk = producer;
    snprintf(e->instance, sizeof(e->instance), "%s", instance);
    if (pthread_create(&e->announcer, NULL, announcer_main, e) != 0) {
        snprintf(errstr, errstr_size, "cannot start the environment announcer");
        return -1;
    }
    e->announcing = 1;
    return 0;
}

void envs_announce_stop(struct envs *e)
{
    if (!e || !e->announcing)
        return;
    pthread_mutex_lock(&e->mu);
    e->stop = 1;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->announcer, NULL);
    e->announcing = 0;
    publish(e, "default", NULL);
    for (int i = 0; i < e->n; i++)
        publish(e, e->v[i].spec.name, NULL);
}

int envs_get(struct envs *e, const char *name, struct env_spec *out, char *why, size_t why_size)
{
    int ret = -1;

    if (!e) {
        snprintf(why, why_size, "environment %s is not offered by this executor", name);
        return -1;
    }
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->n; i++) {
        const struct env *v = &e->v[i];
        if (strcmp(v->spec.name, name) != 0)
            continue;
        if (v->state == ENV_READY) {
            *out = v->spec;
            ret = 0;
        } else if (v->state == ENV_BUILDING) {
            snprintf(why, why_size, "environment %s is still being built on this executor", name);
        } else {
            snprintf(why, why_size, "environment %s failed to build on this executor: %s", name, v->error);
        }
        pthread_mutex_unlock(&e->mu);
        return ret;
    }
    pthread_mutex_unlock(&e->mu);
    snprintf(why, why_size, "environment %s is not offered by this executor", name);
    return -1;
}

int envs_adhoc(struct envs *e, const struct job *j, struct env_spec *out, long *built_ms, char *why, size_t why_size)
{
    const struct cfg *c = e ? e->c : NULL;
    char hash[65];
    struct env *v = NULL;
    int ret = -1;

    if (!e || !c->allow_requirements) {
        snprintf(why, why_size, "this executor builds no job's requirements (--allow-requirements)");
        return -1;
    }
    build_hash(e, j->requirements, hash);
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->nadhoc && !v; i++)
        if (strcmp(e->adhoc[i].spec.hash, hash) == 0)
            v = &e->adhoc[i];
    if (!v) {
        if (e->nadhoc == c->requirements_max_envs) {
            snprintf(why, why_size, "this executor holds %ld sets of requirements already (requirements-max-envs): "
                     "ask the operator for a named environment", c->requirements_max_envs);
            goto out;
        }
        v = &e->adhoc[e->nadhoc];
        memset(v, 0, sizeof(*v));
        if (!(v->req = util_strdup(j->requirements))) {
            snprintf(why, why_size, "out of memory");
            goto out;
        }
        e->nadhoc++;
        snprintf(v->req_path, sizeof(v->req_path), "a job's requirements");
        snprintf(v->spec.name, sizeof(v->spec.name), "req-%.12s", hash);
        snprintf(v->spec.hash, sizeof(v->spec.hash), "%s", hash);
        /* Nothing imported ahead on the host: a tenant chose these packages,
         * and any of them may shadow a module the default zygote imports. */
        v->spec.imports[0] = '\0';
        v->spec.untrusted = 1;
        snprintf(v->spec.dir, sizeof(v->spec.dir), "%s/%s", c->env_cache, v->spec.name);
        v->state = ENV_BUILDING;
        if (load_built(v) == 0)
            log_msg(LOG_INFO, "env %s: built already (%s): not built again", v->spec.name, v->spec.dir);
    }
    for (;;) {
        int64_t now = util_mono_ms();
        /* The job still needs its own time once its requirements are in. */
        int64_t left = j->expires_at_ms - util_wall_ms() - j->timeout_ms;
        if (v->state == ENV_READY) {
            *out = v->spec;
            ret = 0;
            goto out;
        }
        if (v->state == ENV_FAILED && now - v->failed_ms < 60000) {
            snprintf(why, why_size, "its requirements did not build: %s", v->error);
            goto out;
        }
        v->state = ENV_BUILDING;
        if (left <= 0) {
            snprintf(why, why_size, "no time left to build its requirements before its deadline");
            goto out;
        }
        if (!v->building) {
            int64_t t0 = now, limit = c->requirements_build_s * 1000;
            v->building = 1;
            pthread_mutex_unlock(&e->mu);
            build(e, v, t0 + (left < limit ? left : limit), c->requirements_max_mb);
            pthread_mutex_lock(&e->mu);
            v->building = 0;
            pthread_cond_broadcast(&e->cond);
            if (v->state == ENV_READY)
                *built_ms = (long)(util_mono_ms() - t0);
            else
                v->failed_ms = util_mono_ms();
            continue;
        }
        {
            /* Another job with the same requirements builds them: wait. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&e->cond, &e->mu, &ts);
        }
    }
out:
    pthread_mutex_unlock(&e->mu);
    return ret;
}

void envs_counts(struct envs *e, long *ready, long *building, long *failed)
{
    *ready = *building = *failed = 0;
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->n; i++) {
        if (e->v[i].state == ENV_READY)
            (*ready)++;
        else if (e->v[i].state == ENV_BUILDING)
            (*building)++;
        else
            (*failed)++;
    }
    pthread_mutex_unlock(&e->mu);
}

long envs_requirement_sets(struct envs *e)
{
    long n = 0;

    if (!e)
        return 0;
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->nadhoc; i++)
        n += e->adhoc[i].state == ENV_READY;
    pthread_mutex_unlock(&e->mu);
    return n;
}

void envs_free(struct envs *e)
{
    if (!e)
        return;
    envs_announce_stop(e);
    __atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);   /* the builder kills its step (run_builder) */
    if (e->building)
        pthread_join(e->builder, NULL);
    for (int i = 0; i < e->n; i++) {
        free(e->v[i].req);
        cJSON_Delete(e->v[i].info);
    }
    for (int i = 0; i < e->nadhoc; i++) {
        free(e->adhoc[i].req);
        cJSON_Delete(e->adhoc[i].info);
    }
    free(e->adhoc);
    cJSON_Delete(e->default_info);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->mu);
    free(e);
}
