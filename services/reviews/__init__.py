"""政务服务"好差评" (good/bad reviews): every served case reviewed by the person served, every 差评 rectified within
15 working days, and indicators people can trust.

- `cases`: served cases (from repair and intake events, window visits, mini-app uses) and invitations.
- `reviewing`: who may review (the person served; an agent only with the resident's delegation token; never the
  staff who served), 一事一评 / 一次一评 within BST_REVIEW_DAYS, one follow-up after a rectification, idempotency,
  the per-account and per-network limits, masked public comments.
- `rectifications`: open → verified | disputed → rectified → returned_visit → closed, due 15 working days later on
  the shared calendar; overdue escalation; 申诉复核 (appeals).
- `indicators`: counters per (dimension, key, China day) kept in each change's transaction, a recount and the
  nightly reconciliation; `disclosure`: reading them for staff in region or the public.
- `access`: the responsible unit and the supervisors (see its docstring).
"""
