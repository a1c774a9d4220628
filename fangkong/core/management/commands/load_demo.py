"""``manage.py load_demo``: the Datonghu demo district (see ``fangkong.places.demo``)."""

import resource
import time

from django.core.management.base import BaseCommand, CommandError

from fangkong.places import counts, demo


class Command(BaseCommand):
    help = "Load the Datonghu demo district (areas, households, persons, demo users)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds areas.",
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
        if demo.demo_present():
            if if_empty:
                self.stdout.write("The database already holds areas: demo not loaded again.")
                return
            raise CommandError(
                "The database already holds areas; the demo loads into an empty "
                "database (use --if-empty to skip quietly)."
            )
        started = time.perf_counter()
        progress = (lambda msg: self.stdout.write(f"  {msg}")) if verbosity >= 2 else None
        self.stdout.write(f"Loading the Datonghu demo ({scale:,} persons, seed {seed}) …")
        try:
            result = demo.load_demo(persons=scale, seed=seed, progress=progress)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        # The loader writes with COPY, past the signals that keep the per-area counts.
        counts.refresh()
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Datonghu demo loaded in {elapsed:.1f} s: {result.areas:,} areas, "
                f"{result.households:,} households, {result.persons:,} persons "
                f"({result.returnees} tagged {demo.TAG_HUBEI}, {result.contacts} "
                f"{demo.TAG_CONTACT}), {result.users} demo users; peak memory {peak_mb:.0f} MB."
            )
        )
