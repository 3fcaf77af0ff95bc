#!/usr/bin/env python3
"""Builds the two constructed image + record tasks of issue 19 from Debian's Fashion-MNIST.

Usage: multimodal_data.py OUT_FOLDER [PER_TYPE_TRAIN] [TEST_ROWS] [SEED]
  a/  type x price band: the label crosses the item type (only the image shows it) with a price band, budget or
      premium (only the record shows it, through a noisy price and a brand that agrees with the band 85 % of the time);
      20 classes; two more columns (in_stock, listed) carry nothing.
  b/  half and half: the label (4 classes) crosses "worn on the body" (T-shirt, trouser, pullover, dress, coat, shirt:
      image only) with the region, north or south (record only: temperature and a noisy region column); at test time
      15 % of rows have no image (empty cell) and another 15 % no record (every record cell empty).
Each folder: images/*.png (28x28 gray), train.csv and test.csv (image,label,...); b/test_full.csv: b's test rows
with nothing missing. Needs numpy and PIL.
"""
import gzip, os, sys
import numpy as np
from PIL import Image

SOURCE = "/usr/share/datasets/fashion-mnist"
TYPES = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
WORN = {0, 1, 2, 3, 4, 6}


def read(prefix):
    with gzip.open(os.path.join(SOURCE, f"{prefix}-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(SOURCE, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images, labels


def pick(labels, per_type, rng):
    rows = []
    for t in range(10):
        members = np.flatnonzero(labels == t)
        rows.extend(rng.choice(members, per_type, replace=False))
    rows = np.array(rows)
    rng.shuffle(rows)
    return rows


def write_images(folder, split, images, rows):
    os.makedirs(os.path.join(folder, "images"), exist_ok=True)
    names = []
    for k, i in enumerate(rows):
        name = f"images/{split}-{k:05d}.png"
        Image.fromarray(images[i]).save(os.path.join(folder, name))
        names.append(name)
    return names


def task_a(rng, names, types):
    premium = rng.random(len(types)) < 0.5
    price = np.where(premium, rng.lognormal(np.log(60), 0.35, len(types)), rng.lognormal(np.log(22), 0.35, len(types)))
    brands_budget, brands_premium = ["acme", "basic", "valu", "cheapo"], ["lux", "atelier", "prime", "noble"]
    agree = rng.random(len(types)) < 0.85
    brand = [
        (rng.choice(brands_premium) if p == a else rng.choice(brands_budget)) for p, a in zip(premium, agree)
    ]
    header = "image,label,price,brand,in_stock,listed"
    lines = [header]
    for k in range(len(types)):
        band = "premium" if premium[k] else "budget"
        stock = "yes" if rng.random() < 0.7 else "no"
        day = np.datetime64("2024-01-01") + int(rng.integers(0, 365))
        lines.append(f"{names[k]},{TYPES[types[k]]}-{band},{price[k]:.2f},{brand[k]},{stock},{day}")
    return lines


def task_b(rng, names, types, missing):
    south = rng.random(len(types)) < 0.5
    temperature = np.where(south, rng.normal(24, 5, len(types)), rng.normal(12, 5, len(types)))
    region = [("south" if s else "north") if rng.random() < 0.75 else rng.choice(["south", "north"]) for s in south]
    elevation = rng.normal(300, 100, len(types))
    drop = rng.random(len(types))
    header = "image,label,temperature,region,elevation"
    lines = [header]
    for k in range(len(types)):
        worn = "worn" if types[k] in WORN else "carried"
        label = f"{worn}-{'south' if south[k] else 'north'}"
        image, record = names[k], f"{temperature[k]:.1f},{region[k]},{elevation[k]:.0f}"
        if missing and drop[k] < 0.15:
            image = ""
        elif missing and drop[k] < 0.30:
            record = ",,"
        lines.append(f"{image},{label},{record}")
    return lines


def main():
    out = sys.argv[1]
    per_type = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    test_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    rng = np.random.default_rng(seed)
    train_images, train_labels = read("train")
    test_images, test_labels = read("t10k")
    train_rows = pick(train_labels, per_type, rng)
    test_rows_idx = pick(test_labels, test_rows // 10, rng)
    for task in ("a", "b"):
        folder = os.path.join(out, task)
        os.makedirs(folder, exist_ok=True)
        train_names = write_images(folder, "train", train_images, train_rows)
        test_names = write_images(folder, "test", test_images, test_rows_idx)
        for split, names, types in (
            ("train", train_names, train_labels[train_rows]),
            ("test", test_names, test_labels[test_rows_idx]),
        ):
            state = rng.bit_generator.state
            lines = task_a(rng, names, types) if task == "a" else task_b(rng, names, types, split == "test")
            with open(os.path.join(folder, f"{split}.csv"), "w") as f:
                f.write("\n".join(lines) + "\n")
            if task == "b" and split == "test":
                # The same rows with nothing missing (the same draws, the dropping skipped).
                after = rng.bit_generator.state
                rng.bit_generator.state = state
                full = task_b(rng, names, types, False)
                rng.bit_generator.state = after
                with open(os.path.join(folder, "test_full.csv"), "w") as f:
                    f.write("\n".join(full) + "\n")
        print(f"{folder}: {len(train_rows)} train rows, {len(test_rows_idx)} test rows")


if __name__ == "__main__":
    main()
