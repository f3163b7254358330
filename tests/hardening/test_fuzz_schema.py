"""Property test: documents generated from the whole schema, as anonymous and as each role, always get a clean answer.

hypothesis-graphql writes documents for every query and every mutation of the SDL the app serves (and
some with one schema violation), with our strategies for the custom scalars (Decimal: "1e30", "NaN", 400
digits; Date: year 1 and 9999, 30 February; Upload: null), ids (of the seeded world's objects, mixed with
garbage) and strings (control characters, numbers as text, injections). Most ids are then made ids of a
seeded object of the type the field names, and phones, passwords and e-mails well-formed, so documents get
past those checks into the rules. Half send their arguments as variables, as real clients do, half inline.
Each goes as anonymous, a buyer, a trader, a courier, a market admin or the trade office through the ASGI
app with production settings, so an unexpected exception shows as INTERNAL_ERROR (the report quotes the
exception the log kept under its error id).

Every answer must be HTTP 200 (or a 4xx with a GraphQL error body), a JSON object with `data` and/or
`errors`, no INTERNAL_ERROR, no message that reads like a Python exception and no error raised by a field
without `extensions.code`. Failures are collected over the whole run and reported one per class
(operation, kind, message), not shrunk: documents change the data, so a replay would not see the same world.

Bounded: FUZZ_EXAMPLES documents per query and per mutation (default 25, each by an actor Hypothesis picks)
and at most FUZZ_SECONDS (default 40) of sending, shared fairly between the operations.
Seed: fixed (0) when CI is set, random otherwise; FUZZ_SEED=<n> replays a run, and a failure prints its seed.
"""

import asyncio
import base64
import dataclasses
import logging
import os
import random
import re
import time
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import graphql
import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from strawberry.relay import to_base64

from src.app import create_app
from src.models.accounts import Role, User
from src.models.media import PhotoStatus, ProductPhoto
from src.models.notifications import Notification
from src.models.outbox import OutboxEvent
from src.models.reports import ReportExport
from src.schema import build_schema
from src.services import delivery, tokens
from src.settings import Settings
from tests.factories import PASSWORD, make_user
from tests.support.world import World, make_world, tomorrow

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "25"))
BUDGET_SECONDS = float(os.environ.get("FUZZ_SECONDS", "40"))
REQUEST_TIMEOUT_SECONDS = 10.0
ACTORS = ("anonymous", "buyer", "trader", "courier", "market_admin", "trade_office")

# What a leaked exception looks like: a class name with a colon, a repr of a class, a driver's words.
UNMASKED = re.compile(
    r"Traceback|\[<class |<class '|\b\w+(Error|Exception)\b: |object has no attribute|NoneType|"
    r"invalid byte sequence|InvalidOperation|ConversionSyntax|IntegrityError|asyncpg|tortoise|sqlite3|"
    r"unexpected keyword argument|positional argument|not supported between instances",
    re.IGNORECASE,
)
ALLOWED_4XX = {400, 413, 429}

DECIMALS = [
    "0.25", "1", "0", "-0", "-1", "0.001", "0.0001", "1e30", "1E+2", "1e-30", "1e100", "NaN", "-NaN", "sNaN",
    "Infinity", "-Infinity", "inf", "123456789012345678901234567890", "9" * 400, "0." + "0" * 60 + "1", "",
    " 1", "1,5", "0,25", "abc", "1_000", "\x00",
]  # fmt: skip
DATES = [
    tomorrow().isoformat(), "2026-12-02", "2026-01-01", "2020-01-01", "0001-01-01", "9999-12-31", "2026-02-30",
    "2026-13-01", "20261202", "2026-12-02T10:00:00", "", "kemarin", "\x00",
]  # fmt: skip
DATETIMES = [
    "2026-12-02T10:00:00+07:00", "2026-12-02T03:00:00Z", "2026-12-02T10:00:00", "0001-01-01T00:00:00",
    "9999-12-31T23:59:59+14:00", "2026-12-02", "2026-12-02T25:00:00", "", "\x00",
]  # fmt: skip
TEXTS = [
    "Cabai rawit", "Jl. Ijen No. 1", "Bu Sri", PASSWORD, "kopi", "0812-3456-7890", "+6281299999999",
    "a@b.co", "1e30", "0,25", "", " ", "\x00", "a\x00b", "\x07\x1b[31m", "\r\n\t", "\u202egnp.exe", "😀" * 20,
    "Robert'); DROP TABLE user_account;--", "=HYPERLINK(\"http://x/\")", "x" * 5000, "id", "en", "MORNING",
]  # fmt: skip
INTS = [1, 2, 3, 5, 10, 20, 50, 100, 101, 0, -1, 2**31 - 1, -(2**31)]
# Around the seeded market (-7.9862, 112.63), and nowhere near it.
FLOATS = [-7.9862, 112.63, -7.98, 112.64, 0.0, 90.0, -90.0, 180.0, 181.0, 1e308, -1e-308]
GARBAGE_IDS = [
    "", " ", "\x00", "null", "1", "-1", "T3JkZXI6", "Order:1", "!!!", "%%%", "=" * 8,
    to_base64("Order", 0), to_base64("Order", -1), to_base64("Order", 2**31), to_base64("Order", 10**40),
    to_base64("Order", "abc"), to_base64("Nope", 1), to_base64("", 1), to_base64("Order", "\x00"),
]  # fmt: skip


