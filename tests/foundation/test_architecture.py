"""The house's shape, kept by tests: no import circle between any two modules of src/, no module too big to read."""

import ast
import importlib
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Every module each module imports, deferred imports inside functions and TYPE_CHECKING blocks included."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, `level` steps up
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    graph[name].add(target if target in modules else base)
            elif isinstance(node, ast.Import):
                graph[name].update(alias.name for alias in node.names)
    return {
        name: _with_packages(name, {t for t in targets if t in modules}, modules) - {name}
        for name, targets in graph.items()
    }


def _with_packages(name: str, targets: set[str], modules: dict[str, Path]) -> set[str]:
    """The targets and the packages Python runs on the way to them: importing `a.b.c` runs `a/b/__init__.py`
    first (unless `a.b` is the importer's own package, already running), so a package whose `__init__`
    imports the importer closes a circle as surely as a direct import."""
    own = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
    found = set(targets)
    for target in targets:
        parts = target.split(".")
        found.update(p for n in range(1, len(parts)) if (p := ".".join(parts[:n])) in modules and p not in own)
    return found


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_no_import_circle_in_src() -> None:
    assert _circles(_imports(_modules())) == []


def test_a_package_on_the_way_closes_a_circle() -> None:
    # orders.cancelling importing delivery.carriers runs delivery/__init__.py, which imports orders: a circle.
    modules = dict.fromkeys(["src.orders", "src.orders.cancelling", "src.delivery", "src.delivery.carriers"], Path())
    graph = {name: _with_packages(name, targets, modules) - {name} for name, targets in {
        "src.orders": {"src.orders.cancelling"},
        "src.orders.cancelling": {"src.delivery.carriers"},
        "src.delivery": {"src.orders", "src.delivery.carriers"},
        "src.delivery.carriers": set(),
    }.items()}  # fmt: skip
    assert _circles(graph) == [["src.delivery", "src.orders", "src.orders.cancelling"]]


def test_the_circle_finder_finds_one() -> None:
    # The check above must be able to fail: a made-up circle of three modules and a bystander.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_no_module_in_src_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(SRC.parent)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


# The domain packages of src/services/ and the model modules whose tables each owns. A domain reaches another's
# rows only through that domain's service functions: it may name another's models in annotations (under
# TYPE_CHECKING) and use its enums (values, not tables), never import a model class to query it.
DOMAINS = {
    "assignments": {"delivery"},
    "delivery": {"delivery"},
    "orders": {"orders", "substitutions"},
    "payments": {"payments"},
    "notifications": {"notifications", "outbox"},  # notifications relays the outbox's events
    "reports": {"reports"},
}
# Every service is handed the acting user: a row of accounts' table any domain may hold.
SHARED_MODELS = {("accounts", "User")}


def _runtime_imports(tree: ast.Module) -> list[ast.ImportFrom]:
    """Every `from … import …` that runs (module level or deferred), leaving out `if TYPE_CHECKING:` blocks."""
    found: list[ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def _foreign_models(domains: dict[str, set[str]], root: Path) -> list[str]:
    """`path:line module.Name` for each model class a domain package imports from another domain's models."""
    from tortoise.models import Model

    wrong = []
    for domain, own in domains.items():
        for path in sorted((root / "services" / domain).rglob("*.py")):
            for node in _runtime_imports(ast.parse(path.read_text(), str(path))):
                parts = (node.module or "").split(".")
                if parts[:2] != ["src", "models"] or len(parts) < 3 or parts[2] in own:
                    continue
                module = importlib.import_module(node.module or "")
                for alias in node.names:
                    value = getattr(module, alias.name, None)
                    if (
                        isinstance(value, type)
                        and issubclass(value, Model)
                        and (parts[2], alias.name) not in SHARED_MODELS
                    ):
                        wrong.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.module}.{alias.name}")
    return wrong


def test_no_domain_imports_another_domains_models() -> None:
    assert _foreign_models(DOMAINS, SRC) == []


def test_the_model_check_finds_one(tmp_path: Path) -> None:
    # It must be able to fail: a made-up delivery module that reads orders' table, and one that only annotates.
    package = tmp_path / "src" / "services" / "delivery"
    package.mkdir(parents=True)
    (package / "wrong.py").write_text("from src.models.orders import Order, OrderStatus\n")
    (package / "right.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from src.models.orders import Order\n"
    )
    assert _foreign_models({"delivery": {"delivery"}}, tmp_path / "src") == [
        "src/services/delivery/wrong.py:1 src.models.orders.Order"
    ]
