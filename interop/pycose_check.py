#!/usr/bin/env python3
"""Issue 6 §3: cross-check yima's COSE_Sign1 against pycose, a COSE implementation yima shares no code with.

1. The published test vectors: pycose verifies every valid vector's COSE with the vector's public key and
   decodes its payload to the vector's claims; it rejects the ones yima rejects for a bad signature, and
   accepts the signature of those yima rejects later (claims, identifiers, time).
2. yima -> pycose: `yima issue` each kind with a `yima keygen` key; pycose verifies the COSE_Sign1 with
   the key read from issuer.pub (SPKI PEM) and decodes the payload to the expected claims, which are also
   the claims `yima verify --json` prints. A flipped signature bit or an edited payload byte makes pycose
   return False and `yima verify` exit 1 with signature.invalid.
3. pycose -> yima: an Ed25519 key from `cryptography`, a COSE_Sign1 signed by pycose over a cbor2
   canonical CWT claims set; `yima verify` (key as SPKI PEM written by `cryptography`) accepts it with the
   same claims; tampered copies fail in both.
4. What yima's strict parser refuses that pycose/cbor2 would produce by default (documented behaviour).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
import zlib

import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import CoseMessage, Sign1Message

from _common import (CLAIM_CREDENTIAL, CLAIM_CTI, NOW, NOW_TS, Checker, Yima, arg_parser,
                     cli_claims_from_cwt, cose_to_text, cwt, cwt_from_vector_claims, rfc3339,
                     sample_fields, text_to_cose, valid_for)

EXPECTED_UHDR_BYTES = b"\xa0"


def kid_of(raw_pub: bytes) -> bytes:
    return hashlib.sha256(raw_pub).digest()[:4]


def protected_bytes(kid: bytes) -> bytes:
    """yima's protected header {1: -8, 4: kid}, deterministic CBOR."""
    return b"\xa2\x01\x27\x04" + bytes([0x40 + len(kid)]) + kid


def pub_key(raw: bytes) -> OKPKey:
    return OKPKey(crv=Ed25519, x=raw)


def raw_public_from_pem(path: str) -> bytes:
    with open(path, "rb") as f:
        pk = serialization.load_pem_public_key(f.read())
    assert isinstance(pk, Ed25519PublicKey), type(pk)
    return pk.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def pycose_verify(cose: bytes, raw_pub: bytes) -> tuple[bool, str]:
    """(verified, note). Any exception counts as not verified."""
    try:
        msg = CoseMessage.decode(cose)
        if not isinstance(msg, Sign1Message):
            return False, f"decoded as {type(msg).__name__}"
        msg.key = pub_key(raw_pub)
        return bool(msg.verify_signature()), "returned"
    except Exception as e:  # noqa: BLE001 - any failure to verify is a rejection
        return False, f"raised {type(e).__name__}: {e}"


def flip_signature_bit(cose: bytes) -> bytes:
    b = bytearray(cose)
    b[-10] ^= 0x01  # inside the 64-byte signature, the last element
    return bytes(b)


