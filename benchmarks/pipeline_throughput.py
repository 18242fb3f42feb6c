"""Benchmark: `archiver run` over real saved pages served from local hosts, beside bare
`trafilatura.extract` over the same files and trafilatura's own command line fetching them.

    python benchmarks/pipeline_throughput.py [--pages N] [--rounds 2] [--hosts 4]
        [--devset ../shared/devset] [--padded [--padded-pages 1000]] [--hosts-test]

The pages are the ~2,100 of the development sets (`wcxb-dev`, `trafilatura-eval`), unpacked
into a temporary folder (never into the repository) and dealt round-robin to `--hosts`
loopback hosts (127.0.0.1, .2, ...), each with its robots.txt and sitemap. Three contenders,
each a whole process timed from spawn to exit, in alternating order over `--rounds` rounds:

- `archiver run` on a fresh archive, one sitemap source per host;
- bare `trafilatura.extract(html, include_comments=False)` over the files, in one process;
- trafilatura's command line fetching the same URLs (`--parallel 2`, no sleep between
  requests, its block of private addresses off: see `trafilatura_config`).

Figures are medians over the rounds; peak RSS is the largest sum of the resident sizes of
the process and its descendants, sampled every 20 ms from /proc (pages shared between
processes, such as libraries' code, counted in each); peak PSS the largest sum of their
proportional set sizes (`/proc/PID/smaps_rollup`, every 100 ms: a shared page divided among
its sharers, what the tree really costs); main process CPU is the top process's own user +
system time (not its workers'), per page served. `--padded` adds the old synthetic table
(fixture articles padded to 100 KB with navigation and scripts: not what the web serves).
`--hosts-test` times only `archiver run` over a few pages at `per_host_delay = 1`, from one
host and then from four. The benchmark uses the command lines and sqlite3 only, never
archiver's modules.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import shlex
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import loopback_pages
from loopback_pages import Host, Page

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures" / "pages"
REFUSALS = ("empty", "too_short", "navigation", "not_article")
PROCESS_TIMEOUT = 3600.0

BARE_SCRIPT = """\
import json, sys, time
from pathlib import Path
started = time.perf_counter()
import trafilatura
folder, manifest = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
loop = time.perf_counter()
kept = 0
for name, charset in manifest:
    raw = (folder / name).read_bytes()
    html = raw.decode(charset, "replace") if charset else raw
    kept += bool(trafilatura.extract(html, include_comments=False))
done = time.perf_counter()
print(json.dumps({"kept": kept, "import_s": loop - started, "loop_s": done - loop}))
"""


@dataclass
class Timing:
    """One whole-process measurement."""

    wall: float
    peak_kb: int
    code: int
    command: list[str]
    stdout: str = ""
    stderr: str = ""
    peak_pss_kb: int = 0
    main_cpu: float = 0.0  # CPU seconds of the top process alone (its last sample)


@dataclass
class Outcome:
    """A contender's measurement in one round, with what it produced."""

    label: str
    timing: Timing
    note: str
    handled: int | None = None  # pages it got through (None: all of them)

    def rate(self, pages: int) -> float:
        """Pages per second: the pages it got through (all, unless it stopped early)."""
        return (pages if self.handled is None else self.handled) / self.timing.wall


@dataclass
class Bench:
    """What every contender needs: the pages, where they are served, and a scratch folder."""

    work: Path
    folder: Path
    pages: list[Page]
    hosts: list[Host]
    workers: int
    archiver: list[str]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))


# -- measuring a process ------------------------------------------------------------------


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _field_kb(path: str, name: str) -> int:
    try:
        with open(path) as lines:
            return next((int(line.split()[1]) for line in lines if line.startswith(name)), 0)
    except (FileNotFoundError, ProcessLookupError):
        return 0


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KB (shared pages counted
    in every process that maps them)."""
    return sum(_field_kb(f"/proc/{p}/status", "VmRSS:") for p in tree_pids(pid))


def tree_pss_kb(pid: int) -> int:
    """Proportional set size of the tree, in KB: each shared page divided among the
    processes sharing it, so the sum is what the tree really costs."""
    return sum(_field_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in tree_pids(pid))


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process so far (not its children)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timing:
    """Run `command` to its end: wall time from spawn to exit, peak tree RSS, exit code and
    output. Killed (its whole session) past PROCESS_TIMEOUT."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
        peak = peak_pss = samples = 0
        main_cpu = 0.0
        while process.poll() is None:
            peak = max(peak, tree_rss_kb(process.pid))
            if samples % 5 == 0:  # smaps_rollup walks page tables: every 100 ms
                peak_pss = max(peak_pss, tree_pss_kb(process.pid))
            main_cpu = cpu_seconds(process.pid) or main_cpu
            samples += 1
            if time.perf_counter() - started > PROCESS_TIMEOUT:
                os.killpg(process.pid, signal.SIGKILL)
            time.sleep(0.02)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Timing(wall, peak, process.returncode, command, stdout, stderr, peak_pss, main_cpu)


