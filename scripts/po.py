"""Translators' helper for gettext catalogues.

    python scripts/po.py todo FILE.po            # untranslated or fuzzy msgids, as JSON {msgid: ""}
    python scripts/po.py fill FILE.po MAP.json   # set msgstr from {msgid: translation}; clears fuzzy

Plural entries take a list ["…"] (zh-Hans has one form) or a plain string.
"""

import json
import sys

import polib


def main(argv: list[str]) -> int:
    cmd, path = argv[0], argv[1]
    po = polib.pofile(path, wrapwidth=0)
    if cmd == "todo":
        todo = {e.msgid: "" for e in po if not e.obsolete and (not e.translated() or e.fuzzy)}
        print(json.dumps(todo, ensure_ascii=False, indent=1))
        return 0
    if cmd == "fill":
        with open(argv[2], encoding="utf-8") as f:
            mapping = json.load(f)
        done = 0
        for e in po:
            if e.msgid in mapping and mapping[e.msgid]:
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
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
