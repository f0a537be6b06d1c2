#!/usr/bin/env python3
"""An independent yima credential verifier written from docs/format.md alone.

It implements the verification pipeline of docs/format.md section 2.2 (stages prefix, base45,
decompress, cose, header, key, signature, claims, identifier, time) and reports the stable code of
section 11.1 (or `valid`). It was written without reading any of the Rust sources, to check that the
specification is sufficient to build a conforming verifier.

It runs over every credential vector listed in test-vectors/index.json and every hostile vector in
test-vectors/hostile/ that has `input` and `keys` (image cases, which carry a `file`, and venue cases,
which carry a `bundle_hex`, are skipped), compares the computed code with `expected` (and, for `valid`
vectors, the decoded claims with `claims`, and the decoded COSE bytes with `cose_hex`, section 12.1),
prints one line per disagreement and ends with 'N passed, M failed' (plus a 'TOTALS spec_verifier
passed=N failed=M' line for interop/run.sh). Exit status 0 only when M == 0.

Usage: python3 interop/spec_verifier.py [--repo ROOT] [--verbose]
(interop/run.sh also passes --yima and --work, which this script ignores: it runs no yima code.)

Dependencies: the Python 3 standard library and `cryptography` (used as a cross-check of the pure
Python Ed25519 verification, which follows section 5.4 step by step).
"""

import argparse
import datetime
import hashlib
import json
import os
import sys
import zlib

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover - the cross-check is optional
    Ed25519PublicKey = None

# --------------------------------------------------------------------------------------------------
# Errors


class VerifyError(Exception):
    """A rejection with a stable code (section 11.1)."""

    def __init__(self, code, reason=""):
        super().__init__(code)
        self.code = code
        self.reason = reason


def fail(code, reason=""):
    raise VerifyError(code, reason)


# --------------------------------------------------------------------------------------------------
# Constants (sections 3, 4, 5)

MAX_TEXT_LEN = 4296
MAX_COSE_BYTES = 8192
MAX_DEPTH = 16
MAX_ITEMS = 256
MAX_TOTAL_ITEMS = 65536
MAX_KID_BYTES = 32
U64_MAX = 2**64 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1

RECOGNISED_ALGS = {-8, -7, -19, -35, -36, -37, -38, -39, -47, -257, -258, -259}
ALG_EDDSA = -8

# --------------------------------------------------------------------------------------------------
# Section 3.4: strict Base45

B45_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
B45_VALUE = {c: i for i, c in enumerate(B45_ALPHABET)}


def base45_decode(data: bytes) -> bytes:
    if len(data) % 3 == 1:
        fail("base45.invalid-length", "length mod 3 is 1")
    out = bytearray()
    for i in range(0, len(data), 3):
        group = data[i:i + 3]
        for b in group:
            if b not in B45_VALUE:
                fail("base45.invalid-char", "byte 0x%02x at %d" % (b, i))
        vals = [B45_VALUE[b] for b in group]
        if len(group) == 3:
            n = vals[0] + 45 * vals[1] + 2025 * vals[2]
            if n > 65535:
                fail("base45.out-of-range", "triple value %d" % n)
            out += bytes([n >> 8, n & 0xFF])
        else:
            n = vals[0] + 45 * vals[1]
            if n > 255:
                fail("base45.out-of-range", "pair value %d" % n)
            out.append(n)
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# Section 3.5: zlib with an output cap


def inflate(data: bytes, cap: int = None) -> bytes:
    """One zlib stream, nothing after it, at most `cap` bytes of output (default 8192, section 3.5;
    status lists use their own cap, section 14.4 step 9)."""
    if cap is None:
        cap = MAX_COSE_BYTES
    if len(data) < 2:
        fail("decompress.invalid", "no zlib header")
    cmf, flg = data[0], data[1]
    if cmf & 0x0F != 8:
        fail("decompress.invalid", "CM is not 8")
    if cmf >> 4 > 7:
        fail("decompress.invalid", "CINFO > 7")
    if (cmf * 256 + flg) % 31 != 0:
        fail("decompress.invalid", "bad FCHECK")
    if flg & 0x20:
        fail("decompress.invalid", "FDICT set")
    d = zlib.decompressobj(15)
    try:
        out = d.decompress(data, cap + 1)
    except zlib.error as e:
        fail("decompress.invalid", "zlib: %s" % e)
    if len(out) > cap:
        fail("decompress.too-large", "more than %d bytes of output" % cap)
    if not d.eof:
        # All input was consumed (the output was not full) without reaching the end of the stream.
        try:
            more = d.flush()
        except zlib.error as e:
            fail("decompress.invalid", "zlib: %s" % e)
        if len(out) + len(more) > cap:
            fail("decompress.too-large", "more than %d bytes of output" % cap)
        fail("decompress.invalid", "stream incomplete")
    if d.unused_data:
        fail("decompress.invalid", "bytes after the zlib stream")
    return out


# --------------------------------------------------------------------------------------------------
# Section 4: strict deterministic CBOR reader


