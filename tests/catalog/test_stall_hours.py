"""Opening hours that run themselves: a trader's and a market's hours, checked field by field, applied by the
worker's job as the clock moves through a week in WIB (a public holiday included), and shown to buyers."""

from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from strawberry.relay import to_base64

from src.jobs.hours import open_and_close_stalls
from src.models.accounts import Role, User
from src.models.markets import Market, Stall, StallStatus
from src.services import hours
from src.services import markets as markets_service
from src.services.common import dates
from src.services.hours import HoursInput, ScheduleInput, Weekday
from src.services.notification_texts import WIB
from src.settings import Settings
from tests.catalog.test_fast_path import _both, clients  # noqa: F401  (a fixture)
from tests.factories import make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient

HOURS_FIELDS = "openNow nextOpening hoursFromMarket hours { day opens closes } closedDates openDates"
SET_STALL = f"""mutation($input: SetStallHoursInput!) {{ setStallHours(input: $input) {{
  stall {{ id isOpen {HOURS_FIELDS} }} errors {{ field code message }} }} }}"""
SET_MARKET = """mutation($input: SetMarketHoursInput!) { setMarketHours(input: $input) {
  market { id hours { day opens closes } closedDates openDates } errors { field code message } } }"""
STALL = f"query($id: ID!) {{ node(id: $id) {{ ... on Stall {{ name isOpen {HOURS_FIELDS} }} }} }}"
PRODUCT = f"query($id: ID!) {{ product(id: $id) {{ name stall {{ name {HOURS_FIELDS} }} }} }}"
DAYS = list(Weekday)
MON_TO_SAT = [{"day": d.value, "opens": "05:00", "closes": "11:00"} for d in DAYS[:6]]


def _weekday(day: date) -> str:
    return DAYS[day.weekday()].value


def _ordinary_day(start: date) -> date:
    """The first day from `start` on that is no public holiday."""
    day = start
    while hours.public_holiday(day) is not None:
        day += timedelta(days=1)
    return day


def _holiday_week() -> tuple[date, date]:
    """The Monday of a coming week (a week from now at the earliest) with exactly one public holiday, falling
    Monday to Saturday, and that holiday."""
    day = dates.today() + timedelta(days=8)
    while True:
        monday = day - timedelta(days=day.weekday())
        week = [monday + timedelta(days=n) for n in range(7)]
        found = [d for d in week if hours.public_holiday(d) is not None]
        if len(found) == 1 and found[0].weekday() < 6:
            return monday, found[0]
        day = monday + timedelta(days=7)


@pytest.fixture
async def trader(clean_db: None) -> User:
    return await make_user(Role.TRADER, name="Bu Tin")


@pytest.fixture
async def stall(trader: User) -> Stall:
    return await make_stall(trader=trader, name="Sayur Bu Tin", is_open=False)


async def _as(gql: GraphQLClient, settings: Settings, user: User) -> None:
    gql.token = token_for(user, settings)


async def test_the_job_opens_and_closes_by_the_hours_through_a_week_with_a_public_holiday(
    stall: Stall, trader: User
) -> None:
    monday, holiday = _holiday_week()
    closed_day = monday + timedelta(days=5 if holiday.weekday() != 5 else 4)  # the Saturday (else Friday)
    await hours.set_stall_hours(
        actor=trader,
        given=ScheduleInput(
            hours=[HoursInput(d, "05:00", "11:00") for d in DAYS[:6]],  # Monday to Saturday, 05:00–11:00
            closed_dates=[closed_day],
        ),
    )
    other = await make_stall(is_open=True)  # no hours of its own and a market without: opened and closed by hand

    async def at(day: date, hour: int, minute: int) -> bool:
        moment = datetime.combine(day, time(hour, minute), tzinfo=WIB)
        await hours.apply_hours(at=moment)
        return (await Stall.get(id=stall.id)).is_open

    seen = []
    for offset in range(8):  # Monday to the next Monday
        day = monday + timedelta(days=offset)
        opens = day.weekday() < 6 and day != closed_day and hours.public_holiday(day) is None
        for hour, minute, expected in ((4, 59, False), (5, 0, opens), (10, 59, opens), (11, 0, False)):
            assert await at(day, hour, minute) is expected, (day, hour, minute, hours.public_holiday(day))
            seen.append(expected)
    # Four days of the week opened (six less the holiday and the closed day), and the next Monday unless a holiday.
    assert seen.count(True) == 2 * (4 + (hours.public_holiday(monday + timedelta(days=7)) is None))
    assert (await Stall.get(id=other.id)).is_open is True  # the job leaves a stall without hours alone

    # The stall says it opens on the holiday: it does, by its weekly hours.
    await hours.set_stall_hours(
        actor=trader,
        given=ScheduleInput(hours=[HoursInput(d, "05:00", "11:00") for d in DAYS[:6]], open_dates=[holiday]),
    )
    assert await at(holiday, 4, 59) is False
    assert await at(holiday, 5, 0) is True
    assert await at(holiday, 11, 0) is False
    assert (await Stall.get(id=stall.id)).opening_schedule["closed"] == [closed_day.isoformat()]  # kept: not given


