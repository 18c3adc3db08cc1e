"""The crisis categories: one priority order, their Dutch labels and the ids of their lines."""

from __future__ import annotations

# Priority order: when a message touches several, the first one's line comes first.
CATEGORIES: tuple[str, ...] = ("112", "113", "veilig-thuis", "kindertelefoon")

# The ids of the same lines in kennisbank/landelijk/ and assistent/data/crisislijnen.yaml.
LINE_IDS: dict[str, str] = {
    "112": "alarmnummer-112",
    "113": "113-zelfmoordpreventie",
    "veilig-thuis": "veilig-thuis",
    "kindertelefoon": "kindertelefoon",
}

# How the report and the statistics name each category.
LABELS: dict[str, str] = {
    "112": "Acuut gevaar (112)",
    "113": "Gedachten aan zelfdoding (113)",
    "veilig-thuis": "Geweld of onveiligheid thuis (Veilig Thuis)",
    "kindertelefoon": "Kind of jongere wil praten (Kindertelefoon)",
}


def ordered(categories: set[str] | frozenset[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The given categories in priority order."""
    return tuple(c for c in CATEGORIES if c in categories)