@dataclass
class Failure:
    """One broken promise: which class it belongs to and one example of it."""

    key: tuple[str, ...]
    actor: str
    document: str
    variables: dict[str, Any]
    detail: str


@dataclass
class Run:
    """What the fuzz saw: documents sent per actor, answers by status, failures by class."""

    started: float = field(default_factory=time.monotonic)
    target_deadline: float = 0.0
    sent_for_target: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[tuple[str, ...], list[Failure]] = field(default_factory=dict)

    def start_target(self, remaining: int) -> None:
        """A fair share of what is left of the budget, so a slow operation cannot leave the others out."""
        left = BUDGET_SECONDS - (time.monotonic() - self.started)
        self.target_deadline = time.monotonic() + max(left, 0) / remaining
        self.sent_for_target = 0

    def out_of_time(self) -> bool:
        """Past this operation's share, once it has had one document (every operation gets at least one)."""
        return self.sent_for_target > 0 and time.monotonic() > self.target_deadline

    def fail(self, failure: Failure) -> None:
        self.failures.setdefault(failure.key, []).append(failure)


def _string(values: list[str], *extra: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    """The edge values as likely as everything else together."""
    edges = st.sampled_from(values)
    return st.one_of(*[edges] * len(extra), *extra).map(nodes.String)


def scalar_strategies(schema: graphql.GraphQLSchema, real_ids: list[str]) -> dict[str, Any]:
    """A strategy per scalar of the schema: ours for the custom ones, and for ID and String."""
    real = st.sampled_from(real_ids)
    ids = st.one_of(
        real,
        real,
        real,
        real,  # mostly real ids, so documents get past the id check into the services
        st.sampled_from(GARBAGE_IDS),
        st.binary(max_size=24).map(lambda raw: base64.b64encode(raw).decode()),
        st.text(max_size=20),
    )
    known: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
        "ID": ids.map(nodes.String),
        "Int": st.one_of(st.sampled_from(INTS), st.integers(min_value=-(2**31), max_value=2**31 - 1)).map(nodes.Int),
        "Float": st.one_of(
            st.sampled_from(FLOATS),
            st.floats(-1e300, 1e300, allow_nan=False),
            st.floats(-8.5, -7.5),
            st.floats(112, 113),
        ).map(nodes.Float),
        "String": _string(TEXTS, st.text(max_size=40), st.text(st.characters(max_codepoint=0x1F), max_size=5)),
        "Decimal": st.one_of(
            _string(DECIMALS, st.decimals(allow_nan=True, allow_infinity=True).map(str)),
            st.sampled_from(["0.25", "1e30", "1.0", "-2.5"]).map(lambda value: graphql.FloatValueNode(value=value)),
            st.integers().map(nodes.Int),
        ),
        "Date": _string(DATES, st.dates().map(lambda day: day.isoformat()), st.text(max_size=12)),
        "DateTime": _string(DATETIMES, st.datetimes().map(lambda moment: moment.isoformat())),
        "JSON": _string(["{}", "null", "1"]),
        # A file can only come in a multipart request: the only value a document can hold is null.
        "Upload": st.just(nodes.Null),
    }
    custom = {}
    for name, type_ in schema.type_map.items():
        if isinstance(type_, graphql.GraphQLScalarType) and not name.startswith("__") and name in known:
            custom[name] = known[name]
        elif isinstance(type_, graphql.GraphQLScalarType) and name != "Boolean":
            # A scalar added after this test was written still gets fuzzed, with strings.
            custom[name] = known["String"]
    return custom


