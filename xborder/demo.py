"""`xborder demo`: a few hundred believable cross-province cases, so that a fresh service has something
to show — inboxes with work waiting and overdue, statistics, histories seen alike from several provinces.

How, and why so:
- Every case is made by the workflows' own Application commands, as the API makes them; nothing is
  written to an events table or a read model directly. The demo data is then exactly what the service
  can produce (events, routes, holds, deadlines), and the read models, the deadline table and the
  process managers are built from it as from real traffic.
- Cases span 成渝 with 贵州 and 云南 (泛西南) and 长三角, each in every status its workflow reaches: some
  finished, some refused, rejected, dismissed or withdrawn, some open at each step (`PLANS`).
- The cases lie in the past. Each one runs on a clock of its own (`SettableClock`), set back by its
  plan's age and moved on a few minutes or hours between its steps. A case meant to be overdue is old
  enough that the deadline its last step opened has passed by the container's clock; the deadline
  watcher (`xborder serve` / `xborder work`, on the real clock) then records its ...Overdue event, as it
  would have had the service run through those weeks. The 30-day transfer lapse comes the same way:
  `lapsed` is a status the demo promises, not one it records (`Plan.becomes`).
- Nothing waits for a read model: the projections, the deadline watcher and the rescue's process manager
  (a fled-driver rescue opens a hit-and-run case) apply the events whenever the workers run — at once if
  they are running, else when the service starts.
- Deterministic given `seed`: the mix of cases, their provinces, plates, VINs, people, texts and amounts
  all come from `random.Random(seed)`. Only case ids (the Applications assign them) and times (relative
  to the container's clock) differ between two runs — and a transfer's plate, should a case already in
  the database hold the one drawn (the transfer would be refused: it gets another).
- Running it again adds another batch; it never refuses. With the same seed the same people and vehicles
  come back in new cases; pass another `--seed` for new ones.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final, Generic, TypeVar
from uuid import UUID

from xborder.bootstrap import Container
from xborder.domain.actors import Actor, Role
from xborder.domain.calendar import CST
from xborder.domain.cases import CaseAggregate
from xborder.domain.errors import ConcurrentConflict, VehicleBlocked
from xborder.domain.id_numbers import IdNumber, id_check_char
from xborder.domain.money import Money
from xborder.domain.people import Person
from xborder.domain.phones import Phone
from xborder.domain.plates import Plate, parse_plate_partial
from xborder.domain.provinces import province_by_code
from xborder.domain.vins import Vin, vin_check_digit
from xborder.infra.clock import SettableClock
from xborder.workflows.hit_and_run.aggregate import (
    HitAndRunCase,
    Incident,
    Outcome,
    Place,
    Suspect,
    SuspectVehicle,
)
from xborder.workflows.hit_and_run.application import HitAndRunCases
from xborder.workflows.objection.aggregate import Ground, ObjectionFiling, Violation, ViolationObjection
from xborder.workflows.objection.application import ViolationObjections
from xborder.workflows.rescue.aggregate import Casualty, JointRescue, RescueReport, Severity
from xborder.workflows.rescue.application import JointRescues
from xborder.workflows.rescue.funding import FundReason, VehicleCover, medical_limit, route_funding
from xborder.workflows.transfer.aggregate import (
    ELIGIBLE_VEHICLE_TYPES,
    Mortgagee,
    RefusalReason,
    TransferRequest,
    VehicleTransfer,
)
from xborder.workflows.transfer.application import VehicleTransfers

__all__ = [
    "DEFAULT_CASES",
    "DEFAULT_SEED",
    "DEMO_PROVINCES",
    "MIN_CASES",
    "PLANS",
    "PROMISED_STATUSES",
    "DemoSummary",
    "Plan",
    "SeededCase",
    "seed_demo",
]

DEFAULT_CASES: Final = 300
DEFAULT_SEED: Final = 2026

C = TypeVar("C", bound=CaseAggregate)


# ---------------------------------------------------------------------------------------------- places
@dataclass(frozen=True, slots=True)
class Locale:
    """A place in a province cases are set in: the resident-ID area code of its people, the city named in
    addresses, units and hospitals, and coordinates for accident sites."""

    district: str
    city: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Region:
    """A cooperation zone the demo sets cases in: its provinces work together, so a case's provinces are
    always of one region, as the agreements (川渝 22条, 长三角) have them."""

    name: str
    provinces: tuple[str, ...]
    roads: tuple[str, ...]


REGIONS: Final = (
    Region(
        "成渝",
        ("510000", "500000", "520000", "530000"),
        ("G85 渝昆高速", "G76 厦蓉高速", "G93 成渝环线高速", "G75 兰海高速", "G5 京昆高速"),
    ),
    Region(
        "长三角",
        ("310000", "320000", "330000", "340000"),
        ("G2 京沪高速", "G60 沪昆高速", "G15 沈海高速", "G50 沪渝高速", "G42 沪蓉高速"),
    ),
)
DEMO_PROVINCES: Final = tuple(code for region in REGIONS for code in region.provinces)

_LOCALES: Final[Mapping[str, tuple[Locale, ...]]] = {
    "510000": (
        Locale("510107", "成都市武侯区", 30.64, 104.04),
        Locale("510703", "绵阳市涪城区", 31.46, 104.75),
    ),
    "500000": (
        Locale("500112", "重庆市渝北区", 29.72, 106.63),
        Locale("500106", "重庆市沙坪坝区", 29.54, 106.45),
    ),
    "520000": (
        Locale("520115", "贵阳市观山湖区", 26.62, 106.62),
        Locale("520303", "遵义市汇川区", 27.73, 106.93),
    ),
    "530000": (
        Locale("530102", "昆明市五华区", 25.04, 102.70),
        Locale("530302", "曲靖市麒麟区", 25.49, 103.80),
    ),
    "310000": (
        Locale("310115", "上海市浦东新区", 31.22, 121.54),
        Locale("310112", "上海市闵行区", 31.11, 121.38),
    ),
    "320000": (
        Locale("320106", "南京市鼓楼区", 32.07, 118.77),
        Locale("320506", "苏州市吴中区", 31.26, 120.63),
    ),
    "330000": (
        Locale("330106", "杭州市西湖区", 30.26, 120.13),
        Locale("330212", "宁波市鄞州区", 29.82, 121.55),
    ),
    "340000": (
        Locale("340104", "合肥市蜀山区", 31.85, 117.26),
        Locale("340202", "芜湖市镜湖区", 31.34, 118.38),
    ),
}

# ------------------------------------------------------------------------------------------ texts
_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
_GIVEN_NAMES: Final = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
    "超", "秀英", "建国", "晓东", "雨萱", "子涵", "浩然", "思远", "嘉怡", "志强",
)  # fmt: skip
_PLATE_CHARS: Final = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # GA 36: digits and letters but I, O
_VIN_CHARS: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # GB 16735: no I, O, Q
_WMIS: Final = ("LSV", "LFV", "LGB", "LVS", "LSG", "LBV", "LGW", "LDC", "LHG", "LVH")
_MODEL_YEARS: Final = "HJKLMNPRST"  # 2017-2026
_OFFICES: Final = "ABCDEFGH"
_BANKS: Final = ("中国工商银行", "中国建设银行", "招商银行", "平安银行", "中国银行")
_INSURERS: Final = ("中国人保财险", "平安产险", "太平洋产险", "国寿财险", "大地保险")
_COLOURS: Final = ("白色", "黑色", "银灰色", "红色", "蓝色")
_MODELS: Final = ("大众朗逸", "丰田卡罗拉", "比亚迪秦", "五菱宏光", "本田雅阁", "哈弗H6", "长安CS75")
_STREETS: Final = (
    "人民路与解放路口",
    "中山路与建设路口",
    "滨江路与长江路口",
    "学府路与科技路口",
    "环城路收费站",
)
# (code, fine in yuan, points) of camera-recorded violations; points as 163号令 allows.
_VIOLATIONS: Final = (
    ("1625", 200, 6),
    ("1352", 200, 3),
    ("1039", 150, 0),
    ("1208", 100, 1),
    ("1636", 100, 3),
)
_GROUNDS: Final = (
    (Ground.PLATE_MISREAD, "抓拍照片号牌识别错误，实为他车"),
    (Ground.STOLEN_OR_CLONED, "车辆当时停放在本地，号牌被套用"),
    (Ground.CONFLICTING_SIGNALS, "信号灯故障，红绿灯同时亮起"),
    (Ground.UNCLEAR_EVIDENCE, "抓拍照片模糊，无法辨认号牌"),
    (Ground.RESCUE, "为救助路边受伤行人临时停车"),
    (Ground.HANDLED_ON_SPOT, "已由现场民警当场处理并缴纳罚款"),
    (Ground.OTHER, "导航限速标注与现场标志不一致"),
)
_REFUSALS: Final[Mapping[RefusalReason, str]] = {
    RefusalReason.UNRESOLVED_VIOLATIONS: "有未处理的交通违法记录",
    RefusalReason.UNRESOLVED_ACCIDENT: "有未处理完毕的交通事故",
    RefusalReason.SEALED_OR_SEIZED: "车辆被法院查封",
    RefusalReason.STOLEN: "车辆登记为被盗抢",
    RefusalReason.NEAR_SCRAPPING: "距强制报废期限不足一年",
    RefusalReason.INVALID_DOCUMENTS: "行驶证与登记信息不符",
}
_INJURIES: Final = ("软组织挫伤", "左股骨骨折", "多发肋骨骨折", "颅脑外伤，意识模糊", "面部擦伤")


# ------------------------------------------------------------------------------------------ plans
@dataclass(frozen=True, slots=True)
class Age:
    """How long ago a plan's cases began, and how far apart their steps are. Steps are close together
    (at most `MAX_STEPS` gaps fit between the youngest start and now), so whether a deadline has passed
    depends on the age alone: a fresh case's clocks still run, an old one's last clock has run out."""

    oldest: timedelta
    youngest: timedelta
    shortest_gap: timedelta
    longest_gap: timedelta


MAX_STEPS: Final = 12  # the longest plan makes 10 commands (a hit-and-run with three targets, closed)
# Opened within hours: every clock still runs (the shortest, 24 hours to acknowledge 协查, included).
FRESH: Final = Age(timedelta(hours=8), timedelta(hours=2), timedelta(minutes=4), timedelta(minutes=9))
# Done days ago: its clocks closed as it went; under 30 days, so no transfer lapses meanwhile.
EARLIER: Final = Age(timedelta(days=27), timedelta(days=2), timedelta(hours=1), timedelta(hours=3))
# Weeks old: a clock of up to 5 working days opened by its last step has run out, even across the
# Spring Festival; still under 30 days, so a transfer left waiting does not lapse.
LATE: Final = Age(timedelta(days=26), timedelta(days=18), timedelta(hours=1), timedelta(hours=3))
# Over a month old: the 10-working-day determination and the 30-calendar-day lapse have run out too.
LATER: Final = Age(timedelta(days=46), timedelta(days=38), timedelta(hours=1), timedelta(hours=3))


@dataclass(frozen=True, slots=True)
class Plan:
    """One kind of demo case: its workflow, the steps after its opening command, how old it is, and
    the status its commands leave it in. `becomes`: the status once the deadline watcher has run, when
    the passing of time changes it (a transfer lapses); `variant` tells the opening what to open."""

    kind: str
    status: str
    age: Age
    steps: tuple[str, ...] = ()
    variant: str = ""
    becomes: str | None = None

    @property
    def promised(self) -> str:
        """The status the read models show once the service has run."""
        return self.becomes or self.status

    @property
    def overdue(self) -> bool:
        """Whether its cases are old enough for a deadline to have passed."""
        return self.age in (LATE, LATER)

    @property
    def weight(self) -> int:
        """Beyond one case each, overdue cases come half as often as the others."""
        return 1 if self.overdue else 2


_RELEASED = ("release", "verify")
_INSPECTED = (*_RELEASED, "inspect")
_CAUGHT = ("request", "ack_all", "clue_hit", "apprehend")
_ON_SCENE = ("police", "medical", "arrive", "admit")

PLANS: Final[tuple[Plan, ...]] = (
    # 跨省转籍
    Plan("transfer", "archive_requested", FRESH),
    Plan("transfer", "archive_requested", LATE),
    Plan("transfer", "archive_released", FRESH, ("release",)),
    Plan("transfer", "archive_released", LATE, ("release",)),
    Plan("transfer", "archive_released", LATER, ("release",), becomes="lapsed"),
    Plan("transfer", "archive_verified", FRESH, _RELEASED),
    Plan("transfer", "archive_verified", FRESH, (*_RELEASED, "fail")),
    Plan("transfer", "inspected", FRESH, _INSPECTED),
    Plan("transfer", "inspected", LATE, _INSPECTED),
    Plan("transfer", "registered", EARLIER, (*_INSPECTED, "register")),
    Plan("transfer", "registered", EARLIER, (*_RELEASED, "fail", "inspect", "register")),
    Plan("transfer", "refused", EARLIER, ("refuse",)),
    Plan("transfer", "archive_rejected", EARLIER, ("release", "reject")),
    Plan("transfer", "withdrawn", EARLIER, ("release", "withdraw")),
    # 非现场违法异议
    Plan("objection", "forwarded", FRESH),
    Plan("objection", "forwarded", LATE),
    Plan("objection", "under_review", FRESH, ("review",)),
    Plan("objection", "under_review", LATE, ("review",)),
    Plan("objection", "evidence_requested", FRESH, ("review", "ask")),
    Plan("objection", "under_review", FRESH, ("review", "ask", "supply")),
    Plan("objection", "upheld", FRESH, ("review", "uphold"), variant="penalty"),
    Plan("objection", "upheld", LATE, ("review", "uphold")),
    Plan("objection", "upheld", EARLIER, ("review", "uphold", "eliminate"), variant="no_penalty"),
    Plan(
        "objection",
        "refunded",
        EARLIER,
        ("review", "ask", "supply", "uphold", "eliminate", "refund"),
        variant="penalty",
    ),
    Plan("objection", "dismissed", EARLIER, ("review", "dismiss")),
    Plan("objection", "withdrawn", EARLIER, ("withdraw",)),
    # 肇事逃逸协查
    Plan("hit_and_run", "open", FRESH),
    Plan("hit_and_run", "open", EARLIER, ("interim",)),
    Plan("hit_and_run", "assistance_requested", FRESH, ("request", "ack_some", "clue_miss")),
    Plan("hit_and_run", "assistance_requested", LATE, ("request", "ack_some")),
    Plan("hit_and_run", "assistance_requested", EARLIER, ("request", "ack_all", "clue_miss", "interim")),
    Plan("hit_and_run", "suspect_apprehended", FRESH, _CAUGHT),
    Plan("hit_and_run", "suspect_apprehended", LATER, _CAUGHT),
    Plan("hit_and_run", "handed_over", FRESH, (*_CAUGHT, "handover")),
    Plan("hit_and_run", "solved", FRESH, (*_CAUGHT, "handover", "solve")),
    Plan("hit_and_run", "solved", LATER, (*_CAUGHT, "handover", "solve")),
    Plan("hit_and_run", "closed", EARLIER, (*_CAUGHT, "handover", "solve", "close")),
    Plan("hit_and_run", "transferred_to_criminal", EARLIER, (*_CAUGHT, "handover", "solve", "criminal")),
    # 警医保联动
    Plan("rescue", "open", FRESH, variant="insured"),
    Plan("rescue", "open", FRESH, variant="fled"),
    Plan("rescue", "responding", FRESH, ("police", "medical"), variant="insured"),
    Plan("rescue", "responding", FRESH, ("police", "arrive", "medical"), variant="uninsured"),
    Plan("rescue", "patients_admitted", FRESH, (*_ON_SCENE, "insurer"), variant="insured"),
    Plan("rescue", "patients_admitted", LATE, _ON_SCENE, variant="uninsured"),
    Plan("rescue", "patients_admitted", LATE, (*_ON_SCENE, "fund"), variant="fled"),
    Plan("rescue", "funding_confirmed", EARLIER, (*_ON_SCENE, "insurer", "advance"), variant="insured"),
    Plan(
        "rescue",
        "funding_confirmed",
        EARLIER,
        (*_ON_SCENE, "insurer", "advance", "fund", "fund_paid"),
        variant="insured",
    ),
    Plan("rescue", "funding_denied", EARLIER, (*_ON_SCENE, "fund", "fund_denied"), variant="uninsured"),
    Plan("rescue", "closed", EARLIER, (*_ON_SCENE, "insurer", "advance", "close"), variant="insured"),
    Plan("rescue", "closed", EARLIER, (*_ON_SCENE, "fund", "fund_paid", "close"), variant="fled"),
)
# Every plan at least once: fewer cases could not show every status.
MIN_CASES: Final = len(PLANS)


def _promised_statuses() -> dict[str, frozenset[str]]:
    kinds: dict[str, set[str]] = {}
    for plan in PLANS:
        kinds.setdefault(plan.kind, set()).add(plan.promised)
    return {kind: frozenset(statuses) for kind, statuses in kinds.items()}


# Per workflow, the statuses the read models show once the service (projections and deadline watcher)
# has run over a demo batch — the demo's promise, which tests/integration/test_demo.py holds it to.
PROMISED_STATUSES: Final[Mapping[str, frozenset[str]]] = _promised_statuses()


# ---------------------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class SeededCase:
    """A case the demo made, as its last command left it, and the plan it followed. `past_due`: its open
    deadlines already past at the anchor, which the deadline watcher marks overdue; `follow_ups`: the
    kinds of the cases a process manager opens because of it (a fled-driver rescue's hit-and-run)."""

    case_id: UUID
    plan: Plan
    status: str
    provinces: tuple[str, ...]
    version: int
    past_due: tuple[str, ...]
    follow_ups: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.plan.kind

    @property
    def promised(self) -> str:
        """The status the read models show once the service has run (`Plan.promised`)."""
        return self.plan.promised


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What `seed_demo` made: enough for the CLI to print and for a console to link to the cases."""

    seed: int
    anchor: datetime  # the container clock's "now" the cases were set back from
    cases: tuple[SeededCase, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per workflow, cases per promised status, in the order of the workflow's plans."""
        tally = Counter((case.kind, case.promised) for case in self.cases)
        result: dict[str, dict[str, int]] = {}
        for plan in PLANS:
            if tally[plan.kind, plan.promised]:
                result.setdefault(plan.kind, {})[plan.promised] = tally[plan.kind, plan.promised]
        return result

    def past_due(self) -> dict[str, int]:
        """Per workflow, the cases with a deadline already past (overdue once the watcher has run)."""
        return dict(Counter(case.kind for case in self.cases if case.past_due))

    def follow_ups(self) -> dict[str, int]:
        """Per workflow, the cases process managers will open on top of these."""
        return dict(Counter(kind for case in self.cases for kind in case.follow_ups))

    def lines(self) -> list[str]:
        """The short report `xborder demo` prints: per workflow, its cases by status (as the read models
        show them once the service has run) and how many are past a deadline."""
        regions = "; ".join(f"{r.name} {' '.join(r.provinces)}" for r in REGIONS)
        lines = [f"xborder demo: {len(self.cases)} cases (seed {self.seed}) in {regions}"]
        late = self.past_due()
        for kind, statuses in self.counts().items():
            spread = ", ".join(f"{status} {n}" for status, n in statuses.items())
            total = sum(statuses.values())
            lines.append(f"  {kind:<12} {total:>4}  {spread}; past a deadline: {late.get(kind, 0)}")
        lines.extend(
            f"  + {n} {kind} case(s) the rescue's process manager opens (the driver fled)"
            for kind, n in self.follow_ups().items()
        )
        lines.append(
            "The deadline watcher marks the cases past a deadline overdue (a transfer past its 30 days "
            "lapses); the provinces' read models and inboxes show them all while `xborder serve` runs."
        )
        return lines


# ---------------------------------------------------------------------------------------- seeding
def seed_demo(container: Container, *, cases: int = DEFAULT_CASES, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Make `cases` demo cases through the container's Applications (see the module docstring): every
    plan once, the rest drawn by weight, in a shuffled order, each in a region drawn alike. Adds a batch
    each time it is called. Raises ValueError below `MIN_CASES`, which could not show every status."""
    if cases < MIN_CASES:
        raise ValueError(f"the demo needs at least {MIN_CASES} cases to show every status, not {cases}")
    rng = random.Random(seed)  # noqa: S311 — demo data, not secrets: reproducible on purpose
    anchor = container.clock.now()
    apps = _Apps.of(container)
    ids = _Identities(rng)
    seeded = []
    for serial, plan in enumerate(_plan_order(rng, cases)):
        region = rng.choice(REGIONS)
        clock = _clock_for(rng, plan.age, anchor)
        seeded.append(_seed_case(_Story(rng, ids, apps, region, serial, anchor, plan.age, clock), plan))
    return DemoSummary(seed=seed, anchor=anchor, cases=tuple(seeded))


def _plan_order(rng: random.Random, cases: int) -> list[Plan]:
    """Every plan once, the rest by weight, shuffled: so newest-first listings mix the workflows."""
    order = list(PLANS) + rng.choices(PLANS, weights=[p.weight for p in PLANS], k=cases - len(PLANS))
    rng.shuffle(order)
    return order


def _clock_for(rng: random.Random, age: Age, anchor: datetime) -> SettableClock:
    """The case's own clock, set back by an age drawn from its plan's range."""
    span = (age.oldest - age.youngest).total_seconds()
    return SettableClock(anchor - age.youngest - timedelta(seconds=rng.uniform(0, span)))


def _seed_case(story: _Story, plan: Plan) -> SeededCase:
    """Open the case and take its plan's steps; check it ended where the plan says, so a change in a
    workflow's rules shows here as an error rather than as a demo quietly missing a status."""
    workflow: _Workflow[Any] = _WORKFLOWS[plan.kind]
    case = workflow.opening(story, plan.variant)
    for name in plan.steps:
        case = _step(story, workflow, case, name)
    status = str(case.status)
    if status not in (plan.status, plan.promised):
        raise RuntimeError(f"demo plan {plan.kind}/{plan.steps} left its case in status {status!r}")
    return SeededCase(
        case_id=case.id,
        plan=plan,
        status=status,
        provinces=tuple(case.provinces),
        version=case.version,
        past_due=tuple(sorted(n for n, d in case.deadlines.items() if d.due <= story.anchor)),
        follow_ups=workflow.follow_ups(case),
    )


_ATTEMPTS: Final = 5


def _step(story: _Story, workflow: _Workflow[C], case: C, name: str) -> C:
    """Take one step. A deadline watcher running meanwhile (the demo seeded into a running service) may
    flag one of this backdated case's long-past deadlines between two steps; the step's save then
    conflicts, and the step is taken again on the case as it now is (steps act on its current state),
    drawing what it drew the first time, so that the rest of the batch stays what the seed makes it."""
    command = workflow.steps[name]
    rewind = story.rewind_point()
    for _ in range(_ATTEMPTS - 1):
        try:
            return command(story, case)
        except ConcurrentConflict:
            rewind()
            case = workflow.load(story.apps, case.id)
    return command(story, case)


@dataclass(frozen=True, slots=True)
class _Apps:
    transfers: VehicleTransfers
    objections: ViolationObjections
    hit_and_runs: HitAndRunCases
    rescues: JointRescues

    @classmethod
    def of(cls, container: Container) -> _Apps:
        return cls(
            container.application(VehicleTransfers),
            container.application(ViolationObjections),
            container.application(HitAndRunCases),
            container.application(JointRescues),
        )


class _Identities:
    """Valid identifiers from the demo's generator: plates unique within the batch (a plate held by an
    objection or a hit-and-run would refuse a transfer of it), VINs and resident ID numbers whose check
    characters the domain's own functions compute, and each checked by the domain's parser."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._plates: dict[str, None] = {}  # a set in the order drawn, for `rewind`

    def plate(self, province: str) -> Plate:
        """A new plate of `province`: one in five a new-energy one (D/F + 5)."""
        rng = self._rng
        while True:
            head = province_by_code(province).abbr + rng.choice(_OFFICES)
            if rng.random() < 0.2:
                serial = rng.choice("DF") + rng.choice(_PLATE_CHARS) + f"{rng.randrange(10_000):04d}"
            else:
                serial = "".join(rng.choices(_PLATE_CHARS, k=5))
            if head + serial not in self._plates:
                self._plates[head + serial] = None
                return Plate.parse(head + serial)

    def mark(self) -> int:
        return len(self._plates)

    def rewind(self, mark: int) -> None:
        """Forget the plates drawn since `mark`: a step taken again draws them again."""
        for plate in list(self._plates)[mark:]:
            del self._plates[plate]

    def vin(self) -> Vin:
        rng = self._rng
        body = (
            rng.choice(_WMIS)
            + "".join(rng.choices(_VIN_CHARS, k=5))
            + "0"  # the check digit's place: weight 0, filled in below
            + rng.choice(_MODEL_YEARS)
            + rng.choice(_VIN_CHARS)
            + f"{rng.randrange(1_000_000):06d}"
        )
        return Vin.parse(body[:8] + vin_check_digit(body) + body[9:])

    def person(self, province: str) -> Person:
        """Someone registered in `province` (the ID number's area), an adult born 1960-2002."""
        rng = self._rng
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(15_500))
        body = f"{rng.choice(_LOCALES[province]).district}{born:%Y%m%d}{rng.randrange(1000):03d}"
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        return Person(self.name(), IdNumber.parse(body + id_check_char(body)), Phone.parse(phone))

    def name(self) -> str:
        return self._rng.choice(_SURNAMES) + self._rng.choice(_GIVEN_NAMES)


@dataclass
class _Story:
    """One case in the making: the demo's generator and identifiers, the Applications, the case's region,
    its serial in the batch, its age and its own clock; `owner` and `vehicle` are remembered between
    steps (who may withdraw, the plate a witness saw part of)."""

    rng: random.Random
    ids: _Identities
    apps: _Apps
    region: Region
    serial: int
    anchor: datetime
    age: Age
    clock: SettableClock
    owner: Actor | None = None
    vehicle: Plate | None = None

    def at(self) -> datetime:
        """The time of the next command: the case's clock, then moved on by one of its age's gaps."""
        moment = self.clock.now()
        if moment > self.anchor:
            raise RuntimeError("a demo case's steps ran past the present: its plan has too many steps")
        gap = self.rng.uniform(self.age.shortest_gap.total_seconds(), self.age.longest_gap.total_seconds())
        self.clock.advance(timedelta(seconds=gap))
        return moment

    def rewind_point(self) -> Callable[[], None]:
        """Here, as a function that comes back here: the generator, the case's clock and the plates
        drawn as they are now."""
        state, moment, plates = self.rng.getstate(), self.clock.now(), self.ids.mark()

        def rewind() -> None:
            self.rng.setstate(state)
            self.clock.set(moment)
            self.ids.rewind(plates)

        return rewind

    def province(self, *, besides: Sequence[str] = ()) -> str:
        return self.rng.choice([p for p in self.region.provinces if p not in besides])

    def locale(self, province: str) -> Locale:
        return self.rng.choice(_LOCALES[province])

    def ref(self, prefix: str) -> str:
        """A document reference (archive, photo, evidence): readable, unique enough for a demo."""
        return f"{prefix}-{self.serial:04d}-{self.rng.randrange(10_000):04d}"


def _office(province: str, role: Role, org: str | None = None) -> Actor:
    """The demo's clerk of a province's office in that role (one account per office and role)."""
    return Actor(sub=f"demo-{role.value}-{province}", province=province, role=role, org=org)


@dataclass(frozen=True, slots=True)
class _Workflow(Generic[C]):
    """How the demo drives one workflow: its opening command (given the plan's variant), its steps by
    name (each one or a few commands, acting on the case's current state), and how to reload a case."""

    opening: Callable[[_Story, str], C]
    steps: Mapping[str, Callable[[_Story, C], C]]
    load: Callable[[_Apps, UUID], C]
    follow_ups: Callable[[C], tuple[str, ...]] = lambda case: ()


# ------------------------------------------------------------------------------------ transfers
def _apply_for_transfer(story: _Story, variant: str) -> VehicleTransfer:
    """An owner now living in another province of the region applies there; one car in four is
    mortgaged and its bank co-applies. A plate held elsewhere (another batch's objection) gets a new one."""
    rng, ids = story.rng, story.ids
    origin = story.province()
    destination = story.province(besides=[origin])
    owner = Actor(sub=f"demo-owner-{story.serial:04d}", province=destination, role=Role.OWNER)
    story.owner = owner
    mortgaged = rng.random() < 0.25
    form = TransferRequest(
        plate=ids.plate(origin),
        vin=ids.vin(),
        vehicle_type=rng.choice(sorted(ELIGIBLE_VEHICLE_TYPES)),
        use="non_commercial",
        owner=ids.person(origin),
        destination=province_by_code(destination),
        destination_city=story.locale(destination).city,
        residence_proof=story.ref(f"RP-{destination}"),
        mortgaged=mortgaged,
        mortgagee=Mortgagee(rng.choice(_BANKS), story.ref("MC")) if mortgaged else None,
    )
    at = story.at()
    for _ in range(_ATTEMPTS - 1):
        try:
            return story.apps.transfers.apply_for(form, actor=owner, at=at)
        except VehicleBlocked:
            form = replace(form, plate=ids.plate(origin))
    return story.apps.transfers.apply_for(form, actor=owner, at=at)


def _release(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    clerk = _office(case.origin, Role.VEHICLE_ADMIN)
    return story.apps.transfers.release_archive(
        case.id, story.ref(f"ARC-{case.origin}"), actor=clerk, at=story.at()
    )


def _refuse(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    reasons = story.rng.sample(sorted(_REFUSALS), k=story.rng.choice((1, 1, 2)))
    detail = "；".join(_REFUSALS[r] for r in reasons)
    clerk = _office(case.origin, Role.VEHICLE_ADMIN)
    return story.apps.transfers.refuse(case.id, reasons, detail, actor=clerk, at=story.at())


def _verify(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    clerk = _office(case.destination, Role.VEHICLE_ADMIN)
    return story.apps.transfers.verify_archive(case.id, True, "", actor=clerk, at=story.at())


def _reject(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    reason = story.rng.choice(("档案照片与车辆不符", "档案资料缺页", "档案车辆识别代号与申请不一致"))
    clerk = _office(case.destination, Role.VEHICLE_ADMIN)
    return story.apps.transfers.verify_archive(case.id, False, reason, actor=clerk, at=story.at())


def _fail_inspection(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    reason = story.rng.choice(("车辆识别代号拓印模糊", "车身颜色与档案不符", "加装行李架未备案"))
    clerk = _office(case.destination, Role.VEHICLE_ADMIN)
    evidence = [story.ref("PHOTO")]
    return story.apps.transfers.inspect(case.id, False, [reason], evidence, actor=clerk, at=story.at())


def _inspect(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    clerk = _office(case.destination, Role.VEHICLE_ADMIN)
    evidence = [story.ref("VIN-RUB"), story.ref("PHOTO")]
    return story.apps.transfers.inspect(case.id, True, [], evidence, actor=clerk, at=story.at())


def _register(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    clerk = _office(case.destination, Role.VEHICLE_ADMIN)
    new_plate = story.ids.plate(case.destination)
    return story.apps.transfers.register(case.id, new_plate, actor=clerk, at=story.at())


def _withdraw_transfer(story: _Story, case: VehicleTransfer) -> VehicleTransfer:
    owner = story.owner or _office(case.destination, Role.VEHICLE_ADMIN)
    reason = story.rng.choice(("工作调动取消", "决定在原籍出售车辆", "材料准备不全，重新申请"))
    return story.apps.transfers.withdraw(case.id, reason, actor=owner, at=story.at())


_TRANSFERS: Final[_Workflow[VehicleTransfer]] = _Workflow(
    opening=_apply_for_transfer,
    steps={
        "release": _release,
        "refuse": _refuse,
        "verify": _verify,
        "reject": _reject,
        "fail": _fail_inspection,
        "inspect": _inspect,
        "register": _register,
        "withdraw": _withdraw_transfer,
    },
    load=lambda apps, case_id: apps.transfers.get(case_id),
)


# ------------------------------------------------------------------------------------ objections
def _file_objection(story: _Story, variant: str) -> ViolationObjection:
    """A party objects at home (the handling province) to a camera record of a neighbour (the recording
    province); one in four files through the handling police instead. `penalty` / `no_penalty`: whether
    a penalty was already decided (an upheld objection then owes a refund)."""
    rng, ids = story.rng, story.ids
    handling = story.province()
    recording = story.province(besides=[handling])
    at = story.at()
    code, fine, points = rng.choice(_VIOLATIONS)
    occurred = at - timedelta(days=rng.uniform(1, 20))
    place = story.locale(recording)
    violation = Violation(
        record_number=f"{place.district}{occurred.astimezone(CST):%Y%m}{rng.randrange(10**7):07d}",
        plate=ids.plate(handling),
        occurred_at=occurred,
        place=place.city + rng.choice(_STREETS),
        code=code,
        fine=Money(fine),
        points=points,
        penalty_decided={"penalty": True, "no_penalty": False}.get(variant, rng.random() < 0.5),
    )
    ground, detail = rng.choice(_GROUNDS)
    report = f"JJ{handling[:4]}{occurred.astimezone(CST):%Y%m%d}{rng.randrange(10_000):04d}"
    filing = ObjectionFiling(
        recording=province_by_code(recording),
        violation=violation,
        ground=ground,
        ground_detail=detail,
        police_report_number=report if ground is Ground.STOLEN_OR_CLONED else None,
        party=ids.person(handling),
        evidence=(story.ref("EVID"),),
    )
    if rng.random() < 0.25:
        filer = _office(handling, Role.TRAFFIC_POLICE)
    else:
        filer = Actor(sub=f"demo-party-{story.serial:04d}", province=handling, role=Role.OWNER)
        story.owner = filer
    return story.apps.objections.file(filing, actor=filer, at=at)


def _recording_police(case: ViolationObjection) -> Actor:
    return _office(case.recording, Role.TRAFFIC_POLICE)


def _start_review(story: _Story, case: ViolationObjection) -> ViolationObjection:
    return story.apps.objections.start_review(case.id, actor=_recording_police(case), at=story.at())


def _ask_evidence(story: _Story, case: ViolationObjection) -> ViolationObjection:
    request = story.rng.choice(("请调取当日停车场出入记录", "请核实车辆当时所在位置", "请提供报案材料原件"))
    police = _recording_police(case)
    return story.apps.objections.request_evidence(case.id, request, actor=police, at=story.at())


def _supply_evidence(story: _Story, case: ViolationObjection) -> ViolationObjection:
    police = _office(case.handling, Role.TRAFFIC_POLICE)
    evidence = [story.ref("CCTV")]
    note = story.rng.choice(("已调取监控，车辆当时在本地", "已核实报案记录", "当事人补充提供了行车记录"))
    return story.apps.objections.supply_evidence(case.id, evidence, note, actor=police, at=story.at())


def _uphold(story: _Story, case: ViolationObjection) -> ViolationObjection:
    reason = story.rng.choice(("经核实为套牌车辆", "抓拍号牌识别错误", "信号设备故障期间抓拍"))
    police = _recording_police(case)
    return story.apps.objections.decide(case.id, True, reason, actor=police, at=story.at())


def _dismiss(story: _Story, case: ViolationObjection) -> ViolationObjection:
    reason = story.rng.choice(("抓拍证据清晰，违法事实成立", "所述理由无证据支持"))
    police = _recording_police(case)
    return story.apps.objections.decide(case.id, False, reason, actor=police, at=story.at())


def _eliminate(story: _Story, case: ViolationObjection) -> ViolationObjection:
    return story.apps.objections.eliminate_record(case.id, actor=_recording_police(case), at=story.at())


def _refund(story: _Story, case: ViolationObjection) -> ViolationObjection:
    police = _recording_police(case)
    return story.apps.objections.complete_refund(case.id, Money(case.fine), actor=police, at=story.at())


def _withdraw_objection(story: _Story, case: ViolationObjection) -> ViolationObjection:
    party = story.owner or _office(case.handling, Role.TRAFFIC_POLICE)
    reason = story.rng.choice(("已自行接受处理", "找到驾驶人，认可违法事实"))
    return story.apps.objections.withdraw(case.id, reason, actor=party, at=story.at())


_OBJECTIONS: Final[_Workflow[ViolationObjection]] = _Workflow(
    opening=_file_objection,
    steps={
        "review": _start_review,
        "ask": _ask_evidence,
        "supply": _supply_evidence,
        "uphold": _uphold,
        "dismiss": _dismiss,
        "eliminate": _eliminate,
        "refund": _refund,
        "withdraw": _withdraw_objection,
    },
    load=lambda apps, case_id: apps.objections.get(case_id),
)


# ---------------------------------------------------------------------------------- hit-and-runs
def _open_hit_and_run(story: _Story, variant: str) -> HitAndRunCase:
    """A hit-and-run on one of the region's roads; a witness saw the whole plate, or only its start (the
    demo keeps the whole one for the capture)."""
    rng = story.rng
    incident = story.province()
    story.vehicle = story.ids.plate(story.province())
    known = rng.random() < 0.5
    at = story.at()
    place = story.locale(incident)
    toward = province_by_code(story.province(besides=[incident])).name
    suspect = SuspectVehicle(
        plate=story.vehicle if known else None,
        plate_partial=None if known else parse_plate_partial(story.vehicle.value[:4] + "***"),
        color=rng.choice(_COLOURS),
        model=rng.choice(_MODELS),
        features=rng.choice(("右前大灯破损", "前保险杠凹陷", "车顶有行李架", "后窗贴有广告")),
    )
    report = Incident(
        occurred_at=at - timedelta(minutes=rng.uniform(10, 120)),
        place=Place(
            rng.choice(story.region.roads),
            round(rng.uniform(1, 1800), 1),
            round(place.lat + rng.uniform(-0.3, 0.3), 4),
            round(place.lon + rng.uniform(-0.3, 0.3), 4),
        ),
        dead=rng.choice((0, 0, 0, 1)),
        injured=rng.randint(1, 3),
        suspect_vehicle=suspect,
        direction=f"向{toward}方向逃逸",
    )
    investigator = _office(incident, Role.INVESTIGATOR)
    return story.apps.hit_and_runs.open_case(report, actor=investigator, at=at)


def _request_assistance(story: _Story, case: HitAndRunCase) -> HitAndRunCase:
    """协查通报 to one to three of the region's other provinces; sometimes within 12 hours, not the 24."""
    others = [p for p in story.region.provinces if p != case.incident]
    targets = story.rng.sample(others, k=story.rng.randint(1, len(others)))
    hours = story.rng.choice((None, None, 12))
    investigator = _office(case.incident, Role.INVESTIGATOR)
    return story.apps.hit_and_runs.request_assistance(
        case.id, targets, hours, actor=investigator, at=story.at()
    )


def _acknowledge(story: _Story, case: HitAndRunCase, targets: Sequence[str]) -> HitAndRunCase:
    """Each target in turn; the times are drawn first, so that the step taken again (`_step`) after
    some targets acknowledged draws the same ones."""
    times = [story.at() for _ in targets]
    for target, at in zip(targets, times, strict=True):
        if target not in case.acknowledged:
            actor = _office(target, Role.INVESTIGATOR)
            case = story.apps.hit_and_runs.acknowledge(case.id, actor=actor, at=at)
    return case


def _ack_all(story: _Story, case: HitAndRunCase) -> HitAndRunCase:
    return _acknowledge(story, case, sorted(case.targets))


def _ack_some(story: _Story, case: HitAndRunCase) -> HitAndRunCase:
    """All targets but one acknowledge: the last one's clock runs (or has run out)."""
    return _acknowledge(story, case, sorted(case.targets)[:-1])


def _clue(story: _Story, case: HitAndRunCase, *, hit: bool) -> HitAndRunCase:
    """The first target to have acknowledged reports; without one (a lone target that has not), nobody."""
    if not case.acknowledged:
        return case
    reporter = _office(min(case.acknowledged), Role.INVESTIGATOR)
    plate = story.vehicle.value if story.vehicle else "嫌疑车辆"
    details = f"卡口抓拍到{plate}驶入辖区" if hit else ""
    return story.apps.hit_and_runs.report_clue(case.id, hit, details, actor=reporter, at=story.at())


def _apprehend(story: _Story, case: HitAndRunCase) -> HitAndRunCase:
    """The target that saw the car catches it, and its driver: the 10-working-day clock starts."""
    target = min(case.acknowledged)
    driver = story.ids.person(target)
    plate = story.vehicle or story.ids.plate(target)
    return story.apps.hit_and_runs.apprehend(
        case.id,
        plate,
        Suspect(driver.name, driver.id_number),
        True,
        actor=_office(target, Role.INVESTIGATOR),
        at=story.at(),
    )


def _incident_investigator(case: HitAndRunCase) -> Actor:
    return _office(case.incident, Role.INVESTIGATOR)


def _handover(story: _Story, case: HitAndRunCase) -> HitAndRunCase:
    return story.apps.hit_and_runs.take_handover(case.id, actor=_incident_investigator(case), at=story.at())


def _solve(story: _Story, case: HitAndRunCase) -> HitAndRunCase:
    return story.apps.hit_and_runs.solve(case.id, actor=_incident_investigator(case), at=story.at())


def _determine(story: _Story, case: HitAndRunCase, outcome: Outcome) -> HitAndRunCase:
    """逃逸: the points follow 163号令 (12 unless a crime, which carries none): the rule decides."""
    investigator = _incident_investigator(case)
    return story.apps.hit_and_runs.determine(case.id, outcome, None, actor=investigator, at=story.at())


def _interim(story: _Story, case: HitAndRunCase) -> HitAndRunCase:
    summary = story.rng.choice(("受害人申请，出具事故认定：逃逸车辆负全部责任", "现有证据证明嫌疑车辆未让行"))
    investigator = _incident_investigator(case)
    return story.apps.hit_and_runs.issue_interim_determination(
        case.id, summary, actor=investigator, at=story.at()
    )


_HIT_AND_RUNS: Final[_Workflow[HitAndRunCase]] = _Workflow(
    opening=_open_hit_and_run,
    steps={
        "request": _request_assistance,
        "ack_all": _ack_all,
        "ack_some": _ack_some,
        "clue_miss": lambda story, case: _clue(story, case, hit=False),
        "clue_hit": lambda story, case: _clue(story, case, hit=True),
        "apprehend": _apprehend,
        "handover": _handover,
        "solve": _solve,
        "close": lambda story, case: _determine(story, case, Outcome.CLOSED),
        "criminal": lambda story, case: _determine(story, case, Outcome.CRIMINAL),
        "interim": _interim,
    },
    load=lambda apps, case_id: apps.hit_and_runs.get(case_id),
)


# -------------------------------------------------------------------------------------- rescues
def _open_rescue(story: _Story, variant: str) -> JointRescue:
    """A crash on one of the region's roads. `insured`: every vehicle has 交强险 (its insurer
    advances); `uninsured`: none has (the relief fund does); `fled`: the other driver fled (the fund
    does, and a process manager opens the hit-and-run case)."""
    rng = story.rng
    accident = story.province()
    place = story.locale(accident)
    vehicles = tuple(
        VehicleCover(
            story.ids.plate(story.province()).value,
            rng.choice(_INSURERS) if variant != "uninsured" else None,
            story.ref("POL") if variant != "uninsured" else None,
        )
        for _ in range(1 if variant == "fled" else rng.randint(1, 2))
    )
    casualties = tuple(
        Casualty(
            f"P{n + 1}",
            rng.choice((Severity.MINOR, Severity.SERIOUS, Severity.CRITICAL)),
            rng.choice(_INJURIES),
        )
        for n in range(rng.randint(1, 3))
    )
    at = story.at()
    report = RescueReport(
        occurred_at=at - timedelta(minutes=rng.uniform(3, 30)),
        road=rng.choice(story.region.roads),
        km=round(rng.uniform(1, 1800), 1),
        lat=round(place.lat + rng.uniform(-0.3, 0.3), 4),
        lon=round(place.lon + rng.uniform(-0.3, 0.3), 4),
        casualties=casualties,
        vehicles=vehicles,
        driver_fled=variant == "fled",
    )
    return story.apps.rescues.open_rescue(report, actor=_office(accident, Role.DISPATCHER), at=at)


def _dispatcher(case: JointRescue) -> Actor:
    return _office(case.accident, Role.DISPATCHER)


def _dispatch_police(story: _Story, case: JointRescue) -> JointRescue:
    """The nearest unit is across the border: the case becomes cross-province with the dispatch."""
    province = story.province(besides=[case.accident])
    unit = f"{story.locale(province).city}交警大队"
    return story.apps.rescues.dispatch_police(case.id, unit, province, actor=_dispatcher(case), at=story.at())


def _dispatch_medical(story: _Story, case: JointRescue) -> JointRescue:
    province = story.rng.choice((case.accident, story.province(besides=[case.accident])))
    hospital = story.locale(province).city + story.rng.choice(("人民医院", "中医院", "120急救中心"))
    rescues = story.apps.rescues
    return rescues.dispatch_medical(case.id, hospital, province, actor=_dispatcher(case), at=story.at())


def _police_arrive(story: _Story, case: JointRescue) -> JointRescue:
    assert case.police is not None
    police = _office(case.police[0], Role.TRAFFIC_POLICE)
    return story.apps.rescues.report_police_arrival(case.id, actor=police, at=story.at())


def _admit(story: _Story, case: JointRescue) -> JointRescue:
    assert case.medical is not None
    hospital = _office(case.medical[0], Role.MEDICAL)
    return story.apps.rescues.admit_patients(case.id, case.casualty_refs, actor=hospital, at=story.at())


def _notify_insurer(story: _Story, case: JointRescue) -> JointRescue:
    cover = route_funding(case.driver_fled, case.vehicles).insurers[0]
    assert cover.insurer is not None and cover.policy is not None
    police = _office(case.accident, Role.TRAFFIC_POLICE)
    rescues = story.apps.rescues
    return rescues.notify_insurer(case.id, cover.insurer, cover.policy, actor=police, at=story.at())


def _confirm_advance(story: _Story, case: JointRescue) -> JointRescue:
    """The notified insurer advances the costs, up to its 交强险 medical limit."""
    insurer = next(name for name, advance in sorted(case.insurers.items()) if advance is None)
    at_fault = story.rng.random() < 0.7
    amount = Money(min(medical_limit(at_fault).yuan, story.rng.randrange(800, 30_000, 100)))
    actor = _office(case.accident, Role.INSURER, org=insurer)
    return story.apps.rescues.confirm_insurer_advance(case.id, amount, at_fault, actor=actor, at=story.at())


def _notify_fund(story: _Story, case: JointRescue) -> JointRescue:
    """For the reason the rules give (fled, uninsured), else because costs exceed the insurer's limit."""
    reasons = route_funding(case.driver_fled, case.vehicles).fund_reasons
    reason = reasons[0] if reasons else FundReason.OVER_LIMIT
    return story.apps.rescues.notify_fund(case.id, reason, actor=_dispatcher(case), at=story.at())


def _review_fund(story: _Story, case: JointRescue, *, approved: bool) -> JointRescue:
    amount = Money(story.rng.randrange(5_000, 60_000, 100) if approved else 0)
    fund = _office(case.accident, Role.FUND)
    return story.apps.rescues.review_fund(case.id, approved, amount, actor=fund, at=story.at())


def _close_rescue(story: _Story, case: JointRescue) -> JointRescue:
    return story.apps.rescues.close_rescue(case.id, actor=_dispatcher(case), at=story.at())


_RESCUES: Final[_Workflow[JointRescue]] = _Workflow(
    opening=_open_rescue,
    steps={
        "police": _dispatch_police,
        "medical": _dispatch_medical,
        "arrive": _police_arrive,
        "admit": _admit,
        "insurer": _notify_insurer,
        "advance": _confirm_advance,
        "fund": _notify_fund,
        "fund_paid": lambda story, case: _review_fund(story, case, approved=True),
        "fund_denied": lambda story, case: _review_fund(story, case, approved=False),
        "close": _close_rescue,
    },
    load=lambda apps, case_id: apps.rescues.get(case_id),
    follow_ups=lambda case: ("hit_and_run",) if case.driver_fled else (),
)

_WORKFLOWS: Final[Mapping[str, _Workflow[Any]]] = {
    "transfer": _TRANSFERS,
    "objection": _OBJECTIONS,
    "hit_and_run": _HIT_AND_RUNS,
    "rescue": _RESCUES,
}
