"""Runs an Eddy function in a test, without an engine: events in; emits, state, logs and failures out.

    from eddy.testing import FunctionTester
    import readings

    def test_alerts_hot_readings():
        tester = FunctionTester(readings)
        tester.send({"device": "d-1", "celsius": 35.0}, key="d-1")
        assert tester.emitted("alerts") == [{"device": "d-1", "celsius": 35.0}]

As the engine does, an event whose handler raises is a failure of that event alone (``failures``), with the
reason the error's class gives (``eddy.Undecodable``: UNDECODABLE; otherwise HANDLER_FAILED); state set by a
successful call is what the key's next call reads.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from . import Environment, Event, Function

__all__ = ["FunctionTester", "Sent"]


class Sent:
    """What became of one event: its emits as dicts (output, value, key when set, headers when set) or its error."""

    def __init__(self, event: Event, result: dict):
        self.event = event
        self.result = result

    @property
    def failed(self) -> bool:
        return "error" in self.result

    @property
    def emits(self) -> list[dict]:
        return self.result.get("emits", [])

    @property
    def error(self) -> str | None:
        return self.result.get("error")

    @property
    def reason(self) -> str | None:
        return self.result.get("reason")


class FunctionTester:
    """A function opened with its config and secrets; ``send`` runs events through it one at a time, ``send_batch``
    as one batch."""

    def __init__(self, handler: Any, name: str = "function-under-test", version: str = "0",
                 config: Mapping[str, Any] | None = None, secrets: Mapping[str, str] | None = None,
                 state: Iterable[str] | None = None):
        self.function = Function(handler() if isinstance(handler, type) else handler,
                                 Environment(name, version, config, secrets))
        self.function.open()
        self._declared = list(state) if state is not None else None
        self._state: dict[Any, dict] = {}
        self.sent: list[Sent] = []

    def send(self, value: Any, key: Any = None, headers: Mapping[str, str] | None = None, topic: str = "in",
             attempt: int = 1) -> Sent:
        event = Event(value=value, key=key, headers=dict(headers or {}), topic=topic, partition=0,
                      offset=len(self.sent))
        states = None if self._declared is None else [self._state.get(key, {})]
        result = self.function.call([event], attempt, None, states, self._declared)[0]
        if "state" in result:
            values = {**self._state.get(key, {}), **result["state"]}
            self._state[key] = {name: value for name, value in values.items() if value is not None}
        sent = Sent(event, result)
        self.sent.append(sent)
        return sent

    def send_batch(self, values: Iterable[Any], key: Any = None) -> list[Sent]:
        events = [Event(value=value, key=key, topic="in", partition=0, offset=len(self.sent) + i)
                  for i, value in enumerate(values)]
        results = self.function.call(events)
        batch = [Sent(event, result) for event, result in zip(events, results)]
        self.sent.extend(batch)
        return batch

    def emitted(self, output: str = "default") -> list[Any]:
        """The values emitted to an output, in order, over every event sent."""
        return [emit["value"] for sent in self.sent for emit in sent.emits if emit["output"] == output]

    def state(self, key: Any) -> dict:
        """The key's state values, as the next call of it reads them."""
        return dict(self._state.get(key, {}))

    @property
    def failures(self) -> list[Sent]:
        return [sent for sent in self.sent if sent.failed]

    @property
    def logs(self) -> list[dict]:
        return [line for sent in self.sent for line in sent.result.get("logs", [])]

    def close(self) -> None:
        self.function.close()
