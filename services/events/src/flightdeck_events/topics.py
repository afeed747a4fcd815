"""The Kafka topics of the event pipeline, named from the configured prefix."""

from __future__ import annotations

from dataclasses import dataclass

from flightdeck_events.settings import TopicSettings
from flightdeck_records import topics


@dataclass(frozen=True)
class EventTopics:
    events: str
    dead_letters: str
    phases: str
    phases_cloudevents: str

    @staticmethod
    def of(layout: TopicSettings) -> EventTopics:
        return EventTopics(
            layout.prefix + topics.EVENTS,
            layout.prefix + topics.EVENTS_DEAD_LETTER,
            layout.prefix + topics.EXECUTION_PHASES,
            layout.prefix + topics.EXECUTION_PHASES_CLOUDEVENTS,
        )

    def all(self) -> tuple[str, ...]:
        return (self.events, self.dead_letters, self.phases, self.phases_cloudevents)
