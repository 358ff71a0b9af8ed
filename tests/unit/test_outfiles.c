/* Unit tests of executor/outfiles.c, the host side of output files and
 * figures, and of the codec and request checks of files (job.c, spec.c):
 * the walk runs over a real directory holding what a hostile job could
 * leave in /tmp/out (symlinks out, a FIFO, a device, a socket, a sparse file far
 * over the cap, deep and badly named entries, many files). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "check.h"
#include "job.h"
#include "outfiles.h"
#include "spec.h"
#include "util.h"

static char top[64];

static void put(const char *rel, const char *data)
{
    char p[256];
    int fd;
    snprintf(p, sizeof(p), "%s/%s", top, rel);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data));
    close(fd);
}

static void at(char *p, size_t n, const char *rel)
{
    snprintf(p, n, "%s/%s", top, rel);
}

static const struct job_file *find(const struct job_file *f, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

/* A scratch tree like a job's tmpfs: top/ with an empty out/. */
static void tree_new(void)
{
    char p[256];
    snprintf(top, sizeof(top), "/tmp/execq-outf-XXXXXX");
    CHECK(mkdtemp(top) != NULL);
    at(p, sizeof(p), "out");
    CHECK(mkdir(p, 0755) == 0);
}

/* What init hands the executor: an O_PATH descriptor of the tree's root. */
static int tree_root(void)
{
    return open(top, O_PATH | O_DIRECTORY);
}

static void tree_free(void)
{
    char p[256];
    snprintf(p, sizeof(p), "rm -rf %s", top);
    CHECK(system(p) == 0);
}

static void test_collect_hostile_tree(void)
{
    char p[256], q[256];
    struct job_file *f;
    int n, trunc, tmp, fd;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int s = socket(AF_UNIX, SOCK_STREAM, 0);

    tree_new();
    put("out/b.csv", "x,y\n1,2\n");
    put("out/a.txt", "hello");
    at(p, sizeof(p), "out/sub");
    CHECK(mkdir(p, 0755) == 0);
    put("out/sub/c", "deep");
    at(p, sizeof(p), "out/passwd");
    CHECK(symlink("/etc/passwd", p) == 0);                 /* a link out */
    at(p, sizeof(p), "out/root");
    CHECK(symlink("/", p) == 0);                           /* a directory link out */
    at(p, sizeof(p), "out/fifo");
    CHECK(mkfifo(p, 0644) == 0);                           /* would block a reader */
    at(p, sizeof(p), "out/null");
    CHECK(mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0);   /* a device: never opened */
    at(sa.sun_path, sizeof(sa.sun_path), "out/sock");
    CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    at(p, sizeof(p), "out/sparse");
    fd = open(p, O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0 && ftruncate(fd, 10LL << 30) == 0);     /* 10 GB of nothing */
    close(fd);
    at(p, sizeof(p), "out/bad\nname");
    put("out/bad\nname", "x");
    at(q, sizeof(q), "secret");
    put("secret", "never returned");
    at(p, sizeof(p), "out/hard");
    CHECK(link(q, p) == 0);                                /* a hard link is a regular file of this tmpfs */

    tmp = tree_root();
    CHECK(outf_collect(tmp, 1 << 20, &f, &n, &trunc) == 0);
    CHECK(n == 4);
    CHECK(strcmp(f[0].name, "a.txt") == 0 && strcmp(f[1].name, "b.csv") == 0);
    CHECK(find(f, n, "sub/c") && find(f, n, "sub/c")->len == 4 && memcmp(find(f, n, "sub/c")->data, "deep", 4) == 0);
    CHECK(find(f, n, "hard") != NULL);
    CHECK(!find(f, n, "passwd") && !find(f, n, "fifo") && !find(f, n, "sock") && !find(f, n, "sparse") &&
          !find(f, n, "null"));
    CHECK(trunc == 1);   /* the sparse file over the cap, the bad name */
    job_files_free(f, n);

    /* A cap of 6 bytes: a.txt (5) fits, nothing else does. */
    CHECK(outf_collect(tmp, 6, &f, &n, &trunc) == 0);
    CHECK(n == 1 && strcmp(f[0].name, "a.txt") == 0 && trunc == 1);
    job_files_free(f, n);
    close(tmp);

    /* out replaced by a symlink to / : nothing is returned. */
    snprintf(p, sizeof(p), "rm -rf %s/out", top);
    CHECK(system(p) == 0);
    at(p, sizeof(p), "out");
    CHECK(symlink("/etc", p) == 0);
    tmp = tree_root();
    CHECK(outf_collect(tmp, 1 << 20, &f, &n, &trunc) == 0 && n == 0);
    job_files_free(f, n);
    close(tmp);
    close(s);
    tree_free();
}

