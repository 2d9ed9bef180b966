# Compiler flags shared by every kolmo target.
# Determinism: no -ffast-math anywhere, and no fused multiply-add contraction, so that float code
# gives the same bits with any compiler or SIMD path.
function(kolmo_set_flags target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wno-unused-parameter
    -ffp-contract=off -fno-fast-math)
  if(KOLMO_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# Everything, including tests and third-party-facing code, follows the same float rules.
add_compile_options(-ffp-contract=off)
if(KOLMO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Fuzz builds instrument the whole library for coverage and ASan+UBSan, not just the fuzz
# drivers: without this libFuzzer sees no edges inside the parsers it is meant to explore.
if(KOLMO_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
