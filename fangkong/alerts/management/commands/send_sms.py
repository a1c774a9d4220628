from django.core.management.base import BaseCommand

from fangkong.alerts.sms import send_due_sms


class Command(BaseCommand):
    help = "Send the text messages that are due (pending, next attempt reached); run every minute."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args, limit, **options):
        outcome = send_due_sms(limit=limit)
        self.stdout.write("sent {sent}, to retry {retry}, failed {failed}".format(**outcome))