class CItem:
    """A decoded CBOR item. kind: uint, nint, bstr, tstr, array, map, tag, simple."""

    __slots__ = ("kind", "value", "tag", "raw")

    def __init__(self, kind, value, tag=None, raw=b""):
        self.kind = kind
        self.value = value  # int (for nint: the actual negative value), bytes, str, list, list of pairs
        self.tag = tag
        self.raw = raw      # encoded bytes of the whole item

    def is_int(self):
        return self.kind in ("uint", "nint")

    def fits_i64(self):
        return self.is_int() and I64_MIN <= self.value <= I64_MAX

    def __repr__(self):
        return "CItem(%s, %r%s)" % (self.kind, self.value, "" if self.tag is None else ", tag=%d" % self.tag)


class CborReader:
    def __init__(self, buf: bytes):
        self.buf = buf
        self.pos = 0
        self.count = 0

    def remaining(self):
        return len(self.buf) - self.pos

    def need(self, n):
        if self.remaining() < n:
            fail("cbor.truncated", "input ends inside an item at %d" % self.pos)

    def read_arg(self, ai):
        if ai < 24:
            return ai
        n = 1 << (ai - 24)  # 24..27 -> 1, 2, 4, 8
        self.need(n)
        arg = int.from_bytes(self.buf[self.pos:self.pos + n], "big")
        self.pos += n
        lower = {24: 24, 25: 0x100, 26: 0x10000, 27: 0x100000000}[ai]
        if arg < lower:
            fail("cbor.non-canonical", "argument not in shortest form")
        return arg

    def read(self, depth=0):
        start = self.pos
        self.need(1)
        self.count += 1
        if self.count > MAX_TOTAL_ITEMS:
            fail("cbor.too-many-items", "more than 65536 items in one decode")
        ib = self.buf[self.pos]
        self.pos += 1
        major, ai = ib >> 5, ib & 0x1F
        if ai == 31:
            fail("cbor.indefinite-length", "additional information 31 at %d" % start)
        if major == 7:
            simple = {20: False, 21: True, 22: None}
            if ai not in simple:
                fail("cbor.unsupported", "simple/float 0x%02x at %d" % (ib, start))
            return CItem("simple", simple[ai], raw=self.buf[start:self.pos])
        if ai in (28, 29, 30):
            fail("cbor.unsupported", "reserved additional information at %d" % start)
        arg = self.read_arg(ai)
        if major == 0:
            return CItem("uint", arg, raw=self.buf[start:self.pos])
        if major == 1:
            return CItem("nint", -1 - arg, raw=self.buf[start:self.pos])
        if major in (2, 3):
            if arg > self.remaining():
                fail("cbor.truncated", "string length exceeds the input")
            data = self.buf[self.pos:self.pos + arg]
            self.pos += arg
            if major == 2:
                return CItem("bstr", bytes(data), raw=self.buf[start:self.pos])
            try:
                text = bytes(data).decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                fail("cbor.invalid-utf8", "text string at %d" % start)
            return CItem("tstr", text, raw=self.buf[start:self.pos])
        if major == 6:
            if depth >= MAX_DEPTH:
                fail("cbor.too-deep", "tag at depth %d" % depth)
            inner = self.read(depth + 1)
            return CItem("tag", inner, tag=arg, raw=self.buf[start:self.pos])
        if major == 4:
            if depth >= MAX_DEPTH:
                fail("cbor.too-deep", "array at depth %d" % depth)
            if arg > MAX_ITEMS or arg > self.remaining():
                fail("cbor.too-many-items", "array of %d elements" % arg)
            items = [self.read(depth + 1) for _ in range(arg)]
            return CItem("array", items, raw=self.buf[start:self.pos])
        # major == 5
        if depth >= MAX_DEPTH:
            fail("cbor.too-deep", "map at depth %d" % depth)
        if arg > MAX_ITEMS or 2 * arg > self.remaining():
            fail("cbor.too-many-items", "map of %d pairs" % arg)
        pairs = []
        seen = set()
        for _ in range(arg):
            k = self.read(depth + 1)
            if k.raw in seen:
                fail("cbor.duplicate-key", "key %s twice" % k.raw.hex())
            seen.add(k.raw)
            v = self.read(depth + 1)
            pairs.append((k, v))
        for (a, _), (b, _) in zip(pairs, pairs[1:]):
            if not a.raw < b.raw:
                fail("cbor.non-canonical", "map keys not in increasing order")
        return CItem("map", pairs, raw=self.buf[start:self.pos])


def cbor_decode(buf: bytes) -> CItem:
    r = CborReader(buf)
    item = r.read(0)
    if r.pos != len(buf):
        fail("cbor.trailing-bytes", "%d bytes after the item" % (len(buf) - r.pos))
    return item


