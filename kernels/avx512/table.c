/* AVX-512 (F/BW/VL/DQ) kernels. Empty slots fall back to the AVX2 table, then scalar (src/dispatch.c). */
#include "kernels.h"

const sp_kernel_table sp_avx512_kernels = {.isa_name = "avx512"};
