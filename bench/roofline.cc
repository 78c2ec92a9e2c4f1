// The roofline: this machine's cache sizes (sysfs, else sysconf) and its bandwidth at each level, measured
// STREAM-style (read, copy and write kernels; best of several trials) with 1 thread and with all threads.
// A benchmark row's floor is its bytes at the bandwidth of the level its working set falls in.
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bench.h"

namespace spbench {

// ---------------------------------------------------------------------------------------------------------
// Cache sizes

namespace {

bool read_line(const std::string &path, std::string &out) {
    std::ifstream f(path);
    return static_cast<bool>(std::getline(f, out));
}

size_t parse_size(const std::string &s) {  // "32K", "1024K", "32M"
    char *end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    const char unit = end && *end ? *end : ' ';
    const double mult = unit == 'K' ? 1024.0 : unit == 'M' ? 1048576.0 : unit == 'G' ? 1073741824.0 : 1.0;
    return (size_t)(v * mult);
}

int count_cpu_list(const std::string &s) {  // "0-1", "0,2,4-7"
    int count = 0;
    std::stringstream ss(s);
    std::string part;
    while (std::getline(ss, part, ',')) {
        const size_t dash = part.find('-');
        if (dash == std::string::npos)
            count += 1;
        else
            count += std::atoi(part.c_str() + dash + 1) - std::atoi(part.c_str()) + 1;
    }
    return count > 0 ? count : 1;
}

}  // namespace

CacheInfo detect_caches() {
    CacheInfo info;
    for (int i = 0; i < 8; ++i) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
        std::string level, type, size, shared;
        if (!read_line(dir + "level", level) || !read_line(dir + "type", type) || !read_line(dir + "size", size))
            continue;
        const int l = std::atoi(level.c_str());
        if (l < 1 || l > 3 || type == "Instruction") continue;
        info.size[l - 1] = parse_size(size);
        info.sharing[l - 1] = read_line(dir + "shared_cpu_list", shared) ? count_cpu_list(shared) : 1;
    }
    if (info.size[0]) {
        info.source = "/sys/devices/system/cpu/cpu0/cache";
        return info;
    }
#if defined(_SC_LEVEL1_DCACHE_SIZE)
    const long s1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), s2 = sysconf(_SC_LEVEL2_CACHE_SIZE),
               s3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    info.size[0] = s1 > 0 ? (size_t)s1 : 0;
    info.size[1] = s2 > 0 ? (size_t)s2 : 0;
    info.size[2] = s3 > 0 ? (size_t)s3 : 0;
    info.sharing[2] = omp_get_num_procs();
    info.source = "sysconf (sharing of L3 assumed: all CPUs)";
#endif
    if (!info.size[0]) {
        info.size[0] = 32 << 10, info.size[1] = 1 << 20, info.size[2] = 8 << 20;
        info.sharing[2] = omp_get_num_procs();
        info.source = "not found: assumed 32 KiB / 1 MiB / 8 MiB shared";
    }
    return info;
}

const char *level_name(Level l) {
    static const char *const names[] = {"L1", "L2", "L3", "DRAM"};
    return names[l];
}

// ---------------------------------------------------------------------------------------------------------
// Probe kernels. GCC vector extensions with 8 independent 64-byte accumulators; target_clones picks the
// widest loads this CPU has (AVX-512, AVX2, else SSE2), so the floor is what the fastest kernel could reach.

