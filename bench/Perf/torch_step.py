"""(d) of bench/perf.sh: PyTorch's resnet18 training step on the CPU, the peer of our fine-tuning step.

Debian's python3-torch 1.13 and python3-torchvision (installed by bench/perf.sh, never a dependency of TransferSharp).
Same work as `PerfBench train`: batch of random images, 10 classes, every layer trainable, AdamW, cross-entropy.
Usage: /usr/bin/python3 bench/Perf/torch_step.py SIZE [channels_last|contiguous]; env BATCH, STEPS, WARMUP, THREADS,
PRECISION (fp32, or bf16: the forward and loss under torch.cpu.amp.autocast(dtype=torch.bfloat16), PyTorch's CPU
mixed precision), BLOCKS (blocks per stage; default 2,2,2,3: our ResNet18, ML.NET's, has three in its last stage, as
bench/torch_lpft.py builds it; 2,2,2,2 is torchvision's resnet18, about 13-16 % less work).
"""
import json, os, resource, sys, time

import torch
import torchvision

size = int(sys.argv[1])
layout = sys.argv[2] if len(sys.argv) > 2 else "channels_last"
batch = int(os.environ.get("BATCH", 32))
steps = int(os.environ.get("STEPS", 12 if size >= 224 else 30))
warmup = int(os.environ.get("WARMUP", 3))
default_threads = torch.get_num_threads()
torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count())))
torch.manual_seed(0)

blocks = [int(b) for b in os.environ.get("BLOCKS", "2,2,2,3").split(",")]
model = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, blocks, num_classes=10)
x = torch.randn(batch, 3, size, size)
if layout == "channels_last":
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
y = torch.randint(0, 10, (batch,))
precision = os.environ.get("PRECISION", "fp32")
model.train()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
loss_fn = torch.nn.CrossEntropyLoss()


phases = {"forward": [], "backward": [], "optimizer": []}  # each phase timed apart too, as PerfBench train does


def step():
    optimizer.zero_grad()
    start = time.perf_counter()
    with torch.cpu.amp.autocast(enabled=precision == "bf16", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    phases["forward"].append(time.perf_counter() - start)
    start = time.perf_counter()
    loss.backward()
    phases["backward"].append(time.perf_counter() - start)
    start = time.perf_counter()
    optimizer.step()
    phases["optimizer"].append(time.perf_counter() - start)


for _ in range(warmup):
    step()
times = []
for _ in range(steps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
times.sort()
median = times[len(times) // 2]
split = {f"{name}_median_seconds": sorted(t[warmup:])[(len(t) - warmup) // 2] for name, t in phases.items()}
print(json.dumps({
    "mode": "torch-train", "size": size, "batch": batch, "cores": os.cpu_count(), "layout": layout,
    "precision": precision,
    "blocks": blocks, "parameters": sum(p.numel() for p in model.parameters()),
    "torch": torch.__version__, "threads": torch.get_num_threads(), "default_threads": default_threads,
    "steps": steps, "median_seconds": median, "images_per_second": batch / median,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, **split,
}))
