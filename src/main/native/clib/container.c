/*
 * libsvm_container.a for SubstrateVM 25.0.2 (ContainerLibrary, VERSION 240100): the pod's limits, so that a
 * native image sizes its heap and its thread pools from the container, not from the node.
 *
 * Written for Ordinal from ContainerLibrary's @CFunction declarations, following what HotSpot's
 * osContainer_linux does: find the process's cgroup (/proc/self/cgroup) below the cgroup file system mount
 * (/proc/self/mountinfo), then read
 *   cgroup v2: memory.max, memory.swap.max, memory.low, memory.current, memory.peak, memory.stat, cpu.max
 *   cgroup v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes, memory.soft_limit_in_bytes,
 *              memory.usage_in_bytes, memory.max_usage_in_bytes, memory.stat, cpu.cfs_quota_us/cfs_period_us
 * taking the lowest limit from the process's cgroup up to the mount root (a limit set on a parent applies).
 * Results: a byte count, -1 for "no limit", -2 for "cannot tell" (HotSpot's OSCONTAINER_ERROR).
 *
 * svm_container_test_set_files() points the library at other mountinfo/cgroup files (used by the C test with a
 * fake cgroup tree; the image never calls it).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VERSION 240100
#define SUCCESS_IS_NOT_CONTAINERIZED 0
#define SUCCESS_IS_CONTAINERIZED 1
#define ERROR_LIBCONTAINER_TOO_OLD 2
#define ERROR_LIBCONTAINER_TOO_NEW 3
#define UNLIMITED (-1L)
#define UNKNOWN (-2L)

static const char *mountinfo_file = "/proc/self/mountinfo";
static const char *cgroup_file = "/proc/self/cgroup";
static int version;            /* 0 none, 1 or 2 */
static char mem_root[PATH_MAX]; /* mount point of the memory controller */
static char mem_dir[PATH_MAX];  /* the process's cgroup directory for memory */
static char cpu_root[PATH_MAX];
static char cpu_dir[PATH_MAX];

void svm_container_test_set_files(const char *mountinfo, const char *cgroup) {
    mountinfo_file = mountinfo;
    cgroup_file = cgroup;
}

/* First line of dir/name into buf; 0 on success. */
static int read_first_line(const char *dir, const char *name, char *buf, size_t len) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (f == NULL) return -1;
    char *r = fgets(buf, (int)len, f);
    fclose(f);
    if (r == NULL) return -1;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

/* A number, "max" (-1), or -2 when the file is missing or unreadable. */
static long read_value(const char *dir, const char *name) {
    char buf[128];
    if (read_first_line(dir, name, buf, sizeof(buf)) != 0) return UNKNOWN;
    if (strcmp(buf, "max") == 0) return UNLIMITED;
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    if (end == buf) return UNKNOWN;
    /* cgroup v1 writes "no limit" as a page-rounded LONG_MAX */
    if (v >= (unsigned long long)LONG_MAX / 2) return UNLIMITED;
    return (long)v;
}

/* Value of "key <n>" in dir/memory.stat, or -2. */
static long read_stat(const char *dir, const char *key) {
    char path[PATH_MAX + 64], line[256];
    snprintf(path, sizeof(path), "%s/memory.stat", dir);
    FILE *f = fopen(path, "re");
    if (f == NULL) return UNKNOWN;
    long result = UNKNOWN;
    size_t klen = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
            result = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return result;
}

/* Lowest limit in name from dir up to root (inclusive). -1 if none set anywhere, -2 if never readable. */
static long hierarchical_limit(const char *root, const char *dir, const char *name) {
    char cur[PATH_MAX];
    snprintf(cur, sizeof(cur), "%s", dir);
    long best = UNKNOWN;
    size_t rootlen = strlen(root);
    for (;;) {
        long v = read_value(cur, name);
        if (v >= 0 && (best < 0 || v < best)) best = v;
        else if (v == UNLIMITED && best == UNKNOWN) best = UNLIMITED;
        if (strlen(cur) <= rootlen) break;
        char *slash = strrchr(cur, '/');
        if (slash == NULL || (size_t)(slash - cur) < rootlen) break;
        *slash = 0;
    }
    return best;
}

