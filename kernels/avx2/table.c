/* The avx2 kernel table: its NCHW and NHWC parts (table_nchw.c, table_nhwc.c). Empty slots fall back. */
#include "kernels.h"

const sp_kernel_table sp_avx2_kernels = {"avx2", &sp_avx2_nchw_kernels, &sp_avx2_nhwc_kernels};
