# Writes $Megabytes distinct strings of 1 MiB each: more pipeline output than one frame of the
# integrated channel holds.
param([int] $Megabytes = 70)
foreach ($i in 1..$Megabytes) { '{0:D8}' -f $i + 'x' * (1MB - 8) }
