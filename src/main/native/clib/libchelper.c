/*
 * liblibchelper, part 2: the small helpers SubstrateVM 25.0.2 declares with @CFunction in LibCHelper,
 * LinuxLibCHelper, CodeSynchronizationOperations, LocaleCHelper and AttachHelper. Written for Ordinal from those
 * declarations (the svm sources jar on Maven Central); GraalVM distributions ship a compiled equivalent.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include "svm_locale.h"

extern char **environ;
char **getEnviron(void) { return environ; }

/* libjava's TimeZone_md.c (Linux ignores the Java home argument: TZ, /etc/timezone, /etc/localtime). */
extern char *findJavaTZ_md(const char *java_home_dir);
char *SVM_FindJavaTZmd(const char *tzMappings, int length) {
    (void)tzMappings; (void)length;
    return findJavaTZ_md(NULL);
}

int getThreadId(void) { return (int)syscall(SYS_gettid); }

/* User CPU time of thread tid in ns, from field 14 (utime) of /proc/self/task/<tid>/stat. */
long getThreadUserTimeSlow(int tid) {
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may contain spaces */
    if (p == NULL) return -1;
    p++;
    unsigned long utime = 0;
    /* after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) */
    if (sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu", &utime) != 1) return -1;
    long ticks = sysconf(_SC_CLK_TCK);
    return (long)(utime * (1000000000UL / (unsigned long)ticks));
}

void *mremapP(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address) {
    return mremap(old_address, old_size, new_size, flags, new_address);
}

void codeSynchronization_clearCache(long start, long size) {
    __builtin___clear_cache((char *)start, (char *)(start + size));
}

/* ---- locale: the user.language/user.country/... of the environment, as the JDK's java_props_md.c parses it ---- */
static svm_locale_props_t locale_props;

/* "ll_CC.charset@modifier" -> language, country, variant (script stays empty). */
static int parse_locale(int category, char **language, char **script, char **country, char **variant) {
    const char *lc = setlocale(category, NULL);
    if (lc == NULL || strcmp(lc, "C") == 0 || strcmp(lc, "POSIX") == 0 || strncmp(lc, "C.", 2) == 0) lc = "en_US";
    char *s = strdup(lc);
    if (s == NULL) return -1;
    char *at = strchr(s, '@');
    if (at) *at++ = 0;
    char *dot = strchr(s, '.');
    if (dot) *dot = 0;
    char *us = strchr(s, '_');
    if (us) *us++ = 0;
    *language = strdup(s);
    *country = strdup(us ? us : "");
    *script = strdup("");
    *variant = strdup(at && strcmp(at, "euro") != 0 ? at : "");
    free(s);
    return (*language && *country && *script && *variant) ? 0 : -1;
}

int svm_initialize_locale(void) {
    setlocale(LC_ALL, "");
    if (parse_locale(LC_CTYPE, &locale_props.format_language, &locale_props.format_script,
                     &locale_props.format_country, &locale_props.format_variant) != 0) {
        return SVM_LOCALE_INITIALIZATION_OUT_OF_MEMORY;
    }
#ifdef LC_MESSAGES
    int display = LC_MESSAGES;
#else
    int display = LC_CTYPE;
#endif
    if (parse_locale(display, &locale_props.display_language, &locale_props.display_script,
                     &locale_props.display_country, &locale_props.display_variant) != 0) {
        return SVM_LOCALE_INITIALIZATION_OUT_OF_MEMORY;
    }
    return SVM_LOCALE_INITIALIZATION_SUCCEEDED;
}

svm_locale_props_t *svm_get_locale(void) { return &locale_props; }

/* ---- attach listener (jcmd): a UNIX socket .java_pid<pid>, only same-user peers ---- */
void svm_attach_startup(const char *path) {
    (void)path; /* nothing to prepare: the listener is created on the first trigger */
}

void svm_attach_listener_cleanup(int listener, const char *path) {
    if (listener >= 0) {
        shutdown(listener, SHUT_RDWR);
        close(listener);
    }
    if (path != NULL) unlink(path);
}

_Bool svm_attach_check_socket_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* jcmd first creates .attach_pid<pid> in the cwd or /tmp, then sends SIGQUIT. */
_Bool svm_attach_is_init_trigger(const char *path) {
    (void)path;
    char name[128];
    struct stat st;
    snprintf(name, sizeof(name), ".attach_pid%d", (int)getpid());
    if (stat(name, &st) == 0 && st.st_uid == geteuid()) return 1;
    snprintf(name, sizeof(name), "/tmp/.attach_pid%d", (int)getpid());
    return stat(name, &st) == 0 && st.st_uid == geteuid();
}

int svm_attach_create_listener(const char *path) {
    struct sockaddr_un addr;
    if (strlen(path) >= sizeof(addr.sun_path)) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || chmod(path, S_IRUSR | S_IWUSR) != 0 ||
        listen(fd, 5) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

int svm_attach_wait_for_request(int listener) {
    for (;;) {
        int s = accept(listener, NULL, NULL);
        if (s < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid() &&
            cred.gid == getegid()) {
            return s;
        }
        close(s);
    }
}

void svm_attach_shutdown_socket(int s) {
    shutdown(s, SHUT_RDWR);
    close(s);
}

/* ---- fixed-arity wrappers for variadic libc functions (a @CFunction cannot call a variadic function) ---- */
int fprintfSD(FILE *stream, const char *format, const char *arg0, int arg1) { return fprintf(stream, format, arg0, arg1); }
int openSII(const char *path, int flags, int mode) { return open(path, flags, mode); }
int openatISII(int dirfd, const char *path, int flags, int mode) { return openat(dirfd, path, flags, mode); }
