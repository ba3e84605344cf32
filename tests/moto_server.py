"""moto server for Sendready's tests and local stack, with one fix to its SES v2 wire format.

SES v2 is a REST-JSON API whose timestamps are epoch seconds (numbers). moto 5.2.5 writes
DkimAttributes.LastKeyGenerationTimestamp as an ISO 8601 string whenever an identity is
created with DkimSigningAttributes, which the AWS SDK for Rust rightly refuses to parse.
This wrapper stores that timestamp as epoch seconds, as SES sends it, and otherwise runs
moto's own server unchanged: `python tests/moto_server.py -H 127.0.0.1 -p 5000`.
"""

import sys
import time

from moto.ses import models

_init = models.EmailIdentity.__init__


def _init_with_epoch_timestamp(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    if isinstance(self.dkim_attributes.get("LastKeyGenerationTimestamp"), str):
        self.dkim_attributes["LastKeyGenerationTimestamp"] = time.time()


models.EmailIdentity.__init__ = _init_with_epoch_timestamp

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
