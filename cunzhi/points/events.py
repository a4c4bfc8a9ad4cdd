"""The audit actions of points, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class PointsEvent(models.TextChoices):
    ITEM_CREATE = "points.item.create", _("Catalogue item added")
    ITEM_PROPOSE = "points.item.propose", _("Village item proposed to the township")
    ITEM_APPROVE = "points.item.approve", _("Village item approved by the township")
    ITEM_REJECT = "points.item.reject", _("Village item refused by the township")
    RULE_SET = "points.rule.set", _("Village points rule set")
    ADOPTION_SET = "points.adoption.set", _("Village adopted a points item")
    ENTRY_DECLARE = "points.entry.declare", _("Points declared")
    ENTRY_PROPOSE = "points.entry.propose", _("Points proposed from an outcome")
    ENTRY_APPROVE = "points.entry.approve", _("Points approved and posted")
    ENTRY_REJECT = "points.entry.reject", _("Points rejected")
    ENTRY_COUNT = "points.entry.count", _("Points counted")
    ENTRY_OVERTURN = "points.entry.overturn", _("Points overturned on objection")
    ENTRY_BASE = "points.entry.base", _("Base points granted")
    YEAR_CLOSE = "points.year.close", _("Points year closed")
    GOODS_SET = "points.goods.set", _("Points supermarket goods set")
    ENTRY_REDEEM = "points.entry.redeem", _("Points redeemed")
    OBJECTION_RAISE = "points.objection.raise", _("Objection raised")
    OBJECTION_DECIDE = "points.objection.decide", _("Objection decided")
    SHOPKEEPER_ADD = "points.shopkeeper.add", _("Shop-keeper named for the points supermarket")
    SHOPKEEPER_REMOVE = "points.shopkeeper.remove", _("Shop-keeper removed from the points supermarket")
    GOODS_RECEIVE = "points.goods.receive", _("Goods received at the points supermarket")
    SHOP_SET = "points.shop.set", _("Township points supermarket set up")
    COMMENDATION_POST = "points.commendation.post", _("Annual commendation list posted")
