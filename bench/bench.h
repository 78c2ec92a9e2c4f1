// The benchmark instrument's shared vocabulary: workloads (named CNN layers), problems (a workload in one
// layout, with its inputs and the naive loops' reference result), implementations (naive, each simdpool ISA,
// oneDNN, XNNPACK) and the roofline (this machine's measured bandwidth per cache level).
//
// Adding a workload is one line in kWorkloads (workloads.cc). Adding an implementation is one Impl entry:
// a name, which workloads it supports, and a factory for its Runner.
#ifndef SIMDPOOL_BENCH_BENCH_H
#define SIMDPOOL_BENCH_BENCH_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "simdpool/simdpool.h"

namespace spbench {

// ---------------------------------------------------------------------------------------------------------
// Buffers: 64-byte aligned, zero-filled at allocation (so pages are touched before any timed run), with
// 64 spare bytes past the end (XNNPACK reads up to XNN_EXTRA_BYTES beyond its input).

template <typename T>
class Buffer {
   public:
    Buffer() = default;
    explicit Buffer(size_t count) { resize(count); }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    Buffer(Buffer &&o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr, o.size_ = 0; }
    Buffer &operator=(Buffer &&o) noexcept;
    ~Buffer();
    void resize(size_t count);  // discards the contents; the new buffer is zero-filled
    T *data() { return data_; }
    const T *data() const { return data_; }
    size_t size() const { return size_; }
    T &operator[](size_t i) { return data_[i]; }
    const T &operator[](size_t i) const { return data_[i]; }

