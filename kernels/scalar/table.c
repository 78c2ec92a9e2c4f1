/* The scalar kernel table: every slot filled, so it ends every other ISA's fallback chain. */
#include "kernels.h"

const sp_kernel_table sp_scalar_kernels = {"scalar", &sp_scalar_nchw_kernels, &sp_scalar_nhwc_kernels};
