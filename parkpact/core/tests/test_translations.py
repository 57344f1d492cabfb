"""Simplified Chinese is the default language: every message must be translated and compiled."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_message_is_translated_and_compiled(language: str) -> None:
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    if language == "zh_Hans":
        missing = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
        assert missing == [], f"{len(missing)} messages have no Chinese translation"
    fuzzy = [entry.msgid for entry in po if "fuzzy" in entry.flags]
    assert fuzzy == [], "fuzzy translations are not used at run time: review them"
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo
    }
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in po
        if e.translated() and not e.obsolete
    }
    assert compiled == source, "the .mo file is stale: run `make messages`"
