"""Helpers shared by the interop checks: a pass/fail counter, an independent Base45 (RFC 9285) codec,
the yima claim-key table (crates/yima-core/src/claims.rs) and a runner for the `yima` binary.

Nothing here imports yima code: every mapping is written from the format's description so that a
mismatch between this file and yima shows up as a failed check.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys
from typing import Any


# ------------------------------------------------------------------------------------------------
# Pass/fail bookkeeping


class Checker:
    """Counts checks; prints one line per check; the caller ends with `finish()`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures: list[str] = []

    def ok(self, what: str) -> None:
        self.passed += 1
        print(f"  ok    {what}", flush=True)

    def fail(self, what: str, detail: str = "") -> None:
        self.failed += 1
        line = f"{what}: {detail}" if detail else what
        self.failures.append(line)
        print(f"  FAIL  {line}", flush=True)

    def check(self, cond: bool, what: str, detail: str = "") -> bool:
        if cond:
            self.ok(what)
        else:
            self.fail(what, detail)
        return cond

    def equal(self, got: Any, want: Any, what: str) -> bool:
        if got == want:
            self.ok(what)
            return True
        self.fail(what, f"\n        got:  {got!r}\n        want: {want!r}")
        return False

    def skip(self, what: str, why: str) -> None:
        self.skipped += 1
        print(f"  skip  {what}: {why}", flush=True)

    def section(self, title: str) -> None:
        print(f"-- {title}", flush=True)

    def finish(self) -> int:
        """Prints the totals line that run.sh reads and returns the exit status."""
        if self.failures:
            print(f"{self.name}: failures:")
            for f in self.failures:
                print(f"  - {f.splitlines()[0]}")
        # Deliberately not in the 'N passed, N failed' form: run.sh prints the one closing line.
        print(f"TOTALS {self.name} passed={self.passed} failed={self.failed} skipped={self.skipped}")
        return 1 if self.failed else 0


# ------------------------------------------------------------------------------------------------
# Base45 (RFC 9285), strict