# --------------------------------------------------------------------------------------------------
# Section 5.4: Ed25519 (RFC 8032), pure Python, with the strict rules of the spec

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _padd(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _pmul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _padd(q, pt)
        pt = _padd(pt, pt)
        s >>= 1
    return q


def _pencode(pt):
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _pdecode(b: bytes):
    """RFC 8032 section 5.1.3 decoding; None if the bytes are not the canonical encoding of a point."""
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vx2 = v * x * x % P
    if vx2 == u:
        pass
    elif vx2 == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and sign == 1:
        return None
    if (x & 1) != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def _is_identity(pt):
    x, y, z, _ = pt
    return x % P == 0 and (y - z) % P == 0


def _small_order(pt):
    return _is_identity(_pmul(8, pt))


_BY = 4 * pow(5, P - 2, P) % P
BASE = _pdecode(_BY.to_bytes(32, "little"))


def load_public_key(raw_hex: str):
    """Section 5.6: returns (raw bytes, point) or raises key.invalid-public / key.weak-public."""
    try:
        raw = bytes.fromhex(raw_hex)
    except ValueError:
        fail("key.invalid-public", "not hex")
    if len(raw) != 32:
        fail("key.invalid-public", "not 32 bytes")
    pt = _pdecode(raw)
    if pt is None:
        fail("key.invalid-public", "not the canonical encoding of a curve point")
    if _small_order(pt):
        fail("key.weak-public", "small-order point")
    return raw, pt


def ed25519_verify_strict(a_bytes: bytes, a_point, msg: bytes, sig: bytes):
    """Section 5.4 steps 1-5. Returns (accepted, number of the step that refused or None)."""
    if len(sig) != 64:
        return False, 0
    r_bytes, s_bytes = sig[:32], sig[32:]
    s = int.from_bytes(s_bytes, "little")
    if s >= L:                                   # step 1
        return False, 1
    r = _pdecode(r_bytes)                        # step 2 (RFC 8032 decoding refuses y >= p, x = 0 with sign)
    if r is None:
        return False, 2
    if _small_order(r) or _small_order(a_point):  # step 3
        return False, 3
    k = int.from_bytes(hashlib.sha512(r_bytes + a_bytes + msg).digest(), "little") % L  # step 4
    neg_a = ((-a_point[0]) % P, a_point[1], a_point[2], (-a_point[3]) % P)
    r_prime = _padd(_pmul(s, BASE), _pmul(k, neg_a))  # step 5, cofactorless
    if _pencode(r_prime) != r_bytes:
        return False, 5
    return True, None


def crypto_verify(a_bytes, msg, sig):
    """The `cryptography` package's verdict (None when it is not installed)."""
    if Ed25519PublicKey is None:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(a_bytes).verify(sig, msg)
        return True
    except InvalidSignature:
        return False
    except ValueError:
        return False


NOTES = []  # cross-check disagreements between the pure-Python and `cryptography` verdicts


# --------------------------------------------------------------------------------------------------
# Section 7: identifier algorithms (each returns None when valid, else a reason)

PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"


def _real_date(y, m, d):
    try:
        datetime.date(y, m, d)
        return True
    except ValueError:
        return False


def check_citizen_id(s: str, allow_lower_x: bool):
    """Section 7.1 (and section 6.4: kind 2 refuses a lower-case x)."""
    b = s.encode("utf-8")
    if len(b) != 18:
        return "length"
    if not all(c in b"0123456789" for c in b[:17]) or b[17] not in b"0123456789Xx":
        return "charset"
    if b[17:] == b"x" and not allow_lower_x:
        return "charset"
    t = b.decode("ascii")
    if int(t[:2]) not in PROVINCES and t[:2] != "83":
        return "structure"
    year, month, day = int(t[6:10]), int(t[10:12]), int(t[12:14])
    if not (1800 <= year <= 2199) or not _real_date(year, month, day):
        return "structure"
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(t[i]) * w[i] for i in range(17))
    if "10X98765432"[total % 11] != t[17].upper():
        return "check-digit"
    return None


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def check_uscc(s: str):
    """Section 7.2."""
    b = s.encode("utf-8")
    if len(b) != 18:
        return "length"
    if not all(c in USCC_ALPHABET for c in s):
        return "charset"
    if not all(c in DIGITS for c in s[2:8]):
        return "structure"
    w = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_ALPHABET.index(s[i]) * w[i] for i in range(17))
    if USCC_ALPHABET[(31 - total % 31) % 31] != s[17]:
        return "check-digit"
    return None


def check_food_licence(s: str):
    """Section 7.3."""
    b = s.encode("utf-8")
    if len(b) != 16:
        return "length"
    if not b.startswith(b"JY"):
        return "structure"
    if not all(c in b"0123456789" for c in b[2:]):
        return "charset"
    return None


MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod37_36(s: str) -> str:
    p = 36
    for ch in s:
        v = MOD37_ALPHABET.index(ch)
        t = (p + v) % 36
        if t == 0:
            t = 36
        p = (2 * t) % 37
    return MOD37_ALPHABET[(37 - p) % 36]


def _uscc_part(s):
    r = check_uscc(s)
    if r is None or r in ("length", "charset"):
        return r
    return "structure"


