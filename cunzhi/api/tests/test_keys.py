"""One API-key mechanism for bearer tokens and Open311 keys; keys issued before keep working."""

import datetime as dt
import hashlib

from django.utils import timezone

from cunzhi.api.models import ApiToken
from cunzhi.api.services import token_check, token_issue, token_revoke
from cunzhi.concerns import services as concerns
from cunzhi.concerns.models import Open311Key
from cunzhi.core.apikeys import key_hash, key_new


def test_a_new_key_is_stored_as_its_hash_and_prefix():
    key, stored, prefix = key_new()
    assert len(key) >= 43 and prefix == key[:8] and key not in stored
    assert stored == key_hash(key) == hashlib.sha256(key.encode()).hexdigest()


def test_keys_stored_before_the_shared_helper_still_work(world):
    # Rows written by the former per-app code: a plain SHA-256 hex of the key's text.
    old_token, old_open311 = "old-bearer-token-made-with-token_urlsafe-32", "old-open311-key-24"
    row = ApiToken.objects.create(
        user=world.villager_a,
        key_hash=hashlib.sha256(old_token.encode()).hexdigest(),
        key_prefix=old_token[:8],
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    key = Open311Key.objects.create(
        name="县12345热线", key_hash=hashlib.sha256(old_open311.encode()).hexdigest(), key_prefix=old_open311[:8]
    )
    assert token_check(old_token) == row
    assert concerns.open311_key_check(key=old_open311) == key
    assert token_check("wrong") is None and concerns.open311_key_check(key="wrong") is None


def test_both_kinds_of_key_are_issued_checked_and_revoked_the_same_way(world):
    plain, token = token_issue(user=world.villager_a, name="script")
    open311_plain, open311 = concerns.open311_key_issue(name="县12345热线", actor=world.county_admin)
    assert token_check(plain) == token and concerns.open311_key_check(key=open311_plain) == open311
    token_revoke(token=token, actor=world.villager_a)
    concerns.open311_key_revoke(actor=world.county_admin, key=open311)
    assert token_check(plain) is None and concerns.open311_key_check(key=open311_plain) is None
