#!/usr/bin/python3
"""Writes a torchvision ResNet-18 with random weights (nothing can be
downloaded here) as TorchScript, its classifier replaced by Identity so
that forward returns the 512 pooled features: a user's own base model.

usage: make_resnet18.py OUT.pt
"""
import sys

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None)
model.fc = torch.nn.Identity()
model.eval()
torch.jit.save(torch.jit.script(model), sys.argv[1])