async def test_closed_by_hand_stays_closed_until_the_next_opening(stall: Stall, trader: User) -> None:
    await hours.set_stall_hours(
        actor=trader, given=ScheduleInput(hours=[HoursInput(d, "05:00", "11:00") for d in DAYS])
    )
    day = _ordinary_day(dates.today() + timedelta(days=2))
    following = _ordinary_day(day + timedelta(days=1))
    await hours.apply_hours(at=datetime.combine(day, time(6, 0), tzinfo=WIB))
    assert (await Stall.get(id=stall.id)).is_open is True
    await markets_service.set_stall_open(actor=trader, open=False)  # sold out early
    await hours.apply_hours(at=datetime.combine(day, time(7, 0), tzinfo=WIB))
    assert (await Stall.get(id=stall.id)).is_open is False
    await hours.apply_hours(at=datetime.combine(day, time(11, 0), tzinfo=WIB))
    await hours.apply_hours(at=datetime.combine(following, time(5, 0), tzinfo=WIB))
    assert (await Stall.get(id=stall.id)).is_open is True

    # A suspended stall is never opened by its hours.
    admin = await make_user(Role.MARKET_ADMIN)
    await markets_service.review_stall(
        actor=admin, stall_id=stall.id, decision=markets_service.StallDecision.SUSPEND, reason="Timbangan"
    )
    await hours.apply_hours(at=datetime.combine(following + timedelta(days=1), time(6, 0), tzinfo=WIB))
    assert (await Stall.get(id=stall.id)).is_open is False


async def test_the_cron_job_applies_the_hours_now(stall: Stall, trader: User) -> None:
    everyday = [{"day": d.value, "opens": "00:00", "closes": "23:59"} for d in DAYS]
    await Stall.filter(id=stall.id).update(opening_schedule={"hours": everyday})
    result = await open_and_close_stalls({})
    today_open = hours.public_holiday(dates.today()) is None and datetime.now(WIB).time() < time(23, 59)
    assert result == {"opened": int(today_open), "closed": int(not today_open)}
    assert (await Stall.get(id=stall.id)).is_open is today_open
    assert await open_and_close_stalls({}) == {"opened": 0, "closed": 0}  # nothing passed since: nothing changes


async def test_a_trader_sets_hours_and_buyers_see_when_it_opens(
    gql: GraphQLClient, settings: Settings, stall: Stall, trader: User
) -> None:
    day = _ordinary_day(dates.today() + timedelta(days=3))
    await _as(gql, settings, trader)
    hours_input = [{"day": _weekday(day), "opens": "05:30", "closes": "11:00"}]
    payload = (await gql(SET_STALL, {"input": {"hours": hours_input}}))["setStallHours"]
    assert payload["errors"] == []
    assert payload["stall"] == {
        "id": to_base64("Stall", stall.id),
        "isOpen": False,
        "openNow": False,
        "nextOpening": f"{day.isoformat()}T05:30:00+07:00",
        "hoursFromMarket": False,
        "hours": hours_input,
        "closedDates": [],
        "openDates": [],
    }
    # Closed that day: it opens a week later (or later still, past a holiday).
    payload = await gql(SET_STALL, {"input": {"hours": hours_input, "closedDates": [day.isoformat()]}})
    later = day + timedelta(days=7)
    while hours.public_holiday(later) is not None:
        later += timedelta(days=7)
    assert payload["setStallHours"]["stall"]["nextOpening"] == f"{later.isoformat()}T05:30:00+07:00"
    assert payload["setStallHours"]["stall"]["closedDates"] == [day.isoformat()]

    gql.token = None  # anybody sees the stall and a product's page, marked closed
    product = await make_product(stall, name="Kangkung")
    seen = (await gql(PRODUCT, {"id": to_base64("Product", product.id)}))["product"]
    assert seen["name"] == "Kangkung"
    assert seen["stall"]["openNow"] is False
    assert seen["stall"]["nextOpening"] == f"{later.isoformat()}T05:30:00+07:00"
    node = (await gql(STALL, {"id": to_base64("Stall", stall.id)}))["node"]
    assert node["hours"] == hours_input and node["openNow"] is False


