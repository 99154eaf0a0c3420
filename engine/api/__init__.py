"""The read API and the server-rendered dashboard (contract §8): bearer tokens mapped to
roles, case-level reads limited to the token's area or CPS Area, every case-level read
and every refusal written to the audit log."""
