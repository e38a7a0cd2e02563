"""PBXme answers in the shape of ``pbxme-did-api.txt``.

The document has no JSON response examples, only the Python walk-through that reads these fields:
``res.json()["account_token"]``, ``bal.json()["balance"]``, ``avail.json()["dids"]`` with
``did_number``, ``monthly_cost``, ``setup_fee``, ``did_id`` (and, from the endpoint table,
``country`` and ``type``), ``assign.json()``, ``fwd.json()``, ``release.json()`` and
``my_dids.json()["dids"]`` with ``did_number``. The bodies below use exactly those names, the
document's example values (France, "+33612345678", type "pstn") and README facts (``00``
numbers, ``{"status": false, "error": ...}`` failures).
"""

from __future__ import annotations

LOGIN = {"status": True, "account_token": "d0c-t0ken-1"}
LOGIN_AGAIN = {"status": True, "account_token": "d0c-t0ken-2"}
BALANCE = {"status": True, "balance": "123.45"}
TYPE_LIST = {
    "status": True,
    "types": [
        {"type_id": 1, "name": "Landline"},
        {"type_id": 2, "name": "Mobile Voice"},
        {"type_id": 3, "name": "Mobile SMS"},
        {"type_id": 4, "name": "Voice+SMS"},
    ],
}
AVAILABLE_FR = {
    "status": True,
    "dids": [
        {
            "did_id": 501,
            "did_number": "0033153110098",
            "monthly_cost": "2.80",
            "setup_fee": "0.92",
            "country": "FR",
            "type": "Landline",
        },
        {
            "did_id": 502,
            "did_number": "0033153110099",
            "monthly_cost": "2.80",
            "setup_fee": "0.92",
            "country": "FR",
            "type": "Landline",
        },
        {
            "did_id": "503",
            "did_number": "+33 1 53 11 01 00",
            "monthly_cost": 3.5,
            "setup_fee": 0,
            "country": "fr",
            "type": "Landline",
        },
        {
            "did_id": 504,
            "did_number": "0033612345670",
            "monthly_cost": "4.10",
            "setup_fee": "1.00",
            "country": "FR",
            "type": "Mobile SMS",
        },
        {
            "did_id": 505,
            "did_number": "0033491319142",
            "monthly_cost": "2.10",
            "setup_fee": "0.50",
            "country": "FR",
            "type": "Voice+SMS",
        },
    ],
}
ASSIGN = {"status": True, "message": "DID assigned successfully", "did_id": 501}
FORWARD = {"status": True, "message": "Forwarding updated"}
RELEASE = {"status": True, "message": "DID released"}
LIST = {
    "status": True,
    "dids": [
        {
            "did_id": 501,
            "did_number": "0033153110098",
            "country": "FR",
            "type": "Landline",
            "monthly_cost": "2.80",
            "setup_fee": "0.92",
            "forward_type": "pstn",
            "forward_destination": "+33612345678",
        },
        {"did_id": 777, "did_number": "0012125550123"},
    ],
}
EMPTY_LIST = {"status": True, "dids": []}

# Failures: HTTP 200 with status false, as the README warns.
BAD_LOGIN = {"status": False, "error": "Invalid username or password"}
TOKEN_EXPIRED = {"status": False, "error": "Token expired, please login again"}
NO_BALANCE = {"status": False, "error": "Insufficient balance"}
GONE = {"status": False, "error": "DID not found or no longer available"}
BAD_COUNTRY = {"status": False, "error": "Invalid parameter: country"}
HOURLY = {"status": False, "error": "Hourly API request limit exceeded"}
