"""PBXme: form-encoded POST API with a login token (`pbxme-did-api.txt`)."""