/* An empty /tmp/out (the common case): no files, nothing truncated. Under
 * UBSan this once stopped the executor (qsort given the NULL of no names). */
static void test_collect_empty(void)
{
    struct job_file *f;
    int n, trunc, tmp;

    tree_new();
    tmp = tree_root();
    CHECK(outf_collect(tmp, 1 << 20, &f, &n, &trunc) == 0 && n == 0 && trunc == 0);
    job_files_free(f, n);
    close(tmp);
    tree_free();
}

static void test_collect_many_files(void)
{
    struct job_file *f;
    int n, trunc, tmp;

    tree_new();
    for (int i = 0; i < 300; i++) {
        char rel[32];
        snprintf(rel, sizeof(rel), "out/f%03d", i);
        put(rel, "x");
    }
    tmp = tree_root();
    CHECK(outf_collect(tmp, 1 << 20, &f, &n, &trunc) == 0);
    CHECK(n == JOB_MAX_FILES && trunc == 1 && strcmp(f[0].name, "f000") == 0);
    job_files_free(f, n);
    close(tmp);
    tree_free();
}

static void test_images(void)
{
    static const char stream[] = "EXQIMG image/png 3\nabcEXQIMG image/svg+xml 2\nxy";
    struct job_file *im;
    int n, trunc;

    CHECK(outf_images(stream, sizeof(stream) - 1, 0, &im, &n, &trunc) == 0);
    CHECK(n == 2 && trunc == 0);
    CHECK(strcmp(im[0].name, "image/png") == 0 && im[0].len == 3 && memcmp(im[0].data, "abc", 3) == 0);
    CHECK(strcmp(im[1].name, "image/svg+xml") == 0 && im[1].len == 2);
    job_files_free(im, n);
    /* cut short, a lie about the length, junk, not an image type */
    CHECK(outf_images(stream, 25, 1, &im, &n, &trunc) == 0 && n == 1 && trunc == 1);
    job_files_free(im, n);
    CHECK(outf_images("EXQIMG image/png 99\nab", 22, 0, &im, &n, &trunc) == 0 && n == 0 && trunc == 1);
    job_files_free(im, n);
    CHECK(outf_images("hello world", 11, 0, &im, &n, &trunc) == 0 && n == 0 && trunc == 1);
    job_files_free(im, n);
    CHECK(outf_images("EXQIMG text/html 1\nx", 20, 0, &im, &n, &trunc) == 0 && n == 0 && trunc == 1);
    job_files_free(im, n);
    CHECK(outf_images("EXQIMG image/png 1 \nx", 21, 0, &im, &n, &trunc) == 0 && n == 0 && trunc == 1);
    job_files_free(im, n);
    CHECK(outf_images("", 0, 0, &im, &n, &trunc) == 0 && n == 0 && trunc == 0);
}

static void test_names(void)
{
    CHECK(job_file_name_ok("a.csv") && job_file_name_ok("dir/sub/b") && job_file_name_ok("..a") &&
          job_file_name_ok("a..") && job_file_name_ok("h\xc3\xa9"));
    CHECK(!job_file_name_ok("") && !job_file_name_ok("/a") && !job_file_name_ok("..") && !job_file_name_ok(".") &&
          !job_file_name_ok("a/../b") && !job_file_name_ok("a/./b") && !job_file_name_ok("a//b") &&
          !job_file_name_ok("a/") && !job_file_name_ok("a\nb") && !job_file_name_ok("a\x7f") &&
          !job_file_name_ok("\xff") && !job_file_name_ok("a/b/c/d/e/f/g/h/i"));
}

