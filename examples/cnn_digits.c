/*
 * A small CNN trained end to end with simdpool's pooling (forward and backward), on the 8x8 handwritten digits
 * that Debian's python3-sklearn ships (sklearn/datasets/data/digits.csv.gz, 1797 images, read with zlib):
 *
 *     8x8 image -> conv 3x3 pad 1 (8 filters) -> ReLU -> pooling 2x2/2 -> fully connected 128 -> 10 -> softmax
 *
 * trained with SGD + momentum on cross-entropy, once per pooling algorithm (max, average, SoftPool), reporting
 * the loss, the held-out accuracy and the time per epoch. The convolution and the dense layer are plain C; the
 * pooling layer is a simdpool plan (NCHW), and its backward is the library's.
 *
 * Usage: cnn_digits [--epochs N] [--pool max|avg|soft|all] [--data PATH] [--check]
 *   --check  exit 1 unless, for every pooling run, the loss falls and the test accuracy is at least 0.7 (chance
 *            is 0.1); exit 77 (ctest's "skipped") if the data file is absent.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <simdpool/simdpool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define DEFAULT_DATA "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
#define MAX_IMAGES 2000
#define SIDE 8
#define PIXELS (SIDE * SIDE)
#define FILTERS 8
#define POOLED (SIDE / 2)
#define FEATURES (FILTERS * POOLED * POOLED)
#define CLASSES 10
#define BATCH 32
#define TEST_IMAGES 360
#define EXIT_SKIP 77

/* ---------------------------------------------------------------------------------------------------------- */
/* Data                                                                                                       */

typedef struct dataset {
    int count;
    float x[MAX_IMAGES][PIXELS]; /* scaled to [0, 1] */
    int label[MAX_IMAGES];
} dataset;

/* Reads "p0,...,p63,label" lines; returns the number of images, or -1 with a message. */
static int load_digits(const char *path, dataset *d) {
    gzFile f = gzopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr,
                "cnn_digits: cannot open %s\n"
                "  The 8x8 digits come with Debian's python3-sklearn (apt-get install python3-sklearn),\n"
                "  or pass --data PATH to a copy of sklearn/datasets/data/digits.csv.gz.\n",
                path);
        return -1;
    }
    char line[1024];
    d->count = 0;
    while (d->count < MAX_IMAGES && gzgets(f, line, sizeof line) != NULL) {
        char *p = line, *end;
        int ok = 1;
        for (int i = 0; i <= PIXELS && ok; ++i) {
            const long v = strtol(p, &end, 10);
            ok = end != p && v >= 0 && v <= 16 && (i == PIXELS ? v <= 9 : 1);
            if (!ok) break;
            if (i < PIXELS)
                d->x[d->count][i] = (float)v / 16.0f;
            else
                d->label[d->count] = (int)v;
            p = end + (*end == ',');
        }
        if (!ok) {
            fprintf(stderr, "cnn_digits: %s: line %d is not 64 pixels and a label\n", path, d->count + 1);
            gzclose(f);
            return -1;
        }
        d->count++;
    }
    gzclose(f);
    return d->count;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Deterministic random numbers (SplitMix64)                                                                   */

static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float rng_uniform(void) { return (float)(rng_next() >> 40) / 16777216.0f; }

