"""Response bodies copied verbatim from the DIDfarm documents (``/work/shared/providers``)."""

# didfarm-connect-guide.txt, "Search Available Numbers" response
CONNECT_SEARCH = {
    "data": [
        {
            "number": "+31201234567",
            "country": "NL",
            "type": "local",
            "city": "Amsterdam",
            "monthly_rate": 150,
            "setup_fee": 0,
            "sms_enabled": False,
            "requires_regulatory": True,
        }
    ],
    "meta": {"total": 48, "page": 1},
}

# didfarm-api-reference.txt, "Search Available Numbers" response (older shape)
LEGACY_SEARCH = {
    "data": [
        {
            "number": "+44 20 7946 0831",
            "country_code": "GB",
            "type": "local",
            "monthly_price": 2.00,
            "setup_fee": 1.00,
            "features": ["voice", "sms"],
            "available": True,
        }
    ],
    "meta": {"total": 48, "limit": 20},
}

# didfarm-connect-guide.txt, "Error Format"
ERROR_INSUFFICIENT = {
    "error": {
        "code": "insufficient_balance",
        "message": "Wallet balance too low for this purchase.",
        "status": 422,
    }
}

# didfarm-connect-guide.txt, "Check Wallet Balance" (shown as a comment in the curl example)
BALANCE = {"balance": "142.50", "currency": "EUR"}

# didfarm-connect-guide.txt, "Create Client SIP Trunks" response
TRUNK_CREATED = {
    "data": {
        "uuid": "trk_a1b2c3d4",
        "name": "Acme Corp",
        "sip_server": "sip.didfarm.com",
        "username": "acme_xk9f2",
        "password": "Rn8kP2mQ...",
        "status": "provisioning",
    }
}

# didfarm-connect-guide.txt, "Webhook Payload Example" (raw text, as it would arrive)
WEBHOOK_BODY = b"""{
  "event": "number.activated",
  "timestamp": "2026-04-05T14:30:00Z",
  "data": {
    "number": "+31201234567",
    "country": "NL",
    "type": "local",
    "trunk_uuid": "trk_a1b2c3d4",
    "order_id": 1042
  }
}"""

# The Node.js example reads order.data.order_id and order.data.items[0].did_number_id from the
# checkout answer; the guide shows no full body, so this one holds just those documented fields.
CHECKOUT_MINIMAL = {
    "data": {"order_id": 1042, "items": [{"number": "+31201234567", "did_number_id": 42}]}
}
