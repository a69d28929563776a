"""Put on PYTHONPATH by tests.clock.shifted_env(): a Python process started by a test runs
on the test run's shifted clock (time-machine moves time.time() and datetime.now(); the
monotonic clocks, which time-outs use, stay real)."""
import os

_shift = os.environ.get("LOYALTY_TEST_CLOCK_SHIFT")
if _shift:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_shift), tick=True).start()
