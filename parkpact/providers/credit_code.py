"""The unified social credit code (统一社会信用代码) of GB 32100-2015, as pure functions.

18 characters: 1 registration authority, 1 entity category, 6 administrative division
digits, 9 organisation code characters (GB 11714, with its own check character) and a final
check character, computed modulo 31 over the first 17 with the standard's weights.
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (all from ALPHABET)."""
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(body8: str) -> str:
    """GB 11714's check character for the 8-character organisation code body."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(body8, ORGANISATION_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_problem(code: str) -> str | None:
    """None for a valid code, else a stable code naming the first thing wrong with it."""
    if len(code) != 18:
        return "length"
    if any(char not in ALPHABET for char in code):
        return "alphabet"
    if not code[2:8].isdigit():
        return "division"
    if organisation_check_character(code[8:16]) != code[16]:
        return "organisation_check"
    if check_character(code[:17]) != code[17]:
        return "check_character"
    return None


def complete(first16: str) -> str:
    """A full valid code from its first 16 characters (for demos and tests)."""
    first17 = first16 + organisation_check_character(first16[8:16])
    return first17 + check_character(first17)
