"""atheris fuzzers (not collected by pytest): ``python -m tests.fuzz.run``; see run.py."""
