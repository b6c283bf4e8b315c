# One precompiled <torch/torch.h> shared by every torch-heavy file.
#
# simclr_torch_pch is a tiny object library whose only job is to own the PCH;
# targets reuse it (REUSE_FROM), so the 1.5 GB header parse happens once per
# build, not once per target. REUSE_FROM needs matching compile flags, so the
# PCH target links the same torch target everyone else does.
#
# Loading the PCH is not free: a light file (c10/core/Device.h only) compiles
# in 1.2 s / 160 MB alone but 7 s / 980 MB with the PCH forced in. So only
# files that include an umbrella header (torch/torch.h, torch/all.h,
# torch/nn.h, torch/script.h) directly get it; the rest skip it.
add_library(simclr_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/torch_pch.cc)
target_link_libraries(simclr_torch_pch PUBLIC ${TORCH_LIBRARIES})
target_precompile_headers(simclr_torch_pch PRIVATE <torch/torch.h>)

function(simclr_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM simclr_torch_pch)
  get_target_property(sources ${target} SOURCES)
  foreach(source IN LISTS sources)
    get_filename_component(path ${source} ABSOLUTE)
    file(STRINGS ${path} heavy
         REGEX "^#include [<\"]torch/(torch|all|nn|script)\\.h[>\"]")
    if(NOT heavy)
      set_source_files_properties(${source} PROPERTIES
                                  SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
endfunction()
