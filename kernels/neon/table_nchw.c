/* NEON NCHW kernels. Empty slots fall back to the next lower ISA (src/dispatch.c). */
#include "kernels.h"

SP_DECLARE_FAMILY(neon, maxpool)
SP_DECLARE_FAMILY(neon, minpool)
SP_DECLARE_FAMILY(neon, avgpool)
SP_DECLARE_FAMILY(neon, lppool)
SP_DECLARE_FAMILY(neon, softpool)

const sp_nchw_kernels sp_neon_nchw_kernels = {
    .fwd = {[SP_SLOT_MAX] = sp_neon_maxpool_fwd_nchw_f32,
            [SP_SLOT_AVG] = sp_neon_avgpool_fwd_nchw_f32,
            [SP_SLOT_MIN] = sp_neon_minpool_fwd_nchw_f32,
            [SP_SLOT_LP] = sp_neon_lppool_fwd_nchw_f32,
            [SP_SLOT_SOFT] = sp_neon_softpool_fwd_nchw_f32},
    .bwd = {[SP_SLOT_MAX] = sp_neon_maxpool_bwd_nchw_f32, [SP_SLOT_AVG] = sp_neon_avgpool_bwd_nchw_f32,
            [SP_SLOT_MIN] = sp_neon_minpool_bwd_nchw_f32},
};
