# Every dependency is a Debian package: libsimde-dev, libgomp (gcc), libgtest-dev, libbenchmark-dev.
find_package(OpenMP REQUIRED COMPONENTS C)
find_path(SIMDE_INCLUDE_DIR simde/x86/avx2.h REQUIRED
  DOC "simde headers (Debian: libsimde-dev)")
add_library(simdpool_simde INTERFACE)
target_include_directories(simdpool_simde SYSTEM INTERFACE ${SIMDE_INCLUDE_DIR})
