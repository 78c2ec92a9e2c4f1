/* The README's example, built and run by ctest so that it cannot rot. */
#include <simdpool/simdpool.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* ResNet's stem pooling: max 3x3, stride 2, pad 1 on 1x64x112x112, channels-last. */
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2);
    d.n = 1; d.c = 64; d.in[0] = d.in[1] = 112;
    d.kernel[0] = d.kernel[1] = 3; d.stride[0] = d.stride[1] = 2;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
    d.layout = SIMDPOOL_NHWC;

    simdpool_options opt;
    simdpool_options_init(&opt);
    opt.num_threads = 0;                         /* OpenMP's default */

    simdpool_plan *plan;
    if (simdpool_plan_create_pool(&d, &opt, &plan) != SIMDPOOL_OK) {
        fprintf(stderr, "%s\n", simdpool_last_error());  /* e.g. "stride[1] = 0 must be >= 1" */
        return 1;
    }
    int64_t dims[SIMDPOOL_MAX_RANK]; int rank;
    simdpool_plan_output_shape(plan, dims, &rank);      /* NHWC: 1, 56, 56, 64 */
    size_t in_n, out_n;
    simdpool_plan_tensor_sizes(plan, &in_n, &out_n);

    float *x = calloc(in_n, sizeof *x), *y = malloc(out_n * sizeof *y);
    float *dy = calloc(out_n, sizeof *dy), *dx = malloc(in_n * sizeof *dx);
    int64_t *argmax = malloc(out_n * sizeof *argmax);
    simdpool_forward(plan, x, y, argmax);               /* argmax may be NULL for inference */
    simdpool_backward(plan, dy, argmax, NULL, NULL, dx); /* MAX routes dy through argmax */

    const char *kernel;
    simdpool_plan_kernel_name(plan, 0, &kernel);        /* e.g. "avx2/maxpool_fwd_nhwc_f32" */
    printf("%s -> %lldx%lldx%lldx%lld with %s\n", "max3x3s2p1", (long long)dims[0], (long long)dims[1],
           (long long)dims[2], (long long)dims[3], kernel);
    simdpool_plan_destroy(plan);
    free(x); free(y); free(dy); free(dx); free(argmax);
    return 0;
}
