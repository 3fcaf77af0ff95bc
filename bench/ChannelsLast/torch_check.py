#!/usr/bin/env python3
"""Issue 22's channels-last repro, the PyTorch side: the same convolution + BatchNorm, forward and backward, on the
arrays bench/ChannelsLast wrote (inputs, weights, output gradient), in PyTorch's NCHW and channels_last layouts;
prints each TorchSharp (libtorch 2.10) result's largest difference from PyTorch's NCHW one.
Usage: /usr/bin/python3 bench/ChannelsLast/torch_check.py OUT"""
import glob, os, sys
import numpy as np
import torch

out = sys.argv[1] if len(sys.argv) > 1 else "bench/work/channels_last"
print(f"PyTorch {torch.__version__}; shape | result | TorchSharp NCHW | TorchSharp channels-last | PyTorch channels_last")
for path in sorted(glob.glob(os.path.join(out, "*.x.npy"))):
    name = os.path.basename(path)[: -len(".x.npy")]
    load = lambda what: torch.from_numpy(np.load(os.path.join(out, f"{name}.{what}.npy")))
    x, w, gamma, beta, g = (load(k) for k in ("x", "w", "gamma", "beta", "g"))
    k, stride = w.shape[2], int(name.split("-s")[1].split("-")[0])
    results = {}
    for layout in ("nchw", "cl"):
        fmt = torch.channels_last if layout == "cl" else torch.contiguous_format
        xi = x.clone().contiguous(memory_format=fmt).requires_grad_(True)
        wi = w.clone().contiguous(memory_format=fmt).requires_grad_(True)
        gi, bi = gamma.clone().requires_grad_(True), beta.clone().requires_grad_(True)
        y = torch.nn.functional.conv2d(xi, wi, None, stride, k // 2)
        y = torch.nn.functional.batch_norm(y, torch.zeros(w.shape[0]), torch.ones(w.shape[0]), gi, bi, training=True)
        (y * g.contiguous(memory_format=fmt)).sum().backward()
        results[layout] = {"y": y.detach(), "dx": xi.grad, "dw": wi.grad, "dgamma": gi.grad}
    for what in ("y", "dx", "dw", "dgamma"):
        ref = results["nchw"][what]
        ours = [float((load(f"{layout}.{what}") - ref).abs().max()) for layout in ("nchw", "cl")]
        theirs = float((results["cl"][what] - ref).abs().max())
        print(f"{name} | {what} | {ours[0]:.3g} | {ours[1]:.3g} | {theirs:.3g}")