def check_licence_identifier(s: str):
    """Section 7.4."""
    b = s.encode("utf-8")
    if not (63 <= len(b) <= 128):
        return "length"
    if not all(c in DIGITS + UPPER + "." for c in s):
        return "charset"
    root = "1.2.156.3005.2."
    if not s.startswith(root):
        return "structure"
    parts = s[len(root):].split(".")
    if len(parts) != 5:
        return "structure"
    typ, issuer, serial, version, check = parts
    if len(typ) != 21:
        return "length"
    r = _uscc_part(typ[:18])
    if r:
        return r
    if not all(c in DIGITS for c in typ[18:]):
        return "charset"
    r = _uscc_part(issuer)
    if r:
        return r
    if not (1 <= len(serial) <= 32):
        return "length"
    if not all(c in DIGITS + UPPER for c in serial):
        return "charset"
    if len(version) != 3:
        return "length"
    if not all(c in DIGITS for c in version):
        return "charset"
    if len(check) != 1:
        return "length"
    if mod37_36(typ + issuer + serial + version) != check:
        return "check-digit"
    return None


def check_region(v: int):
    """Section 7.5 (the value is already known to be at most 2^32-1)."""
    if not (100000 <= v <= 999999):
        return "length"
    if v // 10000 not in PROVINCES:
        return "structure"
    return None


def check_code(s: str, n: int, lower: bool):
    """Code rule C(n, lower), section 6.3."""
    b = s.encode("utf-8")
    if not (1 <= len(b) <= n):
        return "length"
    allowed = DIGITS + UPPER + (LOWER if lower else "")
    if not all(c in allowed for c in s):
        return "charset"
    return None


# --------------------------------------------------------------------------------------------------
# Section 6.3: text rule

BIDI = {0x200E, 0x200F} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
# Unicode White_Space property (PropList.txt)
WHITE_SPACE = (set(range(0x09, 0x0E)) | {0x20, 0x85, 0xA0, 0x1680} | set(range(0x2000, 0x200B))
               | {0x2028, 0x2029, 0x202F, 0x205F, 0x3000})


def misleading_char(ch: str) -> bool:
    """Section 6.3: a control character (Cc) or a bidirectional formatting character."""
    c = ord(ch)
    return c <= 0x1F or 0x7F <= c <= 0x9F or c in BIDI


def text_rule_ok(s: str, n: int) -> bool:
    if len(s) == 0:
        return False
    if len(s.encode("utf-8")) > n:
        return False
    return not any(misleading_char(ch) for ch in s)


def masked_name_ok(s: str) -> bool:
    if len(s) > 16:
        return False
    if "*" not in s:
        return False
    return any(ch != "*" and ord(ch) not in WHITE_SPACE for ch in s)


# --------------------------------------------------------------------------------------------------
# Section 6: claims

KIND_NAMES = {1: "health-code", 2: "social-security-card", 3: "business-licence",
              4: "food-business-licence", 5: "electronic-licence"}
KIND_MAX = {1: 5, 2: 6, 3: 7, 4: 7, 5: 7}
MAX_DATE = 2932896
HEALTH_STATUS = {0: "green", 1: "yellow", 2: "red"}

# Field tables: sub-key -> (json name, type, required)
#   types: uint, tstr, bstr, status, region, date, categories, extra
FIELDS = {
    1: {1: ("status", "status", True), 2: ("holder_name", "tstr", True), 3: ("holder_id", "bstr", False),
        4: ("region", "region", True), 5: ("reason", "tstr", False)},
    2: {1: ("card_number", "tstr", True), 2: ("holder_name", "tstr", True), 3: ("citizen_id", "tstr", True),
        4: ("region", "region", True), 5: ("issued", "date", True), 6: ("expires", "date", True)},
    3: {1: ("uscc", "tstr", True), 2: ("name", "tstr", True), 3: ("legal_representative", "tstr", True),
        4: ("entity_type", "tstr", True), 5: ("address", "tstr", True), 6: ("established", "date", True),
        7: ("authority", "tstr", True)},
    4: {1: ("licence_number", "tstr", True), 2: ("operator", "tstr", True),
        3: ("operator_uscc", "tstr", True), 4: ("address", "tstr", True),
        5: ("categories", "categories", True), 6: ("valid_from", "date", True),
        7: ("valid_until", "date", True)},
    5: {1: ("identifier", "tstr", True), 2: ("holder_name", "tstr", True), 3: ("holder_code", "tstr", True),
        4: ("authority_code", "tstr", True), 5: ("valid_from", "date", True),
        6: ("valid_until", "date", False), 7: ("extra", "extra", False)},
}


