/*
 * NCHW max/min forward without indices, vertical first: a template included once per vector width (see
 * nchw_extremum_fast_v8.h for the 8-lane instantiation, kernels/avx512/maxpool_nchw.c for the 16-lane one).
 *
 * Per output row, the tap rows are first reduced vertically, column by column (full-width loads and one
 * vmaxps per tap row, no shuffles), into a row buffer on the stack; columns outside the input row, and the
 * buffer's slack past the last needed column, hold the worst value (-inf for max), which never changes a
 * result. One horizontal pass over that single buffer row then reduces the W taps: stride 1 with unaligned
 * loads, stride 2 with one deinterleave per tap instead of one per tap and tap row, and kernel 4 / stride 4
 * by folding each 128-bit lane (one window) in a 4x4 transpose.
 *
 * That order (columns of the window first, then across) and the plain vmaxps differ from the reference's
 * row-major scan only where the result would show it: the reference keeps the first of equal values and the
 * last NaN. Among values that compare equal only +0 and -0 have different bits, and the order never matters
 * otherwise. So a row is exact unless a tap it reads is NaN or one of its outputs is zero; both are flagged
 * on the way (an unordered compare per pair of loaded tap vectors, an equal-to-zero compare per output
 * vector), and a flagged row returns false so that the caller recomputes it with the exact kernel, which
 * overwrites everything this wrote. Windows must hold at least one input element (the caller checks).
 *
 * 2x2/2 and 3x3/2 (the common CNN windows) skip the buffer: their rows stream, the vertical results of a block
 * kept in registers and deinterleaved there (see stream_row); the same flags keep them exact. Plans whose
 * windows are 2-D (one D tap per output depth) run a whole plane of such rows per call (stream_plane), 3x3/2
 * two rows per pass where they share a tap row. A left padding of less than a vector enters the carried block
 * loop by a permute of the vector at column 0, so 3x3/2 p1 rows (the ResNet stem) have no masked block.
 *
 * Which plans take it: sp_fast_plan_make (by measurement, not every plan that could).
 *
 * The includer defines, for vectors of FV_L floats:
 *   FV_NAME(n)                    a prefix for this instantiation's functions
 *   fvec, fvflag                  the vector type and an accumulator of flags
 *   fv_loadu, fv_storeu           unaligned load and store
 *   fv_store_first(p, v, n)       stores lanes [0, n)
 *   fv_load_cols(fill, p, lo, hi) lanes [lo, hi) from p, `fill` elsewhere, never reading the others
 *   fv_set1, fv_max, fv_min       vmaxps(a, b) is `a > b ? a : b`
 *   fv_even(lo, hi), fv_odd(lo, hi)  the even or odd columns of the 2*FV_L columns lo:hi, in vshufps's order
 *   fv_from_pairs(v)              vshufps's order back to natural order
 *   fv_from_quads(v)              the 4x4 transpose's order (see quad_block) back to natural order
 *   fv_even_nat(lo, hi), fv_odd_nat(lo, hi)  the even or odd columns of lo:hi in natural order
 *   FV_DEINTERLEAVE_ONE_OP        (optional) defined when those take one operation each
 *   fv_next1(v, n)                lanes v[1..FV_L), then n[0]
 *   fv_next1_last(v, n)           lanes v[1..FV_L), then n[FV_L - 1]
 *   fv_shift_in(fill, v, s)       lanes [0, s) `fill`, then v[0..FV_L - s) (0 < s < FV_L)
 *   fv_flag_none(), fv_flag_unord(f, a, b) (a or b NaN), fv_flag_zero(f, v, n) (a zero in lanes [0, n)),
 *   fv_flag_any(f)
 */

#ifndef SP_NCHW_EXTREMUM_FAST_COMMON
#define SP_NCHW_EXTREMUM_FAST_COMMON

/* How the horizontal pass reads its taps from the row buffer. */
enum { SP_FAST_NONE = 0, SP_FAST_S1 = 1, SP_FAST_S2 = 2, SP_FAST_K4S4 = 3 };

/* Row buffer: enough for a 4096-column chunk plus the window's reach past it and a vector of slack. */
enum { SP_FAST_BUF = 4096 + 1024 + 64, SP_FAST_MAX_OUT_CHUNK = 2048, SP_FAST_MAX_REACH = 1024 };

