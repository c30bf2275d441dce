#!/usr/bin/env python3
"""Image fixtures for src/core/images, made by Pillow 9.4 + torchvision 0.14 (run with /usr/bin/python3).

Writes test/fixtures/images/:
  inputs/     small images in every supported layout (PNG, JPEG, GIF, BMP, WebP), some hand-encoded because
              Pillow cannot write them (interlaced and 16-bit RGB PNGs, top-down and bit-field BMPs)
  bad/        files that must fail cleanly (not an image, truncated, corrupt, 30000x30000 declared, 0x0)
  expected/   <name>.pixels.png   Pillow's decoded pixels, convert('RGBA') (the resize input for JPEGs)
              <name>.<preset>.<rgb|l>.png  the 224x224 image ToTensor receives, per preset and channel mode
              normalize.json      torch's ToTensor+Normalize for each byte value, per preset and channel
              <name>.seed.rgb.f32.gz  one end-to-end tensor (float32, CHW, little-endian, gzip)
  manifest.json
and models/fashion-mnist/samples/ (20 Fashion-MNIST test images, 2 per class) and media/imagenet-classes.json.

    /usr/bin/python3 tools/make-image-fixtures.py
"""
import gzip, io, json, os, shutil, struct, zlib

import numpy as np
import torch
from PIL import Image
from torchvision import transforms
from torchvision.models import AlexNet_Weights

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'images')
SAMPLES = os.path.join(ROOT, 'models', 'fashion-mnist', 'samples')
FASHION = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

PRESETS = {
    'seed': {
        3: transforms.Compose([transforms.Resize((224, 224))]),
        'norm3': transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
        'norm1': transforms.Normalize((0.5,), (0.5,)),
    },
    'imagenet': {
        3: transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)]),
        'norm3': transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        'norm1': transforms.Normalize([0.449], [0.226]),  # our choice for one channel: torchvision defines none
    },
}


# the cases whose 224x224 results are stored: every geometry (down, up, odd, portrait, wide downscale), both modes
RESIZED = {'rgb-300x200', 'downscale-520x390', 'rgba-37x53', 'gray-64x48', 'palette-50x30', 'fashion-28x28',
           'jpeg-baseline-300x200'}


