// The workload table (named CNN layers) and the problems built from it: inputs, byte counts from simdpool's
// cost model, and the naive loops' reference result that every row is checked against before it is timed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <utility>

#include "bench.h"
#include "naive_pool.h"

namespace spbench {

// ---------------------------------------------------------------------------------------------------------
// The table. One line per workload; rows are made for both layouts, every implementation that supports the
// workload, and 1 and all threads.

const std::vector<Workload> &workloads(bool smoke) {
    static const std::vector<Workload> suite = {
        pool("vgg_max2x2s2", SIMDPOOL_MAX, 1, 64, {224, 224}, {2, 2}, {2, 2}, {0, 0}),
        pool("resnet_stem_max3x3s2p1", SIMDPOOL_MAX, 1, 64, {112, 112}, {3, 3}, {2, 2}, {1, 1}),
        exclude_pad(pool("inception_avg3x3s1p1", SIMDPOOL_AVG, 1, 192, {28, 28}, {3, 3}, {1, 1}, {1, 1})),
        pool("densenet_avg2x2s2", SIMDPOOL_AVG, 1, 256, {56, 56}, {2, 2}, {2, 2}, {0, 0}),
        global("resnet_gap", SIMDPOOL_AVG, 1, 2048, {7, 7}),
        global("resnet_gap_batch32", SIMDPOOL_AVG, 32, 2048, {7, 7}),
        pool("alexnet_max3x3s2", SIMDPOOL_MAX, 1, 96, {55, 55}, {3, 3}, {2, 2}, {0, 0}),
        backward(pool("vgg_max2x2s2_backward", SIMDPOOL_MAX, 1, 64, {224, 224}, {2, 2}, {2, 2}, {0, 0})),
        backward(pool("vgg_avg2x2s2_backward", SIMDPOOL_AVG, 1, 64, {224, 224}, {2, 2}, {2, 2}, {0, 0})),
        pool("large_max2x2s2", SIMDPOOL_MAX, 8, 128, {256, 256}, {2, 2}, {2, 2}, {0, 0}),
        pool("audio_max4s4_1d", SIMDPOOL_MAX, 1, 256, {16000}, {4}, {4}, {0}),
        pool("i3d_max1x3x3s1x2x2_3d", SIMDPOOL_MAX, 1, 64, {16, 56, 56}, {1, 3, 3}, {1, 2, 2}, {0, 1, 1}),
        adaptive("adaptive_avg14to7", SIMDPOOL_AVG, 1, 512, {14, 14}, {7, 7}),
        lp_norm(pool("lp2_pool2x2s2", SIMDPOOL_LP, 1, 256, {56, 56}, {2, 2}, {2, 2}, {0, 0}), 2.0f),
        pool("softpool2x2s2", SIMDPOOL_SOFT, 1, 256, {56, 56}, {2, 2}, {2, 2}, {0, 0}),
        // The rest of the op set (docs/ops.md, "Benchmark shapes"): one realistic shape each, both directions.
        // RoI: 128 boxes, Fast R-CNN's RoIs per training mini-batch (256 doubled the quick pass's RoI time, the
        // scalar kernels taking tens of ms per run).
        fractional_max("fractional_max2x2_to78", 1, 64, {112, 112}, {2, 2}, 0.7),
        backward(fractional_max("fractional_max2x2_to78_backward", 1, 64, {112, 112}, {2, 2}, 0.7)),
        max_unpool("vgg_unpool2x2s2", 1, 64, {112, 112}, {2, 2}, {2, 2}),
        backward(max_unpool("vgg_unpool2x2s2_backward", 1, 64, {112, 112}, {2, 2}, {2, 2})),
        spp("sppnet_spp_max_1_2_4", SIMDPOOL_MAX, 1, 256, {13, 13}, {1, 2, 4}),
        backward(spp("sppnet_spp_max_1_2_4_backward", SIMDPOOL_MAX, 1, 256, {13, 13}, {1, 2, 4})),
        roi_align("rcnn_roi_align7x7", 1, 256, {50, 68}, {7, 7}, 1.0f / 16, 2, 1, 128),
        backward(roi_align("rcnn_roi_align7x7_backward", 1, 256, {50, 68}, {7, 7}, 1.0f / 16, 2, 1, 128)),
        roi_pool("rcnn_roi_pool7x7", 1, 256, {50, 68}, {7, 7}, 1.0f / 16, 128),
        backward(roi_pool("rcnn_roi_pool7x7_backward", 1, 256, {50, 68}, {7, 7}, 1.0f / 16, 128)),
    };
    // The smoke test: tiny shapes with channel and width tails, run for one iteration each.
    static const std::vector<Workload> tiny = {
        pool("smoke_max3x3s2p1", SIMDPOOL_MAX, 1, 5, {9, 9}, {3, 3}, {2, 2}, {1, 1}),
        exclude_pad(pool("smoke_avg3x3s1p1", SIMDPOOL_AVG, 1, 5, {7, 7}, {3, 3}, {1, 1}, {1, 1})),
        backward(pool("smoke_max2x2s2_backward", SIMDPOOL_MAX, 2, 3, {8, 8}, {2, 2}, {2, 2}, {0, 0})),
        global("smoke_gap", SIMDPOOL_AVG, 2, 17, {3, 3}),
        backward(fractional_max("smoke_fractional_backward", 2, 5, {9, 11}, {2, 3}, 0.6)),
        max_unpool("smoke_unpool", 1, 5, {4, 5}, {2, 2}, {2, 2}),
        backward(spp("smoke_spp_backward", SIMDPOOL_MAX, 2, 5, {5, 7}, {1, 2, 3})),
        roi_align("smoke_roi_align", 2, 5, {6, 7}, {3, 2}, 1.0f / 16, -1, 1, 6),
        backward(roi_pool("smoke_roi_pool_backward", 2, 5, {6, 7}, {3, 2}, 0.25f, 6)),
    };
    return smoke ? tiny : suite;
}

// ---------------------------------------------------------------------------------------------------------
// Builders

Workload pool(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, Dims kernel, Dims stride,
              Dims pad) {
    Workload w;
    w.name = name, w.kind = Kind::Pool, w.algorithm = a, w.n = n, w.c = c;
    w.in = in, w.kernel = kernel, w.stride = stride, w.pad = pad;
    return w;
}

Workload adaptive(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, Dims out) {
    Workload w;
    w.name = name, w.kind = Kind::Adaptive, w.algorithm = a, w.n = n, w.c = c, w.in = in, w.kernel = out;
    return w;
}

Workload global(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in) {
    Dims out = in;
    for (int i = 0; i < out.count; ++i) out.v[i] = 1;
    return adaptive(name, a, n, c, in, out);
}

Workload backward(Workload w) {
    w.direction = Direction::Backward;
    return w;
}

Workload exclude_pad(Workload w) {
    w.count_include_pad = 0;
    return w;
}

Workload lp_norm(Workload w, float p) {
    w.p = p;
    return w;
}

Workload fractional_max(const char *name, int64_t n, int64_t c, Dims in, Dims kernel, double output_ratio) {
    Workload w;
    w.name = name, w.kind = Kind::Fractional, w.n = n, w.c = c, w.in = in, w.kernel = kernel;
    w.output_ratio = output_ratio;
    w.out = in;
    for (int i = 0; i < in.count; ++i) w.out.v[i] = (int64_t)((double)in.v[i] * output_ratio);  // PyTorch's rule
    return w;
}

Workload max_unpool(const char *name, int64_t n, int64_t c, Dims pooled, Dims kernel, Dims stride) {
    Workload w;
    w.name = name, w.kind = Kind::Unpool, w.n = n, w.c = c, w.in = pooled, w.kernel = kernel, w.stride = stride;
    w.out = pooled;
    for (int i = 0; i < pooled.count; ++i) w.out.v[i] = (pooled.v[i] - 1) * stride.v[i] + kernel.v[i];
    return w;
}

Workload spp(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, std::vector<int64_t> levels) {
    Workload w;
    w.name = name, w.kind = Kind::Spp, w.algorithm = a, w.n = n, w.c = c, w.in = in, w.levels = std::move(levels);
    return w;
}

Workload roi_pool(const char *name, int64_t n, int64_t c, Dims map, Dims pooled, float spatial_scale,
                  int64_t num_boxes) {
    Workload w;
    w.name = name, w.kind = Kind::RoiPool, w.n = n, w.c = c, w.in = map, w.kernel = pooled;
    w.spatial_scale = spatial_scale, w.num_boxes = num_boxes;
    return w;
}

Workload roi_align(const char *name, int64_t n, int64_t c, Dims map, Dims pooled, float spatial_scale,
                   int sampling_ratio, int aligned, int64_t num_boxes) {
    Workload w = roi_pool(name, n, c, map, pooled, spatial_scale, num_boxes);
    w.kind = Kind::RoiAlign, w.algorithm = SIMDPOOL_AVG, w.sampling_ratio = sampling_ratio, w.aligned = aligned;
    return w;
}

namespace {

const char *algorithm_name(simdpool_algorithm a) {
    switch (a) {
    case SIMDPOOL_MAX: return "max";
    case SIMDPOOL_AVG: return "avg";
    case SIMDPOOL_MIN: return "min";
    case SIMDPOOL_LP: return "lp";
    case SIMDPOOL_SOFT: return "soft";
    }
    return "?";
}

std::string join(const Dims &d, const char *sep) {
    std::string s;
    for (int i = 0; i < d.count; ++i) s += (i ? sep : "") + std::to_string(d.v[i]);
    return s;
}

// One value when all are equal ("2" for 2x2), else all of them.
std::string compact(const Dims &d, const char *sep) {
    bool same = true;
    for (int i = 1; i < d.count; ++i) same = same && d.v[i] == d.v[0];
    return same && d.count ? std::to_string(d.v[0]) : join(d, sep);
}

// "1/16" for a scale that is the inverse of an integer, else the value.
std::string scale_name(float scale) {
    const float inverse = 1.0f / scale;
    char buf[32];
    if (inverse == (float)(int64_t)inverse && inverse > 1)
        std::snprintf(buf, sizeof buf, "1/%lld", (long long)inverse);
    else
        std::snprintf(buf, sizeof buf, "%g", (double)scale);
    return buf;
}

std::string op_shape(const Workload &w) {
    char buf[160];
    switch (w.kind) {
    case Kind::Fractional:
        std::snprintf(buf, sizeof buf, "fractional max %s, ratio %g -> %s", join(w.kernel, "x").c_str(),
                      w.output_ratio, join(w.out, "x").c_str());
        return buf;
    case Kind::Unpool:
        return "max unpool " + join(w.kernel, "x") + "/" + compact(w.stride, "x") + " -> " + join(w.out, "x") +
               " (indices from max pooling)";
    case Kind::Spp: {
        int64_t bins = 0;
        std::string levels;
        for (int64_t l : w.levels) bins += l * l, levels += (levels.empty() ? "" : ",") + std::to_string(l);
        return std::string("spp ") + algorithm_name(w.algorithm) + " levels " + levels +
               " (F=" + std::to_string(w.c * bins) + ")";
    }
    case Kind::RoiPool:
    case Kind::RoiAlign: {
        std::string s = std::string(w.kind == Kind::RoiPool ? "roi_pool " : "roi_align ") + join(w.kernel, "x") +
                        ", " + std::to_string(w.num_boxes) + " boxes, scale " + scale_name(w.spatial_scale);
        if (w.kind == Kind::RoiAlign)
            s += w.sampling_ratio > 0 ? ", sampling " + std::to_string(w.sampling_ratio) : ", adaptive sampling";
        if (w.aligned) s += ", aligned";
        return s;
    }
    case Kind::Pool:
    case Kind::Adaptive: break;
    }
    return "?";
}

}  // namespace

std::string Workload::shape() const {
    std::string s = std::to_string(n) + "x" + std::to_string(c) + "x" + join(in, "x") + " ";
    if (direction == Direction::Backward) s += "backward ";
    if (is_op(kind)) return s + op_shape(*this);
    s += algorithm_name(algorithm);
    if (algorithm == SIMDPOOL_LP) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "(p=%g)", (double)p);
        s += buf;
    }
    if (kind == Kind::Adaptive) {
        bool all_one = true;
        for (int i = 0; i < kernel.count; ++i) all_one = all_one && kernel.v[i] == 1;
        return s + (all_one ? " global" : " adaptive to " + join(kernel, "x"));
    }
    s += " " + join(kernel, "x") + "/" + compact(stride, "x");
    bool padded = false;
    for (int i = 0; i < pad.count; ++i) padded = padded || pad.v[i] != 0;
    if (padded) s += " pad " + compact(pad, ",");
    if (algorithm == SIMDPOOL_AVG && padded && !count_include_pad) s += " count_include_pad=false";
    return s;
}

