"""Points API: the township catalogue (public), a village's board and items, household files, declarations,
review, objections and redemptions, with the same rules as the pages.

- A village's board, a household file or an entry outside the caller's reach answers 404, like one that
  does not exist.
- Refusals are JSON {"detail", "code"}: 403 for a role the caller lacks, 409 for a state that forbids the
  action (already reviewed, objection period over), 422 for bad input (balance too low, over the cap).
- Evidence photos are taken by the page (file intake); JSON declarations carry none.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cunzhi.core.apikit.auth import PUBLIC
from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS, ApiError, ErrorOut, ValidationErrorOut
from cunzhi.core.apikit.pagination import Pages
from cunzhi.points import rules, selectors, services

router = Router(tags=["points"])

WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
CODE = Path(..., pattern=r"^\d{12}$")
PUBLIC_ID = Path(..., max_length=16)


class PointsItemOut(Schema):
    id: str = Field(alias="public_id")
    title: str
    sign: str
    points: int
    min_points: int
    max_points: int
    evidence: str
    yearly_cap: int
    status: str
    village_code: str | None = None

    @staticmethod
    def resolve_village_code(obj):
        return obj.village.code if obj.village_id else None


class PointsAdoptionOut(Schema):
    id: int
    item: str
    points: int = Field(description="Signed: deductions are negative.")
    yearly_cap: int
    evidence: str
    outcome: str = Field(description="The outcome proposals are made from (activity, meeting, concern), or empty.")
    suspends_redemption: bool = Field(description="A counted deduction suspends redemption this year and next.")

    @staticmethod
    def resolve_item(obj):
        return obj.item.title

    @staticmethod
    def resolve_points(obj):
        return obj.signed_points

    @staticmethod
    def resolve_evidence(obj):
        return obj.item.evidence


class PointsEntryOut(Schema):
    id: str = Field(alias="public_id")
    item: str
    kind: str
    household: str = Field(description="The household head's name, masked (张*).")
    points: int
    occurred_on: dt.date
    description: str
    status: str
    reviewed_by: str = Field(alias="reviewed_by_name")
    review_reason: str
    objection_until: dt.datetime | None

    @staticmethod
    def resolve_item(obj):
        return obj.title

    @staticmethod
    def resolve_household(obj):
        return selectors.shown([obj])[0].shown_household


class RangeOut(Schema):
    lo: int
    hi: int | None
    households: int


class SummaryOut(Schema):
    households: int = Field(description="All households of the village (the n).")
    taking_part: int = Field(description="Households with counted points earned for an item.")
    points_counted: int
    ranges: list[RangeOut]


class PointsHouseholdOut(Schema):
    id: str
    number: str
    balance: int


class DeclarationIn(Schema):
    adoption: int
    household: str = Field(..., max_length=16)
    person: str | None = Field(None, max_length=16)
    occurred_on: dt.date
    description: str = Field(..., max_length=500)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=500)


class ReviewIn(ReasonIn):
    approve: bool


class DecideIn(ReasonIn):
    uphold: bool


class ObjectionOut(Schema):
    id: str = Field(alias="public_id")
    status: str
    reason: str
    decision_reason: str


class RedemptionIn(Schema):
    household: str = Field(..., max_length=16)
    goods: str = Field(..., max_length=200)
    points: int = Field(..., ge=1, le=100_000)


def _village(request, code):
    village = selectors.village_by_code(code=code)
    if village is None or not rules.can_see_village(request.user, village.code):
        raise Http404
    return village


def _write(do):
    """Call a service: its refusals become 403 (role) or 422 (input) with the message in the caller's language."""
    try:
        return do()
    except PermissionDenied:
        raise ApiError(403, _("You may not do this with these points."), "forbidden") from None
    except ValidationError as exc:
        raise ApiError(422, exc.messages[0], "invalid") from None


@router.get("/points/townships/{code}/items", auth=PUBLIC, response={200: list[PointsItemOut], **LIST_ERRORS})
@paginate(Pages)
def township_items(request, code: str = CODE):
    """The township's catalogue (public: it is what every village adopts from)."""
    town = selectors.township_by_code(code=code)
    if town is None:
        raise Http404
    return selectors.catalogue(township=town).filter(status="approved")