def scene(w, h, seed, noise=2.0):
    """A deterministic picture with smooth areas, hard edges and fine stripes (which antialiasing must blur)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    img[..., 0] = 255 * x / max(w - 1, 1)
    img[..., 1] = 255 * y / max(h - 1, 1)
    img[..., 2] = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 5.0)
    for _ in range(4):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(min(w, h) / 8, min(w, h) / 3)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
    img[:, (np.arange(w) // 2) % 2 == 0] *= 0.8  # 2-pixel stripes
    img += rng.normal(0, noise, img.shape)  # a little noise: rounding gets exercised, the PNGs stay small
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


# ---- hand-made PNGs (Pillow writes neither interlaced nor 16-bit RGB PNGs) ----------------------------------------

def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)


def pack_row(samples, depth):
    """One row of samples (already flattened channels) as PNG bytes."""
    if depth == 8:
        return bytes(samples.astype(np.uint8))
    if depth == 16:
        return samples.astype('>u2').tobytes()
    bits = ''.join(format(int(v), f'0{depth}b') for v in samples)
    bits += '0' * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def filter_row(kind, row, prev, bpp):
    out = bytearray(len(row))
    for i, v in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 0: p = 0
        elif kind == 1: p = a
        elif kind == 2: p = b
        elif kind == 3: p = (a + b) // 2
        else:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (v - p) & 0xff
    return bytes(out)


def write_png(path, samples, color_type, depth, interlace=False, palette=None, trns=None):
    """samples: (h, w, channels) array of integer sample values. Rows use every filter type in turn."""
    h, w, ch = samples.shape
    bpp = max(1, ch * depth // 8)
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
              if interlace else [(0, 0, 1, 1)])
    raw, n = bytearray(), 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        prev = None
        for row in sub:
            data = pack_row(row.reshape(-1), depth)
            prev = prev or bytes(len(data))
            kind = n % 5
            raw += bytes([kind]) + filter_row(kind, data, prev, bpp)
            prev, n = data, n + 1
    out = b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color_type, 0, 0, int(interlace)))
    if palette is not None:
        out += png_chunk(b'PLTE', bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += png_chunk(b'tRNS', trns)
    out += png_chunk(b'IDAT', zlib.compress(bytes(raw), 9)) + png_chunk(b'IEND', b'')
    with open(path, 'wb') as f:
        f.write(out)


# ---- hand-made BMPs ------------------------------------------------------------------------------------------------

def write_bmp(path, rgba, bits, top_down=False, masks=None, header_size=40):
    h, w, _ = rgba.shape
    stride = (bits * w + 31) // 32 * 4
    rows = []
    for y in range(h):
        px = rgba[y].astype(np.uint32)
        if bits == 24:
            row = px[:, [2, 1, 0]].astype(np.uint8).tobytes()
        elif bits == 16:  # 5-6-5
            v = ((px[:, 0] >> 3) << 11) | ((px[:, 1] >> 2) << 5) | (px[:, 2] >> 3)
            row = v.astype('<u2').tobytes()
        else:  # 32 with alpha in the top byte
            v = (px[:, 3] << 24) | (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
            row = v.astype('<u4').tobytes()
        rows.append(row + b'\0' * (stride - len(row)))
    if not top_down:
        rows.reverse()
    pixels = b''.join(rows)
    compression = 3 if masks else 0
    extra = b''.join(struct.pack('<I', m) for m in masks) if masks else b''
    info = struct.pack('<IiiHHIIiiII', header_size, w, -h if top_down else h, 1, bits, compression, len(pixels), 2835, 2835, 0, 0)
    info += extra
    info += b'\0' * (header_size - len(info)) if len(info) < header_size else b''
    offset = 14 + len(info)
    with open(path, 'wb') as f:
        f.write(b'BM' + struct.pack('<IHHI', offset + len(pixels), 0, 0, offset) + info + pixels)


# ---- the cases ------------------------------------------------------------------------------------------------------

def make_inputs(inputs):
    """Writes each input; returns [(name, file, note)]."""
    cases = []

    def add(name, ext, note, save):
        path = os.path.join(inputs, f'{name}.{ext}')
        save(path)
        cases.append((name, f'inputs/{name}.{ext}', note))

    rgb = scene(300, 200, 1)
    add('rgb-300x200', 'png', 'PNG RGB 8-bit, downscale', lambda p: Image.fromarray(rgb).save(p))
    add('downscale-520x390', 'png', 'PNG RGB, downscale by more than 2 (filter support widens)',
        lambda p: Image.fromarray(scene(520, 390, 26, noise=0)).save(p, optimize=True))
    odd = scene(37, 53, 2)
    alpha = np.fromfunction(lambda y, x: (x * 7 + y * 3) % 256, (53, 37)).astype(np.uint8)
    add('rgba-37x53', 'png', 'PNG RGBA, alpha dropped by convert', lambda p: Image.fromarray(np.dstack([odd, alpha]), 'RGBA').save(p))
    gray = scene(64, 48, 3)[..., 1]
    add('gray-64x48', 'png', 'PNG grayscale 8-bit', lambda p: Image.fromarray(gray, 'L').save(p))
    add('gray-alpha-40x40', 'png', 'PNG grayscale+alpha',
        lambda p: Image.fromarray(np.dstack([scene(40, 40, 4)[..., 0], np.full((40, 40), 90, np.uint8)]), 'LA').save(p))
    pal = Image.fromarray(scene(50, 30, 5)).quantize(colors=64, dither=Image.Dither.NONE)
    add('palette-50x30', 'png', 'PNG palette 8-bit with tRNS', lambda p: pal.save(p, transparency=3))
    add('gray1-19x13', 'png', 'PNG 1-bit grayscale',
        lambda p: Image.fromarray(scene(19, 13, 6)[..., 0] > 128).save(p))
    s16 = (scene(45, 30, 7).astype(np.uint16) * 257 + np.arange(45, dtype=np.uint16)[None, :, None] * 3)
    add('rgb16-45x30', 'png', 'PNG RGB 16-bit (hand-made)', lambda p: write_png(p, s16, 2, 16))
    g16 = (scene(33, 27, 8)[..., 2].astype(np.uint16) * 256 + 77)
    add('gray16-33x27', 'png', 'PNG grayscale 16-bit: Pillow 9.4 clips these to white, we keep the high byte',
        lambda p: Image.fromarray(g16.astype(np.uint16), 'I;16').save(p))
    add('rgb-interlaced-41x29', 'png', 'PNG RGB Adam7 interlaced (hand-made)',
        lambda p: write_png(p, scene(41, 29, 9), 2, 8, interlace=True))
    rgba_i = np.dstack([scene(23, 17, 10), np.full((17, 23), 200, np.uint8)])
    add('rgba-interlaced-23x17', 'png', 'PNG RGBA Adam7 interlaced (hand-made)', lambda p: write_png(p, rgba_i, 6, 8, interlace=True))
    pal4 = np.array([[i * 16, 255 - i * 16, (i * 53) % 256] for i in range(16)], np.uint8)
    idx4 = (np.add.outer(np.arange(21), np.arange(33)) // 3 % 16).astype(np.uint8)[..., None]
    add('palette4-interlaced-33x21', 'png', 'PNG 4-bit palette, Adam7 interlaced (hand-made)',
        lambda p: write_png(p, idx4, 3, 4, interlace=True, palette=pal4, trns=bytes([0, 128])))
    g2 = (scene(30, 11, 11)[..., 0] // 64).astype(np.uint8)[..., None]
    add('gray2-interlaced-30x11', 'png', 'PNG 2-bit grayscale, Adam7 interlaced (hand-made)', lambda p: write_png(p, g2, 0, 2, interlace=True))
    add('rgb-trns-20x20', 'png', 'PNG RGB with a tRNS colour (hand-made)',
        lambda p: write_png(p, scene(20, 20, 12) // 64 * 64, 2, 8, trns=struct.pack('>HHH', 0, 64, 128)))
    photo = scene(300, 200, 13)
    add('jpeg-baseline-300x200', 'jpg', 'JPEG baseline 4:2:0, quality 90', lambda p: Image.fromarray(photo).save(p, quality=90))
    add('jpeg-progressive-123x77', 'jpg', 'JPEG progressive', lambda p: Image.fromarray(scene(123, 77, 14)).save(p, quality=85, progressive=True))
    add('jpeg-444-64x64', 'jpg', 'JPEG 4:4:4', lambda p: Image.fromarray(scene(64, 64, 15)).save(p, quality=95, subsampling=0))
    add('jpeg-gray-64x64', 'jpg', 'JPEG grayscale', lambda p: Image.fromarray(scene(64, 64, 16)[..., 0], 'L').save(p, quality=90))
    add('bmp24-31x45', 'bmp', 'BMP 24-bit bottom-up', lambda p: Image.fromarray(scene(31, 45, 25)).save(p))
    add('bmp8-palette-30x20', 'bmp', 'BMP 8-bit palette', lambda p: Image.fromarray(scene(30, 20, 17)).quantize(colors=100).save(p))
    add('bmp1-17x9', 'bmp', 'BMP 1-bit', lambda p: Image.fromarray(scene(17, 9, 18)[..., 1] > 100).save(p))
    add('bmp24-topdown-21x14', 'bmp', 'BMP 24-bit top-down (hand-made)',
        lambda p: write_bmp(p, np.dstack([scene(21, 14, 19), np.full((14, 21), 255, np.uint8)]), 24, top_down=True))
    add('bmp16-565-22x15', 'bmp', 'BMP 16-bit 5-6-5 bit fields (hand-made)',
        lambda p: write_bmp(p, np.dstack([scene(22, 15, 20), np.full((15, 22), 255, np.uint8)]), 16, masks=[0xf800, 0x07e0, 0x001f]))
    add('bmp32-alpha-18x12', 'bmp', 'BMP 32-bit with an alpha mask, V4 header (hand-made)',
        lambda p: write_bmp(p, np.dstack([scene(18, 12, 21), np.full((12, 18), 77, np.uint8)]), 32,
                            masks=[0xff0000, 0xff00, 0xff, 0xff000000], header_size=108))
    gif = Image.fromarray(scene(60, 40, 22)).quantize(colors=32, dither=Image.Dither.NONE)
    add('gif-60x40', 'gif', 'GIF interlaced, transparent index 5', lambda p: gif.save(p, transparency=5))
    add('gif-plain-25x31', 'gif', 'GIF not interlaced', lambda p: Image.fromarray(scene(25, 31, 23)).quantize(colors=200).save(p, interlace=False))
    add('webp-lossless-32x24', 'webp', 'WebP lossless: decoded by the webview only',
        lambda p: Image.fromarray(scene(32, 24, 24)).save(p, lossless=True))
    fashion = read_idx('t10k-images-idx3-ubyte.gz')[0]
    add('fashion-28x28', 'png', 'Fashion-MNIST test image 0, 28x28 grayscale, upscaled', lambda p: Image.fromarray(fashion, 'L').save(p))
    return cases


def make_bad(bad, inputs):
    """Files that must fail with a typed error; returns {file: expected error code}."""
    out = {}

    def put(name, data, code):
        with open(os.path.join(bad, name), 'wb') as f:
            f.write(data)
        out[f'bad/{name}'] = code

    put('not-an-image.png', b'hello, I am a text file that calls itself a PNG\n', 'not-an-image')
    png = open(os.path.join(inputs, 'rgba-37x53.png'), 'rb').read()
    put('truncated.png', png[:len(png) * 6 // 10], 'truncated')
    put('bad-crc.png', png[:100] + bytes([png[100] ^ 0xff]) + png[101:], 'corrupt')
    jpg = open(os.path.join(inputs, 'jpeg-baseline-300x200.jpg'), 'rb').read()
    put('truncated.jpg', jpg[:len(jpg) // 2], 'truncated')
    # a frame header that claims 0 components: libjpeg and jpeg-js both refuse it
    sof = jpg.index(b'\xff\xc0')
    put('corrupt.jpg', jpg[:sof + 9] + b'\x00' + jpg[sof + 10:], 'corrupt')
    put('garbage-after-soi.jpg', b'\xff\xd8\xff' + bytes(range(7, 250)) * 3, 'corrupt')
    huge_jpg = jpg[:sof + 5] + struct.pack('>HH', 30000, 30000) + jpg[sof + 9:]
    put('huge-header.jpg', huge_jpg[:sof + 400], 'too-large')

    def tiny_png(w, h):
        raw = zlib.compress(b'\x00\x00\x00\x00')
        return (b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + png_chunk(b'IDAT', raw) + png_chunk(b'IEND', b''))

    put('huge-header.png', tiny_png(30000, 30000), 'too-large')
    put('zero-size.png', tiny_png(0, 0), 'empty')
    put('wide-20000x1.png', tiny_png(20000, 1), 'too-large')
    gif = open(os.path.join(inputs, 'gif-60x40.gif'), 'rb').read()
    put('truncated.gif', gif[:len(gif) // 2], 'truncated')
    bmp = open(os.path.join(inputs, 'bmp24-31x45.bmp'), 'rb').read()
    put('truncated.bmp', bmp[:len(bmp) // 2], 'truncated')
    put('empty.jpg', b'', 'empty')
    put('tiff.png', b'II*\x00' + bytes(60), 'unsupported')
    return out


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name), 'rb') as f:
        data = f.read()
    ndim = struct.unpack('>I', data[:4])[0] & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def pil_rgba(path):
    """Pillow's decoded pixels as RGBA; 16-bit grayscale by its high byte (our documented choice, see manifest)."""
    im = Image.open(path)
    im.load()
    if im.mode in ('I', 'I;16', 'I;16B'):
        a = (np.array(im).astype(np.uint32) >> 8).astype(np.uint8)
        return Image.fromarray(a, 'L').convert('RGBA'), im.mode
    return im.convert('RGBA'), im.mode


