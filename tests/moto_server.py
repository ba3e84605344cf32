"""moto server for Sendready's tests and local stack: moto for DynamoDB, Route 53, KMS,
SNS and EventBridge, with the local SES (`tests/ses_emulation.py`) in front of it for
every SES v2 request, and one fix for fidelity.

The local SES answers SES v2 as SES does (three Easy DKIM tokens, verification that
follows the local DNS, refusals, MAIL FROM, the account and its sandbox, tenants and
reputation, configuration sets and the events SES publishes, fault switches); its module
documents each behaviour and its settings. `tests/fault_switch.py` makes DynamoDB, Route
53 or KMS throttle or fail for a while, answering in each service's own protocol.

DynamoDB transactions are serializable. moto's server handles requests on threads, and
its TransactWriteItems snapshots the tables, applies the items, and on a failed condition
restores the snapshot: a transaction that fails while another succeeds undoes the other's
write (seen as a fourth email identity under fifty concurrent creates). This wrapper runs
DynamoDB's writes one at a time under a lock, as DynamoDB's isolation promises.

Otherwise it runs moto's own server: `python tests/moto_server.py -H 127.0.0.1 -p 5000`.
"""

import functools
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fault_switch  # noqa: E402
import ses_emulation  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402

_dynamodb_writes = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def run(*args, **kwargs):
        with _dynamodb_writes:
            return method(*args, **kwargs)

    return run


for _name in ("transact_write_items", "put_item", "update_item", "delete_item", "query", "get_item"):
    setattr(DynamoDBBackend, _name, _serialized(getattr(DynamoDBBackend, _name)))


def _public_url(argv):
    """The server's own URL, for the verification links the local SES prints."""
    host, port = "127.0.0.1", "5000"
    for flag, value in zip(argv, argv[1:]):
        if flag in ("-H", "--host"):
            host = value
        elif flag in ("-p", "--port"):
            port = value
    return f"http://{host}:{port}"


if __name__ == "__main__":
    from moto.server import main

    ses_emulation.install()
    fault_switch.install()
    if not ses_emulation.EMULATION.public_url:
        ses_emulation.EMULATION.public_url = _public_url(sys.argv[1:])
    sys.exit(main())