B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
QR_ALNUM = set(B45)


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        e, rest = divmod(n, 45 * 45)
        d, c = divmod(rest, 45)
        out += [B45[c], B45[d], B45[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [B45[c], B45[d]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    if len(text) % 3 == 1:
        raise ValueError("Base45: dangling character")
    try:
        vals = [B45.index(ch) for ch in text]
    except ValueError:
        raise ValueError("Base45: character outside the alphabet") from None
    out = bytearray()
    for i in range(0, len(vals), 3):
        chunk = vals[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 2025
            if n > 0xFFFF:
                raise ValueError("Base45: triple out of range")
            out += n.to_bytes(2, "big")
        else:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise ValueError("Base45: pair out of range")
            out.append(n)
    return bytes(out)


def text_to_cose(text: str) -> tuple[bytes, bool]:
    """Transport text -> (COSE bytes, was it zlib-compressed)."""
    import zlib

    if text.startswith("YM1Z:"):
        return zlib.decompress(b45decode(text[5:])), True
    if text.startswith("YM1:"):
        return b45decode(text[4:]), False
    raise ValueError(f"not a yima text: {text[:8]!r}")


def cose_to_text(cose: bytes) -> str:
    return "YM1:" + b45encode(cose)


# ------------------------------------------------------------------------------------------------
# Claims: yima's CWT claim keys and the five kinds (claims.rs)

CLAIM_ISS, CLAIM_EXP, CLAIM_NBF, CLAIM_IAT, CLAIM_CTI, CLAIM_CREDENTIAL = 1, 4, 5, 6, 7, -270

STATUS = {"green": 0, "yellow": 1, "red": 2}

# kind name -> (kind number, [(sub-key, JSON field name, type, required)])
KINDS: dict[str, tuple[int, list[tuple[int, str, str, bool]]]] = {
    "health-code": (
        1,
        [
            (1, "status", "status", True),
            (2, "holder_name", "text", True),
            (3, "holder_id", "hex", True),
            (4, "region", "uint", True),
            (5, "reason", "text", False),
        ],
    ),
    "social-security-card": (
        2,
        [
            (1, "card_number", "text", True),
            (2, "holder_name", "text", True),
            (3, "citizen_id", "text", True),
            (4, "region", "uint", True),
            (5, "issued", "date", True),
            (6, "expires", "date", True),
        ],
    ),
    "business-licence": (
        3,
        [
            (1, "uscc", "text", True),
            (2, "name", "text", True),
            (3, "legal_representative", "text", True),
            (4, "entity_type", "text", True),
            (5, "address", "text", True),
            (6, "established", "date", True),
            (7, "authority", "text", True),
        ],
    ),
    "food-business-licence": (
        4,
        [
            (1, "licence_number", "text", True),
            (2, "operator", "text", True),
            (3, "operator_uscc", "text", True),
            (4, "address", "text", True),
            (5, "categories", "textlist", True),
            (6, "valid_from", "date", True),
            (7, "valid_until", "date", True),
        ],
    ),
    "electronic-licence": (
        5,
        [
            (1, "identifier", "text", True),
            (2, "holder_name", "text", True),
            (3, "holder_code", "text", True),
            (4, "authority_code", "text", True),
            (5, "valid_from", "date", True),
            (6, "valid_until", "date", False),
            (7, "extra", "textmap", False),
        ],
    ),
}
KIND_BY_NUMBER = {num: name for name, (num, _) in KINDS.items()}

_EPOCH = _dt.date(1970, 1, 1)


def date_to_days(s: str) -> int:
    return (_dt.date.fromisoformat(s) - _EPOCH).days


def days_to_date(n: int) -> str:
    return (_EPOCH + _dt.timedelta(days=n)).isoformat()


def rfc3339(t: int) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(s: str) -> int:
    return int(_dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def _field_to_cbor(typ: str, v: Any) -> Any:
    if typ == "status":
        return STATUS[v]
    if typ == "hex":
        return bytes.fromhex(v)
    if typ == "date":
        return date_to_days(v)
    if typ == "textlist":
        return list(v)
    if typ == "textmap":
        return dict(v)
    return v


def _field_from_cbor(typ: str, v: Any) -> Any:
    if typ == "status":
        return {n: s for s, n in STATUS.items()}[v]
    if typ == "hex":
        return bytes(v).hex()
    if typ == "date":
        return days_to_date(v)
    if typ == "textlist":
        return list(v)
    if typ == "textmap":
        return dict(v)
    return v


def credential_to_cbor(kind: str, fields: dict) -> dict:
    """A kind's JSON fields (the `--claims FILE.json` shape) -> the -270 claim value {0: kind, ...}."""
    number, spec = KINDS[kind]
    unknown = set(fields) - {name for _, name, _, _ in spec}
    if unknown:
        raise ValueError(f"{kind}: unknown fields {sorted(unknown)}")
    out: dict = {0: number}
    for key, name, typ, _ in spec:
        if name in fields and not (typ == "textmap" and not fields[name]):
            out[key] = _field_to_cbor(typ, fields[name])
    return out


def credential_from_cbor(cred: dict) -> tuple[str, dict]:
    """The -270 claim value -> (kind name, JSON fields as yima prints them)."""
    kind = KIND_BY_NUMBER[cred[0]]
    _, spec = KINDS[kind]
    known = {0} | {key for key, _, _, _ in spec}
    if set(cred) - known:
        raise ValueError(f"{kind}: unknown sub-keys {sorted(set(cred) - known)}")
    fields = {}
    for key, name, typ, required in spec:
        if key in cred:
            fields[name] = _field_from_cbor(typ, cred[key])
        elif required:
            raise ValueError(f"{kind}: sub-key {key} ({name}) missing")
    return kind, fields


def cwt(iss: str, iat: int, exp: int, kind: str, fields: dict, cti: bytes | None = None,
        nbf: int | None = None) -> dict:
    """A CWT claims set in yima's format, as a Python dict ready for cbor2."""
    c: dict = {CLAIM_ISS: iss, CLAIM_EXP: exp, CLAIM_IAT: iat,
               CLAIM_CREDENTIAL: credential_to_cbor(kind, fields)}
    if nbf is not None and nbf != iat:
        c[CLAIM_NBF] = nbf
    if cti is not None:
        c[CLAIM_CTI] = cti
    return c


def cwt_from_vector_claims(c: dict) -> dict:
    """The `claims` object of a test vector (serde form of yima's Claims) -> CWT dict."""
    return cwt(
        c["issuer"], c["issued_at"], c["expires_at"], c["credential"]["kind"],
        c["credential"]["fields"],
        cti=bytes.fromhex(c["credential_id"]) if c.get("credential_id") else None,
        nbf=c.get("not_before"),
    )


def cli_claims_from_cwt(c: dict) -> dict:
    """CWT dict -> the `claims` object that `yima verify --json` prints (cli/src/output.rs)."""
    allowed = {CLAIM_ISS, CLAIM_EXP, CLAIM_NBF, CLAIM_IAT, CLAIM_CTI, CLAIM_CREDENTIAL}
    if set(c) - allowed:
        raise ValueError(f"unknown claim keys {sorted(set(c) - allowed)}")
    kind, fields = credential_from_cbor(c[CLAIM_CREDENTIAL])
    out = {"iss": c[CLAIM_ISS], "iat": rfc3339(c[CLAIM_IAT]), "exp": rfc3339(c[CLAIM_EXP])}
    if CLAIM_NBF in c:
        out["nbf"] = rfc3339(c[CLAIM_NBF])
    if CLAIM_CTI in c:
        out["cti"] = bytes(c[CLAIM_CTI]).hex()
    out["kind"] = kind
    out["fields"] = fields
    return out


# ------------------------------------------------------------------------------------------------
# Sample credential fields: the JSON shapes of cli/tests/cli.rs


def _mod37_36_check(s: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character (as in cli/tests/cli.rs)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    p = 36
    for ch in s:
        t = (p + alphabet.index(ch)) % 36 or 36
        p = (t * 2) % 37
    return alphabet[(37 - p) % 36]


def sample_licence_id() -> str:
    return ("1.2.156.3005.2.11100000000013338W032.113100000024202824.0000000000000123.001."
            + _mod37_36_check("11100000000013338W032113100000024202824" + "0000000000000123001"))


def sample_fields() -> dict[str, dict]:
    return {
        "health-code": {"status": "yellow", "holder_name": "张*明", "holder_id": "00112233445566778899",
                        "region": 310115, "reason": "密接"},
        "social-security-card": {"card_number": "S31010423", "holder_name": "金晓明",
                                 "citizen_id": "11010519491231002X", "region": 310104,
                                 "issued": "2021-03-15", "expires": "2031-03-15"},
        "business-licence": {"uscc": "91310110666007217T", "name": "上海一码示例科技有限公司",
                             "legal_representative": "李华", "entity_type": "有限责任公司",
                             "address": "上海市杨浦区国定路335号", "established": "2007-08-20",
                             "authority": "上海市杨浦区市场监督管理局"},
        "food-business-licence": {"licence_number": "JY13101150012345", "operator": "示例餐饮",
                                  "operator_uscc": "91310115591693856A",
                                  "address": "上海市浦东新区张江路100号", "categories": ["热食类食品制售"],
                                  "valid_from": "2023-06-01", "valid_until": "2028-05-31"},
        "electronic-licence": {"identifier": sample_licence_id(), "holder_name": "示例公司",
                               "holder_code": "91310110666007217T",
                               "authority_code": "113100000024202824", "valid_from": "2024-01-01",
                               "extra": {"范围": "技术开发"}},
    }


# Issue time used for fresh credentials (cli/tests/cli.rs uses the same instant).
NOW = "2026-03-01T08:00:00+08:00"
NOW_TS = parse_rfc3339(NOW)
VALID_FOR = {"health-code": ("24h", 24 * 3600)}
DEFAULT_VALID_FOR = ("365d", 365 * 86400)


def valid_for(kind: str) -> tuple[str, int]:
    return VALID_FOR.get(kind, DEFAULT_VALID_FOR)


# ------------------------------------------------------------------------------------------------
# Running yima


class Yima:
    def __init__(self, path: str) -> None:
        self.path = path

    def run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([self.path, *args], input=stdin, capture_output=True, timeout=120)

    def json_lines(self, *args: str) -> tuple[int, list[dict], str]:
        p = self.run(*args)
        objs = []
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line:
                try:
                    objs.append(json.loads(line))
                except json.JSONDecodeError:
                    objs.append({"unparsed": line})
        return p.returncode, objs, p.stderr.decode("utf-8", "replace")

    def verify(self, inp: str, keys: list[str], now: str, leeway: str = "0s"):
        args = ["verify", inp, "--json", "--now", now, "--leeway", leeway]
        for k in keys:
            args += ["--key", k]
        return self.json_lines(*args)

    def inspect(self, inp: str):
        return self.json_lines("inspect", inp, "--json")

    def keygen(self, base: str) -> tuple[str, str]:
        p = self.run("keygen", "--out", base, "--force")
        if p.returncode != 0:
            raise RuntimeError(f"yima keygen failed: {p.stderr.decode()}")
        return base + ".key", base + ".pub"

    def issue(self, kind: str, key: str, fields: dict, out: str, workdir: str,
              extra: tuple[str, ...] = ()) -> None:
        claims_path = os.path.join(workdir, f"{kind}.claims.json")
        with open(claims_path, "w", encoding="utf-8") as f:
            json.dump(fields, f, ensure_ascii=False)
        p = self.run("issue", kind, "--key", key, "--issuer", "SH", "--now", NOW,
                     "--valid-for", valid_for(kind)[0], "--claims", claims_path, "--out", out, *extra)
        if p.returncode != 0:
            raise RuntimeError(f"yima issue {kind} failed ({p.returncode}): {p.stderr.decode()}")


def without(d: dict, *keys: str) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


def arg_parser(description: str):
    import argparse

    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--yima", default=os.path.join(here, "..", "target", "debug", "yima"),
                    help="path to the yima binary (default: target/debug/yima)")
    ap.add_argument("--repo", default=os.path.join(here, ".."), help="repository root")
    ap.add_argument("--work", required=True, help="scratch directory for generated files")
    return ap


def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)
