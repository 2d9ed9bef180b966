# Optional CUDA support (the GPU decoder of tensor mode=df11, src/codecs/tensor/cuda/).
#   KOLMO_CUDA=AUTO (default): on when a CUDA compiler is found, except in sanitizer and fuzz
#                              builds (ASan and libFuzzer do not mix with the CUDA runtime).
#   KOLMO_CUDA=ON:             required; configuring fails without a CUDA compiler.
#   KOLMO_CUDA=OFF:            never.
# Sets KOLMO_CUDA_ENABLED. Architectures default to 90 (H100/H200); override with
# -DCMAKE_CUDA_ARCHITECTURES=... (CUDA 13 compiles for sm_75 and newer only).
set(KOLMO_CUDA AUTO CACHE STRING "Build the CUDA decoder: AUTO, ON or OFF")
set_property(CACHE KOLMO_CUDA PROPERTY STRINGS AUTO ON OFF)
set(KOLMO_CUDA_ENABLED OFF)

if(KOLMO_CUDA STREQUAL "AUTO" AND (KOLMO_SANITIZE OR KOLMO_FUZZ))
  message(STATUS "kolmo: CUDA decoder off (sanitizer/fuzz build; -DKOLMO_CUDA=ON to force)")
elseif(KOLMO_CUDA STREQUAL "AUTO" OR KOLMO_CUDA)
  # nvcc is often installed outside PATH; look in the toolkit's usual home too.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(KOLMO_NVCC nvcc HINTS /usr/local/cuda/bin)
    if(KOLMO_NVCC)
      set(CMAKE_CUDA_COMPILER ${KOLMO_NVCC} CACHE FILEPATH "CUDA compiler")
    endif()
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90 CACHE STRING "CUDA architectures")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(CMAKE_CUDA_STANDARD 17)  # the kernel needs no more; CMake 3.25 knows no CUDA20 for nvcc 13
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(KOLMO_CUDA_ENABLED ON)
    message(STATUS "kolmo: CUDA decoder on (${CMAKE_CUDA_COMPILER}, "
                   "architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(KOLMO_CUDA STREQUAL "AUTO")
    message(STATUS "kolmo: no CUDA compiler found, building without the CUDA decoder")
  else()
    message(FATAL_ERROR "kolmo: KOLMO_CUDA=ON but no CUDA compiler was found")
  endif()
else()
  message(STATUS "kolmo: CUDA decoder off (KOLMO_CUDA=${KOLMO_CUDA})")
endif()