def _cnf_shape(v: CItem) -> bytes:
    """Section 6.9 shape check; returns the 32-byte x."""
    if v.kind != "map":
        fail("claims.wrong-type", "cnf is not a map")
    if len(v.value) != 1:
        fail("claims.invalid", "cnf must have exactly one entry")
    k, key = v.value[0]
    if not (k.kind == "uint" and k.value == 1) or key.kind != "map":
        fail("claims.invalid", "cnf is not {1: COSE_Key}")
    members = {}
    for mk, mv in key.value:
        if not mk.is_int():
            fail("claims.invalid", "COSE_Key member label not an integer")
        members[mk.value] = mv
    if set(members) != {1, -1, -2}:
        fail("claims.invalid", "COSE_Key members are not exactly kty, crv, x")
    if not (members[1].kind == "uint" and members[1].value == 1):
        fail("claims.invalid", "kty is not OKP")
    if not (members[-1].kind == "uint" and members[-1].value == 6):
        fail("claims.invalid", "crv is not Ed25519")
    if not (members[-2].kind == "bstr" and len(members[-2].value) == 32):
        fail("claims.invalid", "x is not a 32-byte byte string")
    return members[-2].value


def _date_str(days):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


def parse_claims(payload: bytes):
    """Section 6.6 steps 1-9. Returns the claims in the JSON form of section 6.7."""
    top = cbor_decode(payload)                                  # step 1
    if top.kind != "map":                                       # step 2
        fail("claims.wrong-type", "payload is not a map")
    iss = exp = nbf = iat = cti = cnf_x = status_ref = cred = None
    for k, v in top.value:                                      # step 3
        if not k.fits_i64():
            fail("claims.wrong-type", "claim key is not a 64-bit integer")
        key = k.value
        if key == 1:
            if v.kind != "tstr":
                fail("claims.wrong-type", "iss")
            iss = v.value
        elif key in (4, 5, 6):
            if v.kind != "uint":
                fail("claims.wrong-type", {4: "exp", 5: "nbf", 6: "iat"}[key])
            if key == 4:
                exp = v.value
            elif key == 5:
                nbf = v.value
            else:
                iat = v.value
        elif key == 7:
            if v.kind != "bstr":
                fail("claims.wrong-type", "cti")
            cti = v.value
        elif key == 8:
            cnf_x = _cnf_shape(v)
        elif key == -271:
            if v.kind != "array" or len(v.value) != 2 or any(e.kind != "uint" for e in v.value):
                fail("claims.wrong-type", "status reference")
            status_ref = (v.value[0].value, v.value[1].value)
        elif key == -270:
            cred = v
        else:
            fail("claims.unknown-key", "claim key %d" % key)
    if iat is None:                                             # step 4
        fail("claims.missing", "iat")
    if nbf is not None and nbf == iat:
        fail("claims.invalid", "nbf equals iat")
    if iss is None:                                             # step 5
        fail("claims.missing", "iss")
    if exp is None:
        fail("claims.missing", "exp")
    if cred is None:
        fail("claims.missing", "credential")
    if cred.kind != "map":                                      # step 6
        fail("claims.wrong-type", "credential claim is not a map")
    sub = {}
    for k, v in cred.value:
        if k.kind != "uint":
            fail("claims.wrong-type", "credential sub-key is not an unsigned integer")
        if k.value == 0 and v.kind != "uint":
            fail("claims.wrong-type", "kind")
        if k.value > 7:
            fail("claims.unknown-key", "credential sub-key %d" % k.value)
        sub[k.value] = v
    if 0 not in sub:
        fail("claims.missing", "kind")
    kind = sub[0].value
    if kind not in KIND_NAMES:
        fail("claims.unknown-kind", "kind %d" % kind)
    for sk in sub:
        if sk > KIND_MAX[kind]:
            fail("claims.unknown-key", "sub-key %d for kind %d" % (sk, kind))

    # Step 7: field extraction in sub-key order.
    table = FIELDS[kind]
    fields = {}
    order = list(range(1, KIND_MAX[kind] + 1))
    if kind == 4:  # presence and array type of categories first
        if 5 not in sub:
            fail("claims.missing", "categories")
        if sub[5].kind != "array":
            fail("claims.wrong-type", "categories")
    for sk in order:
        name, typ, required = table[sk]
        if sk not in sub:
            if required:
                fail("claims.missing", name)
            continue
        v = sub[sk]
        if typ == "tstr":
            if v.kind != "tstr":
                fail("claims.wrong-type", name)
            fields[name] = v.value
        elif typ == "bstr":
            if v.kind != "bstr":
                fail("claims.wrong-type", name)
            if kind == 1 and name == "holder_id" and len(v.value) == 0:
                fail("claims.invalid", "zero-length holder_id")
            fields[name] = v.value
        elif typ == "status":
            if v.kind != "uint":
                fail("claims.wrong-type", name)
            if v.value not in HEALTH_STATUS:
                fail("claims.invalid", "health status %d" % v.value)
            fields[name] = v.value
        elif typ == "region":
            if v.kind != "uint":
                fail("claims.wrong-type", name)
            if v.value > 2**32 - 1:
                fail("claims.invalid", "region above 2^32-1")
            fields[name] = v.value
        elif typ == "date":
            if v.kind != "uint":
                fail("claims.wrong-type", name)
            if v.value > 2**32 - 1 or v.value > MAX_DATE:
                fail("claims.invalid", "date %s out of range" % name)
            fields[name] = v.value
        elif typ == "categories":
            if v.kind != "array":
                fail("claims.wrong-type", name)
            if any(e.kind != "tstr" for e in v.value):
                fail("claims.wrong-type", "categories entry")
            fields[name] = [e.value for e in v.value]
        elif typ == "extra":
            if v.kind != "map":
                fail("claims.wrong-type", name)
            for ek, ev in v.value:
                if ek.kind != "tstr" or ev.kind != "tstr":
                    fail("claims.wrong-type", "extra entry")
            if len(v.value) == 0:
                fail("claims.invalid", "empty extra map")
            fields[name] = [(ek.value, ev.value) for ek, ev in v.value]

    # Step 8: value rules of the claims set.
    if not text_rule_ok(iss, 32):
        fail("claims.invalid", "iss text rule")
    if not exp > iat:
        fail("claims.invalid", "exp not after iat")
    if nbf is not None:
        if not nbf < exp:
            fail("claims.invalid", "nbf not before exp")
        if not nbf > iat:
            fail("claims.invalid", "nbf not after iat")
    if cti is not None and not (1 <= len(cti) <= 16):
        fail("claims.invalid", "cti length")
    if cnf_x is not None:
        try:
            load_public_key(cnf_x.hex())
        except VerifyError:
            fail("claims.invalid", "confirmation key")
    if kind == 1 and "holder_id" not in fields and cnf_x is None:
        fail("claims.invalid", "holder_id missing without cnf")

    # Step 9: value rules of the credential, in row order.
    def ident(name, reason):
        if reason:
            fail("identifier.invalid", "%s: %s" % (name, reason))

    def text(name, n):
        if not text_rule_ok(fields[name], n):
            fail("claims.invalid", "%s text rule" % name)

    if kind == 1:
        name = fields["holder_name"]
        if not text_rule_ok(name, 48) or not masked_name_ok(name):
            fail("claims.invalid", "holder_name")
        if "holder_id" in fields:
            hid = fields["holder_id"]
            if not (8 <= len(hid) <= 32):
                fail("claims.invalid", "holder_id length")
            if len(hid) == 18 and all(c < 0x80 for c in hid) and \
                    check_citizen_id(hid.decode("ascii"), allow_lower_x=True) is None:
                fail("claims.invalid", "holder_id is a citizen ID")
        ident("region", check_region(fields["region"]))
        if "reason" in fields:
            text("reason", 64)
    elif kind == 2:
        ident("card_number", check_code(fields["card_number"], 20, False))
        text("holder_name", 64)
        ident("citizen_id", check_citizen_id(fields["citizen_id"], allow_lower_x=False))
        ident("region", check_region(fields["region"]))
        if not fields["expires"] > fields["issued"]:
            fail("claims.invalid", "expires not after issued")
    elif kind == 3:
        ident("uscc", check_uscc(fields["uscc"]))
        text("name", 128)
        text("legal_representative", 64)
        text("entity_type", 64)
        text("address", 192)
        text("authority", 128)
    elif kind == 4:
        ident("licence_number", check_food_licence(fields["licence_number"]))
        text("operator", 128)
        ident("operator_uscc", check_uscc(fields["operator_uscc"]))
        text("address", 192)
        cats = fields["categories"]
        if not (1 <= len(cats) <= 16) or not all(text_rule_ok(c, 64) for c in cats):
            fail("claims.invalid", "categories")
        if fields["valid_until"] < fields["valid_from"]:
            fail("claims.invalid", "valid_until before valid_from")
    elif kind == 5:
        ident("identifier", check_licence_identifier(fields["identifier"]))
        text("holder_name", 128)
        ident("holder_code", check_code(fields["holder_code"], 32, True))
        ident("authority_code", check_code(fields["authority_code"], 32, True))
        if "valid_until" in fields and fields["valid_until"] < fields["valid_from"]:
            fail("claims.invalid", "valid_until before valid_from")
        if "extra" in fields:
            extra = fields["extra"]
            if not (1 <= len(extra) <= 16) or not all(text_rule_ok(k, 32) and text_rule_ok(v, 256)
                                                      for k, v in extra):
                fail("claims.invalid", "extra")

    # JSON form (section 6.7).
    out_fields = {}
    for sk in order:
        name, typ, _ = table[sk]
        if name not in fields:
            continue
        val = fields[name]
        if typ == "bstr":
            val = val.hex()
        elif typ == "status":
            val = HEALTH_STATUS[val]
        elif typ == "date":
            val = _date_str(val)
        elif typ == "extra":
            val = dict(val)
        out_fields[name] = val
    claims = {"issuer": iss, "issued_at": iat, "expires_at": exp}
    if nbf is not None:
        claims["not_before"] = nbf
    if cti is not None:
        claims["credential_id"] = cti.hex()
    if cnf_x is not None:
        claims["confirmation"] = cnf_x.hex()
    if status_ref is not None:
        claims["status"] = {"list_id": status_ref[0], "index": status_ref[1]}
    claims["credential"] = {"kind": KIND_NAMES[kind], "fields": out_fields}
    window = (exp, nbf if nbf is not None else iat)
    return claims, window


