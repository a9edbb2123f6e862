/*
 * liblibchelper, part 3: the C side of sun.misc.Signal / jdk.internal.misc.Signal for SubstrateVM's
 * CSunMiscSignal. The handler only counts the signal and posts a semaphore (both async-signal-safe); a Java
 * dispatcher thread waits on the semaphore and drains the counters. Quarkus' SIGTERM/SIGINT shutdown goes
 * through here. Written for Ordinal from the @CFunction declarations of svm 25.0.2.
 */
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>

static volatile int owner; /* 0 free, 1 claimed by an isolate */
static sem_t semaphore;
static volatile uint32_t pending[NSIG];

int cSunMiscSignal_open(void) {
    int expected = 0;
    if (!__atomic_compare_exchange_n(&owner, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return 1;
    for (int i = 0; i < NSIG; i++) __atomic_store_n(&pending[i], 0, __ATOMIC_SEQ_CST);
    if (sem_init(&semaphore, 0, 0) != 0) {
        __atomic_store_n(&owner, 0, __ATOMIC_SEQ_CST);
        return -1;
    }
    return 0;
}

int cSunMiscSignal_close(void) {
    int r = sem_destroy(&semaphore);
    __atomic_store_n(&owner, 0, __ATOMIC_SEQ_CST);
    return r == 0 ? 0 : -1;
}

int cSunMiscSignal_awaitSemaphore(void) {
    int r;
    while ((r = sem_wait(&semaphore)) != 0 && errno == EINTR) {
    }
    return r;
}

int cSunMiscSignal_signalSemaphore(void) { return sem_post(&semaphore); }

_Bool cSunMiscSignal_signalRangeCheck(int sig) { return sig > 0 && sig < NSIG; }

/* A signal with a non-zero count (its count decremented), or -1. */
int cSunMiscSignal_checkPendingSignal(void) {
    for (int i = 1; i < NSIG; i++) {
        uint32_t n = __atomic_load_n(&pending[i], __ATOMIC_SEQ_CST);
        while (n > 0) {
            if (__atomic_compare_exchange_n(&pending[i], &n, n - 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return i;
        }
    }
    return -1;
}

static void dispatch(int sig) {
    int saved = errno;
    if (sig > 0 && sig < NSIG) {
        __atomic_add_fetch(&pending[sig], 1, __ATOMIC_SEQ_CST);
        sem_post(&semaphore);
    }
    errno = saved;
}

void *cSunMiscSignal_signalHandlerFunctionPointer(void) { return (void *)dispatch; }