async def test_a_stall_without_hours_follows_its_markets(gql: GraphQLClient, settings: Settings) -> None:
    market = await make_market()
    follower = await make_stall(market=market, is_open=False)
    own_trader = await make_user(Role.TRADER)
    own = await make_stall(market=market, trader=own_trader, is_open=False)
    await hours.set_stall_hours(
        actor=own_trader, given=ScheduleInput(hours=[HoursInput(Weekday.MON, "06:00", "09:00")])
    )
    admin = await make_user(Role.MARKET_ADMIN, market=market)
    await _as(gql, settings, admin)
    closed = _ordinary_day(dates.today() + timedelta(days=1))
    market_hours = [{"day": d.value, "opens": "04:00", "closes": "14:00"} for d in DAYS]
    variables = {"marketId": to_base64("Market", market.id), "hours": market_hours, "closedDates": [closed.isoformat()]}
    payload = (await gql(SET_MARKET, {"input": variables}))["setMarketHours"]
    assert payload["errors"] == []
    assert payload["market"]["hours"] == market_hours and payload["market"]["closedDates"] == [closed.isoformat()]

    gql.token = None
    seen = (await gql(STALL, {"id": to_base64("Stall", follower.id)}))["node"]
    assert seen["hoursFromMarket"] is True and seen["hours"] == market_hours
    assert seen["closedDates"] == [closed.isoformat()]
    mine = (await gql(STALL, {"id": to_base64("Stall", own.id)}))["node"]
    assert mine["hoursFromMarket"] is False
    assert mine["hours"] == [{"day": "MON", "opens": "06:00", "closes": "09:00"}]
    assert mine["closedDates"] == [closed.isoformat()]  # the market's closed days close every stall
    # The market's hours were applied at once: open now exactly when they say so.
    schedule = hours.schedule_of(None, (await Market.get(id=market.id)).opening_schedule)
    assert schedule is not None
    now_open = schedule.is_open_at(datetime.now(WIB))
    assert (await Stall.get(id=follower.id)).is_open is now_open
    assert seen["openNow"] is now_open