@router.get("/points/villages/{code}/items", response={200: list[PointsAdoptionOut], **LIST_ERRORS})
def village_items(request, code: str = CODE):
    """The items the village uses, with its points (villagers of the village and staff in scope)."""
    return list(selectors.adoptions(village=_village(request, code)))


@router.get("/points/villages/{code}/summary", response={200: SummaryOut, **OBJECT_ERRORS})
def village_summary(request, code: str = CODE):
    """Taking part (households with counted points of all households) and balance ranges; no bottom list."""
    return selectors.board_summary(village=_village(request, code))


@router.get("/points/villages/{code}/board", response={200: list[PointsEntryOut], **LIST_ERRORS})
@paginate(Pages)
def village_board(request, code: str = CODE):
    """Posted decisions, newest first, with the household head's name masked."""
    return selectors.board(village=_village(request, code))


@router.get("/points/households/{public_id}", response={200: PointsHouseholdOut, **OBJECT_ERRORS})
def household(request, public_id: str = PUBLIC_ID):
    house = selectors.household_by_public_id(public_id=public_id)
    if house is None or not rules.can_see_household(request.user, house):
        raise Http404
    return {"id": house.public_id, "number": house.number, "balance": selectors.balance(household=house)}


@router.get("/points/households/{public_id}/entries", response={200: list[PointsEntryOut], **LIST_ERRORS})
@paginate(Pages)
def household_entries(request, public_id: str = PUBLIC_ID):
    """Every entry of the household's points file, newest first."""
    house = selectors.household_by_public_id(public_id=public_id)
    if house is None or not rules.can_see_household(request.user, house):
        raise Http404
    return selectors.household_entries(household=house)


@router.post("/points/villages/{code}/declarations", response={201: PointsEntryOut, **WRITE_ERRORS})
def declare(request, payload: DeclarationIn, code: str = CODE):
    """Declare (a member of the household) or propose (a cadre or representative) points for review."""
    village = _village(request, code)
    adoption = selectors.adoption_by_id(village=village, pk=payload.adoption)
    house = selectors.household_by_public_id(public_id=payload.household)
    if adoption is None or house is None or house.region_code != village.code:
        raise ApiError(422, _("Choose an item the village uses and a household of the village."), "invalid")
    person = None
    if payload.person:
        person = next(
            (
                p
                for p in selectors.persons_of(village=village, household_ids=[house.pk])
                if p.public_id == payload.person
            ),
            None,
        )
    entry = _write(
        lambda: services.entry_declare(
            adoption=adoption,
            household=house,
            person=person,
            occurred_on=payload.occurred_on,
            description=payload.description,
            actor=request.user,
        )
    )
    return Status(201, entry)


def _entry(request, public_id):
    entry = selectors.entry_by_public_id(public_id=public_id)
    if entry is None or not rules.can_see_entry(request.user, entry):
        raise Http404
    return entry


@router.post("/points/entries/{public_id}/review", response={200: PointsEntryOut, **WRITE_ERRORS})
def review(request, payload: ReviewIn, public_id: str = PUBLIC_ID):
    """The review group approves (posted for objections) or rejects, with a reason."""
    entry = _entry(request, public_id)
    if entry.status != "declared":
        raise ApiError(409, _("This declaration has already been reviewed."), "conflict")
    _write(
        lambda: services.entry_review(entry=entry, approve=payload.approve, reason=payload.reason, actor=request.user)
    )
    return selectors.entry_by_public_id(public_id=public_id)


@router.post("/points/entries/{public_id}/objections", response={201: ObjectionOut, **WRITE_ERRORS})
def object_to(request, payload: ReasonIn, public_id: str = PUBLIC_ID):
    """A villager of the village objects while the objection period runs."""
    entry = _entry(request, public_id)
    if not rules.is_member(request.user, entry.region_code):
        raise ApiError(403, _("Villagers of the village may object."), "forbidden")
    if not entry.open_for_objection:
        raise ApiError(409, _("These points are not open for objections."), "conflict")
    return Status(201, _write(lambda: services.objection_raise(entry=entry, reason=payload.reason, actor=request.user)))