typedef struct sp_fast_plan {
    int hmode;                 /* SP_FAST_*; NONE: the plan does not qualify */
    int64_t K, S, dw, shift;   /* window o's W taps are columns o*S + shift + j*dw, j < K, inside [0, W) */
    int64_t W, out_w;
    int64_t chunk;             /* output columns per buffer fill (a multiple of 16) */
    bool stream;               /* K 2 or 3, stride 2, no dilation: the buffer-free streaming rows */
    int64_t hi_col;            /* streaming: one past the last input column any window reads */
} sp_fast_plan;

/* Whether a plan's W geometry suits the fast path: sliding or uniform adaptive windows of stride 1 or 2
   (any kernel width and dilation) or kernel 4 / stride 4, every window holding at least one column, and the
   window's reach small enough for the row buffer. D and H are checked per row (empty tap-row sets). */
static inline sp_fast_plan sp_fast_plan_make(const sp_pool_geometry *g, int64_t K, int64_t S, int64_t dw,
                                             int64_t shift, int64_t full_begin, int64_t full_end, bool table)
{
    sp_fast_plan f;
    memset(&f, 0, sizeof f);
    f.hmode = SP_FAST_NONE;
    if (table || K < 1 || (K - 1) * dw >= SP_FAST_MAX_REACH) return f;
    const int64_t out_w = g->out[2];
    for (int64_t o = 0; o < out_w; ++o)
        if (g->taps[2][o] < 1) return f;
    if ((K == 2 || K == 3) && S == 2 && dw == 1) { /* every row width, clipped borders or not */
        f.hmode = SP_FAST_S2;
        f.stream = true;
        f.K = K;
        f.S = S;
        f.dw = dw;
        f.shift = shift;
        f.W = g->in[2];
        f.out_w = out_w;
        f.hi_col = shift + S * (out_w - 1) + K < f.W ? shift + S * (out_w - 1) + K : f.W;
        return f;
    }
    /* Measured on Zen 4, where the exact kernel stays faster than the buffered path: short rows with no clipped border column (the
       buffer's per-row cost is not repaid; clipped columns cost the exact kernel a scalar scan each). */
    if (out_w < 32 && full_begin == 0 && full_end == out_w) return f;
    if (S == 1) f.hmode = SP_FAST_S1;
    else if (S == 2) f.hmode = SP_FAST_S2;
    else if (S == 4 && K == 4 && dw == 1) f.hmode = SP_FAST_K4S4;
    else return f;
    f.K = K;
    f.S = S;
    f.dw = dw;
    f.shift = shift;
    f.W = g->in[2];
    f.out_w = out_w;
    f.chunk = S == 1 ? SP_FAST_MAX_OUT_CHUNK * 2 : S == 2 ? SP_FAST_MAX_OUT_CHUNK : SP_FAST_MAX_OUT_CHUNK / 2;
    return f;
}

/* Whether a streaming plan runs whole planes (stream_plane): every output depth reads one input depth, so its
   output rows form a 2-D plane of 2-D windows. */
static inline bool sp_fast_stream_planes(const sp_fast_plan *f, const sp_pool_geometry *g)
{
    if (!f->stream) return false;
    for (int64_t od = 0; od < g->out[0]; ++od)
        if (g->taps[0][od] != 1) return false;
    return true;
}

enum { SP_FAST_MAX_ROWS = 64 };

/* The tap rows of one output row (D taps outer, H taps inner: nd x nh rows, sd and sh apart, the first at x),
   or 0 when there are none or more than SP_FAST_MAX_ROWS. */
static inline int sp_fast_tap_rows(const float *x, int64_t nd, int64_t nh, int64_t sd, int64_t sh,
                                   const float **rows)
{
    if (nd < 1 || nh < 1 || nd * nh > SP_FAST_MAX_ROWS) return 0;
    if (nd == 1 && nh <= 3) { /* 2-D windows up to 3 high: straight-line, this runs once per output row */
        rows[0] = x;
        rows[1] = x + sh;
        rows[2] = x + 2 * sh;
        return (int)nh;
    }
    int nr = 0;
    for (int64_t jd = 0; jd < nd; ++jd)
        for (int64_t jh = 0; jh < nh; ++jh) rows[nr++] = x + jd * sd + jh * sh;
    return nr;
}

#endif /* SP_NCHW_EXTREMUM_FAST_COMMON */

