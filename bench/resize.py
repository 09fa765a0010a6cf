"""What the resize scenario of bench.py needs beyond the servers: its image sets, the input folder of a long run,
vipsthumbnail's side, the check of every result on both sides, and the per-stage profile (--profile).

Both sides get the same input: a folder of links, one per image and pass, with names unique per pass
("p03-dogs.jpg"), so that every result is a file of its own and is counted and checked as such, whichever side
wrote it. Each result must be an image of its source's format (JPEG stays JPEG, PNG stays PNG, for vips too),
of the size a fit into the box gives, and must decode completely: `vipsheader` reads each one's size and loader,
and `vips arrayjoin` with `[fail]` loads every pixel, failing on the first warning (a truncated file).
"""
import math
import os
import subprocess
import threading
import time
from pathlib import Path

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
BOX = (200, 200)
JPEG_QUALITY = 90  # the backend's default jpegQuality, which vips gets too
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Invalid(Exception):
    """A run whose figures do not count (bench.py reports it and leaves it out)."""


def image_files(folder):
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def format_of(data):
    """The format by the bytes, never by the name: "jpeg", "png", or None."""
    return "jpeg" if data.startswith(JPEG_MAGIC) else "png" if data.startswith(PNG_MAGIC) else None


def passes_for(count, images_per_run):
    """Passes over a set of `count` images that give at least `images_per_run` results."""
    return max(1, math.ceil(images_per_run / count))


def long_run_folder(images, passes, folder):
    """A folder of links to `images`, one per image and pass, each name unique ("p03-NAME")."""
    folder.mkdir()
    width = len(str(passes))
    for i in range(passes):
        for image in images:
            (folder / f"p{i:0{width}d}-{image.name}").symlink_to(image.resolve())
    return folder


def header(paths):
    """vipsheader's reading of each file: {path name: (width, height, bands, loader)}."""
    out = {}
    for start in range(0, len(paths), 200):
        chunk = [str(p) for p in paths[start:start + 200]]
        result = subprocess.run(["vipsheader", *chunk], capture_output=True, text=True, timeout=120)
        for line in result.stdout.splitlines():
            # "NAME: 200x125 uchar, 3 bands, srgb, jpegload"
            name, _, rest = line.rpartition(": ")
            fields = [f.strip() for f in rest.split(",")]
            width, height = fields[0].split()[0].split("x")
            out[Path(name).name] = (int(width), int(height), int(fields[1].split()[0]), fields[-1])
    return out


def orientation(path):
    """The EXIF orientation vips reads (1 when there is none)."""
    result = subprocess.run(["vipsheader", "-f", "orientation", str(path)], capture_output=True, text=True,
                            timeout=60)
    text = result.stdout.strip()
    return int(text) if result.returncode == 0 and text.isdigit() else 1


def expected_results(images):
    """Per source name: (format, width, height) of its fit into BOX, upright (EXIF 5 to 8 swap the axes)."""
    sizes = header(images)
    expected = {}
    for image in images:
        if image.name not in sizes:
            raise Invalid(f"vipsheader cannot read the source {image}")
        width, height, _, _ = sizes[image.name]
        if orientation(image) >= 5:
            width, height = height, width
        scale = min(BOX[0] / width, BOX[1] / height)
        fitted = (max(1, min(BOX[0], round(width * scale))), max(1, min(BOX[1], round(height * scale))))
        expected[image.name] = (format_of(image.read_bytes()[:8]), *fitted)
    return expected


def source_of(result_name, stems):
    """The input whose result this is: ours are named STEM-WxH.EXT, vips's STEM.EXT (the longest stem that fits)."""
    fits = [s for s in stems if result_name.startswith(s + "-") or result_name.startswith(s + ".")]
    return max(fits, key=len) if fits else None


def check_results(folder, inputs, expected, side):
    """Every input of the run (input name -> source name) has exactly one result in `folder`, of its source's
    format and expected size (within a pixel each way: vips rounds the short side its own way), decoding
    completely. Raises Invalid naming the first results that fail; returns the number of results."""
    results = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    stems = {Path(name).stem: source for name, source in inputs.items()}
    sizes = header(results)
    problems = []
    by_bands = {}
    seen = set()
    for result in results:
        stem = source_of(result.name, stems)
        if stem is None or stem in seen:
            problems.append(f"{result.name}: " + ("a second result" if stem else "no input of that name"))
            continue
        seen.add(stem)
        source = stems[stem]
        fmt, width, height = expected[source]
        found = format_of(result.read_bytes()[:8])
        size = sizes.get(result.name)
        if found != fmt:
            problems.append(f"{result.name}: {found or 'not an image'}, expected {fmt}")
        elif size is None:
            problems.append(f"{result.name}: vipsheader cannot read it")
        elif abs(size[0] - width) > 1 or abs(size[1] - height) > 1:
            problems.append(f"{result.name}: {size[0]}x{size[1]}, expected {width}x{height}")
        else:
            by_bands.setdefault(size[2], []).append(result)
    problems += [f"{stem}: no result" for stem in stems if stem not in seen]
    for group in by_bands.values():
        problems += undecodable(group, folder.parent)
    if problems:
        raise Invalid(f"{side}: {len(problems)} bad results: " + "; ".join(problems[:5]))
    return len(results)


def undecodable(results, work):
    """The results that vips cannot decode to their last pixel, loaded together by arrayjoin and, when that
    fails, one by one to name them."""
    joined = work / f".check-{os.getpid()}-{threading.get_ident()}.v"
    try:
        for start in range(0, len(results), 100):
            chunk = results[start:start + 100]
            spec = " ".join(f"{p}[fail]" for p in chunk)
            if subprocess.run(["vips", "arrayjoin", spec, str(joined), "--across", "10"], capture_output=True,
                              timeout=300).returncode != 0:
                return [f"{p.name}: does not decode" for p in chunk
                        if subprocess.run(["vips", "avg", f"{p}[fail]"], capture_output=True,
                                          timeout=60).returncode != 0] or [f"{chunk[0].parent}: vips arrayjoin failed"]
    finally:
        joined.unlink(missing_ok=True)
    return []


