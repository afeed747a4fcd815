"""Admin's failures, each a kind from ``flightdeck_platform.faults`` (mapped to gRPC codes at the
boundary). Messages follow the reference flyteadmin's wording where clients may read them.

    faults.InvalidArgument
    ├── MissingField          a required request field is empty ("missing <field>")
    ├── InvalidField          a field has a value the rules forbid ("invalid value for <field>")
    ├── ProjectNotUsable      project unknown or inactive, or domain unknown (the gate)
    └── DifferentStructure    an id registered again with different content
    faults.NotFound
    └── EntityNotFound
    faults.AlreadyExists
    └── EntityAlreadyExists
"""

from __future__ import annotations

from flightdeck_platform import faults

MissingField = faults.MissingField
InvalidField = faults.InvalidField


class ProjectNotUsable(faults.InvalidArgument):
    pass


class EntityNotFound(faults.NotFound):
    pass


class EntityAlreadyExists(faults.AlreadyExists):
    pass


class DifferentStructure(faults.InvalidArgument):
    """Same id, different content: the caller must register a new version."""