def edit_payload_byte(cose: bytes, payload: bytes) -> bytes:
    """Changes one byte inside the payload (the issuer text 'SH' -> 'SI' when present)."""
    i = cose.find(payload)
    assert i > 0, "payload not found in COSE bytes"
    j = payload.find(b"bSH")  # text(2) "SH"
    off = i + (j + 2 if j >= 0 else len(payload) // 2)
    b = bytearray(cose)
    b[off] ^= 0x1A if j >= 0 else 0x01  # 'H' (0x48) -> 'R'; else flip a low bit
    return bytes(b)


def header_checks(ck: Checker, what: str, msg: Sign1Message, kid: bytes) -> None:
    ck.equal(msg.phdr_encoded, protected_bytes(kid), f"{what}: protected header is {{1: -8, 4: kid}}")
    ck.equal((msg.phdr.get(Algorithm), msg.phdr.get(KID)), (EdDSA, kid),
             f"{what}: pycose reads alg EdDSA and kid sha256(pub)[:4]")
    ck.equal(dict(msg.uhdr), {}, f"{what}: unprotected header empty")


# ------------------------------------------------------------------------------------------------


def check_vectors(ck: Checker, repo: str) -> None:
    ck.section("test vectors: pycose against yima's published COSE bytes")
    after_signature = ("identifier.", "claims.", "time.")
    for path in sorted(glob.glob(os.path.join(repo, "test-vectors", "vectors", "*.json"))):
        with open(path, encoding="utf-8") as f:
            v = json.load(f)
        name, expected = v["name"], v["expected"]
        cose = bytes.fromhex(v.get("cose_hex") or "")
        keys = [bytes.fromhex(k["public_key_hex"]) for k in v["keys"]]
        if expected == "valid":
            msg = CoseMessage.decode(cose)
            kid = msg.phdr.get(KID)
            signers = [k for k in keys if kid_of(k) == kid]
            ck.check(len(signers) >= 1, f"{name}: a vector key has the header kid")
            ok = any(pycose_verify(cose, k)[0] for k in signers)
            ck.check(ok, f"{name}: pycose verifies the signature")
            header_checks(ck, name, msg, kid)
            ck.check(msg.payload is not None and cbor2.loads(msg.payload) == cwt_from_vector_claims(v["claims"]),
                     f"{name}: pycose/cbor2 decode the payload to the vector's claims",
                     repr(cbor2.loads(msg.payload)))
            ck.equal(cbor2.dumps(cbor2.loads(msg.payload), canonical=True), msg.payload,
                     f"{name}: payload is cbor2-canonical (re-encodes byte for byte)")
        elif expected == "signature.invalid" or expected == "key.unknown-kid":
            results = [pycose_verify(cose, k) for k in keys]
            ck.check(not any(r[0] for r in results), f"{name}: pycose also rejects ({expected})",
                     repr(results))
        elif expected.startswith(after_signature):
            # yima rejects these after the signature check, so the signature itself must be good.
            results = [pycose_verify(cose, k) for k in keys]
            ck.check(any(r[0] for r in results),
                     f"{name}: pycose verifies the signature (yima rejects later: {expected})", repr(results))


def yima_to_pycose(ck: Checker, yima: Yima, work: str) -> None:
    ck.section("yima issues, pycose verifies")
    key, pub = yima.keygen(os.path.join(work, "issuer"))
    raw = raw_public_from_pem(pub)
    kid = kid_of(raw)
    fields_by_kind = sample_fields()
    for kind, fields in fields_by_kind.items():
        out = os.path.join(work, f"yima-{kind}.txt")
        yima.issue(kind, key, fields, out, work)
        with open(out, encoding="ascii") as f:
            text = f.read().strip()
        cose, compressed = text_to_cose(text)
        what = f"yima {kind}{' (YM1Z)' if compressed else ''}"
        ck.equal(cose[:1], b"\xd2", f"{what}: COSE starts with tag 18")
        msg = CoseMessage.decode(cose)
        ck.check(isinstance(msg, Sign1Message), f"{what}: pycose decodes a Sign1Message", type(msg).__name__)
        header_checks(ck, what, msg, kid)
        msg.key = pub_key(raw)
        ck.check(msg.verify_signature() is True, f"{what}: pycose verifies with issuer.pub")
        claims = cbor2.loads(msg.payload)
        cti = claims.get(CLAIM_CTI)
        ck.check(isinstance(cti, bytes) and len(cti) == 8, f"{what}: cti is 8 random bytes", repr(cti))
        vf = valid_for(kind)[1]
        want = cwt("SH", NOW_TS, NOW_TS + vf, kind, fields, cti=cti)
        ck.equal(claims, want, f"{what}: pycose payload decodes to the expected claims")
        ck.equal(cbor2.dumps(claims, canonical=True), msg.payload,
                 f"{what}: payload equals cbor2 canonical encoding")
        rc, objs, err = yima.verify(text, [pub], NOW)
        ck.check(rc == 0 and len(objs) == 1 and objs[0].get("valid") is True,
                 f"{what}: yima verify exit 0", f"rc={rc} {objs} {err}")
        if objs:
            ck.equal(objs[0].get("claims"), cli_claims_from_cwt(claims),
                     f"{what}: yima --json claims == claims pycose decoded")
            ck.equal(objs[0].get("kid"), kid.hex(), f"{what}: yima reports the same kid")

        for how, bad in (("signature bit flipped", flip_signature_bit(cose)),
                         ("payload byte edited", edit_payload_byte(cose, msg.payload))):
            ok, note = pycose_verify(bad, raw)
            ck.check(not ok, f"{what}, {how}: pycose rejects", note)
            btext = cose_to_text(bad) if not compressed else "YM1Z:" + _b45z(bad)
            rc, objs, err = yima.verify(btext, [pub], NOW)
            code = objs[0].get("code") if objs else None
            ck.check(rc == 1 and code == "signature.invalid",
                     f"{what}, {how}: yima exit 1 signature.invalid", f"rc={rc} code={code} {err}")


def _b45z(cose: bytes) -> str:
    from _common import b45encode

    return b45encode(zlib.compress(cose, 9))


def pycose_sign(priv: Ed25519PrivateKey, payload: bytes, phdr: dict | None = None) -> bytes:
    raw_pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw_priv = priv.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption())
    if phdr is None:
        phdr = {Algorithm: EdDSA, KID: kid_of(raw_pub)}  # insertion order = canonical order (1 < 4)
    msg = Sign1Message(phdr=phdr, uhdr={}, payload=payload)
    msg.key = OKPKey(crv=Ed25519, x=raw_pub, d=raw_priv)
    return msg.encode(tag=True)


