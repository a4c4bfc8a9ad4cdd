"""Translators' helper for gettext catalogues.

    python scripts/po.py todo FILE.po            # untranslated or fuzzy msgids, as JSON {msgid: ""}
    python scripts/po.py fill FILE.po MAP.json   # set msgstr from {msgid: translation}; clears fuzzy
    python scripts/po.py agree                   # make every catalogue show what users see (see below)

Django merges the catalogues: the root one (LOCALE_PATHS) wins, then the apps in INSTALLED_APPS
order. A string translated differently in two catalogues therefore shows the first one everywhere;
`agree` writes that translation into the others, so what a catalogue says is what users read. Give a
string with another meaning its own context (pgettext, {% translate "From" context "mail" %}).

Plural entries take a list ["…"] (zh-Hans has one form) or a plain string.
"""

import json
import sys

import polib


def main(argv: list[str]) -> int:
    cmd, path = argv[0], (argv[1:] or [""])[0]
    po = polib.pofile(path, wrapwidth=0) if path else None
    if cmd == "todo":
        todo = {e.msgid: "" for e in po if not e.obsolete and (not e.translated() or e.fuzzy)}
        print(json.dumps(todo, ensure_ascii=False, indent=1))
        return 0
    if cmd == "fill":
        with open(argv[2], encoding="utf-8") as f:
            mapping = json.load(f)
        done = 0
        for e in po:
            if e.msgid in mapping and mapping[e.msgid] and (not e.translated() or e.fuzzy):
                value = mapping[e.msgid]
                if e.msgid_plural:
                    forms = value if isinstance(value, list) else [value]
                    e.msgstr_plural = dict(enumerate(forms))
                else:
                    e.msgstr = value
                if e.fuzzy:
                    e.flags.remove("fuzzy")
                e.previous_msgid = e.previous_msgid_plural = e.previous_msgctxt = None
                done += 1
        po.save(path)
        print(f"{done} entries filled")
        return 0
    if cmd == "agree":
        changed = 0
        catalogues = catalogue_paths()
        pos = [(path, polib.pofile(path, wrapwidth=0)) for path in catalogues]
        winner = {}
        for _path, po in pos:
            for e in po:
                if not e.obsolete and e.translated():
                    winner.setdefault((e.msgctxt, e.msgid), _value(e))
        for path, po in pos:
            for e in po:
                key = (e.msgctxt, e.msgid)
                if e.translated() and key in winner and _value(e) != winner[key]:
                    print(f"{path}: {e.msgid[:50]!r}: {_value(e)!r} -> {winner[key]!r}")
                    if e.msgid_plural:
                        e.msgstr_plural = dict(winner[key])
                    else:
                        e.msgstr = winner[key]
                    changed += 1
            po.save(path)
        print(f"{changed} entries changed")
        return 0
    print(__doc__)
    return 2


def _value(entry):
    return tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr


def catalogue_paths() -> list[str]:
    """The project's zh_Hans catalogues in the order Django lets them win: root, then INSTALLED_APPS."""
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunzhi.settings")
    sys.path.insert(0, str(root))
    import django
    from django.apps import apps

    django.setup()
    out = [str(root / "locale/zh_Hans/LC_MESSAGES/django.po")]
    for config in apps.get_app_configs():
        po = Path(config.path) / "locale/zh_Hans/LC_MESSAGES/django.po"
        if config.name.startswith("cunzhi.") and po.exists():
            out.append(str(po))
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
