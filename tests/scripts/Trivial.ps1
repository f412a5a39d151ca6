# The smallest job: one value (the benchmark's round-trip script).
1
