/* AVX2 NCHW kernels. Empty slots fall back to the next lower ISA (src/dispatch.c). */
#include "kernels.h"

SP_DECLARE_FAMILY(avx2, maxpool)
SP_DECLARE_FAMILY(avx2, avgpool)
SP_DECLARE_FAMILY(avx2, minpool)
SP_DECLARE_FAMILY(avx2, lppool)
SP_DECLARE_FAMILY(avx2, softpool)

const sp_nchw_kernels sp_avx2_nchw_kernels = {
    .fwd = {[SP_SLOT_MAX] = sp_avx2_maxpool_fwd_nchw_f32,
            [SP_SLOT_AVG] = sp_avx2_avgpool_fwd_nchw_f32,
            [SP_SLOT_MIN] = sp_avx2_minpool_fwd_nchw_f32,
            [SP_SLOT_LP] = sp_avx2_lppool_fwd_nchw_f32,
            [SP_SLOT_SOFT] = sp_avx2_softpool_fwd_nchw_f32},
    .bwd = {[SP_SLOT_MAX] = sp_avx2_maxpool_bwd_nchw_f32, [SP_SLOT_AVG] = sp_avx2_avgpool_bwd_nchw_f32,
            [SP_SLOT_MIN] = sp_avx2_minpool_bwd_nchw_f32},
};
