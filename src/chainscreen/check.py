"""The pre-contract check: a few supplier names (with what is known of the goods and origin)
screened as the rows of a small manifest — what ``chainscreen check`` and the review web app's
``POST /api/check`` answer, in the JSON output contract.

A :class:`Checker` builds the list index once, so a server answers each check in milliseconds::

    checker = Checker(Settings())
    checker.check(["Hoshine Silicon Industry"], country="CN", hs_code="2804.61").to_dict()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from chainscreen.errors import InputError

if TYPE_CHECKING:
    from chainscreen.reference import ReferenceSet
    from chainscreen.result import ScreenResult
    from chainscreen.settings import Settings

#: Most names one check takes.
MAX_NAMES = 1000
#: Longest text of any one field.
MAX_CHARS = 2000


class Checker:
    """Screens names against one set of lists with one matcher, built at construction."""

    def __init__(self, settings: Settings, reference: ReferenceSet | None = None) -> None:
        from chainscreen.pipeline import ScreeningContext
        from chainscreen.reference import load_reference

        self.settings = settings
        self.reference = reference or load_reference(lists=settings.lists)
        self.context = ScreeningContext.build(self.reference, settings)

    def check(self, names: Sequence[str], *, country: str | None = None, hs_code: str | None = None,
              goods: str | None = None, address: str | None = None) -> ScreenResult:
        """Screen ``names`` (one row each) with the given country, HS code, goods and address.

        Only the fields given become columns, so an absent one is "not given", not "missing".
        Raises InputError for no names, too many, or a value that is not text.
        """
        import pandas as pd

        from chainscreen.pipeline import screen

        if isinstance(names, str) or not isinstance(names, Sequence):
            raise InputError("names must be a list of supplier names")
        clean = [n.strip() for n in names if isinstance(n, str) and n.strip()]
        if len(clean) != len(names) or not clean:
            raise InputError("names must be a non-empty list of non-empty strings")
        if len(clean) > MAX_NAMES:
            raise InputError(f"at most {MAX_NAMES:,} names per check ({len(clean):,} given)")
        given = {"country": country, "goods": goods, "hs_code": hs_code, "address": address}
        for field, value in given.items():
            if value is not None and not isinstance(value, str):
                raise InputError(f"{field} must be text")
        if any(len(v) > MAX_CHARS for v in [*clean, *(v for v in given.values() if v)]):
            raise InputError(f"a value is longer than {MAX_CHARS:,} characters")
        columns: dict[str, list[str]] = {"supplier": clean}
        columns.update({k: [v] * len(clean) for k, v in given.items() if v})
        # the index is shared; the memos of looked-up values start empty, so a long-running server
        # does not keep every name it was ever asked about
        context = replace(self.context, iso={}, hs={}, xinjiang={}, party={}, origin={}, verdicts={}, cells={})
        return screen(pd.DataFrame(columns), settings=self.settings, mapping={f: f for f in columns},
                      reference=self.reference, context=context)
