"""The signals service's failures, each a kind from ``flightdeck_platform.faults`` (mapped to
gRPC codes at the boundary). Messages follow the reference flyteadmin's wording where clients
may read them, and always name the offending field or types.

    faults.InvalidArgument
    ├── MissingField          a required request field is empty ("missing <field>")
    └── SignalValueMismatch   SetSignal's value does not fit the signal's type
    faults.NotFound
    └── SignalNotFound        SetSignal for a signal nobody created
    faults.AlreadyExists
    └── SignalTypeConflict    GetOrCreateSignal for an existing id with another type
    faults.Aborted
    └── SignalChanged         the signal was removed and created again while being set
    faults.Unavailable
    └── StoreUnavailable      Redis cannot be reached; the caller may retry
"""

from __future__ import annotations

from flightdeck_platform import faults

MissingField = faults.MissingField


class SignalValueMismatch(faults.InvalidArgument):
    pass


class SignalNotFound(faults.NotFound):
    pass


class SignalTypeConflict(faults.AlreadyExists):
    pass


class SignalChanged(faults.Aborted):
    pass


class StoreUnavailable(faults.Unavailable):
    pass
