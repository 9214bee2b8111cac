"""No blocking work on the event loop: ``async def`` code in api/ and web/ awaits or offloads it.

FastAPI runs ``def`` routes and dependencies in its threadpool, but ``async def`` ones on
the event loop: a synchronous database call, file access or sleep there stalls every
other request. This test walks the syntax tree of every module of api/ and web/ and
lists each call to a known-blocking API made directly in an ``async def`` (not awaited,
not the context of ``async with``). A function *passed* to ``run_in_threadpool``,
``asyncio.to_thread`` or ``anyio.to_thread.run_sync`` is not called there, and the body
of a nested ``def`` or ``lambda`` runs wherever it is handed to, so neither is flagged.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Calls by their full dotted name.
BLOCKING_CALLS = {
    "open",
    "input",
    "time.sleep",
    "Session",
    "sessionmaker",
    "create_engine",
    "psycopg.connect",
    "psycopg.Connection.connect",
    "render_pdf",
    "os.listdir",
    "os.makedirs",
    "os.mkdir",
    "os.remove",
    "os.rename",
    "os.replace",
    "os.rmdir",
    "os.scandir",
    "os.stat",
    "os.system",
    "os.unlink",
    "os.walk",
}
#: Calls of any function of these modules.
BLOCKING_MODULES = ("requests", "subprocess", "shutil", "tempfile", "urllib.request", "httpx")
#: Method calls that block whatever they are called on, unless awaited (an async
#: connection's ``execute`` is awaited; a sync ``Session``'s is not).
BLOCKING_METHODS = {
    "execute",
    "scalar",
    "scalars",
    "scalar_one",
    "scalar_one_or_none",
    "commit",
    "flush",
    "rollback",
    "connect",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "open",
    "mkdir",
    "unlink",
    "rmdir",
}
#: Annotations of a synchronous session: every method call on such a parameter blocks.
SESSION_ANNOTATIONS = {"Session", "SessionDep"}


@dataclass(frozen=True, order=True)
class Finding:
    """A blocking call made directly in an ``async def``."""

    path: str
    line: int
    function: str
    call: str


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _annotation_name(node: ast.expr | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        node = ast.parse(node.value, mode="eval").body
    if isinstance(node, ast.Subscript):  # Annotated[Session, ...]
        inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
        return _annotation_name(inner)
    name = _dotted(node)
    return name.rsplit(".", 1)[-1] if name else None


def _blocking(call: ast.Call, sessions: set[str]) -> str | None:
    name = _dotted(call.func)
    if name is not None and (
        name in BLOCKING_CALLS or name.startswith(tuple(f"{m}." for m in BLOCKING_MODULES))
    ):
        return name
    if isinstance(call.func, ast.Attribute):
        owner = _dotted(call.func.value)
        if call.func.attr in BLOCKING_METHODS:
            return name or f"….{call.func.attr}"
        if owner in sessions:
            return name
    return None


def _async_ok(tree: ast.AST) -> set[int]:
    """Ids of the calls whose result is awaited (``await f()``, ``async with f()``, ``async for``)."""
    ok: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            ok.add(id(node.value))
        elif isinstance(node, ast.AsyncWith):
            ok.update(id(item.context_expr) for item in node.items)
        elif isinstance(node, ast.AsyncFor):
            ok.add(id(node.iter))
    return ok


def _calls_in(body: list[ast.stmt]) -> list[ast.Call]:
    """The calls of a function body, not those of nested functions or lambdas."""
    calls: list[ast.Call] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return calls


def blocking_calls(source: str, path: str) -> list[Finding]:
    """Every known-blocking call made directly in an ``async def`` of ``source``."""
    tree = ast.parse(source)
    ok = _async_ok(tree)
    found: list[Finding] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.AsyncFunctionDef):
            continue
        args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        sessions = {a.arg for a in args if _annotation_name(a.annotation) in SESSION_ANNOTATIONS}
        for call in _calls_in(fn.body):
            what = None if id(call) in ok else _blocking(call, sessions)
            if what is not None:
                found.append(Finding(path, call.lineno, fn.name, what))
    return sorted(found)


def _sources() -> dict[str, str]:
    files = sorted(f for package in ("api", "web") for f in (ROOT / package).rglob("*.py"))
    return {f.relative_to(ROOT).as_posix(): f.read_text(encoding="utf-8") for f in files}


def _project_findings() -> list[Finding]:
    return [f for path, source in _sources().items() for f in blocking_calls(source, path)]


#: Blocking calls that stay, each with its reason: (path, function, call) -> reason.
KNOWN: dict[tuple[str, str, str], str] = {}


def test_the_walk_reaches_the_async_routes():
    names = {
        fn.name
        for source in _sources().values()
        for fn in ast.walk(ast.parse(source))
        if isinstance(fn, ast.AsyncFunctionDef)
    }
    assert {"create_import", "get_items", "get_combined_tile", "get_reader"} <= names


def test_no_async_def_in_api_or_web_calls_a_blocking_api():
    found = _project_findings()
    new = [f for f in found if (f.path, f.function, f.call) not in KNOWN]
    assert new == [], "blocking calls on the event loop (make the route a def, or offload):\n" + (
        "\n".join(f"{f.path}:{f.line} {f.function}: {f.call}" for f in new)
    )
    stale = set(KNOWN) - {(f.path, f.function, f.call) for f in found}
    assert stale == set(), f"known exceptions that no longer occur; remove them: {stale}"


SYNTHETIC = """
import time
from anyio import to_thread
from starlette.concurrency import run_in_threadpool

@router.get("/bad")
async def bad(request: Request, session: SessionDep, path: Path) -> Response:
    rows = session.execute(text("SELECT 1")).all()
    session.get(Layer, 1)
    with open("report.pdf", "rb") as fh:
        data = fh.read()
    path.read_text(encoding="utf-8")
    time.sleep(0.1)
    subprocess.run(["ogr2ogr"])
    pdf = render_pdf(html, base_url="/")
    with Session(engine) as other:
        pass
    return Response(data)

@router.get("/good")
async def good(request: Request, session: SessionDep, reader: ReaderDep) -> Response:
    rows = await run_in_threadpool(session.execute, text("SELECT 1"))
    pdf = await to_thread.run_sync(render_pdf, html, "/")
    async with reader.pool.connection() as conn:
        await conn.execute("SELECT 1")
    def work() -> bytes:
        return Path("x").read_bytes()
    data = await run_in_threadpool(work)
    later = await asyncio.to_thread(lambda: time.sleep(0.1))
    return Response(data)

@router.get("/sync")
def sync_route(session: SessionDep) -> Response:
    return Response(session.execute(text("SELECT 1")).scalar_one())
"""


def test_the_check_flags_blocking_calls_and_only_those():
    found = blocking_calls(SYNTHETIC, "synthetic.py")
    assert {f.function for f in found} == {"bad"}
    assert [(f.call, f.line) for f in found] == [
        ("session.execute", 8),
        ("session.get", 9),
        ("open", 10),
        ("path.read_text", 12),
        ("time.sleep", 13),
        ("subprocess.run", 14),
        ("render_pdf", 15),
        ("Session", 16),
    ]
