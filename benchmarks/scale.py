"""Scale benchmark of the build: synthetic corpora of growing size built without NER.

Run: .venv/bin/python benchmarks/scale.py [--sizes 10MB,100MB,1GB] [--double 500MB]
         [--jobs N] [--workdir DIR] [--seed 1] [--keep] [--json FILE] [--frictionless]

For each size, benchmarks/synth.py writes a corpus (or reuses one kept by --keep), every
output of an earlier build is removed, and `diplocorpus build DIR --no-ner --timings FILE
--quiet` runs as a subprocess while the resident memory of its whole process tree (the
build and every descendant, summed) is sampled every 50 ms. Then `diplocorpus validate DIR
--no-frictionless` (the project's own validation; with --frictionless, Frictionless's pass
too) runs the same way. The script prints, per size: each stage's seconds, MB/s and records/s
(from the build's --timings file; the map stages are summed over workers, so their MB/s is
per core), the wall time, MB/s per core over parse + tables + write, the peak memory, and a
probe of the host's speed taken just before the build and just after the validation (the
parse stage's work on the corpus's first 10 MB, in ms per MB: on a shared host, the same
code runs at different speeds from one run to the next, and the probe shows how fast the
host was around each build); then the ratio of the largest corpus's peak to the peak of the
corpus nearest a tenth of its size, and the time ratio of the doubling step (--double SIZE
and twice SIZE). The targets of the scaling plan are printed next to what was measured.

It fails with a one-line message when the build fails, writes no timings file, or reports
sources taken from its cache (the figures would not be those of a cold build).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402  (the generator next to this script)

STAGES = ("parse", "enrich", "relate", "tables", "validate", "write", "documents")
PER_CORE_STAGES = ("parse", "tables", "write")
TIMINGS_KEYS = ("stages", "wall", "raw_bytes", "records", "sources", "jobs", "cached_sources")
SAMPLE_SECONDS = 0.05
MB = 1e6
# The host probe's share of each corpus: the first files, up to this many bytes.
PROBE_BYTES = 10_000_000

# The scaling plan's acceptance targets.
TARGET_MB_PER_CORE = 25.0
TARGET_PEAK_BYTES = 2e9
TARGET_PEAK_RATIO = 1.3
TARGET_DOUBLING_RATIO = 2.2
TARGET_VALIDATE_SECONDS = 60.0


class BenchmarkError(Exception):
    """The benchmark cannot measure what it claims; the message says why."""


@dataclass
class Measured:
    """A finished subprocess: exit code, wall seconds, peak RSS of its process tree."""

    returncode: int
    wall: float
    peak_rss: int
    stderr: str


@dataclass
class Run:
    size: int
    raw_bytes: int
    files: int
    records_written: int
    build: Measured
    timings: dict
    validate: Measured
    # The host probe's ms per MB just before the build and just after the validation.
    probe: tuple[float, float] | None = None


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants; 0 once it has exited."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.Error):  # exited between the listing and the reading
            total += member.memory_info().rss
    return total


def measure(command: Sequence[str], interval: float = SAMPLE_SECONDS) -> Measured:
    """Run `command`, sampling the summed RSS of its process tree every `interval` seconds."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        process = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            peak = max(peak, tree_rss(process))
            time.sleep(interval)
        wall = time.perf_counter() - started
        stderr.seek(0)
        return Measured(child.returncode, wall, peak, stderr.read())


def probe(package: Path, budget: int = PROBE_BYTES) -> float:
    """How fast the host runs the parse stage's work (shard.parse_source) just now, in ms
    per MB: reading, parsing and turning into rows the corpus's first files (by source_id,
    up to `budget` bytes), in this process, the best of three rounds. The same code on the
    same files each time: when it is slower, the host is, and so are the stages measured
    around it."""
    from diplocorpus.build import formats
    from diplocorpus.read import read_manifest
    from diplocorpus.shard import collector_paused, parse_source

    entries, size = [], 0
    for entry in sorted(read_manifest(package, formats()), key=lambda e: e.source_id):
        if size >= budget:
            break
        entries.append(entry)
        size += (package / "data/raw" / entry.path).stat().st_size
    if not size:
        raise BenchmarkError(f"{package}: no raw file to probe the host with")
    best = float("inf")
    with collector_paused():  # as while a shard is made
        for _ in range(3):
            started = time.perf_counter()
            for entry in entries:
                parse_source(package, entry)
            best = min(best, time.perf_counter() - started)
    return best / (size / MB) * 1000


