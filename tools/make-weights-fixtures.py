#!/usr/bin/python3
"""Write the checkpoint fixtures of src/core/weights/ into test/fixtures/weights/.

Usage: /usr/bin/python3 tools/make-weights-fixtures.py

Every file is small (the whole folder stays under 1 MB). expected.json holds, per readable fixture,
key -> dtype, shape, the first values (flattened, as float) and the float64 sum, plus the exact
`load_state_dict` error texts PyTorch raises for the mismatched checkpoints, with the module list
(path, params and persistent buffers, in `named_modules()` order) of the model they were loaded into.
The malicious files are only written, never loaded: their payload would run under torch.load.
Every file but legacy.pth (whose storage keys are object ids) comes out byte-identical on each run.
"""
import io
import json
import os
import struct
import subprocess
import sys
import zipfile

sys.dont_write_bytecode = True
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "weights")
PAYLOAD_FILE = "/tmp/pwned"


class AlexNet(nn.Module):
    """A tiny stand-in with AlexNet's module layout (features.N / classifier.N), BatchNorm buffers included."""

    def __init__(self, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 4, kernel_size=3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 6, kernel_size=3, padding=1, bias=False),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Linear(6 * 2 * 2, 8),
            nn.ReLU(inplace=True),
            nn.Linear(8, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def trained_model(num_classes=5, seed=0):
    torch.manual_seed(seed)
    model = AlexNet(num_classes)
    model.train()
    model(torch.randn(2, 3, 4, 4))  # moves running_mean/var and num_batches_tracked off their defaults
    return model


def describe(tensor):
    flat = tensor.detach().reshape(-1)
    as_float = flat.to(torch.float64)
    return {
        "dtype": str(tensor.dtype).replace("torch.", ""),
        "shape": list(tensor.shape),
        "values": as_float[:6].tolist(),
        "last": as_float[-1].item() if flat.numel() else None,
        "sum": as_float.sum().item(),
    }


def describe_state(state):
    return {k: describe(v) for k, v in state.items()}


def module_list(model):
    """What the TypeScript side passes to bindStateDict: modules in named_modules() order."""
    rows = []
    for path, module in model.named_modules():
        params = [{"name": n, "shape": list(p.shape)} for n, p in module._parameters.items() if p is not None]
        params += [
            {"name": n, "shape": list(b.shape)}
            for n, b in module._buffers.items()
            if b is not None and n not in module._non_persistent_buffers_set
        ]
        rows.append({"path": path, "params": params})
    return rows


def load_error(model, state):
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        return str(error)
    return None


def save(obj, name, **kwargs):
    torch.save(obj, os.path.join(OUT, name), **kwargs)


def read_zip(name):
    with zipfile.ZipFile(os.path.join(OUT, name)) as archive:
        return [(info, archive.read(info.filename)) for info in archive.infolist()]


def write_zip(name, entries):
    """entries: (arcname, bytes, compress_type)."""
    with zipfile.ZipFile(os.path.join(OUT, name), "w") as archive:
        for arcname, data, compression in entries:
            info = zipfile.ZipInfo(arcname, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data, compress_type=compression, compresslevel=9 if compression else None)


class RunsOsSystem:
    def __reduce__(self):
        return (os.system, ("touch " + PAYLOAD_FILE,))


class RunsEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch %s')" % PAYLOAD_FILE,))


class RunsPopen:
    def __reduce__(self):
        return (subprocess.Popen, (["touch", PAYLOAD_FILE],))


def write_safetensors(name, state, metadata):
    header, chunks, offset = {}, [], 0
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
             torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
             torch.bool: "BOOL"}
    for key, tensor in state.items():
        tensor = tensor.contiguous()
        raw = (tensor.view(torch.int16) if tensor.dtype == torch.bfloat16 else tensor).numpy().tobytes()
        header[key] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces to 8 bytes
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def all_dtypes():
    torch.manual_seed(1)
    base = torch.randn(2, 3)
    return {
        "f32": base.clone(),
        "f16": base.half(),
        "bf16": base.bfloat16(),
        "f64": base.double() * 1e3,
        "i64": torch.tensor([[-(2 ** 40), -1, 0], [1, 7, 2 ** 40]], dtype=torch.int64),
        "i32": torch.tensor([-(2 ** 31), -5, 0, 5, 2 ** 31 - 1], dtype=torch.int32),
        "i16": torch.tensor([-32768, -1, 2, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    expected = {"torch": torch.__version__, "files": {}, "bind": {}}

    model = trained_model()
    state = model.state_dict()
    save(state, "tiny_f32.pth")
    expected["files"]["tiny_f32.pth"] = {"keys": list(state), "tensors": describe_state(state)}

    half = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
    save(half, "tiny_f16.pth")
    expected["files"]["tiny_f16.pth"] = {"keys": list(half), "tensors": describe_state(half)}

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(2, 3, 4, 4)).sum().backward()
    optimizer.step()
    save({"state_dict": state, "epoch": 3, "optimizer": optimizer.state_dict(), "best_acc": np.float64(0.75),
          "arch": "alexnet", "tag": b"\x00\xffraw"}, "wrapped_state_dict.pth")
    expected["files"]["wrapped_state_dict.pth"] = {"keys": list(state), "tensors": describe_state(state),
                                                  "source": "state_dict"}
    for wrapper in ("model", "model_state_dict", "net"):
        name = "wrapped_%s.pth" % wrapper
        save({wrapper: state, "epoch": 7}, name)
        expected["files"][name] = {"keys": list(state), "tensors": describe_state(state), "source": wrapper}

    parallel = nn.DataParallel(model)  # without CUDA it only wraps: keys gain the "module." prefix
    parallel_state = parallel.state_dict()
    assert all(k.startswith("module.") for k in parallel_state)
    save(parallel_state, "data_parallel.pth")
    expected["files"]["data_parallel.pth"] = {"keys": list(state), "tensors": describe_state(state),
                                             "strippedPrefix": "module."}

    torch.manual_seed(2)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    shared = torch.randn(10)
    views = {
        "base": base,
        "slice": base[1:3, ::2],
        "transpose": base.t(),
        "column": base[:, 4],
        "shared_a": shared,
        "shared_b": shared[3:7],
        "shared_c": shared.view(2, 5).t(),
        "expanded": torch.tensor([1.0, 2.0, 3.0]).expand(4, 3),
        "scalar": shared[5],
        "num_batches_tracked": torch.tensor(11, dtype=torch.int64),
        "long_view": torch.arange(12, dtype=torch.int64).reshape(3, 4)[:, 1::2],
    }
    save(views, "views.pth")
    expected["files"]["views.pth"] = {"keys": list(views), "tensors": describe_state(views)}

    dtypes = all_dtypes()
    save(dtypes, "dtypes.pth")
    expected["files"]["dtypes.pth"] = {"keys": list(dtypes), "tensors": describe_state(dtypes)}
    write_safetensors("dtypes.safetensors", dtypes, {"format": "pt", "source": "make-weights-fixtures"})
    expected["files"]["dtypes.safetensors"] = {"keys": list(dtypes), "tensors": describe_state(dtypes),
                                              "metadata": {"format": "pt", "source": "make-weights-fixtures"}}
    write_safetensors("tiny_f32.safetensors", state, {"format": "pt"})
    expected["files"]["tiny_f32.safetensors"] = {"keys": list(state), "tensors": describe_state(state)}

    save(state, "legacy.pth", _use_new_zipfile_serialization=False)

    # Malicious: each carries a valid state_dict next to the payload, so a lax reader would be fooled.
    save({"state_dict": state, "payload": RunsOsSystem()}, "evil_os_system.pth")
    save({"state_dict": state, "payload": RunsEval()}, "evil_eval.pth")
    save({"state_dict": state, "payload": RunsPopen()}, "evil_subprocess.pth")
    entries = read_zip("evil_os_system.pth")
    pickled = [data for info, data in entries if info.filename.endswith("/data.pkl")][0]
    assert b"cposix\nsystem\n" in pickled
    write_zip("evil_os_global.pth", [
        (info.filename, data.replace(b"cposix\nsystem\n", b"cos\nsystem\n") if info.filename.endswith("data.pkl")
         else data, zipfile.ZIP_STORED) for info, data in entries])
    save(model, "whole_model.pth")  # pickles the nn.Module classes themselves

    with open(os.path.join(OUT, "tiny_f32.pth"), "rb") as f:
        whole = f.read()
    with open(os.path.join(OUT, "truncated.pth"), "wb") as f:
        f.write(whole[: len(whole) * 3 // 5])

    # Zip bombs: storage 0 of the tiny state_dict (432 bytes) replaced by 32 MiB of deflated zeros.
    entries = read_zip("tiny_f32.pth")
    bomb = b"\x00" * (32 << 20)
    write_zip("bomb_declared.pth", [
        (info.filename, bomb if info.filename.endswith("/data/0") else data,
         zipfile.ZIP_DEFLATED if info.filename.endswith("/data/0") else zipfile.ZIP_STORED) for info, data in entries])
    storage0 = [data for info, data in entries if info.filename.endswith("/data/0")][0]
    lying = bytearray(open(os.path.join(OUT, "bomb_declared.pth"), "rb").read())
    patched = 0
    with zipfile.ZipFile(io.BytesIO(bytes(lying))) as archive:
        target = [i for i in archive.infolist() if i.filename.endswith("/data/0")][0]
    assert lying[target.header_offset:target.header_offset + 4] == b"PK\x03\x04"
    lying[target.header_offset + 22:target.header_offset + 26] = struct.pack("<I", len(storage0))
    at = lying.find(b"PK\x01\x02")
    while at >= 0:  # central directory entries: name length at +28, name at +46, uncompressed size at +24
        name_length = struct.unpack_from("<H", lying, at + 28)[0]
        if bytes(lying[at + 46:at + 46 + name_length]) == target.filename.encode():
            lying[at + 24:at + 28] = struct.pack("<I", len(storage0))
            patched += 1
        at = lying.find(b"PK\x01\x02", at + 4)
    assert patched == 1, patched
    with open(os.path.join(OUT, "bomb_lying.pth"), "wb") as f:
        f.write(bytes(lying))

    write_zip("short_storage.pth", [
        (info.filename, data[: len(data) // 2] if info.filename.endswith("/data/0") else data, zipfile.ZIP_STORED)
        for info, data in entries])
    with open(os.path.join(OUT, "not_a_checkpoint.pth"), "wb") as f:
        f.write(b"this is a text file, not a checkpoint\n")

    # load_state_dict(strict=True) against a model with 5 classes.
    target = trained_model(num_classes=5)
    other = trained_model(num_classes=10, seed=3).state_dict()
    del other["features.1.running_var"]
    other["fc.weight"] = torch.zeros(2)
    other["features.7.weight"] = torch.zeros(3)
    other["classifier.1.extra"] = torch.zeros(1)
    save(other, "mismatch.pth")
    no_nbt = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    save(no_nbt, "no_metadata.pth")  # a plain dict: no _metadata, so BatchNorm fills num_batches_tracked
    with_metadata = state.copy()
    with_metadata._metadata = state._metadata  # copy() drops the attribute; state_dict() sets it
    del with_metadata["features.1.num_batches_tracked"]
    save(with_metadata, "missing_nbt.pth")  # _metadata says BatchNorm version 2: the buffer is required
    expected["bind"] = {
        "modelName": type(target).__name__,
        "modules": module_list(target),
        "tiny_f32.pth": load_error(AlexNet(5), state),
        "tiny_f16.pth": load_error(AlexNet(5), half),
        "mismatch.pth": load_error(AlexNet(5), other),
        "no_metadata.pth": load_error(AlexNet(5), no_nbt),
        "missing_nbt.pth": load_error(AlexNet(5), with_metadata),
    }
    assert expected["bind"]["mismatch.pth"] and expected["bind"]["missing_nbt.pth"]
    assert expected["bind"]["no_metadata.pth"] is None

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote %d files, %d bytes, into %s" % (len(os.listdir(OUT)), total, OUT))
    assert total < 1 << 20


if __name__ == "__main__":
    main()
