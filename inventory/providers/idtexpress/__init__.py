"""IDT Express DID API v1 (``/work/shared/providers/idtexpress-api-v1.txt``)."""
