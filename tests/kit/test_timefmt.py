"""Times on the wire are RFC 3339 always: four-digit years, every field zero-padded."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import httpx
from hypothesis import given
from hypothesis import strategies as st

from voucherd.kit.timefmt import iso

RFC3339_MILLIS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


# st.datetimes takes naive bounds; the zone comes from `offsets`. A day of margin each side
# keeps any offset's UTC value inside years 1..9999.
EARLIEST = datetime(1, 1, 2)  # noqa: DTZ001
LATEST = datetime(9999, 12, 30)  # noqa: DTZ001


@given(st.datetimes(min_value=EARLIEST, max_value=LATEST), offsets)
def test_iso_is_rfc3339_and_round_trips(moment: datetime, offset: timezone) -> None:
    aware = moment.replace(tzinfo=offset)
    text = iso(aware)
    assert text is not None and RFC3339_MILLIS.fullmatch(text), text
    parsed = datetime.fromisoformat(text)
    # Milliseconds on the wire: the round trip loses only what is below a millisecond.
    expected = aware.astimezone(UTC)
    assert parsed == expected.replace(microsecond=expected.microsecond // 1000 * 1000)


def test_years_before_1000_are_padded() -> None:
    assert iso(datetime(399, 7, 26, 8, 5, 3, 7000, tzinfo=UTC)) == "0399-07-26T08:05:03.007Z"
    assert iso(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000Z"


async def test_an_early_date_comes_back_padded_from_storage(client: httpx.AsyncClient) -> None:
    body = {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 100},
        "start_date": "0399-07-26T08:00:00Z",
        "expiration_date": "9999-12-30T23:59:59.999Z",
    }
    created = await client.post("/v1/vouchers/EARLY", json=body)
    assert created.status_code == 200, created.text
    for voucher in (created.json(), (await client.get("/v1/vouchers/EARLY")).json()):
        assert voucher["start_date"] == "0399-07-26T08:00:00.000Z"
        assert voucher["expiration_date"] == "9999-12-30T23:59:59.999Z"


async def test_years_outside_1_to_9999_are_refused(client: httpx.AsyncClient) -> None:
    """They cannot be stored or written back as RFC 3339: a 400, and nothing is created."""
    for start in ("0000-07-26T08:00:00Z", "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z"):
        body = {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 100},
            "start_date": start,
        }
        resp = await client.post("/v1/vouchers/OUTSIDE", json=body)
        assert resp.status_code == 400, (start, resp.text)
        assert resp.json()["key"] == "invalid_payload"
    assert (await client.get("/v1/vouchers/OUTSIDE")).status_code == 404
