/* avx512 NHWC kernels. Empty slots fall back to the next lower ISA (src/dispatch.c). */
#include "kernels.h"

SP_DECLARE_FAMILY(avx512, maxpool)
SP_DECLARE_FAMILY(avx512, avgpool)
SP_DECLARE_FAMILY(avx512, minpool)
SP_DECLARE_FAMILY(avx512, lppool)
SP_DECLARE_FAMILY(avx512, softpool)

const sp_nhwc_kernels sp_avx512_nhwc_kernels = {
    .fwd = {[SP_SLOT_MAX] = sp_avx512_maxpool_fwd_nhwc_f32, [SP_SLOT_AVG] = sp_avx512_avgpool_fwd_nhwc_f32,
            [SP_SLOT_MIN] = sp_avx512_minpool_fwd_nhwc_f32,
            [SP_SLOT_LP] = sp_avx512_lppool_fwd_nhwc_f32,
            [SP_SLOT_SOFT] = sp_avx512_softpool_fwd_nhwc_f32},
    .bwd = {[SP_SLOT_MAX] = sp_avx512_maxpool_bwd_nhwc_f32, [SP_SLOT_AVG] = sp_avx512_avgpool_bwd_nhwc_f32,
            [SP_SLOT_MIN] = sp_avx512_minpool_bwd_nhwc_f32},
};