   private:
    T *data_ = nullptr;
    size_t size_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// Workloads

// Up to three spatial sizes, outermost first (D, H, W), as in simdpool's descriptors.
struct Dims {
    int64_t v[3] = {0, 0, 0};
    int count = 0;
    Dims() = default;
    Dims(std::initializer_list<int64_t> l) {
        for (int64_t x : l)
            if (count < 3) v[count++] = x;
    }
};

// Pool and Adaptive are pooling plans; the others are the rest of the op set (docs/ops.md), which oneDNN and
// XNNPACK do not have.
enum class Kind { Pool, Adaptive, Fractional, Unpool, Spp, RoiPool, RoiAlign };
enum class Direction { Forward, Backward };

inline bool is_op(Kind k) { return k != Kind::Pool && k != Kind::Adaptive; }
inline bool is_roi(Kind k) { return k == Kind::RoiPool || k == Kind::RoiAlign; }

struct Workload {
    std::string name;
    Kind kind = Kind::Pool;
    simdpool_algorithm algorithm = SIMDPOOL_MAX;  // Fractional, Unpool, RoiPool: MAX; RoiAlign: AVG
    Direction direction = Direction::Forward;
    int64_t n = 1, c = 1;
    // Pool: symmetric padding. Adaptive: kernel holds the output size. Fractional: kernel, and the output size
    // in `out`. Unpool: `in` is the pooled tensor (the unpool's input), kernel/stride those of the max pooling
    // it undoes. Spp: `levels`. RoiPool/RoiAlign: `in` is the feature map, `kernel` the pooled size.
    Dims in, kernel, stride, pad, out;
    int count_include_pad = 1;
    float p = 2.0f;
    double output_ratio = 0;          // Fractional: the output size is (int)(in * ratio) per dim
    std::vector<int64_t> levels;      // Spp: bins per side of each level
    float spatial_scale = 1.0f;       // RoI: feature-map pixels per image pixel
    int sampling_ratio = -1;          // RoiAlign
    int aligned = 0;                  // RoiAlign
    int64_t num_boxes = 0;            // RoI: boxes per run, log-uniform sizes inside the image (in / scale)
    int spatial_dims() const { return in.count; }
    std::string shape() const;  // e.g. "1x64x112x112 max 3x3/2 pad 1"
};

// Builders, so that one workload is one line of the table.
Workload pool(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, Dims kernel, Dims stride,
              Dims pad);
Workload adaptive(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, Dims out);
Workload global(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in);
Workload backward(Workload w);
Workload exclude_pad(Workload w);
Workload lp_norm(Workload w, float p);
Workload fractional_max(const char *name, int64_t n, int64_t c, Dims in, Dims kernel, double output_ratio);
Workload max_unpool(const char *name, int64_t n, int64_t c, Dims pooled, Dims kernel, Dims stride);
Workload spp(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, std::vector<int64_t> levels);
Workload roi_pool(const char *name, int64_t n, int64_t c, Dims map, Dims pooled, float spatial_scale,
                  int64_t num_boxes);
Workload roi_align(const char *name, int64_t n, int64_t c, Dims map, Dims pooled, float spatial_scale,
                   int sampling_ratio, int aligned, int64_t num_boxes);

// The suite's workloads, or the smoke test's tiny ones.
const std::vector<Workload> &workloads(bool smoke);

// ---------------------------------------------------------------------------------------------------------
// Problems: a workload in one layout, with inputs and the naive reference, built once and shared by rows.

// The fixed-window view of a workload, for libraries that only know sliding windows: a Pool workload as is,
// an Adaptive one when every input size is a multiple of its output size (window = stride = in / out).
struct WindowSpec {
    bool ok = false;
    std::string why_not;  // when !ok
    bool global = false;  // adaptive to 1 in every dim
    int dims = 0;
    int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1};
    int64_t dilation[3] = {1, 1, 1}, pad_begin[3] = {0, 0, 0}, pad_end[3] = {0, 0, 0};
    bool has_padding() const;
};

struct Problem {
    const Workload *w = nullptr;
    simdpool_layout layout = SIMDPOOL_NCHW;
    bool is_adaptive = false;
    simdpool_pool_desc pool{};
    simdpool_adaptive_desc adaptive{};
    simdpool_fractional_desc fractional{};
    simdpool_unpool_desc unpool{};
    simdpool_spp_desc spp{};
    simdpool_roi_desc roi{};
    // The forward's input and output element counts (RoI: the map, and every box's block); a backward reads
    // dy of out_count elements and writes dx of in_count.
    size_t in_count = 0, out_count = 0;
    WindowSpec window;
    std::string error;             // non-empty if simdpool refused the descriptor (every row then says so)
    simdpool_cost cost{};          // from simdpool_plan_cost: the byte counts every row of this problem uses
    uint64_t bytes() const { return cost.bytes_read + cost.bytes_written; }
    Buffer<float> x;               // forward input (also kept for backward: LP/SOFT need it, oneDNN's workspace)
    Buffer<float> y;               // backward problems: the naive forward output (LP/SOFT backward read it)
    Buffer<float> dy;              // backward problems: the incoming gradient
    Buffer<int64_t> idx;           // backward MAX/MIN (and routed ops): the naive forward's argmax; unpool: its indices
    Buffer<float> samples;         // fractional: the forward's samples (simdpool_fractional_fill_samples)
    Buffer<float> boxes;           // RoI: num_boxes rows of (batch, x1, y1, x2, y2)
    size_t num_boxes = 0;
    Buffer<float> ref;             // the naive loops' result: y (forward) or dx (backward)
    // The result tensor's axes, outermost first, e.g. {{"n", 1}, {"c", 64}, {"h", 56}, {"w", 56}}.
    std::vector<std::pair<std::string, int64_t>> result_axes;
    size_t result_count() const { return w->direction == Direction::Forward ? out_count : in_count; }
    // How the result is compared with the naive loops: exactly (maxima, copies, routes without overlap), or
    // within a relative 1e-5 plus an absolute 1e-6 per contribution, at most `contributions` summed per element.
    bool exact = false;
    int64_t contributions = 1;
    std::string describe_position(size_t i) const;  // "element 7 (n=0 c=3 h=5 w=7)"
};

// The problem for (workload, layout), built on first use and kept for the whole run.
Problem &problem(const Workload &w, simdpool_layout layout);

// The rest of the op set (op_problems.cc): fills an op problem's descriptor, inputs, reference and cost (sets
// p.error on failure); runs the naive loops on it; makes and runs simdpool plans for it.
void build_op_problem(Problem &p);
void run_op_naive(const Problem &p, float *out);
simdpool_status create_op_plan(const Problem &p, const simdpool_options &o, simdpool_plan **plan);
simdpool_status run_op_plan(const simdpool_plan *plan, const Problem &p, float *out);
// Deterministic inputs shared by every problem: distinct magnitudes in [1, 2) with random signs (x), and
// uniform values in [-1, 1) (gradients).
void fill_input(Buffer<float> &x);
void fill_gradient(Buffer<float> &dy);
// The axes of an (n, c, spatial...) tensor in `layout`'s order, for Problem::result_axes.
std::vector<std::pair<std::string, int64_t>> tensor_axes(int64_t n, int64_t c, const int64_t *spatial, int dims,
                                                         simdpool_layout layout);
const char *layout_name(simdpool_layout layout);  // "nchw" / "nhwc" (the row name's layout component)

// ---------------------------------------------------------------------------------------------------------
// Implementations

class Runner {
   public:
    virtual ~Runner() = default;
    // Sets up everything (plans, primitives, operators, buffers) for `threads` threads. Returns "" when
    // ready, or the reason the row cannot run (the row is then skipped with that message).
    virtual std::string prepare(Problem &p, int threads) = 0;
    // The timed call: one forward (or backward) run.
    virtual void run() = 0;
    // The result of the last run in the problem's layout (y forward, dx backward); may convert (untimed).
    virtual const float *result() = 0;
    // Why the last run failed (a library returned an error), or "".
    virtual std::string failure() const { return ""; }
    // What actually ran, e.g. "avx2/maxpool_fwd_nhwc_f32" or "onednn jit:avx512_core nChw16c".
    virtual std::string label() const = 0;
};

struct Impl {
    std::string name;        // the row name's implementation component
    bool simdpool = false;   // a simdpool variant (competes for "best simdpool" in the summary)
    bool multithreaded = true;
    std::function<bool(const Workload &, simdpool_layout)> supports;  // rows exist only where true
    std::function<std::unique_ptr<Runner>()> make;
};

void add_naive_and_simdpool_impls(std::vector<Impl> &impls, bool include_emulated);
// Each returns "" after adding its rows, or a note saying why it added none.
std::string add_onednn_impls(std::vector<Impl> &impls);
std::string add_xnnpack_impls(std::vector<Impl> &impls);
std::string onednn_version();
std::string xnnpack_version();

// True if a sliding-window library can run the workload: MAX/AVG pooling without ceil_mode/divisor_override,
// or adaptive pooling whose output sizes divide the input sizes (then window = stride = in / out).
bool has_fixed_window(const Workload &w);

// ---------------------------------------------------------------------------------------------------------
// Roofline

enum Level { L1 = 0, L2 = 1, L3 = 2, DRAM = 3, kLevels = 4 };

struct CacheInfo {
    size_t size[3] = {0, 0, 0};  // bytes per instance of L1d, L2, L3 (0 if absent)
    int sharing[3] = {1, 1, 1};  // logical CPUs sharing one instance
    std::string source;          // where the sizes came from
};

struct Bandwidth {
    double read = 0, copy = 0, write = 0;  // bytes/s (copy counts bytes read + bytes written)
    size_t footprint = 0;                  // bytes the probe touched
};

class Roofline {
   public:
    // Measures read/copy/write bandwidth at every level for each thread count (quick: fewer, shorter trials).
    void measure(const std::vector<int> &thread_counts, bool quick);
    const CacheInfo &caches() const { return caches_; }
    // Aggregate capacity of a level for t threads (private caches add up across the cores in use).
    size_t capacity(Level l, int threads) const;
    // The level a working set of `bytes` falls in when `threads` threads share it.
    Level level_of(uint64_t bytes, int threads) const;
    // The bandwidth floor for a mix of reads and writes at a level: time per byte interpolated between the
    // write (all writes), copy (half/half) and read (all reads) probes by the share of bytes read.
    double floor_bandwidth(Level l, int threads, uint64_t bytes_read, uint64_t bytes_written) const;
    const Bandwidth &at(Level l, int threads) const;
    std::string table() const;  // human-readable, for stderr and the JSON context

   private:
    CacheInfo caches_;
    std::vector<int> threads_;
    std::vector<Bandwidth> bw_;  // [thread index * kLevels + level]
};

const char *level_name(Level l);  // "L1", "L2", "L3", "DRAM"
CacheInfo detect_caches();

}  // namespace spbench

#endif  // SIMDPOOL_BENCH_BENCH_H
