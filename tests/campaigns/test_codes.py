"""Voucher code generation from ``code_config`` (voucherd.campaigns.codes)."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherd.campaigns.codes import (
    DEFAULT_CHARSET,
    MAX_LENGTH,
    CodeConfig,
    CodeConfigError,
    code_space_size,
    ensure_capacity,
    generate_code,
    generate_unique_codes,
    normalize_code_config,
)


def code_regex(config: CodeConfig) -> re.Pattern[str]:
    """The exact shape every code of ``config`` must have."""
    any_char = "(?:" + "|".join(re.escape(char) for char in config.charset) + ")"
    body = "".join(any_char if char == "#" else re.escape(char) for char in config.pattern)
    return re.compile(re.escape(config.prefix) + body + re.escape(config.postfix), re.DOTALL)


# --- normalize_code_config -------------------------------------------------------------------


def test_missing_config_means_eight_alphanumeric_characters() -> None:
    config = normalize_code_config(None)
    assert config == CodeConfig(
        length=8, charset=DEFAULT_CHARSET, prefix="", postfix="", pattern="########"
    )
    assert config.charset == string.digits + string.ascii_lowercase + string.ascii_uppercase


def test_json_nulls_mean_defaults() -> None:
    raw = {"length": None, "charset": None, "prefix": None, "postfix": None, "pattern": None}
    assert normalize_code_config(raw) == normalize_code_config({})


def test_length_without_pattern_becomes_the_pattern() -> None:
    assert normalize_code_config({"length": 5}).pattern == "#####"


def test_pattern_overrides_length() -> None:
    config = normalize_code_config({"length": 10, "pattern": "##-##"})
    assert config.pattern == "##-##"
    assert len(generate_code(config)) == 5


def test_pattern_without_length_keeps_length_unset() -> None:
    assert normalize_code_config({"pattern": "###"}).length is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("numbers", string.digits),
        ("alphabetic", string.ascii_lowercase + string.ascii_uppercase),
        ("alphabetic_lowercase", string.ascii_lowercase),
        ("alphabetic_uppercase", string.ascii_uppercase),
        ("alphanumeric", string.digits + string.ascii_letters),
    ],
)
def test_named_charsets_expand_to_their_characters(name: str, expected: str) -> None:
    assert set(normalize_code_config({"charset": name}).charset) == set(expected)
    assert len(normalize_code_config({"charset": name}).charset) == len(expected)


def test_literal_charset_is_deduplicated_in_order() -> None:
    assert normalize_code_config({"charset": "baab"}).charset == "ba"


def test_unknown_keys_are_ignored() -> None:
    assert normalize_code_config({"length": 6, "color": "red"}).pattern == "######"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"length": 0}, "length must be between 1 and 64"),
        ({"length": MAX_LENGTH + 1}, "length must be between 1 and 64"),
        ({"length": -3}, "length must be between 1 and 64"),
        ({"length": "8"}, "length must be an integer"),
        ({"length": 8.0}, "length must be an integer"),
        ({"length": True}, "length must be an integer"),
        ({"charset": ""}, "charset must contain at least one character"),
        ({"charset": 7}, "charset must be a string"),
        ({"charset": ["a", "b"]}, "charset must be a string"),
        ({"prefix": 1}, "prefix must be a string"),
        ({"postfix": {}}, "postfix must be a string"),
        ({"pattern": "ABC"}, "pattern must contain at least one '#'"),
        ({"pattern": ""}, "pattern must contain at least one '#'"),
        ({"pattern": 12}, "pattern must be a string"),
        ({"pattern": "#" * (MAX_LENGTH + 1)}, "pattern must be at most 64 characters"),
        ({"pattern": "##", "length": "x"}, "length must be an integer"),
    ],
)
def test_invalid_config_is_rejected_with_a_client_message(
    raw: dict[str, object], message: str
) -> None:
    with pytest.raises(CodeConfigError, match=re.escape(message)) as caught:
        normalize_code_config(raw)
    assert caught.value.key == "invalid_code_config"


def test_config_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(CodeConfigError, match="must be an object"):
        normalize_code_config(["length", 8])  # type: ignore[arg-type]


# --- shape of generated codes ----------------------------------------------------------------


def test_code_is_prefix_filled_pattern_postfix() -> None:
    # Seed: prefix "SPRING-2024-" with pattern "###" gives codes like "SPRING-2024-hOg".
    config = normalize_code_config({"prefix": "SPRING-2024-", "pattern": "###"})
    code = generate_code(config)
    assert len(code) == 15
    assert re.fullmatch(r"SPRING-2024-[0-9a-zA-Z]{3}", code)


def test_postfix_follows_the_filled_pattern() -> None:
    config = normalize_code_config({"postfix": "-XMAS", "length": 4, "charset": "numbers"})
    assert re.fullmatch(r"[0-9]{4}-XMAS", generate_code(config))


def test_non_placeholder_pattern_characters_are_literal() -> None:
    config = normalize_code_config({"pattern": "A#-{#}-#Z", "charset": "xy"})
    for code in generate_unique_codes(config, 8):
        assert re.fullmatch(r"A[xy]-\{[xy]\}-[xy]Z", code)


def test_hash_in_prefix_and_postfix_is_literal() -> None:
    config = normalize_code_config({"prefix": "#", "postfix": "#", "pattern": "#", "charset": "q"})
    assert generate_code(config) == "#q#"


def test_placeholders_are_filled_only_from_the_charset() -> None:
    config = normalize_code_config({"charset": "XYZ", "length": 12})
    codes = generate_unique_codes(config, 500)
    assert set("".join(codes)) <= set("XYZ")


def test_non_latin1_charset_is_supported() -> None:
    config = normalize_code_config({"charset": "αβγ€", "length": 6})
    assert all(re.fullmatch("[αβγ€]{6}", code) for code in generate_unique_codes(config, 200))


def test_charset_larger_than_256_characters_is_supported() -> None:
    charset = "".join(chr(0x4E00 + offset) for offset in range(300))
    config = normalize_code_config({"charset": charset, "length": 4})
    codes = generate_unique_codes(config, 2000)
    assert set("".join(codes)) <= set(charset)
    assert len(set("".join(codes))) > 250  # 8000 draws over 300 characters hit nearly all


def test_single_character_charset_gives_the_only_possible_code() -> None:
    config = normalize_code_config({"charset": "7", "pattern": "##-#"})
    assert generate_unique_codes(config, 1) == ["77-7"]


# --- capacity --------------------------------------------------------------------------------


def test_code_space_size_is_charset_size_to_the_number_of_placeholders() -> None:
    assert code_space_size(normalize_code_config({"charset": "abc", "pattern": "X##-#"})) == 27
    assert code_space_size(normalize_code_config(None)) == 62**8


def test_capacity_allows_the_whole_space() -> None:
    ensure_capacity(normalize_code_config({"charset": "ab", "pattern": "##"}), 4)


def test_capacity_refuses_more_codes_than_the_space_holds() -> None:
    config = normalize_code_config({"charset": "ab", "pattern": "##"})
    with pytest.raises(CodeConfigError, match="only 4 distinct codes"):
        ensure_capacity(config, 5)


def test_capacity_counts_codes_already_used() -> None:
    config = normalize_code_config({"charset": "ab", "pattern": "##"})
    ensure_capacity(config, 1, already_used=3)
    with pytest.raises(CodeConfigError, match="3 already used"):
        ensure_capacity(config, 2, already_used=3)


def test_capacity_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        ensure_capacity(normalize_code_config(None), -1)


# --- generate_unique_codes -------------------------------------------------------------------


def test_generated_codes_are_unique() -> None:
    codes = generate_unique_codes(normalize_code_config({"length": 3}), 20_000)
    assert len(codes) == 20_000
    assert len(set(codes)) == 20_000


def test_zero_codes_requested_gives_empty_list() -> None:
    assert generate_unique_codes(normalize_code_config(None), 0) == []


def test_whole_small_space_can_be_generated() -> None:
    config = normalize_code_config({"charset": "abc", "pattern": "#-#"})
    codes = generate_unique_codes(config, 9)
    assert sorted(codes) == sorted(f"{x}-{y}" for x in "abc" for y in "abc")


def test_request_beyond_the_space_raises_instead_of_looping() -> None:
    config = normalize_code_config({"charset": "ab", "pattern": "#"})
    with pytest.raises(CodeConfigError, match="only 2 distinct codes"):
        generate_unique_codes(config, 3)


def test_taken_codes_are_never_returned() -> None:
    config = normalize_code_config({"charset": "numbers", "pattern": "##"})
    existing = {f"{n:02d}" for n in range(50)}

    def taken(candidates: Iterable[str]) -> set[str]:
        return existing.intersection(candidates)

    codes = generate_unique_codes(config, 50, taken)
    assert sorted(codes) == [f"{n:02d}" for n in range(50, 100)]


def test_taken_codes_are_skipped_in_a_large_space() -> None:
    config = normalize_code_config({"charset": "ab", "length": 20})

    def taken(candidates: Iterable[str]) -> set[str]:
        return {code for code in candidates if code.startswith("a")}

    codes = generate_unique_codes(config, 1000, taken)
    assert len(set(codes)) == 1000
    assert not any(code.startswith("a") for code in codes)


def test_taken_is_called_once_per_batch_with_new_candidates_only() -> None:
    config = normalize_code_config({"charset": "ab", "length": 12})  # 4096 codes: collisions
    calls: list[list[str]] = []

    def taken(candidates: Iterable[str]) -> set[str]:
        batch = list(candidates)
        calls.append(batch)
        return {code for code in batch if code.endswith("a")}

    codes = generate_unique_codes(config, 1000, taken, batch_size=100)
    assert len(set(codes)) == 1000
    assert all(len(batch) <= 100 for batch in calls)
    asked = [code for batch in calls for code in batch]
    assert len(asked) == len(set(asked)), "a candidate was checked twice"
    assert set(codes) <= set(asked)


def test_space_exhausted_by_taken_codes_raises() -> None:
    config = normalize_code_config({"charset": "ab", "pattern": "##"})

    def taken(candidates: Iterable[str]) -> set[str]:
        return set(candidates) - {"ab"}

    with pytest.raises(CodeConfigError, match="too few of them are still free"):
        generate_unique_codes(config, 2, taken)


def test_taken_reporting_everything_in_a_huge_space_gives_up() -> None:
    def taken(candidates: Iterable[str]) -> set[str]:
        return set(candidates)

    with pytest.raises(CodeConfigError, match="too few of them are still free"):
        generate_unique_codes(normalize_code_config(None), 5, taken)


# --- randomness ------------------------------------------------------------------------------


def chi_square(counts: Counter[str], symbols: str, total: int) -> float:
    expected = total / len(symbols)
    return sum((counts[symbol] - expected) ** 2 / expected for symbol in symbols)


def test_two_character_charset_is_uniform() -> None:
    config = normalize_code_config({"charset": "ab", "length": 1})
    draws = 20_000
    counts = Counter(generate_code(config) for _ in range(draws))
    # One degree of freedom: chi-square > 30 happens with probability ~4e-8 for a fair coin,
    # while a 52/48 bias would score ~32.
    assert chi_square(counts, "ab", draws) < 30


def test_every_position_of_a_code_is_uniform() -> None:
    config = normalize_code_config({"charset": "ab", "length": 16})
    codes = generate_unique_codes(config, 5000)
    for position in range(16):
        counts = Counter(code[position] for code in codes)
        assert chi_square(counts, "ab", len(codes)) < 30, f"position {position}"


def test_characters_beyond_byte_modulo_are_not_underrepresented() -> None:
    # With 129 characters, naive `byte % 129` would give the last two characters half the
    # probability of the others (256 = 129 + 127).  Rejection sampling must avoid that.
    charset = "".join(chr(0x100 + offset) for offset in range(129))
    config = normalize_code_config({"charset": charset, "length": 8})
    codes = generate_unique_codes(config, 129 * 125)  # 1000 expected hits per character
    counts = Counter("".join(codes))
    total = sum(counts.values())
    # 128 degrees of freedom: mean 128, sd 16; 300 is > 10 sd out.  The naive bias scores ~630.
    assert chi_square(counts, charset, total) < 300
    assert min(counts[charset[-1]], counts[charset[-2]]) > 800


@settings(max_examples=200, deadline=None)
@given(
    charset=st.text(min_size=1, max_size=20),
    pattern=st.lists(
        st.one_of(st.just("#"), st.characters(exclude_characters="#")), min_size=1, max_size=12
    )
    .map("".join)
    .filter(lambda text: "#" in text),
    prefix=st.text(max_size=5),
    postfix=st.text(max_size=5),
)
def test_generated_codes_match_the_shape_of_the_config(
    charset: str, pattern: str, prefix: str, postfix: str
) -> None:
    config = normalize_code_config(
        {"charset": charset, "pattern": pattern, "prefix": prefix, "postfix": postfix}
    )
    shape = code_regex(config)
    count = min(5, code_space_size(config))
    codes = generate_unique_codes(config, count)
    assert len(set(codes)) == count
    for code in codes:
        assert shape.fullmatch(code), (code, config)
