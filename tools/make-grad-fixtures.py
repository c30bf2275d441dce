#!/usr/bin/python3
"""Gradient fixtures from PyTorch's autograd (the oracle for each op's `backward`, test/unit/backward.test.ts).

Run with Debian's torch 1.13:  /usr/bin/python3 tools/make-grad-fixtures.py
Writes test/fixtures/grads/<case>.json: a one-op (or few-op) model's source, its state_dict, a small random
input and upstream gradient, and what PyTorch computes in train mode: the output, dLoss/dInput, dLoss/dParameter
for every parameter, the buffers after the step (BatchNorm's running statistics) and the dropout masks it drew.
"""
import json
import os
import textwrap
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'grads')

HEADER = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n'


def module_case(name, ctor, input, batch=2, forward='self.op(x)', scale=1.0, ints=False, before=''):
    """A model M with self.op = ctor whose forward returns `forward` (after the statements in `before`)."""
    body = textwrap.dedent(f'''\
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.op = {ctor}

            def forward(self, x):
        ''')
    for line in before.splitlines():
        body += f'        {line}\n'
    body += f'        return {forward}\n'
    return dict(name=name, source=HEADER + body, input=input, batch=batch, scale=scale, ints=ints)


def function_case(name, forward, input, batch=2, scale=1.0, ints=False, before=''):
    """A model M without parameters whose forward returns `forward`."""
    body = 'class M(nn.Module):\n    def forward(self, x):\n'
    for line in before.splitlines():
        body += f'        {line}\n'
    body += f'        return {forward}\n'
    return dict(name=name, source=HEADER + body, input=input, batch=batch, scale=scale, ints=ints)


