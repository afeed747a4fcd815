"""The contract between the services that write and read execution records.

Admin creates executions and reads every record; the events projector writes phases, node
executions and task executions. Neither imports the other, so the document shapes and topic names
both rely on live here, as pure functions over dictionaries and protobuf messages (no driver).
"""
