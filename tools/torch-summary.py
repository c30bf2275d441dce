#!/usr/bin/python3
"""Summarize a PyTorch model file the way torchinfo does, using PyTorch itself (the benchmark's reference).

Usage: /usr/bin/python3 tools/torch-summary.py FILE.py [--input C,H,W] [--entry NAME] [--json]

Imports FILE.py, builds its entry model (the nn.Module class no other class of the file uses, else the
module-level nn.Module variable), runs one batch-1 forward with hooks on every leaf module and prints
path, type, output shape and parameters. Input: --input, else the file's '# input[C, H, W]' comment,
else (in_channels of the first Conv2d, 224, 224). Exit status 1 when the model raises in forward.
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of tools/ and test/corpus/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torchmodel  # noqa: E402


def parse_input(text):
    parts = [int(p) for p in text.replace("x", ",").split(",") if p.strip()]
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("expected C,H,W")
    return parts


def table(result):
    rows = [(layer["path"] or "", layer["type"], str(layer["outputShape"]), f"{layer['params']:,}")
            for layer in result["layers"]]
    headers = ("Layer (path)", "Type", "Output Shape", "Param #")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) + 2 for i, h in enumerate(headers)]
    rule = "=" * sum(widths)

    def line(cells):
        return "".join(c.ljust(w) if i < 3 else c.rjust(w - 2) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [rule, line(headers), rule] + [line(r) for r in rows] + [rule]
    out.append(f"Entry: {result['entry']}")
    out.append(f"Input size: {result['input']}")
    if "output" in result:
        out.append(f"Output size: {result['output']}")
    out.append(f"Total params: {result['totalParams']:,}")
    out.append(f"Total mult-adds (Conv2d, Linear): {sum(r.get('macs', 0) for r in result['layers']):,}")
    out.append(rule)
    if "error" in result:
        err = result["error"]
        where = f"line {err['line']}" if err.get("line") else "unknown line"
        out.append(f"{err['exception']} at {where}: {err['message']}")
    return "\n".join(out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file")
    parser.add_argument("--input", type=parse_input, help="C,H,W (batch is 1)")
    parser.add_argument("--entry", help="class or module-level variable to summarize")
    parser.add_argument("--json", action="store_true", help="print the inspect --json format instead")
    args = parser.parse_args(argv)
    try:
        result = torchmodel.trace(args.file, entry=args.entry, input_chw=args.input)
    except torchmodel.EntryError as e:
        print(f"torch-summary: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