/* Buffer columns [k, k + FV_L) <- the vertical max/min of the nr tap rows at input columns c0 + k + lane,
   lanes outside [lo, hi) (input columns outside the row or the chunk) the worst value. */
SP_KERNEL_INLINE fvec FV_NAME(vertical)(const float *const *rows, int nr, int64_t col, int64_t lo, int64_t hi,
                                 fvec fill, bool is_min, fvflag *flag)
{
    fvec m, a, b;
    const bool inside = lo <= 0 && hi >= FV_L;
    int r = 0;
    if (nr & 1) {
        m = inside ? fv_loadu(rows[0] + col) : fv_load_cols(fill, rows[0] + col, lo, hi);
        *flag = fv_flag_unord(*flag, m, m);
        r = 1;
    } else {
        a = inside ? fv_loadu(rows[0] + col) : fv_load_cols(fill, rows[0] + col, lo, hi);
        b = inside ? fv_loadu(rows[1] + col) : fv_load_cols(fill, rows[1] + col, lo, hi);
        *flag = fv_flag_unord(*flag, a, b);
        m = is_min ? fv_min(a, b) : fv_max(a, b);
        r = 2;
    }
    for (; r < nr; r += 2) {
        a = inside ? fv_loadu(rows[r] + col) : fv_load_cols(fill, rows[r] + col, lo, hi);
        b = inside ? fv_loadu(rows[r + 1] + col) : fv_load_cols(fill, rows[r + 1] + col, lo, hi);
        *flag = fv_flag_unord(*flag, a, b);
        m = is_min ? fv_min(fv_min(a, b), m) : fv_max(fv_max(a, b), m);
    }
    return m;
}

/* Fills buf[0, n) with the vertical reduction of input columns [c0, c0 + n) (clipped to [0, W)): masked
   vectors where the columns leave the readable range, plain loads in between. */
SP_KERNEL_INLINE void FV_NAME(vertical_loop)(const float *const *rows, int nr, int64_t c0, int64_t n, int64_t W, float *buf,
                                      fvec fill, bool is_min, fvflag *flag)
{
    const int64_t lo_col = c0 < 0 ? 0 : c0, hi_col = c0 + n > W ? W : c0 + n; /* readable input columns */
    int64_t k = 0;
    for (; k < n && c0 + k < lo_col; k += FV_L) {
        const int64_t col = c0 + k;
        fv_storeu(buf + k, FV_NAME(vertical)(rows, nr, col, lo_col - col, hi_col - col, fill, is_min, flag));
    }
    for (; c0 + k + FV_L <= hi_col; k += FV_L)
        fv_storeu(buf + k, FV_NAME(vertical)(rows, nr, c0 + k, 0, FV_L, fill, is_min, flag));
    for (; k < n; k += FV_L) {
        const int64_t col = c0 + k;
        fv_storeu(buf + k, FV_NAME(vertical)(rows, nr, col, lo_col - col, hi_col - col, fill, is_min, flag));
    }
}

SP_KERNEL_INLINE void FV_NAME(vertical_pass)(const float *const *rows, int nr, int64_t c0, int64_t n, int64_t W, float *buf,
                                   bool is_min, fvflag *flag)
{
    const fvec fill = fv_set1(is_min ? INFINITY : -INFINITY);
    if (nr == 1) FV_NAME(vertical_loop)(rows, 1, c0, n, W, buf, fill, is_min, flag);
    else if (nr == 2) FV_NAME(vertical_loop)(rows, 2, c0, n, W, buf, fill, is_min, flag);
    else if (nr == 3) FV_NAME(vertical_loop)(rows, 3, c0, n, W, buf, fill, is_min, flag);
    else FV_NAME(vertical_loop)(rows, nr, c0, n, W, buf, fill, is_min, flag);
}

SP_KERNEL_INLINE fvec FV_NAME(fold)(fvec a, fvec b, bool is_min) { return is_min ? fv_min(a, b) : fv_max(a, b); }