/* Approximately normal (sum of uniforms), mean 0, standard deviation `sd`. */
static float rng_normal(float sd) {
    float s = 0.0f;
    for (int i = 0; i < 12; ++i) s += rng_uniform();
    return (s - 6.0f) * sd;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The network                                                                                                */

typedef struct params {
    float conv_w[FILTERS][9], conv_b[FILTERS];
    float fc_w[CLASSES][FEATURES], fc_b[CLASSES];
} params;

static void init_params(params *p, uint64_t seed) {
    rng_state = seed;
    memset(p, 0, sizeof *p);
    for (int f = 0; f < FILTERS; ++f)
        for (int k = 0; k < 9; ++k) p->conv_w[f][k] = rng_normal(sqrtf(2.0f / 9.0f)); /* He */
    for (int c = 0; c < CLASSES; ++c)
        for (int k = 0; k < FEATURES; ++k) p->fc_w[c][k] = rng_normal(sqrtf(1.0f / FEATURES));
}

/* Activations of one batch (n images). */
typedef struct acts {
    float z[BATCH * FILTERS * PIXELS];      /* conv output */
    float a[BATCH * FILTERS * PIXELS];      /* ReLU(z): the pooling input */
    float y[BATCH * FEATURES];              /* pooling output = dense input */
    int64_t idx[BATCH * FEATURES];          /* argmax (MAX pooling) */
    float prob[BATCH * CLASSES];            /* softmax */
    float dy[BATCH * FEATURES], da[BATCH * FILTERS * PIXELS];
} acts;

static void conv_forward(const params *p, const float *x, int n, acts *s) {
    for (int b = 0; b < n; ++b)
        for (int f = 0; f < FILTERS; ++f)
            for (int i = 0; i < SIDE; ++i)
                for (int j = 0; j < SIDE; ++j) {
                    float acc = p->conv_b[f];
                    for (int di = -1; di <= 1; ++di)
                        for (int dj = -1; dj <= 1; ++dj) {
                            const int ii = i + di, jj = j + dj;
                            if (ii >= 0 && ii < SIDE && jj >= 0 && jj < SIDE)
                                acc += p->conv_w[f][(di + 1) * 3 + dj + 1] * x[b * PIXELS + ii * SIDE + jj];
                        }
                    const int o = ((b * FILTERS + f) * SIDE + i) * SIDE + j;
                    s->z[o] = acc;
                    s->a[o] = acc > 0.0f ? acc : 0.0f;
                }
}

/* Logits and softmax; returns the summed cross-entropy of the batch (labels may be NULL: no loss). */
static double dense_forward(const params *p, int n, const int *labels, acts *s) {
    double loss = 0.0;
    for (int b = 0; b < n; ++b) {
        float logits[CLASSES], top = -INFINITY, sum = 0.0f;
        for (int c = 0; c < CLASSES; ++c) {
            float acc = p->fc_b[c];
            for (int k = 0; k < FEATURES; ++k) acc += p->fc_w[c][k] * s->y[b * FEATURES + k];
            logits[c] = acc;
            if (acc > top) top = acc;
        }
        for (int c = 0; c < CLASSES; ++c) sum += (s->prob[b * CLASSES + c] = expf(logits[c] - top));
        for (int c = 0; c < CLASSES; ++c) s->prob[b * CLASSES + c] /= sum;
        if (labels) loss -= log(fmax(1e-12, s->prob[b * CLASSES + labels[b]]));
    }
    return loss;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Gradients of the mean loss of a batch, accumulated into g (which the caller zeroed). */
static int backward(const params *p, simdpool_plan *pool, simdpool_algorithm algo, const float *x, const int *labels,
                    int n, acts *s, params *g, double *pool_seconds) {
    for (int b = 0; b < n; ++b)
        for (int c = 0; c < CLASSES; ++c) {
            const float d = (s->prob[b * CLASSES + c] - (c == labels[b] ? 1.0f : 0.0f)) / (float)n;
            g->fc_b[c] += d;
            for (int k = 0; k < FEATURES; ++k) g->fc_w[c][k] += d * s->y[b * FEATURES + k];
        }
    for (int b = 0; b < n; ++b)
        for (int k = 0; k < FEATURES; ++k) {
            float acc = 0.0f;
            for (int c = 0; c < CLASSES; ++c)
                acc += p->fc_w[c][k] * (s->prob[b * CLASSES + c] - (c == labels[b] ? 1.0f : 0.0f)) / (float)n;
            s->dy[b * FEATURES + k] = acc;
        }
    /* The library's pooling backward: MAX routes through the argmax, SOFT needs the forward's input and output. */
    const double t0 = now_seconds();
    const simdpool_status st = simdpool_backward(pool, s->dy, algo == SIMDPOOL_MAX ? s->idx : NULL,
                                                 algo == SIMDPOOL_SOFT ? s->a : NULL,
                                                 algo == SIMDPOOL_SOFT ? s->y : NULL, s->da);
    *pool_seconds += now_seconds() - t0;
    if (st != SIMDPOOL_OK) {
        fprintf(stderr, "cnn_digits: pooling backward: %s\n", simdpool_last_error());
        return -1;
    }
    for (int b = 0; b < n; ++b)
        for (int f = 0; f < FILTERS; ++f)
            for (int i = 0; i < SIDE; ++i)
                for (int j = 0; j < SIDE; ++j) {
                    const int o = ((b * FILTERS + f) * SIDE + i) * SIDE + j;
                    const float dz = s->z[o] > 0.0f ? s->da[o] : 0.0f;
                    g->conv_b[f] += dz;
                    for (int di = -1; di <= 1; ++di)
                        for (int dj = -1; dj <= 1; ++dj) {
                            const int ii = i + di, jj = j + dj;
                            if (ii >= 0 && ii < SIDE && jj >= 0 && jj < SIDE)
                                g->conv_w[f][(di + 1) * 3 + dj + 1] += dz * x[b * PIXELS + ii * SIDE + jj];
                        }
                }
    return 0;
}

/* A 2x2/2 pooling plan over n images of FILTERS x 8 x 8. */
static simdpool_plan *make_pool(simdpool_algorithm algo, int n) {
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, algo, 2);
    d.n = n;
    d.c = FILTERS;
    d.in[0] = d.in[1] = SIDE;
    d.kernel[0] = d.kernel[1] = d.stride[0] = d.stride[1] = 2;
    simdpool_plan *plan = NULL;
    if (simdpool_plan_create_pool(&d, NULL, &plan) != SIMDPOOL_OK)
        fprintf(stderr, "cnn_digits: pooling plan: %s\n", simdpool_last_error());
    return plan;
}

static int pool_forward(simdpool_plan *plan, simdpool_algorithm algo, acts *s, double *pool_seconds) {
    const double t0 = now_seconds();
    const simdpool_status st = simdpool_forward(plan, s->a, s->y, algo == SIMDPOOL_MAX ? s->idx : NULL);
    *pool_seconds += now_seconds() - t0;
    if (st != SIMDPOOL_OK) fprintf(stderr, "cnn_digits: pooling forward: %s\n", simdpool_last_error());
    return st == SIMDPOOL_OK ? 0 : -1;
}

typedef struct result {
    double first_loss, last_loss, accuracy, ms_per_epoch, pool_ms_per_epoch;
} result;

/* Trains on images [TEST_IMAGES, count) and tests on [0, TEST_IMAGES) of the (shuffled) data set. */
static int train(const dataset *data, simdpool_algorithm algo, int epochs, result *r) {
    static params p, g, velocity;
    static acts s;
    static float bx[BATCH * PIXELS];
    static int bl[BATCH], order[MAX_IMAGES];
    init_params(&p, 1234);
    memset(&velocity, 0, sizeof velocity);
    simdpool_plan *pool = make_pool(algo, BATCH);
    if (pool == NULL) return -1;
    const int train_count = data->count - TEST_IMAGES;
    for (int i = 0; i < train_count; ++i) order[i] = TEST_IMAGES + i;
    const float lr = 0.05f, momentum = 0.9f;
    double pool_seconds = 0.0, total_seconds = 0.0;
    rng_state = 99;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        const double t0 = now_seconds();
        for (int i = train_count - 1; i > 0; --i) { /* Fisher-Yates, deterministic */
            const int j = (int)(rng_next() % (uint64_t)(i + 1)), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double loss = 0.0;
        int seen = 0;
        for (int start = 0; start + BATCH <= train_count; start += BATCH) { /* the last partial batch is dropped */
            for (int b = 0; b < BATCH; ++b) {
                memcpy(bx + b * PIXELS, data->x[order[start + b]], sizeof(float) * PIXELS);
                bl[b] = data->label[order[start + b]];
            }
            conv_forward(&p, bx, BATCH, &s);
            if (pool_forward(pool, algo, &s, &pool_seconds) != 0) goto fail;
            loss += dense_forward(&p, BATCH, bl, &s);
            seen += BATCH;
            memset(&g, 0, sizeof g);
            if (backward(&p, pool, algo, bx, bl, BATCH, &s, &g, &pool_seconds) != 0) goto fail;
            float *pw = (float *)&p, *gw = (float *)&g, *vw = (float *)&velocity;
            for (size_t k = 0; k < sizeof p / sizeof(float); ++k) {
                vw[k] = momentum * vw[k] - lr * gw[k];
                pw[k] += vw[k];
            }
        }
        total_seconds += now_seconds() - t0;
        loss /= seen;
        if (epoch == 0) r->first_loss = loss;
        r->last_loss = loss;
    }
    simdpool_plan_destroy(pool);
    /* Held-out accuracy, in batches (a plan per batch size: the last one is smaller). */
    int correct = 0;
    for (int start = 0; start < TEST_IMAGES; start += BATCH) {
        const int n = TEST_IMAGES - start < BATCH ? TEST_IMAGES - start : BATCH;
        simdpool_plan *eval = make_pool(algo, n);
        if (eval == NULL) return -1;
        for (int b = 0; b < n; ++b) memcpy(bx + b * PIXELS, data->x[start + b], sizeof(float) * PIXELS);
        conv_forward(&p, bx, n, &s);
        double ignored = 0.0;
        const int failed = pool_forward(eval, algo, &s, &ignored);
        simdpool_plan_destroy(eval);
        if (failed) return -1;
        dense_forward(&p, n, NULL, &s);
        for (int b = 0; b < n; ++b) {
            int best = 0;
            for (int c = 1; c < CLASSES; ++c)
                if (s.prob[b * CLASSES + c] > s.prob[b * CLASSES + best]) best = c;
            correct += best == data->label[start + b];
        }
    }
    r->accuracy = (double)correct / TEST_IMAGES;
    r->ms_per_epoch = 1e3 * total_seconds / epochs;
    r->pool_ms_per_epoch = 1e3 * pool_seconds / epochs;
    return 0;
fail:
    simdpool_plan_destroy(pool);
    return -1;
}

int main(int argc, char **argv) {
    int epochs = 15, check = 0;
    const char *path = DEFAULT_DATA, *which = "all";
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc)
            epochs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--pool") == 0 && i + 1 < argc)
            which = argv[++i];
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--check") == 0)
            check = 1;
        else {
            fprintf(stderr, "usage: %s [--epochs N] [--pool max|avg|soft|all] [--data PATH] [--check]\n", argv[0]);
            return 2;
        }
    }
    if (epochs < 1) epochs = 1;
    static dataset data;
    if (load_digits(path, &data) < 0) return check ? EXIT_SKIP : 1;
    if (data.count < TEST_IMAGES + BATCH) {
        fprintf(stderr, "cnn_digits: %s holds only %d images\n", path, data.count);
        return 1;
    }
    /* One fixed shuffle of the whole set, so that the test split holds every class. */
    rng_state = 7;
    for (int i = data.count - 1; i > 0; --i) {
        const int j = (int)(rng_next() % (uint64_t)(i + 1));
        float tx[PIXELS];
        memcpy(tx, data.x[i], sizeof tx);
        memcpy(data.x[i], data.x[j], sizeof tx);
        memcpy(data.x[j], tx, sizeof tx);
        const int tl = data.label[i];
        data.label[i] = data.label[j];
        data.label[j] = tl;
    }
    printf("digits: %d training and %d test images (8x8); conv 3x3x%d -> ReLU -> pool 2x2/2 -> FC %dx%d -> "
           "softmax; %d epochs, SGD + momentum, batch %d\n",
           data.count - TEST_IMAGES, TEST_IMAGES, FILTERS, FEATURES, CLASSES, epochs, BATCH);
    printf("%-6s %12s %12s %9s %10s %16s\n", "pool", "loss (ep 1)", "loss (last)", "test acc", "ms/epoch",
           "pool fwd+bwd ms");
    const struct {
        const char *name;
        simdpool_algorithm algo;
    } runs[] = {{"max", SIMDPOOL_MAX}, {"avg", SIMDPOOL_AVG}, {"soft", SIMDPOOL_SOFT}};
    int failures = 0, ran = 0;
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; ++k) {
        if (strcmp(which, "all") != 0 && strcmp(which, runs[k].name) != 0) continue;
        result r = {0};
        if (train(&data, runs[k].algo, epochs, &r) != 0) return 1;
        ++ran;
        printf("%-6s %12.4f %12.4f %9.3f %10.2f %16.3f\n", runs[k].name, r.first_loss, r.last_loss, r.accuracy,
               r.ms_per_epoch, r.pool_ms_per_epoch);
        if (check && !(r.last_loss < r.first_loss && r.accuracy >= 0.7)) {
            fprintf(stderr, "cnn_digits: %s pooling did not learn: loss %.4f -> %.4f, accuracy %.3f (need a falling "
                    "loss and >= 0.7)\n", runs[k].name, r.first_loss, r.last_loss, r.accuracy);
            ++failures;
        }
    }
    if (ran == 0) {
        fprintf(stderr, "cnn_digits: unknown --pool %s (max, avg, soft or all)\n", which);
        return 2;
    }
    if (check) printf(failures ? "check FAILED\n" : "check passed: every loss fell and every accuracy >= 0.7\n");
    return failures ? 1 : 0;
}