@router.post("/points/objections/{public_id}/decide", response={200: ObjectionOut, **WRITE_ERRORS})
def decide(request, payload: DecideIn, public_id: str = PUBLIC_ID):
    """The review group or the supervision committee decides, with a reason."""
    objection = selectors.objection_by_public_id(public_id=public_id)
    if objection is None or not rules.can_see_village(request.user, objection.region_code):
        raise Http404
    if objection.status != "open":
        raise ApiError(409, _("This objection has already been decided."), "conflict")
    return _write(
        lambda: services.objection_decide(
            objection=objection, uphold=payload.uphold, reason=payload.reason, actor=request.user
        )
    )


class PointsReceiptOut(Schema):
    number: str = Field(description="The receipt number (the redemption's id).")
    shop: str
    village: str
    household_number: str
    household: str = Field(description="The household head's name, masked (张*); never an ID number.")
    what: str
    points: int = Field(description="Points deducted.")
    balance_after: int | None
    counter: str = Field(description="Who redeemed at the counter.")
    at: dt.datetime


class PointsRedemptionOut(PointsEntryOut):
    receipt: PointsReceiptOut

    @staticmethod
    def resolve_receipt(obj):
        return selectors.receipt(entry=obj)


def _redemption(entry):
    return Status(201, selectors.redemption_by_public_id(public_id=entry.public_id))


@router.get("/points/entries/{public_id}/receipt", response={200: PointsReceiptOut, **OBJECT_ERRORS})
def redemption_receipt(request, public_id: str = PUBLIC_ID):
    """A redemption's receipt: the household's file readers and the counter of the shop it was taken at."""
    entry = selectors.redemption_by_public_id(public_id=public_id)
    if entry is None or not rules.can_see_receipt(request.user, entry):
        raise Http404
    return selectors.receipt(entry=entry)


@router.post("/points/villages/{code}/redemptions", response={201: PointsRedemptionOut, **WRITE_ERRORS})
def redeem(request, payload: RedemptionIn, code: str = CODE):
    """A cadre records goods taken at the points supermarket; the balance never goes below zero."""
    village = _village(request, code)
    house = selectors.household_by_public_id(public_id=payload.household)
    if house is None or house.region_code != village.code:
        raise ApiError(422, _("Choose a household of the village."), "invalid")
    entry = _write(
        lambda: services.redemption_record(
            household=house, goods=payload.goods, points=payload.points, actor=request.user
        )
    )
    return _redemption(entry)


class PointsGoodsOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    points: int
    stock: int
    active: bool


class CounterIn(Schema):
    household: str = Field(..., max_length=16)
    goods: str = Field(..., max_length=16)
    quantity: int = Field(1, ge=1, le=100)


@router.get("/points/villages/{code}/goods", response={200: list[PointsGoodsOut], **LIST_ERRORS})
def village_goods(request, code: str = CODE):
    """The goods of the village's points supermarket, with price and stock (as the board)."""
    return list(selectors.goods_of(village=_village(request, code)))


def _counter(request, shop, payload):
    house = selectors.household_by_public_id(public_id=payload.household)
    goods = selectors.goods_by_public_id(village=shop, public_id=payload.goods)
    if house is None or goods is None or not selectors.shop_serves(shop_id=shop.pk, village=house.village):
        raise ApiError(422, _("Choose a household the shop serves and goods on the shelf."), "invalid")
    entry = _write(
        lambda: services.counter_redeem(household=house, goods=goods, quantity=payload.quantity, actor=request.user)
    )
    return _redemption(entry)


@router.post("/points/villages/{code}/counter", response={201: PointsRedemptionOut, **WRITE_ERRORS})
def counter_redeem(request, payload: CounterIn, code: str = CODE):
    """Goods taken at the counter: points and stock deducted together (422 beyond the balance or stock); the
    answer carries the receipt, also sent to the household. The village's cadres and its shop-keepers."""
    village = selectors.village_by_code(code=code)
    if village is None or not (rules.can_see_village(request.user, code) or rules.is_shopkeeper(request.user, code)):
        raise Http404
    return _counter(request, village, payload)


class PointsTownshipShopIn(Schema):
    serves: list[str] = Field(
        default_factory=list, max_length=500, description="Village codes served; empty: every village."
    )