/* Outputs [o, o + FV_L) of a chunk from its row buffer (buf[0] = column of the chunk's first window). */
SP_KERNEL_INLINE fvec FV_NAME(horizontal)(const float *buf, int64_t o, int hmode, int64_t K, int64_t dw, bool is_min)
{
    if (hmode == SP_FAST_S1) {
        fvec m = fv_loadu(buf + o);
        for (int64_t j = 1; j < K; ++j) m = FV_NAME(fold)(m, fv_loadu(buf + o + j * dw), is_min);
        return m;
    }
    if (hmode == SP_FAST_S2) {
        const float *q = buf + 2 * o;
        const fvec lo0 = fv_loadu(q), hi0 = fv_loadu(q + FV_L);
        fvec m = fv_even(lo0, hi0);
        for (int64_t j = 1; j < K; ++j) {
            const int64_t off = j * dw, odd = off & 1;
            const float *p = q + off - odd;
            const fvec lo = off == 1 ? lo0 : fv_loadu(p), hi = off == 1 ? hi0 : fv_loadu(p + FV_L);
            m = FV_NAME(fold)(m, odd ? fv_odd(lo, hi) : fv_even(lo, hi), is_min);
        }
        return fv_from_pairs(m);
    }
    /* K4S4: each 128-bit lane of a loaded vector is one window; two rounds of vshufps pair up the columns. */
    const float *q = buf + 4 * o;
    fvec r[2];
    for (int h = 0; h < 2; ++h) {
        const fvec a = fv_loadu(q + 2 * h * FV_L), b = fv_loadu(q + (2 * h + 1) * FV_L);
        r[h] = FV_NAME(fold)(fv_even(a, b), fv_odd(a, b), is_min);
    }
    return fv_from_quads(FV_NAME(fold)(fv_even(r[0], r[1]), fv_odd(r[0], r[1]), is_min));
}

/* Outputs [0, n_out) of a chunk into y; flags a zero among them. */
SP_KERNEL_INLINE void FV_NAME(horizontal_loop)(const sp_pool_geometry *g, const float *buf, int64_t n_out, float *y,
                                        int hmode, int64_t K, int64_t dw, bool is_min, fvflag *flag)
{
    const fvec lo = fv_set1(g->clamp_min), hi = fv_set1(g->clamp_max);
    const bool clamp = g->clamp_output != 0;
    int64_t o = 0;
    for (; o + FV_L <= n_out; o += FV_L) {
        fvec v = FV_NAME(horizontal)(buf, o, hmode, K, dw, is_min);
        *flag = fv_flag_zero(*flag, v, FV_L);
        if (clamp) v = fv_min(hi, fv_max(lo, v)); /* operand order keeps a value equal to a bound, like sp_clamp */
        fv_storeu(y + o, v);
    }
    if (o < n_out && n_out >= FV_L) { /* the last full vector again, overlapping: masked stores are slow */
        o = n_out - FV_L;
        fvec v = FV_NAME(horizontal)(buf, o, hmode, K, dw, is_min);
        *flag = fv_flag_zero(*flag, v, FV_L);
        if (clamp) v = fv_min(hi, fv_max(lo, v));
        fv_storeu(y + o, v);
    } else if (o < n_out) {
        fvec v = FV_NAME(horizontal)(buf, o, hmode, K, dw, is_min);
        *flag = fv_flag_zero(*flag, v, n_out - o); /* lanes past n_out may read real columns: not ours to flag */
        if (clamp) v = fv_min(hi, fv_max(lo, v));
        fv_store_first(y + o, v, n_out - o);
    }
}

SP_KERNEL_INLINE void FV_NAME(horizontal_pass)(const sp_pool_geometry *g, const float *buf, int64_t n_out, float *y,
                                     int hmode, int64_t K, int64_t dw, bool is_min, fvflag *flag)
{
    if (hmode == SP_FAST_S2 && K == 2 && dw == 1)
        FV_NAME(horizontal_loop)(g, buf, n_out, y, SP_FAST_S2, 2, 1, is_min, flag);
    else if (hmode == SP_FAST_S2 && K == 3 && dw == 1)
        FV_NAME(horizontal_loop)(g, buf, n_out, y, SP_FAST_S2, 3, 1, is_min, flag);
    else if (hmode == SP_FAST_S1 && K == 3 && dw == 1)
        FV_NAME(horizontal_loop)(g, buf, n_out, y, SP_FAST_S1, 3, 1, is_min, flag);
    else if (hmode == SP_FAST_K4S4)
        FV_NAME(horizontal_loop)(g, buf, n_out, y, SP_FAST_K4S4, 4, 1, is_min, flag);
    else if (hmode == SP_FAST_S2)
        FV_NAME(horizontal_loop)(g, buf, n_out, y, SP_FAST_S2, K, dw, is_min, flag);
    else
        FV_NAME(horizontal_loop)(g, buf, n_out, y, SP_FAST_S1, K, dw, is_min, flag);
}

