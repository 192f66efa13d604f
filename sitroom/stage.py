"""What a stage is: a function over records that declares what it needs and adds.

Stage modules import only this module, so ``pipeline.py`` can import them all and
put them in order without import cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .config import Settings


@dataclass
class Context:
    """Per-worker state: settings and resources loaded once (the spaCy model, dictionaries)."""

    settings: Settings = field(default_factory=Settings)
    _resources: dict[str, Any] = field(default_factory=dict)

    def resource(self, name: str, factory: Callable[[], Any]) -> Any:
        if name not in self._resources:
            self._resources[name] = factory()
        return self._resources[name]

    def preset(self, name: str, value: Any) -> None:
        """Install a shared resource (tests pass one loaded model to many contexts)."""
        self._resources[name] = value


@dataclass(frozen=True)
class Stage:
    name: str
    func: Callable[..., Any]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    batch: bool = False  # func takes and returns a list (e.g. spaCy's nlp.pipe)
    english_only: bool = False  # skipped for articles not in English
    doc: Optional[str] = None

    def __call__(self, item: Any, ctx: Context) -> Any:
        return self.func(item, ctx)


def stage(*, requires: tuple[str, ...], assigns: tuple[str, ...], batch: bool = False,
          english_only: bool = False) -> Callable[[Callable[..., Any]], Stage]:
    def wrap(func: Callable[..., Any]) -> Stage:
        return Stage(func.__name__, func, tuple(requires), tuple(assigns), batch, english_only,
                     (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else None)
    return wrap