static long host_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? pages * size : UNKNOWN;
}

static int host_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* dir = mount point + (cgroup path relative to the mount's root). */
static void join(char *out, const char *mount, const char *mount_root, const char *cgroup_path) {
    const char *rel = cgroup_path;
    size_t rl = strlen(mount_root);
    if (strcmp(mount_root, "/") != 0 && strncmp(cgroup_path, mount_root, rl) == 0) rel = cgroup_path + rl;
    else if (strcmp(mount_root, "/") != 0) rel = ""; /* not below the mount's root: use the mount itself */
    if (strcmp(rel, "/") == 0) rel = "";
    snprintf(out, PATH_MAX, "%s%s", mount, rel);
}

static int has_option(const char *options, const char *opt) {
    size_t n = strlen(opt);
    for (const char *p = options; (p = strstr(p, opt)) != NULL; p += n) {
        if ((p == options || p[-1] == ',') && (p[n] == 0 || p[n] == ',' || p[n] == ' ')) return 1;
    }
    return 0;
}

int svm_container_initialize(int requested) {
    if (requested < VERSION) return ERROR_LIBCONTAINER_TOO_NEW; /* the image expects an older library */
    if (requested > VERSION) return ERROR_LIBCONTAINER_TOO_OLD;
    version = 0;
    char v2path[PATH_MAX] = "", v1mem[PATH_MAX] = "", v1cpu[PATH_MAX] = "";
    FILE *f = fopen(cgroup_file, "re");
    if (f == NULL) return SUCCESS_IS_NOT_CONTAINERIZED;
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        /* hierarchy-id:controllers:path */
        char *c1 = strchr(line, ':');
        if (c1 == NULL) continue;
        char *c2 = strchr(c1 + 1, ':');
        if (c2 == NULL) continue;
        *c2 = 0;
        const char *controllers = c1 + 1, *path = c2 + 1;
        if (strncmp(line, "0:", 2) == 0 && *controllers == 0) snprintf(v2path, sizeof(v2path), "%s", path);
        if (has_option(controllers, "memory")) snprintf(v1mem, sizeof(v1mem), "%s", path);
        if (has_option(controllers, "cpu")) snprintf(v1cpu, sizeof(v1cpu), "%s", path);
    }
    fclose(f);

    f = fopen(mountinfo_file, "re");
    if (f == NULL) return SUCCESS_IS_NOT_CONTAINERIZED;
    int read_only = 0;
    while (fgets(line, sizeof(line), f)) {
        /* id parent major:minor root mount-point options [optional...] - fstype source super-options */
        char root[PATH_MAX], mount[PATH_MAX], options[256], fstype[64], super[512];
        char *sep = strstr(line, " - ");
        if (sep == NULL) continue;
        if (sscanf(line, "%*d %*d %*s %4095s %4095s %255s", root, mount, options) != 3) continue;
        if (sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2) continue;
        if (strcmp(fstype, "cgroup2") == 0 && v1mem[0] == 0) {
            version = 2;
            snprintf(mem_root, sizeof(mem_root), "%s", mount);
            snprintf(cpu_root, sizeof(cpu_root), "%s", mount);
            join(mem_dir, mount, root, v2path);
            join(cpu_dir, mount, root, v2path);
            read_only = has_option(options, "ro");
        } else if (strcmp(fstype, "cgroup") == 0) {
            if (has_option(super, "memory")) {
                version = 1;
                snprintf(mem_root, sizeof(mem_root), "%s", mount);
                join(mem_dir, mount, root, v1mem);
                read_only |= has_option(options, "ro");
            }
            if (has_option(super, "cpu")) {
                snprintf(cpu_root, sizeof(cpu_root), "%s", mount);
                join(cpu_dir, mount, root, v1cpu);
            }
        }
    }
    fclose(f);
    if (version == 0) return SUCCESS_IS_NOT_CONTAINERIZED;
    /* As HotSpot: a read-only cgroup mount means a container; so does any memory or CPU limit we can see. */
    extern long svm_container_memory_limit_in_bytes(void);
    extern int svm_container_active_processor_count(void);
    if (read_only || svm_container_memory_limit_in_bytes() > 0 || svm_container_active_processor_count() < host_cpus()) {
        return SUCCESS_IS_CONTAINERIZED;
    }
    return SUCCESS_IS_NOT_CONTAINERIZED;
}