class PointsTownshipShopOut(Schema):
    township: str
    serves: list[str] = Field(description="The village codes the shop serves (all the township's when it lists none).")


def _township_shop(request, code, *, keep=False):
    """A township's shop: 404 for an unknown township; 403 unless the caller keeps it (keep) or redeems there."""
    town = selectors.township_by_code(code=code)
    if town is None:
        raise Http404
    allowed = rules.can_keep_shop(request.user, town.code) if keep else rules.can_redeem(request.user, town.code)
    if not allowed:
        raise ApiError(
            403, _("The township's points office and its shop-keepers keep the township's shop."), "forbidden"
        )
    return town


def _shop_out(town):
    return {"township": town.code, "serves": [v.code for v in selectors.served_villages(shop=town)]}


@router.get("/points/townships/{code}/shop", response={200: PointsTownshipShopOut, **OBJECT_ERRORS})
def township_shop(request, code: str = CODE):
    """The township's points supermarket and the villages it serves (404 when it has none)."""
    town = _township_shop(request, code)
    if selectors.township_shop(township=town) is None:
        raise Http404
    return _shop_out(town)


@router.put("/points/townships/{code}/shop", response={200: PointsTownshipShopOut, **WRITE_ERRORS})
def township_shop_set(request, payload: PointsTownshipShopIn, code: str = CODE):
    """Set up (or change) the township's shop: the villages it serves. The township's points office."""
    town = _township_shop(request, code, keep=True)
    _write(lambda: services.township_shop_set(township=town, serves=payload.serves, actor=request.user))
    return _shop_out(town)


@router.get("/points/townships/{code}/goods", response={200: list[PointsGoodsOut], **LIST_ERRORS})
def township_goods(request, code: str = CODE):
    """The township shop's goods, with price and stock."""
    return list(selectors.goods_of(village=_township_shop(request, code)))


class PointsGoodsIn(Schema):
    name: str = Field(..., max_length=100)
    points: int
    stock: int
    active: bool = True


@router.post("/points/townships/{code}/goods", response={201: PointsGoodsOut, **WRITE_ERRORS})
def township_goods_set(request, payload: PointsGoodsIn, code: str = CODE):
    """Add goods to the township's shop, or set the price, stock and use of goods of that name."""
    town = _township_shop(request, code, keep=True)
    return Status(201, _write(lambda: services.goods_set(village=town, actor=request.user, **payload.dict())))


@router.post("/points/townships/{code}/counter", response={201: PointsRedemptionOut, **WRITE_ERRORS})
def township_counter(request, payload: CounterIn, code: str = CODE):
    """Goods taken at the township shop's counter by a household of a village it serves; that village's rule
    applies (balance, suspension). The answer carries the receipt, also sent to the household."""
    return _counter(request, _township_shop(request, code), payload)


class PointsCommendedOut(Schema):
    rank: int
    name: str = Field(description="The household head's name, masked as on the board.")
    points: int
    items: int


@router.get("/points/villages/{code}/commended", response={200: list[PointsCommendedOut], **LIST_ERRORS})
def commended(request, code: str = CODE, year: int | None = None, month: int | None = None):
    """The annual commendation list (`year`) or the monthly red list (`year` and `month`, where the village keeps
    one: an empty list where it does not). From counted points earned; never a list of the lowest."""
    village = _village(request, code)
    today = timezone.localdate()
    year = year or today.year
    if not 2000 <= year <= today.year + 1 or (month is not None and not 1 <= month <= 12):
        raise ApiError(422, _("Choose a year up to this one and a month from 1 to 12."), "invalid")
    rule = selectors.rule_for(village)
    size = (rule.red_list_size if month else rule.commend_size) if rule is not None else (0 if month else 10)
    start, end = selectors.commendation_period(year, month)
    return selectors.commended(village=village, start=start, end=end, size=size) if size else []


class PointsShopKeeperIn(Schema):
    phone: str = Field(..., max_length=20)


class PointsShopKeeperOut(Schema):
    id: int
    name: str
    phone: str

    @staticmethod
    def resolve_name(obj):
        return obj.user.name

    @staticmethod
    def resolve_phone(obj):
        return obj.user.phone


