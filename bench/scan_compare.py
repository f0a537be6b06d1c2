#!/usr/bin/env python3
"""Compare QR readers on folders of labelled images: yima, zxing-cpp and zbar, side by side, in one run.

Every image NAME.png / .jpg / .jpeg / .webp needs a sibling NAME.txt holding the exact expected text (UTF-8,
compared byte for byte, no newline added). Optional siblings NAME.also-1.txt, NAME.also-2.txt, ... hold texts of
other codes that are really in the image (a code inside a code, a sheet): reading those is not wrong.

Each image is read in every requested rotation (default: all four 90-degree rotations, clockwise), by each decoder,
from the same grey pixels (colour converted to grey, transparent pixels made white, as yima does). Per folder and
decoder it prints: reads (image x rotation) that returned the expected text / total, reads that returned a wrong
text, errors, and the median and 90th-percentile time of the read alone (file decoding and rotation excluded; each
read repeated --repeat times and its median kept), both wall-clock and the calling thread's CPU time. On a busy
shared machine the CPU columns are the fairer comparison: they leave out time spent waiting for a core.

    python3 bench/scan_compare.py                         # the photos (crates/yima-qr/tests/data/photos) + synthetic frames
    python3 bench/scan_compare.py ../shared/corpus/qr-photos --split holdout
    python3 bench/scan_compare.py DIR... --rotations 0 --repeat 9 --json results.json

Decoders:
  yima       `cargo build --release -p yima-qr --example scan_files`, which calls yima_qr::scan_luma (and times it).
  zxing-cpp  pip zxing-cpp 3.1.1: zxingcpp.read_barcodes(img, formats=QRCode, text_mode=Plain), its defaults
             otherwise (try_harder, try_rotate, try_invert, try_downscale all on).
  zbar       pip pyzbar 0.1.9 over Debian's libzbar0 (apt zbar-tools): pyzbar.decode(img, symbols=[QRCODE]).
Missing packages are installed (pip; apt-get for libzbar0) unless --no-install is given.

--split: 'holdout' keeps only the held-out images, 'tune' only the others, 'all' (default) both. Held out: within
each folder, sorted by file name, every fourth image (positions 4, 8, 12, ...). The synthetic frames are never
held out (they are generated, not tuned on).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp"}
PIP_PACKAGES = ["zxing-cpp==3.1.1", "pillow==13.0.0", "pyzbar==0.1.9"]
ROTATIONS = (0, 90, 180, 270)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_python_packages(install: bool) -> None:
    try:
        import PIL  # noqa: F401
        import pyzbar  # noqa: F401
        import zxingcpp  # noqa: F401
        return
    except ImportError:
        if not install:
            raise
    log("installing " + " ".join(PIP_PACKAGES))
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *PIP_PACKAGES], check=True, env=env)


def ensure_libzbar(install: bool) -> None:
    try:
        from pyzbar import pyzbar  # noqa: F401  (loads libzbar.so.0)
        return
    except ImportError:
        if not install:
            raise
    log("installing zbar-tools (libzbar0) with apt-get")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "zbar-tools"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def build_yima() -> Path:
    log("building yima (cargo build --release -p yima-qr --example scan_files)")
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "yima-qr", "--example", "scan_files"],
                   cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "examples" / "scan_files"


def synth_frames(count: int) -> Path:
    out = ROOT / "target" / "scan-compare-frames"
    log(f"writing {count} synthetic frames per size to {out}")
    subprocess.run(["cargo", "run", "-q", "--release", "-p", "yima-qr", "--example", "synth_frames", "--",
                    str(out), str(count)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return out


class Image_:
    """One labelled image."""

    def __init__(self, path: Path, folder: str, held_out: bool):
        self.path = path
        self.folder = folder
        self.held_out = held_out
        self.expected = path.with_suffix(".txt").read_bytes().decode("utf-8")
        self.also = {p.read_bytes().decode("utf-8") for p in sorted(path.parent.glob(path.stem + ".also-*.txt"))}


def find_images(roots: list[Path], split: str) -> list[Image_]:
    images = []
    for root in roots:
        dirs = sorted({p.parent for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXTS})
        for d in dirs:
            files = sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_EXTS and p.with_suffix(".txt").is_file())
            synthetic = any((a / "SYNTHETIC").is_file() for a in [d, *d.parents][:3])
            folder = str(d.relative_to(root.parent)) if d != root else root.name
            for i, p in enumerate(files):
                held_out = (not synthetic) and i % 4 == 3
                if split == "holdout" and not held_out or split == "tune" and held_out:
                    continue
                images.append(Image_(p, folder, held_out))
    return images


def gray(path: Path):
    """Grey pixels as yima sees them: alpha composited onto white, then ITU-R 601 luma."""
    from PIL import Image

    im = Image.open(path)
    im.load()
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return im.convert("L")


def rotated(im, degrees: int):
    from PIL import Image

    return {0: lambda: im, 90: lambda: im.transpose(Image.Transpose.ROTATE_270),
            180: lambda: im.transpose(Image.Transpose.ROTATE_180),
            270: lambda: im.transpose(Image.Transpose.ROTATE_90)}[degrees]()


def timed(fn, repeat: int):
    """The last result, and the median wall-clock and thread-CPU milliseconds of `repeat` calls."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.thread_time()
        result = fn()
        cpu.append((time.thread_time() - c) * 1000.0)
        times.append((time.perf_counter() - t) * 1000.0)
    return result, statistics.median(times), statistics.median(cpu)


