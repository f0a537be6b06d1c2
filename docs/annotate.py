#!/usr/bin/env python3
"""Annotated hex dump of a yima test vector (see docs/format.md, sections 8 and 9).

Usage:
    python3 docs/annotate.py [VECTOR.json] [--section NAME ...]

VECTOR.json defaults to test-vectors/vectors/valid-health-code.json (relative to the repository root).
Sections: summary, hex, budget, sigstructure, whatif, qr (default: all, in that order).

The script uses only the Python 3 standard library, reads nothing but the vector file, and its output
depends only on that file, so it is deterministic. It re-derives everything from the vector's
`cose_hex` with its own small CBOR reader, and cross-checks the Base45 text against `input`; it does not
import or run any yima code. If the optional `cryptography` package is installed, the Ed25519 signature
is also checked against the vector's first key and the result is written to standard error (so that
standard output stays the same whether or not the package is present).
"""

import datetime
import hashlib
import json
import os
import sys
import zlib

# ----------------------------------------------------------------------------------------------------------
# Minimal strict CBOR reader that records byte offsets.

class Item:
    """A decoded CBOR data item with its position in the buffer."""

    def __init__(self, start, head_end, end, major, arg, value, children=None):
        self.start = start          # offset of the initial byte
        self.head_end = head_end    # offset just after the head (initial byte + argument bytes)
        self.end = end              # offset just after the whole item
        self.major = major
        self.arg = arg
        self.value = value          # int, bytes, str, list of Item, list of (Item, Item), (tag, Item), bool, None
        self.children = children

    @property
    def size(self):
        return self.end - self.start


def read_item(buf, pos, depth=0):
    if depth > 16:
        raise ValueError("too deep")
    ib = buf[pos]
    major, ai = ib >> 5, ib & 0x1F
    p = pos + 1
    if major == 7:
        simple = {20: False, 21: True, 22: None}
        if ai not in simple:
            raise ValueError("unsupported simple value / float at %d" % pos)
        return Item(pos, p, p, 7, ai, simple[ai])
    if ai < 24:
        arg = ai
    elif ai in (24, 25, 26, 27):
        n = 1 << (ai - 24)
        arg = int.from_bytes(buf[p:p + n], "big")
        if len(buf[p:p + n]) != n:
            raise ValueError("truncated")
        lower = {24: 24, 25: 0x100, 26: 0x10000, 27: 0x100000000}[ai]
        if arg < lower:
            raise ValueError("non-canonical argument at %d" % pos)
        p += n
    else:
        raise ValueError("indefinite length or reserved value at %d" % pos)
    head_end = p
    if major == 0:
        return Item(pos, head_end, p, 0, arg, arg)
    if major == 1:
        return Item(pos, head_end, p, 1, arg, -1 - arg)
    if major in (2, 3):
        data = buf[p:p + arg]
        if len(data) != arg:
            raise ValueError("truncated string")
        val = bytes(data) if major == 2 else data.decode("utf-8")
        return Item(pos, head_end, p + arg, major, arg, val)
    if major == 4:
        items = []
        for _ in range(arg):
            it = read_item(buf, p, depth + 1)
            items.append(it)
            p = it.end
        return Item(pos, head_end, p, 4, arg, items)
    if major == 5:
        pairs = []
        prev = None
        for _ in range(arg):
            k = read_item(buf, p, depth + 1)
            v = read_item(buf, k.end, depth + 1)
            kb = bytes(buf[k.start:k.end])
            if prev is not None and kb <= prev:
                raise ValueError("map keys not in canonical order / duplicate at %d" % k.start)
            prev = kb
            pairs.append((k, v))
            p = v.end
        return Item(pos, head_end, p, 5, arg, pairs)
    if major == 6:
        inner = read_item(buf, p, depth + 1)
        return Item(pos, head_end, inner.end, 6, arg, (arg, inner))
    raise ValueError("unreachable")


def decode(buf):
    it = read_item(buf, 0)
    if it.end != len(buf):
        raise ValueError("trailing bytes")
    return it


# ----------------------------------------------------------------------------------------------------------
# Minimal deterministic CBOR writer (for the what-if size estimates).

def head(major, arg):
    mt = major << 5
    if arg < 24:
        return bytes([mt | arg])
    if arg <= 0xFF:
        return bytes([mt | 24, arg])
    if arg <= 0xFFFF:
        return bytes([mt | 25]) + arg.to_bytes(2, "big")
    if arg <= 0xFFFFFFFF:
        return bytes([mt | 26]) + arg.to_bytes(4, "big")
    return bytes([mt | 27]) + arg.to_bytes(8, "big")