/* Streaming K = 2 or 3, stride 2 (no buffer): output block [o, o + FV_L) reads input columns c = 2*o + shift
   onwards as vectors A = [c, c + L), B = [c + L, c + 2L) and, for K = 3, N = [c + 2L, c + 3L), each the
   vertical reduction of the tap rows. Window i's taps are then even(A,B)[i], odd(A,B)[i] and (K = 3) the even
   column one further, even(A,B) shifted down a lane with N's first column entering at the top. N is the next
   block's A, so a run of blocks loads each input vector once (K = 2 carries it too, so an interior block
   needs three vectors of readable columns whatever K). */
SP_KERNEL_INLINE fvec FV_NAME(stream_out)(fvec a, fvec b, fvec n, int64_t K, bool n_last, bool is_min)
{
#ifndef FV_DEINTERLEAVE_ONE_OP /* K = 2: the max in vshufps's order, one permute after it instead of two */
    if (K == 2) return fv_from_pairs(FV_NAME(fold)(fv_even(a, b), fv_odd(a, b), is_min));
#endif
    const fvec e = fv_even_nat(a, b), m = FV_NAME(fold)(e, fv_odd_nat(a, b), is_min);
    if (K == 2) return m;
    return FV_NAME(fold)(m, n_last ? fv_next1_last(e, n) : fv_next1(e, n), is_min);
}

SP_KERNEL_INLINE void FV_NAME(stream_store)(const sp_pool_geometry *g, bool clamp, float *y, fvec v, int64_t n,
                                            fvflag *flag)
{
    *flag = fv_flag_zero(*flag, v, n);
    if (clamp) /* operand order keeps a value equal to a bound, like sp_clamp */
        v = fv_min(fv_set1(g->clamp_max), fv_max(fv_set1(g->clamp_min), v));
    if (n == FV_L) fv_storeu(y, v);
    else fv_store_first(y, v, n);
}

/* The vertical reductions of P output rows at one column vector into v[0, P). P = 1: the nr tap rows. P = 2
   (3x3/2): two rows of 3 tap rows each, the second starting at the first's last, rows[0, 5); the shared row
   is loaded once. */
SP_KERNEL_INLINE void FV_NAME(vertical_p)(const float *const *rows, int nr, int P, int64_t col, int64_t lo,
                                          int64_t hi, fvec fill, bool is_min, fvflag *flag, fvec *v)
{
    if (P == 1) {
        v[0] = FV_NAME(vertical)(rows, nr, col, lo, hi, fill, is_min, flag);
        return;
    }
    const bool inside = lo <= 0 && hi >= FV_L;
    fvec r[5];
    for (int i = 0; i < 5; ++i) r[i] = inside ? fv_loadu(rows[i] + col) : fv_load_cols(fill, rows[i] + col, lo, hi);
    *flag = fv_flag_unord(*flag, r[0], r[1]);
    *flag = fv_flag_unord(*flag, r[2], r[3]);
    *flag = fv_flag_unord(*flag, r[4], r[4]);
    v[0] = FV_NAME(fold)(FV_NAME(fold)(r[0], r[1], is_min), r[2], is_min);
    v[1] = FV_NAME(fold)(FV_NAME(fold)(r[3], r[4], is_min), r[2], is_min);
}

/* One block at output o near a border, for P output rows ys apart: plain loads when A and B are readable (the
   one column K = 3 needs past them then comes from the last lane of the vector ending there), masked ones with
   the worst value outside [0, hi_col) otherwise. Stores n outputs per row. */
