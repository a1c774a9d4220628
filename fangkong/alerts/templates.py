"""Text-message templates, in Chinese (messages go to officials' phones in the district's
language whatever the sender's interface language). Keyed by template name; the alert's kind
picks the wording of its first line. A district may override any of them with
``FANGKONG_SMS_TEMPLATES`` (same keys, same placeholders)."""

from __future__ import annotations

from django.conf import settings

SIGNATURE = "【防控平台】"

TEMPLATES = {
    "alert_urgent": (
        "{signature}紧急预警（{kind}）：{title}。地区：{area}。请及时登录平台确认处置。"
    ),
    "alert_escalated": (
        "{signature}预警升级（{kind}）：{title}。地区：{area}，{minutes}分钟内无人确认，"
        "已上报至{target}。请及时处置。"
    ),
    "task_overdue": "{signature}任务逾期：{title}。请尽快办理并在平台反馈进展。",
    "notice": "{signature}{title}",
}

KIND_WORDS = {
    "fever_checkpoint": "卡口发热",
    "risk_arrival": "疫区来人",
    "fever_check": "观察对象发热或有症状",
    "missed_check": "漏测体温",
    "referral": "转诊",
    "pharmacy_report": "药店购药登记",
    "clinic_report": "诊所发热报告",
    "case_status": "病例状态变化",
    "verification": "大数据核查",
    "survey_risk": "摸排发现风险",
    "task": "任务",
    "other": "其他",
}


def render_sms(template: str, alert) -> str:
    """The text of ``template`` for ``alert`` (at most 300 characters)."""
    from fangkong.alerts.services import escalation_minutes

    templates = {**TEMPLATES, **getattr(settings, "FANGKONG_SMS_TEMPLATES", {})}
    text = templates.get(template, TEMPLATES["notice"]).format(
        signature=SIGNATURE,
        kind=KIND_WORDS.get(alert.kind, alert.kind),
        title=alert.title,
        area=alert.area.name,
        target=alert.escalated_to.name if alert.escalated_to_id else alert.area.name,
        minutes=escalation_minutes(alert.severity),
    )
    return text[:300]
