"""LP-FT in PyTorch on the same weights, data and recipe as `fit --strategy lp-ft`: the peer of time to accuracy.

Debian's python3-torch 1.13 and python3-torchvision (a peer, never a dependency of TransferSharp), channels_last,
every core; run it with tcmalloc preloaded, PyTorch's fastest variant here (bench/README.md, "Performance").
The backbone comes from `HeadFit weights SIZE DIR` (every tensor of our ResNet18 in module order, the normalisation,
and a check batch whose features the copy must reproduce). The split is our run's: the validation images are the ids
in RUN/validation_predictions.json. The recipe is ours (TrainingDefaults, LP-FT's): a logistic-regression probe on the
frozen features (scikit-learn, weight decay chosen on validation), then every layer with AdamW, the head's rate 1e-3
spread geometrically down to 1e-4 for the stem, 10 % linear warm-up then cosine per step, weight decay 0.05 (not on
biases or BatchNorm), label smoothing 0.1, BatchNorm statistics frozen, pad-and-crop (12.5 %) and random flips, batch
32, the best validation epoch restored. Images are resized with PIL's bicubic (ours: SkiaSharp's Mitchell cubic).
Usage: /usr/bin/python3 bench/torch_lpft.py WEIGHTS_DIR TRAIN_DIR TEST_DIR OUR_RUN [EPOCHS]; prints one JSON line.
"""
import gzip, json, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

weights_dir, train_dir, test_dir, our_run = sys.argv[1:5]
epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 8
torch.set_num_threads(os.cpu_count())
torch.manual_seed(0)
rng = np.random.default_rng(0)
L = lambda name: np.load(f"{weights_dir}/{name}")

# Our ResNet18 has three blocks in its last stage (15.9 M parameters): torchvision's ResNet with [2, 2, 2, 3].
model = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, [2, 2, 2, 3], num_classes=10)
index = json.load(open(f"{weights_dir}/index.json"))
ours = {e["name"]: torch.from_numpy(L(e["file"])) for e in index}
convs = [e["name"][: -len(".weight")] for e in index if len(e["shape"]) == 4]
norms = [e["name"][: -len(".running_mean")] for e in index if e["name"].endswith(".running_mean")]
assert len(convs) == len(norms), "every convolution is followed by its BatchNorm"
pairs = []  # torchvision's (convolution, BatchNorm) in module order
for name, module in model.named_modules():
    if isinstance(module, torch.nn.Conv2d):
        bn = name.replace("conv", "bn") if "conv" in name else name[:-1] + "1"  # downsample.0 -> downsample.1
        pairs.append((name, bn))
state, used = model.state_dict(), set()
for conv, bn in zip(convs, norms):  # greedy by shape, in order: same-shaped convolutions keep their order
    w = ours[conv + ".weight"]
    target = next(p for p in pairs if p not in used and state[p[0] + ".weight"].shape == w.shape)
    used.add(target)
    state[target[0] + ".weight"] = w
    for key in ("weight", "bias", "running_mean", "running_var"):
        state[f"{target[1]}.{key}"] = ours[f"{bn}.{key}"]
assert len(used) == len(pairs), "every convolution mapped"
model.load_state_dict(state)
model.fc = torch.nn.Identity()
model = model.to(memory_format=torch.channels_last).eval()

z0, z255 = torch.from_numpy(L("norm0.npy")), torch.from_numpy(L("norm255.npy"))  # [1, 3, S, S]
size = z0.shape[-1]


def normalise(pixels):  # [N, S, S] 0..255 -> [N, 3, S, S], as our Backbone.Normalize (affine per pixel)
    return (z0 + (pixels[:, None] / 255.0) * (z255 - z0)).contiguous(memory_format=torch.channels_last)


with torch.no_grad():
    check = model(normalise(torch.from_numpy(L("check_pixels.npy")))).numpy()
check_diff = float(np.abs(check - L("check_features.npy")).max())
assert check_diff < 1e-3 * max(1.0, float(np.abs(check).max())), f"the copy differs from ours: {check_diff}"
if os.environ.get("CHECK_ONLY"):
    sys.exit(print(json.dumps({"check_max_abs_diff": check_diff, "features_max_abs": float(np.abs(check).max())})))


def idx(folder, kind):
    prefix = "train" if os.path.exists(f"{folder}/train-images-idx3-ubyte.gz") else "t10k"
    raw = gzip.open(f"{folder}/{prefix}-images-idx3-ubyte.gz").read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    images = np.frombuffer(raw[16:], np.uint8).reshape(n, rows, cols)
    labels = np.frombuffer(gzip.open(f"{folder}/{prefix}-labels-idx1-ubyte.gz").read()[8:], np.uint8)
    resized = np.stack([np.asarray(Image.fromarray(a).resize((size, size), Image.BICUBIC)) for a in images])
    return torch.from_numpy(resized.astype(np.float32)), torch.from_numpy(labels.astype(np.int64))


