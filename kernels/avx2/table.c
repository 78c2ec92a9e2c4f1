/* AVX2 (+FMA) kernels. Empty slots fall back to the scalar table (src/dispatch.c). */
#include "kernels.h"

const sp_kernel_table sp_avx2_kernels = {
    .isa_name = "avx2",
    .fwd_nhwc = {[SP_SLOT_MAX] = sp_avx2_maxpool_fwd_nhwc_f32, [SP_SLOT_MIN] = sp_avx2_minpool_fwd_nhwc_f32},
};