def diplocorpus(*args: str) -> list[str]:
    return [sys.executable, "-m", "diplocorpus", *args]


def build_command(package: Path, timings: Path, jobs: int | None) -> list[str]:
    extra = ["--jobs", str(jobs)] if jobs else []
    return diplocorpus("build", str(package), "--no-ner", "--timings", str(timings), "--quiet", *extra)


def read_timings(path: Path, measured: Measured) -> dict:
    """The build's --timings file, checked; BenchmarkError when it is missing or partial."""
    if measured.returncode != 0:
        last = measured.stderr.strip().splitlines()[-1:] or ["no message"]
        raise BenchmarkError(
            f"diplocorpus build failed (exit {measured.returncode}): {last[0].rstrip('.')}; this benchmark needs "
            "`diplocorpus build DIR --no-ner --timings FILE`"
        )
    if not path.is_file():
        raise BenchmarkError(
            f"diplocorpus build wrote no timings file {path}: this build does not support --timings"
        )
    timings = json.loads(path.read_text("utf-8"))
    missing = [k for k in TIMINGS_KEYS if k not in timings]
    missing += [f"stages.{s}" for s in STAGES if s not in timings.get("stages", {})]
    if missing:
        raise BenchmarkError(f"{path}: timings lack {', '.join(missing)}")
    if timings["cached_sources"]:
        raise BenchmarkError(
            f"the build took {timings['cached_sources']} source(s) from its cache: the figures would "
            "not be those of a cold build; clear the build cache and run again"
        )
    return timings


def stage_rows(timings: dict) -> list[tuple[str, float, float | None, float | None]]:
    """(stage, seconds, MB/s, records/s) per stage, then parse+tables+write.

    >>> t = {"stages": dict.fromkeys(STAGES, 2.0), "raw_bytes": 100_000_000, "records": 1000}
    >>> stage_rows(t)[0], stage_rows(t)[-1]
    (('parse', 2.0, 50.0, 500.0), ('parse+tables+write', 6.0, 16.666666666666668, 166.66666666666666))
    """
    rows = []
    for name in STAGES:
        seconds = float(timings["stages"][name])
        rows.append((name, seconds, *_rates(timings, seconds)))
    core = sum(float(timings["stages"][s]) for s in PER_CORE_STAGES)
    rows.append(("+".join(PER_CORE_STAGES), core, *_rates(timings, core)))
    return rows


def _rates(timings: dict, seconds: float) -> tuple[float | None, float | None]:
    if seconds <= 0:
        return None, None
    return timings["raw_bytes"] / MB / seconds, timings["records"] / seconds


def mb_per_core(timings: dict) -> float | None:
    """Raw MB per worker-second over parse, tables and write."""
    return stage_rows(timings)[-1][2]


def corpus_dir(workdir: Path, size: int, seed: int) -> Path:
    return workdir / f"corpus-{_label(size)}-seed{seed}"


def prepare_corpus(workdir: Path, size: int, seed: int) -> tuple[Path, dict]:
    """A generated corpus with no build output: reused when one of this size and seed was
    kept, written otherwise."""
    package = corpus_dir(workdir, size, seed)
    summary_path = package / "synth.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text("utf-8"))
        if summary.get("size_requested") == size and summary.get("seed") == seed:
            _remove_build_output(package)
            return package, summary
    if package.exists():
        shutil.rmtree(package)
    free = shutil.disk_usage(workdir).free
    if free < 4 * size:
        raise BenchmarkError(
            f"{workdir}: {free / MB:.0f} MB free; a {_label(size)} corpus and its build need about "
            f"{4 * size / MB:.0f} MB (choose another --workdir)"
        )
    print(f"generating {_label(size)} corpus in {package} ...", flush=True)
    return package, synth.generate(package, size, seed)


