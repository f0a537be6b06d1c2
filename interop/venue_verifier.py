#!/usr/bin/env python3
"""An independent yima venue scanner written from docs/format.md alone.

It implements the venue part of the format: accepting a trust bundle (section 15.4, with the payload
decoding of section 15.3 and the status list tokens of section 14.4), the venue policy (section 16.1),
the verdict procedure (section 16.2) with status resolution (section 16.3), and dynamic presentations
`YP1:` (section 17.6, and the replay cache of section 17.7). It was written without reading any of the
Rust sources. The credential layers (transport text, strict CBOR, COSE_Sign1, strict Ed25519, claims)
are imported from interop/spec_verifier.py, the credential verifier written the same way.

It runs over every venue vector listed in test-vectors/index.json (group "venue") and every hostile
vector that carries a `bundle_hex` (group `issuer-kind`), computes the result the specification
prescribes (a `bundle.*` code with stage `bundle` when the bundle is refused, else the verdict: `accepted`
or a code of sections 11.4/11.5 with its stage), compares code and stage with the vector, prints one line
per disagreement and ends with 'N passed, M failed' (plus a 'TOTALS venue_verifier passed=N failed=M
skipped=K' line for interop/run.sh). Exit status 0 only when M == 0 and N > 0. The `expected` field is
used only for the comparison, never to decide behaviour.

Usage: python3 interop/venue_verifier.py [--repo ROOT] [--verbose]
(interop/run.sh also passes --yima and --work, which this script ignores: it runs no yima code.)

Dependencies: the Python 3 standard library (and, through spec_verifier.py, optionally `cryptography`
as a cross-check of the pure-Python Ed25519 verification).
"""

import base64
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spec_verifier as sv  # noqa: E402  (the credential layers: CBOR, Base45, COSE, Ed25519, claims)

VerifyError = sv.VerifyError
fail = sv.fail
U64_MAX = sv.U64_MAX


def sat_add(*xs):
    """Addition saturating at 2^64-1 (sections 14.5, 15.4, 16.2, 17.6)."""
    return min(sum(xs), U64_MAX)


# --------------------------------------------------------------------------------------------------
# Constants (sections 14, 15, 17)

MAX_TOKEN_BYTES = 16_777_216            # section 14.1
MAX_LIST_BYTES = 33_554_432             # section 14.2 / 14.4 step 9 (2^27 entries)
MAX_BUNDLE_BYTES = 67_108_864           # section 15.2
MAX_BUNDLE_STATUS_BYTES = 67_108_864    # section 15.4 step 8
MAX_VENUE_BYTES = 32                    # section 17.2
TYP_STATUS = "application/statuslist+cwt"
TYP_BUNDLE = "application/yima-trust+cwt"
PRESENTATION_CONTEXT = "yima-presentation-1"

KIND_BY_NAME = {name: num for num, name in sv.KIND_NAMES.items()}
COLOURS = ("green", "yellow", "red")


class BundleError(Exception):
    """A refused trust bundle (section 11.3): code bundle.*, the underlying code in the message."""

    def __init__(self, code, reason=""):
        super().__init__(code)
        self.code = code
        self.reason = reason


class Rejected(Exception):
    """A venue verdict rejection (sections 11.4, 11.5): one stage and one code."""

    def __init__(self, stage, code, reason=""):
        super().__init__(code)
        self.stage = stage
        self.code = code
        self.reason = reason


def reject(stage, code, reason=""):
    raise Rejected(stage, code, reason)


# --------------------------------------------------------------------------------------------------
# Small helpers


def venue_id_ok(v: str) -> bool:
    """A venue id a presentation can carry (sections 16.1, 17.6 step 1.5): 1 to 32 bytes (UTF-8), no
    control character and no bidirectional formatting character (the characters of section 6.3's text
    rule)."""
    n = len(v.encode("utf-8", errors="surrogatepass"))
    return 1 <= n <= MAX_VENUE_BYTES and not any(sv.misleading_char(ch) for ch in v)


