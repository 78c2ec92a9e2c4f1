// Helpers for the tests of the rest of the op set (fractional, unpool, spp, roi): error expectations, layout
// conversion, and a finite-difference gradient check on plain functions. Builds on test_util.h.
#ifndef SIMDPOOL_TESTS_OPS_TEST_UTIL_H
#define SIMDPOOL_TESTS_OPS_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "test_util.h"

namespace opstest {

using sptest::PlanPtr;

// Expects `status` and a last-error message containing every one of `fragments`.
inline void expect_error(simdpool_status status, simdpool_status want, const std::vector<std::string> &fragments) {
    EXPECT_EQ(status, want) << "got " << simdpool_status_string(status) << ": " << simdpool_last_error();
    const std::string message = simdpool_last_error();
    for (const auto &f : fragments)
        EXPECT_NE(message.find(f), std::string::npos) << "message \"" << message << "\" lacks \"" << f << "\"";
}

// NCHW <-> NHWC for n images of c planes of `plane` pixels.
template <typename T>
std::vector<T> to_nhwc(const std::vector<T> &src, int64_t n, int64_t c, int64_t plane) {
    std::vector<T> dst(src.size());
    for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t s = 0; s < plane; ++s)
                dst[size_t((b * plane + s) * c + ch)] = src[size_t((b * c + ch) * plane + s)];
    return dst;
}

template <typename T>
std::vector<T> to_nchw(const std::vector<T> &src, int64_t n, int64_t c, int64_t plane) {
    std::vector<T> dst(src.size());
    for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t s = 0; s < plane; ++s)
                dst[size_t((b * c + ch) * plane + s)] = src[size_t((b * plane + s) * c + ch)];
    return dst;
}

inline const char *layout_name(simdpool_layout l) { return l == SIMDPOOL_NHWC ? "NHWC" : "NCHW"; }

// Central differences of L(x) = sum(w * f(x)) against the analytic gradient `dx` (of dy = w), element by
// element: |fd - dx| <= 1e-2 * max(|fd|, |dx|) + 1e-3. f must be smooth around x (callers choose inputs so that
// no argmax flips and no sample crosses a pixel boundary within eps).
inline void expect_gradient(const std::function<std::vector<float>(const std::vector<float> &)> &f,
                            const std::vector<float> &x, const std::vector<float> &w, const std::vector<float> &dx,
                            float eps = 1e-2f) {
    ASSERT_EQ(dx.size(), x.size());
    auto loss = [&](const std::vector<float> &xv) {
        const std::vector<float> y = f(xv);
        double l = 0.0;
        for (size_t i = 0; i < y.size(); ++i) l += double(w[i]) * double(y[i]);
        return l;
    };
    std::vector<float> xp = x;
    size_t bad = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        const float x0 = x[i];
        xp[i] = x0 + eps;
        const float hi = xp[i];
        const double lp = loss(xp);
        xp[i] = x0 - eps;
        const float lo = xp[i];
        const double lm = loss(xp);
        xp[i] = x0;
        const double fd = (lp - lm) / (double(hi) - double(lo));
        const double an = dx[i];
        if (!(std::fabs(fd - an) <= 1e-2 * std::max(std::fabs(fd), std::fabs(an)) + 1e-3) && bad++ < 5)
            ADD_FAILURE() << "dx[" << i << "] = " << an << " but the finite difference gives " << fd << " (x = " << x0
                          << ")";
    }
    EXPECT_EQ(bad, 0u) << "elements whose gradient disagrees with finite differences";
}

// All layouts, for loops.
inline const std::vector<simdpool_layout> &layouts() {
    static const std::vector<simdpool_layout> l = {SIMDPOOL_NCHW, SIMDPOOL_NHWC};
    return l;
}

}  // namespace opstest

#endif  // SIMDPOOL_TESTS_OPS_TEST_UTIL_H