# -- contender (a): archiver run ----------------------------------------------------------


def archiver_command(src: str | None) -> list[str]:
    """The archiver CLI: the installed one, or `python -m archiver` from a source snapshot."""
    return [sys.executable, "-m", "archiver"] if src else [str(BIN / "archiver")]


def archiver_config(
    db: Path, hosts: list[Host], workers: int, delay: float = 0, sitemaps: bool = True
) -> str:
    """A config with one source per host: its sitemap, or its URLs as a `urls` list."""
    lines = [
        f"[archive]\npath = {json.dumps(str(db))}",
        "[fetch]\nallow_private_addresses = true",
        f"per_host_delay = {delay}",
        f"respect_robots = {'true' if sitemaps else 'false'}",
        "concurrency = 8\nper_host_concurrency = 2\nmax_bytes = 20_000_000",
        f"[extract]\nworkers = {workers}",
    ]
    for h, host in enumerate(hosts):
        lines.append(f'[[sources]]\nname = "host{h + 1}"')
        if sitemaps:
            lines.append(f"sitemap = {json.dumps(host.sitemap)}\nmax_age_days = 36500")
        else:
            lines.append(f"urls = {json.dumps(host.urls)}")
        lines.append("max_new = 100000")
    return "\n".join(lines) + "\n"


def archive_counts(db: Path) -> dict[str, int]:
    """Stored articles, refused pages (not articles) and failed fetches of a fresh archive."""
    with sqlite3.connect(db) as connection:
        stored = connection.execute("select count(*) from articles").fetchone()[0]
        rows = connection.execute(
            "select outcome, reason, count(*) from fetches"
            " where outcome in ('failed', 'skipped') group by outcome, reason"
        ).fetchall()
        handled = connection.execute(
            "select count(distinct url) from fetches where url like '%/p/%'"
        ).fetchone()[0]
    counts = {"stored": stored, "refused": 0, "failed": 0, "handled": handled}
    for outcome, reason, count in rows:
        if reason in REFUSALS:
            counts["refused"] += count
        elif outcome == "failed":
            counts["failed"] += count
            counts[f"failed:{reason}"] = count
    return counts


def run_archiver(bench: Bench, tag: str, delay: float = 0, sitemaps: bool = True) -> Outcome:
    """(a) `archiver run` on a fresh archive."""
    db = bench.work / f"archive-{tag}.db"
    config = bench.work / f"config-{tag}.toml"
    config.write_text(archiver_config(db, bench.hosts, bench.workers, delay, sitemaps))
    command = [*bench.archiver, "run", "--config", str(config), "--db", str(db)]
    timing = timed(command, bench.work, bench.env)
    if timing.code not in (0, 1) or "Traceback" in timing.stderr:
        print(f"archiver run exit {timing.code}:\n{timing.stderr[-3000:]}", file=sys.stderr)
    empty = {"stored": 0, "refused": 0, "failed": 0, "handled": 0}
    counts = archive_counts(db) if db.exists() else empty
    extra = ", ".join(f"{k.split(':')[1]} {v}" for k, v in counts.items() if ":" in k)
    crash = timing.stderr.strip().splitlines()[-1] if "Traceback" in timing.stderr else ""
    note = (
        f"stored {counts['stored']}, refused {counts['refused']}, failed {counts['failed']}"
        + (f" ({extra})" if extra else "")
        + f"; exit {timing.code}"
        + (f"; CRASHED after {counts['handled']} pages: {crash}" if crash else "")
    )
    for path in bench.work.glob(f"archive-{tag}.db*"):
        path.unlink()
    return Outcome(f"archiver run ({bench.workers} workers)", timing, note, counts["handled"])


