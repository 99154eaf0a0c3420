"""SPOC notifications: who is told about which flag, what they are sent, and a delivery
log that makes every send at most once per (flag, transition) and never silently lost.

Layers, one noun each: `settings` (national + area notification settings), `routing`
(owner -> recipient), `plan` and `escalation` (pure: what is due to be sent, given flags,
acknowledgements and what was already sent), `compose` (message text, HTML and webhook
JSON), `channels` (SMTP and HTTP), `outbox` (the delivery log tables' reads and writes),
`acks` (acknowledgements), `run` (plan, record, deliver).
"""
