#!/usr/bin/env python3
"""Builds one variant of a Fashion-MNIST IDX folder for the advisor's task suite (issue 6).

Usage: suite_data.py VARIANT SOURCE_FOLDER OUT_FOLDER SEED
  plain      the images as they are (IDX, copied)
  blurred    Gaussian blur, sigma 1.5 px on the 28x28 image: only low spatial frequencies remain (IDX)
  high-pass  128 + 2 * (image - its Gaussian blur, sigma 1.5 px), clipped to 0..255: texture and edges only (IDX)
  colourised every image drawn between a random dark background colour and a random bright foreground colour
             (hues independent of the class, seeded): RGB PNG files in class folders "<index>-<name>"
The source folder holds one *-images-idx3-ubyte.gz, its labels file and classes.txt (what `dataset subset` writes).
Needs numpy (Debian: python3-numpy) and, for colourised, PIL (python3-pil).
"""
import glob, gzip, os, shutil, sys
import numpy as np


def read_idx(folder):
    images_path = glob.glob(os.path.join(folder, "*images-idx3-ubyte.gz"))
    if len(images_path) != 1:
        sys.exit(f"{folder}: expected exactly one *images-idx3-ubyte.gz, found {len(images_path)}")
    images_path = images_path[0]
    labels_path = images_path.replace("images-idx3", "labels-idx1")
    with gzip.open(images_path) as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    images = np.frombuffer(raw, np.uint8, n * rows * cols, 16).reshape(n, rows, cols)
    with gzip.open(labels_path) as f:
        labels = np.frombuffer(f.read(), np.uint8, n, 8)
    return images_path, labels_path, images, labels


def write_idx(path, images):
    header = bytes([0, 0, 8, 3]) + b"".join(int(v).to_bytes(4, "big") for v in images.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(images, np.uint8).tobytes())


def gaussian_blur(images, sigma):
    radius = int(3 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-x ** 2 / (2 * sigma ** 2))
    kernel /= kernel.sum()
    padded = np.pad(images.astype(np.float64), ((0, 0), (radius, radius), (radius, radius)), mode="edge")
    rows = sum(kernel[i] * padded[:, i:i + images.shape[1], :] for i in range(len(kernel)))
    return sum(kernel[i] * rows[:, :, i:i + images.shape[2]] for i in range(len(kernel)))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    variant, source, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    images_path, labels_path, images, labels = read_idx(source)
    classes = [l.strip() for l in open(os.path.join(source, "classes.txt")) if l.strip()]
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if variant in ("plain", "blurred", "high-pass"):
        if variant == "plain":
            result = images
        elif variant == "blurred":
            result = np.clip(np.round(gaussian_blur(images, 1.5)), 0, 255)
        else:
            result = np.clip(np.round(128 + 2 * (images - gaussian_blur(images, 1.5))), 0, 255)
        write_idx(os.path.join(tmp, os.path.basename(images_path)), result)
        shutil.copy(labels_path, os.path.join(tmp, os.path.basename(labels_path)))
        shutil.copy(os.path.join(source, "classes.txt"), tmp)
    elif variant == "colourised":
        from PIL import Image
        import colorsys
        rng = np.random.default_rng(seed)
        for c, name in enumerate(classes):
            os.makedirs(os.path.join(tmp, f"{c}-{name.replace('/', '_')}"))
        for i, (image, label) in enumerate(zip(images, labels)):
            fg = np.array(colorsys.hsv_to_rgb(rng.random(), 0.4 + 0.6 * rng.random(), 0.8 + 0.2 * rng.random()))
            bg = np.array(colorsys.hsv_to_rgb(rng.random(), 0.4 + 0.6 * rng.random(), 0.3 * rng.random()))
            t = image.astype(np.float64)[..., None] / 255.0
            rgb = np.round(255 * (bg + t * (fg - bg))).clip(0, 255).astype(np.uint8)
            folder = f"{label}-{classes[label].replace('/', '_')}"
            Image.fromarray(rgb, "RGB").save(os.path.join(tmp, folder, f"{i:05d}.png"))
    else:
        sys.exit(f"unknown variant '{variant}' (plain, blurred, high-pass, colourised)")
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


if __name__ == "__main__":
    main()
