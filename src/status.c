/* Status names and the thread-local explanation of the last failure. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static _Thread_local char last_error[256];

const char *simdpool_status_string(simdpool_status status) {
    switch (status) {
    case SIMDPOOL_OK: return "SIMDPOOL_OK";
    case SIMDPOOL_INVALID_ARGUMENT: return "SIMDPOOL_INVALID_ARGUMENT";
    case SIMDPOOL_NULL_POINTER: return "SIMDPOOL_NULL_POINTER";
    case SIMDPOOL_SIZE_OVERFLOW: return "SIMDPOOL_SIZE_OVERFLOW";
    case SIMDPOOL_UNSUPPORTED: return "SIMDPOOL_UNSUPPORTED";
    case SIMDPOOL_OUT_OF_MEMORY: return "SIMDPOOL_OUT_OF_MEMORY";
    }
    return "unknown status";
}

const char *simdpool_last_error(void) { return last_error; }

simdpool_status sp_fail(simdpool_status status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(last_error, sizeof last_error, format, args);
    va_end(args);
    return status;
}
