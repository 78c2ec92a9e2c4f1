// oneDNN rows (C API; Debian's libdnnl-dev, built with OpenMP): `onednn` in the problem's plain layout
// (nchw/nhwc, ncw/nwc, ncdhw/ndhwc) and `onednn_blocked` in oneDNN's preferred blocked layout (nChw16c with
// AVX-512, nChw8c otherwise; NCHW problems only). Primitives are created once per row setup; only execution
// is timed. Inputs are reordered into the blocked layout and results back to the plain one outside the timed
// region. MAX backward uses the workspace of a forward-training run made during setup.
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <omp.h>

#include <string>
#include <vector>

#include "bench.h"

namespace spbench {

namespace {

dnnl_engine_t engine() {
    static dnnl_engine_t e = [] {
        dnnl_engine_t x = nullptr;
        if (dnnl_engine_create(&x, dnnl_cpu, 0) != dnnl_success) x = nullptr;
        return x;
    }();
    return e;
}

dnnl_stream_t stream() {
    static dnnl_stream_t s = [] {
        dnnl_stream_t x = nullptr;
        if (!engine() || dnnl_stream_create(&x, engine(), dnnl_stream_default_flags) != dnnl_success) x = nullptr;
        return x;
    }();
    return s;
}

int preferred_block() {
    const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return ((unsigned)isa & (unsigned)dnnl_cpu_isa_avx512_core) == (unsigned)dnnl_cpu_isa_avx512_core ? 16 : 8;
}

dnnl_format_tag_t plain_tag(int ndims, simdpool_layout layout) {
    const bool last = layout == SIMDPOOL_NHWC;
    switch (ndims) {
    case 3: return last ? dnnl_nwc : dnnl_ncw;
    case 4: return last ? dnnl_nhwc : dnnl_nchw;
    default: return last ? dnnl_ndhwc : dnnl_ncdhw;
    }
}

dnnl_format_tag_t blocked_tag(int ndims, int block) {
    switch (ndims) {
    case 3: return block == 16 ? dnnl_nCw16c : dnnl_nCw8c;
    case 4: return block == 16 ? dnnl_nChw16c : dnnl_nChw8c;
    default: return block == 16 ? dnnl_nCdhw16c : dnnl_nCdhw8c;
    }
}

// The usual spelling of a format tag, e.g. "nhwc" or "nChw16c" (dnnl_fmt_tag2str says "acdb", "aBcd16b").
std::string tag_label(int ndims, simdpool_layout layout, int block) {
    static const char *const plain_nc[] = {"ncw", "nchw", "ncdhw"}, *const plain_nl[] = {"nwc", "nhwc", "ndhwc"};
    static const char *const blocked[] = {"nCw", "nChw", "nCdhw"};
    const int i = ndims - 3;
    if (block) return std::string(blocked[i]) + std::to_string(block) + "c";
    return layout == SIMDPOOL_NHWC ? plain_nl[i] : plain_nc[i];
}

std::string fail(const char *what, dnnl_status_t st) {
    return std::string("oneDNN: ") + what + " failed: " + dnnl_status2str(st);
}

#define DNNL_TRY(call)                                  \
    do {                                                \
        const dnnl_status_t st_ = (call);               \
        if (st_ != dnnl_success) return fail(#call, st_); \
    } while (0)

class OnednnRunner : public Runner {
   public:
    explicit OnednnRunner(bool blocked) : blocked_(blocked) {}
    ~OnednnRunner() override {
        for (dnnl_primitive_t p : prims_) dnnl_primitive_destroy(p);
        for (dnnl_primitive_desc_t pd : pds_) dnnl_primitive_desc_destroy(pd);
        for (dnnl_memory_t m : mems_) dnnl_memory_destroy(m);
    }

    std::string prepare(Problem &p, int threads) override {
        p_ = &p;
        if (!engine() || !stream()) return "oneDNN: no CPU engine";
        if (!p.window.ok) return "oneDNN: no sliding-window equivalent: " + p.window.why_not;
        // Debian's oneDNN uses OpenMP: the thread count is OpenMP's, read when primitives are made and run.
        omp_set_num_threads(threads);
        const WindowSpec &ws = p.window;
        const int nd = 2 + ws.dims;
        dnnl_dims_t src_dims = {p.w->n, p.w->c}, dst_dims = {p.w->n, p.w->c};
        dnnl_dims_t strides, kernel, dilation, pad_l, pad_r;
        for (int i = 0; i < ws.dims; ++i) {
            src_dims[2 + i] = ws.in[i], dst_dims[2 + i] = ws.out[i];
            strides[i] = ws.stride[i], kernel[i] = ws.kernel[i], dilation[i] = ws.dilation[i] - 1;  // 0 = none
            pad_l[i] = ws.pad_begin[i], pad_r[i] = ws.pad_end[i];
        }
        const dnnl_format_tag_t plain = plain_tag(nd, p.layout);
        const dnnl_format_tag_t tag = blocked_ ? blocked_tag(nd, preferred_block()) : plain;
        tag_name_ = tag_label(nd, p.layout, blocked_ ? preferred_block() : 0);
        dnnl_memory_desc_t src_md, dst_md, src_plain, dst_plain;
        DNNL_TRY(dnnl_memory_desc_init_by_tag(&src_md, nd, src_dims, dnnl_f32, tag));
        DNNL_TRY(dnnl_memory_desc_init_by_tag(&dst_md, nd, dst_dims, dnnl_f32, tag));
        DNNL_TRY(dnnl_memory_desc_init_by_tag(&src_plain, nd, src_dims, dnnl_f32, plain));
        DNNL_TRY(dnnl_memory_desc_init_by_tag(&dst_plain, nd, dst_dims, dnnl_f32, plain));
        const dnnl_alg_kind_t alg = p.w->algorithm == SIMDPOOL_MAX ? dnnl_pooling_max
                                    : (p.w->count_include_pad && !p.is_adaptive) ? dnnl_pooling_avg_include_padding
                                                                                 : dnnl_pooling_avg_exclude_padding;
        backward_ = p.w->direction == Direction::Backward;

        dnnl_pooling_v2_desc_t fd;
        DNNL_TRY(dnnl_pooling_v2_forward_desc_init(&fd, backward_ ? dnnl_forward_training : dnnl_forward_inference,
                                                   alg, &src_md, &dst_md, strides, kernel, dilation, pad_l, pad_r));
        dnnl_primitive_desc_t fpd = nullptr;
        DNNL_TRY(dnnl_primitive_desc_create(&fpd, &fd, nullptr, engine(), nullptr));
        pds_.push_back(fpd);
        dnnl_primitive_t fwd = nullptr;
        DNNL_TRY(dnnl_primitive_create(&fwd, fpd));
        prims_.push_back(fwd);
        impl_ = impl_name(fpd);

        // Source (and destination) memory: the problem's buffers directly in the plain layout; own buffers,
        // filled by a reorder, in the blocked one.
        dnnl_memory_t src = nullptr, dst = nullptr, ws_mem = nullptr;
        DNNL_TRY(make_memory(src_md, blocked_ ? nullptr : p.x.data(), &src));
        if (blocked_) {
            const std::string err = reorder(src_plain, p.x.data(), src);
            if (!err.empty()) return err;
        }
        DNNL_TRY(make_memory(dst_md, nullptr, &dst));
        if (const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(fpd, dnnl_query_workspace_md, 0))
            if (wmd->ndims > 0) DNNL_TRY(make_memory(*wmd, nullptr, &ws_mem));

        result_plain_ = dst_plain;
        if (!backward_) {
            args_ = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
            if (ws_mem) args_.push_back({DNNL_ARG_WORKSPACE, ws_mem});
            exec_ = fwd;
            result_mem_ = dst;
            out_.resize(p.out_count);
            return "";
        }

        // Backward: a forward-training run fills the workspace (argmax) once, untimed.
        std::vector<dnnl_exec_arg_t> fargs = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
        if (ws_mem) fargs.push_back({DNNL_ARG_WORKSPACE, ws_mem});
        DNNL_TRY(dnnl_primitive_execute(fwd, stream(), (int)fargs.size(), fargs.data()));
        DNNL_TRY(dnnl_stream_wait(stream()));
        dnnl_pooling_v2_desc_t bd;
        DNNL_TRY(dnnl_pooling_v2_backward_desc_init(&bd, alg, &src_md, &dst_md, strides, kernel, dilation, pad_l,
                                                    pad_r));
        dnnl_primitive_desc_t bpd = nullptr;
        DNNL_TRY(dnnl_primitive_desc_create(&bpd, &bd, nullptr, engine(), fpd));
        pds_.push_back(bpd);
        dnnl_primitive_t bwd = nullptr;
        DNNL_TRY(dnnl_primitive_create(&bwd, bpd));
        prims_.push_back(bwd);
        impl_ = impl_name(bpd);
        dnnl_memory_t ddst = nullptr, dsrc = nullptr;
        DNNL_TRY(make_memory(dst_md, blocked_ ? nullptr : p.dy.data(), &ddst));
        if (blocked_) {
            const std::string err = reorder(dst_plain, p.dy.data(), ddst);
            if (!err.empty()) return err;
        }
        DNNL_TRY(make_memory(src_md, nullptr, &dsrc));
        args_ = {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_DIFF_SRC, dsrc}};
        if (ws_mem) args_.push_back({DNNL_ARG_WORKSPACE, ws_mem});
        exec_ = bwd;
        result_mem_ = dsrc;
        result_plain_ = src_plain;
        out_.resize(p.in_count);
        return "";
    }

    void run() override {
        status_ = dnnl_primitive_execute(exec_, stream(), (int)args_.size(), args_.data());
        if (status_ == dnnl_success) status_ = dnnl_stream_wait(stream());
    }

    const float *result() override {
        if (status_ != dnnl_success) return nullptr;
        // Copy (plain) or reorder (blocked) the result into the problem's layout.
        dnnl_memory_t plain = nullptr;
        if (dnnl_memory_create(&plain, &result_plain_, engine(), out_.data()) != dnnl_success) return nullptr;
        const std::string err = reorder_into(result_mem_, plain);
        dnnl_memory_destroy(plain);
        return err.empty() ? out_.data() : nullptr;
    }

    std::string failure() const override {
        return status_ == dnnl_success ? "" : std::string("oneDNN execute: ") + dnnl_status2str(status_);
    }
    std::string label() const override { return "onednn " + impl_ + " " + tag_name_; }

   private:
    static std::string impl_name(const_dnnl_primitive_desc_t pd) {
        const char *info = nullptr;
        if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) != dnnl_success || !info) return "?";
        return info;
    }