async def test_bad_hours_are_named_field_by_field_and_change_nothing(
    gql: GraphQLClient, settings: Settings, stall: Stall, trader: User
) -> None:
    await _as(gql, settings, trader)
    yesterday, tomorrow = dates.today() - timedelta(days=1), dates.today() + timedelta(days=1)
    ordinary = _ordinary_day(tomorrow + timedelta(days=1))
    bad = {
        "hours": [
            {"day": "MON", "opens": "5:00", "closes": "11:00"},
            {"day": "MON", "opens": "06:00", "closes": "05:00"},
            {"day": "TUE", "opens": "24:00", "closes": "12:61"},
            {"day": "WED", "opens": "07:00", "closes": "07:00"},
        ],
        "closedDates": [yesterday.isoformat(), tomorrow.isoformat(), tomorrow.isoformat(), "2999-01-01"],
        "openDates": [ordinary.isoformat()],
    }
    payload = (await gql(SET_STALL, {"input": bad}))["setStallHours"]
    assert payload["stall"] is None
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == sorted(
        [
            ("input.hours.0.opens", "INVALID_INPUT"),
            ("input.hours.1.day", "INVALID_INPUT"),
            ("input.hours.1.closes", "INVALID_INPUT"),
            ("input.hours.2.opens", "INVALID_INPUT"),
            ("input.hours.2.closes", "INVALID_INPUT"),
            ("input.hours.3.closes", "INVALID_INPUT"),
            ("input.closedDates.0", "INVALID_INPUT"),
            ("input.closedDates.2", "INVALID_INPUT"),
            ("input.closedDates.3", "INVALID_INPUT"),
            ("input.openDates.0", "INVALID_INPUT"),
        ]
    )
    messages = {e["field"]: e["message"] for e in payload["errors"]}
    assert messages["input.hours.0.opens"] == "Tulis jam sebagai JJ:MM (00:00–23:59), misalnya 05:00."
    assert messages["input.hours.1.closes"] == "Jam tutup harus sesudah jam buka."
    assert messages["input.hours.1.day"] == "Hari ini sudah ada di jadwal."
    assert messages["input.closedDates.0"] == "Tanggal ini sudah lewat."
    assert "bukan hari libur nasional" in messages["input.openDates.0"]
    assert (await Stall.get(id=stall.id)).opening_schedule is None

    gql.language = "en"
    both = {"hours": [], "closedDates": [ordinary.isoformat()], "openDates": [ordinary.isoformat()]}
    errors = (await gql(SET_STALL, {"input": both}))["setStallHours"]["errors"]
    assert {(e["field"], e["message"]) for e in errors} >= {
        ("input.openDates.0", "This date is also among the closed dates.")
    }
    many = {"hours": [], "closedDates": [(tomorrow + timedelta(days=n)).isoformat() for n in range(101)]}
    errors = (await gql(SET_STALL, {"input": many}))["setStallHours"]["errors"]
    assert errors == [{"field": "input.closedDates", "code": "INVALID_INPUT", "message": "At most 100 dates."}]
    eight = {"hours": [{"day": "MON", "opens": "05:00", "closes": "11:00"}] * 8}
    errors = (await gql(SET_STALL, {"input": eight}))["setStallHours"]["errors"]
    assert errors == [{"field": "input.hours", "code": "INVALID_INPUT", "message": "At most 7 days, one entry a day."}]
    assert (await Stall.get(id=stall.id)).opening_schedule is None


