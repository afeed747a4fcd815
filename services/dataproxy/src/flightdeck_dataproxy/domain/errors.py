"""The data proxy's failures, each a kind from ``flightdeck_platform.faults`` (the gRPC code is
chosen at the boundary). The object store's own failures (``flightdeck_storage.errors``: bad
key, foreign URL, object not found...) pass through unchanged.

    faults.InvalidArgument
    ├── MissingField          a required request field is empty ("missing <field>")
    ├── InvalidField          a field has a value the rules forbid ("invalid value for <field>")
    ├── InvalidFlyteUrl       GetData's flyte:// URL does not follow the grammar
    ├── UnknownLiteral        the URL names a literal the data does not hold
    ├── AttemptNotFound       the node has no task attempt with that number
    └── NodeLookupFailed      CreateDownloadLink could not find the node (the reference says IA)
    faults.NotFound
    ├── ExecutionNotFound     no such (node) execution
    └── DeckNotFound          the node execution has no deck
    faults.AlreadyExists
    └── UploadConflict        a deterministic upload path already holds different content
"""

from __future__ import annotations

from flightdeck_platform import faults

MissingField = faults.MissingField
InvalidField = faults.InvalidField


class InvalidFlyteUrl(faults.InvalidArgument):
    pass


class UnknownLiteral(faults.InvalidArgument):
    pass


class AttemptNotFound(faults.InvalidArgument):
    pass


class NodeLookupFailed(faults.InvalidArgument):
    pass


class ExecutionNotFound(faults.NotFound):
    pass


class DeckNotFound(faults.NotFound):
    pass


class UploadConflict(faults.AlreadyExists):
    pass
