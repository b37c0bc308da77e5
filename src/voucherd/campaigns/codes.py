"""Voucher code generation from Voucherify's ``code_config``.

A ``code_config`` is ``{length, charset, prefix, postfix, pattern}`` and follows Voucherify's
open-source voucher-code-generator: every ``#`` in ``pattern`` becomes one random character of
``charset``, every other pattern character is copied literally, and the code is
``prefix + filled pattern + postfix``.  Without a pattern the pattern is ``"#" * length``, so a
given pattern always wins over ``length``.

Randomness comes from :mod:`secrets` because codes are bearer tokens: a guessable code is a free
discount.  Characters are drawn uniformly by rejection sampling (bytes that would make
``byte % len(charset)`` favour the first characters are thrown away), and whole batches are
drawn at once so that 100,000 codes take a fraction of a second.

Pure logic: no database and no I/O.  Callers that must avoid codes already stored pass a
``taken`` callback to :func:`generate_unique_codes`, which is called once per batch so that the
check can be one bulk query.
"""

from __future__ import annotations

import functools
import itertools
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_CHARSET",
    "DEFAULT_LENGTH",
    "MAX_CODE_LENGTH",
    "MAX_LENGTH",
    "NAMED_CHARSETS",
    "PLACEHOLDER",
    "CodeConfig",
    "CodeConfigError",
    "code_space_size",
    "ensure_capacity",
    "generate_code",
    "generate_unique_codes",
    "normalize_code_config",
]

PLACEHOLDER = "#"

NUMBERS = "0123456789"
ALPHABETIC_LOWERCASE = "abcdefghijklmnopqrstuvwxyz"
ALPHABETIC_UPPERCASE = ALPHABETIC_LOWERCASE.upper()
ALPHABETIC = ALPHABETIC_LOWERCASE + ALPHABETIC_UPPERCASE
ALPHANUMERIC = NUMBERS + ALPHABETIC

# voucher-code-generator's `charset(name)` helper knows numbers/alphabetic/alphanumeric; the two
# single-case names match the dashboard's charset choices.  A charset equal to one of these names
# is read as the name, not as the literal letters (nobody wants codes made of "n", "u", "m", ...).
NAMED_CHARSETS: Mapping[str, str] = {
    "numbers": NUMBERS,
    "alphabetic": ALPHABETIC,
    "alphabetic_lowercase": ALPHABETIC_LOWERCASE,
    "alphabetic_uppercase": ALPHABETIC_UPPERCASE,
    "alphanumeric": ALPHANUMERIC,
}

DEFAULT_LENGTH = 8
DEFAULT_CHARSET = ALPHANUMERIC

# Upper bound for `length` and for the length of `pattern`.  Longer codes are no harder to guess
# in any useful way and would only let one request make the generator do silly amounts of work.
MAX_LENGTH = 64

# The longest code the vouchers.code column holds, prefix and postfix included.
MAX_CODE_LENGTH = 300

# Random characters are sampled from bytes (charset of at most 256 characters) or from 16-bit
# words; a charset larger than this cannot be sampled uniformly with those units.
MAX_CHARSET_SIZE = 1 << 16

# How many candidates generate_unique_codes checks per call of `taken`; a bulk lookup of this
# many codes is still one cheap query.
DEFAULT_BATCH_SIZE = 10_000

# Code spaces up to this size are enumerated and shuffled once more than half of them is needed:
# random drawing slows down sharply when most codes are already used (coupon collector: filling
# all 238,328 codes of "###" over 62 characters takes ~3 s at random, ~0.3 s by shuffling).
_ENUMERATION_LIMIT = 1 << 18

# Hard cap on random draws per batch, to bound memory when the space is nearly full.
_MAX_DRAWS_PER_BATCH = 1_000_000

# In a code space too large to enumerate, this many consecutive batches without a single free code
# means the space is practically exhausted (or `taken` reports everything as taken); give up
# instead of looping forever.
_MAX_FRUITLESS_BATCHES = 50

