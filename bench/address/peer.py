"""Peer for bench/address: python email-validator, syntax only, same corpus and rounds.

Prints "<addresses per second> <valid count per round>" (best of five rounds).
"""
import json
import sys
import time

from email_validator import EmailNotValidError, validate_email


def main() -> None:
    addresses = json.load(open(sys.argv[1], encoding="utf-8"))
    rounds = int(sys.argv[2])
    best = float("inf")
    valid = 0
    for _ in range(5):
        start = time.perf_counter()
        valid = 0
        for _ in range(rounds):
            for a in addresses:
                try:
                    validate_email(a, check_deliverability=False)
                    valid += 1
                except EmailNotValidError:
                    pass
        best = min(best, time.perf_counter() - start)
    print(f"{len(addresses) * rounds / best:.0f} {valid // rounds}")


main()
