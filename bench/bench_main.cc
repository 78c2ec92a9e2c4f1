// simdpool's benchmark instrument.
//
// Rows are named <workload>/<layout>/<impl>/threads:<n>: every workload of the table (workloads.cc) in NCHW
// and NHWC, for each implementation that supports it (naive, simdpool with each ISA forced through
// simdpool_options.max_isa, oneDNN plain and blocked, XNNPACK), with 1 thread and with all threads.
//
// Every row's output is checked once against the naive loops before it is timed; a mismatch is reported
// (the row is skipped with the position and the values) and never timed. Rows an implementation cannot run
// on this CPU are skipped with a message saying why.
//
// Counters (also in --benchmark_format=json): bytes (read + written per run, from simdpool_plan_cost), GB/s
// (bytes / wall time), level (1 = L1, 2 = L2, 3 = L3, 4 = DRAM: where the working set falls), floor_GB/s
// (the bandwidth measured at startup for that level, mix of reads and writes, and thread count) and %floor.
//
// Own flags (the rest go to google-benchmark):
//   --simdpool_smoke      tiny workloads, one iteration each, quick bandwidth probe; exit status 1 if any row
//                         differs from the naive loops or fails to set up (the ctest smoke test)
//   --simdpool_emulated   also time ISAs that run only as the simde translation here (NEON on x86-64)
#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench.h"

namespace spbench {
namespace {

struct Row {
    const Workload *w;
    simdpool_layout layout;
    const Impl *impl;
    int threads;
    bool checked = false;
    std::string verdict;        // "" = matches the naive loops
    double first_run_s = 0;     // duration of the checked run: decides whether a warm-up run is worth it
};

Roofline g_roofline;
std::vector<Impl> g_impls;
std::vector<std::unique_ptr<Row>> g_rows;
bool g_smoke = false;
int g_mismatches = 0;
int g_failures = 0;  // rows that could not be set up for a reason other than "skipped: ..."

// "" if `got` matches the naive result: maxima, copies and routes without overlap exactly (p.exact); sums
// within a relative 1e-5 plus an absolute 1e-6 per summed contribution.
std::string compare(const Problem &p, const float *got) {
    const bool bwd = p.w->direction == Direction::Backward;
    const bool exact = p.exact;
    const double rel = 1e-5, abs = 1e-6 * (double)p.contributions;
    const float *want = p.ref.data();
    for (size_t i = 0; i < p.result_count(); ++i) {
        const float a = got[i], b = want[i];
        bool ok;
        if (std::isnan(b))
            ok = std::isnan(a);
        else if (exact)
            ok = std::memcmp(&a, &b, sizeof a) == 0 || (a == 0 && b == 0);
        else
            ok = std::fabs((double)a - (double)b) <= rel * std::fabs((double)b) + abs;
        if (!ok) {
            char buf[160];
            std::snprintf(buf, sizeof buf, ": got %.9g, want %.9g (%s)", (double)a, (double)b,
                          exact ? "exact" : "tolerance 1e-5 relative");
            return std::string(bwd ? "dx" : "output") + " differs from the naive loops at " +
                   p.describe_position(i) + buf;
        }
    }
    return "";
}

void run_row(benchmark::State &state, Row *row) {
    Problem &p = problem(*row->w, row->layout);
    if (!p.error.empty()) {
        state.SkipWithError(p.error.c_str());
        return;
    }
    std::unique_ptr<Runner> r = row->impl->make();
    const std::string why = r->prepare(p, row->threads);
    if (!why.empty()) {
        if (why.rfind("skipped:", 0) != 0 && !row->checked) {
            row->checked = true;
            ++g_failures;
            std::fprintf(stderr, "FAILED %s/%s/%s/threads:%d: %s\n", row->w->name.c_str(), layout_name(row->layout),
                         row->impl->name.c_str(), row->threads, why.c_str());
        }
        state.SkipWithError(why.c_str());
        return;
    }
    const uint64_t bytes = p.bytes();
    const Level level = g_roofline.level_of(bytes, row->threads);
    const bool naive = row->impl->name == "naive";  // the naive loops made the reference: nothing to compare
    if (!row->checked && !naive) {
        const auto c0 = std::chrono::steady_clock::now();
        r->run();  // also the warm-up of this setup
        row->first_run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
        const float *got = r->result();
        row->verdict = got ? compare(p, got) : "the run failed: " + r->failure();
        if (!row->verdict.empty()) {
            ++g_mismatches;
            std::fprintf(stderr, "MISMATCH %s/%s/%s/threads:%d [%s]: %s\n", row->w->name.c_str(),
                         layout_name(row->layout), row->impl->name.c_str(), row->threads, r->label().c_str(),
                         row->verdict.c_str());
        }
    } else if (!(naive && level == DRAM) && row->first_run_s < 0.25) {
        r->run();  // warm-up (caches, lazily mapped pages, thread pools); pointless for slow runs over DRAM
    }
    row->checked = true;
    if (!row->verdict.empty()) {
        state.SkipWithError(row->verdict.c_str());
        return;
    }
    state.SetLabel(r->label());
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        r->run();
        benchmark::ClobberMemory();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r->failure().empty()) {  // a library reported an error during the timed runs
        state.SkipWithError(("a timed run failed: " + r->failure()).c_str());
        return;
    }
    const double gbps = seconds > 0 ? (double)bytes * (double)state.iterations() / seconds * 1e-9 : 0;
    const double floor =
        g_roofline.floor_bandwidth(level, row->threads, p.cost.bytes_read, p.cost.bytes_written) * 1e-9;
    state.counters["bytes"] = (double)bytes;
    state.counters["GB/s"] = gbps;
    state.counters["level"] = (double)(level + 1);
    state.counters["floor_GB/s"] = floor;
    state.counters["%floor"] = floor > 0 ? 100.0 * gbps / floor : 0;
}

uint64_t input_bytes(const Workload &w) {
    uint64_t e = (uint64_t)w.n * (uint64_t)w.c;
    for (int i = 0; i < w.in.count; ++i) e *= (uint64_t)w.in.v[i];
    return e * sizeof(float);
}

std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    return "unknown";
}

