// The naive loops (the textbook baseline, single-threaded) and simdpool with each ISA forced through
// simdpool_options.max_isa. A row's label is the kernel that actually ran (simdpool_plan_kernel_name), so a
// fallback to a lower ISA is visible.
#include <string>

#include "bench.h"
#include "naive_pool.h"

namespace spbench {

namespace {

class NaiveRunner : public Runner {
   public:
    std::string prepare(Problem &p, int) override {
        p_ = &p;
        out_.resize(p.result_count());
        return "";
    }
    void run() override {
        Problem &p = *p_;
        if (is_op(p.w->kind)) {
            run_op_naive(p, out_.data());
            return;
        }
        const bool routed = p.w->algorithm == SIMDPOOL_MAX || p.w->algorithm == SIMDPOOL_MIN;
        if (p.w->direction == Direction::Forward) {
            if (p.is_adaptive)
                naive_adaptive_forward(&p.adaptive, p.x.data(), out_.data(), nullptr);
            else
                naive_pool_forward(&p.pool, p.x.data(), out_.data(), nullptr);
        } else {
            const int64_t *idx = routed ? p.idx.data() : nullptr;
            if (p.is_adaptive)
                naive_adaptive_backward(&p.adaptive, p.dy.data(), idx, out_.data());
            else
                naive_pool_backward(&p.pool, p.dy.data(), idx, p.x.data(), p.y.data(), out_.data());
        }
    }
    const float *result() override { return out_.data(); }
    std::string label() const override { return "naive"; }

   private:
    Problem *p_ = nullptr;
    Buffer<float> out_;
};

bool native(simdpool_isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
    return isa != SIMDPOOL_ISA_NEON;  // NEON on x86-64 is the simde translation, for tests
#else
    (void)isa;
    return true;
#endif
}

class SimdpoolRunner : public Runner {
   public:
    SimdpoolRunner(simdpool_isa isa, bool include_emulated) : isa_(isa), include_emulated_(include_emulated) {}
    ~SimdpoolRunner() override { simdpool_plan_destroy(plan_); }

    std::string prepare(Problem &p, int threads) override {
        p_ = &p;
        if (!simdpool_isa_available(isa_))
            return std::string("skipped: this CPU cannot run ") + simdpool_isa_name(isa_) + " (its best is " +
                   simdpool_isa_name(simdpool_cpu_isa()) + ")";
        if (!native(isa_) && !include_emulated_)
            return std::string("skipped: ") + simdpool_isa_name(isa_) +
                   " runs here only as the simde translation (not a native variant; --simdpool_emulated times it)";
        simdpool_options o;
        simdpool_options_init(&o);
        o.max_isa = isa_;
        o.num_threads = threads;
        const simdpool_status st = is_op(p.w->kind) ? create_op_plan(p, o, &plan_)
                                   : p.is_adaptive  ? simdpool_plan_create_adaptive(&p.adaptive, &o, &plan_)
                                                    : simdpool_plan_create_pool(&p.pool, &o, &plan_);
        if (st != SIMDPOOL_OK) return std::string("plan refused: ") + simdpool_last_error();
        backward_ = p.w->direction == Direction::Backward;
        const char *name = nullptr;
        if (simdpool_plan_kernel_name(plan_, backward_ ? 1 : 0, &name) == SIMDPOOL_OK && name) label_ = name;
        out_.resize(p.result_count());
        return "";
    }
    void run() override {
        Problem &p = *p_;
        if (is_op(p.w->kind))
            status_ = run_op_plan(plan_, p, out_.data());
        else if (!backward_)
            status_ = simdpool_forward(plan_, p.x.data(), out_.data(), nullptr);
        else
            status_ = simdpool_backward(plan_, p.dy.data(), p.idx.size() ? p.idx.data() : nullptr, p.x.data(),
                                        p.y.data(), out_.data());
    }
    const float *result() override { return status_ == SIMDPOOL_OK ? out_.data() : nullptr; }
    std::string failure() const override {
        if (status_ == SIMDPOOL_OK) return "";
        return std::string(simdpool_status_string(status_)) + ": " + simdpool_last_error();
    }
    std::string label() const override { return label_; }

   private:
    simdpool_isa isa_;
    bool include_emulated_;
    Problem *p_ = nullptr;
    simdpool_plan *plan_ = nullptr;
    bool backward_ = false;
    simdpool_status status_ = SIMDPOOL_OK;
    std::string label_ = "?";
    Buffer<float> out_;
};

}  // namespace

void add_naive_and_simdpool_impls(std::vector<Impl> &impls, bool include_emulated) {
    Impl naive;
    naive.name = "naive";
    naive.multithreaded = false;
    naive.supports = [](const Workload &, simdpool_layout) { return true; };
    naive.make = [] { return std::unique_ptr<Runner>(new NaiveRunner); };
    impls.push_back(naive);
    for (simdpool_isa isa : {SIMDPOOL_ISA_SCALAR, SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_NEON}) {
        Impl s;
        s.name = simdpool_isa_name(isa);
        s.simdpool = true;
        s.supports = [](const Workload &, simdpool_layout) { return true; };
        s.make = [isa, include_emulated] { return std::unique_ptr<Runner>(new SimdpoolRunner(isa, include_emulated)); };
        impls.push_back(s);
    }
}

}  // namespace spbench