load_start = time.perf_counter()
train_x, train_y = idx(train_dir, "train")
test_x, test_y = idx(test_dir, "test")
val_rows = sorted(int(i.split("#")[1]) for i in json.load(open(f"{our_run}/validation_predictions.json"))["ids"])
train_rows = sorted(set(range(len(train_y))) - set(val_rows))
val_x, val_y = train_x[val_rows], train_y[val_rows]
train_x, train_y = train_x[train_rows], train_y[train_rows]
load_seconds = time.perf_counter() - load_start


def features(pixels, batch=64):
    with torch.no_grad():
        return torch.cat([model(normalise(pixels[i:i + batch])) for i in range(0, len(pixels), batch)]).numpy()


def accuracy(pixels, labels, batch=64):
    model.eval()
    with torch.no_grad():
        hits = sum((model(normalise(pixels[i:i + batch])).argmax(1) == labels[i:i + batch]).sum().item()
                   for i in range(0, len(pixels), batch))
    return hits / len(labels)


# Stage 1: the probe on frozen features.
start = time.perf_counter()
ft, fv = features(train_x), features(val_x)
mean, scale = ft.mean(0), ft.std() + 1e-8  # centred, one scale for all features (as our probe)
ft_s, fv_s = (ft - mean) / scale, (fv - mean) / scale
probes = []
for decay in (1e-4, 1e-3, 1e-2, 1e-1):
    probe = LogisticRegression(C=1 / (decay * len(train_y)), max_iter=1000).fit(ft_s, train_y.numpy())
    probes.append((log_loss(val_y.numpy(), probe.predict_proba(fv_s), labels=range(10)), decay, probe))
_, decay, probe = min(probes, key=lambda p: p[0])
head = torch.nn.Linear(ft.shape[1], 10)
with torch.no_grad():  # the probe on standardised features as a head on raw ones
    w = torch.from_numpy(probe.coef_ / scale).float()
    head.weight.copy_(w)
    head.bias.copy_(torch.from_numpy(probe.intercept_).float() - w @ torch.from_numpy(mean).float())
model.fc = head
probe_seconds = time.perf_counter() - start
probe_val = accuracy(val_x, val_y)
probe_seconds_scored = time.perf_counter() - start

# Stage 2: every layer, discriminative rates.
groups = [["conv1", "bn1"], ["layer1"], ["layer2"], ["layer3"], ["layer4"], ["fc"]]
param_groups = []
for g, prefixes in enumerate(groups):
    lr = 1e-3 / 10 ** ((len(groups) - 1 - g) / (len(groups) - 1))
    named = [(n, p) for n, p in model.named_parameters() if n.split(".")[0] in prefixes]
    decayed = [p for n, p in named if p.ndim > 1]
    plain = [p for n, p in named if p.ndim <= 1]
    param_groups += [{"params": decayed, "lr": lr, "weight_decay": 0.05, "base": lr},
                     {"params": plain, "lr": lr, "weight_decay": 0.0, "base": lr}]
optimizer = torch.optim.AdamW(param_groups)
batch = 32
steps_per_epoch = (len(train_y) + batch - 1) // batch
total, warm = steps_per_epoch * epochs, max(1, int(0.1 * steps_per_epoch * epochs))
pad = round(size * 0.125)


def augment(x):
    x = F.pad(x, (pad, pad, pad, pad))
    out = torch.empty(x.shape[0], 3, size, size)
    for i in range(x.shape[0]):
        dy, dx = rng.integers(0, 2 * pad + 1, 2)
        out[i] = x[i, :, dy:dy + size, dx:dx + size]
    flip = torch.from_numpy(rng.integers(0, 2, x.shape[0]).astype(bool))
    out[flip] = out[flip].flip(3)
    return out.contiguous(memory_format=torch.channels_last)


curve, best, best_state, step = [(probe_seconds_scored, probe_val)], probe_val, None, 0
elapsed = probe_seconds_scored
for epoch in range(epochs):
    start = time.perf_counter()
    model.train()
    for m in model.modules():  # BatchNorm statistics frozen (LP-FT's default)
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    order = torch.from_numpy(rng.permutation(len(train_y)))
    for b in range(steps_per_epoch):
        rows = order[b * batch:(b + 1) * batch]
        for group in optimizer.param_groups:
            factor = (step + 1) / warm if step < warm else 0.5 * (1 + np.cos(np.pi * (step - warm) / (total - warm)))
            group["lr"] = group["base"] * factor
        x = augment(normalise(train_x[rows]))
        loss = F.cross_entropy(model(x), train_y[rows], label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
    val = accuracy(val_x, val_y)
    elapsed += time.perf_counter() - start
    curve.append((elapsed, val))
    if val > best:
        best, best_state = val, {k: v.clone() for k, v in model.state_dict().items()}
if best_state is not None:
    model.load_state_dict(best_state)
test = accuracy(test_x, test_y)

print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                  "preloaded": os.environ.get("LD_PRELOAD", ""), "input_size": size, "epochs": epochs,
                  "check_max_abs_diff": check_diff, "probe_weight_decay": decay, "probe_val_accuracy": probe_val,
                  "probe_stage_seconds": round(probe_seconds_scored, 2), "data_seconds": round(load_seconds, 2),
                  "best_val_accuracy": best, "test_accuracy": test, "curve": curve}))