_CONFIG_KEYS = ("length", "charset", "prefix", "postfix", "pattern")


class CodeConfigError(ValueError):
    """A ``code_config`` that cannot produce the requested codes; the message is client-facing."""

    key = "invalid_code_config"


@dataclass(frozen=True)
class CodeConfig:
    """A validated ``code_config``.

    ``pattern`` is always set (derived from ``length`` when the client gave none) and ``charset``
    holds literal, de-duplicated characters.  ``length`` keeps the client's value when a pattern
    was given (it has no effect then) and is ``None`` if the client sent neither.
    """

    length: int | None
    charset: str
    prefix: str
    postfix: str
    pattern: str


def _string_field(raw: Mapping[str, object], key: str, default: str) -> str:
    value = raw.get(key)
    if value is None:  # JSON null means "not given", as in Voucherify's SDKs
        return default
    if not isinstance(value, str):
        raise CodeConfigError(f"code_config.{key} must be a string")
    return value


def _length_field(raw: Mapping[str, object]) -> int | None:
    value = raw.get("length")
    if value is None:
        return None
    # bool is an int subclass; `true` is not a length.
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodeConfigError("code_config.length must be an integer")
    return value


def _resolve_charset(value: str) -> str:
    charset = NAMED_CHARSETS.get(value, value)
    # Duplicates would make some characters more likely and overstate the code space.
    charset = "".join(dict.fromkeys(charset))
    if not charset:
        raise CodeConfigError("code_config.charset must contain at least one character")
    if len(charset) > MAX_CHARSET_SIZE:
        raise CodeConfigError(
            f"code_config.charset must have at most {MAX_CHARSET_SIZE} distinct characters"
        )
    return charset


