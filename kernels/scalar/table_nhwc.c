/* Scalar NHWC kernels, every slot, generated from SP_FOREACH_FAMILY (the single list of kernel families). */
#include "kernels.h"

#define SP_SCALAR_FWD(family, slot) [slot] = sp_scalar_##family##_fwd_nhwc_f32,
#define SP_SCALAR_BWD(family, slot) [slot] = sp_scalar_##family##_bwd_nhwc_f32,

const sp_nhwc_kernels sp_scalar_nhwc_kernels = {
    .fwd = {SP_FOREACH_FAMILY(SP_SCALAR_FWD)},
    .bwd = {SP_FOREACH_FAMILY(SP_SCALAR_BWD)},
};