# --------------------------------------------------------------------------------------------------
# Section 2.2: the pipeline


def decode_text(text: str) -> bytes:
    """Stages 1-3 (sections 3.3-3.5): transport text -> COSE bytes."""
    raw = text.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_TEXT_LEN:
        fail("text.too-long", "%d bytes" % len(raw))
    if raw.startswith(b"YM1Z:"):
        return inflate(base45_decode(raw[5:]))
    if raw.startswith(b"YM1:"):
        return base45_decode(raw[4:])
    fail("prefix.unknown", "prefix %r" % raw[:5])


def verify_sig(raw, pt, msg, sig):
    """Strict Ed25519 (section 5.4), cross-checked with `cryptography`: OpenSSL omits step 3
    (small-order R), so it may accept what step 3 refuses; any other difference means the pure-Python
    code is wrong and is recorded in NOTES."""
    mine, step = ed25519_verify_strict(raw, pt, msg, sig)
    theirs = crypto_verify(raw, msg, sig)
    if theirs is not None and theirs != mine and step != 3:
        NOTES.append("cryptography says %s where section 5.4 says %s (step %s, key %s)"
                     % (theirs, mine, step, raw.hex()))
    return mine


def verify_with_candidates(protected, payload, sig, alg, kid, candidates):
    """Section 5.5 key lookup and section 5.4 signature over candidates [(kid, alg, raw, pt, ref)].
    Returns the `ref` of the first candidate that verifies."""
    found = [c for c in candidates if c[0] == kid]
    if not found:
        fail("key.unknown-kid", "kid %s" % kid.hex())
    found = [c for c in found if c[1] == alg]
    if not found:
        fail("key.alg-mismatch", "alg %d" % alg)
    msg = sig_structure(protected, payload)
    for _, _, raw, pt, ref in found:
        if verify_sig(raw, pt, msg, sig):
            return ref
    fail("signature.invalid", "no candidate key verifies")