def pycose_to_yima(ck: Checker, yima: Yima, work: str) -> None:
    ck.section("pycose signs, yima verifies")
    priv = Ed25519PrivateKey.generate()
    raw = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = kid_of(raw)
    pub_pem = os.path.join(work, "pycose.pub")
    with open(pub_pem, "wb") as f:
        f.write(priv.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo))
    iat = NOW_TS
    fields = sample_fields()
    cases = []
    for i, (kind, flds) in enumerate(fields.items()):
        cases.append((kind, cwt("PY", iat, iat + valid_for(kind)[1], kind, flds, cti=bytes([i + 1]) * 8)))
    # Variants: a not-before later than iat and no cti; an electronic licence with valid_until and no extra.
    hc = dict(fields["health-code"], status="green")
    hc.pop("reason")
    cases.append(("health-code with nbf, no cti", cwt("PY", iat, iat + 86400, "health-code", hc, nbf=iat + 3600)))
    el = {k: v for k, v in fields["electronic-licence"].items() if k != "extra"}
    el["valid_until"] = "2029-12-31"
    cases.append(("electronic-licence with valid_until", cwt("PY", iat, iat + 86400, "electronic-licence", el,
                                                             cti=b"\xee" * 16)))
    verify_at = rfc3339(iat + 2 * 3600)  # after every nbf, before every exp
    for what, claims in cases:
        what = f"pycose {what}"
        payload = cbor2.dumps(claims, canonical=True)
        cose = pycose_sign(priv, payload)
        ck.equal(cose[:1], b"\xd2", f"{what}: tag 18")
        ck.equal(CoseMessage.decode(cose).phdr_encoded, protected_bytes(kid), f"{what}: protected header bytes")
        text = cose_to_text(cose)
        rc, objs, err = yima.verify(text, [pub_pem], verify_at)
        ck.check(rc == 0 and len(objs) == 1 and objs[0].get("valid") is True, f"{what}: yima verify exit 0",
                 f"rc={rc} {objs} {err}")
        want = cli_claims_from_cwt(claims)
        if objs:
            ck.equal(objs[0].get("claims"), want, f"{what}: yima --json claims == the claims pycose signed")
            ck.equal(objs[0].get("kid"), kid.hex(), f"{what}: yima reports kid sha256(pub)[:4]")
        rc, objs, err = yima.inspect(text)
        ck.check(rc == 0 and objs and objs[0].get("claims") == want and objs[0].get("header") == {"alg": -8, "kid": kid.hex()},
                 f"{what}: yima inspect shows the same header and claims", f"rc={rc} {objs} {err}")
        ck.check(pycose_verify(cose, raw)[0], f"{what}: pycose verifies its own message")
        for how, bad in (("signature bit flipped", flip_signature_bit(cose)),
                         ("payload byte edited", edit_payload_byte(cose, payload))):
            ok, note = pycose_verify(bad, raw)
            ck.check(not ok, f"{what}, {how}: pycose rejects", note)
            rc, objs, err = yima.verify(cose_to_text(bad), [pub_pem], verify_at)
            code = objs[0].get("code") if objs else None
            ck.check(rc == 1 and code == "signature.invalid",
                     f"{what}, {how}: yima exit 1 signature.invalid", f"rc={rc} code={code} {err}")

    ck.section("what yima's strict decoder refuses (pycose/cbor2 would produce these if asked)")
    claims = cases[0][1]
    # Protected header with kid inserted before alg: pycose keeps dict insertion order, so {4: kid, 1: -8}.
    cose = pycose_sign(priv, cbor2.dumps(claims, canonical=True), phdr={KID: kid, Algorithm: EdDSA})
    ck.check(pycose_verify(cose, raw)[0], "kid-before-alg header: pycose verifies it")
    rc, objs, _ = yima.verify(cose_to_text(cose), [pub_pem], verify_at)
    code = objs[0].get("code") if objs else None
    ck.check(rc == 1 and code == "cbor.non-canonical",
             "kid-before-alg header: yima exit 1 cbor.non-canonical (headers must be deterministic CBOR)",
             f"rc={rc} code={code}")
    # Payload not in canonical order (the credential claim -270 first).
    reordered = {CLAIM_CREDENTIAL: claims[CLAIM_CREDENTIAL], **{k: v for k, v in claims.items() if k != CLAIM_CREDENTIAL}}
    payload = cbor2.dumps(reordered)  # canonical=False keeps insertion order
    cose = pycose_sign(priv, payload)
    ck.check(pycose_verify(cose, raw)[0], "non-canonical payload: pycose verifies it")
    rc, objs, _ = yima.verify(cose_to_text(cose), [pub_pem], verify_at)
    code = objs[0].get("code") if objs else None
    ck.check(rc == 1 and code == "cbor.non-canonical",
             "non-canonical payload: yima exit 1 cbor.non-canonical (payload must be deterministic CBOR)",
             f"rc={rc} code={code}")
    # Untagged COSE_Sign1 (pycose encode(tag=False)).
    msg = Sign1Message(phdr={Algorithm: EdDSA, KID: kid}, uhdr={}, payload=cbor2.dumps(claims, canonical=True))
    msg.key = OKPKey(crv=Ed25519, x=raw, d=priv.private_bytes(serialization.Encoding.Raw,
                     serialization.PrivateFormat.Raw, serialization.NoEncryption()))
    rc, objs, _ = yima.verify(cose_to_text(msg.encode(tag=False)), [pub_pem], verify_at)
    code = objs[0].get("code") if objs else None
    ck.check(rc == 1 and code == "cose.untagged", "untagged COSE_Sign1: yima exit 1 cose.untagged",
             f"rc={rc} code={code}")


def main() -> int:
    args = arg_parser(__doc__.splitlines()[0]).parse_args()
    os.makedirs(args.work, exist_ok=True)
    yima = Yima(os.path.abspath(args.yima))
    ck = Checker("pycose_check")
    for part in (lambda: check_vectors(ck, args.repo), lambda: yima_to_pycose(ck, yima, args.work),
                 lambda: pycose_to_yima(ck, yima, args.work)):
        try:
            part()
        except Exception as e:  # noqa: BLE001 - a crash is a failed check, and the others still run
            import traceback

            traceback.print_exc()
            ck.fail("unexpected exception", f"{type(e).__name__}: {e}")
    return ck.finish()


if __name__ == "__main__":
    sys.exit(main())