# -- contender (b): bare trafilatura.extract ----------------------------------------------


def run_bare(bench: Bench, tag: str) -> Outcome:
    """(b) `trafilatura.extract` over the files in one process (no network)."""
    script = bench.work / "bare_extract.py"
    script.write_text(BARE_SCRIPT)
    manifest = bench.work / "manifest.json"
    manifest.write_text(json.dumps([[page.name, page.charset] for page in bench.pages]))
    command = [sys.executable, str(script), str(bench.folder), str(manifest)]
    timing = timed(command, bench.work)
    try:
        result = json.loads(timing.stdout.strip().splitlines()[-1])
        note = (
            f"{result['kept']} with text; import {result['import_s']:.1f} s, "
            f"loop {result['loop_s']:.1f} s; exit {timing.code}"
        )
    except (IndexError, ValueError):
        note = f"exit {timing.code}: {timing.stderr[-300:]}"
    return Outcome("trafilatura.extract, 1 process", timing, note)


# -- contender (c): trafilatura's command line --------------------------------------------


def trafilatura_config(target: Path) -> list[str]:
    """trafilatura's own settings.cfg with no sleep between two requests to one host and
    its SSRF protection (which refuses loopback and private peers) off; returns the changes."""
    import trafilatura

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(Path(trafilatura.__file__).parent / "settings.cfg")
    changes = {"SLEEP_TIME": "0", "SSRF_PROTECTION": "off"}
    done = []
    for key, value in changes.items():
        was = parser["DEFAULT"].get(key)
        parser["DEFAULT"][key] = value
        done.append(f"{key} = {value} (was {was})")
    with target.open("w") as handle:
        parser.write(handle)
    return done


def run_cli(bench: Bench, tag: str) -> Outcome:
    """(c) trafilatura's command line fetching every URL and extracting it."""
    urls = bench.work / "urls.txt"
    urls.write_text("\n".join(loopback_pages.round_robin_urls(bench.hosts)) + "\n")
    config = bench.work / "trafilatura.cfg"
    trafilatura_config(config)
    out = bench.work / f"cli-out-{tag}"
    command = [
        str(BIN / "trafilatura"),
        "--input-file",
        str(urls),
        "--parallel",
        str(bench.workers),
        "--no-comments",
        "--config-file",
        str(config),
        "--output-dir",
        str(out),
    ]
    timing = timed(command, bench.work)
    # past 1,000 URLs it writes into numbered subfolders of 1,000 files each
    written = sum(1 for path in out.rglob("*") if path.is_file())
    no_result = timing.stderr.count("No result for URL")
    shutil.rmtree(out, ignore_errors=True)
    note = f"{written} files written, {no_result} 'no result'; exit {timing.code}"
    return Outcome(f"trafilatura CLI --parallel {bench.workers}", timing, note)


# -- rounds and the table -----------------------------------------------------------------

Runner = Callable[[Bench, str], Outcome]


def run_rounds(bench: Bench, runners: list[Runner], rounds: int) -> list[list[Outcome]]:
    """Every runner once per round, the order reversed every other round; per runner, its
    outcomes in round order."""
    results: list[list[Outcome]] = [[] for _ in runners]
    for r in range(rounds):
        order = list(range(len(runners)))
        if r % 2:
            order.reverse()
        for i in order:
            outcome = runners[i](bench, f"r{r}")
            results[i].append(outcome)
            print(
                f"  round {r + 1}: {outcome.label}: {outcome.timing.wall:.1f} s, "
                f"{outcome.timing.peak_kb / 1024:.0f} MB RSS, "
                f"{outcome.timing.peak_pss_kb / 1024:.0f} MB PSS, "
                f"main process {outcome.timing.main_cpu:.1f} CPU s, {outcome.note}",
                file=sys.stderr,
                flush=True,
            )
    return results