static void test_codec(void)
{
    struct job j, k;
    struct result r, s;
    char err[160], *json;

    job_init(&j);
    util_uuid(j.id);
    j.code = util_strdup("print(1)");
    snprintf(j.kind, sizeof(j.kind), "async");
    snprintf(j.account, sizeof(j.account), "demo");
    j.timeout_ms = 1000;
    j.memory_mb = 64;
    j.scratch_mb = 16;
    j.files = calloc(2, sizeof(*j.files));
    j.nfiles = 1;
    snprintf(j.files[0].name, sizeof(j.files[0].name), "in/data.bin");
    j.files[0].data = (unsigned char *)util_strdup("a\x01\x02");
    j.files[0].len = 3;
    json = job_to_json(&j);
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(k.scratch_mb == 16 && k.nfiles == 1 && strcmp(k.files[0].name, "in/data.bin") == 0 && k.files[0].len == 3 &&
          memcmp(k.files[0].data, "a\x01\x02", 3) == 0);
    job_release(&k);
    free(json);
    /* a job message with a name escaping /input is refused by the executor too */
    snprintf(j.files[0].name, sizeof(j.files[0].name), "../etc");
    json = job_to_json(&j);
    CHECK(job_from_json(&k, json, strlen(json), err, sizeof(err)) < 0 && strstr(err, "files"));
    free(json);
    job_release(&j);

    result_init(&r);
    util_uuid(r.id);
    r.images = calloc(1, sizeof(*r.images));
    r.nimages = 1;
    snprintf(r.images[0].name, sizeof(r.images[0].name), "image/png");
    r.images[0].data = (unsigned char *)util_strdup("\x89PNG");
    r.images[0].len = 4;
    r.files_truncated = 1;
    snprintf(r.executor, sizeof(r.executor), "e1");
    json = result_to_json(&r);
    CHECK(strstr(json, "\"files\":[]") && strstr(json, "\"files_truncated\":true") &&
          strstr(json, "\"mime_type\":\"image/png\""));
    CHECK(result_from_json(&s, json, strlen(json), err, sizeof(err)) == 0);
    CHECK(s.nimages == 1 && s.images[0].len == 4 && s.files_truncated == 1 && s.nfiles == 0);
    result_release(&s);
    free(json);
    result_release(&r);
    /* no files and no images: the fields are absent (the seed's answers unchanged) */
    result_init(&r);
    json = result_to_http_json(&r);
    CHECK(!strstr(json, "\"files\"") && !strstr(json, "\"images\""));
    free(json);
}

static int spec_of(const struct cfg *c, const char *body, struct spec_err *e)
{
    cJSON *o = cJSON_Parse(body);
    struct job j;
    int rc;

    job_init(&j);
    rc = spec_parse(c, o, &j, e);
    job_release(&j);
    cJSON_Delete(o);
    return rc;
}

static void test_spec(void)
{
    struct cfg c;
    struct spec_err e;
    char err[160];

    CHECK(cfg_load(&c, CFG_API, 0, NULL, err, sizeof(err)) == 0);
    c.max_input_bytes = 10;
    CHECK(spec_of(&c, "{\"code\":\"1\",\"files\":[{\"name\":\"a\",\"content\":\"0123456789\"}]}", &e) == 0);
    CHECK(spec_of(&c, "{\"code\":\"1\",\"files\":[{\"name\":\"a\",\"content\":\"01234\"},"
                      "{\"name\":\"b\",\"content\":\"MDEyMzQ1\",\"encoding\":\"base64\"}]}", &e) < 0 &&
          e.status == 413 && strcmp(e.code, "payload_too_large") == 0);
    CHECK(spec_of(&c, "{\"code\":\"1\",\"files\":[{\"name\":\"a/b\",\"content\":\"\"},{\"name\":\"a\",\"content\":\"\"}]}",
                  &e) < 0 && e.status == 400 && strcmp(e.code, "invalid_files") == 0);
    CHECK(spec_of(&c, "{\"code\":\"1\",\"scratch_mb\":512}", &e) == 0);
    CHECK(spec_of(&c, "{\"code\":\"1\",\"scratch_mb\":513}", &e) < 0 && strcmp(e.code, "invalid_scratch") == 0);
    c.max_scratch_mb = 0;
    CHECK(spec_of(&c, "{\"code\":\"1\",\"scratch_mb\":1}", &e) < 0 && strcmp(e.code, "invalid_scratch") == 0);
    CHECK(spec_of(&c, "{\"code\":\"1\",\"scratch_mb\":0}", &e) == 0);
}

int main(void)
{
    test_names();
    test_codec();
    test_spec();
    test_images();
    test_collect_empty();
    test_collect_hostile_tree();
    test_collect_many_files();
    CHECK_DONE();
}
