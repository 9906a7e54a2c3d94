#!/usr/bin/env python3
"""Writes the quickstart's Fashion-MNIST subset: a class-balanced sample of Debian's dataset-fashion-mnist.

Usage: python3 make_subset.py [/usr/share/datasets/fashion-mnist] [train-per-class] [test-per-class]
The same source files and counts always give the same subset (fixed seed, files written with mtime 0).
"""
import gzip
import os
import random
import struct
import sys

source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
per_class = {"train": int(sys.argv[2]) if len(sys.argv) > 2 else 500, "t10k": int(sys.argv[3]) if len(sys.argv) > 3 else 100}
here = os.path.dirname(os.path.abspath(__file__))


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    found, count = struct.unpack(">II", data[:8])
    if found != magic:
        raise SystemExit(f"{path}: magic {found:#x}, expected {magic:#x}")
    header = 16 if magic == 0x803 else 8
    size = (len(data) - header) // count
    return [data[header + i * size: header + (i + 1) * size] for i in range(count)], data[8:header]


def write_idx(path, magic, dims, items):
    payload = struct.pack(">II", magic, len(items)) + dims + b"".join(items)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(payload)


for split, count in per_class.items():
    images, dims = read_idx(os.path.join(source, f"{split}-images-idx3-ubyte.gz"), 0x803)
    labels, _ = read_idx(os.path.join(source, f"{split}-labels-idx1-ubyte.gz"), 0x801)
    rng = random.Random(20261201)
    chosen = []
    for label in range(10):
        indices = [i for i, l in enumerate(labels) if l[0] == label]
        chosen += rng.sample(indices, count)
    chosen.sort()
    write_idx(os.path.join(here, f"{split}-images-idx3-ubyte.gz"), 0x803, dims, [images[i] for i in chosen])
    write_idx(os.path.join(here, f"{split}-labels-idx1-ubyte.gz"), 0x801, b"", [labels[i] for i in chosen])
    print(f"{split}: {len(chosen)} images")
