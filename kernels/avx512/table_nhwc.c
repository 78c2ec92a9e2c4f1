/* avx512 NHWC kernels. Empty slots fall back to the next lower ISA (src/dispatch.c). */
#include "kernels.h"

const sp_nhwc_kernels sp_avx512_nhwc_kernels = {.fwd = {0}};
