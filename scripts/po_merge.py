"""Resolve a merge conflict in gettext catalogues: keep one side's file, then fill every entry the
other side translated and this side did not (by msgctxt and msgid). Then run scripts/makemessages.sh.

    python scripts/po_merge.py OURS.po THEIRS.po OUT.po
"""

import sys

import polib


def main(ours: str, theirs: str, out: str) -> int:
    keep = polib.pofile(ours, wrapwidth=0)
    other = {(e.msgctxt, e.msgid): e for e in polib.pofile(theirs, wrapwidth=0) if e.translated()}
    have = {(e.msgctxt, e.msgid) for e in keep}
    added = 0
    for key, e in other.items():
        if key not in have:
            keep.append(e)
            added += 1
        else:
            mine = keep.find(e.msgid, msgctxt=e.msgctxt) if e.msgctxt else keep.find(e.msgid)
            if mine is not None and not mine.translated():
                mine.msgstr, mine.msgstr_plural = e.msgstr, e.msgstr_plural
                added += 1
    keep.save(out)
    print(f"{out}: {added} entries taken from {theirs}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
