/* NEON kernels (native on aarch64, simde-translated elsewhere). Empty slots fall back to scalar. */
#include "kernels.h"

const sp_kernel_table sp_neon_kernels = {.isa_name = "neon"};
