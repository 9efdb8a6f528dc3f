"""A problem with the answers, as data: the option it is about, what is wrong, and the answers it comes from.

Checks return Problems (checks.py gathers them); the places that show them (a
prompt, the final refusal, a question's help) format them with ``str()`` or
read ``message``. ``OptionError`` carries one Problem only where resolving is
impossible (resolve.py: a cycle, an unknown reference); the check step returns
it as data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    option: str
    message: str
    sources: tuple[str, ...] = ()  # the answers a computed default comes from, when it is one

    def __str__(self) -> str:
        return f"{self.option}: {self.message}"


class OptionError(ValueError):
    """Bad input, with a message that names the option."""

    def __init__(self, option: str, message: str, sources: tuple[str, ...] = ()) -> None:
        self.problem = Problem(option, message, sources)
        super().__init__(str(self.problem))
        self.option = option

    @classmethod
    def of(cls, problem: Problem) -> OptionError:
        return cls(problem.option, problem.message, problem.sources)
