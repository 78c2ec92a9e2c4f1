/* The neon kernel table: its NCHW and NHWC parts (table_nchw.c, table_nhwc.c). Empty slots fall back. */
#include "kernels.h"

const sp_kernel_table sp_neon_kernels = {"neon", &sp_neon_nchw_kernels, &sp_neon_nhwc_kernels};
