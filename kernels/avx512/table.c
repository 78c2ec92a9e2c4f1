/* The avx512 kernel table: its NCHW and NHWC parts (table_nchw.c, table_nhwc.c). Empty slots fall back. */
#include "kernels.h"

const sp_kernel_table sp_avx512_kernels = {"avx512", &sp_avx512_nchw_kernels, &sp_avx512_nhwc_kernels};
