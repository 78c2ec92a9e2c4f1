/* avx2 NCHW kernels. Empty slots fall back to the next lower ISA (src/dispatch.c). */
#include "kernels.h"

const sp_nchw_kernels sp_avx2_nchw_kernels = {.fwd = {0}};
