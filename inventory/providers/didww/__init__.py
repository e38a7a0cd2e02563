"""DIDWW API v3 (JSON:API, 2022-05-10): client, wire shapes, adapter, callback signatures."""
