"""The one exception tree of sitroom.

::

    SitroomError                      (500)  base; every error has a clear one-line message
    ├── InputError                    (422)  one input item cannot be read; the batch goes on
    │   ├── EmptyInputError                  nothing to read (empty file, blank text)
    │   ├── BinaryInputError                 not text (NUL bytes, an image, ...)
    │   ├── EncodingError                    bytes that decode in no supported encoding
    │   ├── MalformedInputError              broken HTML/XML/JSON/gzip/WARC
    │   ├── TooLargeError             (413)  over the configured size limit
    │   └── UnsupportedFormatError    (415)  a file type no reader handles
    ├── StageError                    (500)  a processing stage failed on one item
    ├── ConfigError                   (500)  bad settings, a missing model, a bad dictionary file
    ├── StoreError                    (500)  the database cannot be opened or migrated
    ├── NotFoundError                 (404)  an unknown id
    ├── BadParameterError             (400)  a query parameter out of range or malformed
    └── AuthError                     (401)  a write endpoint without a valid token

``Skip`` is not an error: a stage raises it to drop an item on purpose (scrapy's
``DropItem``). API handlers turn a ``SitroomError`` into JSON
``{"error": {"type", "message", "status"}}`` with ``http_status``.
"""

from __future__ import annotations


class SitroomError(Exception):
    http_status = 500

    def __init__(self, message: str, *, path: str | None = None):
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, "message": self.message, "status": self.http_status}


class InputError(SitroomError):
    http_status = 422


class EmptyInputError(InputError):
    pass


class BinaryInputError(InputError):
    pass


class EncodingError(InputError):
    pass


class MalformedInputError(InputError):
    pass


class TooLargeError(InputError):
    http_status = 413


class UnsupportedFormatError(InputError):
    http_status = 415


class StageError(SitroomError):
    pass


class ConfigError(SitroomError):
    pass


class StoreError(SitroomError):
    pass


class NotFoundError(SitroomError):
    http_status = 404


class BadParameterError(SitroomError):
    http_status = 400


class AuthError(SitroomError):
    http_status = 401


class Skip(Exception):
    """Raised by a stage to drop an item on purpose; recorded, not an error."""