CASES = [
    # Conv2d: stride, padding, 'same', dilation, groups, bias, strides that do not divide
    module_case('conv2d', 'nn.Conv2d(3, 4, 3)', [3, 6, 6]),
    module_case('conv2d_1x1', 'nn.Conv2d(4, 3, 1)', [4, 3, 5]),
    module_case('conv2d_same_even', "nn.Conv2d(2, 3, (2, 4), padding='same', bias=False)", [2, 5, 6]),
    module_case('conv2d_stride_padding', 'nn.Conv2d(3, 4, 3, stride=2, padding=1)', [3, 8, 8]),
    module_case('conv2d_stride_not_dividing', 'nn.Conv2d(2, 3, (3, 2), stride=(3, 2), padding=(1, 0))', [2, 8, 9]),
    module_case('conv2d_same_dilation', "nn.Conv2d(2, 3, 4, padding='same', dilation=2)", [2, 7, 7]),
    module_case('conv2d_groups_no_bias', 'nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, bias=False)', [4, 7, 7]),
    module_case('conv2d_depthwise_dilated', 'nn.Conv2d(3, 3, 3, stride=2, dilation=2, groups=3)', [3, 9, 9]),
    module_case('conv2d_alexnet_like', 'nn.Conv2d(3, 4, 5, stride=4, padding=2)', [3, 11, 11]),
    # Linear, 2-D and 3-D inputs
    module_case('linear', 'nn.Linear(6, 4)', [6], batch=3),
    module_case('linear_no_bias_3d', 'nn.Linear(5, 3, bias=False)', [2, 5], batch=2),
    # activations
    function_case('relu', 'F.relu(x)', [3, 4, 4]),
    module_case('relu6', 'nn.ReLU6()', [3, 4, 4], scale=5.0),
    module_case('leaky_relu', 'nn.LeakyReLU(0.2)', [3, 4, 4]),
    # clamp / clamp_min / clamp_max / Hardtanh: integer inputs land on the bounds (clamp passes the gradient there,
    # hardtanh does not)
    function_case('clamp_bounds', 'torch.clamp(x, 0, 2) + x.clamp(min=1) * 2 + x.clamp_max(1) * 3 + torch.clamp_min(x, 2) * 4', [3, 4, 4], ints=True),
    function_case('clamp_random', 'x.clamp(-0.5, 0.5) + torch.clamp(x, max=0.2) + torch.clamp_max(x, -1.0) + torch.clip(x, -0.3, 1.0) * x.clip(min=0.1)', [3, 4, 4]),
    module_case('hardtanh_bounds', 'nn.Hardtanh(0.0, 2.0)', [3, 4, 4], forward='self.op(x) + F.hardtanh(x, 1, 2) * 2', ints=True),
    module_case('hardtanh', 'nn.Hardtanh()', [3, 4, 4], scale=2.0),
    # ELU (alpha) and PReLU (one slope, one per channel on [N, C, H, W] and [N, C]; random slopes)
    module_case('elu', 'nn.ELU()', [3, 4, 4], scale=2.0),
    function_case('elu_alpha', 'F.elu(x, 0.4) + F.elu(x, alpha=2.0)', [3, 4, 4], scale=2.0),
    module_case('prelu', 'nn.PReLU()', [3, 4, 4]),
    module_case('prelu_channels', 'nn.PReLU(3)', [3, 4, 4]),
    module_case('prelu_channels_2d', 'nn.PReLU(5, init=0.1)', [5], batch=4),
    # GroupNorm (random affine): [N, C, H, W], [N, C], without affine, one group, a group per channel
    module_case('group_norm', 'nn.GroupNorm(2, 4)', [4, 3, 3], batch=2),
    module_case('group_norm_2d', 'nn.GroupNorm(3, 6, eps=1e-3)', [6], batch=3),
    module_case('group_norm_no_affine', 'nn.GroupNorm(2, 6, affine=False)', [6, 2, 3], batch=2),
    module_case('group_norm_one_group', 'nn.GroupNorm(1, 3)', [3, 4, 4], batch=2, forward='self.op(x) * x'),
    module_case('group_norm_per_channel', 'nn.GroupNorm(3, 3)', [3, 5], batch=2),
    function_case('group_norm_functional', 'F.group_norm(x, 2) * x + F.group_norm(x, 1, eps=1e-3)', [4, 3, 3], batch=2),
    # LayerNorm (random affine): the last dim, the last three dims, without affine
    module_case('layer_norm', 'nn.LayerNorm(6)', [4, 6], batch=2),
    module_case('layer_norm_chw', 'nn.LayerNorm([3, 4, 4])', [3, 4, 4], batch=2),
    function_case('layer_norm_functional', 'F.layer_norm(x, x.shape[1:]) * x + F.layer_norm(x, (4,), eps=1e-3)', [3, 4], batch=2),
    module_case('layer_norm_no_affine', 'nn.LayerNorm((3, 5), elementwise_affine=False, eps=1e-3)', [2, 3, 5], batch=2, forward='self.op(x) * x'),
    # InstanceNorm2d (defaults: no affine, no running stats; with a random affine)
    module_case('instance_norm2d', 'nn.InstanceNorm2d(3)', [3, 4, 5], batch=2),
    module_case('instance_norm2d_affine', 'nn.InstanceNorm2d(4, affine=True, eps=1e-3)', [4, 3, 3], batch=3, forward='self.op(x) * x'),
    function_case('tanh', 'torch.tanh(x)', [3, 4, 4]),
    function_case('sigmoid', 'torch.sigmoid(x)', [3, 4, 4]),
    module_case('gelu', 'nn.GELU()', [3, 4, 4], scale=2.0),
    module_case('gelu_tanh', "nn.GELU(approximate='tanh')", [3, 4, 4], scale=2.0),
    module_case('silu', 'nn.SiLU()', [3, 4, 4], scale=2.0),
    module_case('identity', 'nn.Identity()', [3, 4, 4]),
    # MaxPool2d: overlapping windows, padding, ceil_mode, dilation, ties (after ReLU, and integer-valued inputs)
    module_case('max_pool2d_overlapping', 'nn.MaxPool2d(3, 2)', [2, 9, 9]),
    module_case('max_pool2d_ceil_mode', 'nn.MaxPool2d(3, 2, ceil_mode=True)', [2, 8, 8]),
    module_case('max_pool2d_padding', 'nn.MaxPool2d(3, 2, padding=1)', [2, 7, 7]),
    module_case('max_pool2d_padding_ceil', 'nn.MaxPool2d(2, 3, padding=1, ceil_mode=True)', [2, 8, 8]),
    module_case('max_pool2d_dilation', 'nn.MaxPool2d(2, stride=1, dilation=2)', [2, 6, 6]),
    module_case('max_pool2d_ties_after_relu', 'nn.MaxPool2d(3, 2)', [2, 9, 9], forward='self.op(F.relu(x - 1.0))'),
    module_case('max_pool2d_ties_integers', 'nn.MaxPool2d(3, 1, padding=1)', [2, 6, 6], ints=True),
    function_case('max_pool2d_functional', 'F.max_pool2d(x, 2)', [2, 6, 6]),
    # AvgPool2d: count_include_pad, ceil_mode
    module_case('avg_pool2d', 'nn.AvgPool2d(3, 2)', [2, 9, 9]),
    module_case('avg_pool2d_padding', 'nn.AvgPool2d(3, 2, padding=1)', [2, 8, 8]),
    module_case('avg_pool2d_exclude_pad_ceil', 'nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)', [2, 8, 8]),
    module_case('avg_pool2d_include_pad_ceil', 'nn.AvgPool2d(2, 3, padding=1, ceil_mode=True)', [2, 8, 8]),
    # AdaptiveAvgPool2d: global, dividing, overlapping bins
    module_case('adaptive_avg_pool2d_1', 'nn.AdaptiveAvgPool2d(1)', [3, 5, 5]),
    module_case('adaptive_avg_pool2d_dividing', 'nn.AdaptiveAvgPool2d((2, 3))', [2, 6, 6]),
    module_case('adaptive_avg_pool2d_bins', 'nn.AdaptiveAvgPool2d(3)', [2, 7, 5]),
    # LocalResponseNorm (odd and even sizes)
    module_case('local_response_norm', 'nn.LocalResponseNorm(3, alpha=0.5, beta=0.75, k=2.0)', [5, 3, 3]),
    module_case('local_response_norm_even', 'nn.LocalResponseNorm(4, alpha=0.3, beta=0.6, k=1.0)', [6, 3, 3]),
    # BatchNorm2d in train mode: batch statistics, running stats (momentum, cumulative), without affine / tracking
    module_case('batch_norm2d', 'nn.BatchNorm2d(3)', [3, 4, 4], batch=3),
    module_case('batch_norm2d_momentum_none', 'nn.BatchNorm2d(3, momentum=None)', [3, 3, 3], batch=2),
    module_case('batch_norm2d_no_affine', 'nn.BatchNorm2d(2, affine=False, momentum=0.3)', [2, 3, 3], batch=2),
    module_case('batch_norm2d_no_tracking', 'nn.BatchNorm2d(2, track_running_stats=False)', [2, 3, 3], batch=2),
    # a module called twice: its gradients add up over the calls, its running stats update twice in a row
    module_case('conv2d_called_twice', 'nn.Conv2d(2, 2, 3, padding=1)', [2, 5, 5], forward='self.op(torch.tanh(self.op(x)))'),
    module_case('batch_norm2d_called_twice', 'nn.BatchNorm2d(2)', [2, 3, 3], batch=2, forward='self.op(self.op(x) * 2)'),
    # Dropout with the masks PyTorch drew
    module_case('dropout', 'nn.Dropout(0.4)', [3, 4, 4]),
    module_case('dropout2d', 'nn.Dropout2d(0.5)', [4, 3, 3], batch=3),
    # reshapes
    module_case('flatten', 'nn.Flatten()', [2, 3, 3]),
    function_case('view', 'x.view(x.size(0), -1)', [2, 3, 3]),
    function_case('torch_flatten', 'torch.flatten(x, 1)', [2, 3, 3]),
    # arithmetic with broadcasting (both operands from x: the gradients add up) and with Python numbers
    function_case('add_broadcast', 'x + F.adaptive_avg_pool2d(x, 1)', [3, 3, 3]),
    function_case('sub_broadcast', 'x - F.adaptive_avg_pool2d(x, 1)', [3, 3, 3]),
    function_case('mul_broadcast', 'x * F.adaptive_avg_pool2d(x, 1)', [3, 3, 3]),
    function_case('div_broadcast', 'x / (F.adaptive_avg_pool2d(x, 1) * F.adaptive_avg_pool2d(x, 1) + 1)', [3, 3, 3]),
    function_case('scalar_ops', '(2 - x) * 3 + x / 4 - 1 / (x * x + 1)', [2, 3, 3]),
    function_case('neg', '-x', [2, 3, 3]),
    function_case('iadd_residual', 'y', [2, 3, 3], before='y = x * 2\ny += torch.relu(x)'),
    function_case('cat', 'torch.cat([x, torch.relu(x), x * 2], 1)', [2, 3, 3]),
    # softmax-like
    function_case('softmax', 'F.softmax(x, dim=1)', [4, 2, 2]),
    function_case('log_softmax', 'F.log_softmax(x, dim=1)', [5], batch=3),
    # the ops of classic CNN files beyond AlexNet: mean, transpose/permute, Hardswish/Hardsigmoid, AdaptiveMaxPool2d,
    # ZeroPad2d / F.pad, Upsample / F.interpolate, BatchNorm1d (train mode)
    function_case('mean_se', 'x * x.mean([2, 3], keepdim=True)', [4, 3, 5]),
    function_case('mean_keepdim', 'x.mean(1, True) + x', [4, 3]),
    function_case('mean_all', 'x * torch.mean(x)', [3, 4]),
    function_case('transpose', 'torch.transpose(x, 1, 2).contiguous()', [3, 4, 5]),
    function_case('permute', 'x.permute(0, 3, 1, 2)', [3, 4, 5]),
    function_case('channel_shuffle', 'x.view(x.size(0), 2, 2, 3, 3).transpose(1, 2).contiguous().view(x.size(0), -1, 3, 3)', [4, 3, 3]),
    module_case('hardswish', 'nn.Hardswish()', [3, 4, 5], scale=4.0),
    module_case('hardsigmoid', 'nn.Hardsigmoid()', [3, 4, 5], scale=4.0),
    function_case('hardswish_functional', 'F.hardswish(x)', [8], scale=4.0),
    module_case('adaptive_max_pool2d_bins', 'nn.AdaptiveMaxPool2d((5, 3))', [3, 13, 8]),
    module_case('adaptive_max_pool2d_dividing', 'nn.AdaptiveMaxPool2d(2)', [2, 6, 6], batch=1),
    module_case('adaptive_max_pool2d_ties', 'nn.AdaptiveMaxPool2d((3, 2))', [2, 7, 5], batch=1, forward='self.op(F.relu(x - 1.0))'),
    module_case('zero_pad2d_crop', 'nn.ZeroPad2d((1, -2, -1, 3))', [3, 5, 6]),
    function_case('pad_value', 'F.pad(x, (0, 1, 2, 0), value=0.5)', [2, 4, 4], batch=1),
    module_case('upsample_nearest', 'nn.Upsample(scale_factor=2)', [2, 3, 4], batch=1),
    module_case('upsample_bilinear', "nn.Upsample(scale_factor=1.5, mode='bilinear')", [2, 5, 4], batch=1),
    module_case('upsampling_bilinear2d', 'nn.UpsamplingBilinear2d(size=(7, 9))', [2, 3, 4], batch=1),
    function_case('interpolate_nearest_size', "F.interpolate(x, (7, 5), mode='nearest')", [2, 3, 4], batch=1),
    function_case('interpolate_bilinear_down', "F.interpolate(x, scale_factor=0.5, mode='bilinear')", [2, 6, 8], batch=1),
    function_case('interpolate_nearest_exact', "F.interpolate(x, scale_factor=3, mode='nearest-exact')", [2, 2, 3], batch=1),
    # slicing, indexing, chunk and split: the gradient of each piece lands in its place, zeros elsewhere
    function_case('slice_chunk_shuffle', 'torch.cat([b, a.relu()], 1)', [4, 3, 3], before='a, b = x.chunk(2, dim=1)'),
    function_case('slice_split_sizes', 'torch.cat([b * 2, a], 1)', [4, 3], before='a, b = torch.split(x, [1, 3], 1)'),
    function_case('slice_split_int', 'torch.cat(x.split(2, dim=2)[::-1], 2)', [2, 5, 3]),
    function_case('slice_steps', 'x[:, 1:, ::2, 1:-1:3]', [3, 5, 8]),
    function_case('slice_index_none', 'x[:, -1, None, 1:]', [3, 4, 5]),
    function_case('slice_index_twice', 'x[..., 2] * x[:, 0]', [4, 4]),
    module_case('batch_norm1d', 'nn.BatchNorm1d(4)', [4], batch=3),
    module_case('batch_norm1d_3d', 'nn.BatchNorm1d(4)', [4, 5], batch=2),
    module_case('batch_norm1d_no_affine', 'nn.BatchNorm1d(4, affine=False)', [4, 5], batch=2),
    # squeeze / unsqueeze / expand / expand_as / sum: squeeze-and-excitation as classification zoos write it
    module_case('se_expand_as', 'nn.Linear(4, 4)', [4, 3, 5], forward='x * y.expand_as(x)',
                before='b, c, _, _ = x.size()\ny = F.adaptive_avg_pool2d(x, 1).view(b, c)\ny = torch.sigmoid(self.op(y)).view(b, c, 1, 1)'),
    function_case('squeeze_unsqueeze', 'x * x.mean(-1).squeeze(-1).unsqueeze(-1).unsqueeze(2) + torch.unsqueeze(torch.squeeze(x, 2), -2)', [3, 1, 4]),
    function_case('squeeze_all', 'torch.squeeze(x) * 2', [1, 4, 1], batch=3),
    function_case('expand_new_dims', 'x[:, :1].expand(-1, 3, -1) + x.sum(1, keepdim=True).expand(4, -1, 3, 5)', [3, 5]),
    function_case('expand_as_other_input', 'x.mean([2, 3], keepdim=True).expand_as(x) + x.expand(2, -1, -1, -1)', [2, 3, 3], batch=2),
    function_case('sum_dims', 'x * x.sum([2, 3], keepdim=True) + torch.sum(x, 1, True) - x.sum(dim=-1).unsqueeze(-1)', [3, 4, 5]),
    function_case('sum_all', 'x * x.sum() + torch.sum(x, [])', [3, 4]),
    # F.pad's modes and the padding modules: odd and even pads, pads at the limits PyTorch allows (reflect: size - 1,
    # circular: size, replicate: beyond), negative pads (crops), 1-D and 3-D padding
    function_case('pad_reflect', "F.pad(x, (1, 2, 3, 0), 'reflect')", [2, 4, 5]),
    function_case('pad_reflect_limits', "F.pad(x, (4, 4, 3, 3), mode='reflect')", [2, 4, 5]),
    function_case('pad_reflect_negative', "F.pad(x, (-1, 2, 3, -2), 'reflect')", [2, 4, 5]),
    function_case('pad_reflect_1d', "F.pad(x, (2, 3), 'reflect')", [2, 5]),
    function_case('pad_replicate', "F.pad(x, (3, 0, 5, 2), 'replicate')", [2, 3, 4]),
    function_case('pad_replicate_negative', "F.pad(x, (2, -1, -2, 3), 'replicate')", [2, 4, 5]),
    function_case('pad_replicate_3d', "F.pad(x, (1, 1, 2, 0, 1, 2), 'replicate')", [2, 3, 4, 5], batch=1),
    function_case('pad_circular_limits', "F.pad(x, (5, 5, 4, 1), 'circular')", [2, 4, 5]),
    function_case('pad_circular', "F.pad(x, (2, 1, 0, 3), 'circular')", [2, 4, 5]),
    function_case('pad_circular_negative', "F.pad(x, (-2, 3, 1, -1), 'circular')", [2, 4, 5]),
    module_case('reflection_pad2d', 'nn.ReflectionPad2d(2)', [3, 4, 5]),
    module_case('replication_pad2d', 'nn.ReplicationPad2d((1, 3, 2, 0))', [3, 4, 5]),
    module_case('replication_pad1d', 'nn.ReplicationPad1d(4)', [3, 2]),
    module_case('reflection_pad1d', 'nn.ReflectionPad1d(3)', [3, 7]),
    module_case('constant_pad2d', 'nn.ConstantPad2d((1, 2, -1, 0), 0.5)', [3, 4, 5]),
    # Conv2d with padding_mode: the conv without padding over F.pad(x, mode), then F.pad's backward
    module_case('conv2d_reflect', "nn.Conv2d(2, 3, 3, padding=1, padding_mode='reflect')", [2, 5, 6]),
    module_case('conv2d_reflect_stride_limits', "nn.Conv2d(2, 3, (3, 5), stride=2, padding=(3, 4), padding_mode='reflect')", [2, 4, 5]),
    module_case('conv2d_reflect_same_even', "nn.Conv2d(2, 2, 4, padding='same', padding_mode='reflect')", [2, 5, 6]),
    module_case('conv2d_reflect_negative', "nn.Conv2d(2, 3, 1, padding=-1, padding_mode='reflect')", [2, 5, 5]),
    module_case('conv2d_replicate', "nn.Conv2d(2, 3, 4, padding=3, padding_mode='replicate')", [2, 3, 3]),
    module_case('conv2d_circular_limits', "nn.Conv2d(2, 3, 3, stride=2, padding=(4, 5), padding_mode='circular')", [2, 4, 5]),
    module_case('conv2d_circular_groups', "nn.Conv2d(4, 4, (3, 2), padding=(1, 2), groups=2, bias=False, padding_mode='circular')", [4, 5, 4]),
]


