# Cross-compiling simdpool for aarch64 Linux with Debian's cross toolchain (gcc-aarch64-linux-gnu,
# g++-aarch64-linux-gnu), running the tests under qemu-user (scripts/test-aarch64.sh):
#
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#   cmake --build build/aarch64 && ctest --test-dir build/aarch64
#
# Target libraries (libc, libstdc++, libgomp) come from the cross toolchain's sysroot; the header-only simde
# is taken from the host's /usr/include without putting that directory on the target's include path
# (cmake/SimdpoolDependencies.cmake); GoogleTest is built from /usr/src/googletest (tests/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(SIMDPOOL_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${SIMDPOOL_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SIMDPOOL_CROSS_TRIPLE}-g++)

# Look for target libraries and headers only in the cross sysroot, programs only on the host.
set(CMAKE_FIND_ROOT_PATH /usr/${SIMDPOOL_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest (and gtest_discover_tests at build time) run target binaries through qemu-user; -L points the
# emulated dynamic loader at the target's libc, libstdc++ and libgomp.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/${SIMDPOOL_CROSS_TRIPLE})
