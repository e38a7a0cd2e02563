from celery import shared_task

from . import notifications, services_domains


@shared_task(name="customers.send_invitation_email_task")
def send_invitation_email_task(invitation_id: int) -> None:
    notifications.invitation_email_send(invitation_id=invitation_id)


@shared_task(name="customers.check_reseller_domain_task")
def check_reseller_domain_task(reseller_id: int) -> None:
    services_domains.reseller_domain_check(reseller_id=reseller_id)


@shared_task(name="customers.check_unverified_domains_task")
def check_unverified_domains_task() -> None:
    for reseller_id in services_domains.unverified_domain_reseller_ids():
        check_reseller_domain_task.delay(reseller_id)
