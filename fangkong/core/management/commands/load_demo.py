"""``manage.py load_demo``: the Datonghu demo district, each module's part in dependency order
(see ``fangkong.core.kit.demo``)."""

import io
import resource
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from fangkong.core.kit import demo


class Command(BaseCommand):
    help = "Load the Datonghu demo district (every module's demo step: areas, persons, users …)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds a district.",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=demo.DEFAULT_PERSONS,
            metavar="N",
            help="Number of persons (default %(default)s; 1000000 for benchmarks).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help="Random seed: the same seed gives the same district.",
        )

    def handle(
        self,
        *args,
        if_empty=False,
        scale=demo.DEFAULT_PERSONS,
        seed=demo.DEFAULT_SEED,
        verbosity=1,
        **options,
    ):
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        try:
            steps = demo.discover()
            order = demo.ordered_steps(steps)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from None
        if demo.demo_present(steps):
            if if_empty:
                self.stdout.write("The database already holds a district: demo not loaded again.")
                return
            raise CommandError(
                "The database already holds a district; the demo loads into an empty "
                "database (use --if-empty to skip quietly)."
            )
        started = time.perf_counter()
        progress = (lambda msg: self.stdout.write(f"  {msg}")) if verbosity >= 2 else None
        self.stdout.write(
            f"Loading the Datonghu demo ({scale:,} persons, seed {seed}; steps: "
            f"{', '.join(s.name for s in order)}) …"
        )
        try:
            ctx = demo.load_demo(persons=scale, seed=seed, progress=progress, steps=steps)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from None
        # The loader writes with COPY, past the signals that keep the per-area counts (the
        # command's own summary line stays last: bench/run.py reads it).
        call_command("refresh_counts", stdout=io.StringIO())
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        counts = ", ".join(f"{n:,} {label}" for label, n in ctx.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Datonghu demo loaded in {elapsed:.1f} s: {counts}; peak memory {peak_mb:.0f} MB."
            )
        )
