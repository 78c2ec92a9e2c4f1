# Per-ISA compile flags. Each kernels/<isa>/ folder is compiled with its own flags only, so the library as a
# whole still runs on any CPU of its architecture: dispatch decides at run time which folder's code runs.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(SIMDPOOL_ARCH_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(SIMDPOOL_ARCH_ARM64 ON)
endif()

set(SIMDPOOL_FLAGS_scalar "")
set(SIMDPOOL_FLAGS_avx2 -mavx2 -mfma)
set(SIMDPOOL_FLAGS_avx512 -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq)
# NEON: native on aarch64 (always present there); elsewhere simde translates the NEON intrinsics.
set(SIMDPOOL_FLAGS_neon "")

if(SIMDPOOL_ARCH_X86)
  set(SIMDPOOL_ISAS scalar avx2 avx512 neon)
elseif(SIMDPOOL_ARCH_ARM64)
  set(SIMDPOOL_ISAS scalar neon)
else()
  set(SIMDPOOL_ISAS scalar neon)
endif()
