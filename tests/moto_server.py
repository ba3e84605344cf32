"""moto server for Sendready's tests and local stack, with three fixes for fidelity.

SES v2 is a REST-JSON API whose timestamps are epoch seconds (numbers). moto 5.2.5 writes
DkimAttributes.LastKeyGenerationTimestamp as an ISO 8601 string whenever an identity is
created with DkimSigningAttributes, which the AWS SDK for Rust rightly refuses to parse.
This wrapper stores that timestamp as epoch seconds, as SES sends it.

SES reports VerifiedForSendingStatus true for an identity whose VerificationStatus is
SUCCESS (and sending is enabled), and an email identity stays PENDING until its owner
opens the link SES mails. moto 5.2.5 marks every identity SUCCESS at once and leaves
VerifiedForSendingStatus false, so a sender check would refuse a domain its own identity
table shows as verified. This wrapper derives the flag from the status and keeps email
identities PENDING (no one opens the link locally); domains verify at once, as moto has
them.

DynamoDB transactions are serializable. moto's server handles requests on threads, and
its TransactWriteItems snapshots the tables, applies the items, and on a failed condition
restores the snapshot: a transaction that fails while another succeeds undoes the other's
write (seen as a fourth email identity under fifty concurrent creates). This wrapper runs
DynamoDB's writes one at a time under a lock, as DynamoDB's isolation promises.

Otherwise it runs moto's own server unchanged: `python tests/moto_server.py -H 127.0.0.1 -p 5000`.
"""

import functools
import sys
import threading
import time

from moto.dynamodb.models import DynamoDBBackend
from moto.ses import models

_init = models.EmailIdentity.__init__


def _init_with_epoch_timestamp(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    if self.identity_type == "EMAIL_ADDRESS":
        self.verification_status = "PENDING"
    if isinstance(self.dkim_attributes.get("LastKeyGenerationTimestamp"), str):
        self.dkim_attributes["LastKeyGenerationTimestamp"] = time.time()


models.EmailIdentity.__init__ = _init_with_epoch_timestamp
models.EmailIdentity.verified_for_sending_status = property(
    lambda self: self.verification_status == "SUCCESS" and self.sending_enabled,
    lambda self, _value: None,  # moto's __init__ assigns False; the status decides
)

_dynamodb_writes = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def run(*args, **kwargs):
        with _dynamodb_writes:
            return method(*args, **kwargs)

    return run


for _name in ("transact_write_items", "put_item", "update_item", "delete_item", "query", "get_item"):
    setattr(DynamoDBBackend, _name, _serialized(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