// ---------------------------------------------------------------------------------------------------------
// Buffers

template <typename T>
Buffer<T> &Buffer<T>::operator=(Buffer &&o) noexcept {
    if (this != &o) {
        std::free(data_);
        data_ = o.data_, size_ = o.size_;
        o.data_ = nullptr, o.size_ = 0;
    }
    return *this;
}

template <typename T>
Buffer<T>::~Buffer() {
    std::free(data_);
}

template <typename T>
void Buffer<T>::resize(size_t count) {
    std::free(data_);
    data_ = nullptr, size_ = 0;
    const size_t bytes = ((count * sizeof(T) + 64) + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, bytes);
    data_ = static_cast<T *>(p), size_ = count;
}

template class Buffer<float>;
template class Buffer<int64_t>;

// ---------------------------------------------------------------------------------------------------------
// Problems

bool WindowSpec::has_padding() const {
    for (int i = 0; i < dims; ++i)
        if (pad_begin[i] != 0 || pad_end[i] != 0) return true;
    return false;
}

bool has_fixed_window(const Workload &w) {
    if (is_op(w.kind)) return false;
    if (w.algorithm != SIMDPOOL_MAX && w.algorithm != SIMDPOOL_AVG) return false;
    if (w.kind == Kind::Pool) return true;
    for (int i = 0; i < w.in.count; ++i)
        if (w.kernel.v[i] <= 0 || w.in.v[i] % w.kernel.v[i] != 0) return false;
    return true;
}