def cbor_head(major, n):
    if n < 24:
        return bytes([(major << 5) | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([(major << 5) | ai]) + n.to_bytes(size, "big")
    raise ValueError("argument too large")


def enc_uint(n):
    return cbor_head(0, n)


def enc_bstr(b):
    return cbor_head(2, len(b)) + b


def enc_tstr(s):
    b = s.encode("utf-8")
    return cbor_head(3, len(b)) + b


# --------------------------------------------------------------------------------------------------
# Section 16.1: policy


class PolicyError(Exception):
    """A policy document that cannot be read (a usage error; not a verdict)."""


def parse_duration(v, field):
    """Section 16.1: a non-negative integer of seconds, or text: digits with one optional unit s/m/h/d,
    surrounding white space ignored."""
    if isinstance(v, bool) or v is None:
        raise PolicyError("%s: not a duration" % field)
    if isinstance(v, int):
        if not 0 <= v <= U64_MAX:
            raise PolicyError("%s: out of range" % field)
        return v
    if not isinstance(v, str):
        raise PolicyError("%s: not a duration" % field)
    # "Surrounding white space": taken as the Unicode White_Space property (spec_verifier's table);
    # Python's str.strip() would also strip U+001C-U+001F, which are not White_Space.
    s = v
    while s and ord(s[0]) in sv.WHITE_SPACE:
        s = s[1:]
    while s and ord(s[-1]) in sv.WHITE_SPACE:
        s = s[:-1]
    mult = 1
    if s and s[-1] in "smhd":
        mult = {"s": 1, "m": 60, "h": 3600, "d": 86400}[s[-1]]
        s = s[:-1]
    if not s or not all(c in "0123456789" for c in s):
        raise PolicyError("%s: %r is not a duration" % (field, v))
    n = int(s) * mult
    if n > U64_MAX:
        raise PolicyError("%s: above 2^64-1 seconds" % field)
    return n


def parse_kind_list(v, field):
    if not isinstance(v, list):
        raise PolicyError("%s: not a list" % field)
    out = []
    for e in v:
        if not isinstance(e, str) or e not in KIND_BY_NAME:
            raise PolicyError("%s: unknown kind %r" % (field, e))
        out.append(KIND_BY_NAME[e])
    return out


class Policy:
    FIELDS = ("accepted_kinds", "health_statuses", "max_credential_age", "clock_skew",
              "accept_unknown_status", "max_bundle_age", "require_holder_binding",
              "presentation_freshness", "presentation_skew", "venue_id")

    def __init__(self, doc):
        if not isinstance(doc, dict):
            raise PolicyError("policy is not an object")
        for k in doc:
            if k not in self.FIELDS:
                raise PolicyError("unknown field %r" % k)
        self.accepted_kinds = parse_kind_list(doc["accepted_kinds"], "accepted_kinds") \
            if "accepted_kinds" in doc else [1, 2, 3, 4, 5]
        if "health_statuses" in doc:
            hs = doc["health_statuses"]
            if not isinstance(hs, list) or not all(isinstance(c, str) and c in COLOURS for c in hs):
                raise PolicyError("health_statuses: %r" % (hs,))
            self.health_statuses = list(hs)
        else:
            self.health_statuses = ["green"]
        self.max_credential_age = parse_duration(doc["max_credential_age"], "max_credential_age") \
            if "max_credential_age" in doc else None
        self.clock_skew = parse_duration(doc["clock_skew"], "clock_skew") if "clock_skew" in doc else 300
        if "accept_unknown_status" in doc:
            # FINDING: the spec says null is refused "for durations and lists" and means unset for
            # venue_id, but is silent on the boolean; refused here.
            if not isinstance(doc["accept_unknown_status"], bool):
                raise PolicyError("accept_unknown_status: not a boolean")
            self.accept_unknown_status = doc["accept_unknown_status"]
        else:
            self.accept_unknown_status = False
        self.max_bundle_age = parse_duration(doc["max_bundle_age"], "max_bundle_age") \
            if "max_bundle_age" in doc else None
        self.require_holder_binding = parse_kind_list(doc["require_holder_binding"], "require_holder_binding") \
            if "require_holder_binding" in doc else []
        self.presentation_freshness = parse_duration(doc["presentation_freshness"], "presentation_freshness") \
            if "presentation_freshness" in doc else 60
        self.presentation_skew = parse_duration(doc["presentation_skew"], "presentation_skew") \
            if "presentation_skew" in doc else 10
        vid = doc.get("venue_id")
        if vid is not None and not isinstance(vid, str):
            raise PolicyError("venue_id: not text")
        self.venue_id = vid

    def venue_id_valid(self):
        """Section 16.1 (Policy::validate): an unset venue_id, or one a presentation can carry."""
        return self.venue_id is None or venue_id_ok(self.venue_id)


# --------------------------------------------------------------------------------------------------
# Section 14: status list tokens


class StatusToken:
    __slots__ = ("issuer_name", "list_id", "exp", "iat", "ttl", "lst", "bits", "entries", "signer")


def parse_sub(sub: str):
    """Section 14.4 step 5. Returns (issuer name, list number)."""
    prefix = "urn:yima:status:"
    if not sub.startswith(prefix):
        fail("claims.invalid", "sub does not start with %s" % prefix)
    rest = sub[len(prefix):]
    if ":" not in rest:
        fail("claims.invalid", "sub has no list number")
    name, _, num = rest.rpartition(":")
    if not name:
        fail("claims.invalid", "sub names no issuer")
    if not (1 <= len(num) <= 20) or not all(c in "0123456789" for c in num):
        fail("claims.invalid", "list number %r is not 1-20 ASCII digits" % num)
    if len(num) > 1 and num[0] == "0":
        fail("claims.invalid", "list number %r has a leading zero" % num)
    n = int(num)
    if n > U64_MAX:
        fail("claims.invalid", "list number above 2^64-1")
    return name, n


def check_token(token: bytes, candidates) -> StatusToken:
    """Section 14.4 steps 1-8 (no inflating). candidates: [(kid, alg, raw, pt, issuer entry)]."""
    if len(token) > MAX_TOKEN_BYTES:                                      # step 1
        fail("cose.too-large", "token of %d bytes" % len(token))
    protected, payload, sig, alg, kid = sv.parse_cose(token, TYP_STATUS)  # step 2
    signer = sv.verify_with_candidates(protected, payload, sig, alg, kid, candidates)  # step 3
    top = sv.cbor_decode(payload)                                         # step 4
    if top.kind != "map":
        fail("claims.wrong-type", "payload is not a map")
    sub = exp = iat = ttl = sl = None
    for k, v in top.value:
        if not k.is_int():
            fail("claims.wrong-type", "claim key is not an integer")
        if k.value == 2:
            if v.kind != "tstr":
                fail("claims.wrong-type", "sub")
            sub = v.value
        elif k.value in (4, 6, 65534):
            if v.kind != "uint":
                fail("claims.wrong-type", "claim %d" % k.value)
            if k.value == 4:
                exp = v.value
            elif k.value == 6:
                iat = v.value
            else:
                ttl = v.value
        elif k.value == 65533:
            sl = v
        else:
            fail("claims.unknown-key", "claim key %d" % k.value)
    if sub is None:                                                       # step 5
        fail("claims.missing", "sub")
    name, list_id = parse_sub(sub)
    if iat is None:                                                       # step 6
        fail("claims.missing", "iat")
    if sl is None:                                                        # step 7
        fail("claims.missing", "status_list")
    if sl.kind != "map":
        fail("claims.wrong-type", "status_list is not a map")
    bits = lst = None
    for k, v in sl.value:
        if k.kind == "tstr" and k.value == "bits":
            if v.kind != "uint":
                fail("claims.wrong-type", "bits")
            bits = v.value
        elif k.kind == "tstr" and k.value == "lst":
            if v.kind != "bstr":
                fail("claims.wrong-type", "lst")
            lst = v.value
        else:
            fail("claims.wrong-type", "status_list member %s" % k.raw.hex())
    if bits is None or bits != 2:                                         # step 8
        fail("claims.invalid", "bits %r" % bits)
    if lst is None:
        fail("claims.missing", "lst")
    t = StatusToken()
    t.issuer_name, t.list_id, t.exp, t.iat, t.ttl, t.lst, t.bits = name, list_id, exp, iat, ttl, lst, bits
    t.entries = None
    t.signer = signer
    return t


def inflate_token(t: StatusToken, cap: int):
    """Section 14.4 step 9 with the given cap."""
    arr = sv.inflate(t.lst, cap)
    if len(arr) == 0:
        fail("claims.invalid", "empty bit array")
    t.entries = arr


def is_fresh(t: StatusToken, now: int, s: int) -> bool:
    """Section 14.5, as written: max(now - s, 0) < stale_after. (This differs from `now < stale_after + s`
    only when stale_after = 0 and now < s; no vector depends on it.)"""
    if t.iat > sat_add(now, s):
        return False
    ends = []
    if t.exp is not None:
        ends.append(t.exp)
    if t.ttl is not None:
        ends.append(sat_add(t.iat, t.ttl))
    if not ends:
        return True
    return max(now - s, 0) < min(ends)


def status_entry(t: StatusToken, index: int):
    """Section 14.2; None when the index is beyond the list."""
    if index >= 4 * len(t.entries):
        return None
    return (t.entries[index // 4] >> (2 * (index % 4))) & 3


# --------------------------------------------------------------------------------------------------
# Section 15: trust bundles


class IssuerEntry:
    __slots__ = ("name", "kid", "alg", "raw", "pt", "kinds", "valid_from", "valid_until")


class Bundle:
    __slots__ = ("seq", "iat", "exp", "issuers", "tokens", "lists")


def _get(pairs, key):
    for k, v in pairs:
        if k.kind == "uint" and k.value == key:
            return v
    return None


def _req(pairs, key, what, type_ok):
    """The value under `key`: missing -> claims.missing, then `type_ok` false -> claims.wrong-type."""
    v = _get(pairs, key)
    if v is None:
        fail("claims.missing", what)
    if not type_ok(v):
        fail("claims.wrong-type", what)
    return v


def _req_uint(pairs, key, what):
    return _req(pairs, key, what, lambda v: v.kind == "uint").value


def decode_bundle_payload(payload: bytes) -> Bundle:
    """Section 15.3 steps 1-5."""
    top = sv.cbor_decode(payload)                                         # step 1
    if top.kind != "map":
        fail("claims.wrong-type", "payload is not a map")
    for k, _ in top.value:
        if not (k.kind == "uint" and 1 <= k.value <= 6):
            fail("claims.unknown-key", "bundle key %s" % k.raw.hex())
    pairs = top.value
    version = _req_uint(pairs, 1, "version")                              # step 2
    if version != 1:
        fail("claims.invalid", "version %d" % version)
    b = Bundle()
    b.seq = _req_uint(pairs, 2, "seq")                                    # step 3
    b.iat = _req_uint(pairs, 3, "iat")
    b.exp = _req_uint(pairs, 4, "exp")
    if b.exp <= b.iat:
        fail("claims.invalid", "exp not after iat")
    iss = _get(pairs, 5)                                                  # step 4
    if iss is None:
        fail("claims.missing", "issuers")
    if iss.kind != "array":
        fail("claims.wrong-type", "issuers")
    b.issuers = []
    for n, e in enumerate(iss.value):
        what = "issuer %d" % n
        if e.kind != "map":
            fail("claims.wrong-type", what + " is not a map")
        for k, _ in e.value:
            if not (k.kind == "uint" and 1 <= k.value <= 7):
                fail("claims.unknown-key", what + " key %s" % k.raw.hex())
        m = e.value
        name = _req(m, 1, what + " name", lambda v: v.kind == "tstr")
        kid = _req(m, 2, what + " kid", lambda v: v.kind == "bstr")
        alg = _req(m, 3, what + " alg", lambda v: v.is_int())
        pk = _req(m, 4, what + " public key", lambda v: v.kind == "bstr")
        if len(pk.value) != 32:
            fail("claims.invalid", what + " public key not 32 bytes")
        try:
            raw, pt = sv.load_public_key(pk.value.hex())
        except VerifyError as err:
            fail("claims.invalid", what + " public key: %s" % err.code)
        if kid.value != hashlib.sha256(raw).digest()[:4]:
            fail("claims.invalid", what + " kid is not SHA-256(key)[0..4]")
        if alg.value != sv.ALG_EDDSA:
            fail("claims.invalid", what + " alg %d" % alg.value)
        kinds = _req(m, 5, what + " kinds", lambda v: v.kind == "array")
        for kv in kinds.value:
            if kv.kind != "uint":
                fail("claims.wrong-type", what + " kinds entry")
            if not 1 <= kv.value <= 5:
                fail("claims.unknown-kind", what + " kind %d" % kv.value)
        vfrom = _req_uint(m, 6, what + " key valid from")
        vuntil = _req_uint(m, 7, what + " key valid until")
        if not sv.text_rule_ok(name.value, 32):
            fail("claims.invalid", what + " name breaks T(32)")
        if not kinds.value:
            fail("claims.invalid", what + " has no kinds")
        if vuntil <= vfrom:
            fail("claims.invalid", what + " key valid until not after valid from")
        ie = IssuerEntry()
        ie.name, ie.kid, ie.alg, ie.raw, ie.pt = name.value, kid.value, alg.value, raw, pt
        ie.kinds = [kv.value for kv in kinds.value]
        ie.valid_from, ie.valid_until = vfrom, vuntil
        b.issuers.append(ie)
    seen = set()
    for ie in b.issuers:
        if ie.raw in seen:
            fail("claims.invalid", "public key %s listed twice" % ie.raw.hex()[:16])
        seen.add(ie.raw)
    sl = _get(pairs, 6)                                                   # step 5
    b.tokens = []
    if sl is not None:
        if sl.kind != "array" or not sl.value or any(t.kind != "bstr" for t in sl.value):
            fail("claims.wrong-type", "status lists is not a non-empty array of byte strings")
        b.tokens = [t.value for t in sl.value]
    return b


def issuer_candidates(bundle: Bundle):
    return [(ie.kid, ie.alg, ie.raw, ie.pt, ie) for ie in bundle.issuers]


def accept_bundle(data: bytes, pinned_raw: bytes, pinned_pt, now: int, policy: Policy, accepted_seq):
    """Section 15.4. Returns the Bundle (with its status lists indexed) or raises BundleError."""
    s = policy.clock_skew
    if len(data) > MAX_BUNDLE_BYTES:                                      # step 1
        raise BundleError("bundle.invalid", "cose.too-large")
    try:                                                                  # step 2
        protected, payload, sig, alg, kid = sv.parse_cose(data, TYP_BUNDLE)
    except VerifyError as e:
        raise BundleError("bundle.invalid", "%s: %s" % (e.code, e.reason))
    if kid != hashlib.sha256(pinned_raw).digest()[:4]:                    # step 3
        raise BundleError("bundle.signature", "key.unknown-kid")
    if alg != sv.ALG_EDDSA:
        raise BundleError("bundle.signature", "key.alg-mismatch")
    if not sv.verify_sig(pinned_raw, pinned_pt, sv.sig_structure(protected, payload), sig):
        raise BundleError("bundle.signature", "signature.invalid")
    try:                                                                  # step 4
        b = decode_bundle_payload(payload)
    except VerifyError as e:
        raise BundleError("bundle.invalid", "%s: %s" % (e.code, e.reason))
    if b.iat > sat_add(now, s):                                           # step 5
        raise BundleError("bundle.from-future", "iat %d > now %d + %d" % (b.iat, now, s))
    if not now < sat_add(b.exp, s):                                       # step 6
        raise BundleError("bundle.stale", "now %d >= exp %d + %d" % (now, b.exp, s))
    if policy.max_bundle_age is not None and not now <= sat_add(b.iat, policy.max_bundle_age, s):
        raise BundleError("bundle.stale", "older than max_bundle_age")
    if accepted_seq is not None and b.seq < accepted_seq:                 # step 7
        raise BundleError("bundle.rollback", "seq %d < %d" % (b.seq, accepted_seq))
    cands = issuer_candidates(b)                                          # step 8
    b.lists = {}
    used = 0
    for n, token in enumerate(b.tokens):
        r = MAX_BUNDLE_STATUS_BYTES - used
        if r == 0:                                                        # 8a
            raise BundleError("bundle.status-too-large", "token %d: budget exhausted" % n)
        try:                                                              # 8b
            t = check_token(token, cands)
        except VerifyError as e:
            raise BundleError("bundle.status-list-invalid", "token %d: %s: %s" % (n, e.code, e.reason))
        o = t.signer
        if o.name != t.issuer_name:                                       # 8c
            raise BundleError("bundle.status-list-invalid",
                              "token %d: signed by %r, names %r" % (n, o.name, t.issuer_name))
        if t.iat > sat_add(now, s):                                       # 8d
            raise BundleError("bundle.status-list-invalid", "token %d: iat in the future" % n)
        if not (sat_add(t.iat, s) >= o.valid_from and t.iat <= sat_add(o.valid_until, s)):  # 8e
            raise BundleError("bundle.status-list-invalid", "token %d: iat outside the key window" % n)
        key = (t.issuer_name, t.list_id)
        if key in b.lists:                                                # 8f
            raise BundleError("bundle.status-list-invalid", "token %d: second token for %r" % (n, key))
        cap = min(MAX_LIST_BYTES, r)                                      # 8g
        try:
            inflate_token(t, cap)
        except VerifyError as e:
            if e.code == "decompress.too-large" and r < MAX_LIST_BYTES:
                raise BundleError("bundle.status-too-large", "token %d: past the bundle budget" % n)
            raise BundleError("bundle.status-list-invalid", "token %d: %s: %s" % (n, e.code, e.reason))
        used += len(t.entries)
        b.lists[key] = t
    return b


# --------------------------------------------------------------------------------------------------
# Section 16.2 step 1: the credential, with the bundle's issuer keys


def verify_credential_cose(cose: bytes, bundle: Bundle, now: int, leeway: int):
    """Section 2.2 stages 4-10 (stage 4-5 errors are raised as VerifyError).
    Returns (claims in the JSON form of section 6.7, issuer entry whose key verified)."""
    protected, payload, sig, alg, kid = sv.parse_cose(cose)
    entry = sv.verify_with_candidates(protected, payload, sig, alg, kid, issuer_candidates(bundle))
    claims, (exp, valid_from) = sv.parse_claims(payload)
    if now >= sat_add(exp, leeway):
        fail("time.expired", "now %d >= exp %d + leeway %d" % (now, exp, leeway))
    if sat_add(now, leeway) < valid_from:
        fail("time.not-yet-valid", "now %d + leeway %d < %d" % (now, leeway, valid_from))
    return claims, entry


VERDICT_STAGE = {"key.unknown-kid": "issuer", "key.alg-mismatch": "issuer",
                 "signature.invalid": "signature", "time.expired": "time", "time.not-yet-valid": "time"}


def credential_steps(cose: bytes, bundle: Bundle, policy: Policy, now: int):
    """Section 16.2 steps 1 (from stage 4 on), 2, 3 and 4. Returns the verified claims."""
    s = policy.clock_skew
    try:                                                                  # step 1
        claims, entry = verify_credential_cose(cose, bundle, now, s)
    except VerifyError as e:
        reject(VERDICT_STAGE.get(e.code, "format"), e.code, e.reason)
    if entry is None:                                                     # step 2
        reject("issuer", "issuer.unknown")
    if claims["issuer"] != entry.name:
        reject("issuer", "issuer.name-mismatch", "iss %r, entry %r" % (claims["issuer"], entry.name))
    kind = KIND_BY_NAME[claims["credential"]["kind"]]
    if kind not in entry.kinds:
        reject("issuer", "issuer.kind-not-authorised", "kind %d, entry kinds %r" % (kind, entry.kinds))
    iat = claims["issued_at"]
    if not (sat_add(iat, s) >= entry.valid_from and iat <= sat_add(entry.valid_until, s)
            and now <= sat_add(entry.valid_until, s)):
        reject("issuer", "issuer.key-expired")
    ref = claims.get("status")                                            # step 3 (section 16.3)
    if ref is not None:
        t = bundle.lists.get((entry.name, ref["list_id"]))
        value = None
        if t is not None and is_fresh(t, now, s):
            value = status_entry(t, ref["index"])
        if value is None:
            if not policy.accept_unknown_status:
                reject("status", "status.unknown", "list %r" % ((entry.name, ref["list_id"]),))
        elif value != 0:
            reject("status", {1: "status.revoked", 2: "status.suspended", 3: "status.changed"}[value])
    if kind not in policy.accepted_kinds:                                 # step 4
        reject("policy", "policy.kind-not-accepted")
    if kind == 1 and claims["credential"]["fields"]["status"] not in policy.health_statuses:
        reject("policy", "policy.health-status", claims["credential"]["fields"]["status"])
    if policy.max_credential_age is not None and not now <= sat_add(iat, policy.max_credential_age, s):
        reject("policy", "policy.too-old")
    return claims, kind


# --------------------------------------------------------------------------------------------------
# Section 17.7: replay cache


class ReplayCache:
    def __init__(self):
        self.seen = {}

    def check_and_record(self, key: bytes, now: int, window: int):
        for k in [k for k, r in self.seen.items() if now > sat_add(r, window)]:
            del self.seen[k]
        r = self.seen.get(key)
        if r is not None and now <= sat_add(r, window):
            return False
        self.seen[key] = now
        return True


# --------------------------------------------------------------------------------------------------
# Section 17.6 step 1: unwrapping a presentation


class Presentation:
    __slots__ = ("cred", "t", "venue", "tag", "device_sig")


def unwrap_presentation(raw: bytes) -> Presentation:
    """Section 17.6 step 1.2-1.7 on the text bytes (length already checked). Raises VerifyError
    (stage format) with §11.1 codes or presentation.malformed."""
    seq = sv.base45_decode(raw[4:])                                       # 1.2
    r = sv.CborReader(seq)                                                # 1.3 (one item budget)
    items = []
    while len(items) < 4 and r.pos < len(seq):
        items.append(r.read(0))
    if len(items) == 4 and r.pos != len(seq):
        fail("cbor.trailing-bytes", "%d bytes after the fourth item" % (len(seq) - r.pos))
    if len(items) < 4 or items[2].kind != "bstr" or items[3].kind != "bstr":  # 1.4
        fail("presentation.malformed", "%d items or a non-bstr third/fourth item" % len(items))
    ctx = items[1]                                                        # 1.5
    p = Presentation()
    if ctx.kind == "uint":
        p.t, p.venue = ctx.value, None
    elif ctx.kind == "array" and len(ctx.value) == 2 and ctx.value[0].kind == "uint" \
            and ctx.value[1].kind == "tstr" and venue_id_ok(ctx.value[1].value):
        p.t, p.venue = ctx.value[0].value, ctx.value[1].value
    else:
        fail("presentation.malformed", "context")
    if len(items[2].value) != 4 or len(items[3].value) != 64:             # 1.6
        fail("presentation.malformed", "tag or signature length")
    p.tag, p.device_sig = items[2].value, items[3].value
    p.cred = items[0].raw                                                 # 1.7
    if len(p.cred) > sv.MAX_COSE_BYTES:
        fail("cose.too-large", "credential of %d bytes" % len(p.cred))
    sv.parse_cose(p.cred)
    return p


def presentation_signed_bytes(cred: bytes, t: int, venue):
    """Section 17.3."""
    return (b"\x84" + enc_tstr(PRESENTATION_CONTEXT) + enc_bstr(hashlib.sha256(cred).digest())
            + enc_uint(t) + (b"\xf6" if venue is None else enc_tstr(venue)))


# --------------------------------------------------------------------------------------------------
# Section 16.2: the verdict


def verdict(text: str, bundle: Bundle, policy: Policy, now: int, replay_cache=None):
    """Section 16.2 (and 17.6 for `YP1:` texts). Returns "accepted" or raises Rejected.
    replay_cache: None (as the vectors require, section 12.4) or a ReplayCache (section 17.7)."""
    if not policy.venue_id_valid():                                       # step 0
        reject("policy", "policy.invalid-venue-id")
    raw = text.encode("utf-8", errors="surrogatepass")
    if raw.startswith(b"YP1:"):
        if len(raw) > sv.MAX_TEXT_LEN:                                    # 17.6 step 1.1
            reject("format", "text.too-long")
        try:
            p = unwrap_presentation(raw)
        except VerifyError as e:
            reject("format", e.code, e.reason)
        claims, kind = credential_steps(p.cred, bundle, policy, now)      # 17.6 step 2
        cnf = claims.get("confirmation")                                  # step 3
        if cnf is None:
            reject("holder", "presentation.binding-missing")
        if hashlib.sha256(p.cred).digest()[:4] != p.tag:                  # step 4
            reject("holder", "presentation.credential-changed")
        cnf_raw, cnf_pt = sv.load_public_key(cnf)                         # step 5
        if not sv.verify_sig(cnf_raw, cnf_pt, presentation_signed_bytes(p.cred, p.t, p.venue), p.device_sig):
            reject("holder", "presentation.bad-device-signature")
        f, k = policy.presentation_freshness, policy.presentation_skew    # step 6
        if p.t > sat_add(now, k):
            reject("holder", "presentation.from-future", "t %d > now %d + %d" % (p.t, now, k))
        if now > sat_add(p.t, f, k):
            reject("holder", "presentation.stale", "now %d > t %d + %d + %d" % (now, p.t, f, k))
        if policy.venue_id is not None and p.venue != policy.venue_id:    # step 7
            reject("holder", "presentation.wrong-venue", "venue %r" % (p.venue,))
        if replay_cache is not None:                                      # step 8
            if not replay_cache.check_and_record(p.device_sig, now, sat_add(f, 2 * k)):
                reject("holder", "presentation.replayed")
        return "accepted"
    try:                                                                  # step 1, stages 1-3
        cose = sv.decode_text(text)
    except VerifyError as e:
        reject("format", e.code, e.reason)
    claims, kind = credential_steps(cose, bundle, policy, now)            # steps 1-4
    if kind in policy.require_holder_binding:                             # step 5
        reject("holder", "presentation.required")
    return "accepted"


# --------------------------------------------------------------------------------------------------
# Runner


def load_pinned_key(vec):
    """The pinned key from bundle_key_hex; the PEM form (section 5.6) must hold the same 32 bytes."""
    raw, pt = sv.load_public_key(vec["bundle_key_hex"])
    pem = vec.get("bundle_key_pem")
    if pem is not None:
        lines = [ln.strip() for ln in pem.strip().splitlines()]
        if lines[0] != "-----BEGIN PUBLIC KEY-----" or lines[-1] != "-----END PUBLIC KEY-----":
            raise ValueError("bundle_key_pem is not a PUBLIC KEY PEM document")
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
        if len(der) != 44 or der[:12] != bytes.fromhex("302a300506032b6570032100") or der[12:] != raw:
            raise ValueError("bundle_key_pem does not hold bundle_key_hex")
    return raw, pt


def run_vector(vec):
    """Returns (ok, got code, got stage, reason)."""
    note_count = len(sv.NOTES)
    problems = []
    try:
        pinned_raw, pinned_pt = load_pinned_key(vec)
        policy = Policy(vec["policy"])
    except (VerifyError, ValueError, PolicyError) as e:
        return False, "harness-error", None, "cannot set up the scanner: %s" % e
    try:
        bundle = accept_bundle(bytes.fromhex(vec["bundle_hex"]), pinned_raw, pinned_pt, vec["now"],
                               policy, vec["accepted_seq"])
        try:
            got, stage, reason = verdict(vec["input"], bundle, policy, vec["now"]), None, ""
        except Rejected as r:
            got, stage, reason = r.code, r.stage, r.reason
    except BundleError as e:
        got, stage, reason = e.code, "bundle", e.reason
    if got != vec["expected"]:
        problems.append("code: " + (reason or "-"))
    if "stage" in vec and stage != vec["stage"]:
        problems.append("stage %s, expected %s" % (stage, vec["stage"]))
    for n in sv.NOTES[note_count:]:
        problems.append("cross-check: " + n)
    return not problems, got, stage, "; ".join(problems) or reason


def spec_claim_checks(venue_vecs, repo):
    """Statements of docs/format.md about the venue vectors that can be recomputed (informational)."""
    notes = []
    by_name = {v["name"]: v for v in venue_vecs}
    ref = by_name.get("accepted-green")
    if ref is None:
        return ["accepted-green not found: section 15.6 cannot be checked"]
    bundle_hex = ref["bundle_hex"]
    if len(bundle_hex) // 2 != 692:
        notes.append("section 15.6: the shared bundle is %d bytes, not 692" % (len(bundle_hex) // 2))
    others = [v["name"] for v in venue_vecs
              if not v["name"].startswith("bundle-") and v["bundle_hex"] != bundle_hex]
    if others:
        notes.append("section 12.4: non-bundle-* vectors with another bundle: %s" % ", ".join(others))
    token1 = ("d2845826a301270444c07b634210781a6170706c69636174696f6e2f737461747573"
              "6c6973742b637774a05845a5027475726e3a79696d613a7374617475733a53483a3104"
              "1a69585c00061a6955aaf019fffda2636c73744b78da7bc2800a000e5000e564626974"
              "730219fffe1a000151805840c9111e1971c9426a618dbf3ed3d21232771956efc33dbc"
              "5be9814aec4e1259d648799511034d2745bf7c72de38141a7ca54b2cc04cc58eb7ea1a"
              "49d4d9ba9008")
    if token1 not in bundle_hex:
        notes.append("section 14.6: the example token is not in the shared bundle")
    counts = {"accepted": 0, "bundle": 0, "verdict": 0}
    for v in venue_vecs:
        if v["expected"] == "accepted":
            counts["accepted"] += 1
        elif v["stage"] == "bundle":
            counts["bundle"] += 1
        else:
            counts["verdict"] += 1
    said = None
    try:
        with open(os.path.join(repo, "docs", "format.md"), encoding="utf-8") as f:
            m = re.search(r"(\d+) vectors: (\d+) `accepted`, (\d+) bundle refusals \([^)]*\) and\s+(\d+) verdict"
                          r"\s+rejections", f.read())
        if m:
            said = tuple(int(x) for x in m.groups())
    except OSError:
        pass
    mine = (len(venue_vecs), counts["accepted"], counts["bundle"], counts["verdict"])
    if said != mine:
        notes.append("section 12.4: %d vectors, %d accepted, %d bundle refusals, %d verdict rejections "
                     "(the text says %s)" % (mine + ("nothing it can be compared with" if said is None
                                                     else "%d, %d, %d, %d" % said,)))
    return notes


def main():
    args = sv.command_line(__doc__)
    venue_vecs = sv.read_vectors(args.repo, "venue")
    hostile = [vec for vec in sv.read_vectors(args.repo, "hostile") if "bundle_hex" in vec]
    passed = failed = 0
    for vec in venue_vecs + hostile:
        ok, got, stage, reason = run_vector(vec)
        if ok:
            passed += 1
            if args.verbose:
                print("ok   %s: %s%s" % (vec["name"], got, "" if stage is None else " (%s)" % stage))
        else:
            failed += 1
            print("FAIL %s: expected %s (%s), got %s (%s): %s"
                  % (vec["name"], vec["expected"], vec.get("stage"), got, stage, reason))
    for n in spec_claim_checks(venue_vecs, args.repo):
        print("note: " + n)
    # Nothing is skipped: every venue vector and every hostile vector with a bundle is run.
    print("ran %d venue vectors and %d hostile venue vectors" % (len(venue_vecs), len(hostile)))
    return sv.totals("venue_verifier", passed, failed, 0)


if __name__ == "__main__":
    sys.exit(main())
