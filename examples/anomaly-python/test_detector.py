"""The detector without an engine: a steady reading passes, a spike and an overheating device are emitted with
their score, and a reading it cannot score is UNDECODABLE. Needs scikit-learn; builds model.pkl when missing.

    PYTHONPATH=../../function-sdk/python python3 -m unittest test_detector
"""

import os
import unittest

try:
    import sklearn  # noqa: F401 (only whether it is there)
except ImportError:
    sklearn = None


@unittest.skipIf(sklearn is None, "scikit-learn is not installed for this Python (Debian: apt-get install"
                                  " python3-sklearn)")
class DetectorTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        import train
        if not os.path.exists(os.path.join(train.HERE, "model.pkl")):
            train.main()

    def setUp(self):
        from detector import Detector
        from eddy.testing import FunctionTester
        self.tester = FunctionTester(Detector, name="anomaly-detector")

    def test_emits_the_anomalies_of_a_batch_with_their_score(self):
        steady = {"device": "device-001", "celsius": 21.3, "average": 21.2}
        spike = {"device": "device-002", "celsius": 41.0, "average": 25.1}
        overheating = {"device": "device-003", "celsius": 52.4, "average": 38.0}
        self.tester.send_batch([steady, spike, overheating])
        emitted = self.tester.emitted()
        self.assertEqual(["device-002", "device-003"], [anomaly["device"] for anomaly in emitted])
        self.assertTrue(all(anomaly["score"] > 0 for anomaly in emitted), emitted)

    def test_a_reading_it_cannot_score_is_undecodable_and_the_rest_are_scored(self):
        sent = self.tester.send_batch([{"device": "device-004", "humidity": 40},
                                       {"device": "device-005", "celsius": 60.0, "average": 30.0}])
        self.assertEqual("UNDECODABLE", sent[0].reason)
        self.assertEqual(["device-005"], [anomaly["device"] for anomaly in self.tester.emitted()])


if __name__ == "__main__":
    unittest.main()