def _remove_build_output(package: Path) -> None:
    """Leave only the generator's output: data/raw/, data/curated/ and synth.json."""
    keep = {package / "data/raw", package / "data/curated", package / "synth.json"}
    for path in list(package.iterdir()) + list((package / "data").iterdir()):
        if path in keep or path == package / "data":
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def run_size(
    workdir: Path, size: int, seed: int, jobs: int | None, keep: bool, frictionless: bool = False
) -> Run:
    package, summary = prepare_corpus(workdir, size, seed)
    timings_path = workdir / f"timings-{_label(size)}.json"
    timings_path.unlink(missing_ok=True)
    try:
        print(
            f"building {package} ({summary['raw_bytes'] / MB:.1f} MB, {summary['files']} files) ...",
            flush=True,
        )
        before = probe(package)
        built = measure(build_command(package, timings_path, jobs))
        timings = read_timings(timings_path, built)
        print(f"validating {package} ...", flush=True)
        extra = () if frictionless else ("--no-frictionless",)
        validated = measure(diplocorpus("validate", str(package), "--quiet", *extra))
        if validated.returncode != 0:
            last = validated.stderr.strip().splitlines()[-1:] or ["no message"]
            raise BenchmarkError(
                f"diplocorpus validate failed on {package} (exit {validated.returncode}): {last[0]}"
            )
        after = probe(package)
    finally:
        if not keep:
            shutil.rmtree(package, ignore_errors=True)
    return Run(
        size,
        summary["raw_bytes"],
        summary["files"],
        summary["records"],
        built,
        timings,
        validated,
        (before, after),
    )


def machine() -> list[str]:
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        models = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = models[0] if models else cpu
    physical = psutil.cpu_count(logical=False)
    return [
        f"CPU: {cpu}",
        f"cores: {os.cpu_count()} logical, {physical or 'unknown'} physical",
        f"RAM: {psutil.virtual_memory().total / 1e9:.1f} GB",
        f"Python: {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
    ]


def print_run(run: Run) -> None:
    t = run.timings
    print()
    print(
        f"== {_label(run.size)}: {run.raw_bytes / MB:.1f} MB raw in {run.files} files, "
        f"{t['records']} records built ({run.records_written} written by the generator), "
        f"jobs {t['jobs']}"
    )
    if t["records"] != run.records_written:
        print("   note: the build's record count differs from the generator's")
    print(f"   {'stage':<20} {'seconds':>9} {'MB/s':>9} {'records/s':>11}")
    for name, seconds, mb_s, rec_s in stage_rows(t):
        print(f"   {name:<20} {seconds:>9.2f} {_num(mb_s, 9, 2)} {_num(rec_s, 11, 0)}")
    print(f"   wall (build's own)   {t['wall']:>9.2f} s   ({run.raw_bytes / MB / t['wall']:.2f} MB/s)")
    print(f"   wall (process)       {run.build.wall:>9.2f} s")
    print(f"   MB/s per core, {'+'.join(PER_CORE_STAGES)}: {_num(mb_per_core(t), 0, 2)}")
    print(f"   peak memory (tree)   {run.build.peak_rss / MB:>9.0f} MB")
    print(f"   validate             {run.validate.wall:>9.2f} s, peak {run.validate.peak_rss / MB:.0f} MB")
    if run.probe:
        print(
            f"   host probe           {run.probe[0]:>9.2f} ms/MB before the build, {run.probe[1]:.2f} after "
            f"(read + parse + rows of the first {PROBE_BYTES / MB:g} MB, one process)"
        )


