# The child the benchmark starts: does nothing, so only starting it is measured.
$null
