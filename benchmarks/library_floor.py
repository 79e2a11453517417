"""The "library floor": the least any correct checker of these files has to do.

Read the CSV with the csv module and, once per row, ask phonenumbers (parse,
is_valid_number, format as E.164) about the phone number and email-validator
(syntax only, no DNS) about the e-mail address, in try/except.  Nothing else:
no dates, no numbers, no results file.  A dry run that beats this is doing the
phone and e-mail checks smarter than calling the libraries naively per row.

    python benchmarks/library_floor.py FILE [--encoding cp1252] [--region DE]

Prints one JSON line: rows, valid phones, valid e-mails, seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path


def floor(path: Path, encoding: str, region: str) -> dict[str, float | int]:
    import phonenumbers
    from email_validator import EmailNotValidError, validate_email

    started = time.perf_counter()
    rows = phones_ok = emails_ok = 0
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        header = next(reader)
        phone_at = header.index("Telefon")
        email_at = header.index("E-Mail")
        for row in reader:
            rows += 1
            phone = row[phone_at] if len(row) > phone_at else ""
            email = row[email_at] if len(row) > email_at else ""
            if phone:
                try:
                    number = phonenumbers.parse(phone, region)
                    if phonenumbers.is_valid_number(number):
                        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                        phones_ok += 1
                except phonenumbers.NumberParseException:
                    pass
            if email:
                try:
                    validate_email(email, check_deliverability=False)
                    emails_ok += 1
                except EmailNotValidError:
                    pass
    return {
        "rows": rows,
        "valid_phones": phones_ok,
        "valid_emails": emails_ok,
        "seconds": round(time.perf_counter() - started, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="library floor loop")
    parser.add_argument("file", type=Path)
    parser.add_argument("--encoding", default="cp1252")
    parser.add_argument("--region", default="DE")
    args = parser.parse_args(argv)
    print(json.dumps(floor(args.file, args.encoding, args.region)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
