"""Prints the README's "Headroom, measured" tables from headroom-sim runs.

Usage: headroom_table.py SIM [DURATION_S] [SEEDS...]
"""
import json
import statistics
import subprocess
import sys

GRID = [10, 20, 50, 100, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000, 7_000, 10_000,
        15_000, 20_000, 30_000, 50_000, 70_000, 100_000, 150_000, 200_000, 300_000, 500_000,
        700_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 5_000_000, 7_000_000, 10_000_000]
# Each stage at its defaults, then the early stages on bigger boxes (vertical scaling).
ROWS = [(s, None) for s in range(1, 8)] + [
    (1, "t3.large"), (1, "c5.24xlarge"), (3, "t3.large"), (3, "c5.4xlarge"), (3, "c5.24xlarge")]
COST_USERS = [1_000, 100_000, 10_000_000]


def seconds_for(users, at_least):
    """Long enough for about 30,000 requests (a p95 from a few hundred is noise), at least
    `at_least` and at most 1,200 simulated seconds. 300 requests a user a day, the peak hour
    3x the average, 78% of them past the browser's cache."""
    rps = users * 300 / 86_400 * 3 * 0.78
    return round(min(max(30_000 / rps, at_least), 1_200))


def run(sim, stage, users, duration, seed, instance=None):
    args = [sim, "stage", "--stage", str(stage), "--users", str(users), "--duration",
            str(seconds_for(users, duration)), "--seed", str(seed)]
    if instance:
        args += ["--instance", instance]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def first_failure(sim, stage, instance, duration, seed):
    """The first grid point where a failure rule fires, and that run; None past the grid."""
    for users in GRID:
        d = run(sim, stage, users, duration, seed, instance)
        if d["failure"]:
            return users, d
    return None


def main():
    sim = sys.argv[1]
    duration = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    seeds = [int(s) for s in sys.argv[3:]] or [1, 2, 3, 4, 5]
    print(f"First failing users on the grid, runs of about 30,000 requests and at least {duration} s,"
          f" seeds {', '.join(map(str, seeds))}:")
    print()
    print("| stage | first fails at, median (range) | failure | offered load there (req/s) "
          "| p95 there (ms) | error rate there | cost/month there |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for stage, instance in ROWS:
        label = f"{stage} on {instance}" if instance else str(stage)
        found = [first_failure(sim, stage, instance, duration, s) for s in seeds]
        if any(f is None for f in found):
            print(f"| {label} | not within {GRID[-1]:,} for every seed | | | | | |")
            continue
        users = [u for u, _ in found]
        median = statistics.median_low(users)
        _, d = next(f for f in found if f[0] == median)
        codes = sorted({f"`{r['failure']}`" for _, r in found})
        spread = f"{min(users):,}–{max(users):,}" if min(users) != max(users) else "all seeds"
        print(f"| {label} | {median:,} ({spread}) | {', '.join(codes)} | {d['offered_rps']:,.0f} "
              f"| {d['p95_ms']:,.0f} | {d['error_rate']:.1%} | ${d['cost_monthly_usd']:,.0f} |")
    print()
    print(f"Monthly cost by stage and users (seed {seeds[0]}):")
    print()
    print("| stage | " + " | ".join(f"{u:,} users" for u in COST_USERS) + " |")
    print("| --- |" + " --- |" * len(COST_USERS))
    for stage in range(1, 8):
        costs = [run(sim, stage, u, duration, seeds[0])["cost_monthly_usd"] for u in COST_USERS]
        print(f"| {stage} | " + " | ".join(f"${c:,.0f}" for c in costs) + " |")


if __name__ == "__main__":
    main()