def parse_cose(cose: bytes, expected_typ: str = None):
    """Stages 4-5 (sections 5.1-5.2). Returns (protected bytes, payload bytes, signature, alg, kid).
    With `expected_typ`, a typed object (status list token, trust bundle): the changes of section 5.7."""
    top = cbor_decode(cose)
    if top.kind != "tag":
        fail("cose.untagged", "no tag")
    if top.tag != 18:
        fail("cose.wrong-tag", "tag %d" % top.tag)
    arr = top.value
    if arr.kind != "array" or len(arr.value) != 4:
        fail("cose.structure", "not an array of 4")
    prot, unprot, payload, sig = arr.value
    if prot.kind != "bstr" or unprot.kind != "map" or payload.kind != "bstr" or sig.kind != "bstr" \
            or len(sig.value) != 64:
        fail("cose.structure", "element types")

    # Section 5.2
    if unprot.value:                                            # step 1
        label = unprot.value[0][0]
        if not label.fits_i64():
            fail("header.invalid", "unprotected label not an integer")
        if label.value in (1, 2, 4):
            fail("header.unprotected-not-empty", "label %d in the unprotected header" % label.value)
        fail("header.unknown-label", "unprotected label %d" % label.value)
    if len(prot.value) == 0:                                    # step 2
        fail("header.alg-missing", "zero-length protected header")
    hdr = cbor_decode(prot.value)                               # step 3
    if hdr.kind != "map":
        fail("header.invalid", "protected header is not a map")
    alg = kid = typ = None
    for k, v in hdr.value:                                      # step 4
        if not k.fits_i64():
            fail("header.invalid", "label is not a 64-bit integer")
        if k.value == 1:
            if not v.fits_i64():
                fail("header.invalid", "alg is not a 64-bit integer")
            alg = v.value
        elif k.value == 4:
            if v.kind != "bstr" or not (1 <= len(v.value) <= MAX_KID_BYTES):
                fail("header.invalid", "kid is not a 1-32 byte bstr")
            kid = v.value
        elif k.value == 2:
            if v.kind == "array" and len(v.value) > 0:
                fail("header.unknown-critical", "crit lists parameters")
            fail("header.invalid", "crit is not a non-empty array")
        elif k.value == 16 and expected_typ is not None:        # section 5.7
            if v.kind != "tstr":
                fail("header.invalid", "typ is not a text string")
            typ = v.value
        else:
            fail("header.unknown-label", "label %d" % k.value)
    if expected_typ is not None and typ != expected_typ:        # section 5.7, before step 5
        fail("header.invalid", "typ %r, expected %r" % (typ, expected_typ))
    if alg is None:                                             # step 5
        fail("header.alg-missing", "no alg")
    if alg not in RECOGNISED_ALGS:                              # step 6
        fail("header.alg-unknown", "alg %d" % alg)
    if kid is None:                                             # step 7
        fail("header.kid-missing", "no kid")
    return prot.value, payload.value, sig.value, alg, kid


