/* CPU feature flags of SubstrateVM's riscv64 CPUFeatures @CStruct (svm 25.0.2), one byte per feature. The builder
 * reads every architecture's header; Ordinal only builds for amd64, so there is no riscv64 detection code. */
#ifndef ORDINAL_RISCV64CPUFEATURES_H
#define ORDINAL_RISCV64CPUFEATURES_H
typedef struct {
  char fI;
  char fM;
  char fA;
  char fF;
  char fD;
  char fC;
  char fV;
} CPUFeatures;
#endif
