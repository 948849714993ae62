#!/usr/bin/env python3
"""Validate JSON lines against a JSON Schema (draft 2020-12).

usage: validate_schema.py SCHEMA FILE [FILE...]    (FILE may be - for stdin)

Every non-empty line must be one JSON object that validates; a file that is one
(pretty-printed) JSON document, like the --metadata-file, is validated as a whole. Prints one line per
invalid record (file:line: path: message) and exits 1 if any failed, 2 on usage or
unreadable input, 0 otherwise. Needs python3-jsonschema (Debian package)."""
import json
import sys

try:
    import jsonschema
except ImportError:  # pragma: no cover
    sys.stderr.write("validate_schema.py: python3-jsonschema is not installed\n")
    sys.exit(2)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=getattr(cls, "FORMAT_CHECKER", None))
    bad = total = 0
    for path in argv[2:]:
        try:
            fh = sys.stdin.buffer if path == "-" else open(path, "rb")
        except OSError as e:
            sys.stderr.write("validate_schema.py: %s\n" % e)
            return 2
        with fh:
            data = fh.read()
        try:
            whole = json.loads(data)
        except ValueError:
            whole = None
        if isinstance(whole, dict) and data.count(b"\n") > 1:
            total += 1
            errs = sorted(validator.iter_errors(whole), key=lambda e: list(e.path))
            for e in errs[:5]:
                loc = "/".join(str(p) for p in e.path) or "(record)"
                print("%s: %s: %s" % (path, loc, e.message[:300]))
            bad += 1 if errs else 0
            continue
        for no, raw in enumerate(data.splitlines(), 1):
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    print("%s:%d: not UTF-8: %s" % (path, no, e))
                    bad += 1
                    continue
            if not raw.strip():
                continue
            total += 1
            try:
                rec = json.loads(raw)
            except ValueError as e:
                print("%s:%d: not JSON: %s" % (path, no, e))
                bad += 1
                continue
            errs = sorted(validator.iter_errors(rec), key=lambda e: list(e.path))
            for e in errs[:5]:
                loc = "/".join(str(p) for p in e.path) or "(record)"
                print("%s:%d: %s: %s" % (path, no, loc, e.message[:300]))
            if errs:
                bad += 1
    print("%d records, %d invalid" % (total, bad), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
