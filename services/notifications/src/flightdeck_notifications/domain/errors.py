"""Why a notification did not go out.

``DeliveryFailed``: the channel (SMTP server, Slack) refused or could not be reached; the
delivery is retried with backoff, then dead-lettered. ``ChannelUnconfigured``: the rule names a
channel this deployment has no settings for (no SMTP server, no Slack webhook and no SMTP to
fall back on); it is counted and skipped, since retrying cannot help. ``ExecutionUnreadable``:
admin could not answer GetExecution; retried like a failed delivery.
"""

from __future__ import annotations


class DeliveryFailed(Exception):
    pass


class ChannelUnconfigured(Exception):
    pass


class ExecutionUnreadable(Exception):
    pass
