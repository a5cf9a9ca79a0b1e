"""Speed measurements run by `make bench`. Figures are printed, never asserted as timings in tests."""

from collections.abc import Callable

from bench.api import bench_api
from bench.board import bench_board
from bench.clock import bench_clock
from bench.desk import bench_desk
from bench.mail_in import bench_mail_in
from bench.repair import bench_repair
from bench.reports import bench_reports
from bench.scan import bench_scan

# Functions that print their own figures, run in order by `python -m bench`.
BENCHES: list[Callable[[], None]] = [
    bench_clock,
    bench_scan,
    bench_desk,
    bench_repair,
    bench_reports,
    bench_mail_in,
    bench_api,
    bench_board,
]
