# Writes $Records host records of $LinesPer lines each ("line N of TOTAL"), for the
# virtualised output view. Multi-line records keep the job quick while the page still has
# Records x LinesPer lines to show.
param([int] $Records = 20000, [int] $LinesPer = 5)
$total = $Records * $LinesPer
foreach ($r in 0..($Records - 1)) {
    $first = $r * $LinesPer + 1
    Write-Host (($first..($first + $LinesPer - 1) | ForEach-Object { "line $_ of $total" }) -join "`n")
}