    dnnl_status_t make_memory(const dnnl_memory_desc_t &md, const float *handle, dnnl_memory_t *mem) {
        void *ptr = const_cast<float *>(handle);
        if (!ptr) {
            own_.emplace_back(dnnl_memory_desc_get_size(&md) / sizeof(float) + 1);
            ptr = own_.back().data();
        }
        const dnnl_status_t st = dnnl_memory_create(mem, &md, engine(), ptr);
        if (st == dnnl_success) mems_.push_back(*mem);
        return st;
    }

    // Reorders a plain buffer into `to` (untimed setup).
    std::string reorder(const dnnl_memory_desc_t &from_md, const float *from, dnnl_memory_t to) {
        dnnl_memory_t src = nullptr;
        DNNL_TRY(dnnl_memory_create(&src, &from_md, engine(), const_cast<float *>(from)));
        const std::string err = reorder_into(src, to);
        dnnl_memory_destroy(src);
        return err;
    }

    static std::string reorder_into(dnnl_memory_t from, dnnl_memory_t to) {
        const dnnl_memory_desc_t *fmd = nullptr, *tmd = nullptr;
        DNNL_TRY(dnnl_memory_get_memory_desc(from, &fmd));
        DNNL_TRY(dnnl_memory_get_memory_desc(to, &tmd));
        dnnl_primitive_desc_t pd = nullptr;
        DNNL_TRY(dnnl_reorder_primitive_desc_create(&pd, fmd, engine(), tmd, engine(), nullptr));
        dnnl_primitive_t r = nullptr;
        dnnl_status_t st = dnnl_primitive_create(&r, pd);
        if (st == dnnl_success) {
            dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
            st = dnnl_primitive_execute(r, stream(), 2, args);
            if (st == dnnl_success) st = dnnl_stream_wait(stream());
            dnnl_primitive_destroy(r);
        }
        dnnl_primitive_desc_destroy(pd);
        return st == dnnl_success ? "" : fail("reorder", st);
    }

