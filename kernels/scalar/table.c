/*
 * The scalar kernel table: every slot filled, so it is the fallback that ends every other ISA's chain.
 * Generated from SP_FOREACH_FAMILY, the single list of kernel families.
 */
#include "kernels.h"

#define SP_SCALAR_FWD_NCHW(family, slot) [slot] = sp_scalar_##family##_fwd_nchw_f32,
#define SP_SCALAR_FWD_NHWC(family, slot) [slot] = sp_scalar_##family##_fwd_nhwc_f32,
#define SP_SCALAR_BWD_NCHW(family, slot) [slot] = sp_scalar_##family##_bwd_nchw_f32,
#define SP_SCALAR_BWD_NHWC(family, slot) [slot] = sp_scalar_##family##_bwd_nhwc_f32,

const sp_kernel_table sp_scalar_kernels = {
    .isa_name = "scalar",
    .fwd_nchw = {SP_FOREACH_FAMILY(SP_SCALAR_FWD_NCHW)},
    .fwd_nhwc = {SP_FOREACH_FAMILY(SP_SCALAR_FWD_NHWC)},
    .bwd_nchw = {SP_FOREACH_FAMILY(SP_SCALAR_BWD_NCHW)},
    .bwd_nhwc = {SP_FOREACH_FAMILY(SP_SCALAR_BWD_NHWC)},
};
