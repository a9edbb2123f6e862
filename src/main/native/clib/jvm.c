/*
 * SubstrateVM's libjvm.a: the JVM_* / jio_* entry points that the JDK's static libraries (libjava.a, libnet.a,
 * libzip.a, ...) call into and that a native image must provide instead of HotSpot. Only what the linked JDK
 * objects need; written for Ordinal (GraalVM distributions ship a compiled equivalent that is not on Maven).
 * Also: Java_java_io_Console_ttyStatus, because the Debian 25.0.2 libjava.a predates the 25.0.3 class library
 * of the builder JDK (which declares ttyStatus instead of istty).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <jni.h>

void initialize(void) {}

int JVM_ActiveProcessorCount(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

jlong JVM_CurrentTimeMillis(JNIEnv *env, jclass ignored) {
    (void)env; (void)ignored;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (jlong)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

jlong JVM_NanoTime(JNIEnv *env, jclass ignored) {
    (void)env; (void)ignored;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (jlong)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* As HotSpot: nanoseconds since offset_secs, or -1 when that does not fit in a jlong-ish range. */
jlong JVM_GetNanoTimeAdjustment(JNIEnv *env, jclass ignored, jlong offset_secs) {
    (void)env; (void)ignored;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    jlong diff = (jlong)ts.tv_sec - offset_secs;
    if (diff >= 0x100000000LL || diff <= -0x100000000LL) return -1;
    return diff * 1000000000 + ts.tv_nsec;
}

void *JVM_FindLibraryEntry(void *handle, const char *name) { return dlsym(handle, name); }

jboolean JVM_IsSupportedJNIVersion(jint version) {
    return version == JNI_VERSION_1_1 || version == JNI_VERSION_1_2 || version == JNI_VERSION_1_4 ||
           version == JNI_VERSION_1_6 || version == JNI_VERSION_1_8 || version == JNI_VERSION_9 ||
           version == JNI_VERSION_10 || version == JNI_VERSION_19 || version == JNI_VERSION_20 ||
           version == JNI_VERSION_21 || version == JNI_VERSION_24;
}

void JVM_Halt(jint code) { exit(code); }
void JVM_BeforeHalt(void) {}
void JVM_GC(void) {}
jboolean JVM_IsContainerized(void) { return JNI_FALSE; }
jboolean JVM_IsUseContainerSupport(void) { return JNI_TRUE; }
/* No java.lang.management through JMM: the image's management support is SubstrateVM's own. */
void *JVM_GetManagement(jint version) { (void)version; return NULL; }
char *JVM_NativePath(char *path) { return path; }

void *JVM_RawMonitorCreate(void) {
    pthread_mutex_t *m = malloc(sizeof(pthread_mutex_t));
    if (m != NULL) pthread_mutex_init(m, NULL);
    return m;
}
void JVM_RawMonitorDestroy(void *m) {
    if (m != NULL) {
        pthread_mutex_destroy(m);
        free(m);
    }
}
jint JVM_RawMonitorEnter(void *m) { return pthread_mutex_lock(m) == 0 ? 0 : -1; }
void JVM_RawMonitorExit(void *m) { pthread_mutex_unlock(m); }

int jio_vsnprintf(char *str, size_t count, const char *fmt, va_list args) {
    if ((intptr_t)count <= 0) return -1;
    int r = vsnprintf(str, count, fmt, args);
    if (r < 0 || (size_t)r >= count) {
        str[count - 1] = 0;
        return -1;
    }
    return r;
}
int jio_snprintf(char *str, size_t count, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = jio_vsnprintf(str, count, fmt, ap);
    va_end(ap);
    return r;
}
int jio_vfprintf(FILE *f, const char *fmt, va_list args) { return vfprintf(f, fmt, args); }
int jio_fprintf(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}
int jio_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return r;
}

JNIEXPORT jint JNICALL Java_java_io_Console_ttyStatus(JNIEnv *env, jclass cls) {
    (void)env; (void)cls;
    jint status = 0;
    if (isatty(fileno(stdin))) status |= 1;
    if (isatty(fileno(stdout))) status |= 2;
    if (isatty(fileno(stderr))) status |= 4;
    return status;
}
