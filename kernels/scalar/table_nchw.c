/* Scalar NCHW kernels, every slot, generated from SP_FOREACH_FAMILY (the single list of kernel families). */
#include "kernels.h"

#define SP_SCALAR_FWD(family, slot) [slot] = sp_scalar_##family##_fwd_nchw_f32,
#define SP_SCALAR_BWD(family, slot) [slot] = sp_scalar_##family##_bwd_nchw_f32,

const sp_nchw_kernels sp_scalar_nchw_kernels = {
    .fwd = {SP_FOREACH_FAMILY(SP_SCALAR_FWD)},
    .bwd = {SP_FOREACH_FAMILY(SP_SCALAR_BWD)},
};
