/*
 * Test of libsvm_container against fake cgroup trees (no root, no real container needed):
 *   v2: a pod-level memory.max of 256 MiB above a container cgroup with "max", cpu.max "50000 100000" (half a
 *       CPU -> 1), read-only mount; then a process outside any limit.
 *   v1: memory.limit_in_bytes 128 MiB, cfs quota 100000/100000 (1 CPU).
 * Usage: container_test <scratch-dir>. Exit status 0 when every check passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void svm_container_test_set_files(const char *mountinfo, const char *cgroup);
int svm_container_initialize(int version);
long svm_container_memory_limit_in_bytes(void);
long svm_container_memory_and_swap_limit_in_bytes(void);
long svm_container_memory_usage_in_bytes(void);
long svm_container_rss_usage_in_bytes(void);
int svm_container_active_processor_count(void);

static int failures;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static void put(const char *dir, const char *name, const char *content) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(2); }
    fputs(content, f);
    fclose(f);
}

static void mkdirs(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) if (*p == '/') { *p = 0; mkdir(tmp, 0755); *p = '/'; }
    mkdir(tmp, 0755);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s scratch-dir\n", argv[0]); return 2; }
    const char *s = argv[1];
    char root[4096], pod[4096], ctr[4096], mi[4096], cg[4096], buf[8192];

    /* ---- cgroup v2, limit on the pod (parent), container cgroup unlimited ---- */
    snprintf(root, sizeof(root), "%s/v2", s);
    snprintf(pod, sizeof(pod), "%s/kubepods/pod1", root);
    snprintf(ctr, sizeof(ctr), "%s/ctr", pod);
    mkdirs(ctr);
    put(root, "cgroup.controllers", "cpu memory pids\n");
    put(pod, "memory.max", "268435456\n");
    put(pod, "cpu.max", "max 100000\n");
    put(ctr, "memory.max", "max\n");
    put(ctr, "memory.swap.max", "0\n");
    put(ctr, "memory.current", "52428800\n");
    put(ctr, "memory.stat", "anon 41943040\nfile 1048576\n");
    put(ctr, "cpu.max", "50000 100000\n");
    snprintf(mi, sizeof(mi), "%s/mountinfo-v2", s);
    snprintf(buf, sizeof(buf), "30 25 0:26 / %s ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n", root);
    put(s, "mountinfo-v2", buf);
    snprintf(cg, sizeof(cg), "%s/cgroup-v2", s);
    put(s, "cgroup-v2", "0::/kubepods/pod1/ctr\n");
    svm_container_test_set_files(mi, cg);
    CHECK(svm_container_initialize(240099) == 3); /* image older than the library */
    CHECK(svm_container_initialize(240101) == 2); /* image newer than the library */
    CHECK(svm_container_initialize(240100) == 1);
    CHECK(svm_container_memory_limit_in_bytes() == 268435456L);
    CHECK(svm_container_memory_and_swap_limit_in_bytes() == 268435456L);
    CHECK(svm_container_memory_usage_in_bytes() == 52428800L);
    CHECK(svm_container_rss_usage_in_bytes() == 41943040L);
    CHECK(svm_container_active_processor_count() == 1);

    /* cpu.max of 3.5 CPUs on a host with fewer CPUs: capped at the host's */
    put(ctr, "cpu.max", "350000 100000\n");
    long host = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(svm_container_active_processor_count() == (host < 4 ? host : 4));

    /* ---- same tree, no limit anywhere, writable mount: not a container ---- */
    put(pod, "memory.max", "max\n");
    put(ctr, "cpu.max", "max 100000\n");
    snprintf(buf, sizeof(buf), "30 25 0:26 / %s rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n", root);
    put(s, "mountinfo-v2", buf);
    CHECK(svm_container_initialize(240100) == 0);
    CHECK(svm_container_memory_limit_in_bytes() == -1);

    /* ---- cgroup v1 ---- */
    char mem[4096], cpu[4096];
    snprintf(mem, sizeof(mem), "%s/v1/memory/docker/abc", s);
    snprintf(cpu, sizeof(cpu), "%s/v1/cpu,cpuacct/docker/abc", s);
    mkdirs(mem);
    mkdirs(cpu);
    put(mem, "memory.limit_in_bytes", "134217728\n");
    put(mem, "memory.usage_in_bytes", "1000\n");
    put(cpu, "cpu.cfs_quota_us", "100000\n");
    put(cpu, "cpu.cfs_period_us", "100000\n");
    snprintf(buf, sizeof(buf),
             "40 25 0:30 / %s/v1/memory rw,nosuid - cgroup cgroup rw,memory\n"
             "41 25 0:31 / %s/v1/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n", s, s);
    put(s, "mountinfo-v1", buf);
    put(s, "cgroup-v1", "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n");
    snprintf(mi, sizeof(mi), "%s/mountinfo-v1", s);
    snprintf(cg, sizeof(cg), "%s/cgroup-v1", s);
    svm_container_test_set_files(mi, cg);
    CHECK(svm_container_initialize(240100) == 1);
    CHECK(svm_container_memory_limit_in_bytes() == 134217728L);
    CHECK(svm_container_memory_usage_in_bytes() == 1000);
    CHECK(svm_container_active_processor_count() == 1);

    if (failures == 0) printf("container_test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