def vips_output(image):
    """vipsthumbnail's -o for a source: the same format, JPEG at our quality."""
    return "%s.png" if format_of(image.read_bytes()[:8]) == "png" else f"%s.jpg[Q={JPEG_QUALITY}]"


def run_vips(files, out, processes=2, env=None):
    """vipsthumbnail over `files` into `out`, split over `processes` workers running side by side; each worker
    runs one vipsthumbnail per output format. Returns the wall seconds and the CPU seconds of all of them."""
    shares = [[] for _ in range(processes)]
    for i, f in enumerate(files):
        shares[i % processes].append(f)
    failures = []
    cpu = [0.0]
    lock = threading.Lock()

    def worker(share):
        by_format = {}
        for f in share:
            by_format.setdefault(vips_output(f), []).append(f)
        for template, chunk in by_format.items():
            process = subprocess.Popen(["vipsthumbnail", "-s", f"{BOX[0]}x{BOX[1]}", "-o", f"{out}/{template}",
                                        *map(str, chunk)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       env=env)
            _, status, rusage = os.wait4(process.pid, 0)
            with lock:
                cpu[0] += rusage.ru_utime + rusage.ru_stime
            if os.waitstatus_to_exitcode(status) != 0:
                failures.append(process.stderr.read().decode(errors="replace")[-1000:])

    started = time.time()
    threads = [threading.Thread(target=worker, args=(share,)) for share in shares if share]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.time() - started
    if failures:
        raise Invalid("vipsthumbnail failed: " + failures[0])
    return seconds, cpu[0]


def vips_per_image(image, work, copies=20):
    """vips's own CPU and wall time for one image, on one thread (VIPS_CONCURRENCY=1), process start left out:
    one vipsthumbnail of 1 copy and one of 1 + `copies`; the difference over `copies`."""
    env = {**os.environ, "VIPS_CONCURRENCY": "1"}
    folder = work / f"vips-profile-{image.stem}"
    folder.mkdir()
    links = []
    for i in range(copies + 1):
        link = folder / f"{i:03d}-{image.name}"
        link.symlink_to(image.resolve())
        links.append(link)
    out = work / f"vips-profile-out-{image.stem}"
    out.mkdir()
    one_wall, one_cpu = run_vips(links[:1], out, processes=1, env=env)
    all_wall, all_cpu = run_vips(links, out, processes=1, env=env)
    return {"cpu_ms": max(0.0, all_cpu - one_cpu) / copies * 1000,
            "wall_ms": max(0.0, all_wall - one_wall) / copies * 1000}


def profile(jar, images_folder, work, jvm_opts=()):
    """Our one warm worker's stages (ResizeProfile, from the jar) beside vips's time per image; printed, and
    returned for the JSON."""
    import json
    result = subprocess.run(["java", *jvm_opts, "-cp", str(jar), "tcpbalancer.backend.ResizeProfile",
                             str(images_folder), "--json"], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise Invalid("ResizeProfile failed: " + result.stderr[-2000:])
    ours = json.loads(result.stdout)
    rows = []
    for entry in ours["images"]:
        vips = vips_per_image(Path(images_folder) / entry["image"], work)
        total = entry["decode_ms"] + entry["scale_ms"] + entry["encode_ms"]
        rows.append({**entry, "total_ms": total, "vips_cpu_ms": vips["cpu_ms"], "vips_wall_ms": vips["wall_ms"]})
    print(f"\n== profile of one warm worker, {BOX[0]}x{BOX[1]} fit, in {images_folder}: our thread's CPU ms per stage "
          f"(median of {ours['rounds']} rounds) beside vipsthumbnail's CPU ms per image (VIPS_CONCURRENCY=1, "
          f"process start left out)")
    print(f"  {'image':<42} {'fmt':<5} {'decoder':<14} {'decode':>7} {'scale':>7} {'encode':>7} {'ours':>7} "
          f"{'vips':>7} {'vips/ours':>9}")
    for fmt in sorted({r["format"] for r in rows}) + [None]:
        chosen = [r for r in rows if fmt is None or r["format"] == fmt]
        if fmt is not None:
            for r in chosen:
                print(f"  {r['image']:<42} {r['format']:<5} {r['decoder']:<14} {r['decode_ms']:>7.1f} "
                      f"{r['scale_ms']:>7.1f} {r['encode_ms']:>7.1f} {r['total_ms']:>7.1f} {r['vips_cpu_ms']:>7.1f} "
                      f"{r['vips_cpu_ms'] / r['total_ms']:>9.2f}")
        sums = {k: sum(r[k] for r in chosen) for k in ("decode_ms", "scale_ms", "encode_ms", "total_ms", "vips_cpu_ms")}
        label = f"all {len(chosen)} {fmt}" if fmt else f"one pass, {len(chosen)} images"
        print(f"  {label:<42} {'':<5} {'':<14} {sums['decode_ms']:>7.1f} {sums['scale_ms']:>7.1f} "
              f"{sums['encode_ms']:>7.1f} {sums['total_ms']:>7.1f} {sums['vips_cpu_ms']:>7.1f} "
              f"{sums['vips_cpu_ms'] / sums['total_ms']:>9.2f}")
    return {"ours_clock": ours["clock"], "vips_clock": "CPU of vipsthumbnail per image, VIPS_CONCURRENCY=1, "
            "(1 + 20 copies) - (1 copy), over 20", "images": rows}
