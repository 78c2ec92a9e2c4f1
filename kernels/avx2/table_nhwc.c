/* AVX2 NHWC kernels. Empty slots fall back to the scalar table (src/dispatch.c). */
#include "kernels.h"

SP_DECLARE_FAMILY(avx2, maxpool)
SP_DECLARE_FAMILY(avx2, avgpool)
SP_DECLARE_FAMILY(avx2, minpool)
SP_DECLARE_FAMILY(avx2, lppool)
SP_DECLARE_FAMILY(avx2, softpool)

const sp_nhwc_kernels sp_avx2_nhwc_kernels = {
    .fwd = {[SP_SLOT_MAX] = sp_avx2_maxpool_fwd_nhwc_f32, [SP_SLOT_AVG] = sp_avx2_avgpool_fwd_nhwc_f32,
            [SP_SLOT_MIN] = sp_avx2_minpool_fwd_nhwc_f32,
            [SP_SLOT_LP] = sp_avx2_lppool_fwd_nhwc_f32,
            [SP_SLOT_SOFT] = sp_avx2_softpool_fwd_nhwc_f32},
    .bwd = {[SP_SLOT_MAX] = sp_avx2_maxpool_bwd_nhwc_f32, [SP_SLOT_AVG] = sp_avx2_avgpool_bwd_nhwc_f32,
            [SP_SLOT_MIN] = sp_avx2_minpool_bwd_nhwc_f32},
};
