"""The official SDK locks a validation session, redeems with it, and releases one with
`release_validation_session` (issue 15 item 5)."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import NotFoundException


def _gift_card(sdk: Any, amount: int) -> str:
    card = V.VouchersApi(sdk).generate_random_code(
        V.VouchersCreateRequestBody.from_dict(
            {"type": "GIFT_VOUCHER", "gift": {"amount": amount, "effect": "APPLY_TO_ORDER"}}
        )
    )
    return str(card.code)


def _stack(code: str, credits: int, session: Any = None) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": code, "gift": {"credits": credits}}],
        "order": {"amount": 10000},
        **({"session": session} if session is not None else {}),
    }


def _validate(sdk: Any, code: str, credits: int, session: Any = None) -> Any:
    return V.ValidationsApi(sdk).validate_stacked_discounts(
        V.ValidationsValidateRequestBody.from_dict(_stack(code, credits, session))
    )


def _redeem(sdk: Any, code: str, credits: int, session: Any = None) -> Any:
    return V.RedemptionsApi(sdk).redeem_stacked_discounts(
        V.RedemptionsRedeemRequestBody.from_dict(_stack(code, credits, session))
    )


def test_a_session_holds_a_gift_amount_until_redeemed_with_it(sdk: Any) -> None:
    card = _gift_card(sdk, 10000)
    held = _validate(sdk, card, 7000, {"type": "LOCK", "ttl": 15, "ttl_unit": "MINUTES"})
    assert held.valid is True
    assert held.session.type == "LOCK"
    assert (held.session.ttl, held.session.ttl_unit) == (15, "MINUTES")
    key = held.session.key
    assert key.startswith("ssn_")
    # Without the session only 3,000 are left.
    assert _validate(sdk, card, 4000).valid is False
    with pytest.raises(V.ApiException) as refused:
        _redeem(sdk, card, 4000)
    assert refused.value.status == 400
    redeemed = _redeem(sdk, card, 7000, {"key": key})
    assert redeemed.redemptions[0].result == "SUCCESS"
    assert V.VouchersApi(sdk).get_voucher(card).gift.balance == 3000


def test_release_validation_session(sdk: Any) -> None:
    card = _gift_card(sdk, 5000)
    held = _validate(sdk, card, 5000, {"key": "cart-42"})
    assert held.session.key == "cart-42"
    assert (held.session.ttl, held.session.ttl_unit) == (7, "DAYS")
    assert _validate(sdk, card, 1).valid is False
    assert V.VouchersApi(sdk).release_validation_session(card, "cart-42") is None
    assert _validate(sdk, card, 5000).valid is True
    with pytest.raises(NotFoundException):
        V.VouchersApi(sdk).release_validation_session(card, "cart-42")