def run_zxing(images, rotations, repeat):
    import zxingcpp

    out = {}
    for img in images:
        base = gray(img.path)
        for r in rotations:
            im = rotated(base, r)
            try:
                res, ms, cpu = timed(lambda: zxingcpp.read_barcodes(im, formats=zxingcpp.BarcodeFormat.QRCode,
                                                                    text_mode=zxingcpp.TextMode.Plain), repeat)
                out[(img.path, r)] = ([b.text for b in res], ms, cpu, None)
            except Exception as e:  # noqa: BLE001 - any failure of the reader is recorded
                out[(img.path, r)] = ([], None, None, type(e).__name__)
    return out


def run_zbar(images, rotations, repeat):
    from pyzbar import pyzbar

    out = {}
    for img in images:
        base = gray(img.path)
        for r in rotations:
            im = rotated(base, r)
            try:
                res, ms, cpu = timed(lambda: pyzbar.decode(im, symbols=[pyzbar.ZBarSymbol.QRCODE]), repeat)
                out[(img.path, r)] = ([s.data.decode("utf-8", "replace") for s in res], ms, cpu, None)
            except Exception as e:  # noqa: BLE001
                out[(img.path, r)] = ([], None, None, type(e).__name__)
    return out


def run_yima(binary: Path, images, rotations, repeat):
    out = {}
    # In batches, so the command line stays short.
    for start in range(0, len(images), 64):
        batch = images[start:start + 64]
        cmd = [str(binary), "--repeat", str(repeat), "--rotations", ",".join(map(str, rotations))]
        cmd += [str(i.path) for i in batch]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            log(f"yima scan_files exited {proc.returncode}: {proc.stderr[-2000:]}")
        for line in proc.stdout.splitlines():
            rec = json.loads(line)
            out[(Path(rec["file"]), rec["rotation"])] = (rec["texts"], rec["ms"], rec.get("cpu_ms"), rec["error"])
        for i in batch:
            for r in rotations:
                out.setdefault((i.path, r), ([], None, None, "crash"))
    return out