def table(results: list[list[Outcome]], pages: int, baseline: int) -> str:
    """The Markdown table: medians over rounds, and each contender against `baseline`."""
    rates = [statistics.median(o.rate(pages) for o in rs) for rs in results]
    lines = [
        "| contender | pages/s | wall s | peak RSS MB | peak PSS MB | main process CPU ms/page "
        "| vs bare extract | last round |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for outcomes, rate in zip(results, rates, strict=True):
        wall = statistics.median(o.timing.wall for o in outcomes)
        peak = statistics.median(o.timing.peak_kb for o in outcomes) / 1024
        pss = statistics.median(o.timing.peak_pss_kb for o in outcomes) / 1024
        cpu = statistics.median(o.timing.main_cpu for o in outcomes) / pages * 1000
        lines.append(
            f"| {outcomes[0].label} | {rate:.1f} | {wall:.1f} | {peak:.0f} | {pss:.0f} | "
            f"{cpu:.1f} | "
            f"{rate / rates[baseline]:.2f}x | {outcomes[-1].note} |"
        )
    return "\n".join(lines)


def print_commands(results: list[list[Outcome]], bench: Bench) -> None:
    """The exact command lines of the last round, and the generated configurations."""
    print("\nCommands (last round; temporary paths):\n")
    for outcomes in results:
        print("    " + shlex.join(outcomes[-1].timing.command))
    configs = sorted(bench.work.glob("config-*.toml"))
    if configs:
        print(f"\narchiver config ({configs[-1].name}, sources abridged):\n")
        text = configs[-1].read_text().split("[[sources]]")
        print("    " + "\n    ".join(text[0].strip().splitlines()))
        print("    [[sources]]" + "\n    ".join(text[1].rstrip().splitlines()) + "\n    ...")


def versions(bench: Bench) -> str:
    """archiver's and trafilatura's versions, as their command lines print them."""
    ours = subprocess.run(
        [*bench.archiver, "--version"], capture_output=True, text=True, env=bench.env
    )
    theirs = subprocess.run([str(BIN / "trafilatura"), "--version"], capture_output=True, text=True)
    return f"{ours.stdout.strip() or ours.stderr.strip()}; {theirs.stdout.strip().splitlines()[0]}"


def mean_kb(folder: Path, pages: list[Page]) -> float:
    return sum((folder / p.name).stat().st_size for p in pages) / len(pages) / 1000


# -- the synthetic pages (--padded) -------------------------------------------------------

PADDED_ARTICLES = [
    "seed-blog-fr",
    "news-cookie-en",
    "blog-comments-en",
    "german-news-de",
    "windows-1252-fr-meta",
    "changed-v2",
]


def padded_html(i: int, target: int = 100_000) -> bytes:
    """A ~100 KB synthetic page: a fixture article with one unique paragraph, padded with
    navigation, inline scripts and footer links. Not what the web serves."""
    name = PADDED_ARTICLES[i % len(PADDED_ARTICLES)]
    raw = (FIXTURES / f"{name}.html").read_bytes().decode("utf-8", "replace")
    unique = (
        f"<p>Paragraphe {i} : une phrase propre à cette page, pour que chaque texte "
        f"soit différent des autres et que le stockage ne voie aucun doublon.</p>"
    )
    raw = raw.replace("</p>", "</p>" + unique, 1)
    filler = (
        "<script>window.dataLayer=window.dataLayer||[];dataLayer.push({'event':'view',"
        f"'page':{i},'section':'opinion','tags':['a','b','c']}});</script>"
        "<nav class='mega-menu'><ul>"
        + "".join(f"<li><a href='/rubrique/{k}'>Rubrique numéro {k}</a></li>" for k in range(40))
        + "</ul></nav>"
    )
    while len(raw.encode()) < target:
        raw = raw.replace("</body>", filler + "</body>")
    return raw.encode()


def write_padded(folder: Path, count: int) -> list[Page]:
    folder.mkdir(parents=True, exist_ok=True)
    pages = [Page(f"padded{i:05d}.html", "utf-8") for i in range(count)]
    for i, page in enumerate(pages):
        (folder / page.name).write_bytes(padded_html(i))
    return pages


# -- main ---------------------------------------------------------------------------------


def contenders(args: argparse.Namespace) -> list[Runner]:
    runners: list[Runner] = [run_archiver, run_bare]
    return [*runners, run_cli] if not args.no_cli else runners


def benchmark(args: argparse.Namespace, work: Path, folder: Path, pages: list[Page]) -> None:
    """Serve `pages`, run the contenders in rounds and print the table."""
    lifetime = PROCESS_TIMEOUT * (3 * args.rounds + 2)
    hosts = loopback_pages.serve(folder, pages, args.hosts, lifetime)
    try:
        bench = Bench(work, folder, pages, hosts, args.workers, args.archiver_cmd, args.env)
        print(
            f"{len(pages)} pages (mean {mean_kb(folder, pages):.0f} KB) on {args.hosts} hosts "
            f"({', '.join(h.address for h in hosts)}), {os.cpu_count()} cores, "
            f"{args.workers} extraction workers, {args.rounds} rounds; {versions(bench)}\n",
            flush=True,
        )
        results = run_rounds(bench, contenders(args), args.rounds)
        print(table(results, len(pages), baseline=1))
        print(
            "\npages/s: pages got through per wall second, whole process (archiver: the page "
            "URLs in its `fetches`, fewer than served if it stopped early); medians of "
            f"{args.rounds} rounds"
        )
        if len(results) == 3:
            rates = [statistics.median(o.rate(len(pages)) for o in rs) for rs in results]
            print(f"\narchiver run / trafilatura CLI: {rates[0] / rates[2]:.2f}x")
        print_commands(results, bench)
    finally:
        loopback_pages.stop(hosts)


def hosts_test(args: argparse.Namespace, work: Path, folder: Path, pages: list[Page]) -> None:
    """`archiver run` over the same pages at per_host_delay = 1, from 1 host and from 4."""
    walls: dict[int, list[Outcome]] = {1: [], 4: []}
    for r in range(args.rounds):
        for count in (1, 4) if r % 2 == 0 else (4, 1):
            hosts = loopback_pages.serve(folder, pages, count, PROCESS_TIMEOUT + 60)
            try:
                bench = Bench(work, folder, pages, hosts, args.workers, args.archiver_cmd, args.env)
                outcome = run_archiver(bench, f"h{count}-r{r}", delay=1, sitemaps=False)
            finally:
                loopback_pages.stop(hosts)
            walls[count].append(outcome)
            print(f"  round {r + 1}: {count} host(s): {outcome.timing.wall:.1f} s", file=sys.stderr)
    print(f"{len(pages)} pages, per_host_delay = 1, `urls` sources, robots.txt off\n")
    print("| hosts | wall s (median) | pages/s | last round |\n| ---: | ---: | ---: | --- |")
    median = {c: statistics.median(o.timing.wall for o in os_) for c, os_ in walls.items()}
    for count, outcomes in walls.items():
        rate = len(pages) / median[count]
        print(f"| {count} | {median[count]:.1f} | {rate:.1f} | {outcomes[-1].note} |")
    print(f"\ntime ratio 4 hosts / 1 host: {median[4] / median[1]:.2f} (ideal 0.25)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help="use the first N pages (default: all)")
    parser.add_argument("--devset", type=Path, default=Path("/work/shared/devset"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-cli", action="store_true", help="skip trafilatura's CLI")
    parser.add_argument("--padded", action="store_true", help="also the synthetic-page table")
    parser.add_argument("--padded-pages", type=int, default=1000)
    parser.add_argument(
        "--hosts-test", action="store_true", help="only: 1 host vs 4 at per_host_delay = 1"
    )
    parser.add_argument(
        "--archiver-src",
        help="run `python -m archiver` with PYTHONPATH=this (a snapshot of src/) "
        "instead of the installed `archiver`",
    )
    args = parser.parse_args()
    args.archiver_cmd = archiver_command(args.archiver_src)
    args.env = dict(os.environ)
    if args.archiver_src:
        args.env["PYTHONPATH"] = args.archiver_src
    return args


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="throughput-") as scratch:
        work = Path(scratch)
        if args.hosts_test:
            pages = loopback_pages.unpack(args.devset, work / "pages", args.pages or 40)
            hosts_test(args, work, work / "pages", pages)
            return
        pages = loopback_pages.unpack(args.devset, work / "pages", args.pages)
        print("## Real saved pages (development sets)\n")
        benchmark(args, work, work / "pages", pages)
        if args.padded:
            padded = write_padded(work / "padded", args.padded_pages)
            print("\n## Synthetic padded pages (not what the web serves)\n")
            benchmark(args, work, work / "padded", padded)


if __name__ == "__main__":
    main()