def real_ids(schema: graphql.GraphQLSchema) -> list[str]:
    """Global IDs of the seeded objects: every Node type with the first few primary keys (tables start at 1)."""
    node = schema.get_type("Node")
    assert isinstance(node, graphql.GraphQLInterfaceType)
    return [to_base64(type_.name, n) for type_ in schema.get_possible_types(node) for n in (1, 2, 3)]


# Id fields whose name is not the name of the type they hold.
ID_ALIASES = {"courier": "User", "buyer": "User", "trader": "User", "user": "User", "staff": "User"}


def _id_type(name: str, owner: str, node_types: list[str]) -> str | None:
    """The type a field's global ID should be of: `stallOrderId` a StallOrder, `id` in UpdateProductInput
    a Product, `assignmentId` a DeliveryAssignment; None when the name says nothing."""
    if name == "id":
        inside = [type_name for type_name in node_types if type_name.lower() in owner.lower()]
        return max(inside, key=len) if inside else None
    stem = re.sub(r"Ids?$", "", name)
    if stem == name or not stem:
        return None
    if stem.lower() in ID_ALIASES:
        return ID_ALIASES[stem.lower()]
    ending = [type_name for type_name in node_types if type_name.lower().endswith(stem.lower())]
    return min(ending, key=len) if ending else None


def _plausible_text(name: str, rnd: random.Random) -> str | None:
    """A value that passes the field's own check (a phone, a password), so the rest of the input is tried."""
    name = name.lower()
    if name.endswith("phone"):
        return rnd.choice([f"+62812{rnd.randrange(10**8):08d}", "0812-3456-7890", "+6281210000001"])
    if name.endswith("password"):
        return rnd.choice([PASSWORD, "rahasia-sekali-123"])
    if name.endswith("email"):
        return rnd.choice([f"u{rnd.randrange(10**6)}@pasar.id", "a@b.co"])
    return None


def with_plausible_values(document: str, schema: graphql.GraphQLSchema, rnd: random.Random) -> str:
    """Most ID values replaced by an id of a seeded object of the type the field asks for, and most phones,
    passwords and e-mails by well-formed ones, so documents get past those checks and into the rules;
    the rest keep what the strategies drew (often garbage)."""
    node = schema.get_type("Node")
    assert isinstance(node, graphql.GraphQLInterfaceType)
    node_types = [type_.name for type_ in schema.get_possible_types(node)]
    ast = graphql.parse(document)
    operation = ast.definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    root = schema.mutation_type if operation.operation == graphql.OperationType.MUTATION else schema.query_type
    assert root is not None

    def visit(value: graphql.ValueNode, type_: graphql.GraphQLInputType, name: str, owner: str) -> graphql.ValueNode:
        named = graphql.get_nullable_type(type_)  # type: ignore[type-var]
        if isinstance(named, graphql.GraphQLList) and isinstance(value, graphql.ListValueNode):
            items = tuple(visit(item, named.of_type, name, owner) for item in value.values)
            return dataclasses.replace(value, values=items)
        if isinstance(named, graphql.GraphQLInputObjectType) and isinstance(value, graphql.ObjectValueNode):
            fields = tuple(
                dataclasses.replace(f, value=visit(f.value, named.fields[f.name.value].type, f.name.value, named.name))
                if f.name.value in named.fields
                else f
                for f in value.fields
            )
            return dataclasses.replace(value, fields=fields)
        if not isinstance(value, graphql.StringValueNode) or rnd.random() < 0.2:
            return value
        scalar = getattr(named, "name", None)
        if scalar == "ID" and (target := _id_type(name, owner, node_types)):
            return graphql.StringValueNode(value=to_base64(target, rnd.choice((1, 1, 2))))
        if scalar == "String" and (text := _plausible_text(name, rnd)):
            return graphql.StringValueNode(value=text)
        return value

    selections: list[graphql.SelectionNode] = []
    for selection in operation.selection_set.selections:
        if isinstance(selection, graphql.FieldNode) and selection.name.value in root.fields:
            declared = root.fields[selection.name.value].args
            arguments = tuple(
                dataclasses.replace(
                    a, value=visit(a.value, declared[a.name.value].type, a.name.value, selection.name.value)
                )
                if a.name.value in declared
                else a
                for a in selection.arguments or ()
            )
            selection = dataclasses.replace(selection, arguments=arguments)
        selections.append(selection)
    selection_set = dataclasses.replace(operation.selection_set, selections=tuple(selections))
    return graphql.print_ast(
        graphql.DocumentNode(definitions=(dataclasses.replace(operation, selection_set=selection_set),))
    )


