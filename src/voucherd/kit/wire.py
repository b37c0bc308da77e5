"""How voucherd writes "nothing" on the wire: `null`, or no key at all (issue 12).

The rule, decided per field from Voucherify's OpenAPI response examples
(`../shared/reference/voucherify-openapi.json`), its webhook seeds (`../shared/seeds`) and the
official SDKs:

* Voucherify **omits** an optional nested object the resource does not have: an order's
  `customer` / `referrer` (while `customer_id` / `referrer_id` stay `null`), a redemption's
  `promotion_tier` / `reward`, an earning rule's `expiration_rules`, `custom_event`, `segment`,
  `loyalty_tier`, `pending_points` and validity settings. It omits an unset validity date too
  (a campaign's or an earning rule's `start_date` / `expiration_date`: the GET examples have
  no key). And the stacking answers (`POST /v1/validations`, `POST /v1/redemptions`) leave out
  `inapplicable_redeemables` / `skipped_redeemables` when there are none: both official SDK
  suites assert the key is absent when everything applies.
* It keeps `null` for scalar references and texts (`customer_id`, `source_id`,
  `failure_code`, ...), and for every key its webhook seeds show as `null`: event payloads
  (the `simple_*` serializers, `redemption.succeeded`'s `promotion_tier`,
  `customer.rewarded`'s redemption) keep their nulls; the seed tests compare them.
* The Python SDK parses a missing key and `null` alike (all these fields are `Optional`), so
  omitting costs it nothing; the JS SDK's suite tells them apart.

Each serializer concerned names its keys in a module constant next to the body it shapes
and passes them to `omit_absent`; nothing else drops keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def omit_absent(body: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """`body` (changed in place) without those of `keys` that hold nothing: None or `[]`."""
    for key in keys:
        if key in body and (body[key] is None or body[key] == []):
            del body[key]
    return body