def normalize_code_config(raw: Mapping[str, object] | None) -> CodeConfig:
    """Validate a client's ``code_config`` and fill in Voucherify's defaults.

    ``None`` (or missing keys, or JSON nulls) mean the defaults: 8 alphanumeric characters, no
    prefix or postfix.  Unknown keys are ignored.  Raises :class:`CodeConfigError`.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise CodeConfigError("code_config must be an object")

    length = _length_field(raw)
    charset = _resolve_charset(_string_field(raw, "charset", DEFAULT_CHARSET))
    prefix = _string_field(raw, "prefix", "")
    postfix = _string_field(raw, "postfix", "")
    pattern_value = raw.get("pattern")

    if pattern_value is None:
        if length is None:
            length = DEFAULT_LENGTH
        if not 1 <= length <= MAX_LENGTH:
            raise CodeConfigError(f"code_config.length must be between 1 and {MAX_LENGTH}")
        pattern = PLACEHOLDER * length
    else:
        if not isinstance(pattern_value, str):
            raise CodeConfigError("code_config.pattern must be a string")
        pattern = pattern_value
        # Without a '#' every code would be the same string.
        if PLACEHOLDER not in pattern:
            raise CodeConfigError(
                f"code_config.pattern must contain at least one '{PLACEHOLDER}' placeholder"
            )
        if len(pattern) > MAX_LENGTH:
            raise CodeConfigError(f"code_config.pattern must be at most {MAX_LENGTH} characters")

    # Each pattern character becomes one code character; the vouchers.code column holds
    # MAX_CODE_LENGTH (PostgreSQL refuses a longer code, SQLite would store it).
    if len(prefix) + len(pattern) + len(postfix) > MAX_CODE_LENGTH:
        raise CodeConfigError(
            f"code_config.prefix, pattern and postfix make codes longer than {MAX_CODE_LENGTH}"
            " characters"
        )
    return CodeConfig(
        length=length, charset=charset, prefix=prefix, postfix=postfix, pattern=pattern
    )


def code_space_size(config: CodeConfig) -> int:
    """How many distinct codes ``config`` can produce."""
    # int(): mypy types int ** int as Any because a negative exponent would give a float.
    return int(len(config.charset) ** config.pattern.count(PLACEHOLDER))


def ensure_capacity(config: CodeConfig, requested: int, already_used: int = 0) -> None:
    """Refuse up front when ``requested`` new codes cannot fit next to ``already_used`` ones.

    Everything up to the full space is allowed.  Filling the last few percent of a large space
    is slower than usual (see :func:`generate_unique_codes`), but it still terminates.
    """
    if requested < 0 or already_used < 0:
        raise ValueError("requested and already_used must not be negative")
    space = code_space_size(config)
    if requested + already_used > space:
        used = f" ({already_used} already used)" if already_used else ""
        raise CodeConfigError(
            f"code_config allows only {space} distinct codes, "
            f"cannot generate {requested} more{used}; use a longer pattern or a larger charset"
        )


@functools.lru_cache(maxsize=64)
def _sampler(charset: str) -> Callable[[int], str]:
    """A function returning ``n`` independent, uniform characters of ``charset`` as one string."""
    size = len(charset)
    if size == 1:
        return lambda n: charset * n

    # Rejection sampling: with units of `span` values, only the first `limit` (a multiple of
    # `size`) are used, so `value % size` hits every character equally often.
    unit = 1 if size <= 256 else 2
    span = 256**unit
    limit = span - span % size

    def draw_bytes(needed: int) -> bytes:
        # Expected acceptance is limit/span (>= 1/2); add a margin so one round usually suffices.
        expected = needed * span // limit
        return secrets.token_bytes((expected + expected // 16 + 16) * unit)

    convert: Callable[[bytes], str]
    if unit == 1:
        rejected = bytes(range(limit, 256))
        if all(ord(char) < 256 for char in charset):
            # Fast path: translate maps surviving bytes straight to the Latin-1 encoded characters.
            table = bytes(ord(charset[byte % size]) for byte in range(256))

            def convert(raw: bytes) -> str:
                return raw.translate(table, rejected).decode("latin-1")
        else:
            lookup = [charset[byte % size] for byte in range(256)]

            def convert(raw: bytes) -> str:
                return "".join(map(lookup.__getitem__, raw.translate(None, rejected)))
    else:

        def convert(raw: bytes) -> str:
            # Byte order does not matter: every 16-bit value is equally likely either way.
            words = memoryview(raw).cast("H")
            return "".join([charset[word % size] for word in words if word < limit])

    def sample(n: int) -> str:
        parts: list[str] = []
        missing = n
        while missing > 0:
            chunk = convert(draw_bytes(missing))[:missing]
            parts.append(chunk)
            missing -= len(chunk)
        return "".join(parts)

    return sample


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _filler(config: CodeConfig) -> Callable[[str], str]:
    """A function turning ``pattern.count('#')`` random characters into a complete code."""
    prefix, postfix = config.prefix, config.postfix
    if config.pattern.strip(PLACEHOLDER) == "":
        # Pattern is only placeholders (the usual length-based config): plain concatenation.
        return lambda chars: prefix + chars + postfix
    template = (
        _escape_braces(prefix)
        + _escape_braces(config.pattern).replace(PLACEHOLDER, "{}")
        + _escape_braces(postfix)
    )
    fill = template.format
    return lambda chars: fill(*chars)


def _draw_codes(config: CodeConfig, count: int) -> list[str]:
    """``count`` random codes, possibly with duplicates."""
    width = config.pattern.count(PLACEHOLDER)
    stream = _sampler(config.charset)(count * width)
    fill = _filler(config)
    return [fill(stream[start : start + width]) for start in range(0, count * width, width)]


def generate_code(config: CodeConfig) -> str:
    """One random code; no uniqueness guarantee."""
    return _draw_codes(config, 1)[0]


def _all_codes(config: CodeConfig) -> Iterator[str]:
    fill = _filler(config)
    width = config.pattern.count(PLACEHOLDER)
    for chars in itertools.product(config.charset, repeat=width):
        yield fill("".join(chars))


def _exhausted(config: CodeConfig, count: int) -> CodeConfigError:
    return CodeConfigError(
        f"code_config allows only {code_space_size(config)} distinct codes and too few of them "
        f"are still free to generate {count}; use a longer pattern or a larger charset"
    )


def _unused(candidates: list[str], taken: Callable[[Iterable[str]], set[str]] | None) -> list[str]:
    if taken is None or not candidates:
        return candidates
    existing = taken(candidates)
    return [code for code in candidates if code not in existing]


def _shuffled(items: list[str]) -> list[str]:
    """``items`` in random order: sorted by independent 64-bit keys from :mod:`secrets`.

    Sorting by random keys is ~10x faster than ``SystemRandom().shuffle`` (one system call per
    element).  It is uniform except when two keys tie, which for 2**18 items has a probability
    of about 2**-29; a tie merely puts the two codes in alphabetical order.
    """
    keys = memoryview(secrets.token_bytes(8 * len(items))).cast("Q")
    return [item for _key, item in sorted(zip(keys, items, strict=True))]


def _pick_from_enumeration(
    config: CodeConfig,
    need: int,
    unavailable: set[str],
    taken: Callable[[Iterable[str]], set[str]] | None,
    batch_size: int,
) -> list[str] | None:
    """Up to ``need`` codes from a shuffled list of the whole (small) space; None if too few."""
    pool = _shuffled([code for code in _all_codes(config) if code not in unavailable])
    picked: list[str] = []
    position = 0
    while len(picked) < need and position < len(pool):
        step = min(need - len(picked), batch_size)
        picked.extend(_unused(pool[position : position + step], taken))
        position += step
    return picked if len(picked) == need else None


def generate_unique_codes(
    config: CodeConfig,
    count: int,
    taken: Callable[[Iterable[str]], set[str]] | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[str]:
    """``count`` distinct random codes, none of which ``taken`` reports as existing.

    ``taken`` receives a list of at most ``batch_size`` new candidates and returns the ones
    already in storage; it is called once per batch.  Raises :class:`CodeConfigError` when the
    code space cannot hold ``count`` codes, or when it runs out because too many are taken.

    Every returned code is uniformly distributed over the codes that were still free.  Large
    spaces are sampled at random; once more than half of a small space is needed the whole space
    is enumerated and shuffled instead, because random drawing crawls when most codes are used.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    ensure_capacity(config, count)
    space = code_space_size(config)

    accepted: list[str] = []
    # Codes known to be unavailable: returned already, or reported by `taken`.  Fresh candidates
    # that were drawn but not needed are *not* recorded: they are still free.
    unavailable: set[str] = set()
    fruitless_batches = 0

    while len(accepted) < count:
        need = count - len(accepted)
        if space <= _ENUMERATION_LIMIT and (len(unavailable) + need) * 2 > space:
            rest = _pick_from_enumeration(config, need, unavailable, taken, batch_size)
            if rest is None:
                raise _exhausted(config, count)
            accepted.extend(rest)
            break
        if len(unavailable) + need > space:
            raise _exhausted(config, count)

        wanted = min(need, batch_size)
        # Draw enough that about `wanted` candidates survive the collisions with known codes.
        free_share = (space - len(unavailable)) / space
        draws = min(int(wanted / free_share * 1.1) + 8, _MAX_DRAWS_PER_BATCH)
        candidates = [
            code for code in dict.fromkeys(_draw_codes(config, draws)) if code not in unavailable
        ][:wanted]

        fresh = _unused(candidates, taken)
        unavailable.update(candidates)
        accepted.extend(fresh)

        fruitless_batches = 0 if fresh else fruitless_batches + 1
        if fruitless_batches >= _MAX_FRUITLESS_BATCHES:
            raise _exhausted(config, count)

    return accepted