def _shop_keeping(request, code):
    village = _village(request, code)
    if not rules.can_keep_shop(request.user, village.code):
        raise ApiError(403, _("Village cadres set the goods and name the shop-keepers."), "forbidden")
    return village


@router.get("/points/villages/{code}/shopkeepers", response={200: list[PointsShopKeeperOut], **LIST_ERRORS})
def shopkeepers(request, code: str = CODE):
    """Who runs the village's points supermarket counter (the cadres)."""
    return selectors.shopkeepers(village=_shop_keeping(request, code))


@router.post("/points/villages/{code}/shopkeepers", response={201: PointsShopKeeperOut, **WRITE_ERRORS})
def shopkeeper_add(request, payload: PointsShopKeeperIn, code: str = CODE):
    """The cadres name a shop-keeper (an account, by its phone): they redeem at the counter and nothing else."""
    village = _shop_keeping(request, code)
    keeper = _write(lambda: services.shopkeeper_add(village=village, phone=payload.phone, actor=request.user))
    return Status(201, keeper)


@router.delete("/points/villages/{code}/shopkeepers/{keeper_id}", response={204: None, **WRITE_ERRORS})
def shopkeeper_remove(request, keeper_id: int, code: str = CODE):
    village = _shop_keeping(request, code)
    keeper = selectors.shopkeeper_by_pk(village=village, pk=keeper_id)
    if keeper is None:
        raise Http404
    _write(lambda: services.shopkeeper_remove(keeper=keeper, actor=request.user))
    return Status(204, None)


class PointsGoodsReceiptOut(Schema):
    id: int
    goods: str
    quantity: int
    donated: bool
    cost_fen: int
    supplier: str
    ledger_entry: str = Field(description="The village ledger entry of the purchase (empty when donated).")
    stock: int

    @staticmethod
    def resolve_goods(obj):
        return obj.goods.public_id

    @staticmethod
    def resolve_stock(obj):
        return obj.goods.stock


@router.post("/points/villages/{code}/goods/{goods_id}/receipts", response={201: PointsGoodsReceiptOut, **WRITE_ERRORS})
def goods_receive(
    request,
    code: str = CODE,
    goods_id: str = PUBLIC_ID,
    quantity: int = Form(...),
    supplier: str = Form(..., max_length=100),
    cost: str = Form("", max_length=20, description="Yuan, for bought goods."),
    donated: bool = Form(False),
    voucher: UploadedFile | None = File(None, description="The receipt or invoice of bought goods."),
):
    """Goods received by the shop (multipart form): the stock grows; bought goods are an expenditure in the
    village ledger with their voucher, in the same transaction. The village's cadres."""
    village = _shop_keeping(request, code)
    goods = selectors.goods_by_public_id(village=village, public_id=goods_id)
    if goods is None:
        raise Http404
    receipt = _write(
        lambda: services.goods_receive(
            goods=goods,
            quantity=quantity,
            supplier=supplier,
            cost=cost,
            donated=donated,
            voucher=voucher,
            actor=request.user,
        )
    )
    return Status(201, receipt)


class PointsCommendationOut(Schema):
    year: int
    revision: int
    post: str = Field(alias="post_id", description="The disclosure post's id.")
    households: list[PointsCommendedOut] = Field(alias="rows")


@router.post("/points/villages/{code}/commended/{year}/post", response={201: PointsCommendationOut, **WRITE_ERRORS})
def commendation_post(request, year: int, code: str = CODE):
    """Post a past year's commendation list on the village's disclosure board (village cadres). Unchanged since
    the last posting: that posting; changed: a corrected revision, as a new post."""
    village = _village(request, code)
    return Status(201, _write(lambda: services.commendation_post(village=village, year=year, actor=request.user)))


@router.post("/points/townships/{code}/shopkeepers", response={201: PointsShopKeeperOut, **WRITE_ERRORS})
def township_shopkeeper_add(request, payload: PointsShopKeeperIn, code: str = CODE):
    """The township's points office names a shop-keeper of its shop (an account, by its phone)."""
    town = _township_shop(request, code, keep=True)
    return Status(201, _write(lambda: services.shopkeeper_add(village=town, phone=payload.phone, actor=request.user)))
