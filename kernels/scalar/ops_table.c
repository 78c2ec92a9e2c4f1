/* The scalar kernels of the rest of the op set (kernels/ops_kernels.h): every entry filled. */
#include "ops_kernels.h"

const sp_ops_kernels sp_scalar_ops_kernels = {
    .isa_name = "scalar",
    .fractional_fwd_nchw = sp_scalar_fractional_maxpool_fwd_nchw_f32,
    .fractional_fwd_nhwc = sp_scalar_fractional_maxpool_fwd_nhwc_f32,
    .scatter_nchw = sp_scalar_scatter_nchw_f32,
    .scatter_nhwc = sp_scalar_scatter_nhwc_f32,
    .gather_nchw = sp_scalar_gather_nchw_f32,
    .gather_nhwc = sp_scalar_gather_nhwc_f32,
    .spp_fwd_max_nchw = sp_scalar_spp_maxpool_fwd_nchw_f32,
    .spp_bwd_nchw = sp_scalar_spp_bwd_nchw_f32,
    .spp_bwd_nhwc = sp_scalar_spp_bwd_nhwc_f32,
    .roi_align_fwd_nchw = sp_scalar_roi_align_fwd_nchw_f32,
    .roi_align_fwd_nhwc = sp_scalar_roi_align_fwd_nhwc_f32,
    .roi_align_bwd_nchw = sp_scalar_roi_align_bwd_nchw_f32,
    .roi_align_bwd_nhwc = sp_scalar_roi_align_bwd_nhwc_f32,
    .roi_pool_fwd_nchw = sp_scalar_roi_pool_fwd_nchw_f32,
    .roi_pool_fwd_nhwc = sp_scalar_roi_pool_fwd_nhwc_f32,
    .roi_pool_bwd_nchw = sp_scalar_roi_pool_bwd_nchw_f32,
    .roi_pool_bwd_nhwc = sp_scalar_roi_pool_bwd_nhwc_f32,
};