SP_KERNEL_INLINE void FV_NAME(stream_block_edge)(const sp_fast_plan *f, const sp_pool_geometry *g,
                                                 const float *const *rows, int nr, int P, int64_t o, int64_t n,
                                                 float *y, int64_t ys, int64_t K, fvec fill, bool is_min,
                                                 fvflag *flag)
{
    const int64_t c = 2 * o + f->shift, hi = f->hi_col;
    fvec a[2], b[2], nx[2] = {fill, fill};
    const bool plain = c >= 0 && c + 2 * FV_L + (K == 3) <= hi;
    if (plain) {
        FV_NAME(vertical_p)(rows, nr, P, c, 0, FV_L, fill, is_min, flag, a);
        FV_NAME(vertical_p)(rows, nr, P, c + FV_L, 0, FV_L, fill, is_min, flag, b);
        if (K == 3) FV_NAME(vertical_p)(rows, nr, P, c + FV_L + 1, 0, FV_L, fill, is_min, flag, nx);
    } else { /* vectors wholly past the readable columns are the worst value, unread */
        FV_NAME(vertical_p)(rows, nr, P, c, -c, hi - c, fill, is_min, flag, a);
        b[0] = b[1] = fill;
        if (c + FV_L < hi) FV_NAME(vertical_p)(rows, nr, P, c + FV_L, -c - FV_L, hi - c - FV_L, fill, is_min, flag, b);
        if (K == 3 && c + 2 * FV_L < hi)
            FV_NAME(vertical_p)(rows, nr, P, c + 2 * FV_L, -c - 2 * FV_L, hi - c - 2 * FV_L, fill, is_min, flag, nx);
    }
    for (int p = 0; p < P; ++p)
        FV_NAME(stream_store)(g, g->clamp_output != 0, y + p * ys + o,
                              FV_NAME(stream_out)(a[p], b[p], nx[p], K, plain, is_min), n, flag);
}

/* P output rows (1, or 2 sharing a tap row, see vertical_p), ys apart from y. */
SP_KERNEL_INLINE bool FV_NAME(stream_row)(const sp_fast_plan *f, const sp_pool_geometry *g, const float *const *rows,
                                          int nr, int P, float *y, int64_t ys, int64_t K, bool is_min)
{
    const int64_t out_w = f->out_w, shift = f->shift, hi = f->hi_col;
    const bool clamp = g->clamp_output != 0; /* read once: the stores below could alias g */
    const fvec fill = fv_set1(is_min ? INFINITY : -INFINITY);
    fvflag flag = fv_flag_none();
    int64_t o = 0;
    for (; o + FV_L <= out_w && 2 * o + shift <= -FV_L; o += FV_L) /* a vector or more of left padding */
        FV_NAME(stream_block_edge)(f, g, rows, nr, P, o, FV_L, y, ys, K, fill, is_min, &flag);
    if (o + FV_L <= out_w && 2 * o + shift + 3 * FV_L <= hi) { /* the interior: plain loads, A carried */
        const int64_t c0 = 2 * o + shift;
        const int64_t blocks_w = (out_w - o) / FV_L, blocks_hi = (hi - c0 - 3 * FV_L) / (2 * FV_L) + 1;
        const int64_t o_end = o + (blocks_w < blocks_hi ? blocks_w : blocks_hi) * FV_L; /* one bound per block */
        fvec a[2];
        if (c0 >= 0) {
            FV_NAME(vertical_p)(rows, nr, P, c0, 0, FV_L, fill, is_min, &flag, a);
        } else { /* the left padding's first -c0 columns: the vector at column 0, shifted up, the worst value in */
            FV_NAME(vertical_p)(rows, nr, P, 0, 0, FV_L, fill, is_min, &flag, a);
            for (int p = 0; p < P; ++p) a[p] = fv_shift_in(fill, a[p], -c0);
        }
        do {
            const int64_t c = 2 * o + shift;
            fvec b[2], nx[2];
            FV_NAME(vertical_p)(rows, nr, P, c + FV_L, 0, FV_L, fill, is_min, &flag, b);
            FV_NAME(vertical_p)(rows, nr, P, c + 2 * FV_L, 0, FV_L, fill, is_min, &flag, nx);
            for (int p = 0; p < P; ++p) {
                FV_NAME(stream_store)(g, clamp, y + p * ys + o,
                                      FV_NAME(stream_out)(a[p], b[p], nx[p], K, false, is_min), FV_L, &flag);
                a[p] = nx[p];
            }
            o += FV_L;
        } while (o < o_end);
        const int64_t c = 2 * o + shift;
        if (o + FV_L <= out_w && c + 2 * FV_L + (K == 3) <= hi) {
            /* a block at the right border with A carried (see stream_block_edge) */
            fvec b[2], nx[2] = {fill, fill};
            FV_NAME(vertical_p)(rows, nr, P, c + FV_L, 0, FV_L, fill, is_min, &flag, b);
            if (K == 3) FV_NAME(vertical_p)(rows, nr, P, c + FV_L + 1, 0, FV_L, fill, is_min, &flag, nx);
            for (int p = 0; p < P; ++p)
                FV_NAME(stream_store)(g, clamp, y + p * ys + o,
                                      FV_NAME(stream_out)(a[p], b[p], nx[p], K, true, is_min), FV_L, &flag);
            o += FV_L;
        }
    }
    for (; o + FV_L <= out_w; o += FV_L)
        FV_NAME(stream_block_edge)(f, g, rows, nr, P, o, FV_L, y, ys, K, fill, is_min, &flag);
    if (o < out_w) { /* the tail: the last full block again, overlapping (equal values), or a masked store */
        if (out_w >= FV_L)
            FV_NAME(stream_block_edge)(f, g, rows, nr, P, out_w - FV_L, FV_L, y, ys, K, fill, is_min, &flag);
        else FV_NAME(stream_block_edge)(f, g, rows, nr, P, o, out_w - o, y, ys, K, fill, is_min, &flag);
    }
    return !fv_flag_any(flag);
}

