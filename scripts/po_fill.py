"""Fill empty msgstr entries of a .po file from a mapping, and list what is still untranslated.

Usage: python scripts/po_fill.py path/to/django.po translations.json
       python scripts/po_fill.py path/to/django.po            # only report untranslated msgids

translations.json maps English msgid -> Chinese msgstr. Fuzzy flags on filled entries are dropped.
Plural entries (msgid_plural) get the same Chinese text for msgstr[0].
"""

import json
import re
import sys


def unquote(lines):
    return "".join(json.loads(line) for line in lines)


def quote(text):
    return json.dumps(text, ensure_ascii=False)


def main(po_path, mapping_path=None):
    mapping = json.load(open(mapping_path, encoding="utf-8")) if mapping_path else {}
    blocks = open(po_path, encoding="utf-8").read().split("\n\n")
    out, missing = [], []
    for block in blocks:
        lines = block.split("\n")
        msgid_lines, i = [], 0
        while i < len(lines) and not lines[i].startswith("msgid "):
            i += 1
        if i == len(lines):
            out.append(block)
            continue
        msgid_lines.append(lines[i][6:])
        i += 1
        while i < len(lines) and lines[i].startswith('"'):
            msgid_lines.append(lines[i])
            i += 1
        msgid = unquote(msgid_lines)
        rest = lines[i:]
        is_plural = any(line.startswith("msgid_plural") for line in rest)
        current = re.findall(r'^msgstr(?:\[0\])? (".*")', "\n".join(rest), re.M)
        translated = bool(current and json.loads(current[0])) or any(
            line.startswith('"') and line != '""' for line in rest[rest.index(next(x for x in rest if x.startswith("msgstr"))) + 1:]
        ) if any(x.startswith("msgstr") for x in rest) else False
        if msgid == "" or (translated and "#, fuzzy" not in block):
            out.append(block)
            continue
        if msgid in mapping:
            head = [line for line in lines[: i] if not line.startswith("#, fuzzy")]
            head = [line.replace("#, fuzzy, ", "#, ") for line in head]
            if is_plural:
                plural = [line for line in rest if line.startswith("msgid_plural")]
                out.append("\n".join(head + plural + [f"msgstr[0] {quote(mapping[msgid])}"]))
            else:
                out.append("\n".join(head + [f"msgstr {quote(mapping[msgid])}"]))
        else:
            missing.append(msgid)
            out.append(block)
    text = "\n\n".join(out)
    text = text.replace("#, fuzzy\nmsgid \"\"", "msgid \"\"", 1)
    open(po_path, "w", encoding="utf-8").write(text)
    for m in missing:
        print("UNTRANSLATED:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
