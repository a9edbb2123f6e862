/* CPU feature flags of SubstrateVM's aarch64 CPUFeatures @CStruct (svm 25.0.2), one byte per feature. The builder
 * reads every architecture's header; Ordinal only builds for amd64, so there is no aarch64 detection code. */
#ifndef ORDINAL_AARCH64CPUFEATURES_H
#define ORDINAL_AARCH64CPUFEATURES_H
typedef struct {
  char fFP;
  char fASIMD;
  char fEVTSTRM;
  char fAES;
  char fPMULL;
  char fSHA1;
  char fSHA2;
  char fCRC32;
  char fLSE;
  char fDCPOP;
  char fSHA3;
  char fSHA512;
  char fSVE;
  char fSVE2;
  char fSTXR_PREFETCH;
  char fA53MAC;
  char fDMB_ATOMICS;
  char fPACA;
  char fSVEBITPERM;
  char fFPHP;
  char fASIMDHP;
} CPUFeatures;
#endif