/* Streaming rows specialised on the kernel width and the common tap-row counts. */
SP_KERNEL_INLINE bool FV_NAME(stream_rows)(const sp_fast_plan *f, const sp_pool_geometry *g, const float *const *rows,
                                    int nr, float *y, bool is_min)
{
    if (f->K == 3) {
        if (nr == 3) return FV_NAME(stream_row)(f, g, rows, 3, 1, y, 0, 3, is_min);
        if (nr == 2) return FV_NAME(stream_row)(f, g, rows, 2, 1, y, 0, 3, is_min);
        return FV_NAME(stream_row)(f, g, rows, nr, 1, y, 0, 3, is_min);
    }
    if (nr == 2) return FV_NAME(stream_row)(f, g, rows, 2, 1, y, 0, 2, is_min);
    if (nr == 1) return FV_NAME(stream_row)(f, g, rows, 1, 1, y, 0, 2, is_min);
    return FV_NAME(stream_row)(f, g, rows, nr, 1, y, 0, 2, is_min);
}

/* One output row: `rows` are its nr >= 1 tap rows at input column 0. Returns false when the row must be
   recomputed exactly (a NaN among its taps or a zero among its outputs); y may then hold anything. */
SP_KERNEL_INLINE bool FV_NAME(row_impl)(const sp_fast_plan *f, const sp_pool_geometry *g, const float *const *rows, int nr,
                            float *y, float *buf, bool is_min)
{
#ifdef FV_STREAM_PLANE /* streaming plans run in 8 lanes only, so the 16-lane row never streams */
    if (f->stream) return FV_NAME(stream_rows)(f, g, rows, nr, y, is_min);
#endif
    const int hmode = f->hmode;
    const int64_t K = hmode == SP_FAST_K4S4 ? 4 : f->K, S = hmode == SP_FAST_K4S4 ? 4 : f->S;
    const int64_t dw = hmode == SP_FAST_K4S4 ? 1 : f->dw, reach = (K - 1) * dw + 1;
    const fvec fill = fv_set1(is_min ? INFINITY : -INFINITY);
    fvflag flag = fv_flag_none();
    for (int64_t o0 = 0; o0 < f->out_w; o0 += f->chunk) {
        const int64_t n_out = f->out_w - o0 < f->chunk ? f->out_w - o0 : f->chunk;
        const int64_t n_out_v = (n_out + FV_L - 1) / FV_L * FV_L;
        const int64_t c0 = o0 * S + f->shift, need = (n_out - 1) * S + reach;
        const int64_t n_vert = (need + FV_L - 1) / FV_L * FV_L;
        /* The horizontal pass's last vector reads up to S*n_out_v + reach + FV_L columns: past `need` it must
           see the worst value (clipped by the vertical pass's masks up to n_vert, filled here beyond). */
        const int64_t reads = S * n_out_v + reach + FV_L;
        for (int64_t k = n_vert; k < reads; k += FV_L) fv_storeu(buf + k, fill);
        FV_NAME(vertical_pass)(rows, nr, c0, need, f->W, buf, is_min, &flag);
        if (fv_flag_any(flag)) return false;
        FV_NAME(horizontal_pass)(g, buf, n_out, y + o0, hmode, K, dw, is_min, &flag);
    }
    return !fv_flag_any(flag);
}

