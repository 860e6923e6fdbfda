"""Synthetic but valid unified social credit codes (GB 32100) for demo, scale and test data.

Clearly fake: the subject identifier is "EG" (EcoGrid) + a sequence, never a real
organisation's, and both check characters (the embedded GB 11714 one and the MOD 31 one)
are correct, so the codes pass ``core.identifiers.check_credit_code``.
"""

from core.identifiers import CREDIT_CODE_ALPHABET, credit_code_check_char, organization_code_check_char

# 登记管理部门码 + 机构类别码: 91 enterprise, 92 sole trader (个体工商户), 93 farmers' co-op,
# N2 village collective economic organisation (农业), Y1 other.
PREFIXES = ("91", "92", "93", "N2", "Y1")


def make_uscc(seq: int, *, prefix: str = "91", region: str = "440604") -> str:
    """The ``seq``-th synthetic code with the given department/type prefix and registrar region."""
    body = "EG"
    n = seq
    tail = ""
    for _ in range(6):  # 6 base-31 characters: 887 million codes per prefix
        n, r = divmod(n, 31)
        tail = CREDIT_CODE_ALPHABET[r] + tail
    body += tail
    assert all(c in CREDIT_CODE_ALPHABET for c in body) and len(body) == 8, body
    first16 = prefix + region + body + organization_code_check_char(body)
    return first16 + credit_code_check_char(first16)
