#!/usr/bin/python3
"""Run every model of test/corpus/ in PyTorch and write test/fixtures/corpus/<name>.json.

Usage: /usr/bin/python3 tools/make-corpus-fixtures.py [--check]
  --check  write nothing; fail if a committed fixture differs from what PyTorch gives now.

Each fixture is in the format of `alexnet-explorer inspect FILE.py --json` (entry, input, output | error,
totalParams, layers). Rows of `layers` are the leaf-module calls seen by forward hooks, in call order;
functional ops (F.relu, torch.flatten, view, +=, torch.cat) are not among them, hence
"layersAreModulesOnly": true. test/corpus/models.json names each file's entry model (an override of
the automatic pick), its input [C, H, W] and the error substring a broken model must raise.
All models are checked against the manifest before any fixture is written.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of tools/ and test/corpus/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torchmodel  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "test", "corpus")
MANIFEST = os.path.join(CORPUS, "models.json")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "corpus")


def fixture_for(row):
    path = os.path.join(CORPUS, row["file"])
    traced = torchmodel.trace(path, entry=row.get("entry"), mode=row.get("mode", "eval"))
    fixture = {"file": "test/corpus/" + row["file"], "entry": traced["entry"], "input": traced["input"]}
    if "output" in traced:
        fixture["output"] = traced["output"]
    fixture["totalParams"] = traced["totalParams"]
    fixture["layersAreModulesOnly"] = True
    fixture["macsCountedFor"] = torchmodel.MACS_COUNTED_FOR
    fixture["torch"] = torch.__version__
    if row.get("mode"):
        fixture["mode"] = row["mode"]
    if "error" in traced:
        fixture["error"] = traced["error"]
    if traced["init"]:
        fixture["init"] = traced["init"]
    fixture["layers"] = traced["layers"]
    return path, fixture


def problems_with(row, path, fixture):
    problems = []
    try:
        module = torchmodel.import_source(path)
        auto = torchmodel.pick_entry(path, module)
    except torchmodel.EntryError as e:
        auto = f"<{e}>"
    if row.get("entry") and auto != row["entry"]:
        print(f"note: {row['file']}: manifest entry {row['entry']} overrides the automatic pick {auto}")
    if fixture["input"][1:] != row["input"]:
        problems.append(f"input {fixture['input'][1:]} but the manifest says {row['input']}")
    error = fixture.get("error")
    if row["error"] is None and error:
        problems.append(f"raises '{error['message']}' (line {error['line']}) but should run")
    if row["error"] is not None:
        if not error:
            problems.append(f"runs, but should raise '{row['error']}'")
        elif row["error"] not in error["message"]:
            problems.append(f"raises '{error['message']}', expected '{row['error']}'")
        elif error["line"] is None:
            problems.append("the error has no line in the model file")
    if any(layer["line"] is None for layer in fixture["layers"]):
        problems.append("a layer has no construction line in the model file")
    return problems


def dumps(fixture):
    # one layer per line: readable diffs when PyTorch or the corpus changes
    head = {k: v for k, v in fixture.items() if k not in ("layers", "init")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    if "init" in fixture:
        rows = [f"    {json.dumps(call)}" for call in fixture["init"]]
        lines.append('  "init": [\n' + ",\n".join(rows) + "\n  ],")
    rows = [f"    {json.dumps(layer)}" for layer in fixture["layers"]]
    lines.append('  "layers": [' + ("\n" + ",\n".join(rows) + "\n  ]" if rows else "]"))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv):
    check = "--check" in argv
    with open(MANIFEST, encoding="utf-8") as f:
        manifest = json.load(f)
    listed = [row["file"] for row in manifest]
    sources = sorted(n for n in os.listdir(CORPUS) if n.endswith(".py"))
    # files of packages (a folder with __init__.py) are models when listed; their other files are their modules
    packages = [d for d in os.listdir(CORPUS) if os.path.exists(os.path.join(CORPUS, d, "__init__.py"))]
    sources += sorted(f"{d}/{n}" for d in packages for n in os.listdir(os.path.join(CORPUS, d)) if f"{d}/{n}" in listed)
    failures = []
    for name in sorted(set(sources) - set(listed)):
        failures.append(f"{name}: not in models.json")
    for name in sorted(set(listed) - set(sources)):
        failures.append(f"{name}: in models.json but not in test/corpus/")
    if len(listed) != len(set(listed)):
        failures.append("models.json lists a file twice")

    outputs = {}
    for row in manifest:
        if row["file"] not in sources:
            continue
        try:
            path, fixture = fixture_for(row)
        except torchmodel.EntryError as e:
            failures.append(f"{row['file']}: {e}")
            continue
        for problem in problems_with(row, path, fixture):
            failures.append(f"{row['file']}: {problem}")
        status = fixture.get("output") or "error: " + fixture["error"]["message"]
        print(f"{row['file']:34} {fixture['entry']:18} {str(fixture['input']):18} "
              f"{fixture['totalParams']:>10,} params  {len(fixture['layers']):3} layers  {status}")
        outputs[os.path.splitext(row["file"])[0] + ".json"] = dumps(fixture)

    if failures:
        print("\n".join(["", "corpus problems, no fixture written:"] + failures), file=sys.stderr)
        return 1

    os.makedirs(FIXTURES, exist_ok=True)
    stale = sorted(n for n in os.listdir(FIXTURES) if n.endswith(".json") and n not in outputs)
    differing = []
    for name, text in outputs.items():
        target = os.path.join(FIXTURES, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        old = open(target, encoding="utf-8").read() if os.path.exists(target) else None
        if old != text:
            differing.append(name)
            if not check:
                with open(target, "w", encoding="utf-8") as f:
                    f.write(text)
    if check:
        if differing or stale:
            print(f"fixtures out of date: {', '.join(differing + stale)}", file=sys.stderr)
            return 1
        print(f"{len(outputs)} fixtures up to date")
        return 0
    for name in stale:
        os.remove(os.path.join(FIXTURES, name))
    print(f"wrote {len(differing)} of {len(outputs)} fixtures to test/fixtures/corpus/"
          + (f", removed {len(stale)} stale" if stale else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
