"""The Python SDK without an engine: calls, emits, state, errors and their reasons, batches, logs, and the server
speaking the remote protocol over loopback."""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import types
import unittest
import urllib.request

import eddy
from eddy.__main__ import make_server
from eddy.testing import FunctionTester


def celsius(event, ctx):
    reading = event.value
    if "celsius" not in reading:
        raise eddy.Undecodable(f"no celsius in {reading}")
    if reading["celsius"] > ctx.config.get("threshold", 30):
        ctx.log.info("hot: %s", reading["device"])
        ctx.emit(reading, output="alerts", key=reading["device"])
    ctx.emit({**reading, "fahrenheit": reading["celsius"] * 9 / 5 + 32})


class Counter:
    """A class handler with open and keyed state."""

    def open(self, env):
        self.step = env.config.get("step", 1)

    def handle(self, event, ctx):
        count = ctx.state.get("count", 0) + self.step
        ctx.state.set("count", count)
        ctx.emit({"key": event.key, "count": count})


def module(**functions):
    made = types.ModuleType("handler_under_test")
    for name, function in functions.items():
        setattr(made, name, function)
    return made


class FunctionTesterTest(unittest.TestCase):

    def test_emits_to_the_default_output_and_a_named_one(self):
        tester = FunctionTester(module(handle=celsius), config={"threshold": 30})
        tester.send({"device": "d-1", "celsius": 35.0}, key="d-1")
        tester.send({"device": "d-2", "celsius": 20.0}, key="d-2")
        self.assertEqual([{"device": "d-1", "celsius": 35.0, "fahrenheit": 95.0},
                          {"device": "d-2", "celsius": 20.0, "fahrenheit": 68.0}], tester.emitted())
        self.assertEqual([{"device": "d-1", "celsius": 35.0}], tester.emitted("alerts"))
        self.assertEqual([{"level": "INFO", "message": "hot: d-1"}], tester.logs)

    def test_an_error_fails_its_event_alone_with_its_type_stack_and_reason(self):
        tester = FunctionTester(module(handle=celsius))
        bad = tester.send({"device": "d-1"})
        tester.send({"device": "d-2", "celsius": 1.0})
        self.assertEqual("UNDECODABLE", bad.reason)
        self.assertFalse(bad.result["retry"])
        self.assertEqual("Undecodable: no celsius in {'device': 'd-1'}", bad.error)
        self.assertIn("raise eddy.Undecodable", bad.result["stack"])
        self.assertEqual(1, len(tester.failures))
        self.assertEqual(1, len(tester.emitted()))

    def test_any_other_error_is_retried_as_handler_failed(self):
        def handle(event, ctx):
            return 1 / event.value
        tester = FunctionTester(module(handle=handle))
        failed = tester.send(0)
        self.assertEqual("HANDLER_FAILED", failed.reason)
        self.assertTrue(failed.result["retry"])
        self.assertIn("ZeroDivisionError", failed.error)

    def test_keeps_each_keys_state_between_calls(self):
        tester = FunctionTester(Counter, config={"step": 2}, state=["count"])
        for key in ["a", "b", "a", "a"]:
            tester.send({}, key=key)
        self.assertEqual({"count": 6}, tester.state("a"))
        self.assertEqual({"count": 2}, tester.state("b"))
        self.assertEqual([2, 2, 4, 6], [out["count"] for out in tester.emitted()])

    def test_refuses_a_state_value_not_declared(self):
        def handle(event, ctx):
            ctx.state.set("other", 1)
        failed = FunctionTester(module(handle=handle), state=["count"]).send({}, key="k")
        self.assertIn("state value 'other' is not declared", failed.error)

    def test_a_batch_handler_emits_per_event_and_fails_one_alone(self):
        def handle_batch(events, ctx):
            for event in events:
                if event.value < 0:
                    ctx.fail(event, ValueError(f"negative: {event.value}"))
                else:
                    ctx.emit(event.value * 10, of=event)
        results = FunctionTester(module(handle_batch=handle_batch)).send_batch([1, -2, 3])
        self.assertEqual([[10], [], [30]], [[e["value"] for e in sent.emits] for sent in results])
        self.assertEqual("ValueError: negative: -2", results[1].error)

    def test_a_secret_missing_is_named_with_those_given(self):
        env = eddy.Environment("f", "1", secrets={"token": "t"})
        with self.assertRaisesRegex(KeyError, r"no secret 'password'.*\['token'\]"):
            env.secret("password")


class ServerTest(unittest.TestCase):

    def test_answers_a_batch_per_event_over_http(self):
        function = eddy.Function(module(handle=celsius), eddy.Environment("readings", "1"))
        server = make_server(function, 0, None)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            request = {"function": "readings", "version": "1", "attempt": 1, "deadline": "2026-12-07T10:00:00Z",
                       "events": [{"key": "d-1", "value": {"device": "d-1", "celsius": 35.0}, "headers": {},
                                   "topic": "t", "partition": 0, "offset": 1},
                                  {"key": "d-2", "value": {"device": "d-2"}}]}
            answer = json.loads(urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{server.server_address[1]}/", data=json.dumps(request).encode(),
                headers={"Content-Type": "application/json"})).read())
        finally:
            server.shutdown()
            server.server_close()
        first, second = answer["results"]
        self.assertEqual(["alerts", "default"], [emit["output"] for emit in first["emits"]])
        self.assertEqual("UNDECODABLE", second["reason"])

    def test_a_call_past_the_functions_memory_fails_with_memory_error_and_the_process_serves_on(self):
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "hog.py"), "w") as module_file:
                module_file.write("def handle(event, ctx):\n"
                                  "    ctx.emit(len(bytearray(event.value * 1024 * 1024)))\n")
            sdk = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            process = subprocess.Popen([sys.executable, "-u", "-m", "eddy", "--handler", "hog", "--dir", folder],
                                       stdout=subprocess.PIPE, text=True,
                                       env={**os.environ, "PYTHONPATH": sdk, "EDDY_MEMORY_MB": "128"})
            try:
                port = int(process.stdout.readline().split()[1])
                request = {"function": "hog", "version": "1", "attempt": 1,
                           "events": [{"key": "a", "value": 512}, {"key": "b", "value": 1}]}
                answer = json.loads(urllib.request.urlopen(urllib.request.Request(
                    f"http://127.0.0.1:{port}/", data=json.dumps(request).encode())).read())
                # As the engine calls: many connections at once, a thread each, within the same memory.
                small = json.dumps({"function": "hog", "events": [{"key": "c", "value": 1}]}).encode()
                held = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(60)]
                for connection in held:
                    connection.request("POST", "/", body=small)
                statuses = [connection.getresponse().status for connection in held]
                for connection in held:
                    connection.close()
            finally:
                process.terminate()
                process.wait(10)
                process.stdout.close()
        too_much, small = answer["results"]
        self.assertEqual("MemoryError", too_much["type"], too_much)
        self.assertEqual([1024 * 1024], [emit["value"] for emit in small["emits"]])
        self.assertEqual([200] * 60, statuses, "60 connections served at once within 128 MB")


if __name__ == "__main__":
    unittest.main()