def bstr_head(n):
    if n < 24:
        return bytes([0x40 | n])
    if n < 256:
        return bytes([0x58, n])
    if n < 65536:
        return bytes([0x59]) + n.to_bytes(2, "big")
    if n < 2**32:
        return bytes([0x5A]) + n.to_bytes(4, "big")
    return bytes([0x5B]) + n.to_bytes(8, "big")


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """Section 5.3, from the bytes as received."""
    return (b"\x84" + b"\x6aSignature1" + bstr_head(len(protected)) + protected + b"\x40"
            + bstr_head(len(payload)) + payload)


def load_keys(keys):
    """Trusted keys: list of (kid, alg, raw, point). A key refused on loading stops everything (§12.5)."""
    out = []
    for k in keys:
        raw, pt = load_public_key(k["public_key_hex"])
        kid = hashlib.sha256(raw).digest()[:4]  # section 5.5
        out.append((kid, k["alg"], raw, pt))
    return out


def verify(text: str, keys, now: int, leeway: int):
    """The whole pipeline. Returns (claims, cose bytes); raises VerifyError."""
    trusted = load_keys(keys)
    cose = decode_text(text)
    protected, payload, sig, alg, kid = parse_cose(cose)
    # Stages 6-7: key lookup (section 5.5) and signature (sections 5.3, 5.4)
    verify_with_candidates(protected, payload, sig, alg, kid, [k + (None,) for k in trusted])
    # Stages 8-9: claims and identifiers (section 6.6)
    claims, (exp, valid_from) = parse_claims(payload)
    # Stage 10: time (section 6.8), additions saturate at 2^64-1
    if now >= min(exp + leeway, U64_MAX):
        fail("time.expired", "now %d >= exp %d + leeway %d" % (now, exp, leeway))
    if min(now + leeway, U64_MAX) < valid_from:
        fail("time.not-yet-valid", "now %d + leeway %d < %d" % (now, leeway, valid_from))
    return claims, cose


# --------------------------------------------------------------------------------------------------
# Runner


def run_vector(vec):
    """Returns (ok, got, reason)."""
    note_count = len(NOTES)
    try:
        claims, cose = verify(vec["input"], vec["keys"], vec["now"], vec["leeway"])
        got, reason = "valid", ""
    except VerifyError as e:
        got, reason = e.code, e.reason
        claims = cose = None
    problems = []
    if got != vec["expected"]:
        problems.append(reason or "-")
    if got == "valid" and vec.get("claims") is not None and claims != vec["claims"]:
        problems.append("decoded claims differ: %s" % json.dumps(claims, ensure_ascii=False, sort_keys=True))
    if vec.get("cose_hex"):
        try:
            decoded = decode_text(vec["input"])
            if decoded.hex() != vec["cose_hex"]:
                problems.append("decoded COSE bytes differ from cose_hex")
        except VerifyError as e:
            problems.append("cose_hex given but the text does not decode (%s)" % e.code)
    for n in NOTES[note_count:]:
        problems.append("cross-check: " + n)
    return not problems, got, "; ".join(problems) or reason


def command_line(doc):
    """The command line of the interop verifiers: --repo, --verbose, and --yima / --work, which
    interop/run.sh passes to every check and these ignore (they run no yima code)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--repo", default=".", help="repository root (default: current directory)")
    ap.add_argument("--verbose", action="store_true", help="print every vector, not only disagreements")
    ap.add_argument("--yima", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    return ap.parse_args()


def read_vectors(repo, group):
    """The vectors of one group of test-vectors/index.json, in index order."""
    tv = os.path.join(repo, "test-vectors")
    with open(os.path.join(tv, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    out = []
    for p in index[group]:
        with open(os.path.join(tv, p), encoding="utf-8") as f:
            out.append(json.load(f))
    return out


def main():
    args = command_line(__doc__)
    vectors = read_vectors(args.repo, "vectors")
    skipped = []
    for vec in read_vectors(args.repo, "hostile"):
        if "bundle_hex" in vec or "file" in vec or "keys" not in vec or "input" not in vec:
            skipped.append(vec["name"])
            continue
        vectors.append(vec)
    passed = failed = 0
    for vec in vectors:
        ok, got, reason = run_vector(vec)
        if ok:
            passed += 1
            if args.verbose:
                print("ok   %s: %s" % (vec["name"], got))
        else:
            failed += 1
            print("FAIL %s: expected %s, got %s (%s)" % (vec["name"], vec["expected"], got, reason))
    print("skipped %d hostile vectors (image or venue cases)" % len(skipped))
    return totals("spec_verifier", passed, failed, len(skipped))


def totals(name, passed, failed, skipped):
    """The closing lines interop/run.sh counts; exit status 0 only when something ran and nothing failed."""
    print("TOTALS %s passed=%d failed=%d skipped=%d" % (name, passed, failed, skipped))
    print("%d passed, %d failed" % (passed, failed))
    if passed == 0:
        print("%s: no vector ran" % name)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