namespace {

typedef float v16f __attribute__((vector_size(64)));
constexpr size_t kBlock = 8 * 16;  // floats per unrolled step (512 bytes)

// Eight named vectors (not an array: GCC would keep an array on the stack).
#define SP_LOAD8(p)                                                                                         \
    v16f v0, v1, v2, v3, v4, v5, v6, v7;                                                                    \
    std::memcpy(&v0, (p) + 0, 64), std::memcpy(&v1, (p) + 16, 64), std::memcpy(&v2, (p) + 32, 64);         \
    std::memcpy(&v3, (p) + 48, 64), std::memcpy(&v4, (p) + 64, 64), std::memcpy(&v5, (p) + 80, 64);        \
    std::memcpy(&v6, (p) + 96, 64), std::memcpy(&v7, (p) + 112, 64)
#define SP_STORE8(p)                                                                                        \
    std::memcpy((p) + 0, &v0, 64), std::memcpy((p) + 16, &v1, 64), std::memcpy((p) + 32, &v2, 64);         \
    std::memcpy((p) + 48, &v3, 64), std::memcpy((p) + 64, &v4, 64), std::memcpy((p) + 80, &v5, 64);        \
    std::memcpy((p) + 96, &v6, 64), std::memcpy((p) + 112, &v7, 64)

__attribute__((target_clones("avx512f", "avx2", "default"), noinline)) float probe_read(const float *p, size_t n) {
    v16f a0 = {}, a1 = {}, a2 = {}, a3 = {}, a4 = {}, a5 = {}, a6 = {}, a7 = {};
    for (size_t i = 0; i + kBlock <= n; i += kBlock) {
        SP_LOAD8(p + i);
        a0 += v0, a1 += v1, a2 += v2, a3 += v3, a4 += v4, a5 += v5, a6 += v6, a7 += v7;
    }
    const v16f s = (a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7);
    float r = 0;
    for (int j = 0; j < 16; ++j) r += s[j];
    return r;
}

__attribute__((target_clones("avx512f", "avx2", "default"), noinline)) void probe_copy(const float *src, float *dst,
                                                                                        size_t n, float scale) {
    // dst = src * scale (scale = 1 at run time): a plain copy loop could be turned into a memcpy call, whose
    // non-temporal stores would measure something else.
    for (size_t i = 0; i + kBlock <= n; i += kBlock) {
        SP_LOAD8(src + i);
        v0 *= scale, v1 *= scale, v2 *= scale, v3 *= scale, v4 *= scale, v5 *= scale, v6 *= scale, v7 *= scale;
        SP_STORE8(dst + i);
    }
}

__attribute__((target_clones("avx512f", "avx2", "default"), noinline)) void probe_write(float *dst, size_t n,
                                                                                         float value) {
    v16f v0 = {};
    v0 += value;
    const v16f v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0, v6 = v0, v7 = v0;
    for (size_t i = 0; i + kBlock <= n; i += kBlock) {
        SP_STORE8(dst + i);
    }
}

enum class ProbeKind { Read, Copy, Write };
volatile float g_sink;

void pass(ProbeKind kind, float *chunk, size_t floats, float &sum) {
    switch (kind) {
    case ProbeKind::Read: sum += probe_read(chunk, floats); break;
    case ProbeKind::Copy: probe_copy(chunk, chunk + floats / 2, floats / 2, 1.0f); break;
    case ProbeKind::Write: probe_write(chunk, floats, sum); break;
    }
}

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Best bandwidth (bytes/s) of `trials` timed trials of the kernel over `footprint` bytes split between
// `threads` threads (each works on its own contiguous chunk, first touched by itself). The number of passes
// per trial is calibrated on one thread beforehand, so that a descheduled thread in a trial (shared, noisy
// machines) only spoils that trial.
double probe(ProbeKind kind, size_t footprint, int threads, bool quick) {
    const size_t per_thread = std::max<size_t>(footprint / (size_t)threads / (2 * kBlock * sizeof(float)), 1) *
                              (2 * kBlock * sizeof(float));  // bytes; even number of blocks (copy halves)
    const size_t floats = per_thread / sizeof(float);
    const double target = quick ? 1e-3 : 4e-3;  // seconds per trial
    const int trials = quick ? 3 : 9;
    float *buf = static_cast<float *>(std::aligned_alloc(64, per_thread * (size_t)threads));
    if (buf == nullptr) return 0;
    std::memset(buf, 0, per_thread);
    float sum = 0;
    long reps = 1;
    for (;;) {  // calibration: passes over one chunk, on this thread
        const double t0 = now();
        for (long r = 0; r < reps; ++r) pass(kind, buf, floats, sum);
        const double dt = now() - t0;
        if (dt >= target / 4) {
            reps = std::max(1L, (long)((double)reps * target / dt));
            break;
        }
        reps *= 2;
    }
    double t0 = 0, best = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
    {
        float *mine = buf + (size_t)omp_get_thread_num() * floats;
        if (omp_get_thread_num() != 0) std::memset(mine, 0, per_thread);
        pass(kind, mine, floats, sum);  // warm-up: brings the chunk into the level being measured
        for (int trial = 0; trial < trials; ++trial) {
#pragma omp barrier
#pragma omp single
            t0 = now();
            for (long r = 0; r < reps; ++r) pass(kind, mine, floats, sum);
#pragma omp barrier
#pragma omp single
            best = std::max(best, (double)per_thread * threads * (double)reps / (now() - t0));
        }
    }
    if (sum == 12345.0f) g_sink = sum;  // keeps the reads alive
    std::free(buf);
    return best;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Roofline

size_t Roofline::capacity(Level l, int threads) const {
    if (l == DRAM) return SIZE_MAX;
    const int sharing = std::max(caches_.sharing[l], 1);
    return caches_.size[l] * (size_t)((threads + sharing - 1) / sharing);
}

Level Roofline::level_of(uint64_t bytes, int threads) const {
    for (int l = L1; l < DRAM; ++l)
        if (caches_.size[l] && bytes <= capacity((Level)l, threads)) return (Level)l;
    return DRAM;
}

void Roofline::measure(const std::vector<int> &thread_counts, bool quick) {
    caches_ = detect_caches();
    threads_ = thread_counts;
    bw_.assign(threads_.size() * kLevels, Bandwidth());
    for (size_t ti = 0; ti < threads_.size(); ++ti) {
        const int t = threads_[ti];
        size_t previous = 0;
        for (int l = L1; l <= DRAM; ++l) {
            Bandwidth &b = bw_[ti * kLevels + l];
            size_t footprint;
            if (l == DRAM) {
                footprint = std::max<size_t>(4 * previous, (size_t)128 << 20);
            } else if (!caches_.size[l]) {
                continue;  // absent level: filled from the next one below
            } else {
                const size_t cap = capacity((Level)l, t);
                footprint = previous ? (size_t)std::sqrt((double)previous * (double)cap) : cap / 2;
                previous = cap;
            }
            b.footprint = footprint;
            b.read = probe(ProbeKind::Read, footprint, t, quick);
            b.copy = probe(ProbeKind::Copy, footprint, t, quick);
            b.write = probe(ProbeKind::Write, footprint, t, quick);
        }
        for (int l = L3; l >= L1; --l)
            if (!caches_.size[l]) bw_[ti * kLevels + l] = bw_[ti * kLevels + l + 1];
    }
    // What is reachable is monotone: more threads can always do what fewer do, and a working set that fits a
    // smaller level can always go as fast as one in a larger level. Enforcing it keeps a probe that a noisy
    // machine spoiled from lowering a floor below what another probe proved reachable.
    for (size_t ti = 0; ti < threads_.size(); ++ti)
        for (int l = DRAM; l >= L1; --l) {
            Bandwidth &b = bw_[ti * kLevels + l];
            auto raise = [&b](const Bandwidth &o) {
                b.read = std::max(b.read, o.read), b.copy = std::max(b.copy, o.copy);
                b.write = std::max(b.write, o.write);
            };
            if (ti > 0) raise(bw_[(ti - 1) * kLevels + l]);
            if (l < DRAM) raise(bw_[ti * kLevels + l + 1]);
        }
}

const Bandwidth &Roofline::at(Level l, int threads) const {
    size_t ti = 0;
    for (size_t i = 0; i < threads_.size(); ++i)
        if (threads_[i] <= threads) ti = i;  // the largest measured thread count not above `threads`
    return bw_[ti * kLevels + l];
}

double Roofline::floor_bandwidth(Level l, int threads, uint64_t bytes_read, uint64_t bytes_written) const {
    const Bandwidth &b = at(l, threads);
    if (b.read <= 0 || b.copy <= 0 || b.write <= 0) return 0;
    const double total = (double)bytes_read + (double)bytes_written;
    const double f = total > 0 ? (double)bytes_read / total : 1.0;  // share of bytes read
    const double tr = 1 / b.read, tc = 1 / b.copy, tw = 1 / b.write;  // seconds per byte
    const double t = f >= 0.5 ? tc + (tr - tc) * (f - 0.5) / 0.5 : tw + (tc - tw) * f / 0.5;
    return 1 / t;
}

std::string Roofline::table() const {
    std::string s;
    char line[256];
    std::snprintf(line, sizeof line, "caches (%s): L1d %zu KiB per %d CPU(s), L2 %zu KiB per %d, L3 %zu KiB per %d\n",
                  caches_.source.c_str(), caches_.size[0] >> 10, caches_.sharing[0], caches_.size[1] >> 10,
                  caches_.sharing[1], caches_.size[2] >> 10, caches_.sharing[2]);
    s += line;
    s += "bandwidth GB/s  (read / copy / write; probe footprint)\n";
    for (size_t ti = 0; ti < threads_.size(); ++ti) {
        std::snprintf(line, sizeof line, "  threads:%d", threads_[ti]);
        s += line;
        for (int l = L1; l <= DRAM; ++l) {
            const Bandwidth &b = bw_[ti * kLevels + l];
            std::snprintf(line, sizeof line, "  %s %.0f/%.0f/%.0f (%.3g MiB)", level_name((Level)l), b.read * 1e-9,
                          b.copy * 1e-9, b.write * 1e-9, (double)b.footprint / 1048576.0);
            s += line;
        }
        s += "\n";
    }
    return s;
}

}  // namespace spbench
