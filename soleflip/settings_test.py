"""Settings of the test suite: the project's settings, told by the environment that they run tests.

The variable is set only while the settings are read: a program a test starts (a settings
check in a subprocess, say) sees the environment as it was.
"""

import os

os.environ["SOLEFLIP_TESTING"] = "1"
try:
    from soleflip.settings import *  # noqa: F403
finally:
    del os.environ["SOLEFLIP_TESTING"]
