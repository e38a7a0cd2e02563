from celery import shared_task

from . import notifications


@shared_task(name="customers.send_invitation_email_task")
def send_invitation_email_task(invitation_id: int) -> None:
    notifications.invitation_email_send(invitation_id=invitation_id)
