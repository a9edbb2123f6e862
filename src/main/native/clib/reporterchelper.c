/*
 * libreporterchelper.so, loaded by the image builder itself (com.oracle.svm.hosted.ProgressReporterCHelper) from
 * <java.home>/lib/svm/builder/lib: terminal width and the builder's peak RSS for the build output. Written for
 * Ordinal from the class's native method declarations.
 */
#include <jni.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

JNIEXPORT jint JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getTerminalWindowColumns0(JNIEnv *env, jclass c) {
    (void)env; (void)c;
    struct winsize w;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
    return 80;
}

JNIEXPORT jlong JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getPeakRSS0(JNIEnv *env, jclass c) {
    (void)env; (void)c;
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) return -1;
    return (jlong)u.ru_maxrss * 1024;
}
