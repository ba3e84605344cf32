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

The snapshot itself is a deep copy of every table a transaction names, so each
transaction costs as much as the whole table: at the volumes `bench/run scale` and
`bench/run events` seed (hundreds of thousands of items) one event's transaction takes
seconds, which DynamoDB's never does (its cost is the items written). The wrapper below
keeps moto's semantics (every condition evaluated, all or nothing) but remembers only the
items the transaction touches and puts just those back when it is cancelled.

moto's Query on the table itself also walks every item of the table (and sorts them) to
find one partition's, so its cost grows with the table, where DynamoDB's grows with the
items the key range holds. The wrapper below hands moto's own query code just the
partition's items, in the order moto would have seen them; index queries are unchanged.

Otherwise it runs moto's own server: `python tests/moto_server.py -H 127.0.0.1 -p 5000`.
"""

import copy
import functools
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fault_switch  # noqa: E402
import ses_emulation  # noqa: E402
import moto.dynamodb.models as _ddb_models  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402
from moto.dynamodb.models.table import Table as _Table  # noqa: E402

_dynamodb_writes = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def run(*args, **kwargs):
        with _dynamodb_writes:
            return method(*args, **kwargs)

    return run


class _NoTableCopy:
    """`copy` for moto's DynamoDB module while a transaction runs: a table is not copied
    (the wrapper below undoes the touched items instead); anything else is."""

    def __init__(self):
        import copy

        self._copy = copy

    def deepcopy(self, value, *args):
        if isinstance(value, _Table):
            return value
        return self._copy.deepcopy(value, *args)

    def __getattr__(self, name):
        return getattr(self._copy, name)


def _item_key(backend, op_type, op):
    table = backend.tables.get(op.get("TableName"))
    if table is None:
        return None
    if op_type != "Put":
        return op["Key"]
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None and table.range_key_attr in attrs:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _transact_write_items(original):
    @functools.wraps(original)
    def run(self, transact_items):
        touched = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            key = _item_key(self, op_type, op)
            if key is None:
                continue
            try:
                before = self.get_item(op["TableName"], key)
            except Exception:  # noqa: BLE001 - moto raises its own validation errors later
                continue
            touched.append((op["TableName"], key, copy.deepcopy(before.to_json()["Attributes"]) if before else None))
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, before in reversed(touched):
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before)
            raise

    return run


def _partition_query(original):
    @functools.wraps(original)
    def run(self, hash_key, *args, **kwargs):
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None or not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        partition = list(self.items[hash_key].values()) if hash_key in self.items else []
        self.all_items = lambda: sorted(partition, key=lambda x: (x.hash_key, x.range_key))
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    return run


_Table.query = _partition_query(_Table.query)
_ddb_models.copy = _NoTableCopy()
DynamoDBBackend.transact_write_items = _transact_write_items(DynamoDBBackend.transact_write_items)

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
