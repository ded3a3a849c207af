"""In-app notifications (and optional e-mail) that something is waiting: a new referral,
a status change, feedback, an overdue referral. Never any detail of a survivor or case."""
