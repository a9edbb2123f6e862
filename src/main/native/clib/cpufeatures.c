/*
 * liblibchelper, part 1: CPU feature detection for SubstrateVM's AMD64LibCHelper (determineCPUFeatures,
 * checkCPUFeatures, checkCPUFeaturesOrExit). Written for Ordinal from the svm 25.0.2 @CFunction/@CStruct
 * declarations; CPUID bit positions are the ones in the Intel SDM / AMD APM.
 *
 * The image stores the features it was compiled for as a byte mask shaped like CPUFeatures (rounded up to 8
 * bytes): 0xFE for a required feature, 0xFF otherwise. The host passes when (feature | mask) == 0xFF everywhere.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "amd64cpufeatures.h"

static uint64_t xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

#define BIT(r, n) (((r) >> (n)) & 1u)

void determineCPUFeatures(CPUFeatures *f) {
    unsigned int a, b, c, d, max, maxext;
    memset(f, 0, sizeof(*f));
    if (!__get_cpuid(0, &max, &b, &c, &d)) return;
    int intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* GenuineIntel */
    int amd = (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163)   /* AuthenticAMD */
              || (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975); /* HygonGenuine */
    unsigned int c1 = 0, d1 = 0, b7 = 0, c7 = 0, d7 = 0, a71 = 0;
    __cpuid(1, a, b, c1, d1);
    if (max >= 7) __cpuid_count(7, 0, a, b7, c7, d7);
    if (max >= 7 && a >= 1) __cpuid_count(7, 1, a71, b, c, d);
    __cpuid(0x80000000, maxext, b, c, d);
    unsigned int ce = 0, de = 0, d87 = 0;
    if (maxext >= 0x80000001) __cpuid(0x80000001, a, b, ce, de);
    if (maxext >= 0x80000007) __cpuid(0x80000007, a, b, c, d87);

    /* The OS must save the registers a feature uses (XCR0) before it counts. */
    uint64_t xcr0 = BIT(c1, 27) ? xgetbv0() : 0;
    int os_avx = (xcr0 & 0x6) == 0x6;
    int os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;

    f->fCX8 = BIT(d1, 8); f->fCMOV = BIT(d1, 15); f->fFXSR = BIT(d1, 24); f->fHT = BIT(d1, 28);
    f->fMMX = BIT(d1, 23); f->fSSE = BIT(d1, 25); f->fSSE2 = BIT(d1, 26); f->fTSC = BIT(d1, 4);
    f->fFLUSH = BIT(d1, 19);
    f->fSSE3 = BIT(c1, 0); f->fCLMUL = BIT(c1, 1); f->fSSSE3 = BIT(c1, 9); f->fSSE4_1 = BIT(c1, 19);
    f->fSSE4_2 = BIT(c1, 20); f->fPOPCNT = BIT(c1, 23); f->fAES = BIT(c1, 25); f->fHV = BIT(c1, 31);
    if (os_avx) {
        f->fAVX = BIT(c1, 28); f->fFMA = BIT(c1, 12); f->fF16C = BIT(c1, 29);
        f->fAVX2 = BIT(b7, 5); f->fAVX_IFMA = BIT(a71, 23); f->fSHA512 = BIT(a71, 0);
        f->fVZEROUPPER = f->fAVX && (intel || amd);
    }
    if (os_avx512 && BIT(b7, 16)) {
        f->fAVX512F = 1; f->fAVX512DQ = BIT(b7, 17); f->fAVX512_IFMA = BIT(b7, 21); f->fAVX512PF = BIT(b7, 26);
        f->fAVX512ER = BIT(b7, 27); f->fAVX512CD = BIT(b7, 28); f->fAVX512BW = BIT(b7, 30); f->fAVX512VL = BIT(b7, 31);
        f->fAVX512_VBMI = BIT(c7, 1); f->fAVX512_VBMI2 = BIT(c7, 6); f->fAVX512_VNNI = BIT(c7, 11);
        f->fAVX512_BITALG = BIT(c7, 12); f->fAVX512_VPOPCNTDQ = BIT(c7, 14); f->fAVX512_FP16 = BIT(d7, 23);
        f->fAVX512_VAES = BIT(c7, 9); f->fAVX512_VPCLMULQDQ = BIT(c7, 10);
    }
    f->fBMI1 = BIT(b7, 3); f->fBMI2 = BIT(b7, 8); f->fERMS = BIT(b7, 9); f->fRTM = BIT(b7, 11);
    f->fADX = BIT(b7, 19); f->fFLUSHOPT = BIT(b7, 23); f->fCLWB = BIT(b7, 24); f->fSHA = BIT(b7, 29);
    f->fPKU = BIT(c7, 3); f->fOSPKE = BIT(c7, 4); f->fCET_SS = BIT(c7, 7); f->fGFNI = BIT(c7, 8);
    f->fRDPID = BIT(c7, 22); f->fFSRM = BIT(d7, 4); f->fSERIALIZE = BIT(d7, 14); f->fCET_IBT = BIT(d7, 20);
    f->fLZCNT = BIT(ce, 5); f->fSSE4A = BIT(ce, 6); f->fAMD_3DNOW_PREFETCH = BIT(ce, 8); f->fRDTSCP = BIT(de, 27);
    f->fTSCINV_BIT = BIT(d87, 8); f->fTSCINV = f->fTSCINV_BIT;
    /* APX_F and AVX10 need XCR0/leaf-0x24 handling the 25.0.2 image never asks for: reported absent. */
}

int checkCPUFeatures(const uint8_t *mask) {
    CPUFeatures f;
    uint8_t bytes[(sizeof(CPUFeatures) + 7) / 8 * 8];
    determineCPUFeatures(&f);
    memset(bytes, 0, sizeof(bytes));
    memcpy(bytes, &f, sizeof(f));
    for (size_t i = 0; i < sizeof(bytes); i++) {
        if ((uint8_t)(bytes[i] | mask[i]) != 0xff) return -1;
    }
    return 0;
}

int checkCPUFeaturesOrExit(const uint8_t *mask, const char *message) {
    int r = checkCPUFeatures(mask);
    if (r != 0) {
        fputs(message, stderr);
        fputc('\n', stderr);
        exit(1);
    }
    return r;
}