def write_gzip(path, data):
    with open(path, 'wb') as f:
        f.write(gzip.compress(data, 9, mtime=0))  # mtime 0: the same bytes on every run


def save_png(path, array):
    Image.fromarray(array).save(path, optimize=True)


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    inputs, bad, expected = (os.path.join(OUT, d) for d in ('inputs', 'bad', 'expected'))
    for d in (inputs, bad, expected):
        os.makedirs(d)

    cases = make_inputs(inputs)
    manifest = {'pillow': Image.__version__, 'torch': torch.__version__, 'torchvision': __import__('torchvision').__version__,
                'cases': [], 'bad': make_bad(bad, inputs)}
    for name, file, note in cases:
        rgba, mode = pil_rgba(os.path.join(OUT, file))
        save_png(os.path.join(expected, f'{name}.pixels.png'), np.array(rgba))
        entry = {'name': name, 'file': file, 'note': note, 'pilMode': mode, 'width': rgba.width, 'height': rgba.height,
                 'pixels': f'expected/{name}.pixels.png', 'resized': {}}
        if name not in RESIZED:
            manifest['cases'].append(entry)
            continue  # decode-only case: the resize depends on nothing but the pixels, checked above
        # the transforms start from Pillow's convert() of the decoded image, as torchvision's pil_loader does
        for preset, tf in PRESETS.items():
            for tag, conv in (('rgb', 'RGB'), ('l', 'L')):
                out = np.array(tf[3](rgba.convert(conv)))
                rel = f'expected/{name}.{preset}.{tag}.png'
                save_png(os.path.join(OUT, rel), out)
                entry['resized'][f'{preset}.{tag}'] = rel
        manifest['cases'].append(entry)

    # ToTensor + Normalize of every byte value, per channel: the whole of the pointwise part
    ramp = Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (1, 1)), 'L')
    norm = {}
    for preset, tf in PRESETS.items():
        t1 = transforms.ToTensor()(ramp)
        t3 = transforms.ToTensor()(ramp.convert('RGB'))
        norm[preset] = {'rgb': [[float(v) for v in ch.reshape(-1)] for ch in tf['norm3'](t3)],
                        'l': [[float(v) for v in ch.reshape(-1)] for ch in tf['norm1'](t1)]}
    with open(os.path.join(expected, 'normalize.json'), 'w') as f:
        json.dump(norm, f)

    # end to end: the shipped model's own pipeline on a Fashion-MNIST image (train-fashion-mnist.py's batch())
    im = Image.open(os.path.join(inputs, 'fashion-28x28.png')).convert('RGB')
    full = transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])
    tensor = full(im).numpy().astype('<f4')
    write_gzip(os.path.join(expected, 'fashion-28x28.seed.rgb.f32.gz'), tensor.tobytes())
    gray = Image.open(os.path.join(inputs, 'gray-64x48.png')).convert('L')
    full = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), PRESETS['imagenet']['norm1']])
    write_gzip(os.path.join(expected, 'gray-64x48.imagenet.l.f32.gz'), full(gray).numpy().astype('<f4').tobytes())
    manifest['tensors'] = [
        {'file': 'expected/fashion-28x28.seed.rgb.f32.gz', 'input': 'inputs/fashion-28x28.png', 'preset': 'seed', 'channels': 3},
        {'file': 'expected/gray-64x48.imagenet.l.f32.gz', 'input': 'inputs/gray-64x48.png', 'preset': 'imagenet', 'channels': 1},
    ]
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)

    # Fashion-MNIST samples that ship with the extension: the first two test images of each class
    images, labels = read_idx('t10k-images-idx3-ubyte.gz'), read_idx('t10k-labels-idx1-ubyte.gz')
    if os.path.exists(SAMPLES):
        shutil.rmtree(SAMPLES)
    os.makedirs(SAMPLES)
    for cls, label in enumerate(CLASSES):
        slug = ''.join(c if c.isalnum() else '-' for c in label.lower())
        for index in np.nonzero(labels == cls)[0][:2]:
            Image.fromarray(images[index], 'L').save(os.path.join(SAMPLES, f'{index:04d}-{slug}.png'), optimize=True)

    categories = AlexNet_Weights.IMAGENET1K_V1.meta['categories']
    assert len(categories) == 1000
    with open(os.path.join(ROOT, 'media', 'imagenet-classes.json'), 'w') as f:
        json.dump(categories, f, indent=0, ensure_ascii=False)
        f.write('\n')

    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(OUT) for n in ns)
    print(f'{len(cases)} cases, {len(manifest["bad"])} bad files, {size / 1024:.0f} KiB in {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