std::string env(const char *name) {
    const char *v = std::getenv(name);
    return v ? v : "(unset)";
}

void note(const std::string &s) {
    std::fprintf(stderr, "note: %s\n", s.c_str());
}

}  // namespace
}  // namespace spbench

int main(int argc, char **argv) {
    using namespace spbench;
    bool emulated = false, listing = false;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--simdpool_smoke") == 0) {
            g_smoke = true;
        } else if (std::strcmp(argv[i], "--simdpool_emulated") == 0) {
            emulated = true;
        } else {
            if (std::strncmp(argv[i], "--benchmark_list_tests", 22) == 0) listing = true;
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    const int all = omp_get_num_procs();
    std::vector<int> thread_counts = {1};
    if (all > 1) thread_counts.push_back(all);

    add_naive_and_simdpool_impls(g_impls, emulated);
    std::string onednn = "not found at configure time (Debian: libdnnl-dev)";
    std::string xnnpack = "not found at configure time (Debian: libxnnpack-dev libpthreadpool-dev)";
#ifdef SIMDPOOL_BENCH_HAVE_ONEDNN
    if (std::string why = add_onednn_impls(g_impls); why.empty())
        onednn = onednn_version();
    else
        onednn = why;
#endif
#ifdef SIMDPOOL_BENCH_HAVE_XNNPACK
    if (std::string why = add_xnnpack_impls(g_impls); why.empty())
        xnnpack = xnnpack_version();
    else
        xnnpack = why;
#endif

    if (!listing) {
        std::fprintf(stderr, "simdpool %d.%d.%d benchmark on %s (%d logical CPUs); simdpool's best ISA here: %s\n",
                     SIMDPOOL_VERSION_MAJOR, SIMDPOOL_VERSION_MINOR, SIMDPOOL_VERSION_PATCH, cpu_model().c_str(), all,
                     simdpool_isa_name(simdpool_cpu_isa()));
        std::fprintf(stderr, "oneDNN: %s\nXNNPACK: %s\n", onednn.c_str(), xnnpack.c_str());
        if (onednn.rfind("not found", 0) == 0 || onednn.find("dropped") != std::string::npos)
            note("onednn and onednn_blocked rows dropped");
        if (xnnpack.rfind("not found", 0) == 0 || xnnpack.find("dropped") != std::string::npos)
            note("xnnpack rows dropped");
        for (simdpool_isa isa : {SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_NEON})
            if (!simdpool_isa_available(isa))
                note(std::string(simdpool_isa_name(isa)) + " rows are skipped: this CPU cannot run them");
#if defined(__x86_64__)
        if (!emulated)
            note("neon rows are skipped: NEON runs here only as the simde translation (--simdpool_emulated)");
#endif
        std::fprintf(stderr, "threads: 1 and %d; OMP_PROC_BIND=%s OMP_PLACES=%s OMP_WAIT_POLICY=%s GOMP_SPINCOUNT=%s\n",
                     all, env("OMP_PROC_BIND").c_str(), env("OMP_PLACES").c_str(), env("OMP_WAIT_POLICY").c_str(),
                     env("GOMP_SPINCOUNT").c_str());
        std::fprintf(stderr, "measuring bandwidth (roofline)...\n");
        g_roofline.measure(thread_counts, g_smoke);
        std::fprintf(stderr, "%s", g_roofline.table().c_str());
    }

    // The JSON's context: what the summary needs to label and interpret the numbers.
    benchmark::AddCustomContext("cpu_model", cpu_model());
    benchmark::AddCustomContext("simdpool_version", std::to_string(SIMDPOOL_VERSION_MAJOR) + "." +
                                                        std::to_string(SIMDPOOL_VERSION_MINOR) + "." +
                                                        std::to_string(SIMDPOOL_VERSION_PATCH));
    benchmark::AddCustomContext("simdpool_cpu_isa", simdpool_isa_name(simdpool_cpu_isa()));
    benchmark::AddCustomContext("onednn", onednn);
    benchmark::AddCustomContext("xnnpack", xnnpack);
    std::string tc;
    for (int t : thread_counts) tc += (tc.empty() ? "" : ",") + std::to_string(t);
    benchmark::AddCustomContext("thread_counts", tc);
    for (const char *v : {"OMP_PROC_BIND", "OMP_PLACES", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS"})
        benchmark::AddCustomContext(v, env(v));
    std::string order;
    for (const Workload &w : workloads(g_smoke)) {
        benchmark::AddCustomContext("workload " + w.name, w.shape());
        order += (order.empty() ? "" : ",") + w.name;
    }
    benchmark::AddCustomContext("workload_order", order);
    if (!listing) {
        const CacheInfo &ci = g_roofline.caches();
        for (int l = L1; l < DRAM; ++l)
            benchmark::AddCustomContext(std::string("cache_") + level_name((Level)l),
                                        std::to_string(ci.size[l]) + " bytes, shared by " +
                                            std::to_string(ci.sharing[l]) + " CPUs");
        for (int t : thread_counts)
            for (int l = L1; l <= DRAM; ++l) {
                const Bandwidth &b = g_roofline.at((Level)l, t);
                char buf[128];
                std::snprintf(buf, sizeof buf, "read %.2f copy %.2f write %.2f GB/s, footprint %zu bytes",
                              b.read * 1e-9, b.copy * 1e-9, b.write * 1e-9, b.footprint);
                benchmark::AddCustomContext(std::string("bandwidth_") + level_name((Level)l) + "_threads_" +
                                                std::to_string(t),
                                            buf);
            }
    }

    const size_t llc = g_roofline.capacity(L3, 1) ? g_roofline.capacity(L3, 1) : (size_t)32 << 20;
    for (const Workload &w : workloads(g_smoke))
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
            for (const Impl &impl : g_impls) {
                if (!impl.supports(w, layout)) continue;
                for (int t : thread_counts) {
                    if (t > 1 && !impl.multithreaded) continue;
                    g_rows.emplace_back(new Row{&w, layout, &impl, t, false, ""});
                    Row *row = g_rows.back().get();
                    const std::string name =
                        w.name + "/" + layout_name(layout) + "/" + impl.name + "/threads:" + std::to_string(t);
                    auto *b = benchmark::RegisterBenchmark(name.c_str(), run_row, row);
                    b->Unit(benchmark::kMicrosecond);
                    if (g_smoke) b->Iterations(1)->Repetitions(1);
                    // The naive loops over a workload far beyond the last-level cache take seconds per run
                    // and are 10-100x slower than everything else, and those of RoI pooling 0.1-0.3 s (every
                    // output recomputes its bin or bilinear weights): one repetition is plenty for their ratio.
                    if (!g_smoke && impl.name == "naive" && (input_bytes(w) > 2 * llc || is_roi(w.kind)))
                        b->Repetitions(1);
                }
            }

    if (!listing) std::fprintf(stderr, "running the benchmark rows...\n");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (g_mismatches)
        std::fprintf(stderr, "%d row(s) differ from the naive loops (see MISMATCH above)\n", g_mismatches);
    if (g_failures) std::fprintf(stderr, "%d row(s) could not be set up (see FAILED above)\n", g_failures);
    return g_smoke && (g_mismatches || g_failures) ? 1 : 0;
}
