"""Command line: `diplocorpus build`, `diplocorpus validate` and `diplocorpus release`. The
only module that touches the terminal."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from diplocorpus import __version__
from diplocorpus.build import ENGINES, BuildOptions, BuildSummary, build
from diplocorpus.errors import CorpusError, ValidationFailed
from diplocorpus.release import bundle_name, release
from diplocorpus.validate import package_flavour, skipped_checks, validate_package

stderr = Console(stderr=True, highlight=False)

PACKAGE_DIR = click.argument(
    "package_dir", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)


def _fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    sys.exit(1)


@click.group()
@click.version_option(__version__, prog_name="diplocorpus")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Build, validate and release the diplocorpus data package."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command("build")
@PACKAGE_DIR
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the per-file work [default: every core].",
)
@click.option(
    "--ner/--no-ner",
    default=True,
    help="Run the NER models (spaCy, natasha); without them, entities come from the input's "
    "marks, the rules and the catalogue's names only.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="Where the per-file work runs: worker processes here, or a Dask cluster.",
)
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address, for --engine dask.")
@click.option("--no-cache", is_flag=True, help="Parse every raw file again, even unchanged ones.")
@click.option(
    "--timings",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write seconds per stage, sizes and counts to this JSON file.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build_command(
    package_dir: Path,
    jobs: int | None,
    ner: bool,
    engine: str,
    scheduler: str | None,
    no_cache: bool,
    timings: Path | None,
    quiet: bool,
) -> None:
    """Rebuild every table and datapackage.json from PACKAGE_DIR/data/raw/.

    Raw files are parsed in parallel, and only when they, the catalogue or the code
    changed since the last build (the cache is PACKAGE_DIR/.cache/shards/)."""
    if not package_dir.is_dir():
        _fail(f"{package_dir}: no such directory")
    if engine == "dask" and not scheduler:
        _fail("--engine dask needs --scheduler ADDRESS")
    options = BuildOptions(jobs=jobs, models=ner, engine=engine, scheduler=scheduler, cache=not no_cache)
    progress = Progress(
        TextColumn("[bold]parsing[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=stderr,
        disable=quiet,
        transient=True,
    )
    task = progress.add_task("", total=None)
    try:
        with progress:
            summary = build(
                package_dir,
                options,
                on_start=lambda n: progress.update(task, total=n),
                on_source=lambda e: progress.update(task, advance=1, description=e.path),
            )
    except ValidationFailed as err:
        for problem in err.problems:
            stderr.print(f"  {problem}", markup=False, soft_wrap=True)
        _fail(f"the built tables are invalid ({len(err.problems)} problem(s)); previous output kept")
    except CorpusError as err:
        _fail(str(err))
    if timings:
        timings.write_text(json.dumps(summary.timings(), indent=2) + "\n", encoding="utf-8")
    if not quiet:
        _print_summary(package_dir, summary)


@main.command("validate")
@PACKAGE_DIR
@click.option("--no-frictionless", is_flag=True, help="Skip the Frictionless pass (faster).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")
def validate_command(package_dir: Path, no_frictionless: bool, quiet: bool) -> None:
    """Check PACKAGE_DIR: file hashes, the schemas row by row, keys and invariants across tables, Frictionless."""
    try:
        problems = validate_package(package_dir, with_frictionless=not no_frictionless)
    except CorpusError as err:
        _fail(str(err))
    if problems:
        for problem in problems:
            stderr.print(problem, markup=False, soft_wrap=True)
        _fail(f"{package_dir}: {len(problems)} problem(s)")
    if not quiet:
        for skipped in skipped_checks(package_flavour(package_dir) or "full"):
            stderr.print(f"skipped: {skipped}", markup=False, soft_wrap=True)
        stderr.print(f"{package_dir}: valid", markup=False, soft_wrap=True)


@main.command("release")
@PACKAGE_DIR
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the zip into (created if missing).",
)
@click.option(
    "--without-text",
    is_flag=True,
    help="Null the columns holding the publishers' texts and leave out the raw files.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def release_command(package_dir: Path, out_dir: Path, without_text: bool, quiet: bool) -> None:
    """Validate PACKAGE_DIR and write its release bundle (a zip) into --out."""
    if not package_dir.is_dir():
        _fail(f"{package_dir}: no such directory")
    try:
        bundle = release(package_dir, out_dir, without_text=without_text)
    except ValidationFailed as err:
        for problem in err.problems:
            stderr.print(f"  {problem}", markup=False, soft_wrap=True)
        _fail(f"{package_dir}: not released, {len(err.problems)} problem(s)")
    except CorpusError as err:
        _fail(str(err))
    if not quiet:
        stderr.print(
            f"wrote {bundle.path} ({bundle.files} files, sha256 {bundle.sha256}); "
            f"it unpacks to {bundle_name(without_text)}/",
            markup=False,
            soft_wrap=True,
        )


def _print_summary(package_dir: Path, summary: BuildSummary) -> None:
    parsed = summary.sources - summary.cached
    stderr.print(
        f"built {package_dir} from {summary.sources} raw file(s) "
        f"({parsed} parsed, {summary.cached} unchanged since the last build) in {summary.wall:.1f} s",
        markup=False,
    )
    table = Table(title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, str(rows))
    stderr.print(table)
    if summary.duplicates:
        stderr.print(
            f"{summary.duplicates} record(s) repeat another and point to it (duplicate_of)", markup=False
        )
    if summary.issues_by_code:
        issues = Table(title="parse issues by code", title_justify="left")
        issues.add_column("code")
        issues.add_column("count", justify="right")
        for code, count in sorted(summary.issues_by_code.items()):
            issues.add_row(code, str(count))
        stderr.print(issues)
