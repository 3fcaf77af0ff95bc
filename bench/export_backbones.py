#!/usr/bin/env python3
"""Export torchvision CNNs to ONNX with random weights (nothing can be downloaded here) for bench/backbones.sh.

Debian's python3-torchvision is a peer for this bench, never a dependency of TransferSharp.
Usage: export_backbones.py OUT_DIR [name[@opset][+bn] ...]   (default: the four architectures of issue 20)
"+bn" exports with training=TrainingMode.PRESERVE, which keeps the BatchNorm layers that torch.onnx.export otherwise
folds into the convolutions (domain distance, bn-only and AdaBN need them).
"""
import json
import os
import sys

import torch
import torchvision

DEFAULT = [
    "mobilenet_v2", "mobilenet_v2+bn", "efficientnet_b0+bn", "densenet121", "convnext_tiny@17", "convnext_tiny@13"
]
# timm's pretrained_cfg for these families (ImageNet mean/std; crop and interpolation as timm lists them).
CFG = {
    "mobilenet_v2": {"interpolation": "bicubic", "crop_pct": 0.875},
    "efficientnet_b0": {"interpolation": "bicubic", "crop_pct": 0.875},
    "densenet121": {"interpolation": "bicubic", "crop_pct": 0.875},
    "convnext_tiny": {"interpolation": "bicubic", "crop_pct": 0.95},
}


def calibrate(model):
    """Random weights with BatchNorm's running statistics left at (0, 1) shrink activations by orders of magnitude
    per block (MobileNetV2's logits ~1e-9); statistics averaged over random batches keep them near unit scale, so
    that parity is measured on outputs of a realistic size."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if norms:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average
        model.train()
        with torch.no_grad():
            for _ in range(4):
                model(torch.randn(16, 3, 224, 224))
    return model.eval()


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or DEFAULT
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for spec in names:
        keep_bn = spec.endswith("+bn")
        name, _, opset = spec.removesuffix("+bn").partition("@")
        opset = int(opset or 13)
        model = calibrate(getattr(torchvision.models, name)(weights=None))
        stem = f"{name}-op{opset}" + ("-bn" if keep_bn else "")
        path = os.path.join(out, stem + ".onnx")
        x = torch.randn(1, 3, 224, 224)
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL)
        cfg = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "input_size": [3, 224, 224]}
        cfg.update(CFG.get(name, {}))
        with open(os.path.join(out, stem + ".json"), "w") as f:
            json.dump({"architecture": name, "pretrained_cfg": cfg}, f, indent=1)
        print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
