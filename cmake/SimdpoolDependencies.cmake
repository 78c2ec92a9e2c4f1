# Every dependency is a Debian package: libsimde-dev, libgomp (gcc), libgtest-dev, libbenchmark-dev.
find_package(OpenMP REQUIRED COMPONENTS C)
if(NOT CMAKE_CROSSCOMPILING)
  find_path(SIMDE_INCLUDE_DIR simde/x86/avx2.h REQUIRED
    DOC "simde headers (Debian: libsimde-dev)")
else()
  # simde is header-only and target-neutral, but the host's copy lives in /usr/include, whose other headers
  # belong to the host: expose only simde/, through a directory of its own in the build tree.
  find_path(SIMDE_HOST_INCLUDE_DIR simde/x86/avx2.h REQUIRED NO_CMAKE_FIND_ROOT_PATH
    DOC "the host's simde headers (Debian: libsimde-dev), used for the cross build")
  set(SIMDE_INCLUDE_DIR ${CMAKE_BINARY_DIR}/simde-include)
  file(MAKE_DIRECTORY ${SIMDE_INCLUDE_DIR})
  file(CREATE_LINK ${SIMDE_HOST_INCLUDE_DIR}/simde ${SIMDE_INCLUDE_DIR}/simde SYMBOLIC)
endif()
add_library(simdpool_simde INTERFACE)
target_include_directories(simdpool_simde SYSTEM INTERFACE ${SIMDE_INCLUDE_DIR})