def summary_lines(runs: Sequence[Run], double: int | None) -> list[str]:
    """Ratios and the plan's targets, from the runs made."""
    by_size = {r.size: r for r in runs}
    largest = max(runs, key=lambda r: r.size)
    lines = []
    per_core = mb_per_core(largest.timings)
    lines.append(
        f"MB/s per core at {_label(largest.size)}: {_num(per_core, 0, 2)} "
        f"(target >= {TARGET_MB_PER_CORE:g}: {_verdict(per_core is not None and per_core >= TARGET_MB_PER_CORE)})"
    )
    lines.append(
        f"peak memory at {_label(largest.size)}: {largest.build.peak_rss / MB:.0f} MB "
        f"(target < {TARGET_PEAK_BYTES / MB:.0f} MB at 1GB: "
        f"{_verdict(largest.build.peak_rss < TARGET_PEAK_BYTES) if largest.size >= 10**9 else 'not measured at 1GB'})"
    )
    smaller = [r for r in runs if r.size < largest.size]
    if smaller:
        tenth = min(smaller, key=lambda r: abs(r.size - largest.size / 10))
        ratio = largest.build.peak_rss / tenth.build.peak_rss
        lines.append(
            f"peak memory ratio {_label(largest.size)}/{_label(tenth.size)}: {ratio:.2f} "
            f"(target <= {TARGET_PEAK_RATIO:g} for 1GB/100MB: {_verdict(ratio <= TARGET_PEAK_RATIO)})"
        )
    if double and double in by_size and 2 * double in by_size:
        ratio = by_size[2 * double].timings["wall"] / by_size[double].timings["wall"]
        lines.append(
            f"time ratio {_label(2 * double)}/{_label(double)} (build's own wall): {ratio:.2f} "
            f"(target <= {TARGET_DOUBLING_RATIO:g}: {_verdict(ratio <= TARGET_DOUBLING_RATIO)})"
        )
    lines.append(
        f"validate at {_label(largest.size)}: {largest.validate.wall:.1f} s "
        f"(target < {TARGET_VALIDATE_SECONDS:g} s at 1GB: "
        f"{_verdict(largest.validate.wall < TARGET_VALIDATE_SECONDS) if largest.size >= 10**9 else 'not measured at 1GB'})"
    )
    return lines


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _num(value: float | None, width: int, digits: int) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def _label(size: int) -> str:
    """'10MB', '1GB', '1.5GB', '250KB'."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{size / factor:g}{unit}"
    return f"{size}B"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10MB,100MB,1GB", help="corpus sizes, comma-separated (default 10MB,100MB,1GB)"
    )
    parser.add_argument(
        "--double",
        default="500MB",
        help="also build SIZE and twice SIZE, for the doubling ratio ('none' to skip)",
    )
    parser.add_argument("--jobs", type=int, help="passed to diplocorpus build --jobs")
    parser.add_argument(
        "--frictionless",
        action="store_true",
        help="validate with Frictionless too (by default: the project's own validation only)",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--workdir", type=Path, help="scratch folder (default: a new one under the system's temp folder)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated corpora (reused by later runs)"
    )
    parser.add_argument(
        "--json", dest="json_out", type=Path, help="also write the measurements to this JSON file"
    )
    args = parser.parse_args(argv)
    try:
        sizes = {synth.parse_size(s) for s in args.sizes.split(",") if s.strip()}
        double = None if args.double.lower() == "none" else synth.parse_size(args.double)
        if double:
            sizes |= {double, 2 * double}
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="diplocorpus-scale-"))
        workdir.mkdir(parents=True, exist_ok=True)
        print("\n".join(machine()))
        print(f"workdir: {workdir}")
        runs = [
            run_size(workdir, size, args.seed, args.jobs, args.keep, args.frictionless)
            for size in sorted(sizes)
        ]
    except (BenchmarkError, synth.SynthError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for run in runs:
        print_run(run)
    print()
    print("\n".join(summary_lines(runs, double)))
    if args.json_out:
        payload = {
            "machine": machine(),
            "runs": [dataclasses.asdict(r) | {"label": _label(r.size)} for r in runs],
        }
        for run in payload["runs"]:
            for key in ("build", "validate"):
                run[key].pop("stderr")
        args.json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