def floats(t):
    """float32 values, printed with the 9 digits that round-trip them."""
    return [float('%.9g' % v) for v in t.detach().reshape(-1).tolist()]


def record_masks(model):
    """Forward hooks on the dropout layers: they keep (input, output) to check the masks drawn."""
    seen = []

    def hook(module, inputs, output):
        seen.append((module, inputs[0].detach().clone(), output.detach().clone()))

    for m in model.modules():
        if isinstance(m, (nn.Dropout, nn.Dropout2d)):
            m.register_forward_hook(hook)
    return seen


def drawn_masks(seen, seed):
    """The masks those layers drew, as (shape, p, mask): ATen's _dropout_impl draws bernoulli(1 - p) / (1 - p) of
    the input's shape ([N, C, 1, 1] for feature dropout) from the global generator, so re-seeding and drawing
    again repeats them; each is checked against what the forward did."""
    torch.manual_seed(seed)
    masks = []
    for module, x, y in seen:
        shape = list(x.shape) if isinstance(module, nn.Dropout) else [x.shape[0], x.shape[1], 1, 1]
        mask = torch.empty(shape).bernoulli_(1 - module.p).div_(1 - module.p)
        assert torch.equal(x * mask, y), 'the replayed mask is not the one the forward drew'
        masks.append((shape, module.p, mask))
    return masks


