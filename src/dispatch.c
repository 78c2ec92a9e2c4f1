/*
 * CPU detection (once), the global ISA cap, and kernel lookup with fallback to lower ISAs.
 *
 * On x86-64 an ISA counts only if the CPU reports it AND the OS saves its register state (XCR0 via xgetbv):
 * a kernel using ZMM registers on an OS that does not save them would corrupt other threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if defined(SIMDPOOL_ARCH_X86)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static simdpool_isa detect_cpu_isa(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return SIMDPOOL_ISA_SCALAR;
    const bool osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx || !fma) return SIMDPOOL_ISA_SCALAR;
    const uint64_t xcr0 = read_xcr0();
    const bool os_saves_ymm = (xcr0 & 0x6) == 0x6;           /* SSE and AVX state */
    const bool os_saves_zmm = (xcr0 & 0xE6) == 0xE6;         /* plus opmask, ZMM_Hi256, Hi16_ZMM */
    if (!os_saves_ymm || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return SIMDPOOL_ISA_SCALAR;
    const bool avx2 = (ebx >> 5) & 1;
    const bool avx512 = ((ebx >> 16) & 1) /* F */ && ((ebx >> 17) & 1) /* DQ */ && ((ebx >> 30) & 1) /* BW */ &&
                        ((ebx >> 31) & 1) /* VL */;
    if (avx2 && avx512 && os_saves_zmm) return SIMDPOOL_ISA_AVX512;
    if (avx2) return SIMDPOOL_ISA_AVX2;
    return SIMDPOOL_ISA_SCALAR;
}
#elif defined(SIMDPOOL_ARCH_ARM64)
static simdpool_isa detect_cpu_isa(void) { return SIMDPOOL_ISA_NEON; /* AdvSIMD is mandatory on AArch64 */ }
#else
static simdpool_isa detect_cpu_isa(void) { return SIMDPOOL_ISA_SCALAR; }
#endif

static simdpool_isa cpu_isa = SIMDPOOL_ISA_SCALAR;
static _Atomic int global_cap = SIMDPOOL_ISA_AUTO; /* set by simdpool_set_isa or SIMDPOOL_ISA */
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static bool known_isa(simdpool_isa isa) { return isa >= SIMDPOOL_ISA_AUTO && isa <= SIMDPOOL_ISA_NEON; }

static simdpool_isa isa_from_name(const char *name) {
    static const simdpool_isa all[] = {SIMDPOOL_ISA_SCALAR, SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512,
                                       SIMDPOOL_ISA_NEON};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
        if (strcmp(name, simdpool_isa_name(all[i])) == 0) return all[i];
    return SIMDPOOL_ISA_AUTO; /* unknown names leave the choice automatic */
}

static void detect(void) {
    cpu_isa = detect_cpu_isa();
    const char *requested = getenv("SIMDPOOL_ISA");
    if (requested != NULL) atomic_store(&global_cap, (int)isa_from_name(requested));
}

simdpool_isa simdpool_cpu_isa(void) {
    pthread_once(&detect_once, detect);
    return cpu_isa;
}

const char *simdpool_isa_name(simdpool_isa isa) {
    switch (isa) {
    case SIMDPOOL_ISA_AUTO: return "auto";
    case SIMDPOOL_ISA_SCALAR: return "scalar";
    case SIMDPOOL_ISA_AVX2: return "avx2";
    case SIMDPOOL_ISA_AVX512: return "avx512";
    case SIMDPOOL_ISA_NEON: return "neon";
    }
    return "unknown";
}

/* Highest ISA allowed by `cap` that this machine runs. NEON on x86 is the simde translation. */
static simdpool_isa cap_to_machine(simdpool_isa cap) {
    const simdpool_isa best = simdpool_cpu_isa();
    if (cap == SIMDPOOL_ISA_AUTO) return best;
    if (cap == SIMDPOOL_ISA_SCALAR) return SIMDPOOL_ISA_SCALAR;
    if (best == SIMDPOOL_ISA_NEON) return SIMDPOOL_ISA_NEON; /* an x86 cap on an Arm CPU: its SIMD is NEON */
    if (cap == SIMDPOOL_ISA_NEON) return SIMDPOOL_ISA_NEON;
    if (best == SIMDPOOL_ISA_SCALAR) return SIMDPOOL_ISA_SCALAR;
    return cap < best ? cap : best; /* x86: SCALAR < AVX2 < AVX512 */
}

int simdpool_isa_available(simdpool_isa isa) {
    if (!known_isa(isa)) return 0;
    if (isa == SIMDPOOL_ISA_AUTO || isa == SIMDPOOL_ISA_SCALAR) return 1;
    return cap_to_machine(isa) == isa;
}

simdpool_isa simdpool_get_isa(void) {
    pthread_once(&detect_once, detect);
    return cap_to_machine((simdpool_isa)atomic_load(&global_cap));
}

simdpool_status simdpool_set_isa(simdpool_isa isa) {
    if (!known_isa(isa)) return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "isa = %d is not a simdpool_isa", (int)isa);
    pthread_once(&detect_once, detect);
    atomic_store(&global_cap, (int)isa);
    return SIMDPOOL_OK;
}

simdpool_isa sp_resolve_isa(simdpool_isa plan_cap) {
    return plan_cap == SIMDPOOL_ISA_AUTO ? simdpool_get_isa() : cap_to_machine(plan_cap);
}

static const sp_kernel_table *table_of(simdpool_isa isa) {
    switch (isa) {
#if defined(SIMDPOOL_ARCH_X86)
    case SIMDPOOL_ISA_AVX512: return &sp_avx512_kernels;
    case SIMDPOOL_ISA_AVX2: return &sp_avx2_kernels;
#endif
    case SIMDPOOL_ISA_NEON: return &sp_neon_kernels;
    default: return &sp_scalar_kernels;
    }
}

/* The ISA whose table is consulted when `isa`'s table lacks an entry. */
static simdpool_isa next_lower(simdpool_isa isa) {
    switch (isa) {
    case SIMDPOOL_ISA_AVX512: return SIMDPOOL_ISA_AVX2;
    default: return SIMDPOOL_ISA_SCALAR;
    }
}

static void (*entry_of(const sp_kernel_table *t, enum sp_direction direction, simdpool_layout layout,
                       enum sp_algorithm_slot slot))(void) {
    if (layout == SIMDPOOL_NCHW)
        return direction == SP_FORWARD ? (void (*)(void))t->nchw->fwd[slot] : (void (*)(void))t->nchw->bwd[slot];
    return direction == SP_FORWARD ? (void (*)(void))t->nhwc->fwd[slot] : (void (*)(void))t->nhwc->bwd[slot];
}

sp_resolved_kernel sp_find_kernel(simdpool_isa isa, enum sp_direction direction, simdpool_layout layout,
                                  enum sp_algorithm_slot slot) {
    for (;;) {
        const sp_kernel_table *table = table_of(isa);
        void (*fn)(void) = entry_of(table, direction, layout, slot);
        if (fn != NULL || isa == SIMDPOOL_ISA_SCALAR) return (sp_resolved_kernel){fn, table->isa_name};
        isa = next_lower(isa);
    }
}
