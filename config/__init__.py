"""Configuration modules, one per environment, layered over `defaults`.

`referral.create_app` loads `config.defaults`, then `config.<REFERRAL_ENV>`, then
`REFERRAL_*` environment variables, then `<NAME>_FILE` secrets, then the overrides
a caller passes (tests).
"""
