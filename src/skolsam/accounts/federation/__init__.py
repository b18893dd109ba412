"""Log in through a federation: Sweden Connect and Skolfederation (SAML), the Swedish OIDC
profile, and one-time codes for guardians without e-ID. See docs/architecture.md,
"Federated login"."""
