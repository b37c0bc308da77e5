"""The token bucket, with a clock the test moves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voucherd.kit.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_limit_then_refusals_with_retry_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, now=clock)
    decisions = [limiter.take("1.2.3.4") for _ in range(61)]
    assert all(d.allowed for d in decisions[:60])
    assert [d.remaining for d in decisions[:3]] == [59, 58, 57]
    refused = decisions[60]
    assert not refused.allowed and refused.retry_after == 1
    # Another address has its own bucket.
    assert limiter.take("5.6.7.8").allowed
    clock.now += 1.0  # one token a second at 60 a minute
    assert limiter.take("1.2.3.4").allowed
    assert not limiter.take("1.2.3.4").allowed


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=300))
def test_never_more_than_the_burst_plus_the_refill(gaps: list[float]) -> None:
    clock = FakeClock()
    limiter = RateLimiter(30, now=clock)
    start = clock.now
    allowed = 0
    for gap in gaps:
        clock.now += gap
        allowed += limiter.take("ip").allowed
    assert allowed <= 30 + (clock.now - start) * 30 / 60 + 1e-9


def test_the_oldest_keys_are_dropped_beyond_the_bound() -> None:
    limiter = RateLimiter(1, max_keys=2, now=FakeClock())
    assert limiter.take("a").allowed and not limiter.take("a").allowed
    limiter.take("b")
    limiter.take("c")  # "a" is forgotten: it starts again with a full bucket
    assert limiter.take("a").allowed