    bool blocked_;
    bool backward_ = false;
    Problem *p_ = nullptr;
    std::string impl_ = "?", tag_name_;
    std::vector<dnnl_primitive_t> prims_;
    std::vector<dnnl_primitive_desc_t> pds_;
    std::vector<dnnl_memory_t> mems_;
    std::vector<Buffer<float>> own_;
    std::vector<dnnl_exec_arg_t> args_;
    dnnl_primitive_t exec_ = nullptr;
    dnnl_memory_t result_mem_ = nullptr;
    dnnl_memory_desc_t result_plain_{};
    dnnl_status_t status_ = dnnl_success;
    Buffer<float> out_;
};

bool onednn_supports(const Workload &w) {
    return (w.algorithm == SIMDPOOL_MAX || w.algorithm == SIMDPOOL_AVG) && has_fixed_window(w);
}

}  // namespace

std::string add_onednn_impls(std::vector<Impl> &impls) {
    if (!engine()) return "oneDNN found but no CPU engine could be created: onednn rows dropped";
    Impl plain;
    plain.name = "onednn";
    plain.supports = [](const Workload &w, simdpool_layout) { return onednn_supports(w); };
    plain.make = [] { return std::unique_ptr<Runner>(new OnednnRunner(false)); };
    impls.push_back(plain);
    Impl blocked;
    blocked.name = "onednn_blocked";
    blocked.supports = [](const Workload &w, simdpool_layout l) { return l == SIMDPOOL_NCHW && onednn_supports(w); };
    blocked.make = [] { return std::unique_ptr<Runner>(new OnednnRunner(true)); };
    impls.push_back(blocked);
    return "";
}

std::string onednn_version() {
    const dnnl_version_t *v = dnnl_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
           " (preferred block " + std::to_string(preferred_block()) + ")";
}

}  // namespace spbench