def as_variables(document: str, schema: graphql.GraphQLSchema) -> tuple[str, dict[str, Any]]:
    """The same operation with every root field's arguments sent as variables, as a client sends them."""
    ast = graphql.parse(document)
    operation = ast.definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    root = schema.mutation_type if operation.operation == graphql.OperationType.MUTATION else schema.query_type
    assert root is not None
    definitions: list[graphql.VariableDefinitionNode] = []
    values: dict[str, Any] = {}
    selections: list[graphql.SelectionNode] = []
    for selection in operation.selection_set.selections:
        if not isinstance(selection, graphql.FieldNode) or selection.name.value not in root.fields:
            selections.append(selection)
            continue
        arguments = []
        for argument in selection.arguments or ():
            declared = root.fields[selection.name.value].args.get(argument.name.value)
            if declared is None:
                arguments.append(argument)
                continue
            name = f"v{len(values)}"
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            definitions.append(
                graphql.VariableDefinitionNode(variable=variable, type=graphql.parse_type(str(declared.type)))
            )
            values[name] = graphql.value_from_ast_untyped(argument.value)
            arguments.append(graphql.ArgumentNode(name=argument.name, value=variable))
        selections.append(dataclasses.replace(selection, arguments=tuple(arguments)))
    # The AST's nodes are frozen: the operation is rebuilt around the new selections.
    selection_set = dataclasses.replace(operation.selection_set, selections=tuple(selections))
    rebuilt = dataclasses.replace(operation, selection_set=selection_set, variable_definitions=tuple(definitions))
    return graphql.print_ast(graphql.DocumentNode(definitions=(rebuilt,))), values


def targets(schema: graphql.GraphQLSchema, scalars: dict[str, Any]) -> list[tuple[str, st.SearchStrategy[str]]]:
    """A strategy per query and per mutation (each gets its share of the run, however Hypothesis draws),
    and one of documents with a schema violation (a wrong type, a missing argument, an unknown enum value)."""
    options: dict[str, Any] = {"custom_scalars": scalars}
    found: list[tuple[str, st.SearchStrategy[str]]] = []
    for root, make in ((schema.query_type, hg.queries), (schema.mutation_type, hg.mutations)):
        assert root is not None
        found += [(name, make(schema, fields=[name], **options)) for name in root.fields]
    invalid = st.one_of(
        hg.queries(schema, mode=hg.Mode.NEGATIVE, **options), hg.mutations(schema, mode=hg.Mode.NEGATIVE, **options)
    )
    return [*found, ("(invalid documents)", invalid)]


def _root_fields(document: str) -> str:
    try:
        operation = graphql.parse(document).definitions[0]
    except graphql.GraphQLError:
        return "?"
    assert isinstance(operation, graphql.OperationDefinitionNode)
    names = [s.name.value for s in operation.selection_set.selections if isinstance(s, graphql.FieldNode)]
    return f"{operation.operation.value} {','.join(sorted(set(names)))}"


def _template(message: str) -> str:
    """A message with its values taken out, so one class of failure is reported once."""
    message = re.sub(r'"(?:[^"\\]|\\.)*"', '"…"', message)
    message = re.sub(r"'[^']*'", "'…'", message)
    return re.sub(r"\d+", "N", message)[:160]