def make(case):
    # seeds from the name: adding a case leaves the others' numbers as they are
    index = zlib.crc32(case['name'].encode()) % 100000
    namespace = {}
    exec(compile(case['source'], case['name'], 'exec'), namespace)
    torch.manual_seed(index)
    model = namespace['M']()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d) and m.track_running_stats:
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(3)
            if isinstance(m, nn.PReLU):
                m.weight.uniform_(0.05, 0.5)
            if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d)) and m.weight is not None:
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    model.train()
    state = {k: dict(shape=list(v.shape), dtype=str(v.dtype).replace('torch.', ''), data=v.reshape(-1).tolist() if v.dtype == torch.int64 else floats(v))
             for k, v in model.state_dict().items()}
    shape = [case['batch']] + case['input']
    x = torch.randn(shape) * case['scale']
    if case['ints']:
        x = torch.randint(0, 3, shape).float()
    x.requires_grad_(True)
    seen = record_masks(model)
    seed = index + 1
    torch.manual_seed(seed)
    y = model(x)
    masks = [dict(shape=shape, p=p, data=floats(mask)) for shape, p, mask in drawn_masks(seen, seed)]
    grad_output = torch.randn(y.shape)
    y.backward(grad_output)
    grads = {name: floats(p.grad) for name, p in model.named_parameters() if p.grad is not None}
    buffers = {k: (v.reshape(-1).tolist() if v.dtype == torch.int64 else floats(v)) for k, v in model.state_dict().items()
               if k not in dict(model.named_parameters())}
    return dict(
        name=case['name'], source=case['source'], entry='M', input=case['input'], batch=case['batch'],
        x=floats(x), state=state, masks=masks, output_shape=list(y.shape), output=floats(y),
        grad_output=floats(grad_output), grad_input=floats(x.grad), grads=grads, buffers=buffers,
    )


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith('.json'):
            os.remove(os.path.join(OUT, old))
    names = []
    for case in CASES:
        fixture = make(case)
        fixture['torch'] = torch.__version__
        with open(os.path.join(OUT, case['name'] + '.json'), 'w') as f:
            json.dump(fixture, f, separators=(',', ':'))
            f.write('\n')
        names.append(case['name'])
    print(f'{len(names)} gradient fixtures in {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
