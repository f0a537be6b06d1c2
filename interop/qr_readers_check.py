#!/usr/bin/env python3
"""Issue 6 §4: yima's QR codes against standard readers, and yima's scanner against a third-party encoder.

1. Every PNG in test-vectors/png/ decodes with zbarimg (zbar-tools) and with zxing-cpp to exactly the
   vector's `input` text; zxing-cpp also reports EC level M and the QR version `yima inspect` predicts.
2. Fresh PNGs from `yima issue ... --out x.png` for each kind (and every EC level for a health code):
   - without a cti (`--no-id`) issuing is deterministic, so the PNG must decode to exactly the text
     that `yima issue --out x.txt` writes;
   - with the default random cti, zbar and zxing-cpp must agree on the text, and that text must verify
     with `yima verify` to the same claims (cti included) as yima's own scan of the PNG.
3. segno (alphanumeric mode, EC level M, scale 4 and 8) encodes the same texts, plus every test vector's
   input that fits a QR code; zbar and zxing-cpp read segno's PNG back (a check on the image), and
   `yima verify IMG --json` / `yima inspect IMG --json` print the same result as on the text itself
   (same validity, error code, kid, claims, COSE sizes and text length).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys

import segno
import zxingcpp
from PIL import Image

from _common import (NOW_TS, QR_ALNUM, Checker, Yima, arg_parser, rfc3339, sample_fields, without)

ZBAR = shutil.which("zbarimg")
ALNUM_CAPACITY_40M = 3391
SCAN_RAW = False  # set in main()


def zbar_read(path: str) -> list[str]:
    """Texts of the QR codes zbarimg finds (QR only; --raw prints each text and a newline)."""
    p = subprocess.run([ZBAR, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", path],
                       capture_output=True, timeout=60)
    if p.returncode not in (0, 4):  # 4: no symbol found
        raise RuntimeError(f"zbarimg exit {p.returncode}: {p.stderr.decode(errors='replace')}")
    out = p.stdout.decode("utf-8")
    return [line for line in out.split("\n") if line] if out else []


def zxing_read(path: str) -> list[zxingcpp.Barcode]:
    """The matrix codes zxing-cpp finds (so that "it sees a QR Code" can fail on another 2D format).
    Linear formats are left out, as zbarimg is limited to QR: with every format enabled, zxing-cpp
    3.1.1 reads about one QR code image in 150 (fresh random keys) correctly and also reports a
    spurious Codabar found among the QR modules."""
    with Image.open(path) as im:
        im.load()
        return [b for b in zxingcpp.read_barcodes(im, formats=zxingcpp.BarcodeFormat.AllMatrix)
                if b.valid]


def check_readers(ck: Checker, what: str, png: str, want: str | None,
                  ec: str | None = None, version: int | None = None) -> str | None:
    """Both readers find exactly one QR code; returns the agreed text (checked against `want` if given)."""
    z = zbar_read(png)
    x = zxing_read(png)
    zt = z[0] if len(z) == 1 else None
    xt = x[0].text if len(x) == 1 else None
    if want is not None:
        ck.check(zt == want, f"{what}: zbarimg reads the exact text",
                 f"found {len(z)} code(s): {[t[:40] for t in z]}")
        ck.check(xt == want, f"{what}: zxing-cpp reads the exact text",
                 f"found {len(x)} code(s): {[b.text[:40] for b in x]}")
    else:
        ck.check(zt is not None and zt == xt, f"{what}: zbarimg and zxing-cpp read the same single text",
                 f"zbar {z!r}\n        zxing {[b.text for b in x]!r}")
    if len(x) == 1:
        b = x[0]
        ck.equal(b.format, zxingcpp.BarcodeFormat.QRCode, f"{what}: zxing-cpp sees a QR Code")
        if ec is not None or version is not None:
            extra = b.extra if isinstance(b.extra, dict) else {}
            got = (b.ec_level, int(extra.get("Version", 0)) if version is not None else None)
            ck.equal(got, (ec, version), f"{what}: zxing-cpp EC level and version")
    return zt if want is None else want


def inspect_versions(yima: Yima, text: str) -> dict:
    rc, objs, err = yima.inspect(text)
    if not objs:
        raise RuntimeError(f"yima inspect printed nothing: {err}")
    return objs[0].get("qr_versions", {})


def scan_raw_supported(yima: Yima) -> bool:
    """`yima scan --raw` prints the text of every QR code in an image (newer CLIs only)."""
    p = yima.run("scan", "--help")
    return p.returncode == 0 and b"--raw" in p.stdout


def scan_raw_texts(yima: Yima, img: str) -> tuple[int, list]:
    rc, objs, _ = yima.json_lines("scan", "--raw", "--json", img)
    return rc, [o.get("text") for o in objs if "text" in o or "unparsed" in o]


def same_result(ck: Checker, yima: Yima, what: str, img: str, text: str, keys: list[str], now: str,
                leeway: str) -> None:
    """yima verify/inspect on the image print what they print on the text (source label aside)."""
    rc_t, out_t, err_t = yima.verify(text, keys, now, leeway)
    rc_i, out_i, err_i = yima.verify(img, keys, now, leeway)
    ck.check(rc_i == rc_t and len(out_i) == 1 and len(out_t) == 1
             and without(out_i[0], "source") == without(out_t[0], "source"),
             f"{what}: yima verify IMG == yima verify TEXT "
             f"({'valid' if out_t and out_t[0].get('valid') else (out_t[0].get('code') if out_t else '?')})",
             f"\n        image rc={rc_i} {out_i} {err_i}\n        text  rc={rc_t} {out_t} {err_t}")
    rc_t, out_t, _ = yima.inspect(text)
    rc_i, out_i, _ = yima.inspect(img)
    ck.check(rc_i == rc_t and len(out_i) == 1 and len(out_t) == 1
             and without(out_i[0], "source") == without(out_t[0], "source"),
             f"{what}: yima inspect IMG == yima inspect TEXT",
             f"\n        image rc={rc_i} {out_i}\n        text  rc={rc_t} {out_t}")
    if SCAN_RAW:
        rc, texts = scan_raw_texts(yima, img)
        ck.check(rc == 0 and texts == [text], f"{what}: yima scan --raw reads the exact text",
                 f"rc={rc} {texts!r}")


# ------------------------------------------------------------------------------------------------


def vector_pngs(ck: Checker, yima: Yima, repo: str) -> list[dict]:
    ck.section("test-vectors/png: zbarimg and zxing-cpp")
    vectors = []
    for path in sorted(glob.glob(os.path.join(repo, "test-vectors", "vectors", "*.json"))):
        with open(path, encoding="utf-8") as f:
            vectors.append(json.load(f))
    by_png = {os.path.normpath(os.path.join(repo, "test-vectors", v["png"])): v for v in vectors if v.get("png")}
    pngs = sorted(os.path.normpath(p) for p in glob.glob(os.path.join(repo, "test-vectors", "png", "*.png")))
    ck.check(len(pngs) > 0, "test-vectors/png has PNGs", "none found")
    ck.equal(sorted(by_png), pngs, "every PNG belongs to a vector and every vector's PNG exists")
    for png in pngs:
        v = by_png.get(png)
        if v is None:
            continue
        text = v["input"]
        check_readers(ck, f"vector {v['name']} png", png, text, ec="M", version=inspect_versions(yima, text)["M"])
    return vectors


def fresh_pngs(ck: Checker, yima: Yima, work: str) -> list[tuple[str, str, list[str], str]]:
    """Returns (label, text, keys, now) for the segno round."""
    ck.section("fresh yima PNGs (yima issue --out x.png): zbarimg and zxing-cpp")
    key, pub = yima.keygen(os.path.join(work, "qr-issuer"))
    verify_at = rfc3339(NOW_TS + 3600)
    texts = []
    for kind, fields in sample_fields().items():
        base = os.path.join(work, f"fresh-{kind}")
        # Deterministic: no cti, fixed issue time -> the .txt and the .png carry the same text.
        yima.issue(kind, key, fields, base + ".txt", work, ("--no-id",))
        yima.issue(kind, key, fields, base + "-again.txt", work, ("--no-id",))
        yima.issue(kind, key, fields, base + ".png", work, ("--no-id",))
        with open(base + ".txt", encoding="ascii") as f:
            text = f.read().strip()
        with open(base + "-again.txt", encoding="ascii") as f:
            ck.equal(f.read().strip(), text, f"{kind} --no-id: issuing is deterministic")
        check_readers(ck, f"fresh {kind} png (no cti)", base + ".png", text, ec="M",
                      version=inspect_versions(yima, text)["M"])
        texts.append((f"fresh {kind} (no cti)", text, [pub], verify_at))

        # Default issuing (random cti): readers agree, and their text verifies to the claims yima scans.
        png = base + "-cti.png"
        yima.issue(kind, key, fields, png, work)
        read = check_readers(ck, f"fresh {kind} png (with cti)", png, None)
        if read is None:
            continue
        rc_t, out_t, _ = yima.verify(read, [pub], verify_at)
        rc_i, out_i, _ = yima.verify(png, [pub], verify_at)
        ck.check(rc_t == 0 and rc_i == 0 and out_t and out_i and out_t[0].get("valid") is True
                 and out_t[0].get("claims") == out_i[0].get("claims") and "cti" in out_t[0]["claims"],
                 f"fresh {kind} png (with cti): the readers' text verifies to the claims yima scans",
                 f"text rc={rc_t} {out_t}\n        image rc={rc_i} {out_i}")
        texts.append((f"fresh {kind} (with cti)", read, [pub], verify_at))

    ck.section("fresh health code at every EC level and two scales")
    hc = sample_fields()["health-code"]
    for ec in ("L", "M", "Q", "H"):
        for scale in ("4", "8"):
            base = os.path.join(work, f"fresh-hc-{ec}-{scale}")
            extra = ("--no-id", "--ec", ec.lower(), "--scale", scale)
            yima.issue("health-code", key, hc, base + ".txt", work, extra)
            yima.issue("health-code", key, hc, base + ".png", work, extra)
            with open(base + ".txt", encoding="ascii") as f:
                text = f.read().strip()
            check_readers(ck, f"fresh health-code png --ec {ec} --scale {scale}", base + ".png", text,
                          ec=ec, version=inspect_versions(yima, text)[ec])
    return texts


def segno_round(ck: Checker, yima: Yima, work: str, vectors: list[dict],
                fresh: list[tuple[str, str, list[str], str]]) -> None:
    ck.section("segno (alphanumeric, EC M) -> yima's scanner")
    cases = []
    for v in vectors:
        keyfiles = []
        for i, k in enumerate(v["keys"]):
            p = os.path.join(work, f"vec-{v['name']}-{i}.pub")
            with open(p, "w", encoding="ascii") as f:
                f.write(k["public_key_pem"])
            keyfiles.append(p)
        cases.append((f"vector {v['name']}", v["input"], keyfiles, v["now_rfc3339"], f"{v['leeway']}s"))
    cases += [(label, text, keys, now, "0s") for label, text, keys, now in fresh]

    for n, (label, text, keys, now, leeway) in enumerate(cases):
        alnum = all(c in QR_ALNUM for c in text)
        mode = "alphanumeric" if alnum else "byte"
        try:
            qr = segno.make(text, mode=mode, error="m", boost_error=False, micro=False)
        except segno.DataOverflowError:
            # Only the oversized-text vector is meant not to fit (alphanumeric capacity of 40-M is 3391).
            ck.check(len(text) > ALNUM_CAPACITY_40M, f"{label}: too long for any QR code at level M "
                     f"({len(text)} characters), as the vector intends", "segno refused a text that should fit")
            continue
        ck.check(qr.error == "M" and qr.mode == mode,
                 f"{label}: segno encodes it in {mode} mode at level M (version {qr.version})",
                 f"error={qr.error} mode={qr.mode}")
        scales = (4, 8) if alnum else (4,)
        for scale in scales:
            png = os.path.join(work, f"segno-{n}-s{scale}.png")
            qr.save(png, scale=scale, border=4)
            what = f"{label} [segno {mode} v{qr.version}-M scale {scale}]"
            if alnum:
                check_readers(ck, what, png, text, ec="M", version=int(qr.version))
            same_result(ck, yima, what, png, text, keys, now, leeway)


def main() -> int:
    args = arg_parser(__doc__.splitlines()[0]).parse_args()
    os.makedirs(args.work, exist_ok=True)
    ck = Checker("qr_readers_check")
    if ZBAR is None:
        ck.fail("zbarimg on PATH", "install zbar-tools")
        return ck.finish()
    yima = Yima(os.path.abspath(args.yima))
    global SCAN_RAW
    SCAN_RAW = scan_raw_supported(yima)
    if not SCAN_RAW:
        print("note: this yima has no `scan --raw`; segno images are compared through verify/inspect only")
    vectors: list[dict] = []
    fresh: list = []
    try:
        vectors = vector_pngs(ck, yima, args.repo)
        fresh = fresh_pngs(ck, yima, args.work)
    except Exception as e:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        ck.fail("unexpected exception", f"{type(e).__name__}: {e}")
    try:
        segno_round(ck, yima, args.work, vectors, fresh)
    except Exception as e:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        ck.fail("unexpected exception", f"{type(e).__name__}: {e}")
    return ck.finish()


if __name__ == "__main__":
    sys.exit(main())
