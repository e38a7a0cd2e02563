"""DIDfarm (Connect API, https://didfarm.com/api/v1): exact numbers bought from a wallet."""
