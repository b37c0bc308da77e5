"""The official SDK rolls back: the order comes back as Voucherify's rollback examples show it
(CANCELED, no discount, the redemption's entry naming its rollback), and `/rollbacks` takes a
single redemption like `/rollback`."""

from __future__ import annotations

from typing import Any

import voucherify as V

from tests.support import SEED_ORDER_ITEMS

ORDER_AMOUNT = 3500 + 7999


def _redeem(sdk: Any, *codes: str) -> Any:
    return V.RedemptionsApi(sdk).redeem_stacked_discounts(
        V.RedemptionsRedeemRequestBody(
            redeemables=[
                V.RedemptionsRedeemRequestBodyRedeemablesItem(object="voucher", id=code)
                for code in codes
            ],
            order=V.Order(items=[V.OrderItem.from_dict(item) for item in SEED_ORDER_ITEMS]),
            customer=V.Customer(source_id="sdk-returner"),
        )
    )


def _code(sdk: Any) -> str:
    voucher = V.VouchersApi(sdk).generate_random_code(
        V.VouchersCreateRequestBody.from_dict(
            {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1000}}
        )
    )
    return str(voucher.code)


def _assert_rolled_back(order: Any, undone: dict[str, str]) -> None:
    assert order.status == "CANCELED"
    assert order.amount == ORDER_AMOUNT
    assert order.total_amount == ORDER_AMOUNT
    assert order.discount_amount == 0
    assert order.total_discount_amount == 0
    assert {k: v["rollback_id"] for k, v in order.redemptions.items()} == undone


def test_rollback_leaves_the_order_canceled(sdk: Any) -> None:
    code = _code(sdk)
    [redemption] = _redeem(sdk, code).redemptions
    rollback = V.RedemptionsApi(sdk).rollback_redemption(redemption.id, reason="returned")
    assert rollback.redemption == redemption.id
    _assert_rolled_back(rollback.order, {redemption.id: rollback.id})
    stored = V.OrdersApi(sdk).get_order(rollback.order.id)
    assert stored.status == "CANCELED"
    assert stored.total_amount == ORDER_AMOUNT


def test_rollbacks_takes_a_single_redemption(sdk: Any) -> None:
    code = _code(sdk)
    [redemption] = _redeem(sdk, code).redemptions
    undone = V.RedemptionsApi(sdk).rollback_stacked_redemptions(redemption.id, reason="returned")
    [rollback] = undone.rollbacks
    assert rollback.redemption == redemption.id
    assert rollback.status == "SUCCEEDED"
    assert rollback.reason == "returned"
    assert undone.parent_rollback.id == rollback.id
    _assert_rolled_back(undone.order, {redemption.id: rollback.id})
    assert V.VouchersApi(sdk).get_voucher(code).redemption.redeemed_quantity == 0
    assert V.RedemptionsApi(sdk).get_redemption(redemption.id).status == "ROLLED_BACK"


def test_stacked_rollback_leaves_the_order_canceled(sdk: Any) -> None:
    redeemed = _redeem(sdk, _code(sdk), _code(sdk))
    assert redeemed.parent_redemption is not None
    undone = V.RedemptionsApi(sdk).rollback_stacked_redemptions(redeemed.parent_redemption.id)
    _assert_rolled_back(undone.order, {r.redemption: r.id for r in undone.rollbacks})
    assert {r.redemption for r in undone.rollbacks} == {r.id for r in redeemed.redemptions}
