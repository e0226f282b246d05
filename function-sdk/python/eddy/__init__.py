"""Eddy functions in Python: a handler, and what a call sees.

A function is a module with ``handle(event, ctx)`` (or ``handle_batch(events, ctx)``), and optionally
``open(env)`` and ``close()``; or a class with those methods, made once with no arguments::

    def handle(event, ctx):
        reading = event.value
        if reading["celsius"] > 30:
            ctx.emit(reading, output="alerts")
        ctx.emit({**reading, "fahrenheit": reading["celsius"] * 9 / 5 + 32})

Eddy runs it (``runtime: python`` in ``function.yaml``): it starts ``python -m eddy`` with the handler, feeds it
batches over loopback HTTP, and writes what it emits to Kafka. ``eddy.testing.FunctionTester`` runs it in a test,
without an engine. Only the standard library is used.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

__all__ = [
    "Event", "Context", "Environment", "Emit", "State",
    "EddyError", "Undecodable", "load_handler", "Function",
]

DEFAULT_OUTPUT = "default"


class EddyError(Exception):
    """An error a handler raises on purpose; its class says what becomes of the event."""

    reason = "HANDLER_FAILED"
    retry = True


class Undecodable(EddyError):
    """The event cannot be understood: dead-lettered at once as ``UNDECODABLE``, never retried."""

    reason = "UNDECODABLE"
    retry = False


@dataclass(frozen=True)
class Event:
    """One record: its key and value (as the function's formats give them: text, JSON, or bytes), headers, and
    where it came from."""

    value: Any
    key: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    timestamp: int | None = None

    @property
    def is_tombstone(self) -> bool:
        """A key without a value: a delete on a compacted topic."""
        return self.value is None


@dataclass
class Emit:
    """A record a call emits: to an output by name (``default`` unless given); key and headers the input's unless
    given."""

    value: Any
    output: str = DEFAULT_OUTPUT
    key: Any = None
    headers: Mapping[str, str] | None = None
    has_key: bool = False

    def to_json(self) -> dict:
        out: dict = {"output": self.output, "value": self.value}
        if self.has_key:
            out["key"] = self.key
        if self.headers is not None:
            out["headers"] = {str(name): str(text) for name, text in self.headers.items()}
        return out


class State:
    """A key's state values, by the names the manifest declares (``state: {values: [count]}``). ``get`` answers
    ``default`` for a value not set; ``set`` and ``clear`` are written when the call succeeds, with its emits."""

    def __init__(self, values: Mapping[str, Any] | None, declared: Iterable[str] | None = None):
        self._values = dict(values or {})
        self._declared = set(declared) if declared is not None else None
        self._changed: dict[str, Any] = {}

    def get(self, name: str, default: Any = None) -> Any:
        self._check(name)
        value = self._changed[name] if name in self._changed else self._values.get(name)
        return default if value is None else value

    def set(self, name: str, value: Any) -> None:
        self._check(name)
        self._changed[name] = value

    def clear(self, name: str) -> None:
        self._check(name)
        self._changed[name] = None

    def changes(self) -> dict[str, Any]:
        """What this call changed: values by name, None for a value cleared."""
        return dict(self._changed)

    def _check(self, name: str) -> None:
        if self._declared is not None and name not in self._declared:
            raise KeyError(f"state value '{name}' is not declared; the manifest declares {sorted(self._declared)}")


class Environment:
    """What a function is given once: its name, version, config values and secrets, and its logger."""

    def __init__(self, function: str, version: str, config: Mapping[str, Any] | None = None,
                 secrets: Mapping[str, str] | None = None):
        self.function = function
        self.version = version
        self.config = dict(config or {})
        self._secrets = dict(secrets or {})
        self.log = logging.getLogger(f"eddy.function.{function}")

    def secret(self, name: str) -> str:
        """A secret by name; a KeyError names those there are when it is missing."""
        if name not in self._secrets:
            raise KeyError(f"no secret '{name}' is given to function '{self.function}'; given: "
                           f"{sorted(self._secrets)}")
        return self._secrets[name]


class Context(Environment):
    """One call: the environment, ``emit``, the key's ``state``, ``attempt`` and ``deadline``."""

    def __init__(self, env: Environment, attempt: int = 1, deadline: datetime | None = None,
                 state: State | None = None):
        # One per event: the environment's values are shared, not copied again.
        self.function = env.function
        self.version = env.version
        self.config = env.config
        self._secrets = env._secrets
        self.attempt = attempt
        self.deadline = deadline
        self._state = state
        self.emits: list[Emit] = []
        self.log = env.log

    @property
    def state(self) -> State:
        if self._state is None:
            raise RuntimeError(f"function '{self.function}' has no keyed state: declare it in function.yaml "
                               "(state: {values: [name, ...]})")
        return self._state

    def emit(self, value: Any, output: str = DEFAULT_OUTPUT, key: Any = ..., headers: Mapping[str, str] | None = None
             ) -> None:
        """Emits a record to an output (``default`` unless named); the input's key and headers unless given."""
        self.emits.append(Emit(value, output, None if key is ... else key, headers, key is not ...))


# Log lines written during a call are sent back with its result, so that they reach ./eddy logs with the record
# they belong to; outside a call they go to standard error, which the engine keeps in the function's log.
_call_logs: contextvars.ContextVar[list | None] = contextvars.ContextVar("eddy_call_logs", default=None)


class _CallLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        lines = _call_logs.get()
        text = self.format(record)
        if lines is not None:
            lines.append({"level": record.levelname, "message": text})
        else:
            print(f"{record.levelname} {record.name} - {text}", file=sys.stderr, flush=True)


_function_logger = logging.getLogger("eddy.function")
_function_logger.setLevel(logging.INFO)
_function_logger.propagate = False
_handler = _CallLogHandler()
_handler.setFormatter(logging.Formatter("%(message)s"))
_function_logger.addHandler(_handler)


def error_json(error: BaseException) -> dict:
    """A failed event's result: the message, the error's type and stack, and what becomes of it."""
    reason = getattr(error, "reason", "HANDLER_FAILED")
    retry = getattr(error, "retry", True)
    stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return {"error": f"{type(error).__name__}: {error}", "type": type(error).__name__, "stack": stack,
            "reason": reason, "retry": retry}


class Function:
    """A loaded handler: calls it per event or per batch, and turns what it did into the protocol's results."""

    def __init__(self, target: Any, env: Environment):
        self.env = env
        self._target = target
        self._handle = getattr(target, "handle", None)
        self._handle_batch = getattr(target, "handle_batch", None)
        if self._handle is None and self._handle_batch is None:
            raise TypeError(f"{_describe(target)} has neither handle(event, ctx) nor handle_batch(events, ctx)")

    def open(self) -> None:
        opener = getattr(self._target, "open", None)
        if callable(opener):
            opener(self.env)

    def close(self) -> None:
        closer = getattr(self._target, "close", None)
        if callable(closer):
            closer()

    def call(self, events: list[Event], attempt: int = 1, deadline: datetime | None = None,
             states: list[Mapping[str, Any] | None] | None = None, declared: Iterable[str] | None = None
             ) -> list[dict]:
        """Runs the events and answers one result per event: its emits (and state changes), or its error."""
        if self._handle_batch is not None and states is None:
            return self._call_batch(events, attempt, deadline)
        results = []
        for index, event in enumerate(events):
            state = None if states is None else State(states[index], declared)
            ctx = Context(self.env, attempt, deadline, state)
            lines: list = []
            token = _call_logs.set(lines)
            try:
                self._handle(event, ctx)
                result: dict = {"emits": [emit.to_json() for emit in ctx.emits]}
                if state is not None:
                    result["state"] = state.changes()
            except Exception as error:  # the event fails alone; the rest go on
                ctx.log.error("%s", f"{type(error).__name__}: {error}")
                result = error_json(error)
            finally:
                _call_logs.reset(token)
            if lines:
                result["logs"] = lines
            results.append(result)
        return results

    def _call_batch(self, events: list[Event], attempt: int, deadline: datetime | None) -> list[dict]:
        ctx = _BatchContext(self.env, attempt, deadline, events)
        lines: list = []
        token = _call_logs.set(lines)
        try:
            self._handle_batch(events, ctx)
            results = ctx.results()
        except Exception as error:  # the whole batch fails: each event is tried again alone
            ctx.log.error("%s", f"{type(error).__name__}: {error}")
            results = [error_json(error) for _ in events]
        finally:
            _call_logs.reset(token)
        if lines and results:
            results[0]["logs"] = lines
        return results


class _BatchContext(Context):
    """A batch's context: ``emit(value, of=event)`` says which event an emit comes from (the first unless given),
    and ``fail(event, error)`` fails one event alone."""

    def __init__(self, env: Environment, attempt: int, deadline: datetime | None, events: list[Event]):
        super().__init__(env, attempt, deadline, None)
        self._events = events
        self._index = {id(event): i for i, event in enumerate(events)}
        self._emits: list[list[Emit]] = [[] for _ in events]
        self._failed: dict[int, BaseException] = {}

    def emit(self, value: Any, output: str = DEFAULT_OUTPUT, key: Any = ..., headers: Mapping[str, str] | None = None,
             of: Event | None = None) -> None:
        index = 0 if of is None else self._position(of)
        self._emits[index].append(Emit(value, output, None if key is ... else key, headers, key is not ...))

    def fail(self, event: Event, error: BaseException) -> None:
        self._failed[self._position(event)] = error

    def results(self) -> list[dict]:
        return [error_json(self._failed[i]) if i in self._failed else {"emits": [e.to_json() for e in emits]}
                for i, emits in enumerate(self._emits)]

    def _position(self, event: Event) -> int:
        if id(event) not in self._index:
            raise ValueError("the event is not one of this batch's")
        return self._index[id(event)]


def _is_module_function(thing: Any) -> bool:
    return callable(thing) and getattr(thing, "__module__", None) not in (None, "builtins")


def _describe(target: Any) -> str:
    return getattr(target, "__name__", None) or type(target).__name__


def load_handler(spec: str, search: str | None = None) -> Any:
    """The handler named ``module`` or ``module:attribute`` (a class is made once with no arguments; a module is
    used as it is), imported with ``search`` first on the path."""
    import importlib
    import sys
    if search and search not in sys.path:
        sys.path.insert(0, search)
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    if not attribute:
        return module
    try:
        target = getattr(module, attribute)
    except AttributeError:
        raise AttributeError(f"module '{module_name}' has no '{attribute}' (the entry point {spec})") from None
    if isinstance(target, type):
        return target()
    if callable(target):  # a function: handle itself
        return _Single(target, module)
    return target


class _Single:
    """``module:function`` names the handler itself; the module's open and close, if any, go with it."""

    def __init__(self, handle: Callable, module: Any):
        self.handle = handle
        self.open = getattr(module, "open", None) if _is_module_function(getattr(module, "open", None)) else None
        self.close = getattr(module, "close", None) if _is_module_function(getattr(module, "close", None)) else None
