// A first benchmark pass: named CNN pooling layers, each implementation forced through the dispatch cap,
// against the naive loops. Every row's output is checked against the naive loops once before timing; a
// mismatch is reported as an error, not timed. Rate = (bytes read + bytes written) / time.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "naive_pool.h"
#include "simdpool/simdpool.h"

namespace {

struct Workload {
    const char *name;
    simdpool_algorithm algorithm;
    int64_t n, c, in, kernel, stride, pad;
    int count_include_pad;
};

const Workload kWorkloads[] = {
    {"vgg_max2x2s2", SIMDPOOL_MAX, 1, 64, 224, 2, 2, 0, 1},
    {"resnet_stem_max3x3s2p1", SIMDPOOL_MAX, 1, 64, 112, 3, 2, 1, 1},
    {"inception_avg3x3s1p1", SIMDPOOL_AVG, 1, 192, 28, 3, 1, 1, 0},
    {"densenet_avg2x2s2", SIMDPOOL_AVG, 1, 256, 56, 2, 2, 0, 1},
};

simdpool_pool_desc describe(const Workload &w, simdpool_layout layout) {
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, w.algorithm, 2);
    d.n = w.n, d.c = w.c, d.layout = layout, d.count_include_pad = w.count_include_pad;
    for (int i = 0; i < 2; ++i) {
        d.in[i] = w.in, d.kernel[i] = w.kernel, d.stride[i] = w.stride;
        d.pad_begin[i] = d.pad_end[i] = w.pad;
    }
    return d;
}

std::vector<float> input_for(size_t count) {
    std::vector<float> x(count);
    uint32_t s = 12345;
    for (auto &v : x) v = (float)((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
    return x;
}

void set_rate(benchmark::State &state, size_t in_count, size_t out_count) {
    const double bytes = (double)(in_count + out_count) * sizeof(float);
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void run_naive(benchmark::State &state, Workload w, simdpool_layout layout) {
    const simdpool_pool_desc d = describe(w, layout);
    const size_t in_count = naive_pool_input_elements(&d), out_count = naive_pool_output_elements(&d);
    std::vector<float> x = input_for(in_count), y(out_count);
    for (auto _ : state) {
        naive_pool_forward(&d, x.data(), y.data(), nullptr);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_rate(state, in_count, out_count);
}

void run_simdpool(benchmark::State &state, Workload w, simdpool_layout layout, simdpool_isa isa) {
    if (!simdpool_isa_available(isa)) {
        state.SkipWithError((std::string("ISA ") + simdpool_isa_name(isa) + " not available on this CPU").c_str());
        return;
    }
    const simdpool_pool_desc d = describe(w, layout);
    simdpool_options o;
    simdpool_options_init(&o);
    o.max_isa = isa;
    o.num_threads = 1;
    simdpool_plan *plan = nullptr;
    if (simdpool_plan_create_pool(&d, &o, &plan) != SIMDPOOL_OK) {
        state.SkipWithError(simdpool_last_error());
        return;
    }
    const size_t in_count = naive_pool_input_elements(&d), out_count = naive_pool_output_elements(&d);
    std::vector<float> x = input_for(in_count), y(out_count), y_ref(out_count);
    naive_pool_forward(&d, x.data(), y_ref.data(), nullptr);
    simdpool_forward(plan, x.data(), y.data(), nullptr);
    for (size_t i = 0; i < out_count; ++i)
        if (std::fabs(y[i] - y_ref[i]) > 1e-5f * (1.0f + std::fabs(y_ref[i]))) {
            state.SkipWithError(("output differs from the naive loops at " + std::to_string(i)).c_str());
            simdpool_plan_destroy(plan);
            return;
        }
    const char *kernel = nullptr;
    simdpool_plan_kernel_name(plan, 0, &kernel);
    state.SetLabel(kernel);
    for (auto _ : state) {
        simdpool_forward(plan, x.data(), y.data(), nullptr);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_rate(state, in_count, out_count);
    simdpool_plan_destroy(plan);
}

int register_all() {
    const simdpool_isa isas[] = {SIMDPOOL_ISA_SCALAR, SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_NEON};
    for (const Workload &w : kWorkloads)
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
            const std::string prefix = std::string(w.name) + (layout == SIMDPOOL_NCHW ? "/nchw/" : "/nhwc/");
            benchmark::RegisterBenchmark((prefix + "naive/threads:1").c_str(), run_naive, w, layout)
                ->Unit(benchmark::kMicrosecond);
            for (simdpool_isa isa : isas)
                benchmark::RegisterBenchmark((prefix + simdpool_isa_name(isa) + "/threads:1").c_str(), run_simdpool,
                                             w, layout, isa)
                    ->Unit(benchmark::kMicrosecond);
        }
    return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
