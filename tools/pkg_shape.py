#!/usr/bin/env python3
"""How much of the package's function bodies is input checking, measured with Python's `ast`.

For each module: the lines of its function bodies (docstrings left out), how many of them are checking (an `if` whose
body only raises, every line of it; a statement that calls a `check_*`/`_check_*`/`warn_if_*` function), their share,
and the check calls that pass the name of the function they sit in as a string (which `digit_sgd.checks` finds by
itself). Usage: python tools/pkg_shape.py [module ...]   (default: the lesson modules)
"""
from __future__ import annotations
import ast, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON_MODULES = ('data', 'baseline', 'sgd', 'loss', 'minibatch', 'neural_net', 'ten_digits')


def _is_check(call: ast.Call) -> bool:
    f = call.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ''
    return name.lstrip('_').startswith(('check_', 'warn_if_'))


def _lines(node: ast.AST) -> set: return set(range(node.lineno, node.end_lineno + 1))


def _functions(tree: ast.Module):
    "Every function and method of a module with its qualified name."
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): yield node.name, node
        if isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)): yield f'{node.name}.{sub.name}', sub


def _patched_name(fn: ast.FunctionDef, name: str) -> str:
    "`Class.method` for a function fastcore's `@patch` puts on `Class` (its `self` annotation); else `name`."
    patched = any((d.id if isinstance(d, ast.Name) else getattr(getattr(d, 'func', None), 'id', '')) == 'patch'
                  for d in fn.decorator_list)
    ann = fn.args.args[0].annotation if patched and fn.args.args else None
    return f'{ann.id}.{name}' if isinstance(ann, ast.Name) else name


def module_shape(src: str) -> dict:
    "Function-body lines, check lines, and check calls given their own function's name, for one module's source."
    tree = ast.parse(src)
    body, checks, named = set(), set(), []
    for name, fn in _functions(tree):
        stmts = fn.body[1:] if (fn.body and isinstance(fn.body[0], ast.Expr)
                                and isinstance(fn.body[0].value, ast.Constant)) else fn.body
        own = {name, _patched_name(fn, name), name.split('.')[0]}
        for s in stmts: body |= _lines(s)
        for s in stmts:
            for node in ast.walk(s):
                if isinstance(node, ast.If) and node.body and all(isinstance(b, ast.Raise) for b in node.body):
                    checks |= _lines(node)
                elif isinstance(node, ast.stmt):   # a check called by this statement itself, not by one nested in it
                    heads = [u for u in ast.iter_child_nodes(node) if not isinstance(u, (ast.stmt, ast.excepthandler))]
                    calls = [c for u in heads for c in ast.walk(u) if isinstance(c, ast.Call) and _is_check(c)]
                    if calls or (isinstance(node, ast.Raise) and node is s): checks |= _lines(node)
                    named += [f'{name}: {a.value!r}' for c in calls for a in [*c.args, *(k.value for k in c.keywords)]
                              if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value in own]
    return dict(body=len(body), checks=len(checks & body), named=named)


def package_shape(modules=LESSON_MODULES, root: Path = ROOT) -> dict:
    "`module_shape` of each module of `digit_sgd` (dotted names for subpackages), plus their total under 'all'."
    out = {m: module_shape((root/'digit_sgd'/(m.replace('.', '/') + '.py')).read_text()) for m in modules}
    out['all'] = dict(body=sum(r['body'] for r in out.values()), checks=sum(r['checks'] for r in out.values()),
                      named=[n for r in out.values() for n in r['named']])
    return out


if __name__ == '__main__':
    shape = package_shape(sys.argv[1:] or LESSON_MODULES)
    print(f"{'module':<12} {'body lines':>10} {'check lines':>11} {'share':>6}  names typed by hand")
    for m, r in shape.items():
        print(f"{m:<12} {r['body']:>10} {r['checks']:>11} {r['checks']/max(r['body'], 1):>6.1%}  {len(r['named'])}")