def check_answer(response: httpx.Response, log_records: list[logging.LogRecord]) -> list[tuple[str, str, str]]:
    """Broken promises in one answer, as (kind, message template, detail)."""
    problems: list[tuple[str, str, str]] = []
    if response.status_code >= 500 or (response.status_code != 200 and response.status_code not in ALLOWED_4XX):
        problems.append(("HTTP", str(response.status_code), response.text[:2000]))
    try:
        body = response.json()
    except ValueError:
        return [*problems, ("NOT_JSON", str(response.status_code), response.text[:2000])]
    if (
        not isinstance(body, dict)
        or not ({"data", "errors"} & body.keys())
        or body.keys() - {"data", "errors", "extensions"}
    ):
        return [*problems, ("SHAPE", "keys", response.text[:2000])]
    errors = body.get("errors")
    if errors is not None and (not isinstance(errors, list) or not errors):
        problems.append(("SHAPE", "errors not a non-empty list", response.text[:2000]))
        errors = []
    if not errors and not isinstance(body.get("data"), dict):
        problems.append(("SHAPE", "no data and no errors", response.text[:2000]))
    if response.status_code != 200 and not errors:
        problems.append(("SHAPE", f"{response.status_code} without errors", response.text[:2000]))
    for error in errors or []:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            problems.append(("SHAPE", "error without message", repr(error)[:2000]))
            continue
        code = (error.get("extensions") or {}).get("code")
        if code == "INTERNAL_ERROR":
            error_id = error["extensions"].get("errorId")
            logged = [r for r in log_records if r.args and error_id in r.args and r.exc_info]
            cause = repr(logged[0].exc_info[1]) if logged and logged[0].exc_info else "(not in the log)"
            where = ".".join(str(p) for p in error.get("path") or [])
            problems.append(("INTERNAL_ERROR", f"{where}: {_template(cause)}", f"{where}: {cause}"))
        elif UNMASKED.search(error["message"]):
            problems.append(("UNMASKED", _template(error["message"]), error["message"][:2000]))
        elif error.get("path") and not code:
            # Raised while a field ran, yet nothing says what went wrong: clients can only show the English.
            problems.append(("NO_CODE", _template(error["message"]), error["message"][:2000]))
    return problems