def classify(img: Image_, texts, error):
    if error:
        return "error"
    wrong = [t for t in texts if t != img.expected and t not in img.also]
    if wrong:
        return "wrong"
    return "read" if img.expected in texts else "miss"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", type=Path,
                    help="folders of labelled images (default: crates/yima-qr/tests/data/photos, yima's copy of the "
                         "shared photo corpus with its label errata, and synthetic frames)")
    ap.add_argument("--rotations", default="0,90,180,270")
    ap.add_argument("--repeat", type=int, default=3, help="reads per image and rotation; the median time is kept")
    ap.add_argument("--decoders", default="yima,zxing-cpp,zbar")
    ap.add_argument("--split", choices=["all", "tune", "holdout"], default="all")
    ap.add_argument("--synthetic", type=int, default=10,
                    help="synthetic 1920x1080 and 640x480 frames to add when no folder is given (0: none)")
    ap.add_argument("--no-install", action="store_true", help="do not pip/apt-get install missing packages")
    ap.add_argument("--json", type=Path, help="also write every per-image result to this file")
    ap.add_argument("--list-failures", action="store_true", help="print every image a decoder missed or misread")
    args = ap.parse_args()

    rotations = [int(r) for r in args.rotations.split(",")]
    assert all(r in ROTATIONS for r in rotations), "rotations are 0, 90, 180, 270"
    decoders = args.decoders.split(",")
    folders = list(args.folders)
    if not folders:
        folders = [ROOT / "crates" / "yima-qr" / "tests" / "data" / "photos"]
        if args.synthetic:
            folders.append(synth_frames(args.synthetic))
    images = find_images(folders, args.split)
    if not images:
        log("no labelled images found")
        return 2

    if "zxing-cpp" in decoders or "zbar" in decoders:
        ensure_python_packages(not args.no_install)
    if "zbar" in decoders:
        ensure_libzbar(not args.no_install)
    results = {}
    if "yima" in decoders:
        binary = build_yima()
        log("running yima")
        results["yima"] = run_yima(binary, images, rotations, args.repeat)
    if "zxing-cpp" in decoders:
        log("running zxing-cpp")
        results["zxing-cpp"] = run_zxing(images, rotations, args.repeat)
    if "zbar" in decoders:
        log("running zbar")
        results["zbar"] = run_zbar(images, rotations, args.repeat)

    from importlib.metadata import version

    versions = {"zxing-cpp": "zxing-cpp " + version("zxing-cpp") if "zxing-cpp" in decoders else "",
                "zbar": "pyzbar " + version("pyzbar") if "zbar" in decoders else ""}
    print(f"# {len(images)} images x rotations {rotations} = {len(images) * len(rotations)} reads per decoder; "
          f"split {args.split}; median of {args.repeat} timed reads each. "
          + "; ".join(v for v in versions.values() if v))
    header = (f"{'folder':36} {'decoder':10} {'read':>13} {'wrong':>6} {'errors':>6} {'median ms':>10} {'p90 ms':>8} "
              f"{'cpu med':>8} {'cpu p90':>8}")
    print(header)
    print("-" * len(header))
    groups = {}
    for img in images:
        groups.setdefault(img.folder, []).append(img)
    groups["ALL"] = images
    if args.split == "all" and any(i.held_out for i in images):
        groups["ALL held-out"] = [i for i in images if i.held_out]
    failures = []
    summary = {}
    for folder, imgs in groups.items():
        for dec in decoders:
            res = results[dec]
            counts = {"read": 0, "wrong": 0, "miss": 0, "error": 0}
            times, cpu_times = [], []
            for img in imgs:
                for r in rotations:
                    texts, ms, cpu_ms, error = res[(img.path, r)]
                    c = classify(img, texts, error)
                    counts[c] += 1
                    if ms is not None:
                        times.append(ms)
                    if cpu_ms is not None:
                        cpu_times.append(cpu_ms)
                    if folder == "ALL" and c != "read":
                        failures.append((dec, c, str(img.path), r, texts, error))
            n = len(imgs) * len(rotations)
            def med_p90(ts):
                if not ts:
                    return float("nan"), float("nan")
                return statistics.median(ts), sorted(ts)[int(0.9 * (len(ts) - 1))]

            med, p90 = med_p90(times)
            cpu_med, cpu_p90 = med_p90(cpu_times)
            pct = 100.0 * counts["read"] / n if n else 0.0
            summary[(folder, dec)] = dict(counts, n=n, median_ms=med, p90_ms=p90, cpu_median_ms=cpu_med,
                                          cpu_p90_ms=cpu_p90)
            print(f"{folder[-36:]:36} {dec:10} {counts['read']:5}/{n:<4} {pct:3.0f}% {counts['wrong']:6} "
                  f"{counts['error']:6} {med:10.2f} {p90:8.2f} {cpu_med:8.2f} {cpu_p90:8.2f}")
    if args.list_failures:
        print("\nfailures (decoder, outcome, image, rotation, texts, error):")
        for f in failures:
            print("  ", *f)
    if args.json:
        args.json.write_text(json.dumps({
            "rotations": rotations, "split": args.split,
            "summary": [dict(folder=f, decoder=d, **v) for (f, d), v in summary.items()],
            "results": [dict(decoder=d, file=str(p), rotation=r, texts=t, ms=ms, cpu_ms=cpu, error=e)
                        for d, res in results.items() for (p, r), (t, ms, cpu, e) in res.items()],
        }, indent=1, ensure_ascii=False))
    bad = sum(summary[("ALL", "yima")][k] for k in ("wrong", "error")) if "yima" in decoders else 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