const char *layout_name(simdpool_layout layout) { return layout == SIMDPOOL_NHWC ? "nhwc" : "nchw"; }

// Distinct magnitudes in [1, 2) with random signs: no two elements of a window tie (below 2^23 elements), so
// every library's argmax is the same position, and sums stay well conditioned.
void fill_input(Buffer<float> &x) {
    for (size_t i = 0; i < x.size(); ++i) {
        const uint32_t u = (uint32_t)(i * 2654435761u) & ((1u << 23) - 1);
        uint32_t h = (uint32_t)i * 0x85ebca6bu;
        h ^= h >> 13, h *= 0xc2b2ae35u, h ^= h >> 16;
        const float v = 1.0f + (float)u / (float)(1u << 23);
        x[i] = (h & 1) ? -v : v;
    }
}

void fill_gradient(Buffer<float> &dy) {
    uint32_t s = 0x2545f491u;
    for (size_t i = 0; i < dy.size(); ++i) {
        s = s * 1664525u + 1013904223u;
        dy[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
    }
}

namespace {

WindowSpec window_of(const Problem &p) {
    WindowSpec ws;
    const Workload &w = *p.w;
    ws.dims = w.spatial_dims();
    if (!p.is_adaptive) {
        const simdpool_pool_desc &d = p.pool;
        int64_t out[3];
        naive_pool_output_dims(&d, out);
        for (int i = 0; i < ws.dims; ++i) {
            ws.in[i] = d.in[i], ws.out[i] = out[i], ws.kernel[i] = d.kernel[i], ws.stride[i] = d.stride[i];
            ws.dilation[i] = d.dilation[i], ws.pad_begin[i] = d.pad_begin[i], ws.pad_end[i] = d.pad_end[i];
        }
        if (d.ceil_mode || d.divisor_override) {
            ws.why_not = "ceil_mode / divisor_override have no sliding-window equivalent here";
            return ws;
        }
        ws.ok = true;
        return ws;
    }
    ws.global = true;
    for (int i = 0; i < ws.dims; ++i) {
        const int64_t in = p.adaptive.in[i], out = p.adaptive.out[i];
        ws.global = ws.global && out == 1;
        if (in % out != 0) {
            ws.why_not = "adaptive windows of unequal size (in % out != 0)";
            return ws;
        }
        ws.in[i] = in, ws.out[i] = out, ws.kernel[i] = ws.stride[i] = in / out;
    }
    ws.ok = true;
    return ws;
}

// How many windows can cover one input element (backward sums that many contributions).
int64_t overlap(const Workload &w) {
    int64_t o = 1;
    for (int i = 0; i < w.in.count; ++i)
        o *= w.kind == Kind::Adaptive ? (w.kernel.v[i] + w.in.v[i] - 1) / w.in.v[i] + 1  // kernel = output size
                                      : (w.kernel.v[i] + w.stride.v[i] - 1) / w.stride.v[i];
    return o;
}

std::unique_ptr<Problem> build(const Workload &w, simdpool_layout layout) {
    std::unique_ptr<Problem> p(new Problem);
    p->w = &w;
    p->layout = layout;
    if (is_op(w.kind)) {
        build_op_problem(*p);
        return p;
    }
    p->is_adaptive = w.kind == Kind::Adaptive;
    const int sd = w.spatial_dims();
    simdpool_plan *plan = nullptr;
    simdpool_options o;
    simdpool_options_init(&o);
    o.num_threads = 1;
    o.max_isa = SIMDPOOL_ISA_SCALAR;
    simdpool_status st;
    if (p->is_adaptive) {
        simdpool_adaptive_desc &d = p->adaptive;
        simdpool_adaptive_desc_init(&d, w.algorithm, sd);
        d.n = w.n, d.c = w.c, d.layout = layout;
        for (int i = 0; i < sd; ++i) d.in[i] = w.in.v[i], d.out[i] = w.kernel.v[i];
        p->in_count = naive_adaptive_input_elements(&d);
        p->out_count = naive_adaptive_output_elements(&d);
        st = simdpool_plan_create_adaptive(&d, &o, &plan);
    } else {
        simdpool_pool_desc &d = p->pool;
        simdpool_pool_desc_init(&d, w.algorithm, sd);
        d.n = w.n, d.c = w.c, d.layout = layout, d.count_include_pad = w.count_include_pad, d.p = w.p;
        for (int i = 0; i < sd; ++i) {
            d.in[i] = w.in.v[i], d.kernel[i] = w.kernel.v[i], d.stride[i] = w.stride.v[i];
            d.pad_begin[i] = d.pad_end[i] = w.pad.v[i];
        }
        p->in_count = naive_pool_input_elements(&d);
        p->out_count = naive_pool_output_elements(&d);
        st = simdpool_plan_create_pool(&d, &o, &plan);
    }
    const bool bwd = w.direction == Direction::Backward;
    if (st != SIMDPOOL_OK) {
        p->error = std::string("simdpool refused the workload: ") + simdpool_last_error();
        return p;
    }
    st = simdpool_plan_cost(plan, bwd ? 1 : 0, 0, &p->cost);
    simdpool_plan_destroy(plan);
    if (st != SIMDPOOL_OK) {
        p->error = std::string("simdpool_plan_cost failed: ") + simdpool_last_error();
        return p;
    }
    p->window = window_of(*p);
    const bool routed = w.algorithm == SIMDPOOL_MAX || w.algorithm == SIMDPOOL_MIN;
    {
        int64_t out[3], spatial[3];
        if (p->is_adaptive)
            naive_adaptive_output_dims(&p->adaptive, out);
        else
            naive_pool_output_dims(&p->pool, out);
        for (int k = 0; k < sd; ++k) spatial[k] = bwd ? w.in.v[k] : out[k];
        p->result_axes = tensor_axes(w.n, w.c, spatial, sd, layout);
        p->contributions = bwd ? overlap(w) : 1;
        p->exact = routed && p->contributions == 1;
    }

    p->x.resize(p->in_count);
    fill_input(p->x);
    if (!bwd) {
        p->ref.resize(p->out_count);
        if (p->is_adaptive)
            naive_adaptive_forward(&p->adaptive, p->x.data(), p->ref.data(), nullptr);
        else
            naive_pool_forward(&p->pool, p->x.data(), p->ref.data(), nullptr);
        return p;
    }
    p->y.resize(p->out_count);
    p->dy.resize(p->out_count);
    p->ref.resize(p->in_count);
    if (routed) p->idx.resize(p->out_count);
    fill_gradient(p->dy);
    int64_t *idx = routed ? p->idx.data() : nullptr;
    if (p->is_adaptive) {
        naive_adaptive_forward(&p->adaptive, p->x.data(), p->y.data(), idx);
        naive_adaptive_backward(&p->adaptive, p->dy.data(), idx, p->ref.data());
    } else {
        naive_pool_forward(&p->pool, p->x.data(), p->y.data(), idx);
        naive_pool_backward(&p->pool, p->dy.data(), idx, p->x.data(), p->y.data(), p->ref.data());
    }
    return p;
}

}  // namespace

Problem &problem(const Workload &w, simdpool_layout layout) {
    static std::map<std::pair<const Workload *, int>, std::unique_ptr<Problem>> cache;
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    auto &slot = cache[{&w, (int)layout}];
    if (!slot) slot = build(w, layout);
    return *slot;
}

std::vector<std::pair<std::string, int64_t>> tensor_axes(int64_t n, int64_t c, const int64_t *spatial, int dims,
                                                         simdpool_layout layout) {
    static const char *const names3[] = {"d", "h", "w"};
    const char *const *names = names3 + (3 - dims);
    std::vector<std::pair<std::string, int64_t>> axes = {{"n", n}};
    if (layout == SIMDPOOL_NCHW) axes.push_back({"c", c});
    for (int k = 0; k < dims; ++k) axes.push_back({names[k], spatial[k]});
    if (layout == SIMDPOOL_NHWC) axes.push_back({"c", c});
    return axes;
}

std::string Problem::describe_position(size_t i) const {
    std::vector<int64_t> coord(result_axes.size());
    size_t r = i;
    for (size_t k = result_axes.size(); k-- > 0;) {
        const size_t extent = (size_t)result_axes[k].second;
        coord[k] = (int64_t)(r % extent), r /= extent;
    }
    std::string s = "element " + std::to_string(i) + " (";
    for (size_t k = 0; k < result_axes.size(); ++k)
        s += (k ? " " : "") + result_axes[k].first + "=" + std::to_string(coord[k]);
    return s + ")";
}

}  // namespace spbench