unsigned long svm_container_physical_memory(void) {
    long m = host_memory();
    return m > 0 ? (unsigned long)m : 0;
}

long svm_container_memory_limit_in_bytes(void) {
    if (version == 0) return UNKNOWN;
    long v = hierarchical_limit(mem_root, mem_dir, version == 2 ? "memory.max" : "memory.limit_in_bytes");
    long host = host_memory();
    if (v > 0 && host > 0 && v >= host) return UNLIMITED; /* a limit above the node's memory is no limit */
    return v;
}

long svm_container_memory_and_swap_limit_in_bytes(void) {
    if (version == 0) return UNKNOWN;
    long mem = svm_container_memory_limit_in_bytes();
    if (version == 1) {
        long v = hierarchical_limit(mem_root, mem_dir, "memory.memsw.limit_in_bytes");
        return v == UNKNOWN ? mem : v;
    }
    long swap = hierarchical_limit(mem_root, mem_dir, "memory.swap.max");
    if (mem < 0) return mem;
    if (swap == UNKNOWN) return mem; /* no swap accounting: the memory limit is the whole limit */
    if (swap == UNLIMITED) return UNLIMITED;
    return mem + swap;
}

long svm_container_memory_soft_limit_in_bytes(void) {
    if (version == 0) return UNKNOWN;
    long v = read_value(mem_dir, version == 2 ? "memory.low" : "memory.soft_limit_in_bytes");
    return v == 0 ? UNLIMITED : v;
}

long svm_container_memory_usage_in_bytes(void) {
    if (version == 0) return UNKNOWN;
    return read_value(mem_dir, version == 2 ? "memory.current" : "memory.usage_in_bytes");
}

long svm_container_memory_max_usage_in_bytes(void) {
    if (version == 0) return UNKNOWN;
    return read_value(mem_dir, version == 2 ? "memory.peak" : "memory.max_usage_in_bytes");
}

long svm_container_rss_usage_in_bytes(void) {
    if (version == 0) return UNKNOWN;
    return read_stat(mem_dir, version == 2 ? "anon" : "rss");
}

long svm_container_cache_usage_in_bytes(void) {
    if (version == 0) return UNKNOWN;
    return read_stat(mem_dir, version == 2 ? "file" : "cache");
}

/* ceil(quota / period), at least 1, at most the CPUs this process may run on; the lowest up the hierarchy. */
int svm_container_active_processor_count(void) {
    int host = host_cpus();
    if (version == 0) return host;
    int best = host;
    char cur[PATH_MAX];
    snprintf(cur, sizeof(cur), "%s", cpu_dir);
    size_t rootlen = strlen(cpu_root);
    for (;;) {
        long quota = -1, period = -1;
        if (version == 2) {
            char buf[128];
            if (read_first_line(cur, "cpu.max", buf, sizeof(buf)) == 0) {
                char q[64];
                if (sscanf(buf, "%63s %ld", q, &period) == 2 && strcmp(q, "max") != 0) quota = atol(q);
            }
        } else {
            quota = read_value(cur, "cpu.cfs_quota_us");
            period = read_value(cur, "cpu.cfs_period_us");
        }
        if (quota > 0 && period > 0) {
            long n = (quota + period - 1) / period;
            if (n < 1) n = 1;
            if (n < best) best = (int)n;
        }
        if (strlen(cur) <= rootlen) break;
        char *slash = strrchr(cur, '/');
        if (slash == NULL || (size_t)(slash - cur) < rootlen) break;
        *slash = 0;
    }
    return best;
}
