"""The message broker as both parts reach it: one connection (RabbitMQ or the embedded
transport) and the stop-aware consuming loop. The names on it are in `schemas.messages.topology`."""
