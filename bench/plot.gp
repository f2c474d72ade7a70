# SPDX-License-Identifier: GPL-2.0
# MB/s against file size (tmpfs), one line per client.
# gnuplot -e "dat='DIR/plot.dat'; out='DIR/bench.png'; title='...'" bench/plot.gp
set terminal pngcairo size 900,560 noenhanced
set output out
set title title
set datafile missing "?"
set key autotitle columnhead outside right
set logscale x 2
set xlabel "file size (MiB), into tmpfs"
set ylabel "MB/s (median)"
set yrange [0:*]
set grid
plot for [i=2:8] dat using 1:i with linespoints lw 2
