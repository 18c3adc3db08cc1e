"""YAML as staff type it: every value stays text, a field written twice is an error, and text
that YAML would drop as a comment is found, so ``check`` can say so."""

from __future__ import annotations

import yaml


class TextLoader(yaml.SafeLoader):
    """YAML that keeps every scalar as text, except an empty value (null).

    Plain YAML 1.1 reads ``0201234567`` as an octal number, ``9:30`` as 570 (base 60), ``nee``
    as false and ``2026-02-30`` as a date that crashes. Here they all stay the text the person
    typed; the pydantic model turns ``leeftijd``, ``landelijk`` and dates into types, with a
    Dutch message when that fails.
    """


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# PyYAML's English problem → what to do, in Dutch. The first matching part wins.
_YAML_PROBLEMS = (
    (
        "mapping values are not allowed",
        "er staat een ':' midden in een waarde. Zet tekst met een dubbele punt tussen "
        'aanhalingstekens, bijvoorbeeld kosten: "let op: gratis".',
    ),
    ("'\\t'", "er staat een tab. Spring in met spaties, niet met tabs."),
    ("could not find expected ':'", "een regel mist 'veld: waarde'. Kijk of er een ':' ontbreekt."),
    (
        "found character '@'",
        "een waarde begint met '@' of '`'. Zet die waarde tussen aanhalingstekens.",
    ),
    (
        "found character '`'",
        "een waarde begint met '@' of '`'. Zet die waarde tussen aanhalingstekens.",
    ),
    ("found undefined alias", "een waarde begint met '*'. Zet die waarde tussen aanhalingstekens."),
    ("expected ',' or ']'", "een lijst [a, b] is niet goed afgesloten. Controleer de ']'."),
    ("expected ',' or '}'", "een groep {a: 1} is niet goed afgesloten. Controleer de '}'."),
    (
        "expected <block end>",
        "de inspringing klopt niet. Velden onder elkaar beginnen op dezelfde positie.",
    ),
    (
        "found unexpected end of stream",
        "er ontbreekt een afsluitend aanhalingsteken (\" of ').",
    ),
    (
        "while scanning a quoted scalar",
        "er ontbreekt een afsluitend aanhalingsteken (\" of ').",
    ),
)


class DuplicateFieldError(yaml.MarkedYAMLError):
    """A field written twice in one group: YAML would keep the last value and drop the first."""

    def __init__(self, field: str, first: yaml.Mark, second: yaml.Mark) -> None:
        super().__init__(problem=f"duplicate key {field}", problem_mark=second)
        self.field = field
        self.lines = (first.line, second.line)

    def dutch(self, first_line: int = 1) -> str:
        a, b = (line + first_line for line in self.lines)
        where = f"regel {a}" if a == b else f"regel {a} en {b}"
        return (
            f"staat twee keer in het bestand ({where}). Alleen de laatste zou tellen: houd er "
            "één over en voeg daarin samen wat je wilt bewaren."
        )


def read_yaml_text(text: str) -> object:
    """Parse YAML with :class:`TextLoader`; raises ``yaml.YAMLError`` on bad YAML, and
    :class:`DuplicateFieldError` for a field written twice."""
    return read_front_matter(text)[0]


def read_front_matter(text: str) -> tuple[object, list[tuple[str, str]]]:
    """Parse as :func:`read_yaml_text` does, composing the text once, and list per plain value
    followed by ' #…' on its line the field and the text YAML drops as a comment ('aanmelden:
    bel en kies optie #2' keeps only 'bel en kies optie'). A comment on a line of its own, a
    quoted value and a block of text (``|``) keep everything."""
    loader = TextLoader(text)  # a SafeLoader subclass: no objects
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        dropped: list[tuple[str, str]] = []
        _walk(node, "", text.splitlines(), dropped)
        return loader.construct_document(node), dropped
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. `!!timestamp 2026-02-30`
        raise yaml.YAMLError(f"a tagged value can't be built: {exc}") from exc
    finally:
        loader.dispose()


def _walk(node: yaml.Node, path: str, lines: list[str], dropped: list[tuple[str, str]]) -> None:
    """Raise :class:`DuplicateFieldError` for a field written twice in one group, and note
    in ``dropped`` the text YAML reads as a comment after a plain value."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Mark] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ""
            field = f"{path}.{name}" if path and name else name or path
            if name and field in seen:
                raise DuplicateFieldError(field, seen[field], key.start_mark)
            if name:
                seen[field] = key.start_mark
            _walk(value, field, lines, dropped)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, path, lines, dropped)
    elif isinstance(node, yaml.ScalarNode) and not node.style and path:
        end = node.end_mark
        rest = lines[end.line][end.column :].strip() if end.line < len(lines) else ""
        if rest.startswith("#"):
            dropped.append((path, rest))


def yaml_problem(exc: yaml.YAMLError, first_line: int = 1) -> str:
    """A Dutch description of a YAML error, with the line number in the file."""
    if isinstance(exc, DuplicateFieldError):
        return f"het veld '{exc.field}' {exc.dutch(first_line)}"
    mark = getattr(exc, "problem_mark", None)
    where = f" (regel {mark.line + first_line})" if mark else ""
    english = f"{getattr(exc, 'problem', '')} {getattr(exc, 'context', '')} {exc}"
    for part, dutch in _YAML_PROBLEMS:
        if part in english:
            return f"de front matter is geen geldige YAML{where}: {dutch}"
    return (
        f"de front matter is geen geldige YAML{where}. Vergelijk de regel met een ander bestand "
        "of met docs/kennisbank.md."
    )
