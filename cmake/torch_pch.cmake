# One precompiled <torch/torch.h> shared by every torch-heavy target.
#
# simclr_torch_pch is a tiny object library whose only job is to own the PCH.
# Targets call simclr_use_torch_pch(<target>) to reuse it (REUSE_FROM), so
# the 1+ GB header parse happens once per build, not once per target.
# REUSE_FROM needs matching compile flags, so the PCH target links the same
# torch target everyone else does.
add_library(simclr_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/torch_pch.cc)
target_link_libraries(simclr_torch_pch PUBLIC ${TORCH_LIBRARIES})
target_precompile_headers(simclr_torch_pch PRIVATE <torch/torch.h>)

function(simclr_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM simclr_torch_pch)
endfunction()
