"""Demo: the daily reports of 2020-01-20 … 2020-02-23, as the nightly job would have issued
them (district and towns), so that the dashboard's trends cover the period and the office
logging in on the morning of 2020-02-24 reads the report of 2-23. Runs after every other step
(``after=("*",)``): it reports what they wrote."""

import datetime as dt

from fangkong.core.kit.demo import TZ_CN, DemoContext, demo_step

FIRST, LAST = dt.date(2020, 1, 20), dt.date(2020, 2, 23)


@demo_step("reports", after=("*",))
def reports_demo(ctx: DemoContext) -> None:
    from fangkong.reports.models import DailyReport, NightlyRun
    from fangkong.reports.services import nightly_issue

    day, issued = FIRST, 0
    while day <= LAST:
        run = nightly_issue(day=day)
        issued += run.reports
        # Issued five minutes after the day's 24:00, as the scheduled job does.
        at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 5), tzinfo=TZ_CN)
        DailyReport.objects.filter(day=day).update(issued_at=at)
        NightlyRun.objects.filter(day=day).update(started_at=at, finished_at=at)
        day += dt.timedelta(days=1)
    ctx.count("daily reports", issued)