/* One instance per extremum: the specialised loops above exist once per width and direction. */
static __attribute__((noinline)) bool FV_NAME(row_max)(const sp_fast_plan *f, const sp_pool_geometry *g,
                                                       const float *const *rows, int nr, float *y, float *buf)
{
    return FV_NAME(row_impl)(f, g, rows, nr, y, buf, false);
}

static __attribute__((noinline)) bool FV_NAME(row_min)(const sp_fast_plan *f, const sp_pool_geometry *g,
                                                       const float *const *rows, int nr, float *y, float *buf)
{
    return FV_NAME(row_impl)(f, g, rows, nr, y, buf, true);
}

SP_KERNEL_INLINE bool FV_NAME(row)(const sp_fast_plan *f, const sp_pool_geometry *g, const float *const *rows, int nr,
                            float *y, float *buf, bool is_min)
{
    return is_min ? FV_NAME(row_min)(f, g, rows, nr, y, buf) : FV_NAME(row_max)(f, g, rows, nr, y, buf);
}

#ifdef FV_STREAM_PLANE /* only the 8-lane instantiation: both kernels stream in 8 lanes (measured on Zen 4) */
/* Streaming plans with 2-D windows (one D tap, sp_fast_stream_planes): output rows [oh, out_h) of one output
   depth y, whose input depth is x, in one call (the per-row call and tap-row setup cost as much as a short
   row). Stops at the first row to be recomputed exactly (a NaN or zero as above, or no tap row; with 3x3/2's
   row pairs, the pair's first) and returns its index; out_h when none. */
SP_KERNEL_INLINE int64_t FV_NAME(stream_plane_impl)(const sp_fast_plan *f, const sp_pool_geometry *g, const float *x,
                                             float *y, int64_t oh, bool is_min)
{
    const int64_t out_h = g->out[1], W = g->in[2], sh = g->dilation[1] * W, out_w = f->out_w;
    for (; oh < out_h; ++oh) {
        const int64_t nh = g->taps[1][oh];
        const float *r0 = x + g->first[1][oh] * W;
        const float *rows[5] = {r0, r0 + sh, r0 + 2 * sh, r0, r0};
        float *yr = y + oh * out_w;
        bool ok;
        if (f->K == 3) {
            /* 3x3/2: two rows whose tap rows overlap in one (the usual H stride 2) in one pass */
            if (nh == 3 && oh + 1 < out_h && g->taps[1][oh + 1] == 3 && x + g->first[1][oh + 1] * W == rows[2]) {
                rows[3] = r0 + 3 * sh;
                rows[4] = r0 + 4 * sh;
                if (!FV_NAME(stream_row)(f, g, rows, 3, 2, yr, out_w, 3, is_min)) return oh;
                ++oh;
                continue;
            }
            if (nh == 3) ok = FV_NAME(stream_row)(f, g, rows, 3, 1, yr, 0, 3, is_min);
            else if (nh == 2) ok = FV_NAME(stream_row)(f, g, rows, 2, 1, yr, 0, 3, is_min);
            else ok = nh == 1 && FV_NAME(stream_row)(f, g, rows, 1, 1, yr, 0, 3, is_min);
        } else {
            if (nh == 2) ok = FV_NAME(stream_row)(f, g, rows, 2, 1, yr, 0, 2, is_min);
            else ok = nh == 1 && FV_NAME(stream_row)(f, g, rows, 1, 1, yr, 0, 2, is_min);
        }
        if (!ok) return oh;
    }
    return out_h;
}

static __attribute__((noinline)) int64_t FV_NAME(stream_plane_max)(const sp_fast_plan *f, const sp_pool_geometry *g,
                                                                   const float *x, float *y, int64_t oh)
{
    return FV_NAME(stream_plane_impl)(f, g, x, y, oh, false);
}

static __attribute__((noinline)) int64_t FV_NAME(stream_plane_min)(const sp_fast_plan *f, const sp_pool_geometry *g,
                                                                   const float *x, float *y, int64_t oh)
{
    return FV_NAME(stream_plane_impl)(f, g, x, y, oh, true);
}

SP_KERNEL_INLINE int64_t FV_NAME(stream_plane)(const sp_fast_plan *f, const sp_pool_geometry *g, const float *x, float *y,
                                        int64_t oh, bool is_min)
{
    return is_min ? FV_NAME(stream_plane_min)(f, g, x, y, oh) : FV_NAME(stream_plane_max)(f, g, x, y, oh);
}
#endif /* FV_STREAM_PLANE */
