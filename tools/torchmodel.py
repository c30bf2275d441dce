"""Load a PyTorch model source file, pick its entry model and trace one forward pass.

Shared by tools/make-corpus-fixtures.py and tools/torch-summary.py. Needs /usr/bin/python3 (torch 1.13).
The trace is the PyTorch side of what `alexnet-explorer inspect FILE.py --json` prints: leaf-module calls
in call order with path, type, source line of construction, output shape and parameter count.
"""
import ast
import contextlib
import importlib.util
import io
import os
import re
import sys
import weakref
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

# '# input[3, 227, 227]' anywhere in a comment; the first one in the file wins
INPUT_COMMENT = re.compile(r"#.*?\binput\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]")
DEFAULT_HW = (224, 224)


class EntryError(Exception):
    """The file has no model we can pick, or the picked one cannot be built with default args."""


def read_input_comment(path: str) -> Optional[List[int]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = INPUT_COMMENT.search(line)
            if m:
                return [int(g) for g in m.groups()]
    return None


class ConstructionLines:
    """Wraps nn.Module.__init__ so every module remembers the line in `path` that constructed it.

    The line is that of the innermost frame in `path` on the stack when the module is built, so a
    module made in a helper (make_layers, conv3x3, a block's __init__) gets the helper's line.
    """

    def __init__(self, path: str):
        self.path = os.path.realpath(path)
        self.lines: "weakref.WeakKeyDictionary[nn.Module, int]" = weakref.WeakKeyDictionary()
        self._original = None

    def __enter__(self):
        original = nn.Module.__init__
        self._original = original
        recorder = self

        def recording_init(module, *args, **kwargs):
            original(module, *args, **kwargs)
            if module not in recorder.lines:
                line = recorder._caller_line()
                if line is not None:
                    recorder.lines[module] = line

        nn.Module.__init__ = recording_init
        return self

    def __exit__(self, *exc):
        nn.Module.__init__ = self._original
        return False

    def _caller_line(self) -> Optional[int]:
        frame = sys._getframe(2)
        while frame is not None:
            if os.path.realpath(frame.f_code.co_filename) == self.path:
                # 3.11: f_lineno is the first line of the executing call expression
                return frame.f_lineno
            frame = frame.f_back
        return None


def import_source(path: str, quiet: bool = True):
    """Import a model file under a private module name; its module-level prints are swallowed."""
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    if os.path.exists(os.path.join(folder, "__init__.py")):
        # a file of a package: imported as package.module, so that its relative imports resolve
        sys.path.insert(0, os.path.dirname(folder))
        try:
            sink = io.StringIO()
            with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
                return importlib.import_module(f"{os.path.basename(folder)}.{os.path.splitext(os.path.basename(path))[0]}")
        finally:
            sys.path.remove(os.path.dirname(folder))
    name = "corpus_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, os.path.dirname(path))
    try:
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
            spec.loader.exec_module(module)
    finally:
        sys.path.remove(os.path.dirname(path))
    return module


def _names_used(node: ast.AST) -> set:
    used = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            used.add(n.id)
        elif isinstance(n, ast.Attribute):
            used.add(n.attr)
    return used


def entry_candidates(path: str, module) -> Tuple[List[str], List[str]]:
    """(classes, variables): nn.Module classes of the file no other class of the file builds on
    (directly or through a module-level helper function), then module-level nn.Module instances
    that are not a submodule of another such instance."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    module_classes = [
        c.name for c in classes
        if isinstance(getattr(module, c.name, None), type) and issubclass(getattr(module, c.name), nn.Module)
    ]

    def reach(node: ast.AST) -> set:
        # names used by a node, following module-level helper functions it calls
        seen_functions, used, todo = set(), set(), [node]
        while todo:
            names = _names_used(todo.pop())
            used |= names
            for fn in names & functions.keys() - seen_functions:
                seen_functions.add(fn)
                todo.append(functions[fn])
        return used

    used_by_others = set()
    for c in classes:
        if c.name in module_classes:
            used_by_others |= reach(c) - {c.name}
    roots = [c for c in module_classes if c not in used_by_others]

    instances = [(k, v) for k, v in vars(module).items() if isinstance(v, nn.Module) and not k.startswith("_")]
    nested = set()
    for _, v in instances:
        for sub in v.modules():
            if sub is not v:
                nested.add(id(sub))
    variables = [k for k, v in instances if id(v) not in nested]
    return roots, variables


def is_call(entry: Optional[str]) -> bool:
    """An entry that is a call expression (`resnet18()`, `VGG('VGG19')`) rather than a name."""
    return bool(entry) and not entry.isidentifier()


def pick_entry(path: str, module, entry: Optional[str] = None) -> str:
    if entry:
        if is_call(entry):
            return entry
        if not hasattr(module, entry):
            raise EntryError(f"{os.path.basename(path)} defines no '{entry}'")
        return entry
    roots, variables = entry_candidates(path, module)
    if len(roots) == 1:
        return roots[0]
    if len(roots) > 1:
        raise EntryError(f"several candidate models in {os.path.basename(path)}: {', '.join(roots)}; name one")
    if len(variables) == 1:
        return variables[0]
    if len(variables) > 1:
        raise EntryError(f"several module-level models in {os.path.basename(path)}: {', '.join(variables)}; name one")
    raise EntryError(f"no nn.Module in {os.path.basename(path)}")


def build_entry(module, entry: str) -> nn.Module:
    if is_call(entry):
        # evaluated in the file's scope, as `--entry "VGG('VGG19')"` is
        obj = eval(entry, vars(module))  # noqa: S307 - our own corpus
        if not isinstance(obj, nn.Module):
            raise EntryError(f"{entry} gives {type(obj).__name__}, not an nn.Module")
        return obj
    obj = getattr(module, entry)
    if isinstance(obj, nn.Module):
        return obj
    if isinstance(obj, type) and issubclass(obj, nn.Module):
        try:
            return obj()
        except TypeError as e:
            raise EntryError(f"{entry}() cannot be built with default arguments: {e}") from e
    if callable(obj):
        model = obj()
        if isinstance(model, nn.Module):
            return model
    raise EntryError(f"'{entry}' is not an nn.Module class or instance")


def default_input(model: nn.Module) -> List[int]:
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            return [m.in_channels, *DEFAULT_HW]
    raise EntryError("no Conv2d to take the input channels from; give the input shape")


def _shape(value: Any):
    if isinstance(value, torch.Tensor):
        return list(value.shape)
    if isinstance(value, (tuple, list)):
        return [_shape(v) for v in value]
    return None


def _macs(module: nn.Module, output: Any) -> Optional[int]:
    # multiply-accumulates of the weight product only (no bias, no activation), batch included
    if not isinstance(output, torch.Tensor):
        return None
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output.numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return None


MACS_COUNTED_FOR = ["Conv2d", "Linear"]


class InitRecorder:
    """Records the model's own nn.init calls and in-place inits of parameters (`m.weight.data.normal_(0, 0.01)`)
    while it is built: (tensor, fn, args by name, line in `path`), resolved to state_dict keys afterwards."""

    TENSOR_METHODS = {"normal_": ("normal_", ["mean", "std"], {"mean": 0, "std": 1}),
                      "uniform_": ("uniform_", ["a", "b"], {"a": 0, "b": 1}),
                      "zero_": ("zeros_", [], {}),
                      "fill_": ("constant_", ["val"], {})}
    METHOD_KEYWORDS = {"from": "a", "to": "b", "value": "val"}

    def __init__(self, path: str):
        self.path = os.path.realpath(path)
        self.calls: List[Tuple[torch.Tensor, str, Dict[str, Any], Optional[int]]] = []
        self._saved: List[Tuple[Any, str, Any]] = []

    def _line(self) -> Optional[int]:
        # only calls the model file makes itself (not PyTorch's own reset_parameters)
        frame = sys._getframe(2)
        return frame.f_lineno if os.path.realpath(frame.f_code.co_filename) == self.path else None

    def __enter__(self):
        import inspect
        recorder = self
        for name in ["uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
                     "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_"]:
            original = getattr(nn.init, name)
            sig = inspect.signature(original)

            def wrapped(*args, __original=original, __sig=sig, __name=name, **kwargs):
                line = recorder._line()
                if line is not None:
                    bound = __sig.bind(*args, **kwargs)
                    bound.apply_defaults()
                    named = dict(bound.arguments)
                    tensor = named.pop("tensor")
                    named.pop("generator", None)
                    recorder.calls.append((tensor, __name, named, line))
                return __original(*args, **kwargs)
            self._saved.append((nn.init, name, original))
            setattr(nn.init, name, wrapped)
        for method, (fn, order, defaults) in self.TENSOR_METHODS.items():
            original = getattr(torch.Tensor, method)

            def wrapped_method(t, *args, __original=original, __fn=fn, __order=order, __defaults=defaults, **kwargs):
                named = dict(__defaults)
                named.update(zip(__order, args))
                named.update({recorder.METHOD_KEYWORDS.get(k, k): v for k, v in kwargs.items() if k != "generator"})
                line = recorder._line()
                if line is not None:
                    recorder.calls.append((t, __fn, named, line))
                return __original(t, *args, **kwargs)
            self._saved.append((torch.Tensor, method, original))
            setattr(torch.Tensor, method, wrapped_method)
        return self

    def __exit__(self, *exc):
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        return False

    def resolve(self, model: nn.Module) -> List[Dict[str, Any]]:
        keys = {}
        for key, t in model.state_dict(keep_vars=True).items():
            keys.setdefault((t.data_ptr(), tuple(t.shape)), key)
        out = []
        for t, fn, named, line in self.calls:
            key = keys.get((t.data_ptr(), tuple(t.shape)))
            if key is None:
                continue
            args = {k: (float(v) if isinstance(v, float) else v) for k, v in named.items()}
            out.append({"target": key, "fn": fn, "args": args, "line": line})
        return out


def trace(path: str, entry: Optional[str] = None, input_chw: Optional[List[int]] = None,
          quiet_import: bool = True, mode: str = "eval") -> Dict[str, Any]:
    """Import `path`, build the entry model, run one batch-1 forward in eval (or train) mode and no_grad.

    Returns the fixture dict: entry, input, output | error, totalParams, layers.
    Raises EntryError when no model can be built; errors in forward end up in result['error'].
    """
    path = os.path.realpath(path)
    torch.manual_seed(0)
    with ConstructionLines(path) as lines, InitRecorder(path) as inits:
        module = import_source(path, quiet=quiet_import)
        entry = pick_entry(path, module, entry)
        model = build_entry(module, entry)
    model.train(mode == "train")

    chw = input_chw or read_input_comment(path) or default_input(model)
    names = {id(m): name for name, m in model.named_modules()}
    layers: List[Dict[str, Any]] = []
    running: List[Optional[nn.Module]] = [None]

    def before(m, inputs):
        running[0] = m

    def after(m, inputs, output):
        running[0] = None
        row = {
            "path": names.get(id(m)),
            "type": type(m).__name__,
            "line": lines.lines.get(m),
            "outputShape": _shape(output),
            "params": sum(p.numel() for p in m.parameters(recurse=False)),
        }
        macs = _macs(m, output)
        if macs is not None:
            row["macs"] = macs
        layers.append(row)

    handles = []
    for m in model.modules():
        if next(m.children(), None) is None:
            handles.append(m.register_forward_pre_hook(before))
            handles.append(m.register_forward_hook(after))

    result: Dict[str, Any] = {"entry": entry, "input": [1, *chw]}
    x = torch.zeros(1, *chw)
    try:
        with torch.no_grad():
            y = model(x)
        result["output"] = _shape(y)
    except Exception as e:  # the model is wrong: report what PyTorch says and where
        error = {"message": str(e).split("\n")[0].strip(), "line": _innermost_line(e, path),
                 "exception": type(e).__name__}
        if running[0] is not None:
            # the leaf module that raised, as in the layers rows (absent for functional ops)
            failing = running[0]
            error["module"] = {"path": names.get(id(failing)), "type": type(failing).__name__,
                               "line": lines.lines.get(failing)}
        result["error"] = error
    finally:
        for h in handles:
            h.remove()
    result["totalParams"] = sum(p.numel() for p in model.parameters())
    result["layers"] = layers
    result["init"] = inits.resolve(model)
    return result


def _innermost_line(exc: BaseException, path: str) -> Optional[int]:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
