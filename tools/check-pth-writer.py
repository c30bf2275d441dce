#!/usr/bin/env python3
"""Checks, with Debian's torch, a .pth our writer produced (test/fixtures/training/written-by-us.pth, written by
tools/write-pth-fixture.ts): torch.load reads it, TinyNet(num_classes=3).load_state_dict(strict=True) takes it,
and its data.pkl is byte for byte what torch.save(model.state_dict()) writes. Records the verdict, the file's
sha256 and what torch read (keys, dtypes, shapes, sums) in test/fixtures/training/pth-writer-check.json, which
test/unit/pth-writer.test.ts asserts (it fails if the writer's output changes without a new check).

    /usr/bin/python3 tools/check-pth-writer.py
"""
import hashlib, importlib.util, io, json, os, zipfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, 'test', 'fixtures', 'training')
PTH = os.path.join(FIX, 'written-by-us.pth')

spec = importlib.util.spec_from_file_location('tiny_net', os.path.join(FIX, 'tiny_net.py'))
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

raw = open(PTH, 'rb').read()
sd = torch.load(PTH, map_location='cpu')
model = mod.TinyNet(num_classes=3)
result = model.load_state_dict(sd, strict=True)

buf = io.BytesIO()
torch.save(model.state_dict(), buf)
theirs = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
ours = zipfile.ZipFile(PTH)
pkl = lambda z: z.read(next(n for n in z.namelist() if n.endswith('/data.pkl')))
aligned = all((i.header_offset + 30 + len(i.filename.encode()) + len(i.extra)) % 64 == 0 for i in ours.infolist())

out = {
    'torch': torch.__version__,
    'sha256': hashlib.sha256(raw).hexdigest(),
    'load_state_dict': str(result),
    'type': type(sd).__module__ + '.' + type(sd).__name__,
    'metadata': {k: v for k, v in getattr(sd, '_metadata', {}).items()},
    'data_pkl_identical_to_torch_save': pkl(ours) == pkl(theirs),
    'entries': [i.filename for i in ours.infolist()],
    'data_aligned_64': aligned,
    'tensors': [{'key': k, 'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape),
                 'sum': float(v.double().sum()), 'first': float(v.flatten()[0].double()) if v.numel() else None}
                for k, v in sd.items()],
}
with open(os.path.join(FIX, 'pth-writer-check.json'), 'w') as f:
    json.dump(out, f, indent=2)
    f.write('\n')
print(json.dumps({k: out[k] for k in ('load_state_dict', 'data_pkl_identical_to_torch_save', 'data_aligned_64', 'sha256')}))
