#!/usr/bin/env python3
"""Annotated hex dumps and size tables for yima test vectors (see docs/format.md).

Usage:
    python3 docs/annotate.py [VECTOR.json] [--section NAME ...]

VECTOR.json defaults to test-vectors/vectors/valid-health-code.json (relative to the repository root).

For a credential vector (test-vectors/vectors/*.json, which has `cose_hex`), the sections are
    summary, hex, budget, sigstructure, whatif, qr                      (default: all, in that order)
For a venue vector (test-vectors/venue/*.json, which has `bundle_hex`), the sections are
    venue, bundle, statuslist, presentation                             (default: all, in that order;
                                                                         `presentation` only for YP1: inputs)

The script uses only the Python 3 standard library, reads nothing but the vector file, and its output
depends only on that file, so it is deterministic. It re-derives everything from the vector's bytes
with its own small CBOR reader and Base45 codec; it does not import or run any yima code. If the
optional `cryptography` package is installed, the Ed25519 signatures (credential, trust bundle, status
lists, device signature of a presentation) are also checked and the results are written to standard
error (so that standard output stays the same whether or not the package is present).
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

HEADER_LABELS = {1: "alg", 2: "crit", 4: "kid", 16: "typ"}
ALGS = {-8: "EdDSA", -7: "ES256", -19: "Ed25519"}
CLAIMS = {1: "iss", 4: "exp", 5: "nbf", 6: "iat", 7: "cti", 8: "cnf", -270: "credential (yima)",
          -271: "status reference (yima)"}
COSE_KEY = {1: "kty", -1: "crv", -2: "x"}
BUNDLE_KEYS = {1: "version", 2: "seq", 3: "iat", 4: "exp", 5: "issuers", 6: "status lists"}
ISSUER_KEYS = {1: "name", 2: "kid", 3: "alg", 4: "public key", 5: "kinds", 6: "key valid from",
               7: "key valid until"}
STATUS_CLAIMS = {2: "sub", 4: "exp", 6: "iat", 65533: "status_list", 65534: "ttl"}
LIST_STATUS = {0: "valid", 1: "revoked", 2: "suspended", 3: "changed"}
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
    """Collects annotated lines. With `abbrev` set, the content of a byte string longer than `abbrev`
    bytes is shown on one line as its first 8 and last 4 bytes (the offsets stay exact)."""

    def __init__(self, buf, abbrev=None, width=38):
        self.buf = buf
        self.lines = []
        self.abbrev = abbrev
        self.width = width

    def emit(self, start, data, depth, text):
        hexs = data.hex()
        indent = "  " * depth
        if self.abbrev and len(data) > self.abbrev:
            chunks = ["%s..%s" % (data[:8].hex(), data[-4:].hex())]
        else:
            chunks = [hexs[i:i + 32] for i in range(0, len(hexs), 32)] or [""]
        for n, chunk in enumerate(chunks):
            off = "%04x" % (start + 16 * n) if chunk or n == 0 else "    "
            label = text if n == 0 else ""
            self.lines.append(("%s  %-*s %s" % (off, self.width, indent + chunk, label)).rstrip())

    def scalar(self, it, depth, meaning):
        self.emit(it.start, self.buf[it.start:it.end], depth, "%s%s" % (diag(it), meaning and "  ; " + meaning))

    def string_item(self, it, depth, meaning):
        # head on one line, content on following lines (long strings wrap at 16 bytes)
        self.emit(it.start, self.buf[it.start:it.head_end], depth, "%s  ; %s" % (head_diag(it), meaning))
        if it.arg:
            content = self.buf[it.head_end:it.end]
            shown = diag(it) if it.major == 3 else "h'%s'" % (content.hex() if len(content) <= 12 else content[:6].hex() + "..." + content[-2:].hex())
            if self.abbrev and len(content) > self.abbrev:
                shown = "(%d bytes)" % len(content) if it.major == 2 else shown
            self.emit(it.head_end, content, depth + 1, shown)


def value_meaning(name, it):
    if name in ("exp", "nbf", "iat", "key valid from", "key valid until") and it.major == 0:
        return rfc3339(it.value)
    if name == "ttl" and it.major == 0:
        return "%d s" % it.value
    if name == "kinds entry" and it.major == 0:
        return KINDS.get(it.value, "unknown")
    if name == "kty" and it.major == 0:
        return {1: "OKP"}.get(it.value, "unknown")
    if name == "crv" and it.major == 0:
        return {6: "Ed25519"}.get(it.value, "unknown")
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


def dump_cnf(d, it, depth):
    """cnf (RFC 8747): {1: COSE_Key}, COSE_Key {1: kty, -1: crv, -2: x}."""
    d.emit(it.start, d.buf[it.start:it.head_end], depth, "%s  ; cnf" % head_diag(it))
    for k, v in it.value:
        d.scalar(k, depth + 1, "label/key COSE_Key (RFC 8747)")
        dump_map(d, v, depth + 1, "COSE_Key (RFC 9052 section 7)", COSE_KEY)


def dump_claims(d, it, depth):
    dump_map(d, it, depth, "CWT claims set", CLAIMS, {-270: dump_credential, 8: dump_cnf})


def dump_sign1(d, top, depth, payload_title, payload_fn, title="COSE_Sign1"):
    """A tagged COSE_Sign1 found at `top` (an Item of d.buf); the payload is dumped by payload_fn."""
    buf = d.buf
    tag, arr = top.value
    d.emit(top.start, buf[top.start:top.head_end], depth, "tag(%d)  ; %s" % (tag, title))
    d.emit(arr.start, buf[arr.start:arr.head_end], depth, "array(%d)  ; [protected, unprotected, payload, signature]" % arr.arg)
    prot, unprot, payload, sig = arr.value
    d.emit(prot.start, buf[prot.start:prot.head_end], depth + 1, "bstr(%d)  ; protected header (serialized map follows)" % prot.arg)
    ph = read_item(buf, prot.head_end)
    dump_map(d, ph, depth + 2, "protected header map", HEADER_LABELS)
    d.emit(unprot.start, buf[unprot.start:unprot.end], depth + 1, "map(%d)  ; unprotected header (empty)" % unprot.arg)
    d.emit(payload.start, buf[payload.start:payload.head_end], depth + 1, "bstr(%d)  ; payload: %s (serialized map follows)" % (payload.arg, payload_title))
    payload_fn(d, read_item(buf, payload.head_end), depth + 2)
    d.emit(sig.start, buf[sig.start:sig.head_end], depth + 1, "bstr(%d)  ; signature (Ed25519: R || S)" % sig.arg)
    r = buf[sig.head_end:sig.head_end + 32]
    s = buf[sig.head_end + 32:sig.end]
    d.emit(sig.head_end, r, depth + 2, "R (32 bytes)")
    d.emit(sig.head_end + 32, s, depth + 2, "S (32 bytes, little-endian scalar < L)")


def dump_cose(buf):
    d = Dump(buf)
    dump_sign1(d, decode(buf), 0, "CWT claims set", dump_claims)
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

    cnf = {1: {1: 1, -1: 6, -2: filler(32, "cnf")}}  # RFC 8747 cnf with an Ed25519 COSE_Key

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
        ("`cnf` device key (+43 bytes), no `cti`", lambda c: (setk(c, 8, cnf), c.pop(7)), None),
        ("`cnf`, no `cti`, no holder_id", lambda c: (setk(c, 8, cnf), c.pop(7), c[-270].pop(3)), None),
        ("`cnf` and status reference `[1, 1000000]`, no `cti`",
         lambda c: (setk(c, 8, cnf), setk(c, -271, [1, 1000000]), c.pop(7)), None),
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


# ----------------------------------------------------------------------------------------------------------
# Venue vectors: trust bundle, status list tokens, dynamic presentations (docs/format.md sections 14-17)

def b45decode(text):
    """Strict Base45 (RFC 9285) decoding, as in docs/format.md section 3.4."""
    if len(text) % 3 == 1:
        raise ValueError("Base45 length mod 3 is 1")
    out = bytearray()
    for i in range(0, len(text), 3):
        group = text[i:i + 3]
        vals = [B45.index(c) for c in group]  # ValueError for a character outside the alphabet
        n = sum(x * 45 ** j for j, x in enumerate(vals))
        if n > (0xFFFF if len(group) == 3 else 0xFF):
            raise ValueError("Base45 group out of range")
        out += n.to_bytes(2 if len(group) == 3 else 1, "big")
    return bytes(out)


def read_sequence(buf):
    """A CBOR sequence (RFC 8742): consecutive items filling the buffer."""
    items, p = [], 0
    while p < len(buf):
        it = read_item(buf, p)
        items.append(it)
        p = it.end
    return items


def sign1_parts(buf, top):
    """(protected item, unprotected, payload, signature, decoded header, decoded payload) of a COSE_Sign1."""
    _, arr = top.value
    prot, unprot, payload, sig = arr.value
    return prot, unprot, payload, sig, read_item(buf, prot.head_end), read_item(buf, payload.head_end)


def kid_of(pk):
    return hashlib.sha256(pk).digest()[:4]


def dump_status_list_map(d, it, depth):
    d.emit(it.start, d.buf[it.start:it.head_end], depth, "%s  ; status_list" % head_diag(it))
    for k, v in it.value:
        d.scalar(k, depth + 1, "key")
        if k.value == "lst":
            inflated = zlib.decompress(v.value)
            d.string_item(v, depth + 1, "lst: zlib stream of the bit array (%d bytes inflated = %d entries)"
                          % (len(inflated), 4 * len(inflated)))
        else:
            d.scalar(v, depth + 1, "%s per entry" % k.value if k.value == "bits" else "")


def dump_status_claims(d, it, depth):
    dump_map(d, it, depth, "status list claims", STATUS_CLAIMS, {65533: dump_status_list_map})


def dump_bundle_payload(d, it, depth, expand=1):
    buf = d.buf
    d.emit(it.start, buf[it.start:it.head_end], depth, "%s  ; trust bundle payload" % head_diag(it))
    for k, v in it.value:
        name = BUNDLE_KEYS.get(k.value, "unknown key %r" % (k.value,))
        d.scalar(k, depth + 1, "label/key %s" % name)
        if k.value == 5:
            d.emit(v.start, buf[v.start:v.head_end], depth + 1, "%s  ; issuers" % head_diag(v))
            for n, iss in enumerate(v.value, 1):
                names = [x.value for kk, x in iss.value if kk.value == 1]
                dump_map(d, iss, depth + 2, "issuer %d (%s)" % (n, names[0] if names else "?"), ISSUER_KEYS)
        elif k.value == 6:
            d.emit(v.start, buf[v.start:v.head_end], depth + 1, "%s  ; signed status list tokens" % head_diag(v))
            for n, tok in enumerate(v.value, 1):
                inner = read_item(buf, tok.head_end)
                sub = to_py(sign1_parts(buf, inner)[5]).get(2)
                d.emit(tok.start, buf[tok.start:tok.head_end], depth + 2,
                       "bstr(%d)  ; status list token %d, %s (COSE_Sign1 follows)" % (tok.arg, n, sub))
                if n <= expand:
                    dump_sign1(d, inner, depth + 3, "status list claims", dump_status_claims,
                               "COSE_Sign1 (status list token)")
                else:
                    d.emit(tok.head_end, buf[tok.head_end:tok.end], depth + 3,
                           "(%d bytes: same layout as token 1)" % tok.arg)
        else:
            dump_value(d, v, depth + 1, name)


def venue_bundle(v):
    buf = bytes.fromhex(v["bundle_hex"])
    top = decode(buf)
    prot, unprot, payload, sig, ph, pl = sign1_parts(buf, top)
    return buf, top, to_py(ph), to_py(pl)


def token_info(tok):
    top = decode(tok)
    prot, unprot, payload, sig, ph, pl = sign1_parts(tok, top)
    c = to_py(pl)
    sl = c[65533]
    bits = zlib.decompress(sl["lst"])
    ends = [x for x in (c.get(4), c[6] + c[65534] if 65534 in c else None) if x is not None]
    return {"header": to_py(ph), "claims": c, "bits": bits, "stale_after": min(ends) if ends else None}


def section_venue(v, _buf):
    buf, top, ph, b = venue_bundle(v)
    policy = v["policy"]
    skew = policy.get("clock_skew", 300)
    now = v["now"]
    out = ["## venue", ""]
    out.append("vector:            %s (expected %s, stage %s)" % (v["name"], v["expected"], v["stage"]))
    out.append("now:               %d = %s" % (now, rfc3339(now)))
    out.append("trust bundle:      %d bytes; protected header %s" % (len(buf), diag(decode(enc(ph)))))
    pinned = bytes.fromhex(v["bundle_key_hex"])
    out.append("pinned key:        kid SHA-256(pk)[0:4] = %s (bundle kid %s: %s)" % (
        kid_of(pinned).hex(), ph[4].hex(), "match" if kid_of(pinned) == ph[4] else "NO MATCH"))
    out.append("bundle payload:    version %d, seq %d, iat %s, exp %s" % (b[1], b[2], rfc3339(b[3]), rfc3339(b[4])))
    for i in b[5]:
        out.append("  issuer %-5s kid %s (SHA-256(pk)[0:4] %s), kinds %s, key valid %s .. %s" % (
            i[1], i[2].hex(), "matches" if kid_of(i[4]) == i[2] else "DOES NOT MATCH",
            ",".join(KINDS.get(k, str(k)) for k in i[5]), rfc3339(i[6]), rfc3339(i[7])))
    for n, tok in enumerate(b.get(6, []), 1):
        t = token_info(tok)
        c = t["claims"]
        out.append("  status list %d:   %d bytes, kid %s, sub %s, iat %s, exp %s, ttl %s, stale from %s, %d entries" % (
            n, len(tok), t["header"][4].hex(), c[2], rfc3339(c[6]), rfc3339(c[4]) if 4 in c else "-",
            c.get(65534, "-"), rfc3339(t["stale_after"]) if t["stale_after"] else "never", 4 * len(t["bits"])))
    mba = policy.get("max_bundle_age")
    if b[3] > now + skew:
        verdict = "bundle.from-future"
    elif now >= b[4] + skew or (mba is not None and now > b[3] + mba + skew):
        verdict = "bundle.stale"
    elif v["accepted_seq"] is not None and b[2] < v["accepted_seq"]:
        verdict = "bundle.rollback"
    else:
        verdict = "pass"
    out.append("bundle time and sequence checks (skew %d s, max_bundle_age %s, accepted seq %s): %s"
               " (signatures are not checked here)" % (skew, mba, v["accepted_seq"], verdict))
    text = v["input"]
    out.append("input:             %s..., %d chars, smallest QR version at M = %s" % (
        text[:text.index(":") + 1], len(text), smallest_version(len(text))))
    return out


def section_bundle(v, _buf):
    buf, top, ph, b = venue_bundle(v)
    d = Dump(buf, abbrev=16, width=46)
    dump_sign1(d, top, 0, "trust bundle", dump_bundle_payload, "COSE_Sign1 (trust bundle)")
    out = ["## bundle", "", "%d bytes; byte strings over 16 bytes are shown as first 8 .. last 4 bytes" % len(buf), ""]
    out.append("%-4s  %-46s %s" % ("off", "bytes", "diagnostic notation  ; meaning"))
    return out + d.lines


def section_statuslist(v, _buf):
    buf, top, ph, b = venue_bundle(v)
    out = ["## statuslist", ""]
    for n, tok in enumerate(b.get(6, []), 1):
        t = token_info(tok)
        c = t["claims"]
        out.append("status list token %d (%d bytes): %s" % (n, len(tok), c[2]))
        hexs = tok.hex()
        out += [hexs[i:i + 64] for i in range(0, len(hexs), 64)]
        bits = t["bits"]
        out.append("lst: %d bytes of zlib -> %d bytes: %s" % (len(c[65533]["lst"]), len(bits), bits.hex()))
        out.append("byte 0 = 0x%02x = 0b%s: entries 0..3 (entry i in bits 2i, 2i+1, least significant first)"
                   % (bits[0], format(bits[0], "08b")))
        entries = [(bits[i // 4] >> (2 * (i % 4))) & 3 for i in range(4 * len(bits))]
        shown = ", ".join("%d=%s" % (i, LIST_STATUS[s]) for i, s in enumerate(entries[:8]))
        out.append("entries: %s, ... (%d entries; %d not valid)" % (shown, len(entries), sum(1 for s in entries if s)))
        out.append("")
    return out


def presentation_parts(text):
    body = b45decode(text[4:])
    return body, read_sequence(body)


def presentation_signed_bytes(cose, ctx):
    t, venue = (ctx, None) if isinstance(ctx, int) else (ctx[0], ctx[1])
    return enc(["yima-presentation-1", hashlib.sha256(cose).digest(), t, venue])


def section_presentation(v, _buf):
    text = v["input"]
    out = ["## presentation", ""]
    if not text.startswith("YP1:"):
        return out + ["(the input of this vector is not a YP1: presentation)"]
    body, items = presentation_parts(text)
    if len(items) != 4:
        return out + ["%d bytes in %d CBOR items instead of 4: presentation.malformed (§17.6 step 1.4)"
                      % (len(body), len(items))]
    cred, ctx, tag, sig = items
    cose = body[cred.start:cred.end]
    digest = hashlib.sha256(cose).digest()
    out.append("text: %d chars = 4 (YP1:) + %d Base45 chars of %d bytes; smallest QR version at M = %s "
               "(M capacity: v11 %d, v12 %d, v13 %d)" % (len(text), len(text) - 4, len(body),
                                                        smallest_version(len(text)), alnum_capacity(11, "M"),
                                                        alnum_capacity(12, "M"), alnum_capacity(13, "M")))
    out.append("items: credential %d bytes, context %d, digest tag %d, device signature %d" % (
        cred.size, ctx.size, tag.size, sig.size))
    out.append("SHA-256(credential) = %s; tag %s: %s" % (
        digest.hex(), tag.value.hex(), "matches" if digest[:4] == tag.value else "DOES NOT MATCH"))
    out.append("")
    d = Dump(body, abbrev=16, width=42)
    dump_sign1(d, cred, 0, "CWT claims set", dump_claims, "COSE_Sign1 (item 1: the credential, as issued)")
    if ctx.major == 0:
        d.scalar(ctx, 0, "item 2: context = presentation time t = %s" % rfc3339(ctx.value))
    else:
        d.emit(ctx.start, body[ctx.start:ctx.head_end], 0, "%s  ; item 2: context [t, venue]" % head_diag(ctx))
        d.scalar(ctx.value[0], 1, "t = %s" % rfc3339(ctx.value[0].value))
        d.string_item(ctx.value[1], 1, "venue id")
    d.string_item(tag, 0, "item 3: digest tag = SHA-256(item 1)[0..4]")
    d.emit(sig.start, body[sig.start:sig.head_end], 0, "bstr(64)  ; item 4: device signature (Ed25519: R || S)")
    d.emit(sig.head_end, body[sig.head_end:sig.head_end + 32], 1, "R (32 bytes)")
    d.emit(sig.head_end + 32, body[sig.head_end + 32:sig.end], 1, "S (32 bytes)")
    out.append("%-4s  %-42s %s" % ("off", "bytes", "diagnostic notation  ; meaning"))
    out += d.lines
    out.append("")
    signed = presentation_signed_bytes(cose, to_py(ctx))
    out.append("bytes signed by the device (%d bytes):" % len(signed))
    hexs = signed.hex()
    out += [hexs[i:i + 64] for i in range(0, len(hexs), 64)]
    s = Dump(signed)
    top = decode(signed)
    s.emit(0, signed[:1], 0, "array(4)")
    ctx_it, dig_it, t_it, venue_it = top.value
    s.string_item(ctx_it, 1, "context string")
    s.emit(dig_it.start, signed[dig_it.start:dig_it.head_end], 1, "bstr(32)  ; SHA-256 of the credential's COSE bytes")
    s.emit(dig_it.head_end, signed[dig_it.head_end:dig_it.end], 2, "")
    s.scalar(t_it, 1, "t = %s" % rfc3339(t_it.value))
    if venue_it.major == 7:
        s.scalar(venue_it, 1, "venue: none")
    else:
        s.string_item(venue_it, 1, "venue")
    out += s.lines
    out.append("")
    out += presentation_variants(body, cred, ctx)
    return out


def presentation_variants(body, cred, ctx):
    """Presentation sizes for variants of this one (the device signature and digest tag keep their size)."""
    cose = body[cred.start:cred.end]
    prot, unprot, payload, sig, ph, pl = sign1_parts(body, cred)
    claims = to_py(pl)
    assert enc(claims) == body[payload.head_end:payload.end], "payload does not re-encode identically"
    t = to_py(ctx) if ctx.major == 0 else to_py(ctx)[0]

    def size(change, venue):
        c = {k: (dict(x) if isinstance(x, dict) else x) for k, x in claims.items()}
        change(c)
        cose_len = len(cose) - payload.size + len(enc(enc(c)))
        context = enc(t) if venue is None else enc([t, venue])
        n = cose_len + len(context) + 5 + 66
        return cose_len, n, 4 + b45len(n)

    def drop_holder_id(c):
        c[-270].pop(3, None)

    def setk(k, val):
        return lambda c: c.__setitem__(k, val)

    def both(f, g):
        return lambda c: (f(c), g(c))

    same = (lambda c: None)
    cases = [
        ("as in this vector", same, None),
        ("venue id of 6 bytes (`GATE-7`)", same, "GATE-7"),
        ("venue id of 26 bytes", same, "V" * 26),
        ("venue id of 27 bytes", same, "V" * 27),
        ("venue id of 32 bytes (maximum)", same, "V" * 32),
        ("without holder_id (the cnf key is the pseudonym)", drop_holder_id, None),
        ("without holder_id, venue id of 32 bytes", drop_holder_id, "V" * 32),
        ("with an 8-byte `cti` (not dropped)", setk(7, filler(8, "cti8")), None),
        ("with status reference `[1, 1000000]`", setk(-271, [1, 1000000]), None),
        ("with status reference `[1, 1000000]`, venue id of 16 bytes", setk(-271, [1, 1000000]), "V" * 16),
        ("with status reference `[1, 1000000]`, without holder_id, venue id of 32 bytes",
         both(setk(-271, [1, 1000000]), drop_holder_id), "V" * 32),
    ]
    out = ["| variant | credential bytes | sequence bytes | text chars | smallest version at M |",
           "|---|---:|---:|---:|---:|"]
    for title, change, venue in cases:
        cl, n, chars = size(change, venue)
        out.append("| %s | %d | %d | %d | %s |" % (title, cl, n, chars, smallest_version(chars)))
    return out


SECTIONS = {"summary": section_summary, "hex": section_hex, "budget": section_budget,
            "sigstructure": section_sigstructure, "whatif": section_whatif, "qr": section_qr}
VENUE_SECTIONS = {"venue": section_venue, "bundle": section_bundle, "statuslist": section_statuslist,
                  "presentation": section_presentation}


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


def check_venue_signatures(v):
    """Checks every signature of a venue vector (standard error only)."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        print("signatures: not checked (python package `cryptography` not installed)", file=sys.stderr)
        return

    def verify(pk, sig, msg):
        try:
            Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
            return "verifies"
        except Exception:  # noqa: BLE001 - any failure means "does not verify"
            return "does NOT verify"

    def cose_check(buf, top, pk):
        prot, unprot, payload, sig, ph, pl = sign1_parts(buf, top)
        ss = sig_structure(buf[prot.head_end:prot.end], buf[payload.head_end:payload.end])
        return verify(pk, bytes(buf[sig.head_end:sig.end]), ss)

    buf, top, ph, b = venue_bundle(v)
    print("trust bundle: %s with the pinned key" % cose_check(buf, top, bytes.fromhex(v["bundle_key_hex"])),
          file=sys.stderr)
    keys = {i[2]: (i[1], i[4]) for i in b[5]}
    for n, tok in enumerate(b.get(6, []), 1):
        kid = token_info(tok)["header"][4]
        name, pk = keys.get(kid, ("?", None))
        res = cose_check(tok, decode(tok), pk) if pk else "has no issuer key in the bundle"
        print("status list token %d: %s with the key of issuer %s" % (n, res, name), file=sys.stderr)
    text = v["input"]
    body, items = presentation_parts(text) if text.startswith("YP1:") else (None, [])
    if len(items) == 4:
        cred, ctx, tag, sig = items
        cose = body[cred.start:cred.end]
        c = decode(cose)
        prot, unprot, payload, csig, cph, cpl = sign1_parts(cose, c)
        kid = to_py(cph)[4]
        name, pk = keys.get(kid, ("?", None))
        print("embedded credential: %s with the key of issuer %s" % (cose_check(cose, c, pk) if pk else "unknown kid", name),
              file=sys.stderr)
        claims = to_py(cpl)
        if 8 in claims:
            device = claims[8][1][-2]
            print("device signature: %s with the cnf key" % verify(
                device, sig.value, presentation_signed_bytes(cose, to_py(ctx))), file=sys.stderr)
        else:
            print("device signature: not checked (credential has no cnf)", file=sys.stderr)


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
    if "bundle_hex" in v:
        names = wanted or [n for n in VENUE_SECTIONS if n != "presentation" or v["input"].startswith("YP1:")]
        for name in names:
            print("\n".join(VENUE_SECTIONS[name](v, None)))
            print()
        check_venue_signatures(v)
        return
    if not v.get("cose_hex"):
        sys.exit("%s: this vector has no COSE bytes (it fails before a COSE object exists)" % path)
    buf = bytes.fromhex(v["cose_hex"])
    for name in wanted or list(SECTIONS):
        try:
            lines = SECTIONS[name](v, buf)
        except (ValueError, KeyError, IndexError, AssertionError) as e:
            # Malformed vectors (and `whatif` for kinds other than health codes) cannot be annotated.
            lines = ["## %s" % name, "", "(not available for this vector: %s: %s)" % (type(e).__name__, e)]
        print("\n".join(lines))
        print()
    try:
        check_signature(v, buf)
    except (ValueError, KeyError, IndexError) as e:
        print("signature: not checked (%s)" % e, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
