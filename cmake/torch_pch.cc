// Owns the precompiled <torch/torch.h>; see torch_pch.cmake.
