// Problems of the rest of the op set (fractional max pooling, max unpooling, spatial pyramid pooling, RoI max
// pooling and RoI align): descriptors from the workload, realistic inputs (samples from the library's own
// generator, indices from a real max pooling, detection-like boxes), the naive loops' reference, and the byte
// counts of simdpool's cost model; and one switch each for running the naive loops and simdpool on them.
#include <algorithm>
#include <cmath>
#include <string>

#include "bench.h"
#include "naive_ops.h"
#include "naive_pool.h"

namespace spbench {

namespace {

const uint64_t kSampleSeed = 1;  // docs/ops.md: "samples from seed 1"

// Detection-like boxes on an image of the feature map's size / spatial_scale (e.g. 50 x 68 at 1/16: 800 x 1088):
// square-root area log-uniform in [16, 512] pixels, aspect ratio log-uniform in [1/2, 2], clipped to the
// image and placed uniformly inside it; batch indices round-robin over the images. Deterministic.
void make_boxes(const Workload &w, Buffer<float> &boxes) {
    const double image_h = (double)w.in.v[0] / w.spatial_scale, image_w = (double)w.in.v[1] / w.spatial_scale;
    uint64_t state = 0x9e3779b97f4a7c15ull;
    auto uniform = [&state] {  // SplitMix64 -> [0, 1)
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
    };
    boxes.resize((size_t)w.num_boxes * 5);
    for (int64_t b = 0; b < w.num_boxes; ++b) {
        const double side = 16.0 * std::pow(32.0, uniform()), aspect = std::pow(2.0, 2.0 * uniform() - 1.0);
        const double bw = std::min(side * std::sqrt(aspect), image_w), bh = std::min(side / std::sqrt(aspect), image_h);
        const double x1 = uniform() * (image_w - bw), y1 = uniform() * (image_h - bh);
        float *row = boxes.data() + b * 5;
        row[0] = (float)(b % w.n);
        row[1] = (float)x1, row[2] = (float)y1, row[3] = (float)(x1 + bw), row[4] = (float)(y1 + bh);
    }
}

// A RoI plan's cost is that of one box; K boxes cost K times the per-box terms plus the feature map once
// (src/cost.c, docs/ops.md "Cost model").
simdpool_cost roi_cost_of_boxes(simdpool_cost one_box, uint64_t map_bytes, bool backward, uint64_t boxes) {
    uint64_t &map_term = backward ? one_box.bytes_written : one_box.bytes_read;
    map_term -= map_bytes;
    simdpool_cost c;
    c.bytes_read = one_box.bytes_read * boxes, c.bytes_written = one_box.bytes_written * boxes;
    c.arithmetic = one_box.arithmetic * boxes, c.transcendental = one_box.transcendental * boxes;
    (backward ? c.bytes_written : c.bytes_read) += map_bytes;
    return c;
}

void describe(Problem &p) {
    const Workload &w = *p.w;
    const bool bwd = w.direction == Direction::Backward;
    const int sd = w.spatial_dims();
    const int64_t *in = w.in.v;
    switch (w.kind) {
    case Kind::Fractional: {
        simdpool_fractional_desc &d = p.fractional;
        simdpool_fractional_desc_init(&d, sd);
        d.n = w.n, d.c = w.c, d.layout = p.layout;
        for (int i = 0; i < sd; ++i) d.in[i] = in[i], d.kernel[i] = w.kernel.v[i], d.output_ratio[i] = w.output_ratio;
        p.in_count = naive_fractional_input_elements(&d);
        p.out_count = naive_fractional_output_elements(&d);
        int64_t out[3];
        naive_fractional_output_dims(&d, out);
        p.result_axes = tensor_axes(w.n, w.c, bwd ? in : out, sd, p.layout);
        // Windows start at least one apart, so at most kernel of them cover a position per axis.
        p.exact = !bwd;
        for (int i = 0; i < sd; ++i) p.contributions *= bwd ? w.kernel.v[i] : 1;
        return;
    }
    case Kind::Unpool: {
        simdpool_unpool_desc &d = p.unpool;
        simdpool_unpool_desc_init(&d, sd);
        d.n = w.n, d.c = w.c, d.layout = p.layout;
        for (int i = 0; i < sd; ++i) d.in[i] = in[i], d.kernel[i] = w.kernel.v[i], d.stride[i] = w.stride.v[i];
        p.in_count = naive_unpool_input_elements(&d);
        p.out_count = naive_unpool_output_elements(&d);
        int64_t out[3];
        naive_unpool_output_dims(&d, out);
        p.result_axes = tensor_axes(w.n, w.c, bwd ? in : out, sd, p.layout);
        p.exact = true;  // copies, both ways
        return;
    }
    case Kind::Spp: {
        simdpool_spp_desc &d = p.spp;
        simdpool_spp_desc_init(&d, w.algorithm);
        d.n = w.n, d.c = w.c, d.in[0] = in[0], d.in[1] = in[1], d.layout = p.layout;
        d.num_levels = (int)w.levels.size();
        for (size_t l = 0; l < w.levels.size(); ++l) d.levels[l] = w.levels[l];
        p.in_count = naive_spp_input_elements(&d);
        p.out_count = (size_t)(w.n * naive_spp_features(&d));
        if (bwd)
            p.result_axes = tensor_axes(w.n, w.c, in, 2, p.layout);
        else
            p.result_axes = {{"n", w.n}, {"f", naive_spp_features(&d)}};
        p.exact = !bwd && w.algorithm == SIMDPOOL_MAX;
        if (bwd) {  // every level adds its bins; adaptive bins overlap by (l + in - 1) / in + 1 per axis
            p.contributions = 0;
            for (int64_t l : w.levels)
                p.contributions += ((l + in[0] - 1) / in[0] + 1) * ((l + in[1] - 1) / in[1] + 1);
        }
        return;
    }
    case Kind::RoiPool:
    case Kind::RoiAlign: {
        simdpool_roi_desc &d = p.roi;
        simdpool_roi_desc_init(&d, w.kind == Kind::RoiPool ? SIMDPOOL_ROI_POOL : SIMDPOOL_ROI_ALIGN);
        d.n = w.n, d.c = w.c, d.in[0] = in[0], d.in[1] = in[1], d.pooled[0] = w.kernel.v[0], d.pooled[1] = w.kernel.v[1];
        d.spatial_scale = w.spatial_scale, d.layout = p.layout;
        if (w.kind == Kind::RoiAlign) d.sampling_ratio = w.sampling_ratio, d.aligned = w.aligned;
        p.num_boxes = (size_t)w.num_boxes;
        p.in_count = naive_roi_input_elements(&d);
        p.out_count = p.num_boxes * naive_roi_box_elements(&d);
        if (bwd) {
            p.result_axes = tensor_axes(w.n, w.c, in, 2, p.layout);
        } else {
            p.result_axes = {{"box", w.num_boxes}};
            for (const auto &axis : tensor_axes(1, w.c, w.kernel.v, 2, p.layout))
                if (axis.first != "n") p.result_axes.push_back(axis);
        }
        // RoI max pooling's forward is a max; the rest are sums (the library follows torchvision's order, as
        // the naive loops do, so they match bit for bit in practice). A bilinear sample has 4 taps, a bin at most
        // grid^2 samples (adaptive: boxes lie inside the image, so at most ceil(map / pooled) per side), and
        // every box may add into a backward pixel.
        int64_t samples = 1;
        if (w.kind == Kind::RoiAlign)
            for (int i = 0; i < 2; ++i)
                samples *= w.sampling_ratio > 0 ? w.sampling_ratio : (in[i] + w.kernel.v[i] - 1) / w.kernel.v[i];
        p.exact = w.kind == Kind::RoiPool && !bwd;
        p.contributions = 4 * samples * (bwd ? w.num_boxes : 1);
        return;
    }
    case Kind::Pool:
    case Kind::Adaptive: break;
    }
}

}  // namespace

simdpool_status create_op_plan(const Problem &p, const simdpool_options &o, simdpool_plan **plan) {
    switch (p.w->kind) {
    case Kind::Fractional: return simdpool_plan_create_fractional(&p.fractional, &o, plan);
    case Kind::Unpool: return simdpool_plan_create_unpool(&p.unpool, &o, plan);
    case Kind::Spp: return simdpool_plan_create_spp(&p.spp, &o, plan);
    case Kind::RoiPool:
    case Kind::RoiAlign: return simdpool_plan_create_roi(&p.roi, &o, plan);
    case Kind::Pool:
    case Kind::Adaptive: break;
    }
    return SIMDPOOL_INVALID_ARGUMENT;
}

// Every op's backward that follows recorded indices gets the naive forward's (p.idx); RoI align has none.
simdpool_status run_op_plan(const simdpool_plan *plan, const Problem &p, float *out) {
    const bool bwd = p.w->direction == Direction::Backward;
    const int64_t *idx = p.idx.size() ? p.idx.data() : nullptr;
    switch (p.w->kind) {
    case Kind::Fractional:
        return bwd ? simdpool_backward(plan, p.dy.data(), idx, nullptr, nullptr, out)
                   : simdpool_fractional_forward(plan, p.samples.data(), p.x.data(), out, nullptr);
    case Kind::Unpool:
        return bwd ? simdpool_backward(plan, p.dy.data(), idx, nullptr, nullptr, out)
                   : simdpool_unpool_forward(plan, p.x.data(), idx, out);
    case Kind::Spp:
        return bwd ? simdpool_backward(plan, p.dy.data(), idx, nullptr, nullptr, out)
                   : simdpool_forward(plan, p.x.data(), out, nullptr);
    case Kind::RoiPool:
    case Kind::RoiAlign:
        return bwd ? simdpool_roi_backward(plan, p.dy.data(), p.boxes.data(), p.num_boxes, idx, out)
                   : simdpool_roi_forward(plan, p.x.data(), p.boxes.data(), p.num_boxes, out, nullptr);
    case Kind::Pool:
    case Kind::Adaptive: break;
    }
    return SIMDPOOL_INVALID_ARGUMENT;
}

void run_op_naive(const Problem &p, float *out) {
    const bool bwd = p.w->direction == Direction::Backward;
    const int64_t *idx = p.idx.size() ? p.idx.data() : nullptr;
    switch (p.w->kind) {
    case Kind::Fractional:
        if (bwd)
            naive_fractional_backward(&p.fractional, p.dy.data(), idx, out);
        else
            naive_fractional_forward(&p.fractional, p.samples.data(), p.x.data(), out, nullptr);
        return;
    case Kind::Unpool:
        if (bwd)
            naive_unpool_backward(&p.unpool, p.dy.data(), idx, out);
        else
            naive_unpool_forward(&p.unpool, p.x.data(), idx, out);
        return;
    case Kind::Spp:
        if (bwd)
            naive_spp_backward(&p.spp, p.dy.data(), idx, out);
        else
            naive_spp_forward(&p.spp, p.x.data(), out, nullptr);
        return;
    case Kind::RoiPool:
    case Kind::RoiAlign:
        if (bwd)
            naive_roi_backward(&p.roi, p.dy.data(), p.boxes.data(), p.num_boxes, idx, out);
        else
            naive_roi_forward(&p.roi, p.x.data(), p.boxes.data(), p.num_boxes, out, nullptr);
        return;
    case Kind::Pool:
    case Kind::Adaptive: return;
    }
}

void build_op_problem(Problem &p) {
    const Workload &w = *p.w;
    const bool bwd = w.direction == Direction::Backward;
    describe(p);

    // The byte counts, from a scalar single-threaded plan (the cost does not depend on the ISA).
    simdpool_options o;
    simdpool_options_init(&o);
    o.num_threads = 1;
    o.max_isa = SIMDPOOL_ISA_SCALAR;
    simdpool_plan *plan = nullptr;
    if (create_op_plan(p, o, &plan) != SIMDPOOL_OK) {
        p.error = std::string("simdpool refused the workload: ") + simdpool_last_error();
        return;
    }
    const simdpool_status st = simdpool_plan_cost(plan, bwd ? 1 : 0, 0, &p.cost);
    size_t sample_count = 0;
    if (w.kind == Kind::Fractional) simdpool_fractional_sample_count(plan, &sample_count);
    simdpool_plan_destroy(plan);
    if (st != SIMDPOOL_OK) {
        p.error = std::string("simdpool_plan_cost failed: ") + simdpool_last_error();
        return;
    }
    if (is_roi(w.kind))
        p.cost = roi_cost_of_boxes(p.cost, (uint64_t)p.in_count * sizeof(float), bwd, (uint64_t)p.num_boxes);

    // Inputs. The forward's x has in_count elements (RoI: the feature map; unpool: a max pooling's output).
    p.x.resize(p.in_count);
    if (w.kind != Kind::Unpool) fill_input(p.x);
    if (w.kind == Kind::Fractional) {
        p.samples.resize(sample_count);
        simdpool_fractional_fill_samples(kSampleSeed, p.samples.data(), sample_count);
    }
    if (is_roi(w.kind)) make_boxes(w, p.boxes);
    if (w.kind == Kind::Unpool) {
        // What a SegNet-style decoder unpools: the values and argmax of a real max pooling of the output-sized
        // tensor (kernel = stride, no padding: the derived output size is exactly that tensor's).
        simdpool_pool_desc pd;
        simdpool_pool_desc_init(&pd, SIMDPOOL_MAX, w.spatial_dims());
        pd.n = w.n, pd.c = w.c, pd.layout = p.layout;
        for (int i = 0; i < w.spatial_dims(); ++i)
            pd.in[i] = w.out.v[i], pd.kernel[i] = w.kernel.v[i], pd.stride[i] = w.stride.v[i];
        Buffer<float> unpooled(p.out_count);
        fill_input(unpooled);
        p.idx.resize(p.in_count);
        naive_pool_forward(&pd, unpooled.data(), p.x.data(), p.idx.data());
    }

    if (!bwd) {
        p.ref.resize(p.out_count);
        run_op_naive(p, p.ref.data());
        return;
    }
    // Backward: dy, and the naive forward's argmax where the backward routes through it.
    p.dy.resize(p.out_count);
    fill_gradient(p.dy);
    const bool records_argmax = w.kind == Kind::Fractional || w.kind == Kind::RoiPool ||
                                (w.kind == Kind::Spp && w.algorithm == SIMDPOOL_MAX);
    if (records_argmax) {
        p.y.resize(p.out_count);
        p.idx.resize(p.out_count);
        if (w.kind == Kind::Fractional)
            naive_fractional_forward(&p.fractional, p.samples.data(), p.x.data(), p.y.data(), p.idx.data());
        else if (w.kind == Kind::Spp)
            naive_spp_forward(&p.spp, p.x.data(), p.y.data(), p.idx.data());
        else
            naive_roi_forward(&p.roi, p.x.data(), p.boxes.data(), p.num_boxes, p.y.data(), p.idx.data());
    }
    p.ref.resize(p.in_count);
    run_op_naive(p, p.ref.data());
}

}  // namespace spbench
