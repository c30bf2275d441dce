"""Runs the Python snippets (snippets/python.json, as VS Code inserts them: each placeholder at its default) and the
training scripts the reader's tests use (test/fixtures/training-scripts/*.py) in PyTorch, on tiny generated data:
a 5-class ImageFolder at data/train and a Fashion-MNIST-like IDX folder at data/FashionMNIST/raw.
Writes test/fixtures/training-scripts/snippet-*.py (the snippets as inserted) and
test/fixtures/training-scripts/checked.json (the sha256 of each text that ran, with its output), which
test/unit/training-script.test.ts compares with today's texts: change a snippet or a script, run this again.
Run: /usr/bin/python3 tools/check-snippets.py
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "test", "fixtures", "training-scripts")


def expand(body):
    """A snippet body as VS Code inserts it: ${n:default} -> default (nested too), $n / ${n} -> '', \\$ \\} \\\\ unescaped."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in "$}\\":
            out.append(body[i + 1])
            i += 2
        elif c == "$" and i + 1 < len(body) and body[i + 1] == "{":
            j, depth = i + 2, 1
            while depth:
                if body[j] == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(body[j], 0)
                j += 1
            inner = body[i + 2:j - 1]
            head, _, default = inner.partition(":")
            assert head.isdigit(), f"only numbered placeholders: ${{{inner}}}"
            out.append(expand(default))
            i = j
        elif c == "$" and i + 1 < len(body) and body[i + 1].isdigit():
            i += 1
            while i < len(body) and body[i].isdigit():
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_data(cwd):
    rng = np.random.default_rng(0)
    for k in range(5):
        d = os.path.join(cwd, "data", "train", f"class_{k}")
        os.makedirs(d)
        for n in range(2):
            Image.fromarray(rng.integers(0, 256, (40 + 8 * n, 48, 3), dtype=np.uint8)).save(os.path.join(d, f"{n}.png"))
    Image.fromarray(rng.integers(0, 256, (60, 50, 3), dtype=np.uint8)).save(os.path.join(cwd, "test.jpg"))
    raw = os.path.join(cwd, "data", "FashionMNIST", "raw")
    os.makedirs(raw)
    for split, count in (("train", 32), ("t10k", 16)):
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = (np.arange(count) % 10).astype(np.uint8)
        with open(os.path.join(raw, f"{split}-images-idx3-ubyte"), "wb") as f:
            f.write(bytes([0, 0, 8, 3]) + np.array([count, 28, 28], ">i4").tobytes() + images.tobytes())
        with open(os.path.join(raw, f"{split}-labels-idx1-ubyte"), "wb") as f:
            f.write(bytes([0, 0, 8, 1]) + np.array([count], ">i4").tobytes() + labels.tobytes())


def run(cwd, file, text):
    with open(os.path.join(cwd, file), "w") as f:
        f.write(text)
    p = subprocess.run([sys.executable, file], cwd=cwd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f"{file} failed in PyTorch:\n{p.stdout}\n{p.stderr}")
    lines = p.stdout.strip().split("\n")
    print(f"{file}: ran; last line: {lines[-1]}")
    return {"sha256": sha256(text), "output": lines[-3:]}


def main():
    with open(os.path.join(ROOT, "snippets", "python.json")) as f:
        snippets = json.load(f)
    checked = {"torch": torch.__version__, "torchvision": torchvision.__version__, "snippets": {}, "scripts": {}}
    cwd = tempfile.mkdtemp(prefix="check-snippets-")
    try:
        make_data(cwd)
        order = ["alexnet", "alexnet-train", "alexnet-predict"]
        assert sorted(order) == sorted(snippets), f"snippets: {sorted(snippets)}"
        for name in order:
            body = "\n".join(snippets[name]["body"])
            text = expand(body) + ("" if expand(body).endswith("\n") else "\n")
            with open(os.path.join(SCRIPTS, f"snippet-{name}.py"), "w") as f:
                f.write(text)
            # the model snippet is the module the others import (`from model import AlexNet`)
            entry = run(cwd, "model.py" if name == "alexnet" else f"{name}.py", text)
            entry["body_sha256"] = sha256(body)
            checked["snippets"][name] = entry
        assert os.path.exists(os.path.join(cwd, "AlexNet.pth")) and os.path.exists(os.path.join(cwd, "class_indices.json"))
        for file in sorted(os.listdir(SCRIPTS)):
            if file.endswith(".py") and not file.startswith("snippet-"):
                with open(os.path.join(SCRIPTS, file)) as f:
                    checked["scripts"][file] = run(cwd, file, f.read())
    finally:
        shutil.rmtree(cwd)
    with open(os.path.join(SCRIPTS, "checked.json"), "w") as f:
        json.dump(checked, f, indent=2)
        f.write("\n")
    print("wrote test/fixtures/training-scripts/checked.json")


if __name__ == "__main__":
    main()