async def test_only_the_trader_sets_their_stalls_hours(gql: GraphQLClient, settings: Settings, stall: Stall) -> None:
    hours_input = {"hours": MON_TO_SAT}
    other_trader = await make_user(Role.TRADER)
    other = await make_stall(trader=other_trader)
    for outsider, code in (
        (await make_user(Role.BUYER), "PERMISSION_DENIED"),
        (await make_user(Role.MARKET_ADMIN, market=await stall.market), "PERMISSION_DENIED"),
        (await make_user(Role.COURIER), "PERMISSION_DENIED"),
        (await make_user(Role.TRADER), "NOT_FOUND"),  # a trader without a stall
    ):
        await _as(gql, settings, outsider)
        errors = (await gql(SET_STALL, {"input": hours_input}))["setStallHours"]["errors"]
        assert [e["code"] for e in errors] == [code], outsider.role
    gql.token = None
    assert (await gql(SET_STALL, {"input": hours_input}))["setStallHours"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert (await Stall.get(id=stall.id)).opening_schedule is None

    # Another trader's hours are their own stall's, never this one's.
    await _as(gql, settings, other_trader)
    payload = (await gql(SET_STALL, {"input": hours_input}))["setStallHours"]
    assert payload["stall"]["id"] == to_base64("Stall", other.id)
    assert (await Stall.get(id=stall.id)).opening_schedule is None


async def test_only_that_markets_admin_or_the_trade_office_sets_its_hours(
    gql: GraphQLClient, settings: Settings, stall: Stall, trader: User
) -> None:
    market = await stall.market
    variables = {"input": {"marketId": to_base64("Market", market.id), "hours": MON_TO_SAT}}
    for outsider in (
        await make_user(Role.MARKET_ADMIN, market=await make_market()),
        trader,
        await make_user(Role.BUYER),
        await make_user(Role.COURIER, market=market),
    ):
        await _as(gql, settings, outsider)
        errors = (await gql(SET_MARKET, variables))["setMarketHours"]["errors"]
        assert [e["code"] for e in errors] == ["PERMISSION_DENIED"], outsider.role
    assert (await Market.get(id=market.id)).opening_schedule is None

    await _as(gql, settings, await make_user(Role.MARKET_ADMIN))  # the trade office
    assert (await gql(SET_MARKET, variables))["setMarketHours"]["errors"] == []
    unknown = {"input": {"marketId": to_base64("Market", 99_999), "hours": MON_TO_SAT}}
    assert (await gql(SET_MARKET, unknown))["setMarketHours"]["errors"][0] == {
        "field": "input.marketId",
        "code": "NOT_FOUND",
        "message": "Data tidak ditemukan.",
    }
    bad = {
        "input": {"marketId": to_base64("Market", market.id), "hours": [{"day": "SUN", "opens": "x", "closes": "1"}]}
    }
    fields = sorted(e["field"] for e in (await gql(SET_MARKET, bad))["setMarketHours"]["errors"])
    assert fields == ["input.hours.0.closes", "input.hours.0.opens"]
    assert (await Market.get(id=market.id)).opening_schedule["hours"] == [  # type: ignore[index]
        {"day": h["day"], "opens": "05:00", "closes": "11:00"} for h in MON_TO_SAT
    ]


async def test_approval_opens_a_stall_by_its_hours_at_once(trader: User) -> None:
    stall = await make_stall(trader=trader, status=StallStatus.PENDING, is_open=False)
    await hours.set_stall_hours(
        actor=trader, given=ScheduleInput(hours=[HoursInput(d, "00:00", "23:59") for d in DAYS])
    )
    assert (await Stall.get(id=stall.id)).is_open is False  # not approved: never opened
    admin = await make_user(Role.MARKET_ADMIN, market=await stall.market)
    approved = await markets_service.review_stall(
        actor=admin, stall_id=stall.id, decision=markets_service.StallDecision.APPROVE, reason=None
    )
    schedule = hours.schedule_of(approved.opening_schedule, None)
    assert schedule is not None
    assert approved.is_open is schedule.is_open_at(datetime.now(WIB))


FAST = f"""query($filter: ProductFilterInput) {{ products(filter: $filter) {{ edges {{ node {{ name
  stall {{ id name isOpen {HOURS_FIELDS} market {{ name hours {{ day opens closes }} closedDates openDates }} }}
}} }} }} }}"""


async def test_the_fast_path_shows_hours_as_normal_execution_does(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],  # noqa: F811
    settings: Settings,
    stall: Stall,
    trader: User,
) -> None:
    market = await stall.market
    admin = await make_user(Role.MARKET_ADMIN, market=market)
    closed = _ordinary_day(dates.today() + timedelta(days=2))
    await hours.set_market_hours(
        actor=admin, market_id=market.id,
        given=ScheduleInput(hours=[HoursInput(d, "03:00", "04:00") for d in DAYS], closed_dates=[closed]),
    )  # fmt: skip
    day = _ordinary_day(dates.today() + timedelta(days=3))
    await hours.set_stall_hours(
        actor=trader, given=ScheduleInput(hours=[HoursInput(DAYS[day.weekday()], "05:00", "11:00")])
    )
    await Stall.filter(id=stall.id).update(is_open=False)
    await make_product(stall, name="Bayam")
    follower = await make_stall(market=market, is_open=True)
    await make_product(follower, name="Wortel")
    fast, slow = clients
    listed = await _both(clients, FAST, {})  # the public catalog: open stalls only
    assert [e["node"]["name"] for e in listed["data"]["products"]["edges"]] == ["Wortel"]
    shown = listed["data"]["products"]["edges"][0]["node"]["stall"]
    assert shown["openNow"] is True and shown["nextOpening"] is None and shown["hoursFromMarket"] is True
    assert shown["market"]["closedDates"] == [closed.isoformat()]

    token = token_for(trader, settings)
    for client in (fast, slow):
        client.headers["Authorization"] = f"Bearer {token}"
    own = await _both(clients, FAST, {"filter": {"stallId": to_base64("Stall", stall.id)}})
    [edge] = own["data"]["products"]["edges"]
    assert edge["node"]["stall"]["openNow"] is False
    assert edge["node"]["stall"]["nextOpening"] == f"{day.isoformat()}T05:00:00+07:00"
    assert edge["node"]["stall"]["hours"] == [{"day": _weekday(day), "opens": "05:00", "closes": "11:00"}]


def test_opening_times_are_written_in_wib_the_readers_way() -> None:
    text = hours.OpeningTime(datetime(2026, 12, 6, 22, 0, tzinfo=UTC))  # 22:00 UTC on Sunday: 05:00 WIB on Monday
    assert text.localize("id") == "Senin, 7 Desember 2026 pukul 05.00 WIB"
    assert text.localize("en") == "Monday, 7 December 2026 at 05:00 WIB"