@pytest.fixture
async def production_http(clean_db: None, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with production settings: unexpected errors masked as INTERNAL_ERROR with an id."""
    app = create_app(settings.model_copy(update={"environment": "production"}), manage_orm=False)
    async with app.router.lifespan_context(app):
        # An exception out of the app becomes the 500 a real server would send (and is reported as one).
        transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def _seed(settings: Settings) -> tuple[World, dict[str, User | None]]:
    """A market with two stalls and their products, a buyer, couriers, admins, an order with a courier and a new
    one, a photo, a notification and a report export: something real behind the first ids of every type."""
    world = await make_world(settings, couriers=2)
    order = await world.order()
    await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.couriers[0].id)
    await world.order(ready=False, quantity="0.5")
    await ProductPhoto.create(
        product=world.product, status=PhotoStatus.READY, content_type="image/jpeg", original_key="originals/p/1",
        variants={"THUMB.WEBP": "photos/p/1/thumb.webp"}, width=160, height=120,
    )  # fmt: skip
    event = await OutboxEvent.first()
    assert event is not None
    await Notification.create(
        user=world.buyer, event=event, type="ORDER_PLACED", language="id", title="Pesanan", body="Diterima",
        template="order_placed",
    )  # fmt: skip
    await ReportExport.create(
        requested_by=world.admin, market=world.market, date_from=tomorrow() - timedelta(days=7), date_to=tomorrow()
    )
    office = await make_user(Role.MARKET_ADMIN, name="Dinas Perdagangan")
    actors: dict[str, User | None] = {
        "anonymous": None, "buyer": world.buyer, "trader": world.trader, "courier": world.couriers[0],
        "market_admin": world.admin, "trade_office": office,
    }  # fmt: skip
    return world, actors


async def test_generated_documents_get_a_clean_answer(
    production_http: httpx.AsyncClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the seeded world, a token for each role and strategies from the schema the app serves
    _, actors = await _seed(settings)
    schema = graphql.build_schema(build_schema(settings).as_str())
    scalars = scalar_strategies(schema, real_ids(schema))
    operations = targets(schema, scalars)
    users = [user.id for user in actors.values() if user is not None]
    bearer = {name: tokens.create_access_token(user, settings) for name, user in actors.items() if user}
    caplog.set_level(logging.ERROR, logger="src")
    fuzz_seed = int(os.environ.get("FUZZ_SEED") or (0 if os.environ.get("CI") else random.randrange(2**32)))
    loop = asyncio.get_running_loop()
    run = Run()

    async def send(actor: str, document: str, variables: dict[str, Any], language: str | None) -> None:
        # Deactivations and logouts the fuzz made must not turn the rest of the run anonymous.
        await User.filter(id__in=users).update(is_active=True, sessions_revoked_at=None)
        headers = {"Authorization": f"Bearer {bearer[actor]}"} if actor in bearer else {}
        if language:
            headers["Accept-Language"] = language
        first_record = len(caplog.records)
        try:
            response = await asyncio.wait_for(
                production_http.post("/graphql", json={"query": document, "variables": variables}, headers=headers),
                REQUEST_TIMEOUT_SECONDS,
            )
        except TimeoutError:
            run.fail(Failure(("TIMEOUT", _root_fields(document)), actor, document, variables, "no answer in time"))
            return
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
        for kind, template, detail in check_answer(response, caplog.records[first_record:]):
            run.fail(Failure((kind, _root_fields(document), template), actor, document, variables, detail))

    def fuzz(strategy: st.SearchStrategy[str], index: int) -> Callable[[], None]:
        @seed(fuzz_seed + index)
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,  # the run's own budget and the per-request timeout bound the time
            database=None,  # no .hypothesis/ folder: the seed says what ran
            phases=[Phase.generate],  # failures are collected, not raised: nothing to shrink
            suppress_health_check=[
                HealthCheck.too_slow,  # a large schema makes large documents: that is the point
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
                HealthCheck.filter_too_much,
            ],
        )
        @given(
            # Anonymous is refused almost everything: the roles get twice its share.
            actor=st.sampled_from([ACTORS[0], *ACTORS[1:] * 2]),
            document=strategy,
            with_variables=st.booleans(),
            language=st.sampled_from([None, "id", "en"]),
            # Drawn whole before the body runs (not lazily, as st.randoms() would): an example cut short by the
            # budget must draw what a full one draws, or Hypothesis calls the strategy flaky.
            values_seed=st.integers(min_value=0, max_value=2**32 - 1),
        )
        def example(actor: str, document: str, with_variables: bool, language: str | None, values_seed: int) -> None:
            if run.out_of_time():
                return
            variables: dict[str, Any] = {}
            run.sent[actor] = run.sent.get(actor, 0) + 1
            run.sent_for_target += 1
            try:
                if not graphql.validate(schema, graphql.parse(document)):
                    document = with_plausible_values(document, schema, random.Random(values_seed))
                    if with_variables:
                        document, variables = as_variables(document, schema)
                asyncio.run_coroutine_threadsafe(send(actor, document, variables, language), loop).result()
            except Exception as exc:  # reported with the others; raised, Hypothesis would replay it in a changed world
                detail = "".join(traceback.format_exception(exc))[-3000:]
                key = ("EXCEPTION", _root_fields(document), repr(exc)[:160])
                run.fail(Failure(key, actor, document, variables, detail))

        return example

    # When documents for every operation are sent by every kind of actor (Hypothesis runs in a thread,
    # each request in the test's event loop, where the app and the database connections live)
    unsent = []
    for index, (name, strategy) in enumerate(operations):
        run.start_target(len(operations) - index)
        await asyncio.to_thread(fuzz(strategy, index))
        if not run.sent_for_target:
            unsent.append(name)

    # Then every answer kept its promises
    elapsed = time.monotonic() - run.started
    summary = f"seed {fuzz_seed}, {elapsed:.1f} s, sent {run.sent}, statuses {run.statuses}"
    print(summary)
    report = [
        f"{key}: {len(found)}x, e.g. as {found[0].actor}\n  document: {found[0].document!r}\n"
        f"  variables: {found[0].variables!r}\n  {found[0].detail[:1500]}"
        for key, found in sorted(run.failures.items())
    ]
    assert not report, f"{len(report)} failure classes ({summary}; FUZZ_SEED={fuzz_seed} replays):\n" + "\n".join(
        report
    )
    # And every operation and every actor had its turn
    assert not unsent, f"never sent: {unsent}; {summary}"
    assert set(run.sent) == set(ACTORS), summary
