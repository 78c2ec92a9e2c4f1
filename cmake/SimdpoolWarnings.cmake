# Warnings and the floating-point contract shared by every target of the project.
# -ffp-contract=off: kernels whose results are claimed bit-identical to the reference must not have their
# a*b+c fused differently per ISA by the compiler.
add_library(simdpool_build_flags INTERFACE)
target_compile_options(simdpool_build_flags INTERFACE
  -Wall -Wextra
  $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>
  -ffp-contract=off)
if(SIMDPOOL_SANITIZE)
  target_compile_options(simdpool_build_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(simdpool_build_flags INTERFACE -fsanitize=address,undefined)
endif()