def enc(v):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode("utf-8")
        return head(3, len(b)) + b
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(enc(x) for x in v)
    if isinstance(v, dict):
        items = sorted((enc(k), enc(x)) for k, x in v.items())
        return head(5, len(items)) + b"".join(k + x for k, x in items)
    raise TypeError(type(v))


def to_py(it):
    if it.major == 4:
        return [to_py(x) for x in it.value]
    if it.major == 5:
        return {to_py(k): to_py(v) for k, v in it.value}
    if it.major == 6:
        raise ValueError("tag inside payload")
    return it.value


# ----------------------------------------------------------------------------------------------------------
# Base45 (RFC 9285)

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45encode(data):
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [B45[n % 45], B45[n // 45 % 45], B45[n // 2025]]
    if len(data) % 2:
        n = data[-1]
        out += [B45[n % 45], B45[n // 45]]
    return "".join(out)


def b45len(n):
    return n // 2 * 3 + n % 2 * 2


# ----------------------------------------------------------------------------------------------------------
# QR alphanumeric capacity (ISO/IEC 18004 data bits per version at levels L, M, Q, H; versions 1-16).

DATA_BITS = {
    "L": [152, 272, 440, 640, 864, 1088, 1248, 1552, 1856, 2192, 2592, 2960, 3424, 3688, 4184, 4712],
    "M": [128, 224, 352, 512, 688, 864, 992, 1232, 1456, 1728, 2032, 2320, 2672, 2920, 3320, 3624],
    "Q": [104, 176, 272, 384, 496, 608, 704, 880, 1056, 1232, 1440, 1648, 1952, 2088, 2360, 2600],
    "H": [72, 128, 208, 288, 368, 480, 528, 688, 800, 976, 1120, 1264, 1440, 1576, 1784, 2024],
}


def alnum_capacity(version, level):
    """Characters that fit in one alphanumeric-mode segment (mode 4 bits + count 9/11 bits)."""
    bits = DATA_BITS[level][version - 1] - 4 - (9 if version < 10 else 11)
    return bits // 11 * 2 + (1 if bits % 11 >= 6 else 0)


def smallest_version(chars, level="M"):
    for v in range(1, 17):
        if alnum_capacity(v, level) >= chars:
            return v
    return None


# ----------------------------------------------------------------------------------------------------------
# Names

HEADER_LABELS = {1: "alg", 2: "crit", 4: "kid"}
ALGS = {-8: "EdDSA", -7: "ES256", -19: "Ed25519"}
CLAIMS = {1: "iss", 4: "exp", 5: "nbf", 6: "iat", 7: "cti", -270: "credential (yima)", -271: "status reference (yima)"}
KINDS = {1: "health-code", 2: "social-security-card", 3: "business-licence",
         4: "food-business-licence", 5: "electronic-licence"}
FIELDS = {
    1: {1: "status", 2: "holder_name", 3: "holder_id", 4: "region", 5: "reason"},
    2: {1: "card_number", 2: "holder_name", 3: "citizen_id", 4: "region", 5: "issued", 6: "expires"},
    3: {1: "uscc", 2: "name", 3: "legal_representative", 4: "entity_type", 5: "address",
        6: "established", 7: "authority"},
    4: {1: "licence_number", 2: "operator", 3: "operator_uscc", 4: "address", 5: "categories",
        6: "valid_from", 7: "valid_until"},
    5: {1: "identifier", 2: "holder_name", 3: "holder_code", 4: "authority_code", 5: "valid_from",
        6: "valid_until", 7: "extra"},
}
DATE_FIELDS = {"issued", "expires", "established", "valid_from", "valid_until"}
STATUS = {0: "green", 1: "yellow", 2: "red"}


def rfc3339(secs):
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(days):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


def diag(it):
    """CBOR diagnostic notation (RFC 8949 section 8) of a whole item."""
    if it.major in (0, 1):
        return str(it.value)
    if it.major == 2:
        return "h'%s'" % it.value.hex()
    if it.major == 3:
        return json.dumps(it.value, ensure_ascii=False)
    if it.major == 4:
        return "[" + ", ".join(diag(x) for x in it.value) + "]"
    if it.major == 5:
        return "{" + ", ".join("%s: %s" % (diag(k), diag(v)) for k, v in it.value) + "}"
    if it.major == 6:
        return "%d(%s)" % (it.value[0], diag(it.value[1]))
    return {False: "false", True: "true", None: "null"}[it.value]


def head_diag(it):
    """Short description of an item's head."""
    return {0: "uint", 1: "nint", 2: "bstr(%d)", 3: "tstr(%d)", 4: "array(%d)", 5: "map(%d)",
            6: "tag(%d)"}.get(it.major, "simple") .replace("%d", str(it.arg))


# ----------------------------------------------------------------------------------------------------------
# Annotated dump

class Dump:
    def __init__(self, buf):
        self.buf = buf
        self.lines = []

    def emit(self, start, data, depth, text):
        hexs = data.hex()
        indent = "  " * depth
        chunks = [hexs[i:i + 32] for i in range(0, len(hexs), 32)] or [""]
        for n, chunk in enumerate(chunks):
            off = "%04x" % (start + 16 * n) if chunk or n == 0 else "    "
            label = text if n == 0 else ""
            self.lines.append(("%s  %-38s %s" % (off, indent + chunk, label)).rstrip())

    def scalar(self, it, depth, meaning):
        self.emit(it.start, self.buf[it.start:it.end], depth, "%s%s" % (diag(it), meaning and "  ; " + meaning))

    def string_item(self, it, depth, meaning):
        # head on one line, content on following lines (long strings wrap at 16 bytes)
        self.emit(it.start, self.buf[it.start:it.head_end], depth, "%s  ; %s" % (head_diag(it), meaning))
        if it.arg:
            content = self.buf[it.head_end:it.end]
            shown = diag(it) if it.major == 3 else "h'%s'" % (content.hex() if len(content) <= 12 else content[:6].hex() + "..." + content[-2:].hex())
            self.emit(it.head_end, content, depth + 1, shown)


def value_meaning(name, it):
    if name in ("exp", "nbf", "iat") and it.major == 0:
        return rfc3339(it.value)
    if name in DATE_FIELDS and it.major == 0:
        return day(it.value) + " (days since 1970-01-01)"
    if name == "status" and it.major == 0:
        return STATUS.get(it.value, "unknown")
    if name == "kind" and it.major == 0:
        return KINDS.get(it.value, "unknown")
    if name == "alg":
        return ALGS.get(it.value, "unknown")
    return ""


def dump_value(d, it, depth, name):
    meaning = value_meaning(name, it)
    if it.major in (2, 3):
        d.string_item(it, depth, name + (" = " + meaning if meaning else ""))
    elif it.major == 4:
        d.emit(it.start, d.buf[it.start:it.head_end], depth, "%s  ; %s" % (head_diag(it), name))
        for x in it.value:
            dump_value(d, x, depth + 1, name + " entry")
    elif it.major == 5:
        d.emit(it.start, d.buf[it.start:it.head_end], depth, "%s  ; %s" % (head_diag(it), name))
        for k, v in it.value:
            d.scalar(k, depth + 1, "key") if k.major != 3 else d.string_item(k, depth + 1, "key")
            dump_value(d, v, depth + 1, name + " value")
    else:
        d.scalar(it, depth, name + (" = " + meaning if meaning else ""))


def dump_map(d, it, depth, title, names, sub=None):
    d.emit(it.start, d.buf[it.start:it.head_end], depth, "%s  ; %s" % (head_diag(it), title))
    kind = None
    for k, v in it.value:
        key = k.value
        name = names.get(key, "unknown key %r" % (key,))
        d.scalar(k, depth + 1, "label/key %s" % name)
        if sub and key in sub:
            sub[key](d, v, depth + 1)
        else:
            if name == "kind":
                kind = v.value
            dump_value(d, v, depth + 1, name)
    return kind


def dump_credential(d, it, depth):
    kinds = [v.value for k, v in it.value if k.value == 0]
    kind = kinds[0] if kinds else None
    names = {0: "kind"}
    names.update(FIELDS.get(kind, {}))
    dump_map(d, it, depth, "credential map (kind %s)" % KINDS.get(kind, "?"), names)


def dump_cose(buf):
    d = Dump(buf)
    top = decode(buf)
    tag, arr = top.value
    d.emit(top.start, buf[top.start:top.head_end], 0, "tag(%d)  ; COSE_Sign1" % tag)
    d.emit(arr.start, buf[arr.start:arr.head_end], 0, "array(%d)  ; [protected, unprotected, payload, signature]" % arr.arg)
    prot, unprot, payload, sig = arr.value
    d.emit(prot.start, buf[prot.start:prot.head_end], 1, "bstr(%d)  ; protected header (serialized map follows)" % prot.arg)
    ph = read_item(buf, prot.head_end)
    dump_map(d, ph, 2, "protected header map", HEADER_LABELS)
    d.emit(unprot.start, buf[unprot.start:unprot.end], 1, "map(%d)  ; unprotected header (empty)" % unprot.arg)
    d.emit(payload.start, buf[payload.start:payload.head_end], 1, "bstr(%d)  ; payload: CWT claims set (serialized map follows)" % payload.arg)
    pl = read_item(buf, payload.head_end)
    dump_map(d, pl, 2, "CWT claims set", CLAIMS, {-270: dump_credential})
    d.emit(sig.start, buf[sig.start:sig.head_end], 1, "bstr(%d)  ; signature (Ed25519: R || S)" % sig.arg)
    r = buf[sig.head_end:sig.head_end + 32]
    s = buf[sig.head_end + 32:sig.end]
    d.emit(sig.head_end, r, 2, "R (32 bytes)")
    d.emit(sig.head_end + 32, s, 2, "S (32 bytes, little-endian scalar < L)")
    return d.lines


# ----------------------------------------------------------------------------------------------------------

def parts(buf):
    top = decode(buf)
    _, arr = top.value
    prot, unprot, payload, sig = arr.value
    return top, arr, prot, unprot, payload, sig


def sig_structure(protected, payload):
    return head(4, 4) + enc("Signature1") + enc(protected) + head(2, 0) + enc(payload)


def section_summary(v, buf):
    top, arr, prot, unprot, payload, sig = parts(buf)
    text = v["input"]
    prefix = text[:text.index(":") + 1]
    z = zlib.compress(buf, 9)
    out = ["## summary", ""]
    out.append("vector:                 %s" % v["name"])
    out.append("COSE_Sign1 bytes:       %d" % len(buf))
    out.append("  protected header:     %d bytes (bstr content)" % prot.arg)
    out.append("  payload:              %d bytes (bstr content)" % payload.arg)
    out.append("  signature:            %d bytes" % sig.arg)
    out.append("transport prefix:       %s" % prefix)
    zipped = 5 + b45len(len(z))
    if prefix == "YM1:":
        b45 = b45encode(buf)
        out.append("Base45 of COSE:         %d chars (matches input: %s)" % (len(b45), "yes" if b45 == text[4:] else "NO"))
    note = "not shorter than YM1:, so not used" if zipped >= 4 + b45len(len(buf)) else "shorter than YM1:"
    out.append("zlib (Python, level 9): %d bytes -> %d chars with YM1Z: (%s)" % (len(z), zipped, note))
    out.append("transport text:         %d chars" % len(text))
    for k in v.get("keys", []):
        pk = bytes.fromhex(k["public_key_hex"])
        out.append("key %s: SHA-256(pk)[0:4] = %s" % (k["kid"], hashlib.sha256(pk).digest()[:4].hex()))
    return out


def section_hex(v, buf):
    out = ["## hex", "", ("%-4s  %-38s %s" % ("off", "bytes", "diagnostic notation  ; meaning"))]
    out += dump_cose(buf)
    return out


def section_budget(v, buf):
    top, arr, prot, unprot, payload, sig = parts(buf)
    pl = read_item(buf, payload.head_end)
    rows = []
    rows.append(("COSE_Sign1 tag 18", top.head_end - top.start, "`%s`" % buf[top.start:top.head_end].hex()))
    rows.append(("array(4) header", arr.head_end - arr.start, "`%s`" % buf[arr.start:arr.head_end].hex()))
    rows.append(("protected header: bstr header", prot.head_end - prot.start, "`%s`" % buf[prot.start:prot.head_end].hex()))
    ph = read_item(buf, prot.head_end)
    rows.append(("protected header: map(2) header", ph.head_end - ph.start, "`%s`" % buf[ph.start:ph.head_end].hex()))
    for k, val in ph.value:
        rows.append(("protected header: %s" % HEADER_LABELS.get(k.value, k.value), val.end - k.start,
                     "`%s`" % buf[k.start:val.end].hex()))
    rows.append(("unprotected header (empty map)", unprot.size, "`%s`" % buf[unprot.start:unprot.end].hex()))
    rows.append(("payload: bstr header", payload.head_end - payload.start, "`%s`" % buf[payload.start:payload.head_end].hex()))
    rows.append(("claims map header", pl.head_end - pl.start, "`%s`" % buf[pl.start:pl.head_end].hex()))
    for k, val in pl.value:
        name = CLAIMS.get(k.value, str(k.value))
        if k.value == -270:
            rows.append(("claim -270 key", k.size, "`%s`" % buf[k.start:k.end].hex()))
            rows.append(("credential map header", val.head_end - val.start, "`%s`" % buf[val.start:val.head_end].hex()))
            kind = [x.value for kk, x in val.value if kk.value == 0][0]
            names = {0: "kind"}
            names.update(FIELDS[kind])
            for ck, cv in val.value:
                rows.append(("  credential %d %s" % (ck.value, names.get(ck.value, "?")), cv.end - ck.start,
                             "`%s`" % buf[ck.start:cv.end].hex()))
        else:
            rows.append(("claim %d %s" % (k.value, name), val.end - k.start, "`%s`" % buf[k.start:val.end].hex()))
    rows.append(("signature: bstr header", sig.head_end - sig.start, "`%s`" % buf[sig.start:sig.head_end].hex()))
    rows.append(("signature: Ed25519 R then S", sig.arg, "64 bytes"))
    total = sum(r[1] for r in rows)
    out = ["## budget", "", "| part | bytes | encoding |", "|---|---:|---|"]
    out += ["| %s | %d | %s |" % r for r in rows]
    out.append("| **COSE_Sign1 total** | **%d** | |" % total)
    assert total == len(buf), (total, len(buf))
    n45 = b45len(len(buf))
    out.append("| Base45 characters | %d | 3 per 2 bytes, 2 for a final odd byte |" % n45)
    out.append("| + prefix `YM1:` | %d | |" % (n45 + 4))
    out.append("")
    return out


def section_sigstructure(v, buf):
    top, arr, prot, unprot, payload, sig = parts(buf)
    p = buf[prot.head_end:prot.end]
    m = buf[payload.head_end:payload.end]
    ss = sig_structure(p, m)
    out = ["## sigstructure", ""]
    out.append("length: %d bytes" % len(ss))
    out.append("")
    hexs = ss.hex()
    for i in range(0, len(hexs), 64):
        out.append(hexs[i:i + 64])
    out.append("")
    o = 0
    pieces = [("84", "array(4)"), ("6a", "tstr(10)"), (b"Signature1".hex(), '"Signature1"  ; context'),
              (head(2, len(p)).hex(), "bstr(%d)  ; body_protected: the received protected-header bytes" % len(p)),
              (p.hex(), ""), ("40", "bstr(0)  ; external_aad = h''"),
              (head(2, len(m)).hex(), "bstr(%d)  ; payload: the received payload bytes" % len(m)),
              (m.hex()[:24] + "..." + m.hex()[-4:], "")]
    for h, t in pieces:
        out.append(("%-40s %s" % (h, t)).rstrip())
    return out


def filler(n, label):
    """Deterministic incompressible-looking bytes (so zlib estimates are not flattered by zeros)."""
    return hashlib.sha256(label.encode()).digest()[:n] if n <= 32 else hashlib.sha512(label.encode()).digest()[:n]


def section_whatif(v, buf):
    """Size of variants of the reference credential. Each variant is checked to be one where zlib does not
    make the text shorter (Python's zlib at level 9 stands in for the issuer's compressor), so the
    transport text is YM1: + Base45."""
    top, arr, prot, unprot, payload, sig = parts(buf)
    claims = to_py(read_item(buf, payload.head_end))
    ph = to_py(read_item(buf, prot.head_end))

    def size(c, kid=None):
        p = enc({1: ph[1], 4: kid if kid is not None else ph[4]})
        m = enc(c)
        cose = head(6, 18) + head(4, 4) + enc(p) + b"\xa0" + enc(m) + enc(bytes(buf[sig.head_end:sig.end]))
        plain = 4 + b45len(len(cose))
        zipped = 5 + b45len(len(zlib.compress(cose, 9)))
        assert zipped >= plain, "zlib would win for this variant; the table assumes it does not"
        return len(cose), plain

    def variant(f):
        c = json.loads(json.dumps(claims, default=lambda b: b.hex()))  # deep copy via JSON (keys become str)
        c = {int(k): v for k, v in c.items()}
        c[-270] = {int(k): v for k, v in c[-270].items()}
        c[7] = bytes.fromhex(c[7]) if 7 in c else None
        c[-270][3] = bytes.fromhex(c[-270][3])
        if c[7] is None:
            del c[7]
        f(c)
        return c

    def setk(d, k, val):
        d[k] = val

    cases = [
        ("reference credential", lambda c: None, None),
        ("without `cti` (`--no-id`)", lambda c: c.pop(7), None),
        ("with `nbf` (+6 bytes)", lambda c: setk(c, 5, c[6] + 3600), None),
        ("8-byte kid instead of 4", lambda c: None, filler(8, "kid8")),
        ("8-byte kid and `nbf`", lambda c: setk(c, 5, c[6] + 3600), filler(8, "kid8")),
        ("16-byte kid (hypothetical)", lambda c: None, filler(16, "kid16")),
        ("issuer `SH` -> 8-byte issuer", lambda c: setk(c, 1, "SH-HLTH1"), None),
        ("issuer `SH` -> 9-byte issuer", lambda c: setk(c, 1, "SH-HLTH01"), None),
        ("issuer `上海市卫健委` (15 bytes)", lambda c: setk(c, 1, "上海市卫健委"), None),
        ("issuer of 32 bytes (maximum)", lambda c: setk(c, 1, "SHANGHAI-HEALTH-COMMISSION-2026A"), None),
        ("16-byte `cti`", lambda c: setk(c, 7, filler(16, "cti16")), None),
        ("16-byte holder_id", lambda c: setk(c[-270], 3, filler(16, "hid16")), None),
        ("32-byte holder_id (maximum)", lambda c: setk(c[-270], 3, filler(32, "hid32")), None),
        ("reason `密接` (6 bytes)", lambda c: setk(c[-270], 5, "密接"), None),
        ("holder_name `欧阳*` (7 bytes)", lambda c: setk(c[-270], 2, "欧阳*"), None),
        ("status reference `[1, 42]` (-271)", lambda c: setk(c, -271, [1, 42]), None),
        ("status reference `[1, 1000000]`", lambda c: setk(c, -271, [1, 1000000]), None),
        ("status reference `[1, 1000000]`, no `cti`", lambda c: (setk(c, -271, [1, 1000000]), c.pop(7)), None),
    ]
    out = ["## whatif", "", "| variant | COSE bytes | text chars | fits version 8-M (221)? | smallest version at M |",
           "|---|---:|---:|---|---:|"]
    for title, f, kid in cases:
        c = variant(f)
        n, t = size(c, kid)
        out.append("| %s | %d | %d | %s | %s |" % (title, n, t, "yes (margin %d)" % (221 - t) if t <= 221 else "**no**",
                                                smallest_version(t)))
    out.append("")
    return out


def section_qr(v, buf):
    out = ["## qr", "", "| version | modules | L | M | Q | H |", "|---:|---:|---:|---:|---:|---:|"]
    for ver in range(1, 17):
        out.append("| %d | %d | %d | %d | %d | %d |" % (ver, 17 + 4 * ver, *(alnum_capacity(ver, l) for l in "LMQH")))
    t = len(v["input"])
    out.append("")
    out.append("text of %d chars: smallest version at M = %s" % (t, smallest_version(t)))
    return out


SECTIONS = {"summary": section_summary, "hex": section_hex, "budget": section_budget,
            "sigstructure": section_sigstructure, "whatif": section_whatif, "qr": section_qr}


def check_signature(v, buf):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        print("signature: not checked (python package `cryptography` not installed)", file=sys.stderr)
        return
    top, arr, prot, unprot, payload, sig = parts(buf)
    ss = sig_structure(buf[prot.head_end:prot.end], buf[payload.head_end:payload.end])
    for k in v.get("keys", []):
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(k["public_key_hex"])).verify(
                bytes(buf[sig.head_end:sig.end]), ss)
            print("signature: verifies with key %s" % k["kid"], file=sys.stderr)
        except Exception:  # noqa: BLE001 - any failure means "does not verify"
            print("signature: does NOT verify with key %s" % k["kid"], file=sys.stderr)


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "test-vectors", "vectors", "valid-health-code.json")
    wanted = []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--section":
            wanted.append(args.pop(0))
        else:
            path = a
    with open(path, encoding="utf-8") as f:
        v = json.load(f)
    buf = bytes.fromhex(v["cose_hex"])
    for name in wanted or list(SECTIONS):
        print("\n".join(SECTIONS[name](v, buf)))
        print()
    check_signature(v, buf)


if __name__ == "__main__":
    main(sys.argv[1:])
